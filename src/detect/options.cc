// DetectOptions in one place: the names of behaviours and compatibility modes, the checks,
// the JSON record and its reading back, and the neighbouring settings of the sensitivity
// table. detect.h documents each option and its default.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "base/json_writer.h"
#include "detect/detect.h"

namespace groundswell {

namespace {

struct BehaviourNames {
  Behaviour behaviour;
  std::string_view native;
  std::string_view peer;  // "" when no peer tool has it
};
constexpr BehaviourNames kBehaviourNames[] = {
    {Behaviour::kShare, "share", "co_retweet"},
    {Behaviour::kLink, "link", "co_link"},
    {Behaviour::kDomain, "domain", ""},
    {Behaviour::kHashtag, "hashtag", ""},
    {Behaviour::kMention, "mention", ""},
    {Behaviour::kReply, "reply", "co_reply"},
    {Behaviour::kText, "text", "co_tweet"},
    {Behaviour::kSimilarText, "similar_text", "co_similar_tweet"},
    {Behaviour::kMedia, "media", ""},
    {Behaviour::kPost, "post", "co_post"},
};
static_assert(std::size(kBehaviourNames) == kBehaviourCount);

struct CompatNames {
  CompatMode compat;
  std::string_view name;
};
constexpr CompatNames kCompatNames[] = {
    {CompatMode::kNone, "none"},
    {CompatMode::kCoortweet, "coortweet"},
    {CompatMode::kCnt, "cnt"},
};

std::string known_behaviours() {
  std::string native, peer;
  for (const auto& n : kBehaviourNames) {
    native += native.empty() ? "" : ", ";
    native += n.native;
    if (n.peer.empty()) continue;
    peer += ", ";
    peer += n.peer;
  }
  return native + peer;
}

constexpr TimeMs kMaxWindowMs = 30LL * 86'400'000;

constexpr std::string_view kWindowSemantics =
    "inclusive: two actions at most window_s apart co-act";

}  // namespace

std::string_view behaviour_name(Behaviour b, CompatMode compat) {
  const auto& n = kBehaviourNames[static_cast<int>(b)];
  if (compat != CompatMode::kNone && !n.peer.empty()) return n.peer;
  return n.native;
}

Result<std::vector<Behaviour>> parse_behaviours(std::string_view list) {
  std::vector<Behaviour> out;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    bool found = false;
    for (const auto& n : kBehaviourNames) {
      if (item == n.native || (!n.peer.empty() && item == n.peer)) {
        if (std::find(out.begin(), out.end(), n.behaviour) == out.end()) out.push_back(n.behaviour);
        found = true;
      }
    }
    if (!found)
      return Status::InvalidArgument(fmt::format("unknown behaviour '{}' (known: {})", item,
                                                 known_behaviours()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view compat_name(CompatMode compat) {
  return kCompatNames[static_cast<int>(compat)].name;
}

Result<CompatMode> parse_compat(std::string_view name) {
  if (name.empty()) return CompatMode::kNone;
  for (const auto& n : kCompatNames)
    if (name == n.name) return n.compat;
  return Status::InvalidArgument(fmt::format(
      "unknown compatibility mode '{}' (known: none, coortweet, cnt)", name));
}

DetectOptions DetectOptions::defaults(CompatMode compat) {
  DetectOptions o;
  o.compat = compat;
  // The peer tools link accounts from two co-actions (CooRTweet's min_participation, the
  // toolkit's min_edge_weight); natively three distinct objects (docs/detection.md).
  if (compat != CompatMode::kNone) o.min_repetition = 2;
  // The peer tools detect at one window.
  if (compat != CompatMode::kNone) o.slow_windows.clear();
  return o;
}

std::vector<TimeMs> detection_windows(const DetectOptions& o, Behaviour b) {
  std::vector<TimeMs> w{o.window_ms};
  const bool slow = b == Behaviour::kShare || b == Behaviour::kLink || b == Behaviour::kText ||
                    b == Behaviour::kSimilarText;
  if (o.compat == CompatMode::kNone && slow)
    for (TimeMs s : o.slow_windows)
      if (s > o.window_ms) w.push_back(s);  // a slow window at or below W adds nothing
  return w;
}

Status DetectOptions::validate() const {
  auto bad = [](std::string_view option, std::string_view rule, auto value) {
    return Status::InvalidArgument(fmt::format("{} must be {} (got {})", option, rule, value));
  };
  if (window_ms < 0 || window_ms > kMaxWindowMs)
    return bad("window", "between 0 and 30 days", fmt::format("{} ms", window_ms));
  for (std::size_t i = 0; i < slow_windows.size(); ++i)
    if (slow_windows[i] <= (i == 0 ? 0 : slow_windows[i - 1]) || slow_windows[i] > kMaxWindowMs)
      return bad("slow_windows", "increasing, above 0 and at most 30 days",
                 fmt::format("{} ms", slow_windows[i]));
  if (min_repetition < 1) return bad("min_repetition", "at least 1", min_repetition);
  if (!(similarity > 0 && similarity <= 1)) return bad("similarity", "in (0, 1]", similarity);
  // q = 1 would keep every edge that has any p-value at all: no control of false discoveries.
  // --null-replicates 0 is the way to turn the test off.
  if (!(fdr > 0 && fdr < 1)) return bad("fdr", "in (0, 1)", fdr);
  if (null_replicates < 0) return bad("null_replicates", "0 or more", null_replicates);
  if (max_crowd < 0) return bad("max_crowd", "0 or more", max_crowd);
  if (crowd_neighbours < 0) return bad("crowd_neighbours", "0 or more", crowd_neighbours);
  if (min_text_tokens < 0) return bad("min_text_tokens", "0 or more", min_text_tokens);
  if (!(coortweet_edge_weight >= 0 && coortweet_edge_weight <= 1))
    return bad("coortweet_edge_weight", "in [0, 1]", coortweet_edge_weight);
  if (top_objects < 0) return bad("top_objects", "0 or more", top_objects);
  for (Behaviour b : behaviours) {
    if (b == Behaviour::kSimilarText && compat == CompatMode::kCoortweet)
      return Status::InvalidArgument(
          "behaviours: similar_text has no CooRTweet compatibility mode (its textreuse MinHash "
          "is not reproducible); use the native mode or compat cnt");
    if (b == Behaviour::kPost && compat != CompatMode::kCnt)
      return Status::InvalidArgument("behaviours: post (co_post) exists only in compat cnt");
  }
  return Status::Ok();
}

std::string DetectOptions::to_json() const {
  const DetectOptions defaults;
  JsonWriter w(false);
  w.begin_object();
  w.key("behaviours").begin_array();
  for (auto b : behaviours) w.value(behaviour_name(b, compat));
  w.end_array();
  w.key("window_s").value(static_cast<double>(window_ms) / 1000.0);
  w.key("window").value(kWindowSemantics);
  // Written only when there are any, so the records of compat runs and of every run from
  // before slow windows existed stay as they were.
  if (!slow_windows.empty() && compat == CompatMode::kNone) {
    w.key("slow_windows_s").begin_array();
    for (TimeMs s : slow_windows) w.value(static_cast<double>(s) / 1000.0);
    w.end_array();
  }
  w.key("min_repetition").value(min_repetition);
  w.key("similarity").value(similarity);
  w.key("compat").value(compat_name(compat));
  w.key("null_replicates").value(null_replicates);
  w.key("fdr").value(fdr);
  w.key("seed").value(seed);
  w.key("max_crowd").value(max_crowd);
  w.key("crowd_neighbours").value(crowd_neighbours);
  w.key("min_text_tokens").value(min_text_tokens);
  // Written only when changed (the command line never changes them), so the records of
  // every earlier run stay as they were.
  if (coortweet_edge_weight != defaults.coortweet_edge_weight)
    w.key("coortweet_edge_weight").value(coortweet_edge_weight);
  if (top_objects != defaults.top_objects) w.key("top_objects").value(top_objects);
  w.end_object();
  return w.take();
}

Result<DetectOptions> DetectOptions::from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) || !root.is_object())
    return Status::InvalidArgument("detection parameters: not a JSON object");
  auto wrong = [](std::string_view key) {
    return Status::InvalidArgument(fmt::format("detection parameters: '{}' has the wrong type", key));
  };
  // A key that is absent keeps its default; one of the wrong type is an error.
  auto get = [&](std::string_view key, auto& out) -> Status {
    auto field = root[key];
    if (field.error() == simdjson::NO_SUCH_FIELD) return Status::Ok();
    if (field.get(out)) return wrong(key);
    return Status::Ok();
  };
  auto get_int = [&](std::string_view key, int& out) -> Status {
    std::int64_t v = out;
    GS_RETURN_IF_ERROR(get(key, v));
    out = static_cast<int>(v);
    return Status::Ok();
  };

  DetectOptions o;
  std::string_view compat = compat_name(o.compat);
  GS_RETURN_IF_ERROR(get("compat", compat));
  auto mode = parse_compat(compat);
  if (!mode) return Status::InvalidArgument("detection parameters: " + mode.status().message());
  o.compat = *mode;
  double window_s = static_cast<double>(o.window_ms) / 1000.0;
  GS_RETURN_IF_ERROR(get("window_s", window_s));
  o.window_ms = static_cast<TimeMs>(window_s * 1000 + 0.5);
  // Absent in compat records and in records from before slow windows existed: none.
  o.slow_windows.clear();
  if (auto slow = root["slow_windows_s"]; slow.error() != simdjson::NO_SUCH_FIELD) {
    simdjson::dom::array list;
    if (slow.get(list)) return wrong("slow_windows_s");
    for (auto x : list) {
      double s = 0;
      if (x.get(s)) return wrong("slow_windows_s");
      o.slow_windows.push_back(static_cast<TimeMs>(s * 1000 + 0.5));
    }
  }
  GS_RETURN_IF_ERROR(get_int("min_repetition", o.min_repetition));
  GS_RETURN_IF_ERROR(get("similarity", o.similarity));
  GS_RETURN_IF_ERROR(get_int("null_replicates", o.null_replicates));
  GS_RETURN_IF_ERROR(get("fdr", o.fdr));
  GS_RETURN_IF_ERROR(get("seed", o.seed));
  GS_RETURN_IF_ERROR(get_int("max_crowd", o.max_crowd));
  // Absent in records written before crowd neighbours existed: those detections had none.
  o.crowd_neighbours = 0;
  GS_RETURN_IF_ERROR(get_int("crowd_neighbours", o.crowd_neighbours));
  GS_RETURN_IF_ERROR(get_int("min_text_tokens", o.min_text_tokens));
  GS_RETURN_IF_ERROR(get("coortweet_edge_weight", o.coortweet_edge_weight));
  GS_RETURN_IF_ERROR(get_int("top_objects", o.top_objects));
  simdjson::dom::array list;
  auto field = root["behaviours"];
  if (field.error() != simdjson::NO_SUCH_FIELD) {
    if (field.get(list)) return wrong("behaviours");
    std::string names;
    for (auto b : list) {
      std::string_view n;
      if (b.get(n)) return wrong("behaviours");
      names += names.empty() ? "" : ",";
      names += n;
    }
    auto parsed = parse_behaviours(names);
    if (!parsed) return Status::InvalidArgument("detection parameters: " + parsed.status().message());
    o.behaviours = std::move(*parsed);
  }
  auto valid = o.validate();
  if (!valid.ok()) return Status::InvalidArgument("detection parameters: " + valid.message());
  return o;
}

void write_parameters_summary(JsonWriter& w, const DetectOptions& o,
                              std::span<const Behaviour> run) {
  w.begin_object()
      .key("window_s").value(static_cast<double>(o.window_ms) / 1000.0)
      .key("window_semantics").value("two accounts co-act when their actions on the same object are at most window_s apart (inclusive)")
      .key("slow_windows_s").begin_array();
  if (o.compat == CompatMode::kNone)
    for (TimeMs s : o.slow_windows) w.value(static_cast<double>(s) / 1000.0);
  w.end_array()
      .key("min_repetition").value(o.min_repetition)
      .key("similarity").value(o.similarity)
      .key("fdr").value(o.fdr)
      .key("null_replicates").value(o.null_replicates)
      .key("seed").value(o.seed)
      .key("compat").value(compat_name(o.compat))
      .key("behaviours").begin_array();
  for (Behaviour b : run) w.value(behaviour_name(b));
  w.end_array().end_object();
}

std::vector<DetectVariant> sensitivity_variants(const DetectOptions& main) {
  std::vector<DetectVariant> candidates;
  for (double f : {0.5, 2.0}) {
    DetectVariant v{fmt::format("window={}s", static_cast<double>(main.window_ms) * f / 1000), main};
    // W alone, as `--window` would set it: the slow windows are a setting of their own, and
    // their edges, computed once, serve every window variant.
    v.options.window_ms = static_cast<TimeMs>(static_cast<double>(main.window_ms) * f);
    v.parameter = "window_s";
    v.value = static_cast<double>(v.options.window_ms) / 1000;
    candidates.push_back(std::move(v));
  }
  for (int k : {main.min_repetition - 1, main.min_repetition + 1}) {
    DetectVariant v{fmt::format("min_repetition={}", k), main};
    v.options.min_repetition = k;
    v.parameter = "min_repetition";
    v.value = k;
    v.estimate_scenario = false;
    candidates.push_back(std::move(v));
  }
  for (double sim : {main.similarity - 0.1, std::min(1.0, main.similarity + 0.1)}) {
    DetectVariant v{fmt::format("similarity={:.2f}", sim), main};
    v.options.similarity = sim;
    v.parameter = "similarity";
    v.value = sim;
    candidates.push_back(std::move(v));
  }
  for (double q : {main.fdr / 5, std::min(0.5, main.fdr * 2)}) {
    DetectVariant v{fmt::format("fdr={}", q), main};
    v.options.fdr = q;
    v.parameter = "fdr";
    v.value = q;
    candidates.push_back(std::move(v));
  }
  // Left out: a variant outside an option's range (similarity 0.1 - 0.1), and one that
  // repeats the main settings or an earlier variant (fdr 0.5 * 2 capped at 0.5).
  std::vector<DetectVariant> out;
  std::vector<std::string> seen{main.to_json()};
  for (auto& v : candidates) {
    if (!v.options.validate().ok()) continue;
    std::string record = v.options.to_json();
    if (std::find(seen.begin(), seen.end(), record) != seen.end()) continue;
    seen.push_back(std::move(record));
    out.push_back(std::move(v));
  }
  return out;
}

TimeMs widest_window(const DetectOptions& main, std::span<const DetectVariant> variants) {
  auto widest_of = [](const DetectOptions& o) {
    return o.slow_windows.empty() || o.compat != CompatMode::kNone
               ? o.window_ms
               : std::max(o.window_ms, o.slow_windows.back());
  };
  TimeMs widest = widest_of(main);
  for (const auto& v : variants) widest = std::max(widest, widest_of(v.options));
  return widest;
}

}  // namespace groundswell
