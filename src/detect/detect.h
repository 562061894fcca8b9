// Coordination detection (docs/contract.md §5.3–5.5, outputs of §8): co-action networks per
// behaviour, significance against a per-account circular time-shift null model with
// Benjamini–Hochberg FDR control, Leiden clusters ranked by evidence, and the files reviewers open.
//
//   DetectOptions opt;                       // documented defaults (docs/detection.md)
//   opt.behaviours = {Behaviour::kShare};    // empty = every behaviour the data supports
//   Result<DetectionResult> r = detect(dataset, opt);
//   write_detection_outputs(dataset, *r, opt, out_dir);   // edges.csv, clusters.csv, ...
//   store_detection(store, dataset, *r, opt, run_id);     // detection_* tables
//
// Every stage is "map by action key -> reduce by account pair": actions are hashed by key
// (xxHash, fixed seed), swept in time order per key, and co-action pairs are partitioned by a
// hash of the account pair and reduced per partition, so the stages can be sharded across
// processes later. Promises: the result is a pure function of (dataset, options) — the same
// bytes whatever the number of threads (every parallel step ends in a sort on a total key).
// Compatibility modes reproduce CooRTweet and the Coordination Network Toolkit as
// docs/detection.md ("Compatibility modes") describes them, with the few input-order details
// they depend on.
//
// Thread-safety: detect() uses TBB internally and may be called from any one thread at a
// time per DetectionResult; Leiden runs igraph on the calling thread (igraph's RNG is global,
// so do not run two detect() calls concurrently in one process).
#pragma once

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "groundswell/model.h"
#include "groundswell/status.h"
#include "store/dataset.h"

namespace groundswell {

class JsonWriter;
class MessageIndex;
class Store;
namespace detect_internal {
struct ActionTable;
}

// The actions of docs/contract.md §3, plus `post` (any message; the toolkit's co_post).
enum class Behaviour : std::uint8_t {
  kShare = 0,
  kLink,
  kDomain,
  kHashtag,
  kMention,
  kReply,
  kText,
  kSimilarText,
  kMedia,
  kPost,
};
inline constexpr int kBehaviourCount = 10;

enum class CompatMode : std::uint8_t { kNone = 0, kCoortweet, kCnt };

// Behaviours that name a topic rather than an item (mention, domain): left out of the native
// default network, available when asked for by name. The hashtag names a topic too, but
// natively its object is the hashtag on one UTC day, so an edge needs the two accounts to
// co-post it within W on min_repetition different days, tested in a family of its own
// (docs/detection.md, "Scheduled automation"): it is in the default.
inline bool is_topical(Behaviour b) {
  return b == Behaviour::kMention || b == Behaviour::kDomain;
}
// The null model's reach for a behaviour: 0 for the circular time-shift over the whole
// period; natively for hashtag, each account's actions of one UTC day moved together by at
// most this much, afresh for every day, which keeps its daily rhythm (docs/detection.md,
// "Scheduled automation").
inline constexpr TimeMs kHashtagJitterMs = 3 * 60'000;
struct DetectOptions;
TimeMs null_jitter_ms(Behaviour b, const DetectOptions& opt);

// The names of behaviours and compatibility modes (one table each, src/detect/options.cc).
// Native names (share, link, ...); in cnt/coortweet mode the peer tools' network names
// (co_retweet, co_tweet, co_link, co_reply, co_similar_tweet, co_post) where they exist.
std::string_view behaviour_name(Behaviour b, CompatMode compat = CompatMode::kNone);
// Parses a comma-separated list of native or peer names ("share,link", "co_retweet").
Result<std::vector<Behaviour>> parse_behaviours(std::string_view list);
std::string_view compat_name(CompatMode compat);         // "none", "coortweet", "cnt"
Result<CompatMode> parse_compat(std::string_view name);  // "", "none", "coortweet", "cnt"

// Every detection option with its one default (docs/detection.md gives the evidence behind
// each). The command line, the tests and `report` (reading a recorded detection back) fill
// this one struct; everything about it lives in src/detect/options.cc:
//   DetectOptions o = DetectOptions::defaults(CompatMode::kCnt);  // a mode's defaults
//   o.fdr = 0.01;
//   Status s = o.validate();          // detect() refuses exactly what this refuses
//   std::string rec = o.to_json();    // the record in runs, detections, evidence files
//   auto back = DetectOptions::from_json(rec);   // equal to o
// Adding an option: a field below with its default, a check in validate(), a line in
// to_json() and from_json(); a Detector keys its caches by to_json(), so a new option never
// lets a cached result be reused wrongly (list it in detect.cc's Cache only to allow reuse).
struct DetectOptions {
  std::vector<Behaviour> behaviours;  // empty: every behaviour the data supports (not post;
                                      // natively not the topical ones, see is_topical)
  TimeMs window_ms = 60'000;          // W: co-actions at most W apart, inclusive
  // Native only: wider windows at which share, link, text and similar_text are detected too,
  // for slow campaigns whose members act minutes apart; significance at each window and one
  // FDR over them, every edge reported at the smallest window where it was kept
  // (docs/detection.md, "Slow campaigns"). Strictly increasing; those not wider than W add
  // nothing; the compatibility modes detect at W alone, as the peer tools do.
  std::vector<TimeMs> slow_windows = {600'000, 1'800'000};
  int min_repetition = 3;             // native: distinct objects; coortweet: min_participation;
                                      // cnt: min_edge_weight
  double similarity = 0.8;            // Jaccard threshold for similar_text
  CompatMode compat = CompatMode::kNone;
  int null_replicates = 99;  // R; 0 turns the significance test off
  double fdr = 0.05;         // Benjamini–Hochberg q
  std::uint64_t seed = 1;    // null model offsets and Leiden
  // Native only: an action whose ±W window on the same object holds more than max_crowd
  // actions pairs with nobody (a crowd that large is virality, not pair-level evidence, and
  // the cap bounds the work per action). 0 = no cap. docs/detection.md gives the evidence.
  int max_crowd = 100;
  // ... except with its nearest crowd_neighbours actions in time on each side (0 = nobody):
  // the members of a campaign larger than max_crowd keep meeting each other item after item,
  // chance neighbours in a viral burst do not (docs/detection.md). Natively a hashtag post
  // on the clock (its account posts the hashtag at that time of day on many days, beyond its
  // own rhythm) also pairs with every other such post within W: a scheduler larger than the
  // cap (docs/detection.md, "Scheduled automation").
  int crowd_neighbours = 3;
  int min_text_tokens = 5;             // native text: shorter normalized texts are not matched
  double coortweet_edge_weight = 0.5;  // quantile p of weight_threshold (R type 7)
  int top_objects = 5;                 // per cluster in clusters.csv

  // The defaults above, except min_repetition 2 in a compatibility mode (the peer tools' own
  // default).
  static DetectOptions defaults(CompatMode compat);
  // InvalidArgument naming the option ("fdr must be in (0, 1) (got 1)") when one is out of
  // range or a behaviour does not exist in the compatibility mode.
  [[nodiscard]] Status validate() const;
  // One JSON object with every option; from_json() reads it back (absent keys keep their
  // defaults, except crowd_neighbours: 0, as in records from before it existed) and
  // validates it.
  std::string to_json() const;
  static Result<DetectOptions> from_json(std::string_view json);
};

// summary.json's "parameters" object: the options a reader of the summary needs, with the
// behaviours that were run (DetectionResult::behaviours).
void write_parameters_summary(JsonWriter& w, const DetectOptions& options,
                              std::span<const Behaviour> run);

// The windows a behaviour is detected at: W, then the slow windows for share, link, text and
// similar_text natively.
std::vector<TimeMs> detection_windows(const DetectOptions& options, Behaviour behaviour);

// The neighbouring settings of the sensitivity table, one setting moved in each: the window W
// x0.5 and x2 (the slow windows stay), min_repetition -1 and +1, similarity -0.1 and +0.1 (at
// most 1), FDR /5 and x2 (at most 0.5), in that order. A variant outside an option's range,
// or equal to the main settings or an earlier variant, is left out, so every variant is valid
// and different.
// The min_repetition variants describe detection (the report's detection sensitivity); they
// are not reasonable classifications for the support estimate (`estimate_scenario` false):
// min_repetition 2 links organic accounts (docs/detection.md, "Default behaviours and
// repetition").
struct DetectVariant {
  std::string label;  // the scenario column of sensitivity.csv: "window=30s", "fdr=0.01"
  DetectOptions options;
  std::string parameter;  // the setting moved: window_s, min_repetition, similarity, fdr
  double value = 0;       // its value in this variant (window in seconds)
  bool estimate_scenario = true;  // a cluster scenario of the support estimate
};
std::vector<DetectVariant> sensitivity_variants(const DetectOptions& main);
// The widest window among the main settings and the variants: what a Detector serving all of
// them is constructed with.
TimeMs widest_window(const DetectOptions& main, std::span<const DetectVariant> variants);

struct Edge {
  std::uint32_t source = 0, target = 0;  // dense account indices; undirected: source's
                                         // account_id < target's in byte order
  Behaviour behaviour = Behaviour::kShare;
  double weight = 0;        // native: distinct objects; coortweet: pairs; cnt: messages of source
  std::uint64_t pairs = 0;  // co-action pairs (message pairs within W)
  std::uint32_t objects = 0;
  double median_delay_s = 0, mean_delay_s = 0;
  TimeMs first_time = kNoTime, last_time = kNoTime;
  double p_value = std::numeric_limits<double>::quiet_NaN();  // NaN: not tested
  TimeMs window_ms = 0;  // the window at which this edge was found (W, or a slow window)
  // Share edges at a slow window: the stimulus null — each account keeps its delays to the
  // posts of each source it re-shared, re-drawn over those posts (NaN: not tested; 1 when no
  // post with its original in the data was re-shared by both within the window).
  double p_stimulus = std::numeric_limits<double>::quiet_NaN();
  // Hashtag edges, natively: the order test — the two-sided sign test of which account came
  // first in each meeting; at most the FDR level, one account leads and the other follows
  // its posts (docs/detection.md, "Scheduled automation"; NaN: not tested).
  double p_order = std::numeric_limits<double>::quiet_NaN();
  std::uint32_t led_meetings = 0;  // hashtag: meetings after a post of a leader both follow
  // Native: objects both accounts acted on (at any time), how many a popularity-preserving
  // null expects, and the probability of at least that many under it (docs/detection.md).
  std::uint32_t common_objects = 0;
  double expected_common = std::numeric_limits<double>::quiet_NaN();
  double p_cooccurrence = std::numeric_limits<double>::quiet_NaN();
  bool significant = true;  // kept under BH (always true without a null model)
  // Native with the null model: row of DetectionResult::null_weights holding this edge's
  // weight in each replicate (what cluster p-values sum).
  std::uint32_t null_row = UINT32_MAX;
  // coortweet compat columns
  std::uint32_t n_content_id = 0, n_content_id_y = 0;
  double edge_symmetry_score = 0;
  int weight_threshold = 0;
  std::uint64_t evidence_begin = 0, evidence_end = 0;  // range in DetectionResult::evidence
};

// One co-action pair behind an edge: a message of the edge's source and one of its target
// acting on the same object within W.
struct EvidencePair {
  std::uint32_t source_msg = 0, target_msg = 0;
  std::uint32_t object = 0;  // index into DetectionResult::objects[behaviour]
};

struct TopObject {
  Behaviour behaviour = Behaviour::kShare;
  std::string key;
  std::uint64_t messages = 0;
  std::uint32_t example_msg = 0;
};

// Whether a cluster's coordination was manufactured (verdict.h).
enum class Verdict : std::uint8_t { kUndetermined = 0, kInauthentic, kOrganic };

// The cluster-level evidence a verdict rests on (verdict.h); NaN where not computable.
struct ClusterEvidence {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double burst_share = kNaN;       // largest share of dated members created within burst_days
  double high_score_share = kNaN;  // share of scored members above the score threshold
  double mean_score = kNaN;
  double patterned_share = kNaN;   // share of members with a machine-made handle
  double single_source_share = 0;  // share of internal co-actions re-sharing the top source
  std::uint32_t top_source = UINT32_MAX;  // that source's account, UINT32_MAX = none
  std::uint32_t stimulus_posts = 0;       // posts re-shared by two or more members
  double stimulus_p = kNaN;               // stimulus null p-value
  // The probability that chance alone gives the cluster's internal edges, among the pairs of
  // accounts that co-acted at all (verdict.h; NaN: an internal edge was not tested).
  double chance_p = kNaN;
  // The group test of a source's re-sharers (docs/detection.md, "The group test"): the share
  // of members it flagged, the source that flagged most of them (UINT32_MAX: none), that
  // source's posts re-shared by two or more accounts and its p-value. Its own clusters have
  // every member flagged.
  double fired_share = kNaN;
  std::uint32_t fired_source = UINT32_MAX;
  std::uint32_t fired_posts = 0;
  double fired_p = kNaN;
};

struct Cluster {
  std::uint32_t id = 0;                 // 1..K, in order of evidence
  std::vector<std::uint32_t> accounts;  // dense indices, in account_id byte order
  std::uint64_t messages = 0;           // distinct messages behind its internal edges
  std::vector<Behaviour> behaviours;
  TimeMs first_time = kNoTime, last_time = kNoTime;
  double median_delay_s = 0;
  double share_of_activity = 0;  // messages / all messages of the dataset
  // Days between the earliest and latest account creation among members whose creation date
  // is known (NaN with fewer than two): campaign accounts are often created in bursts.
  double created_spread_days = std::numeric_limits<double>::quiet_NaN();
  double weight = 0;  // sum of internal edge weights
  std::uint64_t internal_edges = 0;
  // Native with the null model (docs/detection.md, "Clusters"): the Monte Carlo p-value while
  // a replicate reaches the cluster's weight, else the fitted tail beyond the replicates
  // (p_from_tail), which tells apart clusters that every replicate falls short of. p_log10 is
  // its base-10 logarithm, finite where p_value is held at the smallest normal double.
  double p_value = std::numeric_limits<double>::quiet_NaN();
  double p_log10 = std::numeric_limits<double>::quiet_NaN();
  bool p_from_tail = false;
  std::vector<TopObject> top_objects;
  // A cluster of the group test's own (is_group_test_cluster), in full detail: its members'
  // re-shares of the source's posts, the messages behind it, in message order.
  std::vector<std::uint32_t> reshares;
  // judge_clusters() (verdict.h): undetermined until judged.
  Verdict verdict = Verdict::kUndetermined;
  std::string verdict_reasons;  // plain sentences joined by "; "
  ClusterEvidence evidence;
};

// A cluster the group test made of accounts in no other cluster (docs/detection.md, "The
// group test"): no internal edges, every member flagged.
inline bool is_group_test_cluster(const Cluster& c) {
  return c.internal_edges == 0 && c.evidence.fired_share == 1;
}

// Why pairs of accounts did or did not become kept edges, per behaviour (docs/detection.md,
// "The funnel"): so a run that finds little can say where its candidates stopped.
enum class FunnelStep : std::uint8_t {
  kKept = 0,
  kRepetition,        // co-acted on fewer than min_repetition distinct objects
  kTimeNull,          // not significant against the time-shift null after FDR control
  kCooccurrenceNull,  // ... against the co-occurrence null
  kBothNulls,         // ... against either
  kStimulusNull,      // a share edge at a slow window whose timing fits independent
                      // responses to the posts (docs/detection.md, "Slow campaigns")
  kFollower,          // a hashtag edge where one account came first in nearly every meeting:
                      // a follower of the other's posts (docs/detection.md)
  kFdr,               // not kept under FDR control for another reason
};
std::string_view funnel_step_name(FunnelStep step);  // kept, repetition, time_null, ...

struct FunnelCandidate {
  Edge edge;  // source, target, objects, pairs, delays, times, p-values (evidence not set)
  // Benjamini–Hochberg adjusted p-values in the families the test used (NaN: not tested);
  // an edge is kept when both are at most the FDR level.
  double q_value = std::numeric_limits<double>::quiet_NaN();
  double q_cooccurrence = std::numeric_limits<double>::quiet_NaN();
  FunnelStep stopped = FunnelStep::kKept;
};

struct BehaviourFunnel {
  Behaviour behaviour = Behaviour::kShare;
  TimeMs window_ms = 0;  // one funnel per behaviour and window (W, then the slow windows)
  std::uint64_t actions = 0, objects = 0;  // of the behaviour
  std::uint64_t crowded_actions = 0;
  // Native: pairs with at least one co-action within W, and by how many distinct objects they
  // co-acted on: [k-1] = k objects, the last bucket that many or more. Empty in compat modes.
  std::uint64_t co_acting_pairs = 0;
  std::vector<std::uint64_t> pairs_by_objects;
  std::uint64_t edges = 0;  // pairs that reached min_repetition (tested when significance is on)
  std::uint64_t accounts_in_edges = 0;
  bool tested = false;                // significance was on for this behaviour
  bool cooccurrence_tested = false;   // not for similar_text
  std::uint64_t time_nominal = 0;     // time-shift p <= FDR level, before FDR control
  std::uint64_t time_fdr = 0;         // ... after Benjamini–Hochberg
  std::uint64_t cooccurrence_nominal = 0, cooccurrence_fdr = 0;
  std::uint64_t kept = 0, accounts_kept = 0;
  // The strongest pairs that were not kept, nearest the line first: tested edges that failed
  // (by the larger of their adjusted p-values), then the strongest pairs below
  // min_repetition (by objects, then pairs), with the step that stopped each.
  std::vector<FunnelCandidate> candidates;
};

// The display keys of the objects behind a behaviour's edges, by object index. Only those
// are ever shown (top objects, evidence), so the keys of the millions of other objects — the
// normalized text of every distinct message, for `text` — are never built.
class ObjectKeys {
 public:
  ObjectKeys() = default;
  ObjectKeys(std::initializer_list<std::string> dense) {  // objects 0..n-1
    for (const auto& k : dense) add(static_cast<std::uint32_t>(ids_.size()), k);
  }
  void add(std::uint32_t object, std::string key) {  // in increasing object order
    ids_.push_back(object);
    keys_.push_back(std::move(key));
  }
  const std::string& operator[](std::uint32_t object) const {  // "" when not behind an edge
    static const std::string kNone;
    auto it = std::lower_bound(ids_.begin(), ids_.end(), object);
    return it != ids_.end() && *it == object ? keys_[static_cast<std::size_t>(it - ids_.begin())]
                                             : kNone;
  }
  std::size_t size() const { return keys_.size(); }
  // Adds the objects of `other` this table does not have (keys of the same objects agree).
  void merge(const ObjectKeys& other) {
    ObjectKeys out;
    std::size_t i = 0, j = 0;
    while (i < ids_.size() || j < other.ids_.size()) {
      if (j == other.ids_.size() || (i < ids_.size() && ids_[i] <= other.ids_[j])) {
        if (j < other.ids_.size() && ids_[i] == other.ids_[j]) ++j;
        out.add(ids_[i], std::move(keys_[i]));
        ++i;
      } else {
        out.add(other.ids_[j], other.keys_[j]);
        ++j;
      }
    }
    *this = std::move(out);
  }
  // Iteration over the keys (for rewriting them in place).
  auto begin() { return keys_.begin(); }
  auto end() { return keys_.end(); }
  auto begin() const { return keys_.begin(); }
  auto end() const { return keys_.end(); }

 private:
  std::vector<std::uint32_t> ids_;
  std::vector<std::string> keys_;
};

struct DetectionResult {
  CompatMode compat = CompatMode::kNone;
  bool directed = false;              // cnt edges are directed
  std::vector<Behaviour> behaviours;  // those run
  std::vector<Edge> edges;  // all edges that met min_repetition, sorted (source, target, behaviour)
                            // by account_id byte order
  std::vector<EvidencePair> evidence;
  std::vector<ObjectKeys> objects;  // [behaviour slot] -> keys of the objects behind edges
  std::uint64_t tested_edges = 0, significant_edges = 0;
  // Edges, one per (pair, behaviour), as `edges` holds them after the tests: edges.size() but
  // in a membership-only result (ClusterDetail::kMembership), which leaves some out.
  std::uint64_t pair_edges = 0;
  std::uint64_t crowded_actions = 0;  // actions left unpaired by max_crowd
  std::uint64_t candidate_pairs = 0;  // native: account pairs with at least one co-action
  // R values per tested edge that may be kept at the FDR level (Edge::null_row; the rows of
  // edges with a time-shift, co-occurrence or stimulus p-value above it are left out:
  // UINT32_MAX).
  std::vector<std::uint32_t> null_weights;
  std::vector<Cluster> clusters;
  std::vector<std::uint32_t> account_cluster;      // per account: cluster id, 0 = none
  std::vector<std::uint32_t> coordination_degree;  // per account: neighbours by kept edges
  std::vector<std::uint32_t> account_rank;         // per account: position in byte order
  double leiden_quality = 0;
  std::uint64_t seed = 0;
  std::vector<BehaviourFunnel> funnel;  // per behaviour run, in `behaviours` order
};

Result<DetectionResult> detect(const Dataset& data, const DetectOptions& options);

// How much of each cluster Detector::detect describes. kMembership: the members, internal
// edges and weight, behaviours, creation spread and p-values — what the ranking, the verdicts
// and a sensitivity row read — but not the statistics of the messages behind the internal
// edges (messages, first_time, last_time, median_delay_s, share_of_activity, top_objects stay
// at their defaults); `edges` holds only the edges that may be kept at its FDR level (a
// time-shift, co-occurrence or stimulus p-value above it keeps none), whose tests still count
// in their families and in tested_edges and pair_edges; the funnel holds only the counts that
// do not depend on the FDR level; and `objects` names only the objects of edges the Detector
// had cached (naming a text's object reads the text). The sensitivity variants ask for no
// more: at 1M messages the message statistics were a third of an FDR variant's cost, and at
// 10M the min_repetition 2 variant held 4.05M tested edges of 176 bytes, most of which its
// level cannot keep (of the main run's 1.45M hashtag edges, 1.39M have a time-shift p-value
// above 0.05).
enum class ClusterDetail : std::uint8_t { kFull, kMembership };

// Drops the edges that were not kept, with their evidence, and every replicate row (only the
// clusters' p-values read them): what the output files and the report read of a result that
// is stored (or not to be stored) in whole.
void keep_only_kept_edges(DetectionResult& result);

// Each account's position in (account_id, platform, index) byte order: the orientation and
// sort order of every output (DetectionResult::account_rank).
std::vector<std::uint32_t> account_byte_order(const Dataset& data);

// Detection at several settings over one dataset, for the sensitivity table: what does not
// depend on the setting that changed is computed once. Actions are extracted once per
// behaviour (per similarity and window for similar_text), and a behaviour's edges with their
// p-values are reused while the settings they depend on stay the same — so a change of FDR
// level only re-runs Benjamini–Hochberg and the clustering, and a change of similarity only
// redoes similar_text. Results equal detect(data, options) byte for byte.
// Memory: holds every behaviour's actions and the latest edges of each until destroyed.
class Detector {
 public:
  // widest_window: the largest window that will be asked for; similar_text searches once at
  // that window and narrows the result for smaller ones. lowest_min_repetition: natively,
  // pairs are tested once from there (when it is below a setting's min_repetition), and the
  // edges at a higher min_repetition are those of that test that reach it, with the same
  // p-values (an edge's p-values do not depend on min_repetition), byte for byte what
  // testing at the higher setting gives. highest_fdr: the highest FDR level that will be asked
  // for; the edges cached for later settings keep replicate weights only for edges that may be
  // kept at it (no level at or below it keeps the others), and a call
  // at a higher level is refused. lowest_similarity: the lowest similarity that will be asked
  // for; the first near-duplicate search is at it, and serves every higher one (its pairs at
  // or above a threshold are that threshold's, but for LSH misses: docs/detection.md).
  explicit Detector(const Dataset& data, TimeMs widest_window = 0, int lowest_min_repetition = 0,
                    double highest_fdr = 1.0, double lowest_similarity = 1.0);
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // After the first call, a call reads the data's message text only to rebuild what the
  // Detector does not hold: a near-duplicate search at a similarity below every one searched
  // (or any after release_near_duplicates()), and the text behaviours' actions after
  // release_actions(). The behaviours the data supports are those the first call found, so
  // until then the caller may hold the text out of memory (ColumnsAside,
  // store/dataset_cache.h); a call that would need it then fails (Internal) instead. So for
  // the other behaviours' items (after_building_actions).
  Result<DetectionResult> detect(const DetectOptions& options,
                                 ClusterDetail detail = ClusterDetail::kFull);

  // Frees the cached actions (the edges and p-values stay) and every near-duplicate search
  // but the first, whose pairs serve a higher similarity: call it once no setting that changes
  // the edges of the main settings' actions is left to try. Later calls rebuild what they
  // need, so results never change.
  void release_actions();

  // Frees every near-duplicate search, the first included: call it once no setting that
  // moves the window or the similarity is left to try (the similar_text actions and edges
  // at the settings seen stay). A later call that needs a search searches again.
  void release_near_duplicates();

  // From now on only the membership of clusters (ClusterDetail::kMembership) at FDR levels of
  // at most `fdr` is asked for: the cached edges drop the evidence and replicate rows of the
  // edges that no such level keeps — a time-shift, co-occurrence or stimulus p-value above it
  // — which no such result reads (at 10M messages, nine in ten hashtag edges: 0.7 GB). Later
  // calls that ask for more fail.
  void membership_up_to(double fdr);

  // The data's messages by key (built on first use, kept with the Detector): what the stimulus
  // null finds originals in, for the verdicts of the clusters found (VerdictOptions).
  const MessageIndex& originals();

  // Calls `f` once, in the next call of detect(), as soon as that call has read all the
  // message text it reads, with the behaviours it detects. A call detects the text behaviours
  // first (the near-duplicate search, then text and similar_text: their actions, edges and
  // object keys), so `f` comes before the other behaviours' actions and edges are built, and
  // before the tests, clusters and verdicts. `f` may hold the text out of memory (ColumnsAside,
  // store/dataset_cache.h): the rest of the call and later calls do without it, as detect()
  // says. At 10M messages that is 1.6 GB less beside every behaviour's edges, where a run's
  // memory peaked.
  void after_reading_text(std::function<void(std::span<const Behaviour>)> f);

  // Calls `before` and then `after` once each, around the first near-duplicate search (the
  // next call that detects similar_text runs it before anything else). The search reads the
  // messages' text, times, accounts and shares only, so `before` may hold the other columns
  // out of memory (ColumnsAside, ColumnGroup::kMessageKeys and kObjects) as long as `after`
  // brings them back; an error `after` returns is the call's. At 10M messages the search's
  // working memory (2.7 GB beside the columns) was where the main detection's memory peaked.
  void around_search(std::function<void()> before, std::function<Status()> after);

  // Calls `f` once, in the next call of detect(), as soon as that call has built every
  // behaviour's actions and the keys of the objects behind its edges, before the tests,
  // clusters and verdicts, none of which reads the items the actions were made of (links,
  // hashtags, mentions, replies, media). `f` may hold those out of memory (ColumnsAside,
  // ColumnGroup::kObjects) for the rest of that call and for later calls, which build
  // nothing from them while the actions stay cached (until release_actions()); a call that
  // would read them then fails (Internal) instead. At 10M messages the end of the main
  // detection and the window variants, beside every behaviour's edges, were a run's peak.
  void after_building_actions(std::function<void()> f);

 private:
  friend Result<DetectionResult> detect(const Dataset& data, const DetectOptions& options);
  friend Status follow_detector(const Dataset& data, std::span<const std::byte> opening);
  struct Cache;
  // Distributed runs: alone, or rank 0's Detector over the shared dataset (it announces each
  // call to the other ranks), or another rank's copy that follows it.
  enum class Role : std::uint8_t { kAlone, kLeader, kFollower };
  struct Follow {};
  Detector(const Dataset& data, TimeMs widest_window, int lowest_min_repetition, Follow);
  void keep_actions(bool keep);  // false: a one-shot detect() (frees each table once used)
  const Dataset& data_;
  TimeMs widest_window_ = 0;
  int lowest_min_repetition_ = 0;
  std::unique_ptr<Cache> cache_;
  Role role_ = Role::kAlone;
};

// Distributed runs (docs/distributed.md). Under mpirun with more than one process, a
// Detector that rank 0 constructs over the shared dataset — the one every rank loaded alike
// from the store — leads the other ranks: each call is announced to them, and they follow it
// with follow_detector(), holding their shard of each behaviour's actions and pairs. Its
// results on rank 0 equal those of one process byte for byte; the other ranks' are not used.
// Native behaviours but similar_text are distributed; the rest are computed on rank 0.
// Rank 0: names the shared dataset (nullptr: none, every Detector runs alone).
void set_shared_dataset(const Dataset* data);
// Other ranks: serves the Detector rank 0 opened (`opening`: the instruction's payload) over
// their copy of the shared dataset until rank 0 closes it.
Status follow_detector(const Dataset& data, std::span<const std::byte> opening);
// Bytes this process has sent to the others for distributed detection so far, by step.
struct DetectionTraffic {
  std::uint64_t actions = 0;  // actions to the rank owning their object (all-to-all)
  std::uint64_t pairs = 0;    // pair records to the rank reducing their partition (all-to-all)
  std::uint64_t edges = 0;    // edges, evidence and near misses to rank 0
  std::uint64_t nulls = 0;    // edges' pairs from rank 0, null counts and popularities to it
  std::uint64_t keys = 0;     // shown objects from rank 0, their keys to it
};
DetectionTraffic detection_traffic();

// How a behaviour's objects are used, for the report's data overview: actions (one per
// message and object), distinct objects and acting accounts, and the `top` objects with the
// most messages (then accounts). Objects are those of detection at the native settings
// (canonical URLs, normalized hashtags, a repost acting only as a share; messages without a
// time or an author left out). Nothing for similar_text and post.
struct ObjectCount {
  std::string key;  // display key, as in top_objects
  std::uint64_t messages = 0, accounts = 0;
};
struct BehaviourObjects {
  Behaviour behaviour = Behaviour::kShare;
  std::uint64_t actions = 0, objects = 0, accounts = 0;
  std::vector<ObjectCount> top;
};
BehaviourObjects count_objects(const Dataset& data, Behaviour behaviour, std::size_t top);

// What CooRTweet's permissive rule reports on the same data, per behaviour, next to what
// detection found (docs/detection.md, "Peer comparison"): every pair of accounts (each with
// at least kPeerMinParticipation actions) that acted on one object within the window, with no
// test of significance — computed by the coortweet mode, which reproduces CooRTweet edge for
// edge, at the run's window. CooRTweet pairs every two messages within the window, which is
// quadratic in a viral object: a behaviour whose message pairs exceed max_pairs is counted
// (message_pairs) but not computed. Not for similar_text (no CooRTweet rule).
inline constexpr int kPeerMinParticipation = 2;  // CooRTweet's default min_participation
inline constexpr std::uint64_t kPeerMaxPairs = 5'000'000;  // message pairs computed at most
struct PeerCount {
  Behaviour behaviour = Behaviour::kShare;
  bool computed = false;
  std::uint64_t message_pairs = 0;  // message pairs on one object at most W apart
  std::uint64_t edges = 0, accounts = 0, pairs = 0;  // CooRTweet's edges, their accounts and pairs
  std::uint64_t single_object = 0;  // edges of accounts that co-acted on one object only
  std::uint64_t native_edges = 0;   // edges that reached min_repetition natively
  std::uint64_t native_kept = 0;    // ... and were kept
};
// The behaviours detect(data, options) detects: options.behaviours, or when empty every one
// the data supports (not post) that its mode runs by default.
std::vector<Behaviour> detected_behaviours(const Dataset& data, const DetectOptions& options);
// CooRTweet's rule on the data alone, before detection: its counts but the native ones, and
// its edges. A run computes it while every column is in memory, before detection, which then
// holds columns out of memory (Detector::after_reading_text); at 10M messages the rule's
// actions were the run's peak when computed after detection.
class PeerRule {
 public:
  PeerRule();
  ~PeerRule();
  PeerRule(PeerRule&&) noexcept;
  PeerRule& operator=(PeerRule&&) noexcept;

 private:
  friend PeerRule peer_rule(const Dataset& data, const DetectOptions& options,
                            std::span<const Behaviour> behaviours, std::uint64_t max_pairs);
  friend std::vector<PeerCount> peer_comparison(const PeerRule& rule,
                                                const DetectionResult& native);
  std::vector<PeerCount> counts_;  // native_edges and native_kept zero
  // Per count, the rule's edges as sorted (source, target) pairs, oriented as detection's
  // (account_byte_order); empty when not computed.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> edges_;
};
// `behaviours`: those detection runs (detected_behaviours), similar_text and post skipped.
PeerRule peer_rule(const Dataset& data, const DetectOptions& options,
                   std::span<const Behaviour> behaviours, std::uint64_t max_pairs = kPeerMaxPairs);
// The rule's counts with the native ones: how many of its edges reached min_repetition in the
// native result, and how many of those were kept. Reads the native result's edges (call it
// before pseudonymizing the result, and before keep_only_kept_edges).
std::vector<PeerCount> peer_comparison(const PeerRule& rule, const DetectionResult& native);
// Both in one: the rule on the native result's behaviours, then its counts.
std::vector<PeerCount> peer_comparison(const Dataset& data, const DetectionResult& native,
                                       const DetectOptions& options,
                                       std::uint64_t max_pairs = kPeerMaxPairs);

// Optional per-account columns of accounts.csv filled by the signals stage.
struct AccountScores {
  std::vector<double> inauthenticity_score;  // empty, or one per account (NaN = blank)
  std::vector<std::string> reasons;          // empty, or one per account
};

// Writes edges.csv, clusters.csv, accounts.csv, network.gexf, network.graphml and
// evidence/cluster-N.json into out_dir (created if missing).
Status write_detection_outputs(const Dataset& data, const DetectionResult& result,
                               const DetectOptions& options, const std::filesystem::path& out_dir,
                               const AccountScores* scores = nullptr);

// Stores the result in the detection_* tables (schema v2); returns detections.id.
Result<std::int64_t> store_detection(Store& store, const Dataset& data,
                                     const DetectionResult& result, const DetectOptions& options,
                                     std::optional<std::int64_t> run_id = std::nullopt);

// The items of dataset message m that behaviour b acts on: its links (link, domain), hashtags,
// mentions, or one item — its shares, reply_to or media key, or its text — and item k raw, as
// stored (empty when the message has none).
std::size_t message_item_count(const Dataset& data, Behaviour b, std::size_t m);
std::string_view message_item(const Dataset& data, Behaviour b, std::size_t m, std::size_t k);
// Whether the column those items are read from holds a row per message: not while a run holds
// it out of memory (ColumnsAside, store/dataset_cache.h).
bool message_items_in_memory(const Dataset& data, Behaviour b);
// Whether what behaviour b's actions are made of at `options` is in memory: the items, or for
// the text behaviour (but under the cnt rule) the messages' text keys (Dataset::msg_text_key),
// for which the text itself is not needed.
bool action_items_in_memory(const Dataset& data, Behaviour b, const DetectOptions& options);

// The object one item of a message stands for under behaviour `b` natively (no compat mode):
// what detection groups actions by. `item` is the raw item as stored — a URL (link, domain),
// a hashtag, a mention, the message's text (text, similar_text), or its shares, reply_to or
// media key — and `out` (its capacity reused) receives the canonical URL, the host, the
// normalized hashtag or mention, the normalization key, or the item itself. Returns false
// (empty key) when the item names no object. Detection additionally skips reposts for the
// content behaviours and short texts (see docs/detection.md); this function does not.
bool native_object_key(Behaviour b, std::string_view item, std::string& out);

}  // namespace groundswell
