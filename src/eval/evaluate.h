// Evaluation against ground truth: how well a run's results recover what the generator
// planted (truth.json from groundswell-generate, docs/generator.md).
//
// Reads a run's output folder (accounts.csv, summary.json) and reports account-level
// precision, recall and F1 per campaign and overall (non-evasive and evasive separately),
// the adjusted Rand index between planted campaigns and found clusters, how many organic
// accounts ended up in clusters, and per actor the support-estimate error against the
// genuine supporters with interval coverage.
//
// Thread-safety: pure function of the files it reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "groundswell/status.h"

namespace groundswell {

struct CampaignScore {
  std::string name, kind;
  bool evasive = false;
  std::uint64_t members = 0, found = 0;  // members in any cluster
  double recall = 0;
  double precision = 0;  // of the clusters this campaign dominates: members / accounts
};

struct ActorScore {
  std::string name;
  double genuine = 0;  // genuine supporters in the truth
  double adjusted = 0, ci_low = 0, ci_high = 0, raw = 0;
  bool has_estimate = false;
  double relative_error = 0;  // (adjusted - genuine) / genuine
  bool covered = false;       // ci_low <= genuine <= ci_high
};

struct Evaluation {
  std::vector<CampaignScore> campaigns;
  // Over all accounts: predicted = in any cluster; positive = member of any campaign.
  std::uint64_t predicted = 0, true_positive = 0;
  double precision = 0;
  double recall_non_evasive = 0, recall_evasive = 0, f1_non_evasive = 0;
  std::uint64_t organic_in_clusters = 0, organic_accounts = 0;
  double adjusted_rand_index = 0;
  std::vector<ActorScore> actors;
};

Result<Evaluation> evaluate(const std::filesystem::path& truth_json,
                            const std::filesystem::path& run_dir);

std::string evaluation_to_json(const Evaluation& e);
std::string evaluation_to_text(const Evaluation& e);

}  // namespace groundswell
