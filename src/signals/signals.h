// Account signals (docs/contract.md §5.6): transparent, export-only evidence that an account is not
// an ordinary person posting on their own — creation bursts, patterned handles, empty or copied
// profiles, machine-like timing, office-hours posting in one time zone, forwarding and copy-paste,
// skewed follower ratios and (for channels) views far below subscribers.
//
//   SignalOptions opt;                                  // documented defaults
//   Result<SignalTable> t = compute_signals(dataset, opt);
//   t->score[a];    // in [0,1], NaN when no signal could be computed for account a
//   t->reasons[a];  // "created in a burst of 40 accounts within 3 days; posts 87% ..."
//
// Each signal gives a per-signal score s_i in [0,1] (NaN = not available for this account:
// too few posts, no creation date, ...). The account score combines the available signals as
// independent pieces of evidence (noisy-OR): score = 1 − Π (1 − w_i · s_i), where the strength
// w_i is the most one signal can contribute on its own. docs/signals-and-estimation.md lists
// every signal, threshold, strength and the research behind it. No hidden model.
//
// Promises: a pure function of (dataset, options); the same on every run and thread count.
// Thread-safety: compute_signals() touches only its arguments.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "groundswell/status.h"
#include "store/dataset.h"

namespace groundswell {
namespace dist {
class Communicator;
}

enum class Signal : std::uint8_t {
  kCreationBurst = 0,  // created within days of many other accounts
  kYoungAccount,       // median account age at posting is days, not years
  kHandlePattern,      // name + long digit run, or a random-looking string
  kProfile,            // empty or duplicated description / display name
  kPostingRate,        // posts per active day
  kRegularGaps,        // Goh–Barabási burstiness B far below 0 (clockwork posting)
  kGapEntropy,         // low entropy of inter-post gaps
  kOfficeHours,        // Mon–Fri 9–17 in one UTC offset, with a lunch dip
  kForwardShare,       // share of posts that are forwards/retweets
  kDuplicateShare,     // share of posts whose key other accounts also posted
  kFollowerRatio,      // follows many, followed by few
  kChannelErr,         // channel views far below subscribers (bought subscribers)
};
inline constexpr int kSignalCount = 12;

// Column name of a signal (snake_case), e.g. "creation_burst".
std::string_view signal_name(Signal s);

struct SignalOptions {
  // Strength w_i of each signal in the noisy-OR (index = Signal). See the docs for the why.
  std::array<double, kSignalCount> strength = {
      0.60,  // creation_burst
      0.25,  // young_account
      0.40,  // handle_pattern
      0.45,  // profile
      0.30,  // posting_rate
      0.30,  // regular_gaps
      0.20,  // gap_entropy
      0.60,  // office_hours
      0.15,  // forward_share
      0.50,  // duplicate_share
      0.30,  // follower_ratio
      0.60,  // channel_err
  };
  // Creation burst: accounts created within ±burst_window_days/2 of this one.
  double burst_window_days = 3;
  int burst_min_accounts = 5;                // fewer than this is never a burst
  int min_posts_timing = 5;                  // gaps statistics need this many timed posts
  int min_posts_office = 20;                 // office-hours fit needs this many timed posts
  int min_posts_share = 3;                   // forward / duplicate shares need this many posts
  std::size_t min_duplicate_key_bytes = 20;  // shorter keys ("ok", "thanks") are not copies
  int reasons_per_account = 3;               // top reasons kept
  double reason_min_contribution = 0.1;      // w_i · s_i below this gives no reason
};

struct AccountSignals {
  std::array<double, kSignalCount> score{};  // per-signal score in [0,1]; NaN = not available
  // Figures behind the reasons (NaN / 0 when not available).
  int burst_accounts = 0;         // accounts created in the window around this one
  int office_offset_minutes = 0;  // the UTC offset of office_fraction
  double median_age_days = 0;
  double posts_per_day = 0;
  double burstiness = 0;       // B = (σ − μ)/(σ + μ) of gaps
  double gap_entropy = 0;      // normalized to [0,1]
  double office_fraction = 0;  // best office-hours fraction
  double lunch_dip = 0;        // 1 − rate(12–13) / rate(rest of 9–17)
  double forward_share = 0, duplicate_share = 0;
  double follower_ratio = 0;  // (followers+1)/(following+1)
  double channel_err = 0;     // mean views / subscribers × 100
};

struct SignalTable {
  std::vector<AccountSignals> accounts;  // by dense account index
  std::vector<double> score;             // combined score in [0,1], NaN = nothing available
  std::vector<std::string> reasons;      // top reasons joined by "; " ("" = none)
  SignalOptions options;
};

// With a distributed `comm` (docs/distributed.md), every rank of it must call this with the
// same data and options: each normalizes a share of the messages' texts and computes a block
// of the accounts, and rank 0 returns the whole table (the other ranks, their block only).
Result<SignalTable> compute_signals(const Dataset& data, const SignalOptions& options = {},
                                    dist::Communicator* comm = nullptr);

// The office-hours fit alone (exposed for tests and the report): the fraction of `times`
// inside Mon–Fri 9:00–17:00 local, maximised over UTC offsets −12:00..+14:00 in 15-minute
// steps, and the lunch dip at that offset. Ties go to the larger dip, then the smaller offset.
struct OfficeHoursFit {
  double fraction = 0;
  int offset_minutes = 0;
  double lunch_dip = 0;
};
OfficeHoursFit fit_office_hours(const std::vector<TimeMs>& times);

// Goh & Barabási (2008) burstiness of a sorted time series' gaps, in [−1, 1]; 0 with < 2 gaps.
double burstiness(const std::vector<TimeMs>& sorted_times);

// 0..1 score of how machine-made a handle looks (name + long digit run, random string).
double handle_pattern_score(std::string_view handle);

// Per-cluster summaries for clusters.csv and the report (docs/contract.md §5.5): the mean score of
// the members that have one, and how spread out their creation dates are. `account_cluster` is
// detection's per-account cluster id (0 = none, 1..clusters); entry k-1 describes cluster k.
struct ClusterSignalSummary {
  double mean_score = 0;  // NaN when no member has a score
  int scored_accounts = 0;
  int dated_accounts = 0;          // members with a creation date
  double creation_range_days = 0;  // last − first creation date (NaN without dates)
  double creation_iqr_days = 0;    // interquartile range of creation dates (NaN without dates)
};
std::vector<ClusterSignalSummary> summarize_clusters(
    const Dataset& data, const SignalTable& table,
    const std::vector<std::uint32_t>& account_cluster, std::size_t clusters);

// "+03:30" style offset.
std::string format_utc_offset(int minutes);

}  // namespace groundswell
