// Internal stages of coordination detection (detect.h is the contract). Each stage is a map
// by action key followed by a reduce by account pair over hash partitions, so a distributed
// build can shard the same functions by key and by pair.
//
// Thread-safety: each function uses TBB internally and touches only its arguments.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/hash.h"
#include "detect/detect.h"
#include "store/message_index.h"
#include "text/near_duplicate.h"

namespace groundswell::dist {
class Communicator;
}

namespace groundswell::detect_internal {

// One action: account `account` performed behaviour B on object `key` with message `msg`.
// As found, before the table groups them by object.
struct Action {
  std::uint64_t key = 0;  // xxh3-64 of the object's key string (seed kKeySeed)
  TimeMs time = 0;
  std::uint32_t account = 0;
  std::uint32_t msg = 0;
  std::uint32_t item = 0;  // which url/hashtag/mention of the message, to rebuild the key
};
// As a table holds it: its object is the run of object_start it falls in. Half an Action's
// size, since the tables stay cached for every sensitivity variant (at 10M messages, tens of
// millions of actions).
struct Acted {
  TimeMs time = 0;
  std::uint32_t account = 0;
  std::uint32_t msg = 0;
};

struct ActionTable {
  Behaviour behaviour = Behaviour::kShare;
  std::vector<Acted> actions;               // sorted by (key, time, account, msg, item)
  std::vector<std::uint64_t> object_start;  // object o = actions[object_start[o], [o+1])
  // Per object, the message and item whose key names it (see object_key).
  std::vector<std::uint32_t> object_msg, object_item;
  // Native hashtag tables: per object, the hash of its hashtag's key alone (the same hashtag
  // on another day is another object), by which crowd_marks finds the posts on the clock.
  // Computed with the table, so that no window reads the hashtags again.
  std::vector<std::uint64_t> object_tag;
  std::size_t objects() const { return object_start.empty() ? 0 : object_start.size() - 1; }
  // A shard of a distributed table (sharded.cc, docs/distributed.md): this process holds the
  // objects whose key falls in its range of the key space, object o here being object
  // object_base + o of the whole table (what evidence names). Null for a whole table.
  dist::Communicator* comm = nullptr;
  std::uint64_t object_base = 0;
  std::uint64_t shard_actions = 0, shard_objects = 0;  // of the whole table, when sharded
  std::uint64_t total_actions() const { return comm ? shard_actions : actions.size(); }
  std::uint64_t total_objects() const { return comm ? shard_objects : objects(); }
};

inline constexpr std::uint64_t kKeySeed = 0x67726f756e64ULL;  // "ground"
// The hash that names an object by its key (and a CooRTweet content id by its message id, an
// account in the null models by its platform and id).
inline std::uint64_t hash_key(std::string_view s) {
  return XXH3_64bits_withSeed(s.data(), s.size(), kKeySeed);
}
inline constexpr std::uint64_t kPairSeed = 0x7377656c6cULL;   // "swell"
inline constexpr std::uint32_t kPartitions = 64;  // reduce partitions: fixed, not per thread
// Native pair records of one behaviour held at once, at most (about): more are generated in
// passes over the actions, each keeping a range of the partitions (native_edges).
inline constexpr std::uint64_t kPairRecordBudget = std::uint64_t{512} << 20;

// Whether the actions of behaviour b are made from the text keys of the analysis columns
// (Dataset::msg_text_key) rather than from the messages' items: the text behaviour, but for
// the cnt rule, which cleans the text its own way.
inline bool text_actions_from_keys(Behaviour b, const DetectOptions& opt) {
  return b == Behaviour::kText && opt.compat != CompatMode::kCnt;
}

// Extracts and sorts the actions of one behaviour (messages without time or account skipped;
// one action per (message, object)). With a distributed `comm`, each process extracts the
// actions of its share of the messages and keeps the objects of its share of the key space
// (a shard, see ActionTable::comm); every process must call it.
// Without `tags`, a native hashtag table leaves object_tag empty (what only detection reads).
ActionTable extract_actions(const Dataset& data, Behaviour behaviour, const DetectOptions& options,
                            dist::Communicator* comm = nullptr, bool tags = true);

// An action as the report's overview counts it: its object, author, message and item.
struct ObjectUse {
  std::uint64_t key = 0;  // Action::key
  std::uint32_t account = 0, msg = 0, item = 0;
};
// The actions of one behaviour as extract_actions() finds them (one per message and object),
// sorted by (key, account, msg, item): a third smaller than Actions, and no table built.
std::vector<ObjectUse> object_uses(const Dataset& data, Behaviour behaviour,
                                   const DetectOptions& options);

// The display keys of the objects behind `evidence` (object indices of the whole table). On
// a shard, every process calls it; rank 0's evidence names the objects, each rank says which
// message and item stand for those in its range, and rank 0 alone works out the keys (the
// other ranks hold no message text).
ObjectKeys shown_object_keys(const Dataset& data, const ActionTable& table,
                             const DetectOptions& options, std::span<const EvidencePair> evidence);

// Distributed detection (sharded.cc): the steps that move data between the processes.
// Whether a Detector constructed over `data` here leads the other ranks (detect.h).
bool leads_over(const Dataset& data);
// What rank 0's leading Detector announces to the others (dist::Instruction).
void announce_opening(TimeMs widest_window, int lowest_min_repetition);
void announce_detect(const DetectOptions& options, bool keep, ClusterDetail detail);
void announce_release();
void announce_closing();
// The processes over which a detection with these options shards its tables (those of the
// native behaviours but similar_text), or null when it does not (compatibility modes).
dist::Communicator* distributed_tables(const DetectOptions& options);
// Counting what this rank sends (detection_traffic()): the bytes of an all-to-all's buffers
// but its own, of a broadcast from rank 0, of a gather to it.
std::uint64_t all_to_all_sent(const dist::Communicator& comm, const std::vector<std::vector<std::byte>>& out);
std::uint64_t broadcast_sent(const dist::Communicator& comm, const std::vector<std::byte>& b);
std::uint64_t gather_sent(const dist::Communicator& comm, const std::vector<std::byte>& b);
void count_traffic(std::uint64_t DetectionTraffic::*step, std::uint64_t bytes);
// Actions to the process owning their key's range; returns what this process owns.
std::vector<Action> exchange_actions(dist::Communicator& comm, std::vector<Action> actions);
// Sets object_base and the whole table's counts of a shard whose objects are numbered.
void number_shard(dist::Communicator& comm, ActionTable& table);

// The display key of object o of a table built with these options.
std::string object_key(const Dataset& data, const ActionTable& table, const DetectOptions& options,
                       std::uint32_t object);
// The display key of the object that item `item` of message `msg` acts on.
std::string object_key(const Dataset& data, Behaviour behaviour, const DetectOptions& options,
                       std::uint32_t msg, std::uint32_t item);

// True when the dataset has at least one action of this behaviour (for the default list).
bool behaviour_supported(const Dataset& data, Behaviour behaviour);

// Edges of one behaviour with their evidence; evidence ranges index `evidence`.
struct BehaviourEdges {
  std::vector<Edge> edges;
  std::vector<EvidencePair> evidence;
  std::uint64_t crowded_actions = 0;
  std::uint64_t candidate_pairs = 0;  // account pairs with at least one co-action within W
  std::vector<std::uint32_t> null_weights;  // R per edge, rows in edge order (Edge::null_row)
  // For the funnel (BehaviourFunnel): the table's size, and natively the pairs by how many
  // distinct objects they co-acted on ([k-1]; the last bucket is kFunnelBuckets or more) and
  // the strongest pairs below min_repetition (no evidence, no null row; p-values when tested).
  std::uint64_t actions = 0, objects = 0;
  std::vector<std::uint64_t> pairs_by_objects;
  std::vector<Edge> near_misses;
};

// Whether an edge tested natively can be kept at FDR level q. Each family an edge is tested in
// keeps no p-value above q (Benjamini–Hochberg's cutoff is at most q), so an edge above q in
// its time-shift, co-occurrence (not similar_text's, docs/detection.md) or stimulus test is
// never kept at q, and nothing that reads only kept edges — their evidence for the verdicts,
// their replicate rows for cluster p-values — needs its evidence or row. Untested: NaN.
inline bool may_be_kept(const Edge& e, double q) {
  return !(e.p_value > q) && !(e.p_stimulus > q) &&
         (e.behaviour == Behaviour::kSimilarText || !(e.p_cooccurrence > q));
}

// One test family's p-values of the edges a membership-only result leaves out
// (ClusterDetail::kMembership holds only the edges its FDR level q may keep): those at or below
// q, which rank among the others under Benjamini–Hochberg, and how many were tested, which
// counts in the family's size. A p-value above q changes neither the cutoff nor the edges kept
// (the cutoff is at most q), so these give the family's cutoff exactly.
struct LeftOutTests {
  std::vector<double> low;  // sorted before use
  std::uint64_t tested = 0;
  void add(double p, double q) {
    if (std::isnan(p)) return;
    ++tested;
    if (p <= q) low.push_back(p);
  }
};

// Distributed: pair partition `part` of kPartitions is reduced by this process (contiguous
// blocks of partitions per rank).
int partition_owner(std::uint32_t part, int ranks);
// Rank 0 gets every process's edges, evidence and counts, concatenated in rank order (each
// process reduced a contiguous block of pair partitions, so rank order is partition order,
// as in one process); the other processes are left with nothing.
void combine_on_root(dist::Communicator& comm, BehaviourEdges& edges);

inline constexpr std::size_t kFunnelBuckets = 10;
inline constexpr std::size_t kNearMisses = 10;  // per behaviour

// Natively: undirected edges, weight = distinct objects co-acted on within W. `record_budget`
// bounds the co-action pair records held at once (a test lowers it to force many passes).
BehaviourEdges native_edges(const Dataset& data, const ActionTable& table,
                            const DetectOptions& options, std::span<const std::uint32_t> rank,
                            std::uint64_t record_budget = kPairRecordBudget);
// Replicate row `row` of `from` (R = replicates per row) appended to `to`; returns its row
// there.
std::uint32_t append_null_row(std::uint32_t row, std::span<const std::uint32_t> from,
                              std::size_t replicates, std::vector<std::uint32_t>& to);
// Edge e with its evidence and replicate row (R = replicates per row) appended to the given
// arrays, its ranges re-based onto them.
Edge copy_edge_rows(const Edge& e, std::span<const EvidencePair> evidence,
                    std::span<const std::uint32_t> null_weights, std::size_t replicates,
                    std::vector<EvidencePair>& evidence_out,
                    std::vector<std::uint32_t>& null_weights_out);
// Sorts near misses strongest first (most objects, most pairs, then account order) and keeps
// the first kNearMisses.
void keep_strongest_near_misses(std::vector<Edge>& near_misses, std::span<const std::uint32_t> rank);
// Natively, the edges at min_repetition of a behaviour tested at a lower one (`low`, with
// p-values): those reaching it, with their evidence and replicate rows, and as near misses
// the strongest of the rest and of low's. Equal to testing at min_repetition: an edge's
// p-values depend on its pair's actions only.
BehaviourEdges edges_reaching(const BehaviourEdges& low, int min_repetition,
                              std::size_t replicates, std::span<const std::uint32_t> rank);
BehaviourEdges coortweet_edges(const Dataset& data, const ActionTable& table,
                               const DetectOptions& options, std::span<const std::uint32_t> rank);
BehaviourEdges cnt_edges(const Dataset& data, const ActionTable& table,
                         const DetectOptions& options);
// Per action of the table, 1 when its message's id is its object's key: CooRTweet drops
// such a row (a post that shares itself). The only thing its rule reads of the object keys,
// which for the text behaviour are the texts.
std::vector<std::uint8_t> named_by_own_id(const Dataset& data, const ActionTable& table,
                                          const DetectOptions& options);
// What coortweet_edges() gives, counted without building its edges and their evidence: the
// peer comparison's figures of `out` (edges, accounts, pairs, single_object), and its edges
// as sorted (source, target) pairs in `edges` (what the native counts are made of).
void coortweet_counts(const Dataset& data, const ActionTable& table, const DetectOptions& options,
                      std::span<const std::uint32_t> rank, PeerCount& out,
                      std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges);

// similar_text: near-duplicate messages (text/near_duplicate.h) within W. Connected families
// of near-duplicates are the objects of the table; `pairs` holds the verified message pairs
// (as action indices into the table) for the cnt mode, which counts direct pairs only.
struct SimilarPair {
  std::uint32_t x = 0, y = 0;  // action indices, x < y
};
Result<ActionTable> extract_similar_text(const Dataset& data, const DetectOptions& options,
                                         std::vector<SimilarPair>& pairs);

// The two halves of extract_similar_text, so detection at several windows searches once:
// the near-duplicate pairs found with window S, restricted to |Δt| <= W, are exactly those
// found with window W <= S (the search only ever drops pairs by their time gap).
struct SimilarTexts {
  TimeMs search_window = 0;
  std::vector<std::uint32_t> msgs, accounts;  // per compared text: message, author
  std::vector<std::int64_t> times;
  std::vector<NearDuplicatePair> pairs;  // indices into msgs, sorted by (a, b)
};
Result<SimilarTexts> find_similar_texts(const Dataset& data, const DetectOptions& options,
                                        TimeMs search_window);
// The table of the pairs `found` at options.similarity or above (a search at a lower one
// serves it) and within options.window_ms. `pairs`, when given, receives those pairs as action
// indices: the cnt rule reads them (cnt_similar_edges); the native tests read only the families.
ActionTable similar_text_table(const Dataset& data, const SimilarTexts& found,
                               const DetectOptions& options, std::vector<SimilarPair>* pairs);
BehaviourEdges cnt_similar_edges(const Dataset& data, const ActionTable& table,
                                 std::span<const SimilarPair> pairs, const DetectOptions& options);

// The null model (docs/contract.md §5.4): for each edge in `edges` (native, one behaviour), the
// edge weight it would have after shifting every account's timeline by an independent circular
// offset, for replicates 0..R-1. Writes p-values (time_p_value(): beyond every replicate, the
// fitted tail; and the co-occurrence statistics) into the edges, and the replicate weights of
// each edge that may be kept at `rows_up_to` (may_be_kept) as row Edge::null_row of
// `null_weights`, rows in edge order; the others get no row (Edge::null_row UINT32_MAX): no
// FDR level below `rows_up_to` keeps them, so no cluster p-value sums them.
struct NullModel {
  TimeMs span_start = 0, span_ms = 1;       // circular domain of the shift
  std::vector<std::uint64_t> account_hash;  // per account, seeds its offsets
};
NullModel make_null_model(const Dataset& data);
//
// The first `bounded` edges need their time-shift p-value only where it is at or below
// `rows_up_to` (a membership-only result at that FDR level reads nothing else of an edge
// above it: LeftOutTests): their replicates stop once so many reach the edge's weight that
// the p-value exceeds rows_up_to whatever the rest give — a sequential Monte Carlo p-value
// (Besag & Clifford 1991) — and the p-value is the bound those give, with no row. Every
// decision at rows_up_to is the one all R replicates would give. Distributed, every edge is
// exact (the weights are summed over the ranks before they are compared).
void edge_p_values(const ActionTable& table, const NullModel& model, const DetectOptions& options,
                   std::span<Edge> edges, std::vector<std::uint32_t>& null_weights,
                   double rows_up_to = 1.0, std::size_t bounded = 0);

// What a call's time-shift p-values are read for: every one (kExact: a full result, or edges
// cached for later calls), or only up to rows_up_to (kUpToRows: a membership-only result's own
// edges; edge_p_values' `bounded`).
enum class PValues : std::uint8_t { kExact, kUpToRows };

// edge_p_values() for a behaviour's edges and its near misses at once (one pass over the
// table); the near misses' replicate weights are not kept, and their p-values are exact.
void edge_and_near_miss_p_values(const ActionTable& table, const NullModel& model,
                                 const DetectOptions& options, BehaviourEdges& edges,
                                 double rows_up_to = 1.0, PValues need = PValues::kExact);

// The funnel of one behaviour from its edges as built (counts that do not depend on the FDR),
// then, once Benjamini–Hochberg has run over the result, the counts at each test, the
// candidates and the step that stopped each (funnel.cc).
BehaviourFunnel start_funnel(Behaviour behaviour, const BehaviourEdges& edges);
void finish_funnel(const DetectOptions& options, DetectionResult& result);

// ln P(X >= c) for X with the given mean and variance: negative binomial (method of moments:
// size mean^2 / (variance - mean), success probability mean / variance) when the variance
// exceeds the mean, else Poisson(mean). Summed in log space, so it stays finite (and ranks)
// where the probability itself underflows a double. 0 for c = 0; -inf for mean <= 0 < c.
double log_upper_tail(std::uint64_t c, double mean, double variance);

// The cluster p-value from its summed internal weight and the same sum in each null
// replicate (docs/detection.md, "Clusters"): the Monte Carlo estimate (1 + #{replicates >=
// observed}) / (R + 1) while a replicate reaches the observed weight; beyond every replicate,
// the upper tail of a distribution fitted to the replicates' sums (log_upper_tail; mean with
// one pseudo-count, (sum + 1) / (R + 1)), at most 1 / (R + 1). Sets Cluster::p_value (at least
// the smallest normal double), p_log10 and p_from_tail.
void cluster_p_value(const std::vector<double>& replicate_sums, double observed, Cluster& cluster);

// The natural logarithm of that p-value for any statistic with null replicates `sums`; sets
// `from_tail` when it comes from the fitted tail.
double replicate_log_p(std::span<const double> sums, double observed, bool& from_tail);

// An edge's time-shift p-value from its replicate weights `row` as replicate_log_p() gives
// it (the fitted tail beyond every replicate), at least the smallest normal double.
double time_p_value(double weight, std::span<const std::uint32_t> row,
                    std::vector<double>& scratch);

// The stimulus null of share edges (docs/detection.md, "Slow campaigns"): for each edge of a
// share table whose originals are in the data, every account keeps its delays from each
// source's posts to its first re-share of them, re-assigned at random over that source's posts
// it re-shared (per account, source and replicate, seeded); the statistic is the number of
// posts both re-shared at most W apart. Writes Edge::p_stimulus: 1 when no common post with
// its original in the data was re-shared by both at most W apart (a statistic of 0).
// `origins`: the originals of the table's objects (share_origins()), found once per table.
struct ShareOrigins {
  std::vector<TimeMs> posted;          // per object: its original's time, kNoTime if unknown
  std::vector<std::uint32_t> account;  // ... and its author
};
ShareOrigins share_origins(const Dataset& data, const ActionTable& table,
                           const MessageIndex& originals);
void stimulus_p_values(const ActionTable& table, const NullModel& model,
                       const DetectOptions& options, const ShareOrigins& origins,
                       std::span<Edge> edges);

// edge_and_near_miss_p_values() (and, with `origins`, stimulus_p_values() on the edges) for
// edges found at a min_repetition below `above_min_repetition`, given `above`: the same
// behaviour's edges, tested, at the same settings but that min_repetition. The edges reaching
// it are above's, in the same order, with the same p-values and replicate weights (an edge's
// tests depend on its pair's actions only), so they are copied and only the rest and the near
// misses are tested. Returns false, having changed nothing, when the edges do not line up so.
bool p_values_below(const ActionTable& table, const NullModel& model,
                    const DetectOptions& options, const BehaviourEdges& above,
                    int above_min_repetition, const ShareOrigins* origins, BehaviourEdges& edges,
                    double rows_up_to = 1.0, PValues need = PValues::kExact);

// Benjamini–Hochberg at level q on the stimulus p-values of the edges of one behaviour at
// one window; clears Edge::significant of those that fail (untested ones are left alone).
// Here and in the tests below, `left_out` (may be null) counts the tests of the edges a
// membership-only result leaves out in the family.
void stimulus_fdr(std::span<Edge> edges, Behaviour behaviour, TimeMs window, double q,
                  const LeftOutTests* left_out = nullptr);

// The order test of hashtag edges (docs/detection.md, "Scheduled automation"). Per edge, in
// each object (hashtag and day) its closest co-action pair says which account came first
// (equal times say nothing); Edge::p_order is the two-sided sign test of those orders against
// a fair coin. Accounts run by one clock come first in turn; an account that answers another's
// posts always comes after them: an edge with p_order at most the FDR level is not kept, and
// its first account is a leader the other follows. Two followers of one leader meet after its
// posts: a meeting on an object that a leader both follow posted at most W before is counted
// in Edge::led_meetings, and an edge with fewer than min_repetition other meetings is not
// kept. Only hashtag edges still kept are tested.
void order_test(const Dataset& data, const DetectionResult& result, const DetectOptions& options,
                std::span<Edge> edges);

// P(X <= k) + P(X >= n - k), at most 1, for X ~ Binomial(n, 1/2) and k <= n / 2: the
// two-sided sign test of k against n - k.
double sign_test(std::uint64_t k, std::uint64_t n);

// P(X >= c) for X ~ Poisson(lambda), accurate far into the upper tail.
double poisson_upper_tail(std::uint64_t c, double lambda);

// The time-shift null's meetings on the common objects where each account acted once, in one
// replicate: how many k have |wrap(a[k] + da) - wrap(b[k] + db)| <= window, where wrap(x) is
// x - span for x >= span (a[k], b[k], da and db in [0, span)). On processors with AVX2 four
// objects at a time; the count is the same on every processor, and the same as _scalar's.
std::uint32_t count_single_meetings(const TimeMs* a, const TimeMs* b, std::size_t n, TimeMs da,
                                    TimeMs db, TimeMs span, TimeMs window);
std::uint32_t count_single_meetings_scalar(const TimeMs* a, const TimeMs* b, std::size_t n,
                                           TimeMs da, TimeMs db, TimeMs span, TimeMs window);

// The local null's offset (null_jitter_ms > 0) of an account (its NullModel hash) on one
// UTC day in one replicate: in [-j, j], the same for all its actions of that day.
TimeMs jitter_offset(std::uint64_t seed, std::uint64_t account_hash, int replicate,
                     std::int64_t day, TimeMs j);

// Benjamini–Hochberg at level q on the co-occurrence p-values of one behaviour's edges at one
// window (Edge::window_ms), over
// a family of `candidates` hypotheses: every account pair that co-acted at least once in that
// behaviour, the pairs below min_repetition counted with p = 1. Clears Edge::significant of
// the edges that fail; leaves the others.
void cooccurrence_fdr(std::span<Edge> edges, Behaviour behaviour, TimeMs window, double q,
                      const LeftOutTests* left_out,
                      std::uint64_t candidates);

// Fisher–Yates over `delays` from a stream of the account (its NullModel hash), the source,
// the replicate and the seed: the stimulus null's re-assignment of an account's delays over
// the posts of one source it re-shared (the verdicts' and the group test's).
void permute_delays(std::span<TimeMs> delays, std::uint64_t account_hash, std::uint64_t source,
                    int replicate, std::uint64_t seed);

// Benjamini–Hochberg's cutoff over the sorted p-values `p` of a family of m tests (with the
// low p-values of its left-out edges, merged into `p`; may be null): the largest p-value at
// or below its rank times q / m, -1 if none. The tests at or below it are rejected.
double bh_cutoff(std::vector<double>& p, const LeftOutTests* left_out, double q, double m);

// The time-shift test of every tested edge but the hashtag ones, one family:
// Benjamini–Hochberg at level q sets Edge::significant. Edge p-values beyond every replicate
// come from the fitted tail (edge_p_values), so the test reaches below 1 / (R + 1): in a
// family of millions of edges of which a few percent are campaign links, BH's cutoff falls
// below that floor (docs/detection.md, "Significance").
void benjamini_hochberg(std::span<Edge> edges, double q, const LeftOutTests* left_out = nullptr);

// The time-shift test of the hashtag edges at one window (docs/detection.md, "Scheduled
// automation"), a family of its own: every account pair that met at least once on a
// (hashtag, day), `candidates`, the pairs below min_repetition counted with p = 1:
// Benjamini–Hochberg at level q sets Edge::significant.
void hashtag_time_fdr(std::span<Edge> edges, TimeMs window, double q, std::uint64_t candidates,
                      const LeftOutTests* left_out = nullptr);

// Leiden clusters on the kept edges, statistics, ranking; fills result.clusters,
// account_cluster, coordination_degree, leiden_quality. Cluster p-values sum the edges'
// replicate weights in result.null_weights. kMembership leaves out the message statistics
// (ClusterDetail).
Status build_clusters(const Dataset& data, const DetectOptions& options, ClusterDetail detail,
                      DetectionResult& result);

// The group test of each source's re-sharers (docs/detection.md, "The group test"): accounts
// fired by one trigger, found where no pair of them co-acts on enough posts to be an edge.
// For each account whose posts were re-shared (a source) with at least kGroupMinPosts posts
// re-shared by two or more accounts, every re-sharer keeps its delays from the source's posts
// to its first re-share of them, re-assigned at random over the posts it re-shared (per
// account, source and replicate, seeded), as in the stimulus null. An account's statistic is
// the sum over its re-shares of the other re-sharers of the same post within `window`, at most
// kGroupCap per re-share; the source's is the sum over its re-sharers. The source's
// replicates stop once kGroupStopAfter reach its statistic (its p-value then the sequential
// one, Besag & Clifford 1991), else run to `replicates` (its p-value Monte Carlo while a
// replicate reaches the statistic, else from the fitted tail: replicate_log_p); a re-sharer's
// go on to kGroupAccountReplicates, stopping alike (Monte Carlo p-values).
// Its window is its own, not W: the sensitivity table's window variants, which move W, share
// one group test (as they share the slow windows' edges).
inline constexpr TimeMs kGroupWindowMs = 60'000;
inline constexpr int kGroupStopAfter = 10;
inline constexpr int kGroupAccountReplicates = 999;
inline constexpr int kGroupCap = 3;
inline constexpr int kGroupMinPosts = 5;
struct GroupTestSource {
  std::uint32_t source = 0;       // the account whose posts were re-shared
  std::uint32_t posts = 0;        // of its posts, those re-shared by two or more accounts
  std::uint32_t replicates = 0;   // the source's, drawn (fewer when stopped early)
  double p = 1;                   // the source's p-value
  std::vector<std::uint32_t> accounts;  // its tested re-sharers (two or more posts, a
                                        // statistic above 0), ascending
  std::vector<double> account_p;        // their p-values
};
struct GroupTest {
  std::vector<GroupTestSource> sources;  // the sources tested, ascending
};
// The same for any number of threads. `account_hash`: NullModel::account_hash.
GroupTest group_test(const Dataset& data, const MessageIndex& originals,
                     std::span<const std::uint64_t> account_hash, TimeMs window, int replicates,
                     std::uint64_t seed);
// Which re-sharers the group test flags at FDR level q, hierarchically (Benjamini & Bogomolov
// 2014): the sources by Benjamini–Hochberg at q, then the re-sharers of each selected source
// at q x selected / tested. Then, in `result` (after build_clusters): each cluster's share of
// members flagged (ClusterEvidence::fired_share, with the source that flagged most of them);
// and per selected source, in order of its p-value, the flagged accounts in no cluster, when
// two or more, as a cluster of their own (ids after the others'; no internal edges, so no
// cluster p-value: the group test's are in its evidence).
void apply_group_test(const Dataset& data, const DetectOptions& options, ClusterDetail detail,
                      const GroupTest& test, const MessageIndex& originals,
                      DetectionResult& result);

// Days between the earliest and latest creation date among `accounts` whose date is known
// (Cluster::created_spread_days; NaN with fewer than two).
double created_spread_days(const Dataset& data, std::span<const std::uint32_t> accounts);

// R's quantile(x, p, type = 7) of a sorted vector.
double quantile_type7(const std::vector<double>& sorted, double p);

double median_of(std::vector<double>& values);  // reorders `values`

// store_detection(), with the edges' evidence text made `block` edges at a time (the next
// block on another thread while one is inserted; store_detection: kEvidenceBlock).
inline constexpr std::size_t kEvidenceBlock = 16'384;
Result<std::int64_t> store_detection_in_blocks(Store& store, const Dataset& data,
                                               const DetectionResult& result,
                                               const DetectOptions& options,
                                               std::optional<std::int64_t> run_id,
                                               std::size_t block);

}  // namespace groundswell::detect_internal
