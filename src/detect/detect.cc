#include "detect/detect.h"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "detect/internal.h"
#include "store/message_index.h"

namespace groundswell {

std::vector<std::uint32_t> account_byte_order(const Dataset& data) {
  // Sorted on every core by the id's first sixteen bytes as two big-endian numbers (a shorter
  // id padded with zeros, which orders as the bytes do), then by the whole id, the platform
  // and the index: the comparisons of a million accounts then rarely leave the sorted array.
  struct Keyed {
    std::uint64_t high, low;
    std::uint32_t account;
  };
  const auto word = [](std::string_view id, std::size_t from) {
    std::uint64_t w = 0;
    for (std::size_t i = from; i < from + 8; ++i)
      w = w << 8 | (i < id.size() ? static_cast<unsigned char>(id[i]) : 0u);
    return w;
  };
  const std::size_t n = data.accounts();
  std::vector<Keyed> keyed(n);
  for (std::uint32_t a = 0; a < n; ++a) {
    const std::string_view id = data.account_id[a];
    keyed[a] = {word(id, 0), word(id, 8), a};
  }
  tbb::parallel_sort(keyed.begin(), keyed.end(), [&](const Keyed& x, const Keyed& y) {
    if (x.high != y.high) return x.high < y.high;
    if (x.low != y.low) return x.low < y.low;
    int c = data.account_id[x.account].compare(data.account_id[y.account]);
    if (c != 0) return c < 0;
    c = data.account_platform[x.account].compare(data.account_platform[y.account]);
    if (c != 0) return c < 0;
    return x.account < y.account;
  });
  std::vector<std::uint32_t> rank(n);
  for (std::uint32_t i = 0; i < n; ++i) rank[keyed[i].account] = i;
  return rank;
}

// What Detector keeps between settings. A table or a behaviour's edges is looked up by a key
// naming every option it depends on, so reuse can never change a result.
struct Detector::Cache {
  bool keep = true;  // false: a one-shot detect() that moves instead of copying
  double highest_fdr = 1.0;  // the cached edges keep replicate rows up to this p-value
  double lowest_similarity = 1.0;  // the first near-duplicate search is at most at this one
  // Set by membership_up_to(): the highest FDR level results may still be asked at.
  std::optional<double> membership_fdr;
  std::optional<detect_internal::NullModel> model;
  std::optional<MessageIndex> originals;  // for the stimulus null of share at slow windows
  // The group test's p-values by (replicates, seed): every setting selects from the same ones.
  std::vector<std::pair<std::pair<int, std::uint64_t>, detect_internal::GroupTest>> group_tests;
  std::vector<std::uint32_t> account_rank;
  // The behaviours the data supports, found once: later calls see the same ones while the
  // caller has the message text out of memory (ColumnsAside).
  std::optional<std::pair<CompatMode, std::vector<Behaviour>>> defaults;
  struct Table {
    std::string key;
    Behaviour behaviour = Behaviour::kShare;
    bool first = false;  // the first table of its behaviour (the main settings')
    detect_internal::ActionTable table;
    std::vector<detect_internal::SimilarPair> similar;
    // share: the originals of its objects, found when the stimulus null first needs them
    std::optional<detect_internal::ShareOrigins> origins;
  };
  std::vector<Table> tables;
  struct Similar {
    bool first;
    detect_internal::SimilarTexts found;
    std::string base;   // similar_base_key: the key but the similarity
    double similarity;  // the threshold searched at
  };
  std::vector<Similar> similar;  // near-duplicate searches: the first and the latest
  bool searched = false;         // a near-duplicate search has run (the first is widened)
  std::function<void(std::span<const Behaviour>)> after_text;  // after_reading_text()
  std::function<void()> before_search;                        // around_search()
  std::function<Status()> after_search;
  std::function<void()> after_actions;  // after_building_actions()
  struct Edges {
    std::string key;
    Behaviour behaviour;
    std::size_t slot;  // which of the behaviour's windows (detection_windows)
    bool first;  // the first settings seen for the behaviour and slot (the main run) stay cached
    detect_internal::BehaviourEdges edges;
    ObjectKeys keys;  // of the objects behind the edges
    std::string key_but_repetition;  // repetition_free_key(): a test below reuses these
    int min_repetition = 0;
    std::size_t replicates = 0;  // the width of a replicate row
  };
  // Per behaviour and window slot the first settings' (Detector::detect drops the others
  // once used): sensitivity varies one setting at a time around the main settings, so every
  // variant finds the main run's edges of the other behaviours.
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
  // Its actions depend on less: not on the options of pairing and testing, nor on the other
  // windows detected (slow_windows), and except for similar_text (whose near-duplicate
  // search pairs within the window) not on the window or the seed.
  static DetectOptions for_actions(Behaviour b, DetectOptions o) {
    o = for_edges(b, o);
    const DetectOptions d;
    o.slow_windows = d.slow_windows;
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
  static std::string repetition_free_key(Behaviour b, DetectOptions o) {
    o.min_repetition = DetectOptions{}.min_repetition;
    return edges_key(b, o);
  }
  // The near-duplicate search depends on what similar_text's actions depend on but the
  // window (a search at a wider window is narrowed) and the similarity (a search at a lower
  // one serves a higher one).
  static std::string similar_base_key(DetectOptions o) {
    o.window_ms = DetectOptions{}.window_ms;
    o.similarity = DetectOptions{}.similarity;
    return for_actions(Behaviour::kSimilarText, o).to_json();
  }

  // The behaviour's actions at these settings, from the cache or extracted now (similar_text:
  // from a near-duplicate search, the first one at the widest window asked for).
  Result<Table*> table(const Dataset& data, Behaviour b, const DetectOptions& at, TimeMs widest,
                       dist::Communicator* shards);
  // The behaviour's edges and p-values at these settings, from the cache or computed now.
  // `slot` numbers the windows of the behaviour (W, then the slow windows); `last` is its last
  // window (a one-shot detect() then frees the behaviour's actions). The null model is made.
  // With ClusterDetail::kMembership, edges that are not cached come without the keys of their
  // objects, which only top objects and evidence show (for similar_text and text, keys read
  // the message text).
  Result<Edges*> edges_at(const Dataset& data, Behaviour b, const DetectOptions& at,
                          std::size_t slot, bool last, TimeMs widest, ClusterDetail detail,
                          dist::Communicator* shards,
                          const std::vector<std::uint32_t>& account_rank);
  // Natively, and at a min_repetition above `lowest`, the edges as a view of the test at
  // `lowest` (Detector's lowest_min_repetition); else edges_at().
  Result<Edges*> edges_or_view(const Dataset& data, Behaviour b, const DetectOptions& at,
                               std::size_t slot, bool last, TimeMs widest, int lowest,
                               ClusterDetail detail, dist::Communicator* shards,
                               const std::vector<std::uint32_t>& account_rank);
  std::optional<Edges> view;  // the latest view edges_or_view() gave
};

namespace {

// Every behaviour the data supports but cnt's post; natively, the default network links
// accounts by the items they act on, and by a hashtag on the same day (is_topical). A mention
// or a domain names a topic that a movement's genuine supporters share minute by minute; on
// generated data those behaviours put 40-60% of organic accounts into clusters
// (docs/detection.md, "Default behaviours"). They stay available by name.
std::vector<Behaviour> default_behaviours(const Dataset& data, CompatMode compat) {
  std::vector<Behaviour> out;
  for (int b = 0; b < kBehaviourCount; ++b) {
    auto bb = static_cast<Behaviour>(b);
    if (bb == Behaviour::kPost) continue;
    if (compat == CompatMode::kNone && is_topical(bb)) continue;
    if (detect_internal::behaviour_supported(data, bb)) out.push_back(bb);
  }
  return out;
}

// Evidence that a call leaves in the Detector's cache (the main settings' edges, kept for later
// settings) is referenced from the result's edges instead of copied, until the call knows which
// edges' evidence its result holds (keep_one_window_per_edge): at 10M messages the main run's
// tested edges hold 68M co-action pairs (0.8 GB), of which its result keeps 23M. A referenced
// range carries its source, numbered from 1, in the bits above kRangeBits of both
// Edge::evidence_begin and evidence_end; source 0 is the result's own DetectionResult::evidence.
class EvidenceSources {
 public:
  static constexpr int kRangeBits = 44;
  // A source's tag, to be or-ed into the ranges of the edges that refer to it.
  std::uint64_t add(std::span<const EvidencePair> source) {
    sources_.push_back(source);
    return std::uint64_t{sources_.size()} << kRangeBits;
  }
  static constexpr std::uint64_t kMask = (std::uint64_t{1} << kRangeBits) - 1;
  // The array holding the edge's evidence, and its range there.
  std::span<const EvidencePair> of(const Edge& e, const DetectionResult& r, std::uint64_t& begin,
                                   std::uint64_t& end) const {
    const std::uint64_t s = e.evidence_begin >> kRangeBits;
    begin = e.evidence_begin & kMask;
    end = e.evidence_end & kMask;
    return s == 0 ? std::span<const EvidencePair>(r.evidence) : sources_[s - 1];
  }
  // The referenced evidence of the edges `which` selects, copied into the result.
  template <class Which>
  void resolve(DetectionResult& r, Which which) const {
    const auto referenced = [&](const Edge& e) {
      return (e.evidence_begin >> kRangeBits) != 0 && which(e);
    };
    // Room for all of it first: appended edge by edge, the evidence was copied again each
    // time the vector grew.
    std::uint64_t more = 0;
    for (const Edge& e : r.edges)
      if (referenced(e)) more += (e.evidence_end & kMask) - (e.evidence_begin & kMask);
    r.evidence.reserve(r.evidence.size() + more);
    for (Edge& e : r.edges) {
      if (!referenced(e)) continue;
      std::uint64_t begin = 0, end = 0;
      const std::span<const EvidencePair> from = of(e, r, begin, end);
      e.evidence_begin = r.evidence.size();
      r.evidence.insert(r.evidence.end(), from.begin() + static_cast<std::ptrdiff_t>(begin),
                        from.begin() + static_cast<std::ptrdiff_t>(end));
      e.evidence_end = r.evidence.size();
    }
  }

 private:
  std::vector<std::span<const EvidencePair>> sources_;
};

// The edges a membership-only result leaves out (ClusterDetail::kMembership: those its FDR
// level cannot keep): their tests, per family, and their (pair, behaviour).
struct LeftOutEdges {
  detect_internal::LeftOutTests time;  // the time-shift family: every behaviour but hashtag
  // per funnel row (behaviour and window)
  std::vector<detect_internal::LeftOutTests> hashtag_time, cooccurrence, stimulus;
  using PairKey = std::tuple<std::uint32_t, std::uint32_t, Behaviour>;  // source, target
  std::vector<PairKey> pairs;  // one per left-out edge (pairs_only_left_out makes them unique)
  void add(const Edge& e, std::size_t row, double q) {
    if (hashtag_time.size() <= row) {
      hashtag_time.resize(row + 1);
      cooccurrence.resize(row + 1);
      stimulus.resize(row + 1);
    }
    (e.behaviour == Behaviour::kHashtag ? hashtag_time[row] : time).add(e.p_value, q);
    cooccurrence[row].add(e.p_cooccurrence, q);
    stimulus[row].add(e.p_stimulus, q);
    pairs.emplace_back(e.source, e.target, e.behaviour);
  }
  const detect_internal::LeftOutTests* at(const std::vector<detect_internal::LeftOutTests>& v,
                                          std::size_t row) const {
    return row < v.size() ? &v[row] : nullptr;
  }
  void sort() {
    std::sort(time.low.begin(), time.low.end());
    for (auto* v : {&hashtag_time, &cooccurrence, &stimulus})
      for (detect_internal::LeftOutTests& t : *v) std::sort(t.low.begin(), t.low.end());
  }
};

// A behaviour's edges at one window appended to the result, with their evidence re-based
// and the null replicate rows of those that may be kept at this FDR level (may_be_kept). A
// row is only ever read for a kept edge (cluster p-values), and no test's family keeps a
// p-value above q, so the rest — most tested edges, 396 bytes each at R = 99 — are left out
// (null_row UINT32_MAX). With ClusterDetail::kMembership those edges are left out altogether,
// their tests counted in `left_out` (funnel row `row`): only outputs and the store show an
// edge that was not kept, and a variant is neither written nor stored, while testing,
// clustering and judging read kept edges only. `cached`: `be` stays in the Detector's cache
// for the rest of the call, so its evidence is referenced (EvidenceSources), not copied.
void append_edges(const detect_internal::BehaviourEdges& be, TimeMs window,
                  const DetectOptions& opt, ClusterDetail detail, EvidenceSources* cached,
                  LeftOutEdges& left_out, std::size_t row, DetectionResult& r) {
  std::uint64_t base = r.evidence.size();
  const std::size_t R = opt.null_replicates > 0 ? static_cast<std::size_t>(opt.null_replicates) : 0;
  const bool all_evidence = detail == ClusterDetail::kFull;
  const std::uint64_t tag = cached != nullptr ? cached->add(be.evidence) : 0;
  for (Edge e : be.edges) {
    const bool may_keep = detect_internal::may_be_kept(e, opt.fdr);
    if (!may_keep && !all_evidence) {
      left_out.add(e, row, opt.fdr);
      continue;
    }
    if (cached != nullptr) {
      e.evidence_begin |= tag;
      e.evidence_end |= tag;
    } else if (all_evidence) {
      e.evidence_begin += base;
      e.evidence_end += base;
    } else {  // an edge that may be kept, of a membership-only result
      const auto from = be.evidence.begin();
      const std::uint64_t begin = r.evidence.size();
      r.evidence.insert(r.evidence.end(), from + static_cast<std::ptrdiff_t>(e.evidence_begin),
                        from + static_cast<std::ptrdiff_t>(e.evidence_end));
      e.evidence_begin = begin;
      e.evidence_end = r.evidence.size();
    }
    e.window_ms = window;
    if (e.null_row != UINT32_MAX)
      e.null_row = may_keep ? detect_internal::append_null_row(e.null_row, be.null_weights, R,
                                                               r.null_weights)
                            : UINT32_MAX;
    r.edges.push_back(e);
  }
  if (all_evidence && cached == nullptr)
    r.evidence.insert(r.evidence.end(), be.evidence.begin(), be.evidence.end());
}

// The edges of every behaviour and window in output order (source, target by byte order, then
// behaviour and window), and which of them are kept (docs/detection.md, "Significance").
void sort_and_test_edges(const Dataset& data, const DetectOptions& opt,
                         const std::vector<std::uint64_t>& candidates,
                         const EvidenceSources& cached, const LeftOutEdges& left_out,
                         DetectionResult& r) {
  using namespace detect_internal;
  tbb::parallel_sort(r.edges.begin(), r.edges.end(), [&](const Edge& x, const Edge& y) {
    if (x.source != y.source) return r.account_rank[x.source] < r.account_rank[y.source];
    if (x.target != y.target) return r.account_rank[x.target] < r.account_rank[y.target];
    if (x.behaviour != y.behaviour) return x.behaviour < y.behaviour;
    return x.window_ms < y.window_ms;
  });
  if (opt.compat == CompatMode::kNone && opt.null_replicates > 0) {
    // Kept: significant against both nulls — the same time beyond each account's rhythm, and
    // the same objects beyond activity and popularity (docs/detection.md, "Significance").
    // One time-shift family over every tested edge of every behaviour and window, but the
    // hashtag: its edges are tested in a family of every pair that met at all, with p-values
    // beyond every replicate from the fitted tail (docs/detection.md, "Scheduled automation").
    // A membership-only result's left-out edges count in each family (LeftOutTests).
    benjamini_hochberg(r.edges, opt.fdr, &left_out.time);
    for (std::size_t f = 0; f < r.funnel.size(); ++f)
      if (r.funnel[f].behaviour == Behaviour::kHashtag)
        hashtag_time_fdr(r.edges, r.funnel[f].window_ms, opt.fdr, candidates[f],
                         left_out.at(left_out.hashtag_time, f));
    // One co-occurrence family per behaviour and window: a behaviour where no campaign acts
    // gets no slack from the thousands of true edges of another. Not similar_text: its
    // objects are families chained together by near-duplicate pairs, whose size measures
    // chaining, not popularity, so the null's expectation would be meaningless there
    // (docs/detection.md).
    for (std::size_t f = 0; f < r.funnel.size(); ++f) {
      if (r.funnel[f].behaviour != Behaviour::kSimilarText)
        cooccurrence_fdr(r.edges, r.funnel[f].behaviour, r.funnel[f].window_ms, opt.fdr,
                         left_out.at(left_out.cooccurrence, f), candidates[f]);
      stimulus_fdr(r.edges, r.funnel[f].behaviour, r.funnel[f].window_ms, opt.fdr,
                   left_out.at(left_out.stimulus, f));
    }
    // A hashtag pair where one account nearly always came first is a follower of the other's
    // posts, and two followers of one account meet after its posts: neither is two accounts
    // on one clock (docs/detection.md, "Scheduled automation"). It reads the evidence of the
    // hashtag edges kept so far.
    cached.resolve(r, [](const Edge& e) {
      return e.behaviour == Behaviour::kHashtag && e.significant;
    });
    order_test(data, r, opt, r.edges);
  }
}

}  // namespace

std::vector<Behaviour> detected_behaviours(const Dataset& data, const DetectOptions& options) {
  return options.behaviours.empty() ? default_behaviours(data, options.compat)
                                    : options.behaviours;
}

Result<Detector::Cache::Table*> Detector::Cache::table(const Dataset& data, Behaviour b,
                                                       const DetectOptions& at, TimeMs widest,
                                                       dist::Communicator* shards) {
  using namespace detect_internal;
  const std::string tkey = table_key(b, at);
  auto tit = std::find_if(tables.begin(), tables.end(),
                          [&](const Table& x) { return x.key == tkey; });
  if (tit != tables.end()) return &*tit;
  // A near-duplicate search and the actions read the text or the other items of the
  // messages, which the caller may hold out of memory once the Detector no longer needs them
  // (detect()).
  const auto items_out = [&] {
    return Status::Internal(fmt::format(
        "detection needs the messages' {} for {} actions, and they are out of memory",
        b == Behaviour::kText || b == Behaviour::kSimilarText ? "text" : "items",
        behaviour_name(b)));
  };
  Table fresh;
  fresh.key = tkey;
  fresh.behaviour = b;
  if (b == Behaviour::kSimilarText) {
    // A search at or below this similarity serves it: every pair it reports was compared
    // exactly with its own threshold, so those at or above this one are this one's pairs
    // (similar_text_table keeps only those), but for LSH misses, each of probability at most
    // NearDuplicateOptions::target_miss_probability in either search (docs/detection.md,
    // "Scale and determinism").
    const std::string base = similar_base_key(at);
    auto sit = std::find_if(similar.begin(), similar.end(), [&](const Similar& x) {
      return x.base == base && x.similarity <= at.similarity &&
             x.found.search_window >= at.window_ms;
    });
    if (sit == similar.end()) {
      // The first search is at the lowest similarity the Detector will be asked for and at the
      // widest window, so it serves every variant; another is searched once at the widest of
      // its own windows (W and the slow windows).
      if (!message_items_in_memory(data, Behaviour::kSimilarText)) return items_out();
      const TimeMs needed = widest_window(at, {});
      const bool first = !searched;
      DetectOptions search = at;
      if (first) search.similarity = std::min(at.similarity, lowest_similarity);
      searched = true;
      auto found =
          find_similar_texts(data, search, std::max(needed, first ? widest : at.window_ms));
      if (!found.ok()) return found.status();
      std::erase_if(similar, [](const Similar& x) { return !x.first; });
      std::erase_if(tables, [](const Table& x) {
        return x.behaviour == Behaviour::kSimilarText && !x.first;
      });
      similar.push_back(Similar{first, std::move(*found), base, search.similarity});
      sit = similar.end() - 1;
    }
    // The verified pairs themselves only for the cnt rule: the native tests read the families
    // (at 10M messages, 0.8-1.2 GB of pairs held by the cached tables for nothing).
    fresh.table = similar_text_table(data, sit->found, at,
                                     at.compat == CompatMode::kCnt ? &fresh.similar : nullptr);
  } else {
    if (!action_items_in_memory(data, b, at)) return items_out();
    fresh.table = extract_actions(data, b, at, shards);
  }
  fresh.first = std::none_of(tables.begin(), tables.end(),
                             [&](const Table& x) { return x.behaviour == b; });
  tables.push_back(std::move(fresh));
  return &tables.back();
}

Result<Detector::Cache::Edges*> Detector::Cache::edges_at(
    const Dataset& data, Behaviour b, const DetectOptions& at, std::size_t slot, bool last,
    TimeMs widest, ClusterDetail detail, dist::Communicator* shards,
    const std::vector<std::uint32_t>& account_rank) {
  using namespace detect_internal;
  const std::string ekey = edges_key(b, at);
  auto eit = std::find_if(edges.begin(), edges.end(), [&](const Edges& x) { return x.key == ekey; });
  if (eit != edges.end()) return &*eit;
  auto found = table(data, b, at, widest, shards);
  if (!found.ok()) return found.status();
  Table* tit = *found;
  detect_internal::ActionTable& t = tit->table;
  BehaviourEdges be;
  if (b == Behaviour::kSimilarText && at.compat == CompatMode::kCnt) {
    be = cnt_similar_edges(data, t, tit->similar, at);
  } else
    switch (at.compat) {
      case CompatMode::kNone:
        // A membership-only call (a variant) runs beside the main result and everything the
        // Detector holds for later calls, where a run's memory peaks (at 10M messages the
        // window 120 s variant's hashtag pairs): its pair records are made in passes of half
        // the size, which changes nothing in the edges.
        be = native_edges(data, t, at, account_rank,
                          detail == ClusterDetail::kMembership ? kPairRecordBudget / 2
                                                              : kPairRecordBudget);
        break;
      case CompatMode::kCoortweet:
        be = coortweet_edges(data, t, at, account_rank);
        break;
      case CompatMode::kCnt:
        be = cnt_edges(data, t, at);
        break;
    }
  be.actions = t.total_actions();
  be.objects = t.total_objects();
  const std::string rkey = repetition_free_key(b, at);
  if (at.compat == CompatMode::kNone) {
    // At a slow window, people responding to the same posts meet often; a share edge
    // there must also show timing beyond each account's own responses to the posts.
    const bool stimulus = b == Behaviour::kShare && slot > 0;
    if (stimulus) {
      if (!originals) originals.emplace(data);
      if (!tit->origins) tit->origins = share_origins(data, t, *originals);
    }
    // Below the min_repetition of a cached test at otherwise the same settings (the
    // sensitivity variant below the main run), the pairs that reach it keep its p-values:
    // only the others are tested (at 10M messages, most of the variant's time).
    // Distributed, every rank holds the same cache entries (rank 0's with the edges).
    const Edges* above = nullptr;
    for (const Edges& x : edges)
      if (x.behaviour == b && x.slot == slot && x.min_repetition > at.min_repetition &&
          x.key_but_repetition == rkey)
        above = &x;
    // Replicate rows only where a result can read them: edges asked for once (a one-shot
    // detect, a variant's) are read at this FDR level only, so an edge above it gets no row
    // (at 10M messages, millions of rows of 396 bytes for the min_repetition 2 variant). The
    // main settings' edges serve later FDR levels too: their rows are kept up to the highest
    // level the Detector will be asked for, and membership_up_to may trim them later.
    const bool cached = keep && std::none_of(edges.begin(), edges.end(), [&](const Edges& x) {
                          return x.behaviour == b && x.slot == slot;
                        });
    const double rows_up_to = cached ? std::max(highest_fdr, at.fdr) : at.fdr;
    // A membership-only result reads its own edges' time-shift p-values only up to its level
    // (at 10M messages, most of a window variant's time was replicates of edges far above it).
    const PValues need =
        detail == ClusterDetail::kFull || cached ? PValues::kExact : PValues::kUpToRows;
    if (above == nullptr ||
        !p_values_below(t, *model, at, above->edges, above->min_repetition,
                        stimulus ? &*tit->origins : nullptr, be, rows_up_to, need)) {
      edge_and_near_miss_p_values(t, *model, at, be, rows_up_to, need);
      if (stimulus) stimulus_p_values(t, *model, at, *tit->origins, be.edges);
    }
  }
  const bool first = std::none_of(edges.begin(), edges.end(), [&](const Edges& x) {
    return x.behaviour == b && x.slot == slot;
  });
  // Keys only of the objects behind the edges: the only ones ever shown, by this result or,
  // cached, by a later one. They are read from the messages' items.
  const bool shown = detail == ClusterDetail::kFull || (keep && first);
  if (shown && !message_items_in_memory(data, b))
    return Status::Internal(fmt::format(
        "detection needs the messages' items for the keys of {} objects, and they are out of "
        "memory",
        behaviour_name(b)));
  ObjectKeys keys = shown ? shown_object_keys(data, t, at, be.evidence) : ObjectKeys{};
  // One-shot: each behaviour's actions go after its last window.
  if (!keep && last)
    tables.erase(tables.begin() + (tit - tables.data()));
  std::erase_if(edges, [&](const Edges& x) {
    return x.behaviour == b && x.slot == slot && !x.first;
  });
  if (keep && first) {
    // Held for every later call: without the growth slack of their building (at 10M
    // messages, the edges' vector held twice their 0.4 GB). The room left for the near
    // misses (concatenate_partitions) is not worth a copy of the edges.
    if (be.edges.capacity() - be.edges.size() > detect_internal::kNearMisses)
      be.edges.shrink_to_fit();
    be.evidence.shrink_to_fit();
    be.null_weights.shrink_to_fit();
  }
  edges.push_back(
      Edges{ekey, b, slot, first, std::move(be), std::move(keys), rkey, at.min_repetition,
            static_cast<std::size_t>(std::max(0, at.null_replicates))});
  return &edges.back();
}

Result<Detector::Cache::Edges*> Detector::Cache::edges_or_view(
    const Dataset& data, Behaviour b, const DetectOptions& at, std::size_t slot, bool last,
    TimeMs widest, int lowest, ClusterDetail detail, dist::Communicator* shards,
    const std::vector<std::uint32_t>& account_rank) {
  // Distributed, every rank takes the same path: a view reads rank 0's edges of a cached
  // test, and the other ranks, which hold no edges, view nothing.
  if (at.compat != CompatMode::kNone || lowest <= 0 || lowest >= at.min_repetition)
    return edges_at(data, b, at, slot, last, widest, detail, shards, account_rank);
  DetectOptions low = at;
  low.min_repetition = lowest;
  auto found = edges_at(data, b, low, slot, last, widest, detail, shards, account_rank);
  if (!found.ok()) return found.status();
  const Edges& from = **found;
  Edges v{edges_key(b, at), b, slot, false,
          detect_internal::edges_reaching(
              from.edges, at.min_repetition,
              at.null_replicates > 0 ? static_cast<std::size_t>(at.null_replicates) : 0,
              account_rank),
          {}};
  // Keys of the objects behind the view's edges (a subset of those behind the test's), for a
  // result that shows them.
  if (detail == ClusterDetail::kFull) {
    std::vector<std::uint32_t> shown;
    for (const EvidencePair& p : v.edges.evidence) shown.push_back(p.object);
    std::sort(shown.begin(), shown.end());
    shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
    for (std::uint32_t o : shown) v.keys.add(o, from.keys[o]);
  }
  view = std::move(v);
  return &*view;
}

Detector::Detector(const Dataset& data, TimeMs widest_window, int lowest_min_repetition,
                   double highest_fdr, double lowest_similarity)
    : data_(data), widest_window_(widest_window), lowest_min_repetition_(lowest_min_repetition),
      cache_(std::make_unique<Cache>()) {
  cache_->highest_fdr = highest_fdr;
  cache_->lowest_similarity = lowest_similarity;
  if (detect_internal::leads_over(data)) {
    role_ = Role::kLeader;
    detect_internal::announce_opening(widest_window, lowest_min_repetition);
  }
}
Detector::Detector(const Dataset& data, TimeMs widest_window, int lowest_min_repetition, Follow)
    : data_(data), widest_window_(widest_window), lowest_min_repetition_(lowest_min_repetition),
      cache_(std::make_unique<Cache>()), role_(Role::kFollower) {}
Detector::~Detector() {
  if (role_ == Role::kLeader) detect_internal::announce_closing();
}

void Detector::keep_actions(bool keep) { cache_->keep = keep; }

const MessageIndex& Detector::originals() {
  if (!cache_->originals) cache_->originals.emplace(data_);
  return *cache_->originals;
}

void Detector::release_actions() {
  if (role_ == Role::kLeader) detect_internal::announce_release();
  cache_->tables.clear();
  std::erase_if(cache_->similar, [](const Cache::Similar& x) { return !x.first; });
}

void Detector::release_near_duplicates() { cache_->similar.clear(); }

void Detector::after_reading_text(std::function<void(std::span<const Behaviour>)> f) {
  cache_->after_text = std::move(f);
}

void Detector::around_search(std::function<void()> before, std::function<Status()> after) {
  cache_->before_search = std::move(before);
  cache_->after_search = std::move(after);
}

void Detector::after_building_actions(std::function<void()> f) {
  cache_->after_actions = std::move(f);
}

void Detector::membership_up_to(double fdr) {
  cache_->membership_fdr = fdr;
  for (Cache::Edges& x : cache_->edges) {
    detect_internal::BehaviourEdges& be = x.edges;
    const std::size_t width = x.replicates;
    std::vector<EvidencePair> evidence;
    std::vector<std::uint32_t> null_weights;
    std::size_t evidence_size = 0, kept_rows = 0;
    for (const Edge& e : be.edges)
      if (detect_internal::may_be_kept(e, fdr)) {
        evidence_size += e.evidence_end - e.evidence_begin;
        kept_rows += e.null_row != UINT32_MAX;
      }
    evidence.reserve(evidence_size);
    null_weights.reserve(kept_rows * width);
    for (Edge& e : be.edges) {
      if (detect_internal::may_be_kept(e, fdr)) {
        e = detect_internal::copy_edge_rows(e, be.evidence, be.null_weights, width, evidence,
                                            null_weights);
      } else {
        e.evidence_begin = e.evidence_end = evidence.size();
        e.null_row = UINT32_MAX;
      }
    }
    be.evidence = std::move(evidence);
    be.null_weights = std::move(null_weights);
  }
  cache_->view.reset();
}

namespace {

// Edges come sorted by (source, target, behaviour, window), one per window at which the
// pair met min_repetition. Keeps one per (pair, behaviour) — the first kept, else the first —
// with its evidence and replicate weights, and drops the rest.
// Evidence referenced in the Detector's cache is copied here, for the picks only.
void keep_one_window_per_edge(const DetectOptions& opt, const EvidenceSources& cached,
                              DetectionResult& r) {
  const std::size_t R = opt.null_replicates > 0 ? static_cast<std::size_t>(opt.null_replicates) : 0;
  // The picks first, so that the copies are allocated at their size: the result holds them
  // for the rest of the run, and a vector grown by doubling holds up to twice its size.
  std::vector<std::size_t> picks;
  std::size_t evidence_size = 0, rows = 0;
  for (std::size_t s = 0; s < r.edges.size();) {
    std::size_t e = s;
    while (e < r.edges.size() && r.edges[e].source == r.edges[s].source &&
           r.edges[e].target == r.edges[s].target && r.edges[e].behaviour == r.edges[s].behaviour)
      ++e;
    std::size_t pick = s;
    for (std::size_t i = s; i < e; ++i)
      if (r.edges[i].significant) {
        pick = i;
        break;
      }
    picks.push_back(pick);
    evidence_size += r.edges[pick].evidence_end - r.edges[pick].evidence_begin;
    rows += r.edges[pick].null_row != UINT32_MAX;
    s = e;
  }
  std::vector<Edge> edges;
  std::vector<EvidencePair> evidence;
  std::vector<std::uint32_t> null_weights;
  edges.reserve(picks.size());
  evidence.reserve(evidence_size);
  null_weights.reserve(rows * R);
  for (std::size_t pick : picks) {
    Edge e = r.edges[pick];
    std::uint64_t begin = 0, end = 0;
    const std::span<const EvidencePair> from = cached.of(e, r, begin, end);
    e.evidence_begin = begin;
    e.evidence_end = end;
    edges.push_back(
        detect_internal::copy_edge_rows(e, from, r.null_weights, R, evidence, null_weights));
  }
  r.edges = std::move(edges);
  r.evidence = std::move(evidence);
  r.null_weights = std::move(null_weights);
}

// The (pair, behaviour)s of left-out edges that no edge of the result has.
std::uint64_t pairs_only_left_out(const DetectionResult& r, LeftOutEdges& left_out) {
  auto& pairs = left_out.pairs;
  if (pairs.empty()) return 0;
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<LeftOutEdges::PairKey> held;
  held.reserve(r.edges.size());
  for (const Edge& e : r.edges) held.emplace_back(e.source, e.target, e.behaviour);
  std::sort(held.begin(), held.end());
  std::uint64_t only = 0;
  for (const auto& p : pairs) only += !std::binary_search(held.begin(), held.end(), p);
  return only;
}

}  // namespace

void keep_only_kept_edges(DetectionResult& r) {
  std::size_t edges = 0, evidence = 0;
  for (const Edge& e : r.edges)
    if (e.significant) ++edges, evidence += e.evidence_end - e.evidence_begin;
  std::vector<Edge> kept;
  std::vector<EvidencePair> kept_evidence;
  std::vector<std::uint32_t> no_rows;
  kept.reserve(edges);
  kept_evidence.reserve(evidence);
  for (const Edge& e : r.edges) {
    if (!e.significant) continue;
    kept.push_back(detect_internal::copy_edge_rows(e, r.evidence, r.null_weights, 0,
                                                   kept_evidence, no_rows));
    kept.back().null_row = UINT32_MAX;
  }
  r.edges = std::move(kept);
  r.evidence = std::move(kept_evidence);
  std::vector<std::uint32_t>().swap(r.null_weights);
}

Result<DetectionResult> detect(const Dataset& data, const DetectOptions& options) {
  // The near-duplicate search runs once, at the widest window, for W and the slow windows.
  Detector d(data, widest_window(options, {}));
  d.cache_->keep = false;
  return d.detect(options);
}

Result<DetectionResult> Detector::detect(const DetectOptions& options_in, ClusterDetail detail) {
  using namespace detect_internal;
  const Dataset& data = data_;
  Cache& cache = *cache_;
  DetectOptions opt = options_in;
  if (opt.behaviours.empty()) {
    if (!cache.defaults || cache.defaults->first != opt.compat)
      cache.defaults.emplace(opt.compat, default_behaviours(data, opt.compat));
    opt.behaviours = cache.defaults->second;
  }
  // With the behaviours chosen here: the other ranks hold no message text (docs/distributed.md),
  // which decides whether the text behaviours apply.
  if (role_ == Role::kLeader) announce_detect(opt, cache.keep, detail);
  // Distributed, native behaviours but similar_text are sharded; the others rank 0 computes.
  dist::Communicator* shards = role_ == Role::kAlone ? nullptr : distributed_tables(opt);
  if (data.messages() >= UINT32_MAX)
    return Status::InvalidArgument("too many messages for one run");
  if (cache.membership_fdr &&
      (detail != ClusterDetail::kMembership || options_in.fdr > *cache.membership_fdr))
    return Status::InvalidArgument(
        fmt::format("this detector serves cluster membership at FDR levels up to {} only",
                    *cache.membership_fdr));
  if (options_in.fdr > cache.highest_fdr)
    return Status::InvalidArgument(fmt::format(
        "this detector serves FDR levels up to {} only, not {}", cache.highest_fdr,
        options_in.fdr));

  DetectionResult r;
  r.compat = opt.compat;
  r.directed = opt.compat == CompatMode::kCnt;
  r.seed = opt.seed;
  GS_RETURN_IF_ERROR(opt.validate());  // with the behaviours the data chose
  r.behaviours = opt.behaviours;

  // Byte order of (account_id, platform): the orientation and sort order of every output.
  if (cache.account_rank.empty()) cache.account_rank = account_byte_order(data);
  r.account_rank = cache.account_rank;

  if (!cache.model) cache.model = make_null_model(data);
  // The near-duplicate search first, on the first call that runs similar_text: its working
  // memory (about 2.9 GB at 10M messages) then sits beside the columns alone instead of beside
  // every other behaviour's actions and edges. The same search as in the loop below.
  if (!cache.searched && role_ != Role::kFollower &&
      std::find(r.behaviours.begin(), r.behaviours.end(), Behaviour::kSimilarText) !=
          r.behaviours.end()) {
    DetectOptions at = opt;
    at.window_ms = detection_windows(opt, Behaviour::kSimilarText).front();
    const auto before = std::move(cache.before_search);
    const auto after = std::move(cache.after_search);
    cache.before_search = nullptr;
    cache.after_search = nullptr;
    if (before) before();
    auto searched = cache.table(data, Behaviour::kSimilarText, at, widest_window_, shards);
    const Status back = after ? after() : Status::Ok();
    if (!searched.ok()) return searched.status();
    GS_RETURN_IF_ERROR(back);
  }
  EvidenceSources cached;  // the evidence of the edges left in the cache, until picked
  LeftOutEdges left_out;   // membership only: the edges the FDR level cannot keep
  // The behaviours that read the message text first: once they are done nothing else reads
  // it, and the caller may hold it out of memory (after_reading_text) while the other
  // behaviours' actions and edges are built. Funnel rows, candidate counts and key tables
  // keep the order of r.behaviours, and the edges are sorted below, so the order of work
  // changes nothing in the result.
  const std::size_t nb = r.behaviours.size();
  std::vector<std::size_t> first_row(nb + 1, 0);  // the behaviour's funnel rows start there
  for (std::size_t i = 0; i < nb; ++i)
    first_row[i + 1] = first_row[i] + detection_windows(opt, r.behaviours[i]).size();
  r.funnel.resize(first_row[nb]);
  std::vector<std::uint64_t> candidates(first_row[nb], 0);  // per funnel row: pairs that met
  r.objects.resize(nb);
  const auto reads_text = [&](std::size_t i) {
    return r.behaviours[i] == Behaviour::kText || r.behaviours[i] == Behaviour::kSimilarText;
  };
  std::vector<std::size_t> work(nb);
  std::iota(work.begin(), work.end(), std::size_t{0});
  std::stable_partition(work.begin(), work.end(), reads_text);
  const auto done_with_text = [&] {
    if (!cache.after_text) return;
    const auto after_text = std::move(cache.after_text);
    cache.after_text = nullptr;
    after_text(r.behaviours);
  };
  for (const std::size_t bi : work) {
    if (!reads_text(bi)) done_with_text();
    const Behaviour b = r.behaviours[bi];
    if (role_ == Role::kFollower && (shards == nullptr || b == Behaviour::kSimilarText)) continue;
    const std::vector<TimeMs> windows = detection_windows(opt, b);
    for (std::size_t slot = 0; slot < windows.size(); ++slot) {
      const std::size_t row = first_row[bi] + slot;
      const TimeMs window = windows[slot];
      DetectOptions at = opt;
      at.window_ms = window;
      auto found = cache.edges_or_view(data, b, at, slot, slot + 1 == windows.size(),
                                       widest_window_, lowest_min_repetition_, detail, shards,
                                       r.account_rank);
      if (!found.ok()) return found.status();
      Cache::Edges* eit_ptr = *found;
      const BehaviourEdges& be = eit_ptr->edges;
      r.funnel[row] = start_funnel(b, be);
      r.funnel[row].window_ms = window;
      r.crowded_actions += be.crowded_actions;
      if (window == opt.window_ms) r.candidate_pairs += be.candidate_pairs;
      candidates[row] = be.candidate_pairs;
      // Kept for later settings: the first settings' edges (the main run's, which every
      // variant that does not move this behaviour's edges reuses), whose evidence the result
      // refers to until it knows which of it it keeps. Another setting's are asked for once,
      // so they go at once, as everything does in a one-shot detect(): held until the next
      // variant, a window variant's edges of every behaviour and window sat beside the main
      // run's. A view is replaced by the next one.
      const bool drop = !cache.keep || !eit_ptr->first;
      append_edges(be, window, opt, detail, drop ? nullptr : &cached, left_out, row, r);
      // One key table per behaviour: the slow windows' objects are the same objects, so
      // their keys are merged into the behaviour's table.
      if (window == opt.window_ms) {
        r.objects[bi] = drop ? std::move(eit_ptr->keys) : eit_ptr->keys;
      } else {
        r.objects[bi].merge(eit_ptr->keys);
      }
      if (drop) {
        auto it = std::find_if(cache.edges.begin(), cache.edges.end(),
                               [&](const Cache::Edges& x) { return &x == eit_ptr; });
        if (it != cache.edges.end()) cache.edges.erase(it);
      }
    }
  }
  // Nothing past this point reads the message text or the other items either: the tests,
  // the clusters and the verdicts read times, accounts and the object keys gathered above.
  done_with_text();
  if (cache.after_actions) {
    const auto after_actions = std::move(cache.after_actions);
    cache.after_actions = nullptr;
    after_actions();
  }
  if (role_ == Role::kFollower) {  // rank 0 alone tests, clusters and reports
    cached.resolve(r, [](const Edge&) { return true; });
    return r;
  }
  left_out.sort();
  sort_and_test_edges(data, opt, candidates, cached, left_out, r);
  // The funnel's FDR counts, of every tested edge: not those of a membership-only result.
  if (detail == ClusterDetail::kFull) finish_funnel(opt, r);
  // Tests made: one per (pair, behaviour, window), as the funnel's rows count them.
  const bool tested = opt.compat == CompatMode::kNone && opt.null_replicates > 0;
  r.tested_edges = tested ? r.edges.size() + left_out.pairs.size() : 0;
  // One edge per (pair, behaviour): the smallest window at which it was kept, else the
  // smallest at which it was found.
  keep_one_window_per_edge(opt, cached, r);
  r.pair_edges = r.edges.size() + pairs_only_left_out(r, left_out);
  r.significant_edges = 0;
  for (const auto& e : r.edges) r.significant_edges += e.significant;
  GS_RETURN_IF_ERROR(build_clusters(data, opt, detail, r));
  // The group test of each source's re-sharers (docs/detection.md, "The group test"), at its
  // own window whatever W: once per Detector for every setting with the same replicates.
  if (tested && std::find(r.behaviours.begin(), r.behaviours.end(), Behaviour::kShare) !=
                    r.behaviours.end()) {
    const std::pair<int, std::uint64_t> key{opt.null_replicates, opt.seed};
    auto it = std::find_if(cache.group_tests.begin(), cache.group_tests.end(),
                           [&](const auto& x) { return x.first == key; });
    if (it == cache.group_tests.end()) {
      cache.group_tests.emplace_back(
          key, group_test(data, originals(), cache.model->account_hash, kGroupWindowMs,
                          opt.null_replicates, opt.seed));
      it = cache.group_tests.end() - 1;
    }
    apply_group_test(data, opt, detail, it->second, originals(), r);
  }
  return r;
}

}  // namespace groundswell
