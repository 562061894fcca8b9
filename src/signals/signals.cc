#include "signals/signals.h"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>
#include <type_traits>
#include <unordered_map>

#include "base/hash.h"
#include "base/time.h"
#include "dist/communicator.h"
#include "text/normalize.h"

namespace groundswell {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::uint64_t kKeySeed = 0x5167a15ULL;  // fixed: hashes only group equal keys

double clip01(double x) { return x < 0 ? 0 : (x > 1 ? 1 : x); }

double median_of(std::vector<double>& v) {
  if (v.empty()) return kNaN;
  std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    m = (m + lo) / 2;
  }
  return m;
}

std::string percent(double f) { return fmt::format("{:.0f}%", f * 100); }

}  // namespace

std::string_view signal_name(Signal s) {
  static constexpr std::string_view kNames[kSignalCount] = {
      "creation_burst", "young_account",   "handle_pattern", "profile",
      "posting_rate",   "regular_gaps",    "gap_entropy",    "office_hours",
      "forward_share",  "duplicate_share", "follower_ratio", "channel_err"};
  return kNames[static_cast<int>(s)];
}

std::string format_utc_offset(int minutes) {
  char sign = minutes < 0 ? '-' : '+';
  int m = std::abs(minutes);
  return fmt::format("{}{:02d}:{:02d}", sign, m / 60, m % 60);
}

double burstiness(const std::vector<TimeMs>& t) {
  if (t.size() < 3) return 0;
  double sum = 0, sum2 = 0;
  std::size_t n = t.size() - 1;
  for (std::size_t i = 1; i < t.size(); ++i) {
    double g = static_cast<double>(t[i] - t[i - 1]) / 1000.0;
    sum += g;
    sum2 += g * g;
  }
  double mu = sum / static_cast<double>(n);
  double var = std::max(0.0, sum2 / static_cast<double>(n) - mu * mu);
  double sigma = std::sqrt(var);
  if (sigma + mu <= 0) return 0;
  return (sigma - mu) / (sigma + mu);
}

OfficeHoursFit fit_office_hours(const std::vector<TimeMs>& times) {
  // 15-minute bins over the UTC week; an offset shifts the week circularly. Each day's office
  // hours and lunch hour are runs of bins, summed from running totals over two weeks laid end
  // to end (a run that wraps past the week's end is then contiguous). Counts are integers, so
  // every sum is exact and the fit does not depend on the order of the additions.
  constexpr int kBins = 7 * 96;
  std::array<std::int64_t, 2 * kBins + 1> before{};  // before[i]: posts in doubled bins < i
  std::int64_t total = 0;
  for (TimeMs t : times) {
    if (t == kNoTime) continue;
    int q = static_cast<int>(floor_div(t, 900'000) % 96 + 96) % 96;
    ++before[static_cast<std::size_t>(weekday_of(t) * 96 + q) + 1];
    ++total;
  }
  OfficeHoursFit best;
  if (total == 0) return best;
  for (std::size_t i = 1; i <= static_cast<std::size_t>(kBins); ++i)
    before[i + kBins] = before[i];  // the second week repeats the first's counts
  for (std::size_t i = 1; i < before.size(); ++i) before[i] += before[i - 1];
  // Posts in the `length` bins from local bin `local` of the week at offset `off_q`.
  auto run = [&](int local, int off_q, int length) {
    // local bin = utc bin + offset, so utc bin = local bin − offset
    const auto utc = static_cast<std::size_t>(((local - off_q) % kBins + kBins) % kBins);
    return before[utc + static_cast<std::size_t>(length)] - before[utc];
  };
  bool have = false;
  for (int off_q = -48; off_q <= 56; ++off_q) {  // −12:00 .. +14:00
    std::int64_t office_posts = 0, lunch_posts = 0;
    for (int day = 0; day < 5; ++day) {
      office_posts += run(day * 96 + 36, off_q, 32);  // local 09:00–17:00
      lunch_posts += run(day * 96 + 48, off_q, 4);    // 12:00–13:00
    }
    const auto office = static_cast<double>(office_posts);
    const auto lunch = static_cast<double>(lunch_posts);
    double fraction = office / static_cast<double>(total);
    double rest_rate = (office - lunch) / 28.0, lunch_rate = lunch / 4.0;
    double dip = rest_rate > 0 ? std::max(0.0, 1 - lunch_rate / rest_rate) : 0;
    int off_min = off_q * 15;
    bool better =
        !have || fraction > best.fraction + 1e-12 ||
        (std::abs(fraction - best.fraction) <= 1e-12 &&
         (dip > best.lunch_dip + 1e-12 || (std::abs(dip - best.lunch_dip) <= 1e-12 &&
                                           std::abs(off_min) < std::abs(best.offset_minutes))));
    if (better) {
      best = {fraction, off_min, dip};
      have = true;
    }
  }
  return best;
}

double handle_pattern_score(std::string_view h) {
  if (!h.empty() && h.front() == '@') h.remove_prefix(1);
  if (h.empty()) return kNaN;
  for (unsigned char c : h)
    if (c >= 0x80) return 0;  // non-Latin handles: no pattern known
  std::size_t d = 0;
  while (d < h.size() && h[h.size() - 1 - d] >= '0' && h[h.size() - 1 - d] <= '9') ++d;
  std::size_t letters = 0, vowels = 0, alternations = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    char c = static_cast<char>(h[i] | 0x20);
    bool letter = c >= 'a' && c <= 'z';
    if (letter) {
      ++letters;
      if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y') ++vowels;
    }
    if (i > 0) {
      bool prev_digit = h[i - 1] >= '0' && h[i - 1] <= '9';
      bool digit = h[i] >= '0' && h[i] <= '9';
      if (prev_digit != digit && (letter || digit)) ++alternations;
    }
  }
  double score = 0;
  if (letters >= 2) {
    if (d >= 6)
      score = 1.0;
    else if (d == 5)
      score = 0.8;
    else if (d == 4) {
      std::string_view run = h.substr(h.size() - 4);
      bool year = (run[0] == '1' && run[1] == '9') || (run[0] == '2' && run[1] == '0');
      score = year ? 0.2 : 0.5;
    }
  }
  // Random strings: long, few vowels, or letters and digits interleaved.
  if (h.size() >= 8 && letters >= 4) {
    double vowel_share = static_cast<double>(vowels) / static_cast<double>(letters);
    if (vowel_share < 0.15) score = std::max(score, 0.8);
    if (alternations >= 4) score = std::max(score, 0.8);
  }
  return score;
}

namespace {

// Messages per account (CSR over message indices), each account's in time order because the
// dataset is sorted by time.
struct AccountMessages {
  std::vector<std::uint32_t> start, msgs;
  std::span<const std::uint32_t> of(std::size_t a) const {
    return {msgs.data() + start[a], start[a + 1] - start[a]};
  }
};

AccountMessages messages_by_account(const Dataset& data) {
  const std::size_t na = data.accounts(), nm = data.messages();
  AccountMessages out;
  std::vector<std::uint32_t>& start = out.start;
  start.assign(na + 1, 0);
  for (std::size_t m = 0; m < nm; ++m)
    if (data.msg_account[m] != kNoAccount) ++start[data.msg_account[m] + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  out.msgs.resize(start[na]);
  std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
  for (std::size_t m = 0; m < nm; ++m)
    if (data.msg_account[m] != kNoAccount)
      out.msgs[fill[data.msg_account[m]]++] = static_cast<std::uint32_t>(m);
  return out;
}

// Exact-key duplicates across accounts, per message: not eligible (a share, or a key too
// short), its own (no other account posted its key) or copied (another account did).
struct DuplicateKeys {
  enum State : std::uint8_t { kNotEligible = 0, kOwn = 1, kCopied = 2 };
  std::vector<std::uint8_t> state;
};

// Every message's text key comes with the analysis columns (Dataset::msg_text_key, worked out
// once when they are loaded), so every process of a distributed run has them all. The eligible
// messages are sorted by key (on every core): a key's messages are then side by side, and
// copied when their authors differ.
DuplicateKeys duplicate_keys(const Dataset& data, const SignalOptions& opt) {
  const std::size_t nm = data.messages();
  DuplicateKeys out;
  out.state.assign(nm, DuplicateKeys::kNotEligible);
  // Key lengths are capped (Dataset::msg_text_key_bytes): at the cap, at least the cap.
  const std::size_t min_bytes =
      std::min<std::size_t>(opt.min_duplicate_key_bytes, kTextKeyCountCap);
  struct Keyed {
    std::uint64_t hash;
    std::uint32_t account, message;
    bool operator<(const Keyed& o) const {
      return hash != o.hash ? hash < o.hash : account < o.account;
    }
  };
  std::vector<Keyed> keyed;
  for (std::size_t m = 0; m < nm; ++m) {
    if (data.msg_account[m] == kNoAccount || !data.msg_shares[m].empty()) continue;
    if (data.msg_text_key_bytes[m] == 0 || data.msg_text_key_bytes[m] < min_bytes) continue;
    keyed.push_back({data.msg_text_key[m], data.msg_account[m], static_cast<std::uint32_t>(m)});
  }
  tbb::parallel_sort(keyed.begin(), keyed.end());
  for (std::size_t i = 0; i < keyed.size();) {
    std::size_t j = i + 1;
    while (j < keyed.size() && keyed[j].hash == keyed[i].hash) ++j;
    // Sorted by account within a key: its first and last authors differ when it was copied.
    const auto state =
        keyed[j - 1].account != keyed[i].account ? DuplicateKeys::kCopied : DuplicateKeys::kOwn;
    for (std::size_t k = i; k < j; ++k) out.state[keyed[k].message] = state;
    i = j;
  }
  return out;
}

// Creation times of all accounts, sorted, and how many would fall in a burst window if
// creations were spread evenly.
struct CreationTimes {
  std::vector<TimeMs> created;
  double window_ms = 0, expected_in_window = 0;
};

CreationTimes creation_times(const Dataset& data, const SignalOptions& opt) {
  CreationTimes out;
  std::vector<TimeMs>& created = out.created;
  for (std::size_t a = 0; a < data.accounts(); ++a)
    if (data.account_created_at[a] != kNoTime) created.push_back(data.account_created_at[a]);
  std::sort(created.begin(), created.end());
  out.window_ms = opt.burst_window_days * static_cast<double>(kDayMs);
  if (created.size() >= 2) {
    double span = std::max(static_cast<double>(created.back() - created.front()),
                           static_cast<double>(kDayMs));
    out.expected_in_window = static_cast<double>(created.size()) * out.window_ms / span;
  }
  return out;
}

// Profiles: whether a platform's records carry descriptions at all, and per account the hash
// of its normalized description and display name (0: none) with how many accounts share it.
struct ProfileKeys {
  std::unordered_map<std::string, bool> platform_has_bio;
  std::unordered_map<std::uint64_t, int> bio_count, name_count;
  std::vector<std::uint64_t> bio_hash, name_hash;
};

ProfileKeys profile_keys(const Dataset& data) {
  const std::size_t na = data.accounts();
  ProfileKeys out;
  out.bio_hash.assign(na, 0);
  out.name_hash.assign(na, 0);
  // The keys' hashes on every core (each block its own key buffer), then counted in order.
  const auto hash_of = [](std::string_view text, std::string& key) -> std::uint64_t {
    if (text.empty()) return 0;
    normalize_key(text, {}, key);
    return key.empty() ? 0 : XXH3_64bits_withSeed(key.data(), key.size(), kKeySeed) | 1;
  };
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, na, 1024),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      std::string key;
                      for (std::size_t a = r.begin(); a != r.end(); ++a) {
                        out.bio_hash[a] = hash_of(data.account_description[a], key);
                        out.name_hash[a] = hash_of(data.account_display_name[a], key);
                      }
                    });
  for (std::size_t a = 0; a < na; ++a) {
    auto& has = out.platform_has_bio[std::string(data.account_platform[a])];
    if (!data.account_description[a].empty()) has = true;
    if (out.bio_hash[a] != 0) ++out.bio_count[out.bio_hash[a]];
    if (out.name_hash[a] != 0) ++out.name_count[out.name_hash[a]];
  }
  return out;
}

// What every account's signals are computed from.
struct SignalInputs {
  const Dataset& data;
  const SignalOptions& opt;
  const AccountMessages& messages;
  const DuplicateKeys& duplicates;
  const CreationTimes& creation;
  const ProfileKeys& profiles;
};

// What the profile signal found, for its sentence.
enum class ProfileFinding : std::uint8_t {
  kNothing,
  kEmptyDescription,
  kSharedDescription,
  kSharedName
};

// One account's signals as they are computed: the scores and measurements go into `s`. The
// sentence behind a signal is written only for the few that make the account's reasons
// (reason_text), from these figures.
struct AccountWork {
  AccountSignals& s;
  ProfileFinding profile = ProfileFinding::kNothing;
  int profile_others = 0;  // accounts sharing the description or display name
  void set(Signal sig, double v) { s.score[static_cast<int>(sig)] = v; }
};

// Creation burst and age at posting.
void creation_signals(const SignalInputs& in, std::size_t a, const std::vector<TimeMs>& times,
                      std::vector<double>& ages, AccountWork& w) {
  const TimeMs c = in.data.account_created_at[a];
  if (c == kNoTime) return;
  const std::vector<TimeMs>& created = in.creation.created;
  const double window_ms = in.creation.window_ms;
  auto lo =
      std::lower_bound(created.begin(), created.end(), c - static_cast<TimeMs>(window_ms / 2));
  auto hi =
      std::upper_bound(created.begin(), created.end(), c + static_cast<TimeMs>(window_ms / 2));
  int n = static_cast<int>(hi - lo);
  w.s.burst_accounts = n;
  double ratio = n / std::max(in.creation.expected_in_window, 1.0);
  double v = n >= in.opt.burst_min_accounts ? clip01((std::log2(ratio) - 2) / 3) : 0;
  w.set(Signal::kCreationBurst, v);
  if (!times.empty()) {
    ages.clear();
    for (TimeMs t : times) ages.push_back(static_cast<double>(t - c) / kDayMs);
    w.s.median_age_days = median_of(ages);
    w.set(Signal::kYoungAccount, clip01((90 - w.s.median_age_days) / 80));
  }
}

// Handle and profile: a machine-made handle, an empty or shared description, a shared
// display name.
void identity_signals(const SignalInputs& in, std::size_t a, AccountWork& w) {
  const Dataset& data = in.data;
  w.set(Signal::kHandlePattern, handle_pattern_score(data.account_handle[a]));

  const ProfileKeys& p = in.profiles;
  bool bios = p.platform_has_bio.at(std::string(data.account_platform[a]));
  double v = kNaN;
  if (bios) {
    v = 0;
    if (data.account_description[a].empty()) {
      v = 0.4;
      w.profile = ProfileFinding::kEmptyDescription;
    } else if (p.bio_hash[a] != 0 && p.bio_count.at(p.bio_hash[a]) >= 2) {
      w.profile_others = p.bio_count.at(p.bio_hash[a]) - 1;
      v = w.profile_others >= 2 ? 1.0 : 0.7;
      w.profile = ProfileFinding::kSharedDescription;
    }
  }
  if (p.name_hash[a] != 0) {
    int others = p.name_count.at(p.name_hash[a]) - 1;
    if (v != v) v = 0;
    if (others >= 2 && v < 0.6) {
      v = 0.6;
      w.profile = ProfileFinding::kSharedName;
      w.profile_others = others;
    }
  }
  w.set(Signal::kProfile, v);
}

// Posting rate, gaps and office hours, from the account's post times (ascending).
void timing_signals(const SignalOptions& opt, const std::vector<TimeMs>& times, AccountWork& w) {
  AccountSignals& s = w.s;
  if (!times.empty()) {
    double span_days = std::max(1.0, static_cast<double>(times.back() - times.front()) / kDayMs);
    s.posts_per_day = static_cast<double>(times.size()) / span_days;
    w.set(Signal::kPostingRate, clip01((s.posts_per_day - 30) / 90));
  }
  if (static_cast<int>(times.size()) >= opt.min_posts_timing) {
    s.burstiness = burstiness(times);
    w.set(Signal::kRegularGaps, clip01(-s.burstiness / 0.6));
    // Entropy of log2-binned gaps (seconds), normalized by the most the sample allows.
    std::array<int, 40> hist{};
    for (std::size_t i = 1; i < times.size(); ++i) {
      double g = static_cast<double>(times[i] - times[i - 1]) / 1000.0;
      int b = static_cast<int>(std::floor(std::log2(g + 1)));
      hist[static_cast<std::size_t>(std::clamp(b, 0, 39))]++;
    }
    double n = static_cast<double>(times.size() - 1), h = 0;
    for (int k : hist)
      if (k > 0) h -= (k / n) * std::log2(k / n);
    double hmax = std::log2(std::min(n, 24.0));
    s.gap_entropy = hmax > 0 ? h / hmax : 0;
    w.set(Signal::kGapEntropy, clip01((0.5 - s.gap_entropy) / 0.4));
  }
  if (static_cast<int>(times.size()) >= opt.min_posts_office) {
    OfficeHoursFit f = fit_office_hours(times);
    s.office_fraction = f.fraction;
    s.office_offset_minutes = f.offset_minutes;
    s.lunch_dip = f.lunch_dip;
    double v = clip01((f.fraction - 0.55) / 0.3) * (0.6 + 0.4 * clip01(f.lunch_dip / 0.5));
    w.set(Signal::kOfficeHours, v);
  }
}

// Forwards and copies: the share of posts that are forwards, and of own texts that other
// accounts also posted.
void sharing_signals(const SignalInputs& in, std::span<const std::uint32_t> posts, AccountWork& w) {
  const SignalOptions& opt = in.opt;
  if (static_cast<int>(posts.size()) < opt.min_posts_share) return;
  const DuplicateKeys& dk = in.duplicates;
  std::size_t fwd = 0, eligible = 0, dup = 0;
  for (std::uint32_t m : posts) {
    if (!in.data.msg_shares[m].empty()) ++fwd;
    eligible += dk.state[m] != DuplicateKeys::kNotEligible;
    dup += dk.state[m] == DuplicateKeys::kCopied;
  }
  AccountSignals& s = w.s;
  s.forward_share = static_cast<double>(fwd) / static_cast<double>(posts.size());
  w.set(Signal::kForwardShare, clip01((s.forward_share - 0.6) / 0.35));
  if (static_cast<int>(eligible) >= opt.min_posts_share) {
    s.duplicate_share = static_cast<double>(dup) / static_cast<double>(eligible);
    w.set(Signal::kDuplicateShare, clip01((s.duplicate_share - 0.2) / 0.5));
  }
}

// Followers and channel views: follows many but followed by few; a channel whose posts are
// seen by few of its subscribers.
void audience_signals(const Dataset& data, std::size_t a, std::span<const std::uint32_t> posts,
                      AccountWork& w) {
  AccountSignals& s = w.s;
  const std::string_view kind = data.account_kind[a];
  const std::int64_t followers = data.account_followers[a], following = data.account_following[a];
  if (kind != "channel" && kind != "group" && followers >= 0 && following >= 0) {
    s.follower_ratio = static_cast<double>(followers + 1) / static_cast<double>(following + 1);
    double v = following >= 50 ? clip01((-std::log10(s.follower_ratio) - 0.5) / 1.0) : 0;
    w.set(Signal::kFollowerRatio, v);
  }
  if (kind == "channel" && followers > 0) {
    double views = 0;
    int with_views = 0;
    for (std::uint32_t m : posts)
      if (data.msg_views[m] >= 0) {
        views += static_cast<double>(data.msg_views[m]);
        ++with_views;
      }
    if (with_views >= 3) {
      s.channel_err = views / with_views / static_cast<double>(followers) * 100;
      w.set(Signal::kChannelErr, clip01((10 - s.channel_err) / 8));
    }
  }
}

// The sentence behind signal `sig` of account `a`, from the figures its computation left.
std::string reason_text(const SignalInputs& in, std::size_t a, const AccountWork& w, Signal sig) {
  const Dataset& data = in.data;
  const AccountSignals& s = w.s;
  switch (sig) {
    case Signal::kCreationBurst:
      return fmt::format("created in a burst of {} accounts within {:g} days", s.burst_accounts,
                         in.opt.burst_window_days);
    case Signal::kYoungAccount:
      return fmt::format("account was {:.0f} days old when posting (median)",
                         std::max(0.0, s.median_age_days));
    case Signal::kHandlePattern:
      return fmt::format("handle '{}' looks machine-made (name + digit run or random)",
                         data.account_handle[a]);
    case Signal::kProfile:
      switch (w.profile) {
        case ProfileFinding::kNothing:
          return {};
        case ProfileFinding::kEmptyDescription:
          return "empty profile description";
        case ProfileFinding::kSharedDescription:
          return fmt::format("profile description shared with {} other account{}", w.profile_others,
                             w.profile_others == 1 ? "" : "s");
        case ProfileFinding::kSharedName:
          return fmt::format("display name shared with {} other accounts", w.profile_others);
      }
      return {};
    case Signal::kPostingRate:
      return fmt::format("posts {:.0f} times a day", s.posts_per_day);
    case Signal::kRegularGaps:
      return fmt::format("clockwork posting (gap burstiness {:.2f})", s.burstiness);
    case Signal::kGapEntropy:
      return fmt::format("inter-post gaps of little variety (entropy {:.2f})", s.gap_entropy);
    case Signal::kOfficeHours:
      return fmt::format("posts {} within office hours of UTC{}{}", percent(s.office_fraction),
                         format_utc_offset(s.office_offset_minutes),
                         s.lunch_dip >= 0.5 ? " with a lunch pause" : "");
    case Signal::kForwardShare:
      return fmt::format("{} of posts are forwards/retweets", percent(s.forward_share));
    case Signal::kDuplicateShare:
      return fmt::format("{} of posts repeat text other accounts also posted",
                         percent(s.duplicate_share));
    case Signal::kFollowerRatio:
      return fmt::format("follows {} accounts, followed by {}", data.account_following[a],
                         data.account_followers[a]);
    case Signal::kChannelErr:
      return fmt::format("posts are seen by {:.1f}% of its {} subscribers (ERR)", s.channel_err,
                         data.account_followers[a]);
  }
  return {};
}

// Combine: noisy-OR over the available signals into the account's score, and the reasons of
// the strongest contributions. Leaves both alone when no signal is available.
void combine(const SignalInputs& in, std::size_t a, const AccountWork& w, double& score,
             std::string& reasons) {
  const SignalOptions& opt = in.opt;
  double keep = 1;
  bool any = false;
  std::array<std::pair<double, int>, kSignalCount> contrib;
  std::size_t contributions = 0;
  for (int k = 0; k < kSignalCount; ++k) {
    double v = w.s.score[static_cast<std::size_t>(k)];
    if (v != v) continue;
    any = true;
    double c = std::clamp(opt.strength[static_cast<std::size_t>(k)], 0.0, 1.0) * v;
    keep *= 1 - c;
    if (c >= opt.reason_min_contribution) contrib[contributions++] = {c, k};
  }
  if (!any) return;
  score = 1 - keep;
  std::stable_sort(contrib.begin(), contrib.begin() + static_cast<std::ptrdiff_t>(contributions),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  for (std::size_t i = 0; i < contributions && static_cast<int>(i) < opt.reasons_per_account; ++i) {
    if (!reasons.empty()) reasons += "; ";
    reasons += reason_text(in, a, w, static_cast<Signal>(contrib[i].second));
  }
}

}  // namespace

Result<SignalTable> compute_signals(const Dataset& data, const SignalOptions& opt,
                                    dist::Communicator* comm) {
  if (comm != nullptr && !comm->distributed()) comm = nullptr;
  const std::size_t na = data.accounts();
  SignalTable table;
  table.options = opt;
  table.accounts.assign(na, AccountSignals{});
  table.score.assign(na, kNaN);
  table.reasons.assign(na, std::string());
  for (auto& a : table.accounts) a.score.fill(kNaN);

  if (!text_keys_in_memory(data))
    return Status::Internal("the analysis columns hold no text keys (compute_text_keys)");
  const AccountMessages messages = messages_by_account(data);
  const DuplicateKeys duplicates = duplicate_keys(data, opt);
  const CreationTimes creation = creation_times(data, opt);
  const ProfileKeys profiles = profile_keys(data);
  const SignalInputs in{data, opt, messages, duplicates, creation, profiles};

  // Each account's signals from its own messages and the shared inputs: on every core.
  struct Scratch {
    std::vector<TimeMs> times;
    std::vector<double> ages;
  };
  tbb::enumerable_thread_specific<Scratch> scratch;
  // Distributed, each rank a contiguous block of the accounts, gathered on rank 0 below.
  const auto rank = static_cast<std::size_t>(comm ? comm->rank() : 0);
  const auto ranks = static_cast<std::size_t>(comm ? comm->size() : 1);
  const auto [lo, hi] = dist::block(na, rank, ranks);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(lo, hi, 256),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      auto& [times, ages] = scratch.local();
                      for (std::size_t a = range.begin(); a != range.end(); ++a) {
                        AccountWork w{table.accounts[a]};
                        const std::span<const std::uint32_t> posts = messages.of(a);
                        times.clear();
                        for (std::uint32_t m : posts)
                          if (data.msg_time[m] != kNoTime) times.push_back(data.msg_time[m]);
                        creation_signals(in, a, times, ages, w);
                        identity_signals(in, a, w);
                        timing_signals(opt, times, w);
                        sharing_signals(in, posts, w);
                        audience_signals(data, a, posts, w);
                        combine(in, a, w, table.score[a], table.reasons[a]);
                      }
                    });
  if (comm != nullptr) {
    static_assert(std::is_trivially_copyable_v<AccountSignals>);
    dist::Bytes mine;
    dist::append(mine, std::span<const AccountSignals>(table.accounts.data() + lo, hi - lo));
    dist::append(mine, std::span<const double>(table.score.data() + lo, hi - lo));
    for (std::size_t a = lo; a < hi; ++a) dist::append_string(mine, table.reasons[a]);
    std::vector<dist::Bytes> got = comm->gather(std::move(mine), 0);
    for (std::size_t r = 0; r < got.size(); ++r) {
      if (r == rank) continue;
      const auto [from, to] = dist::block(na, r, ranks);
      dist::Reader rows(got[r]);
      std::vector<AccountSignals> accounts;
      std::vector<double> score;
      rows.values(accounts, to - from);
      rows.values(score, to - from);
      std::copy(accounts.begin(), accounts.end(),
                table.accounts.begin() + static_cast<std::ptrdiff_t>(from));
      std::copy(score.begin(), score.end(),
                table.score.begin() + static_cast<std::ptrdiff_t>(from));
      for (std::size_t a = from; a < to; ++a) table.reasons[a] = rows.string();
    }
  }
  return table;
}

std::vector<ClusterSignalSummary> summarize_clusters(
    const Dataset& data, const SignalTable& table,
    const std::vector<std::uint32_t>& account_cluster, std::size_t clusters) {
  std::vector<ClusterSignalSummary> out(clusters);
  std::vector<double> score_sum(clusters, 0);
  std::vector<std::vector<TimeMs>> created(clusters);
  for (std::size_t a = 0; a < account_cluster.size() && a < data.accounts(); ++a) {
    std::uint32_t c = account_cluster[a];
    if (c == 0 || c > clusters) continue;
    ClusterSignalSummary& s = out[c - 1];
    if (a < table.score.size() && table.score[a] == table.score[a]) {
      score_sum[c - 1] += table.score[a];
      ++s.scored_accounts;
    }
    if (data.account_created_at[a] != kNoTime) created[c - 1].push_back(data.account_created_at[a]);
  }
  for (std::size_t k = 0; k < clusters; ++k) {
    ClusterSignalSummary& s = out[k];
    s.mean_score = s.scored_accounts > 0 ? score_sum[k] / s.scored_accounts : kNaN;
    std::vector<TimeMs>& t = created[k];
    s.dated_accounts = static_cast<int>(t.size());
    if (t.empty()) {
      s.creation_range_days = s.creation_iqr_days = kNaN;
      continue;
    }
    std::sort(t.begin(), t.end());
    auto at = [&](double q) {
      double h = (static_cast<double>(t.size()) - 1) * q;
      auto lo = static_cast<std::size_t>(h);
      std::size_t hi = std::min(lo + 1, t.size() - 1);
      return static_cast<double>(t[lo]) +
             (h - static_cast<double>(lo)) * static_cast<double>(t[hi] - t[lo]);
    };
    s.creation_range_days = static_cast<double>(t.back() - t.front()) / kDayMs;
    s.creation_iqr_days = (at(0.75) - at(0.25)) / kDayMs;
  }
  return out;
}

}  // namespace groundswell
