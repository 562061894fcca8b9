#include "detect/detect.h"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "detect/internal.h"

namespace groundswell {

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

  // A cached table or a behaviour's edges is looked up by the whole option record
  // (DetectOptions::to_json) after resetting the options it does not depend on to their
  // defaults: an option added later keys every cache until it is reset here, so reuse can
  // never change a result.
  //
  // A behaviour's edges and p-values depend on all options but those applied to all
  // behaviours together (FDR, clusters), the behaviour list, and, except for similar_text,
  // the similarity threshold.
  static DetectOptions for_edges(Behaviour b, DetectOptions o) {
    const DetectOptions d;
    o.behaviours.clear();
    o.fdr = d.fdr;
    o.top_objects = d.top_objects;
    if (b != Behaviour::kSimilarText) o.similarity = d.similarity;
    return o;
  }
  // Its actions depend on less: not on the options of pairing and testing, and except for
  // similar_text (whose near-duplicate search pairs within the window) not on the window or
  // the seed.
  static DetectOptions for_actions(Behaviour b, DetectOptions o) {
    o = for_edges(b, o);
    const DetectOptions d;
    o.min_repetition = d.min_repetition;
    o.null_replicates = d.null_replicates;
    o.max_crowd = d.max_crowd;
    o.crowd_neighbours = d.crowd_neighbours;
    o.coortweet_edge_weight = d.coortweet_edge_weight;
    if (b != Behaviour::kSimilarText) {
      o.window_ms = d.window_ms;
      o.seed = d.seed;
    }
    return o;
  }
  static std::string table_key(Behaviour b, const DetectOptions& o) {
    return fmt::format("{}|{}", static_cast<int>(b), for_actions(b, o).to_json());
  }
  static std::string edges_key(Behaviour b, const DetectOptions& o) {
    return fmt::format("{}|{}", static_cast<int>(b), for_edges(b, o).to_json());
  }
  // The near-duplicate search depends on what similar_text's actions depend on but the
  // window: a search at a wider window is narrowed.
  static std::string similar_key(DetectOptions o) {
    o.window_ms = DetectOptions{}.window_ms;
    return for_actions(Behaviour::kSimilarText, o).to_json();
  }
};

Detector::Detector(const Dataset& data, TimeMs widest_window)
    : data_(data), widest_window_(widest_window), cache_(std::make_unique<Cache>()) {
  if (detect_internal::leads_over(data)) {
    role_ = Role::kLeader;
    detect_internal::announce_opening(widest_window);
  }
}
Detector::Detector(const Dataset& data, TimeMs widest_window, Follow)
    : data_(data), widest_window_(widest_window), cache_(std::make_unique<Cache>()),
      role_(Role::kFollower) {}
Detector::~Detector() {
  if (role_ == Role::kLeader) detect_internal::announce_closing();
}

void Detector::keep_actions(bool keep) { cache_->keep = keep; }

void Detector::release_actions() {
  if (role_ == Role::kLeader) detect_internal::announce_release();
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
  if (role_ == Role::kLeader) announce_detect(options_in, cache.keep);
  // Distributed, native behaviours but similar_text are sharded; the others rank 0 computes.
  dist::Communicator* shards = role_ == Role::kAlone ? nullptr : distributed_tables(opt);
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
  GS_RETURN_IF_ERROR(opt.validate());  // with the behaviours the data chose
  r.behaviours = opt.behaviours;

  // Byte order of (account_id, platform): the orientation and sort order of every output.
  if (cache.account_rank.empty()) cache.account_rank = account_byte_order(data);
  r.account_rank = cache.account_rank;

  if (!cache.model) cache.model = make_null_model(data);
  const NullModel& model = *cache.model;
  std::vector<std::uint64_t> candidates;  // per behaviour run: pairs that co-acted at all
  for (auto b : r.behaviours) {
    if (role_ == Role::kFollower && (shards == nullptr || b == Behaviour::kSimilarText)) continue;
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
          fresh.table = extract_actions(data, b, opt, shards);
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
      be.actions = t.total_actions();
      be.objects = t.total_objects();
      if (opt.compat == CompatMode::kNone) edge_and_near_miss_p_values(t, model, opt, be);
      // Keys only of the objects behind the edges: the only ones ever shown.
      ObjectKeys keys = shown_object_keys(data, t, opt, be.evidence);
      if (!cache.keep) cache.tables.erase(tit);  // one-shot: each behaviour's actions go at once
      const bool first = std::none_of(cache.edges.begin(), cache.edges.end(),
                                      [&](const Cache::Edges& x) { return x.behaviour == b; });
      std::erase_if(cache.edges,
                    [&](const Cache::Edges& x) { return x.behaviour == b && !x.first; });
      cache.edges.push_back(Cache::Edges{ekey, b, first, std::move(be), std::move(keys)});
      eit = cache.edges.end() - 1;
    }
    const BehaviourEdges& be = eit->edges;
    r.funnel.push_back(start_funnel(b, be));
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
  if (role_ == Role::kFollower) return r;  // rank 0 alone tests, clusters and reports
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
  finish_funnel(opt, r);
  GS_RETURN_IF_ERROR(build_clusters(data, opt, r));
  return r;
}

}  // namespace groundswell
