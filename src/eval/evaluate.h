// Evaluation against ground truth: how well a run's results recover what the generator
// planted (truth.json from groundswell-generate, docs/generator.md).
//
// Reads a run's output folder (accounts.csv, summary.json) and reports account-level
// precision, recall and F1 per campaign and overall (non-evasive and evasive separately),
// the adjusted Rand index between planted campaigns and found clusters, how many organic
// accounts ended up in clusters, and per actor and route (all supporters; sources, own words,
// re-posts only) the raw count against the truth's visible supporters and the adjusted count
// against its genuine supporters, with interval coverage; and the same for each total of the
// actor's support acts (messages, views, forwards, reactions, replies, engagement) against
// the truth's visible and genuine totals.
//
// Cluster verdicts: accounts.csv may carry a `cluster_verdict` column (inauthentic, organic,
// undetermined); without it every cluster counts as undetermined. Precision and recall are
// also given over the clusters not judged organic (what a run flags), and for each organic
// look-alike group of the truth (notification fans, a crowd) how many members ended up in a
// cluster and in clusters judged inauthentic or organic.
//
// Thread-safety: pure function of the files it reads.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "detect/detect.h"  // Verdict
#include "groundswell/status.h"

namespace groundswell {

// What a run says of a cluster (accounts.csv `cluster_verdict`, detect.h Verdict order);
// undetermined when absent.
inline constexpr const char* kVerdictNames[3] = {"undetermined", "inauthentic", "organic"};

struct CampaignScore {
  std::string name, kind;
  bool evasive = false;
  std::uint64_t members = 0, found = 0;  // members in any cluster
  std::uint64_t flagged = 0;             // members in clusters not judged organic
  double recall = 0;                     // found / members
  double recall_flagged = 0;             // flagged / members
  double precision = 0;  // of the clusters this campaign dominates: members / accounts
};

// An organic look-alike group of the truth: accounts that act together for organic reasons.
struct LookalikeScore {
  std::string name, kind;
  std::uint64_t members = 0;
  std::uint64_t in_clusters = 0;              // in any cluster
  std::array<std::uint64_t, 3> by_verdict{};  // in clusters, by the cluster's Verdict
};

// One supporter count against the truth: raw against visible supporters, adjusted (with its
// interval) against genuine supporters (visible supporters that are no campaign's member).
struct SupportScore {
  double visible = 0, genuine = 0;  // truth
  double raw = 0, adjusted = 0, ci_low = 0, ci_high = 0;
  double raw_error = 0;       // (raw - visible) / visible, 0 when both are 0
  double adjusted_error = 0;  // (adjusted - genuine) / genuine, 0 when both are 0
  bool covered = false;       // ci_low <= genuine <= ci_high
};

// The totals of an actor's support acts that truth.json carries (schema 2 `totals`): what
// they would be with everything visible, and without the campaigns' accounts.
inline constexpr const char* kTotalNames[6] = {"messages",  "views",   "forwards",
                                               "reactions", "replies", "engagement"};

struct ActorScore {
  std::string name;
  bool has_estimate = false;
  SupportScore accounts;
  std::array<SupportScore, 3> routes;  // sources, own words, re-posts only
  // Per kTotalNames: raw against the visible total, adjusted against the genuine total.
  bool has_totals = false;  // the truth and the estimate both carry them
  std::array<SupportScore, 6> totals;
};
inline constexpr const char* kRouteNames[3] = {"sources", "own_words", "reposts_only"};

struct Evaluation {
  std::vector<CampaignScore> campaigns;
  // Verdicts: whether accounts.csv had the column; clusters and their accounts by verdict.
  bool has_verdicts = false;
  std::array<std::uint64_t, 3> clusters_by_verdict{}, accounts_by_verdict{};
  // Over all accounts: predicted = in any cluster; positive = member of any campaign.
  std::uint64_t predicted = 0, true_positive = 0;
  double precision = 0;
  double recall_non_evasive = 0, recall_evasive = 0, f1_non_evasive = 0;
  // The same over the clusters not judged organic (inauthentic or undetermined).
  std::uint64_t flagged = 0, flagged_true_positive = 0;
  double precision_flagged = 0, recall_non_evasive_flagged = 0, recall_evasive_flagged = 0;
  std::uint64_t organic_in_clusters = 0, organic_accounts = 0;
  double adjusted_rand_index = 0;
  // Organic look-alikes: per group, and over all their accounts (each counted once).
  std::vector<LookalikeScore> lookalikes;
  LookalikeScore lookalike_total;
  double lookalike_inauthentic_share = 0;  // of all look-alike accounts, in inauthentic clusters
  std::vector<ActorScore> actors;
};

Result<Evaluation> evaluate(const std::filesystem::path& truth_json,
                            const std::filesystem::path& run_dir);

std::string evaluation_to_json(const Evaluation& e);
std::string evaluation_to_text(const Evaluation& e);

}  // namespace groundswell
