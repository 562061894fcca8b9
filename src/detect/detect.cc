#include "detect/detect.h"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "detect/internal.h"

namespace groundswell {

namespace {

struct BehaviourNames {
  Behaviour behaviour;
  std::string_view native;
  std::string_view peer;  // "" when no peer tool has it
};
constexpr BehaviourNames kNames[] = {
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

}  // namespace

std::string_view behaviour_name(Behaviour b, CompatMode compat) {
  const auto& n = kNames[static_cast<int>(b)];
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
    for (const auto& n : kNames) {
      if (item == n.native || (!n.peer.empty() && item == n.peer)) {
        if (std::find(out.begin(), out.end(), n.behaviour) == out.end()) out.push_back(n.behaviour);
        found = true;
      }
    }
    if (!found)
      return Status::InvalidArgument(
          "unknown behaviour '" + std::string(item) +
          "' (known: share, link, domain, hashtag, mention, reply, text, similar_text, media, "
          "post, "
          "co_retweet, co_tweet, co_link, co_reply, co_similar_tweet, co_post)");
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<CompatMode> parse_compat(std::string_view name) {
  if (name.empty() || name == "none") return CompatMode::kNone;
  if (name == "coortweet") return CompatMode::kCoortweet;
  if (name == "cnt") return CompatMode::kCnt;
  return Status::InvalidArgument("unknown --compat '" + std::string(name) +
                                 "' (known: coortweet, cnt)");
}

std::string detect_options_json(const DetectOptions& o) {
  JsonWriter w(false);
  w.begin_object();
  w.key("behaviours").begin_array();
  for (auto b : o.behaviours) w.value(behaviour_name(b, o.compat));
  w.end_array();
  w.key("window_s").value(static_cast<double>(o.window_ms) / 1000.0);
  w.key("window").value("inclusive: two actions at most window_s apart co-act");
  w.key("min_repetition").value(o.min_repetition);
  w.key("similarity").value(o.similarity);
  w.key("compat").value(o.compat == CompatMode::kNone        ? "none"
                        : o.compat == CompatMode::kCoortweet ? "coortweet"
                                                             : "cnt");
  w.key("null_replicates").value(o.null_replicates);
  w.key("fdr").value(o.fdr);
  w.key("seed").value(o.seed);
  w.key("max_crowd").value(o.max_crowd);
  w.key("crowd_neighbours").value(o.crowd_neighbours);
  w.key("min_text_tokens").value(o.min_text_tokens);
  w.end_object();
  return w.take();
}

std::vector<std::uint32_t> account_byte_order(const Dataset& data) {
  const std::size_t n = data.accounts();
  std::vector<std::uint32_t> by_id(n);
  std::iota(by_id.begin(), by_id.end(), 0u);
  std::sort(by_id.begin(), by_id.end(), [&](std::uint32_t x, std::uint32_t y) {
    int c = data.account_id[x].compare(data.account_id[y]);
    if (c != 0) return c < 0;
    c = data.account_platform[x].compare(data.account_platform[y]);
    if (c != 0) return c < 0;
    return x < y;
  });
  std::vector<std::uint32_t> rank(n);
  for (std::uint32_t i = 0; i < n; ++i) rank[by_id[i]] = i;
  return rank;
}

// What Detector keeps between settings. A table or a behaviour's edges is looked up by a key
// naming every option it depends on, so reuse can never change a result.
struct Detector::Cache {
  bool keep = true;  // false: a one-shot detect() that moves instead of copying
  std::optional<detect_internal::NullModel> model;
  std::vector<std::uint32_t> account_rank;
  struct Table {
    std::string key;
    Behaviour behaviour = Behaviour::kShare;
    bool first = false;  // the first table of its behaviour (the main settings')
    detect_internal::ActionTable table;
    std::vector<detect_internal::SimilarPair> similar;
  };
  std::vector<Table> tables;
  struct Similar {
    std::string key;
    bool first;
    detect_internal::SimilarTexts found;
  };
  std::vector<Similar> similar;  // near-duplicate searches: the first and the latest
  bool searched = false;         // a near-duplicate search has run (the first is widened)
  struct Edges {
    std::string key;
    Behaviour behaviour;
    bool first;  // the first settings seen for the behaviour (the main run) stay cached
    detect_internal::BehaviourEdges edges;
    ObjectKeys keys;  // of the objects behind the edges
  };
  // Per behaviour the first and the latest: sensitivity varies one setting at a time around
  // the main settings, so every variant finds the main run's edges of the other behaviours.
  std::vector<Edges> edges;

  static std::string table_key(Behaviour b, const DetectOptions& o) {
    std::string k = fmt::format("{}|{}|{}", static_cast<int>(b), static_cast<int>(o.compat),
                                o.min_text_tokens);
    if (b == Behaviour::kSimilarText)
      k += fmt::format("|{:.17g}|{}|{}", o.similarity, o.window_ms, o.seed);
    return k;
  }
  static std::string similar_key(const DetectOptions& o) {
    return fmt::format("{}|{}|{:.17g}|{}", static_cast<int>(o.compat), o.min_text_tokens,
                       o.similarity, o.seed);
  }
  static std::string edges_key(Behaviour b, const DetectOptions& o) {
    return table_key(b, o) + fmt::format("|{}|{}|{}|{}|{}|{}|{:.17g}", o.window_ms,
                                         o.min_repetition, o.max_crowd, o.crowd_neighbours,
                                         o.null_replicates, o.seed, o.coortweet_edge_weight);
  }
};

Detector::Detector(const Dataset& data, TimeMs widest_window)
    : data_(data), widest_window_(widest_window), cache_(std::make_unique<Cache>()) {}
Detector::~Detector() = default;

void Detector::release_actions() {
  cache_->tables.clear();
  cache_->similar.clear();
}

Result<DetectionResult> detect(const Dataset& data, const DetectOptions& options) {
  Detector d(data);
  d.cache_->keep = false;
  return d.detect(options);
}

Result<DetectionResult> Detector::detect(const DetectOptions& options_in) {
  using namespace detect_internal;
  const Dataset& data = data_;
  Cache& cache = *cache_;
  DetectOptions opt = options_in;
  if (opt.window_ms < 0 || opt.window_ms > 30LL * 86'400'000)
    return Status::InvalidArgument("--window must be between 0 and 30 days");
  if (opt.min_repetition < 1) return Status::InvalidArgument("--min-repetition must be at least 1");
  if (opt.fdr <= 0 || opt.fdr > 1) return Status::InvalidArgument("--fdr must be in (0, 1]");
  if (opt.null_replicates < 0) return Status::InvalidArgument("--null-replicates must be >= 0");
  if (opt.similarity <= 0 || opt.similarity > 1)
    return Status::InvalidArgument("--similarity must be in (0, 1]");
  if (data.messages() >= UINT32_MAX)
    return Status::InvalidArgument("too many messages for one run");

  DetectionResult r;
  r.compat = opt.compat;
  r.directed = opt.compat == CompatMode::kCnt;
  r.seed = opt.seed;
  if (opt.behaviours.empty()) {
    for (int b = 0; b < kBehaviourCount; ++b) {
      auto bb = static_cast<Behaviour>(b);
      if (bb == Behaviour::kPost) continue;
      // Natively, the default network links accounts by the items they act on. A hashtag,
      // mention or domain names a topic that a movement's genuine supporters share minute by
      // minute; on generated data those behaviours put 40-60% of organic accounts into
      // clusters (docs/detection.md, "Default behaviours"). They stay available by name.
      if (opt.compat == CompatMode::kNone && is_topical(bb)) continue;
      if (behaviour_supported(data, bb)) opt.behaviours.push_back(bb);
    }
  }
  for (auto b : opt.behaviours) {
    if (b == Behaviour::kSimilarText && opt.compat == CompatMode::kCoortweet)
      return Status::InvalidArgument(
          "similar_text has no CooRTweet compatibility mode (its textreuse MinHash is not "
          "reproducible); use the native mode or --compat cnt");
    if (b == Behaviour::kPost && opt.compat != CompatMode::kCnt)
      return Status::InvalidArgument("behaviour post (co_post) exists only with --compat cnt");
  }
  r.behaviours = opt.behaviours;

  // Byte order of (account_id, platform): the orientation and sort order of every output.
  if (cache.account_rank.empty()) cache.account_rank = account_byte_order(data);
  r.account_rank = cache.account_rank;

  if (!cache.model) cache.model = make_null_model(data);
  const NullModel& model = *cache.model;
  std::vector<std::uint64_t> candidates;  // per behaviour run: pairs that co-acted at all
  for (auto b : r.behaviours) {
    const std::string ekey = Cache::edges_key(b, opt);
    auto eit = std::find_if(cache.edges.begin(), cache.edges.end(),
                            [&](const Cache::Edges& x) { return x.key == ekey; });
    if (eit == cache.edges.end()) {
      const std::string tkey = Cache::table_key(b, opt);
      auto tit = std::find_if(cache.tables.begin(), cache.tables.end(),
                              [&](const Cache::Table& x) { return x.key == tkey; });
      if (tit == cache.tables.end()) {
        Cache::Table fresh;
        fresh.key = tkey;
        fresh.behaviour = b;
        if (b == Behaviour::kSimilarText && !cache.keep) {
          auto st = extract_similar_text(data, opt, fresh.similar);
          if (!st.ok()) return st.status();
          fresh.table = std::move(st.value());
        } else if (b == Behaviour::kSimilarText) {
          const std::string skey = Cache::similar_key(opt);
          auto sit = std::find_if(cache.similar.begin(), cache.similar.end(), [&](const Cache::Similar& x) {
            return x.key == skey && x.found.search_window >= opt.window_ms;
          });
          if (sit == cache.similar.end()) {
            // The widest window serves the window variants of the first similarity searched;
            // another similarity is searched at its own window.
            const bool first = !cache.searched;
            cache.searched = true;
            auto found = find_similar_texts(
                data, opt, first ? std::max(opt.window_ms, widest_window_) : opt.window_ms);
            if (!found.ok()) return found.status();
            std::erase_if(cache.similar, [](const Cache::Similar& x) { return !x.first; });
            std::erase_if(cache.tables, [](const Cache::Table& x) {
              return x.behaviour == Behaviour::kSimilarText && !x.first;
            });
            cache.similar.push_back(Cache::Similar{skey, first, std::move(*found)});
            sit = cache.similar.end() - 1;
          }
          fresh.table = similar_text_table(data, sit->found, opt, fresh.similar);
        } else {
          fresh.table = extract_actions(data, b, opt);
        }
        fresh.first = std::none_of(cache.tables.begin(), cache.tables.end(),
                                   [&](const Cache::Table& x) { return x.behaviour == b; });
        cache.tables.push_back(std::move(fresh));
        tit = cache.tables.end() - 1;
      }
      ActionTable& t = tit->table;
      BehaviourEdges be;
      if (b == Behaviour::kSimilarText && opt.compat == CompatMode::kCnt) {
        be = cnt_similar_edges(data, t, tit->similar, opt);
      } else
        switch (opt.compat) {
          case CompatMode::kNone:
            be = native_edges(data, t, opt, r.account_rank);
            break;
          case CompatMode::kCoortweet:
            be = coortweet_edges(data, t, opt, r.account_rank);
            break;
          case CompatMode::kCnt:
            be = cnt_edges(data, t, opt);
            break;
        }
      if (opt.compat == CompatMode::kNone) edge_p_values(t, model, opt, be.edges, be.null_weights);
      // Keys only of the objects behind the edges: the only ones ever shown.
      std::vector<std::uint32_t> shown;
      shown.reserve(be.evidence.size());
      for (const EvidencePair& p : be.evidence) shown.push_back(p.object);
      std::sort(shown.begin(), shown.end());
      shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
      ObjectKeys keys;
      for (std::uint32_t o : shown) keys.add(o, object_key(data, t, opt, o));
      if (!cache.keep) cache.tables.erase(tit);  // one-shot: each behaviour's actions go at once
      const bool first = std::none_of(cache.edges.begin(), cache.edges.end(),
                                      [&](const Cache::Edges& x) { return x.behaviour == b; });
      std::erase_if(cache.edges,
                    [&](const Cache::Edges& x) { return x.behaviour == b && !x.first; });
      cache.edges.push_back(Cache::Edges{ekey, b, first, std::move(be), std::move(keys)});
      eit = cache.edges.end() - 1;
    }
    const BehaviourEdges& be = eit->edges;
    r.crowded_actions += be.crowded_actions;
    r.candidate_pairs += be.candidate_pairs;
    candidates.push_back(be.candidate_pairs);
    std::uint64_t base = r.evidence.size();
    const auto null_base = static_cast<std::uint32_t>(
        opt.null_replicates > 0 ? r.null_weights.size() / static_cast<std::size_t>(opt.null_replicates) : 0);
    for (Edge e : be.edges) {
      e.evidence_begin += base;
      e.evidence_end += base;
      if (e.null_row != UINT32_MAX) e.null_row += null_base;
      r.edges.push_back(e);
    }
    r.evidence.insert(r.evidence.end(), be.evidence.begin(), be.evidence.end());
    r.null_weights.insert(r.null_weights.end(), be.null_weights.begin(), be.null_weights.end());
    if (cache.keep) {
      r.objects.push_back(eit->keys);
    } else {
      r.objects.push_back(std::move(eit->keys));
      cache.edges.erase(eit);  // one-shot: nothing is needed again
    }
  }
  tbb::parallel_sort(r.edges.begin(), r.edges.end(), [&](const Edge& x, const Edge& y) {
    if (x.source != y.source) return r.account_rank[x.source] < r.account_rank[y.source];
    if (x.target != y.target) return r.account_rank[x.target] < r.account_rank[y.target];
    return x.behaviour < y.behaviour;
  });
  if (opt.compat == CompatMode::kNone && opt.null_replicates > 0) {
    // Kept: significant against both nulls — the same time beyond each account's rhythm, and
    // the same objects beyond activity and popularity (docs/detection.md, "Significance").
    benjamini_hochberg(r.edges, opt.fdr);
    // One family per behaviour: a behaviour where no campaign acts gets no slack from the
    // thousands of true edges of another. Not similar_text: its objects are families chained
    // together by near-duplicate pairs, whose size measures chaining, not popularity, so the
    // null's expectation would be meaningless there (docs/detection.md).
    for (std::size_t slot = 0; slot < r.behaviours.size(); ++slot)
      if (r.behaviours[slot] != Behaviour::kSimilarText)
        cooccurrence_fdr(r.edges, r.behaviours[slot], opt.fdr, candidates[slot]);
    for (const auto& e : r.edges) {
      r.tested_edges += 1;
      r.significant_edges += e.significant;
    }
  } else {
    r.tested_edges = 0;
    r.significant_edges = r.edges.size();
  }
  GS_RETURN_IF_ERROR(build_clusters(data, opt, r));
  return r;
}

}  // namespace groundswell
