#include "estimate/estimate.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <igraph/igraph.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include "base/default_init.h"
#include "base/hash.h"
#include "base/output_file.h"
#include "base/time.h"
#include "base/uint128.h"

namespace groundswell {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kDayMs = 86'400'000;

// Additive quantities summed per (actor, period bin) cell.
enum Q : int {
  kAccounts = 0,   // supporters under the chosen definition
  kSources,        // ... by route: the actor's own sources,
  kOwnWords,       // ... accounts that wrote supporting words of their own,
  kRepostsOnly,    // ... accounts that only re-posted supporting posts
  kAccountsOther,  // supporters under the other definition (a sensitivity row)
  kUndetermined,   // supporters in undetermined clusters: members (raw), voices (adjusted)
  kMessages,
  kViews,
  kForwards,
  kReactions,
  kReplies,
  kEngagement,
  kEngagementViewed,  // engagement of messages that report views (ER's numerator)
  kQ
};
using QVec = std::array<double, kQ>;
constexpr bool is_account_count(int q) { return q <= kUndetermined; }

std::string bin_label(const std::string& period, std::int64_t day) {
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  if (period == "day") {
    civil_from_days(day, y, m, d);
    return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
  }
  if (period == "month") {
    civil_from_days(day, y, m, d);
    return fmt::format("{:04d}-{:02d}", y, m);
  }
  // ISO 8601 week: the week belongs to the year of its Thursday.
  std::int64_t weekday = ((day + 3) % 7 + 7) % 7;  // Monday = 0
  std::int64_t thursday = day - weekday + 3;
  civil_from_days(thursday, y, m, d);
  std::int64_t week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
  return fmt::format("{:04d}-W{:02d}", y, week);
}

// Value at quantile q of sorted data (linear interpolation, R type 7).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  double h = (static_cast<double>(sorted.size()) - 1) * q;
  auto lo = static_cast<std::size_t>(std::floor(h));
  std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double ratio_pct(double num, double den) { return den > 0 ? num / den * 100 : kNaN; }

std::uint64_t mix64(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Period bins: complete ranges from the first to the last timed message, per period.
struct Bins {
  struct Bin {
    std::string period, label;
  };
  std::vector<Bin> bins;
  std::vector<std::vector<std::uint32_t>> day_bin;  // per period: day - first_day -> bin
  std::vector<std::int64_t> all_bin;                // per period: the bin of "all", or -1
  std::int64_t first_day = 0;
  std::int64_t all = -1;  // the "all" bin, -1 when not requested

  Bins(const Dataset& d, const std::vector<std::string>& periods) {
    std::int64_t first = INT64_MAX, last = INT64_MIN;
    for (std::size_t m = 0; m < d.messages(); ++m)
      if (d.msg_time[m] != kNoTime) {
        std::int64_t day = floor_div(d.msg_time[m], kDayMs);
        first = std::min(first, day);
        last = std::max(last, day);
      }
    first_day = first;
    day_bin.resize(periods.size());
    all_bin.assign(periods.size(), -1);
    for (std::size_t p = 0; p < periods.size(); ++p) {
      const std::string& period = periods[p];
      if (period == "all") {
        all_bin[p] = all = static_cast<std::int64_t>(bins.size());
        bins.push_back({period, "all"});
        continue;
      }
      std::string prev;
      for (std::int64_t day = first; day <= last; ++day) {
        std::string label = bin_label(period, day);
        if (label != prev) {
          bins.push_back({period, label});
          prev = label;
        }
        day_bin[p].push_back(static_cast<std::uint32_t>(bins.size() - 1));
      }
    }
  }
  std::size_t size() const { return bins.size(); }
  // The bins a message at time t falls in (one per period; untimed messages only in "all").
  void of(TimeMs t, std::vector<std::uint32_t>& out) const {
    out.clear();
    for (std::size_t p = 0; p < all_bin.size(); ++p) {
      if (all_bin[p] >= 0)
        out.push_back(static_cast<std::uint32_t>(all_bin[p]));
      else if (t != kNoTime)
        out.push_back(day_bin[p][static_cast<std::size_t>(floor_div(t, kDayMs) - first_day)]);
    }
  }
};

QVec message_quantities(const Dataset& d, std::size_t m) {
  auto pos = [](std::int64_t v) { return v > 0 ? static_cast<double>(v) : 0.0; };
  QVec q{};
  q[kMessages] = 1;
  q[kViews] = pos(d.msg_views[m]);
  q[kForwards] = pos(d.msg_forwards[m]) + pos(d.msg_retweets[m]);
  q[kReactions] = pos(d.msg_reactions[m]) + pos(d.msg_likes[m]);
  q[kReplies] = pos(d.msg_replies[m]);
  q[kEngagement] = q[kForwards] + q[kReactions] + q[kReplies];
  q[kEngagementViewed] = d.msg_views[m] >= 0 ? q[kEngagement] : 0;
  return q;
}

// Per (account, cell): the sums of the account's support acts in that cell, and whether it
// is a supporter there (kAccounts..kAccountsOther as 0/1). Sorted by (account, cell).
struct AccountCell {
  std::uint32_t account, cell;
  QVec q;
};

struct Cells {
  std::vector<AccountCell> accounts;
  std::vector<QVec> fixed;  // per cell: supporting messages without an account
};

// One pass over the messages grouped by account (a counting sort): each account's cells are
// summed in a small sorted scratch list, in parallel over blocks of accounts, concatenated in
// account order — the same entries for any number of threads.
Cells account_cells(const Dataset& d, const std::vector<MessageStance>& stance,
                    const std::vector<std::uint64_t>& source_mask, const Bins& bins,
                    std::size_t nactors, SupporterDefinition definition) {
  const std::size_t na = d.accounts(), nm = d.messages(), nbins = bins.size();
  Cells out;
  out.fixed.assign(nactors * nbins, QVec{});
  std::vector<std::uint32_t> start(na + 1, 0), by_account;
  std::vector<std::uint32_t> msg_bins;
  for (std::size_t m = 0; m < nm; ++m) {
    if ((stance[m].support | stance[m].opposition) == 0) continue;
    if (d.msg_account[m] != kNoAccount) {
      ++start[d.msg_account[m] + 1];
      continue;
    }
    const QVec q = message_quantities(d, m);
    bins.of(d.msg_time[m], msg_bins);
    for (std::size_t k = 0; k < nactors; ++k)
      if (stance[m].support >> k & 1)
        for (std::uint32_t b : msg_bins)
          for (int i = 0; i < kQ; ++i)
            out.fixed[k * nbins + b][static_cast<std::size_t>(i)] += q[static_cast<std::size_t>(i)];
  }
  std::partial_sum(start.begin(), start.end(), start.begin());
  by_account.resize(start[na]);
  {
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::size_t m = 0; m < nm; ++m)
      if ((stance[m].support | stance[m].opposition) != 0 && d.msg_account[m] != kNoAccount)
        by_account[fill[d.msg_account[m]]++] = static_cast<std::uint32_t>(m);
  }

  constexpr std::size_t kBlock = 512;
  const std::size_t blocks = (na + kBlock - 1) / kBlock;
  std::vector<std::vector<AccountCell>> per_block(blocks);
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, blocks, 1), [&](const tbb::blocked_range<std::size_t>& r) {
        struct Act {
          std::uint32_t cell, message;
          bool support;
        };
        std::vector<Act> acts;
        std::vector<std::uint32_t> mb;
        for (std::size_t blk = r.begin(); blk < r.end(); ++blk) {
          std::vector<AccountCell>& cells = per_block[blk];
          for (std::size_t a = blk * kBlock; a < std::min(na, (blk + 1) * kBlock); ++a) {
            acts.clear();
            for (std::uint32_t i = start[a]; i < start[a + 1]; ++i) {
              const std::uint32_t m = by_account[i];
              bins.of(d.msg_time[m], mb);
              for (std::size_t k = 0; k < nactors; ++k) {
                const bool sup = stance[m].support >> k & 1, opp = stance[m].opposition >> k & 1;
                if (!sup && !opp) continue;
                for (std::uint32_t b : mb)
                  acts.push_back({static_cast<std::uint32_t>(k * nbins + b), m, sup});
              }
            }
            std::sort(acts.begin(), acts.end(), [](const Act& x, const Act& y) {
              return x.cell != y.cell ? x.cell < y.cell : x.message < y.message;
            });
            for (std::size_t i = 0; i < acts.size();) {
              const std::uint32_t cell = acts[i].cell;
              const bool source = source_mask[a] >> (cell / nbins) & 1;
              QVec q{};
              std::uint32_t support = 0, opposition = 0, own_support = 0, own_opposition = 0;
              for (; i < acts.size() && acts[i].cell == cell; ++i) {
                const std::uint32_t m = acts[i].message;
                const bool own = d.msg_shares[m].empty();
                if (acts[i].support) {
                  const QVec mq = message_quantities(d, m);
                  for (int j = 0; j < kQ; ++j)
                    q[static_cast<std::size_t>(j)] += mq[static_cast<std::size_t>(j)];
                  ++support;
                  own_support += own;
                } else {
                  ++opposition;
                  own_opposition += own;
                }
              }
              // The majority rule; every message of a source is a support act, so a source that
              // posted in the period always passes it.
              const bool visible = support > opposition;
              const bool own_words = source ? support > 0 : own_support > own_opposition;
              const bool main = definition == SupporterDefinition::kVisible ? visible : own_words;
              q[kAccounts] = main;
              q[kAccountsOther] = definition == SupporterDefinition::kVisible ? own_words : visible;
              if (main) {
                if (source)
                  q[kSources] = 1;
                else if (own_support > 0)
                  q[kOwnWords] = 1;
                else
                  q[kRepostsOnly] = 1;
              }
              if (support > 0) cells.push_back({static_cast<std::uint32_t>(a), cell, q});
            }
          }
        }
      });
  std::size_t total = 0;
  for (const auto& b : per_block) total += b.size();
  out.accounts.reserve(total);
  for (auto& b : per_block) out.accounts.insert(out.accounts.end(), b.begin(), b.end());
  return out;
}

// Contribution of one unit (an account, or a significant cluster as one voice) to one cell.
struct UnitEntry {
  std::uint32_t cell;
  QVec q;
};

// A classification's units. Built again for every classification into the same buffers on a
// thread (build_units): at 10M messages the entries of one are tens of megabytes, built about
// 140 times a run, and fresh ones were zeroed and faulted in each time (2.5M of a 10M run's
// 30M page faults).
struct Units {
  std::vector<std::uint32_t> start;  // CSR over entries; entries past start.back() are spare
  std::vector<UnitEntry, DefaultInit<UnitEntry>> entries;  // written before read: not zeroed
  std::size_t count() const { return start.empty() ? 0 : start.size() - 1; }
};

// How one classification (a cluster assignment, a score threshold, and how undetermined
// clusters count) treats each account: through which significant cluster it counts (one
// voice, or discounted with its cluster), or as itself, and whether its support counts.
class AccountView {
 public:
  AccountView(const ClusterAssignment& assign, std::span<const double> score, double threshold,
              ClusterTreatment undetermined)
      : assign_(assign), score_(score), threshold_(threshold), undetermined_(undetermined) {}

  // The cluster's treatment under this classification (undetermined ones as chosen).
  ClusterTreatment treatment_of(std::int32_t c) const {
    const auto i = static_cast<std::size_t>(c);
    ClusterTreatment t =
        i < assign_.treatment.size() ? assign_.treatment[i] : ClusterTreatment::kOneVoice;
    return t == ClusterTreatment::kOneVoice ? undetermined_ : t;
  }
  // The significant cluster account `a` counts through; -1: it counts as itself.
  std::int32_t cluster_of(std::size_t a) const {
    if (a >= assign_.cluster_of_account.size()) return -1;
    std::int32_t c = assign_.cluster_of_account[a];
    if (c < 0 || static_cast<std::size_t>(c) >= assign_.significant.size() ||
        !assign_.significant[static_cast<std::size_t>(c)] ||
        treatment_of(c) == ClusterTreatment::kKeep)
      return -1;
    return c;
  }
  // Whether account `a`'s support is discounted: its cluster is judged inauthentic, or it
  // counts as itself and scores above the threshold (accounts without a score stay).
  bool discounted(std::size_t a) const {
    const std::int32_t c = cluster_of(a);
    if (c >= 0) return treatment_of(c) == ClusterTreatment::kDiscount;
    double s = a < score_.size() ? score_[a] : kNaN;
    return s == s && s > threshold_;
  }

 private:
  const ClusterAssignment& assign_;
  std::span<const double> score_;
  double threshold_;
  ClusterTreatment undetermined_;
};

// The units of one classification: every account that posted anything and is not in a
// significant cluster judged inauthentic or undetermined (its supporting cells, unless its
// score is above the threshold — members of organic clusters included), every undetermined
// cluster with an active member as one voice whose figures are those of its average
// supporting member, and every inauthentic cluster as a unit that contributes nothing.
// `keep_cell`, when not empty, restricts the entries to the cells it marks. Written into
// `units`, whose buffers are reused.
void build_units(const Cells& cells, const std::vector<std::uint8_t>& active,
                 const AccountView& view, const std::vector<std::uint8_t>& keep_cell,
                 Units& units) {
  const std::size_t accounts = active.size();
  auto cluster_of = [&](std::size_t a) { return view.cluster_of(a); };
  // Unit ids: accounts counting as themselves in account order, then clusters by id.
  std::vector<std::int64_t> unit_of(accounts, -1);
  std::map<std::int32_t, std::uint32_t> cluster_unit;
  std::uint32_t n_units = 0;
  for (std::size_t a = 0; a < accounts; ++a)
    if (active[a] && cluster_of(a) < 0) unit_of[a] = n_units++;
  for (std::size_t a = 0; a < accounts; ++a) {
    std::int32_t c = cluster_of(a);
    if (active[a] && c >= 0) cluster_unit.emplace(c, 0);
  }
  for (auto& [c, u] : cluster_unit) u = n_units++;
  for (std::size_t a = 0; a < accounts; ++a) {
    std::int32_t c = cluster_of(a);
    if (c >= 0 && active[a]) unit_of[a] = cluster_unit[c];
  }

  std::vector<std::uint32_t> count(n_units + 1, 0);
  // One-voice cluster cells: sums over supporting members, averaged afterwards.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<QVec, int>> cluster_cells;
  auto excluded = [&](const AccountCell& e) {
    if (!keep_cell.empty() && !keep_cell[e.cell]) return true;
    return unit_of[e.account] < 0 || view.discounted(e.account);
  };
  for (const AccountCell& e : cells.accounts) {
    if (excluded(e)) continue;
    if (cluster_of(e.account) < 0) {
      ++count[static_cast<std::size_t>(unit_of[e.account]) + 1];
    } else {
      auto& [sum, n] = cluster_cells[{static_cast<std::uint32_t>(unit_of[e.account]), e.cell}];
      for (int k = 0; k < kQ; ++k)
        sum[static_cast<std::size_t>(k)] += e.q[static_cast<std::size_t>(k)];
      ++n;
    }
  }
  for (const auto& [key, v] : cluster_cells) ++count[key.first + 1];
  units.start.assign(count.size(), 0);
  std::partial_sum(count.begin(), count.end(), units.start.begin());
  // Every entry up to start.back() is written below: a larger buffer is not copied.
  if (units.entries.size() < units.start.back()) {
    units.entries.clear();
    units.entries.resize(units.start.back());
  }
  std::vector<std::uint32_t> fill(units.start.begin(), units.start.end() - 1);
  for (const AccountCell& e : cells.accounts)
    if (!excluded(e) && cluster_of(e.account) < 0) {
      QVec q = e.q;
      q[kUndetermined] = 0;  // counts as itself
      units.entries[fill[static_cast<std::size_t>(unit_of[e.account])]++] = {e.cell, q};
    }
  for (const auto& [key, v] : cluster_cells) {
    const auto& [sum, n] = v;
    QVec q{};
    for (int k = 0; k < kQ; ++k)
      if (!is_account_count(k))
        q[static_cast<std::size_t>(k)] = sum[static_cast<std::size_t>(k)] / n;
    // The cluster is one voice; its routes are its supporting members' shares.
    q[kAccounts] = sum[kAccounts] > 0 ? 1 : 0;
    q[kAccountsOther] = sum[kAccountsOther] > 0 ? 1 : 0;
    q[kUndetermined] = q[kAccounts];
    if (sum[kAccounts] > 0)
      for (int r : {kSources, kOwnWords, kRepostsOnly})
        q[static_cast<std::size_t>(r)] = sum[static_cast<std::size_t>(r)] / sum[kAccounts];
    units.entries[fill[key.first]++] = {key.second, q};
  }
}

// A key on one platform, viewing strings that outlive the map it is in.
struct PlatformKey {
  std::string_view platform, key;
  bool operator==(const PlatformKey&) const = default;
};
struct PlatformKeyHash {
  std::size_t operator()(const PlatformKey& k) const {
    const std::hash<std::string_view> h;
    return h(k.key) * 0x9e3779b97f4a7c15ULL ^ h(k.platform);
  }
};
using PlatformKeyMap = std::unordered_map<PlatformKey, std::uint32_t, PlatformKeyHash>;

// A handle as citations match it: without a leading '@', ASCII letters in lower case.
void handle_key(std::string_view s, std::string& out) {
  if (!s.empty() && s[0] == '@') s.remove_prefix(1);
  out.assign(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

// PRPACK, igraph's PageRank solver, sweeps on the threads of the OpenMP runtime igraph was
// built with (Debian's: libgomp), and their interleaving moved the ranks' last bits (3e-12
// relative on 2 cores) from one run to the next. While one of these is alive, the parallel
// regions the calling thread starts run on one thread, and the ranks are the same every time.
// The runtime is found among the loaded libraries, so neither compiler needs OpenMP's header
// (a compiler's own runtime would not be the one igraph calls); without one, nothing to do.
class OneOpenMpThread {
 public:
  OneOpenMpThread() {
    if (get_ != nullptr && set_ != nullptr) {
      threads_ = get_();
      set_(1);
    }
  }
  ~OneOpenMpThread() {
    if (get_ != nullptr && set_ != nullptr) set_(threads_);
  }
  OneOpenMpThread(const OneOpenMpThread&) = delete;
  OneOpenMpThread& operator=(const OneOpenMpThread&) = delete;

 private:
  using Get = int (*)();
  using Set = void (*)(int);
  Get get_ = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
  Set set_ = reinterpret_cast<Set>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  int threads_ = 1;
};

// Citation index: PageRank (× 100) on the directed graph "a forwards/retweets or mentions b".
// The maps view the dataset's columns (handles: their matching keys), so neither building them
// nor looking a message's citations up allocates a string per message.
std::vector<double> citation_pagerank(const Dataset& d) {
  const std::size_t na = d.accounts();
  std::vector<double> rank(na, 0.0);
  if (na == 0) return rank;
  std::vector<std::string> handles(na);
  for (std::size_t a = 0; a < na; ++a) handle_key(d.account_handle[a], handles[a]);
  // The first account of each key, as emplace keeps it.
  PlatformKeyMap by_id, by_handle;
  for (std::size_t a = 0; a < na; ++a) {
    auto idx = static_cast<std::uint32_t>(a);
    by_id.emplace(PlatformKey{d.account_platform[a], d.account_id[a]}, idx);
    if (!d.account_handle[a].empty())
      by_handle.emplace(PlatformKey{d.account_platform[a], handles[a]}, idx);
  }
  // Messages with an account by (hash of platform and message id, message): a flat sorted
  // array, since a node per message was most of this function's time. A key's first message
  // is the first in message order among those whose key matches.
  auto key_hash = [](std::string_view platform, std::string_view key) {
    return XXH3_64bits_withSeed(key.data(), key.size(),
                                XXH3_64bits(platform.data(), platform.size()));
  };
  std::vector<std::pair<std::uint64_t, std::uint32_t>> by_msg;
  for (std::size_t m = 0; m < d.messages(); ++m)
    if (d.msg_account[m] != kNoAccount) by_msg.emplace_back(0, static_cast<std::uint32_t>(m));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, by_msg.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i < r.end(); ++i) {
                        const std::uint32_t m = by_msg[i].second;
                        by_msg[i].first = key_hash(d.msg_platform[m], d.msg_message_id[m]);
                      }
                    });
  // Distinct pairs: one order on any thread count.
  tbb::parallel_sort(by_msg.begin(), by_msg.end());
  auto account_of_message = [&](std::string_view platform, std::string_view key) {
    const std::uint64_t h = key_hash(platform, key);
    auto it = std::lower_bound(by_msg.begin(), by_msg.end(),
                               std::pair<std::uint64_t, std::uint32_t>{h, 0});
    for (; it != by_msg.end() && it->first == h; ++it)
      if (d.msg_platform[it->second] == platform && d.msg_message_id[it->second] == key)
        return d.msg_account[it->second];
    return kNoAccount;
  };
  // Every citation (from, to) once per act, then counted: in (from, to) order, the graph's.
  // Found in parallel over the messages; sorting them makes the order they were found in
  // irrelevant.
  using Cite = std::pair<std::uint32_t, std::uint32_t>;
  tbb::enumerable_thread_specific<std::vector<Cite>> found;
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, d.messages(), 4096),
      [&](const tbb::blocked_range<std::size_t>& r) {
        std::vector<Cite>& cites = found.local();
        std::string handle;
        for (std::size_t m = r.begin(); m < r.end(); ++m) {
          std::uint32_t from = d.msg_account[m];
          if (from == kNoAccount) continue;
          const std::string_view plat = d.msg_platform[m];
          std::string_view sh = d.msg_shares[m];
          if (!sh.empty()) {
            std::uint32_t to = account_of_message(plat, sh);
            if (to == kNoAccount) {
              std::string_view src = sh.substr(0, sh.find_first_of("/@"));
              auto jt = by_id.find(PlatformKey{plat, src});
              if (jt != by_id.end()) {
                to = jt->second;
              } else {
                handle_key(src, handle);
                if ((jt = by_handle.find(PlatformKey{plat, handle})) != by_handle.end())
                  to = jt->second;
              }
            }
            if (to != kNoAccount && to != from) cites.emplace_back(from, to);
          }
          for (std::size_t k = 0; k < d.msg_mentions.count(m); ++k) {
            handle_key(d.msg_mentions.item(m, k), handle);
            auto jt = by_handle.find(PlatformKey{plat, handle});
            if (jt != by_handle.end() && jt->second != from) cites.emplace_back(from, jt->second);
          }
        }
      });
  std::vector<Cite> cites;
  for (const std::vector<Cite>& part : found) cites.insert(cites.end(), part.begin(), part.end());
  tbb::parallel_sort(cites.begin(), cites.end());
  std::vector<std::pair<std::pair<std::uint32_t, std::uint32_t>, double>> edges;
  for (const auto& c : cites)
    if (!edges.empty() && edges.back().first == c)
      edges.back().second += 1;
    else
      edges.emplace_back(c, 1.0);
  if (edges.empty()) return rank;
  // Only accounts that cite or are cited take part, so the index is a share of the citation
  // network, not diluted by every silent account.
  std::vector<std::int64_t> node_of(na, -1);
  std::vector<std::uint32_t> account_of_node;
  for (const auto& [e, weight] : edges)
    for (std::uint32_t a : {e.first, e.second})
      if (node_of[a] < 0) {
        node_of[a] = 0;
      }
  for (std::size_t a = 0; a < na; ++a)
    if (node_of[a] == 0) {
      node_of[a] = static_cast<std::int64_t>(account_of_node.size());
      account_of_node.push_back(static_cast<std::uint32_t>(a));
    }
  igraph_vector_int_t ev;
  igraph_vector_t w, res;
  igraph_vector_int_init(&ev, static_cast<igraph_integer_t>(edges.size() * 2));
  igraph_vector_init(&w, static_cast<igraph_integer_t>(edges.size()));
  igraph_vector_init(&res, 0);
  igraph_integer_t i = 0;
  for (const auto& [e, weight] : edges) {
    VECTOR(ev)[2 * i] = node_of[e.first];
    VECTOR(ev)[2 * i + 1] = node_of[e.second];
    VECTOR(w)[i] = weight;
    ++i;
  }
  igraph_t g;
  igraph_real_t value = 0;
  const auto nodes = static_cast<igraph_integer_t>(account_of_node.size());
  if (igraph_create(&g, &ev, nodes, IGRAPH_DIRECTED) == IGRAPH_SUCCESS) {
    const OneOpenMpThread one_thread;
    if (igraph_pagerank(&g, IGRAPH_PAGERANK_ALGO_PRPACK, &res, &value, igraph_vss_all(), 1, 0.85,
                        &w, nullptr) == IGRAPH_SUCCESS)
      for (igraph_integer_t v = 0; v < nodes; ++v)
        rank[account_of_node[static_cast<std::size_t>(v)]] = VECTOR(res)[v] * 100;
    igraph_destroy(&g);
  }
  igraph_vector_destroy(&res);
  igraph_vector_destroy(&w);
  igraph_vector_int_destroy(&ev);
  return rank;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  if (v == std::round(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.6g}", v);
}

}  // namespace

ClusterAssignment make_cluster_assignment(std::string label,
                                          std::span<const std::uint32_t> account_cluster,
                                          std::span<const double> cluster_p_values, double alpha,
                                          std::span<const ClusterTreatment> treatment) {
  ClusterAssignment a;
  a.label = std::move(label);
  a.cluster_of_account.resize(account_cluster.size(), -1);
  std::uint32_t max_id = 0;
  for (std::size_t i = 0; i < account_cluster.size(); ++i) {
    // detection numbers clusters 1..K with 0 = none; here cluster k-1 is detection's k.
    if (account_cluster[i] > 0) {
      a.cluster_of_account[i] = static_cast<std::int32_t>(account_cluster[i] - 1);
      max_id = std::max(max_id, account_cluster[i]);
    }
  }
  a.significant.assign(max_id, 1);
  for (std::size_t c = 0; c < max_id && c < cluster_p_values.size(); ++c) {
    double p = cluster_p_values[c];
    a.significant[c] = (p != p || p < alpha) ? 1 : 0;
  }
  a.treatment.assign(max_id, ClusterTreatment::kOneVoice);
  for (std::size_t c = 0; c < max_id && c < treatment.size(); ++c) a.treatment[c] = treatment[c];
  return a;
}

namespace {

Status check_estimate_inputs(const EstimateInputs& in, const EstimateOptions& opt) {
  if (!in.data || !in.actors) return Status::InvalidArgument("estimate_support: no data or actors");
  if (opt.bootstrap_replicates < 0) return Status::InvalidArgument("bootstrap_replicates < 0");
  if (!(opt.ci_level > 0 && opt.ci_level < 1))
    return Status::InvalidArgument("ci_level not in (0,1)");
  if (!(opt.interval_threshold_step >= 0))
    return Status::InvalidArgument("interval_threshold_step < 0");
  for (const std::string& p : opt.periods)
    if (p != "all" && p != "day" && p != "week" && p != "month")
      return Status::InvalidArgument("unknown period '" + p + "' (all, day, week, month)");
  const std::size_t na = in.data->accounts();
  if (!in.score.empty() && in.score.size() != na)
    return Status::InvalidArgument("scores: one per account expected");
  for (const auto& s : in.scenarios)
    if (!s.cluster_of_account.empty() && s.cluster_of_account.size() != na)
      return Status::InvalidArgument("cluster assignment '" + s.label +
                                     "': one entry per account expected");
  return Status::Ok();
}

// What every part of an estimate reads: the data, the scenarios (the first is the main one),
// the support acts summed per (account, cell), and the cell numbering: actor k's bin b is
// cell k * nbins + b.
struct EstimateContext {
  const EstimateInputs& in;
  const EstimateOptions& opt;
  const Dataset& d;
  const std::vector<ClusterAssignment>& scenarios;
  const Bins& bins;
  const Cells& cells;
  const std::vector<std::uint8_t>& active;  // per account: posted anything
  const std::vector<std::uint64_t>& source_mask;
  std::size_t nactors, nbins;

  std::uint32_t cell_of(std::size_t actor, std::size_t bin) const {
    return static_cast<std::uint32_t>(actor * nbins + bin);
  }
  void units(std::size_t scenario, double threshold, ClusterTreatment undetermined,
             const std::vector<std::uint8_t>& keep_cell, Units& out) const {
    build_units(cells, active, view(scenario, threshold, undetermined), keep_cell, out);
  }
  AccountView view(std::size_t scenario, double threshold, ClusterTreatment undetermined) const {
    return AccountView(scenarios[scenario], in.score, threshold, undetermined);
  }
};

// The sums of one classification's units per cell, each unit drawn `weight` times (once
// when null), on top of the supporting messages without an account.
std::vector<QVec> unit_sums(const Cells& cells, const Units& units,
                            const std::vector<std::uint32_t>* weight) {
  std::vector<QVec> sum = cells.fixed;
  for (std::size_t u = 0; u < units.count(); ++u) {
    const double w = weight ? (*weight)[u] : 1;
    if (w == 0) continue;
    for (std::uint32_t j = units.start[u]; j < units.start[u + 1]; ++j)
      for (int i = 0; i < kQ; ++i)
        sum[units.entries[j].cell][static_cast<std::size_t>(i)] +=
            w * units.entries[j].q[static_cast<std::size_t>(i)];
  }
  return sum;
}

// Raw sums: every supporter as itself, and the supporters in the main scenario's
// undetermined clusters counted as members.
std::vector<QVec> raw_sums(const Cells& cells, const ClusterAssignment& main) {
  std::vector<QVec> raw = cells.fixed;
  for (const AccountCell& e : cells.accounts)
    for (int i = 0; i < kQ; ++i)
      raw[e.cell][static_cast<std::size_t>(i)] += e.q[static_cast<std::size_t>(i)];
  for (const AccountCell& e : cells.accounts) {
    if (e.account >= main.cluster_of_account.size()) continue;
    const std::int32_t c = main.cluster_of_account[e.account];
    const auto i = static_cast<std::size_t>(c);
    if (c < 0 || i >= main.significant.size() || !main.significant[i]) continue;
    if (i < main.treatment.size() && main.treatment[i] != ClusterTreatment::kOneVoice) continue;
    raw[e.cell][kUndetermined] += e.q[kAccounts];
  }
  return raw;
}

// The reasonable classifications: every scenario × the thresholds around the chosen one ×
// how undetermined clusters count (whether one was manufactured is part of the
// classification: one voice, all members removed, or all members kept).
struct Classification {
  std::size_t scenario;
  double threshold;
  ClusterTreatment undetermined;
};
struct Classifications {
  std::vector<double> thresholds;  // ascending
  std::vector<Classification> all;
};

Classifications reasonable_classifications(std::size_t scenarios, const EstimateOptions& opt) {
  Classifications out;
  std::vector<double>& thresholds = out.thresholds;
  for (double t : {opt.score_threshold - opt.interval_threshold_step, opt.score_threshold,
                   opt.score_threshold + opt.interval_threshold_step})
    if (t >= 0 && t <= 1 && (thresholds.empty() || t > thresholds.back() + 1e-12))
      thresholds.push_back(t);
  if (thresholds.empty()) thresholds.push_back(opt.score_threshold);
  for (std::size_t s = 0; s < scenarios; ++s)
    for (double t : thresholds)
      for (ClusterTreatment u :
           {ClusterTreatment::kOneVoice, ClusterTreatment::kDiscount, ClusterTreatment::kKeep})
        out.all.push_back({s, t, u});
  return out;
}

// The replicates behind the intervals. Replicate r is classification r mod C; under
// --sample its units are also redrawn. The sums of the cells of bins [lo_, lo_ + bins_), all
// actors, are held as double (a float's 24 bits would round totals of billions of views by
// hundreds, enough to put an estimate outside its own interval):
// rep_[(r * nactors * bins_ + k * bins_ + (b - lo_)) * kQ + q]. Bins are loaded in chunks
// (chunk_bins()) so memory stays bounded for long periods and many actors.
class Replicates {
 public:
  Replicates(const EstimateContext& ctx, const std::vector<Classification>& classes)
      : ctx_(ctx),
        classes_(classes),
        count_(ctx.opt.sample ? static_cast<std::size_t>(ctx.opt.bootstrap_replicates)
                              : classes.size()),
        lo_q_((1 - ctx.opt.ci_level) / 2),
        hi_q_(1 - lo_q_) {}

  std::size_t count() const { return count_; }

  // Bins per load within the option's replicate memory (at least two).
  std::size_t chunk_bins() const {
    const std::size_t bytes_per_bin =
        std::max<std::size_t>(1, count_ * ctx_.nactors * kQ * sizeof(double));
    return std::max<std::size_t>(2, ctx_.opt.replicate_memory_bytes / bytes_per_bin);
  }

  // The replicate sums of bins [lo, hi), replacing those held.
  void load(std::size_t lo, std::size_t hi) {
    const std::size_t nactors = ctx_.nactors, nbins = ctx_.nbins, R = count_, C = classes_.size();
    lo_ = lo;
    bins_ = hi - lo;
    const std::size_t local_cells = nactors * bins_;
    rep_.assign(R * local_cells * kQ, 0.0);
    std::vector<std::uint8_t> keep;
    if (lo > 0 || hi < nbins) {
      keep.assign(nactors * nbins, 0);
      for (std::size_t k = 0; k < nactors; ++k)
        for (std::size_t b = lo; b < hi; ++b) keep[ctx_.cell_of(k, b)] = 1;
    }
    // Each thread builds its classifications' units in buffers of its own (nothing in the
    // loop runs parallel work that could interleave another classification on this thread).
    tbb::enumerable_thread_specific<Units> buffers;
    tbb::parallel_for(std::size_t{0}, std::min(C, R), [&](std::size_t c) {
      const Classification& cl = classes_[c];
      Units& units = buffers.local();
      ctx_.units(cl.scenario, cl.threshold, cl.undetermined, keep, units);
      const std::size_t U = units.count();
      std::vector<std::uint32_t> weight(U);
      for (std::size_t r = c; r < R; r += C) {
        const std::vector<std::uint32_t>* w = nullptr;
        if (ctx_.opt.sample) {
          // Each replicate has its own stream: the same draws for any number of threads.
          std::mt19937_64 rng(mix64(ctx_.opt.seed ^ mix64(r + 1)));
          std::fill(weight.begin(), weight.end(), 0);
          for (std::size_t i = 0; i < U; ++i) {
            // Lemire's multiply-shift: the same draw on every standard library.
            auto x = static_cast<Uint128>(rng()) * U;
            ++weight[static_cast<std::size_t>(x >> 64)];
          }
          w = &weight;
        }
        const std::vector<QVec> sum = unit_sums(ctx_.cells, units, w);
        for (std::size_t k = 0; k < nactors; ++k)
          for (std::size_t b = 0; b < bins_; ++b)
            for (int i = 0; i < kQ; ++i)
              rep_[(r * local_cells + k * bins_ + b) * kQ + static_cast<std::size_t>(i)] =
                  sum[ctx_.cell_of(k, lo + b)][static_cast<std::size_t>(i)];
      }
    });
  }

  // Interval of a derived statistic f(get) over the replicates, where get(cell, q) is a
  // replicate's sum of quantity q in a cell of the loaded bins: without --sample the lowest
  // and the highest value over the reasonable classifications (so it holds the estimate and
  // spans no more than the classifications disagree), with --sample the ci_level quantiles
  // of the bootstrap replicates. Replicates where f is undefined (NaN) are left out.
  template <class F>
  std::pair<double, double> interval(F&& f) {
    if (count_ == 0) return {kNaN, kNaN};
    scratch_.clear();
    for (std::size_t r = 0; r < count_; ++r) {
      double v = f([&](std::size_t cell, int q) {
        std::size_t k = cell / ctx_.nbins, b = cell % ctx_.nbins;
        assert(b >= lo_ && b < lo_ + bins_);
        std::size_t lc = r * ctx_.nactors * bins_ + k * bins_ + (b - lo_);
        return rep_[lc * kQ + static_cast<std::size_t>(q)];
      });
      if (v == v) scratch_.push_back(v);
    }
    if (scratch_.empty()) return {kNaN, kNaN};
    std::sort(scratch_.begin(), scratch_.end());
    if (!ctx_.opt.sample) return {scratch_.front(), scratch_.back()};
    return {quantile(scratch_, lo_q_), quantile(scratch_, hi_q_)};
  }

 private:
  const EstimateContext& ctx_;
  const std::vector<Classification>& classes_;
  const std::size_t count_;
  const double lo_q_, hi_q_;
  std::vector<double> rep_;
  std::size_t lo_ = 0, bins_ = 0;
  std::vector<double> scratch_;
};

// Figures of the actors' sources (subscribers, citation, ERR), which are not adjusted.
struct SourceFigures {
  std::vector<double> subscribers, citation;  // per actor
  std::vector<std::uint8_t> has_subscribers;  // per actor
  std::vector<double> err_num, err_den;       // per cell
};

SourceFigures source_figures(const EstimateContext& ctx,
                             const std::vector<double>& citation_index) {
  const Dataset& d = ctx.d;
  const std::size_t na = d.accounts(), nm = d.messages(), nactors = ctx.nactors;
  const std::vector<std::uint64_t>& source_mask = ctx.source_mask;
  // Per (actor, bin, source account): views of the source's own posts and posts with views.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<double, double>>
      source_views;  // (cell, acct)
  std::vector<std::uint32_t> msg_bins;
  for (std::size_t m = 0; m < nm; ++m) {
    std::uint32_t a = d.msg_account[m];
    if (a == kNoAccount || source_mask[a] == 0 || d.msg_views[m] < 0) continue;
    ctx.bins.of(d.msg_time[m], msg_bins);
    for (std::size_t k = 0; k < nactors; ++k) {
      if (!(source_mask[a] >> k & 1)) continue;
      for (std::uint32_t b : msg_bins) {
        auto& [views, posts] = source_views[{ctx.cell_of(k, b), a}];
        views += static_cast<double>(d.msg_views[m]);
        posts += 1;
      }
    }
  }
  SourceFigures out;
  out.subscribers.assign(nactors, 0);
  out.citation.assign(nactors, 0);
  out.has_subscribers.assign(nactors, 0);
  for (std::size_t a = 0; a < na; ++a)
    for (std::size_t k = 0; k < nactors; ++k)
      if (source_mask[a] >> k & 1) {
        out.citation[k] += citation_index[a];
        if (d.account_followers[a] >= 0) {
          out.subscribers[k] += static_cast<double>(d.account_followers[a]);
          out.has_subscribers[k] = 1;
        }
      }
  out.err_num.assign(nactors * ctx.nbins, 0);
  out.err_den.assign(nactors * ctx.nbins, 0);
  for (const auto& [key, v] : source_views) {
    std::int64_t f = d.account_followers[key.second];
    if (f <= 0) continue;
    out.err_num[key.first] += v.first / v.second;
    out.err_den[key.first] += static_cast<double>(f);
  }
  return out;
}

// support.csv's rows of bins [b0, b1) (loaded in `reps`, with the bin before b0 when growth
// needs it), every actor.
void add_support_rows(const EstimateContext& ctx, const std::vector<QVec>& raw,
                      const std::vector<QVec>& adj, const SourceFigures& sources, Replicates& reps,
                      std::size_t b0, std::size_t b1, Estimate& est) {
  static constexpr std::pair<const char*, int> kAdditive[] = {
      {"accounts", kAccounts},
      {"accounts_sources", kSources},
      {"accounts_own_words", kOwnWords},
      {"accounts_reposts_only", kRepostsOnly},
      {"accounts_undetermined", kUndetermined},
      {"messages", kMessages},
      {"views", kViews},
      {"forwards", kForwards},
      {"reactions", kReactions},
      {"replies", kReplies},
      {"engagement", kEngagement}};
  const std::size_t nactors = ctx.nactors;
  const Bins& bins = ctx.bins;
  auto cell_of = [&](std::size_t actor, std::size_t bin) { return ctx.cell_of(actor, bin); };
  auto interval = [&](auto&& f) { return reps.interval(f); };
  auto add_row = [&](std::size_t k, std::size_t b, std::string metric, double raw_v, double adj_v,
                     std::pair<double, double> ci) {
    est.rows.push_back({ctx.in.actors->actors[k].name, bins.bins[b].label, std::move(metric), raw_v,
                        adj_v, ci.first, ci.second});
  };
  const std::pair<double, double> no_ci{kNaN, kNaN};
  // The lambdas below copy `q` (q = q): clang 14, which builds the sanitizer and fuzzing
  // build, cannot capture a structured binding by reference.
  for (std::size_t k = 0; k < nactors; ++k) {
    for (std::size_t b = b0; b < b1; ++b) {
      const std::size_t cell = cell_of(k, b);
      for (auto [name, q] : kAdditive)
        add_row(k, b, name, raw[cell][static_cast<std::size_t>(q)],
                adj[cell][static_cast<std::size_t>(q)],
                interval([&, q = q](auto get) { return get(cell, q); }));
      add_row(k, b, "er", ratio_pct(raw[cell][kEngagementViewed], raw[cell][kViews]),
              ratio_pct(adj[cell][kEngagementViewed], adj[cell][kViews]), interval([&](auto get) {
                return ratio_pct(get(cell, kEngagementViewed), get(cell, kViews));
              }));
      for (auto [name, q] :
           {std::pair{"sov_accounts", int{kAccounts}}, std::pair{"sov_messages", int{kMessages}},
            std::pair{"sov_engagement", int{kEngagement}}}) {
        double raw_total = 0, adj_total = 0;
        for (std::size_t j = 0; j < nactors; ++j) {
          raw_total += raw[cell_of(j, b)][static_cast<std::size_t>(q)];
          adj_total += adj[cell_of(j, b)][static_cast<std::size_t>(q)];
        }
        add_row(k, b, name, ratio_pct(raw[cell][static_cast<std::size_t>(q)], raw_total),
                ratio_pct(adj[cell][static_cast<std::size_t>(q)], adj_total),
                interval([&, q = q](auto get) {
                  double total = 0;
                  for (std::size_t j = 0; j < nactors; ++j) total += get(cell_of(j, b), q);
                  return ratio_pct(get(cell, q), total);
                }));
      }
      if (sources.has_subscribers[k])
        add_row(k, b, "subscribers", sources.subscribers[k], kNaN, no_ci);
      if (sources.err_den[cell] > 0)
        add_row(k, b, "err", ratio_pct(sources.err_num[cell], sources.err_den[cell]), kNaN, no_ci);
      if (bins.bins[b].period == "all") {
        add_row(k, b, "citation_index", sources.citation[k], kNaN, no_ci);
      } else if (b > 0 && bins.bins[b - 1].period == bins.bins[b].period) {
        const std::size_t prev = cell_of(k, b - 1);
        for (auto [name, q] : {std::pair{"accounts_growth_pct", int{kAccounts}},
                               std::pair{"messages_growth_pct", int{kMessages}}}) {
          auto growth = [](double now, double before) {
            return before > 0 ? (now - before) / before * 100 : kNaN;
          };
          add_row(k, b, name,
                  growth(raw[cell][static_cast<std::size_t>(q)],
                         raw[prev][static_cast<std::size_t>(q)]),
                  growth(adj[cell][static_cast<std::size_t>(q)],
                         adj[prev][static_cast<std::size_t>(q)]),
                  interval([&, q = q](auto get) { return growth(get(cell, q), get(prev, q)); }));
        }
      }
    }
  }
}

// The headline of every actor: period "all", which `reps` holds.
void add_headlines(const EstimateContext& ctx, const std::vector<QVec>& raw,
                   const std::vector<QVec>& adj, Replicates& reps, Estimate& est) {
  for (std::size_t k = 0; k < ctx.nactors; ++k) {
    ActorHeadline h;
    h.name = ctx.in.actors->actors[k].name;
    const std::size_t cell = ctx.cell_of(k, static_cast<std::size_t>(ctx.bins.all));
    h.raw_accounts = raw[cell][kAccounts];
    h.raw_messages = raw[cell][kMessages];
    h.raw_views = raw[cell][kViews];
    h.raw_engagement = raw[cell][kEngagement];
    h.raw_forwards = raw[cell][kForwards];
    h.raw_reactions = raw[cell][kReactions];
    h.raw_replies = raw[cell][kReplies];
    h.raw_sources = raw[cell][kSources];
    h.raw_own_words = raw[cell][kOwnWords];
    h.raw_reposts_only = raw[cell][kRepostsOnly];
    auto fill = [&](ActorHeadline::Interval& iv, int q) {
      iv.value = adj[cell][static_cast<std::size_t>(q)];
      std::tie(iv.ci_low, iv.ci_high) = reps.interval([&](auto get) { return get(cell, q); });
    };
    fill(h.accounts, kAccounts);
    fill(h.messages, kMessages);
    fill(h.engagement, kEngagement);
    fill(h.views, kViews);
    fill(h.forwards, kForwards);
    fill(h.reactions, kReactions);
    fill(h.replies, kReplies);
    fill(h.sources, kSources);
    fill(h.own_words, kOwnWords);
    fill(h.reposts_only, kRepostsOnly);
    h.undetermined_members = raw[cell][kUndetermined];
    h.undetermined_voices = adj[cell][kUndetermined];
    est.headline.push_back(h);
  }
}

// Sensitivity: every scenario × every score threshold, period "all"; then the other
// supporter definition and the other treatments of undetermined clusters under the main
// scenario. Needs the "all" period.
std::vector<SensitivityRow> sensitivity_rows(const EstimateContext& ctx) {
  const EstimateOptions& opt = ctx.opt;
  const std::size_t all = static_cast<std::size_t>(ctx.bins.all);
  std::vector<std::uint8_t> keep(ctx.nactors * ctx.nbins, 0);
  for (std::size_t k = 0; k < ctx.nactors; ++k) keep[ctx.cell_of(k, all)] = 1;
  const std::string other_label =
      std::string("supporters=") +
      std::string(to_string(opt.supporters == SupporterDefinition::kVisible
                                ? SupporterDefinition::kOwnWords
                                : SupporterDefinition::kVisible));
  // Rows: (label, scenario, undetermined treatment, accounts under the other definition).
  struct Row {
    std::string label;
    std::size_t scenario;
    ClusterTreatment undetermined;
    bool other_definition;
  };
  std::vector<Row> rows;
  for (std::size_t s = 0; s < ctx.scenarios.size(); ++s)
    rows.push_back({ctx.scenarios[s].label, s, ClusterTreatment::kOneVoice, false});
  rows.push_back({other_label, 0, ClusterTreatment::kOneVoice, true});
  rows.push_back({"undetermined=removed", 0, ClusterTreatment::kDiscount, false});
  rows.push_back({"undetermined=kept", 0, ClusterTreatment::kKeep, false});
  std::vector<SensitivityRow> out;
  Units units;
  for (const Row& row : rows) {
    for (double thr : opt.sensitivity_thresholds) {
      ctx.units(row.scenario, thr, row.undetermined, keep, units);
      const std::vector<QVec> sum = unit_sums(ctx.cells, units, nullptr);
      for (std::size_t k = 0; k < ctx.nactors; ++k) {
        const QVec& v = sum[ctx.cell_of(k, all)];
        out.push_back({ctx.in.actors->actors[k].name, row.label, thr,
                       row.other_definition ? v[kAccountsOther] : v[kAccounts], v[kMessages],
                       v[kEngagement]});
      }
    }
  }
  return out;
}

// The accounts behind each actor's heavy-tailed totals (period "all"). Each classification
// weighs an account's contribution as build_units() counts it: 1 as itself, 0 when
// discounted, 1/n when it is one of the n counted supporters of an undetermined cluster in
// that cell (the cluster's voice is their average). The lowest and highest weight over the
// reasonable classifications bound what the account adds to the adjusted total.
std::vector<TotalDrivers> total_drivers(const EstimateContext& ctx, const std::vector<QVec>& raw,
                                        const std::vector<Classification>& classes) {
  const std::size_t all = static_cast<std::size_t>(ctx.bins.all), nactors = ctx.nactors;
  const std::vector<AccountCell>& cells = ctx.cells.accounts;
  std::vector<std::uint32_t> entries;  // indices into `cells` of the "all" bin, all actors
  for (std::size_t i = 0; i < cells.size(); ++i)
    if (cells[i].cell % ctx.nbins == all) entries.push_back(static_cast<std::uint32_t>(i));
  std::vector<double> w_main(entries.size()), w_low(entries.size(), INFINITY),
      w_high(entries.size(), -INFINITY);
  std::vector<std::uint32_t> members;  // per (cluster, actor): counted supporters
  auto weigh = [&](const AccountView& view, std::size_t clusters, auto&& take) {
    members.assign(clusters * nactors, 0);
    auto slot = [&](std::int32_t c, const AccountCell& e) {
      return static_cast<std::size_t>(c) * nactors + e.cell / ctx.nbins;
    };
    for (std::uint32_t i : entries) {
      const AccountCell& e = cells[i];
      const std::int32_t c = view.cluster_of(e.account);
      if (c >= 0 && !view.discounted(e.account)) ++members[slot(c, e)];
    }
    for (std::size_t j = 0; j < entries.size(); ++j) {
      const AccountCell& e = cells[entries[j]];
      const std::int32_t c = view.cluster_of(e.account);
      take(j, view.discounted(e.account) ? 0.0 : c < 0 ? 1.0 : 1.0 / members[slot(c, e)]);
    }
  };
  auto clusters_of = [&](std::size_t scenario) {
    return ctx.scenarios[scenario].significant.size();
  };
  weigh(ctx.view(0, ctx.opt.score_threshold, ClusterTreatment::kOneVoice), clusters_of(0),
        [&](std::size_t j, double w) { w_main[j] = w; });
  for (const Classification& cl : classes)
    weigh(ctx.view(cl.scenario, cl.threshold, cl.undetermined), clusters_of(cl.scenario),
          [&](std::size_t j, double w) {
            w_low[j] = std::min(w_low[j], w);
            w_high[j] = std::max(w_high[j], w);
          });

  std::vector<TotalDrivers> out;
  const std::size_t top_n = static_cast<std::size_t>(std::max(0, ctx.opt.top_contributors));
  std::vector<Contributor> candidates;
  for (std::size_t k = 0; k < nactors; ++k) {
    const std::uint32_t cell = ctx.cell_of(k, all);
    for (std::size_t m = 0; m < std::size(kDriverMetrics); ++m) {
      const int q = m == 0 ? kViews : m == 1 ? kReactions : kEngagement;
      TotalDrivers d;
      d.actor = ctx.in.actors->actors[k].name;
      d.metric = kDriverMetrics[m];
      d.raw = raw[cell][static_cast<std::size_t>(q)];
      auto share = [&](double v) { return d.raw > 0 ? v / d.raw * 100 : 0.0; };
      candidates.clear();
      double uncertain = 0;
      for (std::size_t j = 0; j < entries.size(); ++j) {
        const AccountCell& e = cells[entries[j]];
        const double v = e.q[static_cast<std::size_t>(q)];
        if (e.cell != cell || v <= 0) continue;
        candidates.push_back({e.account, v, share(v), w_main[j] * v, w_low[j] * v, w_high[j] * v});
        if (w_low[j] != w_high[j]) {
          ++d.uncertain_accounts;
          uncertain += v;
        }
      }
      d.uncertain_share_pct = share(uncertain);
      const std::size_t n = std::min(top_n, candidates.size());
      std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                        candidates.end(), [](const Contributor& x, const Contributor& y) {
                          return x.raw != y.raw ? x.raw > y.raw : x.account < y.account;
                        });
      d.top.assign(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n));
      for (const Contributor& c : d.top) d.top_share_pct += c.share_pct;
      out.push_back(std::move(d));
    }
  }
  return out;
}

// The report's plain-language account of what the figures assume.
std::vector<std::string> assumptions(const EstimateOptions& opt, const ClusterAssignment& main,
                                     std::size_t replicates,
                                     const Classifications& classifications) {
  const std::size_t R = replicates, C = classifications.all.size();
  const std::vector<double>& thresholds = classifications.thresholds;
  std::size_t inauthentic_clusters = 0, undetermined_clusters = 0;
  for (std::size_t c = 0; c < main.significant.size(); ++c) {
    if (!main.significant[c]) continue;
    const ClusterTreatment t =
        c < main.treatment.size() ? main.treatment[c] : ClusterTreatment::kOneVoice;
    inauthentic_clusters += t == ClusterTreatment::kDiscount;
    undetermined_clusters += t == ClusterTreatment::kOneVoice;
  }
  return {
      opt.supporters == SupporterDefinition::kVisible
          ? "An account counts as a supporter of an actor in a period when it is one of the "
            "actor's own accounts or channels, wrote its own words with one of the actor's "
            "hashtags, words, phrases or patterns (and none of its opposition markers), or "
            "re-posted (retweeted or forwarded) a post by the actor or with its markers — and "
            "expressed more support than opposition for the actor in that period. Supporters "
            "are broken down by route: the actor's own accounts, own words, re-posts only."
          : "An account counts as a supporter of an actor in a period when it is one of the "
            "actor's own accounts or channels, or wrote its own words with one of the actor's "
            "hashtags, words, phrases or patterns (and none of its opposition markers) more "
            "often than it wrote against the actor; re-posts are not counted (--supporters "
            "own-words).",
      "A message counts as support when it comes from one of the actor's own accounts or "
      "channels, uses the actor's markers and none of its opposition markers, or re-posts such "
      "a message. Supporters are who posted visibly; nothing in an export shows what a person "
      "believes.",
      "Raw figures are what the platform shows: every supporter, every supporting message, and "
      "the views, forwards, reactions and replies reported for them.",
      fmt::format("Adjusted figures discount what is judged manufactured: accounts in the {} "
                  "significant coordinated cluster{} judged inauthentic, and accounts whose own "
                  "inauthenticity score is above {:g}. Members of clusters judged organic (a "
                  "crowd responding to the same posts, or a few ordinary accounts whose "
                  "co-actions chance explains) count as themselves; each of the {} "
                  "cluster{} whose verdict is undetermined counts as one voice, with the messages "
                  "and engagement of its average member.",
                  inauthentic_clusters, inauthentic_clusters == 1 ? "" : "s", opt.score_threshold,
                  undetermined_clusters, undetermined_clusters == 1 ? "" : "s"),
      opt.sample
          ? fmt::format(
                "The data is taken as a sample of a platform (--sample): ranges are {:g}% "
                "intervals over {} replicates that each take one of the {} reasonable "
                "classifications (detection at neighbouring settings, score thresholds {:g} to "
                "{:g}, undetermined clusters as one voice, as nothing or as all their members) "
                "and redraw the accounts with replacement (seed {}). They assume the accounts in "
                "the export are a simple random sample of the platform's accounts, each "
                "coordinated cluster in it whole or not at all and every message of a sampled "
                "account included; they say how much a figure varies from one such sample to "
                "another, not the platform's total (which would need the sampling fraction). A "
                "stream sampled by message, or a search that selects on the markers, is not "
                "such a sample, and the ranges are then too narrow.",
                opt.ci_level * 100, R, C, thresholds.front(), thresholds.back(), opt.seed)
          : fmt::format(
                "The export is taken as the whole population: every figure describes the "
                "accounts and messages in these files, not the platform beyond them. Raw "
                "figures are exact; the range of an adjusted figure is its lowest and highest "
                "value over the {} reasonable classifications of the accounts (detection at "
                "neighbouring settings, score thresholds {:g} to {:g}, undetermined clusters as "
                "one voice, as nothing or as all their members), so it never spans more than "
                "the most and the least inclusive of them differ. It does not cover a campaign "
                "that no setting detects. For data that is a sample of a platform, run with "
                "--sample.",
                C, thresholds.front(), thresholds.back()),
      "The sensitivity table shows how the adjusted figures move when the score threshold, the "
      "coordination settings and the supporter definition change; a figure that moves a lot "
      "rests on those choices.",
      "Views of a Telegram channel post include views of its forwarded copies, and the data "
      "cannot tell a bought subscriber from a real one except through a very low view rate "
      "(ERR).",
  };
}

}  // namespace

Result<Estimate> estimate_support(const EstimateInputs& in, const EstimateOptions& opt) {
  GS_RETURN_IF_ERROR(check_estimate_inputs(in, opt));
  const Dataset& d = *in.data;
  const std::size_t na = d.accounts(), nm = d.messages(), nactors = in.actors->actors.size();
  std::vector<ClusterAssignment> scenarios = in.scenarios;
  if (scenarios.empty()) scenarios.push_back(ClusterAssignment{});

  Result<ActorMatcher> matcher = ActorMatcher::create(*in.actors, d);
  if (!matcher.ok()) return matcher.status();
  const std::vector<MessageStance> stance = matcher->stances(d);
  const Bins bins(d, opt.periods);
  const Cells cells =
      account_cells(d, stance, matcher->source_masks(), bins, nactors, opt.supporters);
  std::vector<std::uint8_t> active(na, 0);
  for (std::size_t m = 0; m < nm; ++m)
    if (d.msg_account[m] != kNoAccount) active[d.msg_account[m]] = 1;
  const EstimateContext ctx{
      in, opt, d, scenarios, bins, cells, active, matcher->source_masks(), nactors, bins.size()};

  // Raw sums, and the adjusted sums of the main classification.
  const std::vector<QVec> raw = raw_sums(cells, scenarios[0]);
  const std::vector<std::uint8_t> all_cells;
  const std::vector<QVec> adj = [&] {
    Units units;
    ctx.units(0, opt.score_threshold, ClusterTreatment::kOneVoice, all_cells, units);
    return unit_sums(cells, units, nullptr);
  }();
  const Classifications classifications = reasonable_classifications(scenarios.size(), opt);
  Replicates reps(ctx, classifications.all);

  Estimate est;
  est.citation_index = citation_pagerank(d);
  est.replicates = static_cast<int>(reps.count());
  est.sample = opt.sample;
  est.ci_level = opt.ci_level;
  est.seed = opt.seed;
  est.score_threshold = opt.score_threshold;
  est.supporters = opt.supporters;
  const SourceFigures sources = source_figures(ctx, est.citation_index);

  // support.csv's rows and the headline, a chunk of bins at a time.
  const std::size_t chunk_bins = reps.chunk_bins(), nbins = bins.size();
  for (std::size_t c0 = 0; c0 < nbins; c0 += chunk_bins - 1) {
    const std::size_t c1 = std::min(nbins, c0 + chunk_bins - 1);
    reps.load(c0 > 0 ? c0 - 1 : 0, c1);  // the bin before: growth needs it
    add_support_rows(ctx, raw, adj, sources, reps, c0, c1, est);
    if (bins.all >= static_cast<std::int64_t>(c0) && bins.all < static_cast<std::int64_t>(c1))
      add_headlines(ctx, raw, adj, reps, est);
  }
  if (est.headline.empty())  // no "all" period requested: names only
    for (const Actor& a : in.actors->actors) est.headline.push_back({.name = a.name});
  std::sort(est.rows.begin(), est.rows.end(), [](const SupportRow& x, const SupportRow& y) {
    if (x.actor != y.actor) return x.actor < y.actor;
    if (x.period != y.period) return x.period < y.period;
    return x.metric < y.metric;
  });

  if (bins.all >= 0) {
    est.sensitivity = sensitivity_rows(ctx);
    est.drivers = total_drivers(ctx, raw, classifications.all);
  }
  est.assumptions = assumptions(opt, scenarios[0], reps.count(), classifications);
  for (const ClusterAssignment& c : scenarios) est.scenarios.push_back(c.label);
  return est;
}

std::string_view to_string(SupporterDefinition d) {
  return d == SupporterDefinition::kOwnWords ? "own-words" : "visible";
}

Result<SupporterDefinition> parse_supporter_definition(std::string_view name) {
  if (name == "visible") return SupporterDefinition::kVisible;
  if (name == "own-words") return SupporterDefinition::kOwnWords;
  return Status::InvalidArgument("supporters: unknown definition '" + std::string(name) +
                                 "' (visible, own-words)");
}

Status write_support_csv(const Estimate& e, const std::filesystem::path& path) {
  std::string out = "actor,period,metric,raw,adjusted,ci_low,ci_high\r\n";
  for (const SupportRow& r : e.rows)
    out += csv_field(r.actor) + ',' + csv_field(r.period) + ',' + csv_field(r.metric) + ',' +
           csv_number(r.raw) + ',' + csv_number(r.adjusted) + ',' + csv_number(r.ci_low) + ',' +
           csv_number(r.ci_high) + "\r\n";
  return write_output_file(path, out);
}

Status write_sensitivity_csv(const Estimate& e, const std::filesystem::path& path) {
  std::string out = "actor,scenario,score_threshold,accounts,messages,engagement\r\n";
  for (const SensitivityRow& r : e.sensitivity)
    out += csv_field(r.actor) + ',' + csv_field(r.scenario) + ',' + csv_number(r.score_threshold) +
           ',' + csv_number(r.accounts) + ',' + csv_number(r.messages) + ',' +
           csv_number(r.engagement) + "\r\n";
  return write_output_file(path, out);
}

Status write_contributors_csv(const Estimate& e, const Dataset& data,
                              const std::filesystem::path& path) {
  std::string out =
      "actor,metric,rank,platform,account_id,handle,raw,share_pct,adjusted,adjusted_low,"
      "adjusted_high\r\n";
  for (const TotalDrivers& d : e.drivers)
    for (std::size_t i = 0; i < d.top.size(); ++i) {
      const Contributor& c = d.top[i];
      if (c.account >= data.accounts())
        return Status::InvalidArgument("contributors: an account outside the dataset");
      out += csv_field(d.actor) + ',' + csv_field(d.metric) + ',' + std::to_string(i + 1) + ',' +
             csv_field(data.account_platform[c.account]) + ',' +
             csv_field(data.account_id[c.account]) + ',' +
             csv_field(data.account_handle[c.account]) + ',' + csv_number(c.raw) + ',' +
             csv_number(c.share_pct) + ',' + csv_number(c.adjusted) + ',' +
             csv_number(c.adjusted_low) + ',' + csv_number(c.adjusted_high) + "\r\n";
    }
  return write_output_file(path, out);
}

Status write_estimate_outputs(const Estimate& e, const std::filesystem::path& out_dir,
                              const Dataset* data) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::IoError("cannot create " + out_dir.string() + ": " + ec.message());
  GS_RETURN_IF_ERROR(write_support_csv(e, out_dir / "support.csv"));
  if (data) GS_RETURN_IF_ERROR(write_contributors_csv(e, *data, out_dir / "contributors.csv"));
  return write_sensitivity_csv(e, out_dir / "sensitivity.csv");
}

void write_actors_json(const Estimate& e, JsonWriter& w) {
  auto interval = [&](const char* name, const ActorHeadline::Interval& iv) {
    w.key(name).begin_object();
    w.key("value").value(iv.value);
    w.key("ci_low").value(iv.ci_low);
    w.key("ci_high").value(iv.ci_high);
    w.end_object();
  };
  w.begin_array();
  for (const ActorHeadline& h : e.headline) {
    w.begin_object();
    w.key("name").value(h.name);
    w.key("raw").begin_object();
    w.key("accounts").value(h.raw_accounts);
    w.key("accounts_by_route").begin_object();
    w.key("sources").value(h.raw_sources);
    w.key("own_words").value(h.raw_own_words);
    w.key("reposts_only").value(h.raw_reposts_only);
    w.end_object();
    w.key("messages").value(h.raw_messages);
    w.key("views").value(h.raw_views);
    w.key("forwards").value(h.raw_forwards);
    w.key("reactions").value(h.raw_reactions);
    w.key("replies").value(h.raw_replies);
    w.key("engagement").value(h.raw_engagement);
    w.end_object();
    w.key("adjusted").begin_object();
    interval("accounts", h.accounts);
    w.key("accounts_by_route").begin_object();
    interval("sources", h.sources);
    interval("own_words", h.own_words);
    interval("reposts_only", h.reposts_only);
    w.end_object();
    interval("messages", h.messages);
    interval("views", h.views);
    interval("forwards", h.forwards);
    interval("reactions", h.reactions);
    interval("replies", h.replies);
    interval("engagement", h.engagement);
    w.key("undetermined").begin_object();
    w.key("members").value(h.undetermined_members);
    w.key("voices").value(h.undetermined_voices);
    w.end_object();
    w.end_object();
    // What drives each heavy-tailed total (the accounts are named in contributors.csv).
    w.key("drivers").begin_object();
    for (const TotalDrivers& d : e.drivers) {
      if (d.actor != h.name) continue;
      w.key(d.metric).begin_object();
      w.key("top_accounts").value(static_cast<std::uint64_t>(d.top.size()));
      w.key("top_share_pct").value(d.top_share_pct);
      w.key("uncertain_accounts").value(d.uncertain_accounts);
      w.key("uncertain_share_pct").value(d.uncertain_share_pct);
      w.end_object();
    }
    w.end_object();
    w.end_object();
  }
  w.end_array();
}

}  // namespace groundswell
