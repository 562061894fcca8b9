// Coordinated is not inauthentic: a verdict for every cluster.
//
// A significant cluster says that its accounts act together beyond chance. Whether that
// togetherness was manufactured is a second question (Giglietto et al. 2020, Nizzoli et al.
// 2021, Pacheco et al. 2021): fans who retweet a news outlet within minutes of each post are
// as coordinated in time as a troll farm, and a crowd reacting to a goal is as synchronous as
// a bot net. judge_clusters() answers it from cluster-level evidence and gives every cluster
// one of three verdicts with the reasons that decided it:
//
//   inauthentic   manufacturing shows: members created in a burst, machine-made handles,
//                 members whose own signals are inauthentic, or members that re-share
//                 together beyond their own response times (fired by one trigger);
//   organic       the coordination is a response to a common stimulus: most co-actions
//                 re-share one source's posts, the members' timing fits independent
//                 responses to those posts, and the members look like ordinary accounts;
//                 or nothing shows manufacture and the cluster's edges are no more than
//                 chance gives among all the pairs that co-acted (the FDR bounds the share
//                 of false edges, so among thousands of true ones a few chance pairs are
//                 kept, each a cluster of two or three ordinary accounts);
//   undetermined  neither.
//
// The stimulus null: each member keeps its own delays to the posts it re-shared, and the
// delays are re-assigned to those posts at random (per account, per replicate). Independent
// fans fit it — whatever their delays, they do not depend on the post — while accounts fired
// by one signal per post respond together and co-act far more often than the permuted delays
// allow. docs/detection.md ("Verdicts") gives every rule, threshold and its evidence.
//
//   AccountEvidence ev{signals.score, handle_pattern_scores};
//   judge_clusters(dataset, result, ev, VerdictOptions{});   // fills Cluster::verdict, ...
//
// Promises: a pure function of (dataset, result, evidence, options) for any thread count.
// Thread-safety: touches only its arguments.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "detect/detect.h"

namespace groundswell {

// Per-account evidence from the signals stage; an empty span means unknown for everyone,
// NaN unknown for one account.
struct AccountEvidence {
  std::span<const double> inauthenticity_score;
  std::span<const double> handle_pattern;  // the handle_pattern signal's score in [0, 1]
};

// Stimulus-null p-values computed before on one data set, kept by their whole input (a
// cluster's responses, posts, window, replicates and seed): the detections of the
// sensitivity table find mostly the same clusters, whose tests then need not run again (at 10M
// messages most of a judgement's time). The same input gives the same p-value, so results
// never change. Thread-safe.
class StimulusMemo {
 public:
  StimulusMemo();
  ~StimulusMemo();
  StimulusMemo(const StimulusMemo&) = delete;
  StimulusMemo& operator=(const StimulusMemo&) = delete;
  std::size_t size() const;  // the tests kept
  struct Impl;
  std::unique_ptr<Impl> impl;
};

struct VerdictOptions {
  // Creation burst: at least burst_share of the members with a known creation date (and at
  // least min_dated of them) were created within burst_days of each other.
  double burst_days = 14;
  double burst_share = 0.5;
  int min_dated = 5;
  // Members scoring above score_threshold (the estimate's threshold), or with a
  // machine-made handle (handle_pattern score >= patterned_score): at least member_share.
  double score_threshold = 0.7;
  double patterned_score = 0.8;
  double member_share = 0.5;
  // Stimulus null: replicates, the level below which members are "fired by one trigger", the
  // level above which their timing "fits independent responses", and the fewest posts
  // re-shared by at least two members for the test to run.
  int replicates = 199;
  double trigger_alpha = 0.01;
  double fits_alpha = 0.05;
  int min_posts = 5;
  // Chance: a cluster whose internal edges chance alone gives with probability above this
  // (ClusterEvidence::chance_p), and whose members show no sign of manufacture, is organic.
  double chance_alpha = 0.05;
  // Organic: at least this share of the internal co-actions re-share one source's posts, and
  // members created over at least ordinary_spread_days or a mean score below
  // ordinary_mean_score.
  double single_source_share = 0.8;
  double ordinary_spread_days = 3 * 365;
  double ordinary_mean_score = 0.4;
  std::uint64_t seed = 1;
  // The data's messages by key, to find what a re-share re-shares; built here when null (a
  // caller judging several detections of one data set builds it once).
  const MessageIndex* originals = nullptr;
  // Stimulus-null p-values of earlier judgements of the same data set (null: none kept).
  StimulusMemo* memo = nullptr;
};

std::string_view verdict_name(Verdict v);  // "inauthentic", "organic", "undetermined"

// Fills every cluster's verdict, reasons and evidence. `window_ms` is the co-action window of
// the stimulus null (the detection's base window).
void judge_clusters(const Dataset& data, DetectionResult& result, const AccountEvidence& evidence,
                    TimeMs window_ms, const VerdictOptions& options = {});

}  // namespace groundswell
