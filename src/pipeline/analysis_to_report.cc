#include "pipeline/analysis_to_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "base/time.h"
#include "detect/verdict.h"
#include "groundswell/version.h"

namespace groundswell {
namespace {

std::string node_id(const Dataset& d, std::uint32_t a) {
  return fmt::format("{}:{}", d.account_platform[a], d.account_id[a]);
}

std::string label_of(const Dataset& d, std::uint32_t a) {
  if (!d.account_display_name[a].empty()) return std::string(d.account_display_name[a]);
  if (!d.account_handle[a].empty()) return std::string(d.account_handle[a]);
  return std::string(d.account_id[a]);
}

std::optional<double> finite(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

// `posts` and `events`: the store's messages of each kind (the analysis dataset's posts, and
// the service events the overview counted), so that no count reads the messages table again.
Status add_provenance(Store& store, const ReportLimits& limits, std::int64_t posts,
                      std::int64_t events, ReportProvenance& p) {
  Db& db = store.db();
  Stmt s;
  // The latest read of each file path: what the data in the store came from.
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT path, format, coalesce(records_read,0), coalesce(stored,0), "
      "coalesce(duplicates,0), coalesce(rejected,0) FROM files WHERE id IN "
      "(SELECT max(id) FROM files GROUP BY path) ORDER BY path",
      s));
  while (s.step() == Stmt::kRow) {
    p.files.push_back({std::string(s.column_text(0)), std::string(s.column_text(1)),
                       s.column_int64(2), s.column_int64(3), s.column_int64(4), s.column_int64(5)});
  }
  auto count = [&](std::string_view sql) {
    auto v = db.query_int64(sql);
    return v ? *v : 0;
  };
  p.totals = {{"messages", posts},
              {"events", events},
              {"accounts", count("SELECT count(*) FROM accounts")},
              {"rejects", count("SELECT count(*) FROM rejects")}};
  GS_RETURN_IF_ERROR(db.prepare(
      fmt::format("SELECT file, line, byte_offset, reason, coalesce(excerpt,'') FROM rejects "
                  "ORDER BY id LIMIT {}",
                  limits.max_reject_samples),
      s));
  while (s.step() == Stmt::kRow) {
    std::string pos = s.column_int64(1) > 0 ? fmt::format("line {}", s.column_int64(1))
                                            : fmt::format("byte {}", s.column_int64(2));
    p.reject_samples.push_back({std::string(s.column_text(0)), pos,
                                std::string(s.column_text(3)), std::string(s.column_text(4))});
  }
  return Status::Ok();
}

ReportEvidenceMessage evidence_message(const Dataset& d, std::uint32_t m, std::string behaviour) {
  ReportEvidenceMessage e;
  e.message_id = std::string(d.msg_message_id[m]);
  std::uint32_t a = d.msg_account[m];
  if (a != kNoAccount) {
    e.account = std::string(d.account_id[a]);
    e.handle = std::string(d.account_handle[a]);
  }
  e.chat = std::string(d.msg_chat_id[m]);
  e.time = format_time_iso(d.msg_time[m]);
  e.text = std::string(d.msg_text[m]);
  if (d.msg_urls.count(m) > 0) e.url = std::string(d.msg_urls.item(m, 0));
  e.behaviour = std::move(behaviour);
  return e;
}

}  // namespace

Result<std::string> run_timestamp(Store& store, std::optional<std::int64_t> run_id) {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    std::string_view text(epoch);
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || seconds < 0 ||
        seconds > kMaxTime / 1000)
      return Status::InvalidArgument(fmt::format(
          "SOURCE_DATE_EPOCH '{}' is not a time in seconds since 1970-01-01", text));
    return format_time_iso(seconds * 1000);
  }
  Stmt s;
  if (run_id) {
    GS_RETURN_IF_ERROR(store.db().prepare("SELECT started_at FROM runs WHERE id = ?", s));
    s.bind_int64(1, *run_id);
  } else {
    // The run that stored the latest detection (what `report` reproduces), else the latest run.
    GS_RETURN_IF_ERROR(store.db().prepare(
        "SELECT coalesce((SELECT r.started_at FROM detections d JOIN runs r ON r.id = d.run_id "
        "ORDER BY d.id DESC LIMIT 1), (SELECT started_at FROM runs ORDER BY id DESC LIMIT 1))",
        s));
  }
  if (s.step() == Stmt::kRow && !s.column_is_null(0)) return std::string(s.column_text(0));
  return std::string();
}

Result<ReportData> build_report_data(Store& store, const Dataset& d,
                                     const DetectionResult& r, const DetectOptions& o,
                                     const std::vector<double>* scores,
                                     const ReportLimits& limits, std::string generated_at) {
  ReportData rd;
  rd.meta.version = kVersion;
  rd.meta.generated_at = std::move(generated_at);
  rd.meta.seed = o.seed;
  rd.meta.period = "day";
  TimeMs lo = kNoTime, hi = kNoTime;
  for (TimeMs t : d.msg_time) {
    if (t == kNoTime) continue;
    lo = lo == kNoTime ? t : std::min(lo, t);
    hi = hi == kNoTime ? t : std::max(hi, t);
  }
  auto& params = rd.meta.parameters;
  params.emplace_back("window_s", static_cast<double>(o.window_ms) / 1000.0);
  params.emplace_back("min_repetition", static_cast<std::int64_t>(o.min_repetition));
  params.emplace_back("similarity", o.similarity);
  params.emplace_back("fdr", o.fdr);
  params.emplace_back("null_replicates", static_cast<std::int64_t>(o.null_replicates));
  params.emplace_back("max_crowd", static_cast<std::int64_t>(o.max_crowd));
  params.emplace_back("crowd_neighbours", static_cast<std::int64_t>(o.crowd_neighbours));
  std::string behaviours;
  for (Behaviour b : r.behaviours) {
    if (!behaviours.empty()) behaviours += ", ";
    behaviours += behaviour_name(b, r.compat);
  }
  params.emplace_back("behaviours", behaviours);
  if (lo != kNoTime)
    params.emplace_back("data_period", format_time_iso(lo) + " – " + format_time_iso(hi));
  auto overview = build_overview(store, d, r, limits);
  if (!overview) return overview.status();
  std::int64_t events = 0;
  for (const ReportPlatformRow& row : overview->platforms) events += row.events;
  rd.overview = std::move(*overview);
  GS_RETURN_IF_ERROR(add_provenance(store, limits, static_cast<std::int64_t>(d.messages()),
                                    events, rd.provenance));

  auto score_of = [&](std::uint32_t a) -> std::optional<double> {
    if (!scores || a >= scores->size()) return std::nullopt;
    return finite((*scores)[a]);
  };
  std::vector<std::uint64_t> messages_of(d.accounts(), 0);
  for (std::uint32_t a : d.msg_account)
    if (a != kNoAccount) ++messages_of[a];

  // ---- network: the accounts with kept edges or in a cluster (the group test's clusters have
  // no edges: docs/detection.md), strongest first
  std::vector<std::uint32_t> nodes;
  for (std::uint32_t a = 0; a < d.accounts(); ++a)
    if ((a < r.coordination_degree.size() && r.coordination_degree[a] > 0) ||
        (a < r.account_cluster.size() && r.account_cluster[a] != 0))
      nodes.push_back(a);
  std::size_t nodes_total = nodes.size();
  std::sort(nodes.begin(), nodes.end(), [&](std::uint32_t x, std::uint32_t y) {
    bool cx = r.account_cluster[x] != 0, cy = r.account_cluster[y] != 0;
    if (cx != cy) return cx;
    if (r.coordination_degree[x] != r.coordination_degree[y])
      return r.coordination_degree[x] > r.coordination_degree[y];
    return r.account_rank[x] < r.account_rank[y];
  });
  if (nodes.size() > limits.max_nodes) nodes.resize(limits.max_nodes);
  std::vector<char> in_network(d.accounts(), 0);
  for (auto a : nodes) in_network[a] = 1;
  std::sort(nodes.begin(), nodes.end(),
            [&](std::uint32_t x, std::uint32_t y) { return r.account_rank[x] < r.account_rank[y]; });
  for (auto a : nodes) {
    ReportNode n;
    n.id = node_id(d, a);
    n.label = label_of(d, a);
    n.handle = std::string(d.account_handle[a]);
    n.platform = std::string(d.account_platform[a]);
    if (r.account_cluster[a] != 0) n.cluster = r.account_cluster[a];
    n.score = score_of(a);
    n.messages = static_cast<std::int64_t>(messages_of[a]);
    rd.network.nodes.push_back(std::move(n));
  }
  std::vector<std::size_t> edges;
  std::size_t edges_total = 0;
  for (std::size_t i = 0; i < r.edges.size(); ++i) {
    const Edge& e = r.edges[i];
    if (!e.significant || e.source == e.target) continue;
    ++edges_total;
    if (in_network[e.source] && in_network[e.target]) edges.push_back(i);
  }
  if (edges.size() > limits.max_edges) {
    std::stable_sort(edges.begin(), edges.end(), [&](std::size_t x, std::size_t y) {
      return r.edges[x].weight > r.edges[y].weight;
    });
    edges.resize(limits.max_edges);
    std::sort(edges.begin(), edges.end());
  }
  for (std::size_t i : edges) {
    const Edge& e = r.edges[i];
    rd.network.edges.push_back({node_id(d, e.source), node_id(d, e.target),
                                std::string(behaviour_name(e.behaviour, r.compat)), e.weight,
                                finite(e.p_value)});
  }
  if (nodes.size() < nodes_total || edges.size() < edges_total) {
    rd.network.nodes_total = static_cast<std::int64_t>(nodes_total);
    rd.network.edges_total = static_cast<std::int64_t>(edges_total);
  }

  // ---- clusters with members and evidence messages
  std::vector<std::vector<std::size_t>> internal(r.clusters.size() + 1);
  for (std::size_t i = 0; i < r.edges.size(); ++i) {
    const Edge& e = r.edges[i];
    std::uint32_t c = r.account_cluster[e.source];
    if (e.significant && c != 0 && c == r.account_cluster[e.target] && c < internal.size())
      internal[c].push_back(i);
  }
  for (const Cluster& c : r.clusters) {
    ReportCluster rc;
    rc.id = c.id;
    rc.accounts = static_cast<std::int64_t>(c.accounts.size());
    rc.messages = static_cast<std::int64_t>(c.messages);
    for (Behaviour b : c.behaviours) rc.behaviours.emplace_back(behaviour_name(b, r.compat));
    rc.first_time = format_time_iso(c.first_time);
    rc.last_time = format_time_iso(c.last_time);
    rc.median_delay_s = finite(c.median_delay_s);
    rc.p_value = finite(c.p_value);
    rc.p_log10 = finite(c.p_log10);
    if (rc.p_value) rc.p_method = c.p_from_tail ? "tail" : "monte_carlo";
    if (!rc.p_value && is_group_test_cluster(c)) rc.p_method = "group_test";
    rc.verdict = std::string(verdict_name(c.verdict));
    rc.verdict_reasons = c.verdict_reasons;
    double score_sum = 0;
    std::size_t scored = 0;
    std::vector<std::uint32_t> members = c.accounts;
    for (auto a : members) {
      if (auto s = score_of(a)) {
        score_sum += *s;
        ++scored;
      }
    }
    if (scored) rc.mean_score = score_sum / static_cast<double>(scored);
    std::stable_sort(members.begin(), members.end(), [&](std::uint32_t x, std::uint32_t y) {
      return score_of(x).value_or(-1) > score_of(y).value_or(-1);
    });
    for (std::size_t k = 0; k < members.size() && k < limits.max_members; ++k) {
      std::uint32_t a = members[k];
      rc.members.push_back({std::string(d.account_id[a]), std::string(d.account_handle[a]),
                            label_of(d, a), std::string(d.account_platform[a]), score_of(a),
                            static_cast<std::int64_t>(messages_of[a])});
    }
    for (const auto& t : c.top_objects)
      rc.top_objects.push_back({std::string(behaviour_name(t.behaviour, r.compat)), t.key,
                                static_cast<std::int64_t>(t.messages)});
    // Evidence: the distinct messages behind the cluster's internal edges, in time order;
    // for a cluster of the group test's own, which has none, its members' re-shares of the
    // source's posts. Each (message, behaviour) packed into one number, so that ordering them
    // is sorting integers; each message once, with the first of its behaviours.
    std::vector<std::uint64_t> msgs;
    const auto msg_of = [](std::uint64_t x) { return static_cast<std::uint32_t>(x >> 8); };
    for (std::uint32_t m : c.reshares)
      msgs.push_back(std::uint64_t{m} << 8 | static_cast<std::uint8_t>(Behaviour::kShare));
    if (c.id < internal.size()) {
      for (std::size_t i : internal[c.id]) {
        const Edge& e = r.edges[i];
        const std::uint64_t b = static_cast<std::uint8_t>(e.behaviour);
        for (std::uint64_t k = e.evidence_begin; k < e.evidence_end && k < r.evidence.size(); ++k) {
          msgs.push_back(std::uint64_t{r.evidence[k].source_msg} << 8 | b);
          msgs.push_back(std::uint64_t{r.evidence[k].target_msg} << 8 | b);
        }
      }
    }
    std::sort(msgs.begin(), msgs.end());
    const auto same_msg = [&](std::uint64_t x, std::uint64_t y) { return msg_of(x) == msg_of(y); };
    msgs.erase(std::unique(msgs.begin(), msgs.end(), same_msg), msgs.end());
    // In time order: the Dataset's messages are, but for a Dataset out of it.
    const auto earlier = [&](std::uint64_t x, std::uint64_t y) {
      return d.msg_time[msg_of(x)] < d.msg_time[msg_of(y)];
    };
    if (!std::is_sorted(msgs.begin(), msgs.end(), earlier))
      std::stable_sort(msgs.begin(), msgs.end(), earlier);
    for (std::size_t k = 0; k < msgs.size() && k < limits.max_evidence; ++k)
      rc.evidence.push_back(evidence_message(
          d, msg_of(msgs[k]),
          std::string(behaviour_name(static_cast<Behaviour>(msgs[k] & 0xff), r.compat))));
    rd.clusters.push_back(std::move(rc));
  }

  // ---- assumptions of the detection, in plain words
  auto& as = rd.assumptions;
  as.push_back(fmt::format(
      "Two accounts count as acting together when they do the same thing (share the same post, "
      "link the same page, post the same or nearly the same text, ...) at most {} seconds apart.",
      static_cast<double>(o.window_ms) / 1000.0));
  if (o.compat == CompatMode::kNone)
    as.push_back(fmt::format(
        "A pair of accounts is only linked when they acted together on at least {} different "
        "items; within a crowd of more than {} accounts acting on one item within the window, an "
        "account is only compared with the {} acting just before and after it.",
        o.min_repetition, o.max_crowd, o.crowd_neighbours));
  if (o.null_replicates > 0)
    as.push_back(fmt::format(
        "Coincidence was tested: each account's timeline was shifted by a random offset {} times, "
        "keeping its own rhythm but breaking any alignment with others; links that appear as "
        "often by chance were dropped, keeping the expected share of false links at {:.0f}%.",
        o.null_replicates, o.fdr * 100));
  else
    as.push_back("No significance test was run (--null-replicates 0): every link is shown.");
  as.push_back(
      "Coordination is not proof of inauthenticity: fan communities and newsrooms can act "
      "together too. The evidence messages of each cluster are there to be read.");
  return rd;
}

namespace {

std::optional<double> opt(double v) { return finite(v); }

// Equal-width histogram of the finite values in [lo, hi].
ReportSignal histogram(std::string name, std::string label, std::string unit,
                       const std::vector<double>& values, double lo, double hi, int bins,
                       std::optional<double> threshold = std::nullopt) {
  ReportSignal s;
  s.name = std::move(name);
  s.label = std::move(label);
  s.unit = std::move(unit);
  s.threshold = threshold;
  std::vector<std::int64_t> counts(static_cast<std::size_t>(bins), 0);
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    double x = std::clamp(v, lo, hi);
    auto b = static_cast<int>((x - lo) / (hi - lo) * bins);
    ++counts[static_cast<std::size_t>(std::clamp(b, 0, bins - 1))];
  }
  for (int b = 0; b < bins; ++b)
    s.bins.push_back({lo + (hi - lo) * b / bins, lo + (hi - lo) * (b + 1) / bins,
                      counts[static_cast<std::size_t>(b)]});
  return s;
}

}  // namespace

void add_estimate_to_report(const Estimate& e, const SignalTable& sig, const Dataset& data,
                            ReportData& rd) {
  // The headline table: supporters, how they support (the routes) and how many sit in
  // clusters judged undetermined, then activity.
  static const std::set<std::string> kHeadline = {
      "accounts",  "accounts_sources", "accounts_own_words", "accounts_reposts_only",
      "accounts_undetermined", "messages", "engagement", "views", "forwards", "reactions",
      "replies",   "err",  "er"};
  for (const auto& r : e.rows) {
    ReportSupportRow row{r.actor, r.metric, "", opt(r.raw), opt(r.adjusted), opt(r.ci_low),
                         opt(r.ci_high)};
    if (r.period == "all") {
      if (kHeadline.count(r.metric)) rd.headline.push_back(row);
      if (r.metric.starts_with("sov_"))
        rd.share_of_voice.push_back({r.actor, r.metric.substr(4), opt(r.raw), opt(r.adjusted)});
    } else if (r.period.size() == 10 &&
               (r.metric == "accounts" || r.metric == "messages" || r.metric == "engagement")) {
      row.period = r.period;  // daily bins: YYYY-MM-DD
      rd.series.push_back(std::move(row));
    }
  }
  // Headline order: the actors file's order, accounts/messages/engagement first.
  std::map<std::string, std::size_t> actor_rank;
  for (std::size_t i = 0; i < e.headline.size(); ++i) actor_rank[e.headline[i].name] = i;
  auto metric_rank = [](const std::string& m) {
    static const std::vector<std::string> order = {"accounts", "messages", "engagement", "views",
                                                   "forwards", "reactions", "replies", "err", "er"};
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), m) - order.begin());
  };
  std::stable_sort(rd.headline.begin(), rd.headline.end(), [&](const auto& x, const auto& y) {
    if (actor_rank[x.actor] != actor_rank[y.actor]) return actor_rank[x.actor] < actor_rank[y.actor];
    return metric_rank(x.metric) < metric_rank(y.metric);
  });
  for (const auto& r : e.sensitivity) {
    bool baseline = r.scenario == "default" && std::abs(r.score_threshold - e.score_threshold) < 1e-9;
    std::string parameter = r.scenario == "default" ? "score_threshold" : r.scenario;
    ReportValue value = r.scenario == "default" ? ReportValue(r.score_threshold)
                                                : ReportValue(r.score_threshold);
    if (r.scenario != "default" && std::abs(r.score_threshold - e.score_threshold) > 1e-9) continue;
    if (r.scenario != "default") value = std::string(r.scenario);
    rd.sensitivity.push_back({parameter, value, r.actor, "accounts", opt(r.accounts),
                              std::nullopt, std::nullopt, baseline});
  }
  rd.signals.push_back(histogram("inauthenticity_score", "Inauthenticity score", "score (0-1)",
                                 sig.score, 0, 1, 20, e.score_threshold));
  std::vector<double> rate, forwards, duplicates, office;
  for (const auto& a : sig.accounts) {
    rate.push_back(a.posts_per_day > 0 ? a.posts_per_day : std::nan(""));
    forwards.push_back(std::isfinite(a.score[static_cast<int>(Signal::kForwardShare)]) ? a.forward_share : std::nan(""));
    duplicates.push_back(std::isfinite(a.score[static_cast<int>(Signal::kDuplicateShare)]) ? a.duplicate_share : std::nan(""));
    office.push_back(std::isfinite(a.score[static_cast<int>(Signal::kOfficeHours)]) ? a.office_fraction : std::nan(""));
  }
  rd.signals.push_back(histogram("posts_per_day", "Posts per active day", "posts", rate, 0, 50, 25));
  rd.signals.push_back(histogram("forward_share", "Share of posts that are forwards or retweets",
                                 "share", forwards, 0, 1, 20));
  rd.signals.push_back(histogram("duplicate_share",
                                 "Share of posts that other accounts posted word for word", "share",
                                 duplicates, 0, 1, 20));
  rd.signals.push_back(histogram("office_fraction",
                                 "Share of posts in office hours (best-fitting time zone)", "share",
                                 office, 0, 1, 20));
  // What drives each heavy-tailed total: its top contributors, named from the dataset.
  for (const TotalDrivers& d : e.drivers) {
    ReportTotalDrivers r{.actor = d.actor,
                         .metric = d.metric,
                         .raw = d.raw,
                         .top_share_pct = d.top_share_pct,
                         .uncertain_accounts = static_cast<std::int64_t>(d.uncertain_accounts),
                         .uncertain_share_pct = d.uncertain_share_pct};
    for (const auto& row : rd.headline)
      if (row.actor == d.actor && row.metric == d.metric) {
        r.adjusted = row.adjusted;
        r.ci_low = row.ci_low;
        r.ci_high = row.ci_high;
      }
    for (const Contributor& c : d.top) {
      if (c.account >= data.accounts()) continue;
      r.top.push_back({std::string(data.account_id[c.account]),
                       std::string(data.account_handle[c.account]),
                       std::string(data.account_display_name[c.account]),
                       std::string(data.account_platform[c.account]), c.raw, c.share_pct,
                       c.adjusted, c.adjusted_low, c.adjusted_high});
    }
    rd.drivers.push_back(std::move(r));
  }
  for (const auto& a : e.assumptions) rd.assumptions.push_back(a);
  rd.meta.interval =
      e.sample ? fmt::format("{:g}% interval over {} resamples", e.ci_level * 100, e.replicates)
               : fmt::format("range over {} reasonable classification{}", e.replicates,
                             e.replicates == 1 ? "" : "s");
}

}  // namespace groundswell
