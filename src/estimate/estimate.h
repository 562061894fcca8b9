// Support estimation (docs/contract.md §5.7, docs/methods.md §4): per actor and per period, what the
// platform shows (raw) and what is left once manufactured activity is discounted (adjusted), with
// intervals and a sensitivity table.
//
//   ClusterAssignment clusters{"default", cluster_of_account, significant};  // from detection
//   EstimateInputs in{&dataset, &actors, signal_scores, {clusters}};
//   Result<Estimate> e = estimate_support(in, EstimateOptions{});
//   write_support_csv(*e, out_dir / "support.csv");
//   JsonWriter w; ... w.key("actors"); write_actors_json(*e, w); ...
//
// Supporters: an account visibly supports an actor in a period when it is one of the
// actor's sources, wrote supporting words of its own, or re-posted a supporting post — and
// expressed more support than opposition for that actor in that period (ActorMatcher gives
// each message's support and opposition acts). `accounts` is broken down by route: sources,
// own words, re-posts only.
//
// Adjusted rule: an account in a significant coordinated cluster, or with an inauthenticity
// score above `score_threshold`, is removed as an individual; each significant cluster with at
// least one supporting member counts as ONE voice (accounts = 1) whose messages, views and
// engagement are those of its average supporting member.
//
// Intervals: the export is the population. The adjusted figure is recomputed under every
// reasonable classification — each cluster scenario (detection at neighbouring settings)
// crossed with the score thresholds score_threshold ± interval_threshold_step and the three
// ways an undetermined cluster may count — and the interval is the lowest and the highest
// value over them: it holds the estimate and never spans more than the most and the least
// inclusive classification differ. With `sample` the data is a simple random sample of a
// platform's accounts (clusters whole): each of `bootstrap_replicates` replicates also redraws
// the accounts with replacement, and the interval is the ci_level quantiles over them.
// docs/signals-and-estimation.md explains every figure in plain words.
//
// Promises: a pure function of (inputs, options): identical output on every run and for
// every number of threads.
// Thread-safety: estimate_support() touches only its arguments.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "estimate/actors.h"
#include "groundswell/status.h"
#include "store/dataset.h"

namespace groundswell {

// How a significant cluster counts in the adjusted figures, from its verdict
// (docs/signals-and-estimation.md §4).
enum class ClusterTreatment : std::uint8_t {
  kOneVoice = 0,  // undetermined: one voice, with the figures of its average supporting member
  kDiscount,      // judged inauthentic: its members are removed and it counts for nothing
  kKeep,          // judged organic: every member counts as itself (its own score still applies)
};

// One way of grouping accounts into coordinated clusters (detection at one setting).
struct ClusterAssignment {
  std::string label = "default";                 // e.g. "window=30s", "fdr=0.01"
  std::vector<std::int32_t> cluster_of_account;  // per account, -1 = none (empty = none at all)
  std::vector<std::uint8_t> significant;         // per cluster id: 1 = significant
  std::vector<ClusterTreatment> treatment;       // per cluster id; empty = all kOneVoice
};

// Which accounts count as supporters (docs/signals-and-estimation.md §3).
enum class SupporterDefinition : std::uint8_t {
  kVisible,   // sources, own supporting words, or re-posts of supporting posts (default)
  kOwnWords,  // sources and own supporting words only: re-posts neither make nor count
};
std::string_view to_string(SupporterDefinition d);  // "visible", "own-words"
Result<SupporterDefinition> parse_supporter_definition(std::string_view name);

struct EstimateOptions {
  double score_threshold = 0.7;  // accounts scoring above this are discounted
  SupporterDefinition supporters = SupporterDefinition::kVisible;
  // Intervals take the score thresholds score_threshold ± this step (clipped to [0, 1]) as
  // reasonable, crossed with every cluster scenario.
  double interval_threshold_step = 0.1;
  // The data is a sample of a larger population (--sample): intervals also carry sampling
  // uncertainty, from this many replicates that redraw the accounts (clusters as units), as
  // the ci_level quantiles over them.
  bool sample = false;
  int bootstrap_replicates = 1000;
  std::uint64_t seed = 1;
  double ci_level = 0.95;
  std::vector<std::string> periods = {"all", "day", "week", "month"};
  // Score thresholds of the sensitivity table (each crossed with every cluster scenario).
  std::vector<double> sensitivity_thresholds = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  // Accounts listed per heavy-tailed total as its top contributors (Estimate::drivers).
  int top_contributors = 5;
  // Replicate sums are held for this many bytes of period bins at a time (double,
  // replicates × actors × metrics per bin); longer periods are processed in chunks, same
  // result.
  std::size_t replicate_memory_bytes = std::size_t{256} << 20;
};

struct EstimateInputs {
  const Dataset* data = nullptr;
  const ActorSet* actors = nullptr;
  std::span<const double> score;  // per account inauthenticity score, NaN = unknown (kept);
                                  // empty = no scores
  // The first scenario is the main one; the others only feed the sensitivity table.
  std::vector<ClusterAssignment> scenarios;
};

// One row of support.csv. `adjusted`, `ci_low`, `ci_high` are NaN when not defined (written
// empty): metrics that are not adjusted (subscribers, ERR, citation index) and ratios with a
// zero denominator.
struct SupportRow {
  std::string actor, period, metric;
  double raw = 0, adjusted = 0, ci_low = 0, ci_high = 0;
};

struct SensitivityRow {
  std::string actor, scenario;
  double score_threshold = 0;
  double accounts = 0, messages = 0, engagement = 0;  // adjusted, period "all"
};

struct ActorHeadline {
  std::string name;
  double raw_accounts = 0, raw_messages = 0, raw_views = 0, raw_engagement = 0;
  double raw_forwards = 0, raw_reactions = 0, raw_replies = 0;
  // Raw supporters by route: sources, own words, re-posts only (they add up to raw_accounts).
  double raw_sources = 0, raw_own_words = 0, raw_reposts_only = 0;
  struct Interval {
    double value = 0, ci_low = 0, ci_high = 0;
  };
  Interval accounts, messages, engagement, views, forwards, reactions, replies;
  Interval sources, own_words, reposts_only;  // adjusted supporters by route
  // Supporters in clusters whose verdict is undetermined: as members (raw) and as the voices
  // they count for in the adjusted figure.
  double undetermined_members = 0, undetermined_voices = 0;
};

// One account's part in one of an actor's totals (period "all").
struct Contributor {
  std::uint32_t account = 0;  // index in the Dataset
  double raw = 0;             // what its support acts add to the raw total
  double share_pct = 0;       // raw ÷ the raw total × 100
  // What it adds to the adjusted total: under the main classification, and the least and the
  // most over the reasonable classifications (0 where it is discounted, a share of the voice
  // where it counts through an undetermined cluster).
  double adjusted = 0, adjusted_low = 0, adjusted_high = 0;
};

// What drives a heavy-tailed total (views, reactions, engagement) of one actor, period "all":
// the few accounts that dominate it, and how much of it the reasonable classifications
// disagree about — the only part the interval's width can come from.
struct TotalDrivers {
  std::string actor, metric;
  double raw = 0;                // the raw total
  std::vector<Contributor> top;  // the largest raw contributions, largest first (ties: account)
  double top_share_pct = 0;      // their share of the raw total
  // Accounts whose contribution differs between reasonable classifications: how many, and
  // their share of the raw total.
  std::uint64_t uncertain_accounts = 0;
  double uncertain_share_pct = 0;
};
inline constexpr const char* kDriverMetrics[3] = {"views", "reactions", "engagement"};

struct Estimate {
  std::vector<SupportRow> rows;  // sorted by (actor, period, metric)
  // Per actor (actors-file order), then kDriverMetrics; empty without the "all" period.
  std::vector<TotalDrivers> drivers;
  std::vector<SensitivityRow> sensitivity;
  std::vector<ActorHeadline> headline;   // in actor-file order, period "all"
  std::vector<std::string> assumptions;  // plain-language sentences for the report
  // The labels of the cluster scenarios the intervals range over (EstimateInputs::scenarios):
  // "default", then any detection at neighbouring settings ("window=30s", ...).
  std::vector<std::string> scenarios;
  std::vector<double> citation_index;    // per account PageRank × 100 (sums to 100)
  int replicates = 0;  // replicates behind the intervals (classifications, or bootstrap draws)
  bool sample = false;
  double ci_level = 0;  // of the --sample intervals
  std::uint64_t seed = 0;
  double score_threshold = 0;
  SupporterDefinition supporters = SupporterDefinition::kVisible;
};

Result<Estimate> estimate_support(const EstimateInputs& inputs, const EstimateOptions& options);

// support.csv: actor,period,metric,raw,adjusted,ci_low,ci_high (RFC 4180, header, rows sorted).
Status write_support_csv(const Estimate& e, const std::filesystem::path& path);
// sensitivity.csv: actor,scenario,score_threshold,accounts,messages,engagement.
Status write_sensitivity_csv(const Estimate& e, const std::filesystem::path& path);
// contributors.csv: actor,metric,rank,platform,account_id,handle,raw,share_pct,adjusted,
// adjusted_low,adjusted_high — the top contributors of each heavy-tailed total, accounts
// named from `data` (pseudonymize it first to publish pseudonyms).
Status write_contributors_csv(const Estimate& e, const Dataset& data,
                              const std::filesystem::path& path);
// support.csv and sensitivity.csv in out_dir (created if missing), and contributors.csv
// when `data` is given.
Status write_estimate_outputs(const Estimate& e, const std::filesystem::path& out_dir,
                              const Dataset* data = nullptr);
// The value of summary.json's "actors" key (docs/contract.md §8): an array, written at the writer's
// current position (call after w.key("actors")).
void write_actors_json(const Estimate& e, JsonWriter& w);

// Cluster membership from detection's per-account ids (0 = none), cluster p-values and
// treatments (cluster k at index k-1; empty = all kOneVoice): a cluster is significant when
// its p-value is below `alpha` or was not tested (NaN).
ClusterAssignment make_cluster_assignment(std::string label,
                                          std::span<const std::uint32_t> account_cluster,
                                          std::span<const double> cluster_p_values, double alpha,
                                          std::span<const ClusterTreatment> treatment = {});

}  // namespace groundswell
