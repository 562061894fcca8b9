// The group test of each source's re-sharers (internal.h; docs/detection.md, "The group
// test"): accounts that re-share a source's posts with the same partners post after post,
// beyond their own response times, found where no pair of them co-acts on enough posts to
// be an edge.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "detect/internal.h"

namespace groundswell::detect_internal {
namespace {

// An account's first re-share of a post whose original is in the data.
struct Reshare {
  std::uint32_t source = 0, account = 0, post = 0;  // post: the original's message
  std::uint32_t msg = 0;                            // the re-share
  TimeMs delay = 0;
  bool operator<(const Reshare& o) const {
    if (source != o.source) return source < o.source;
    if (account != o.account) return account < o.account;
    if (post != o.post) return post < o.post;
    if (delay != o.delay) return delay < o.delay;
    return msg < o.msg;
  }
};

// Every account's first re-share of each post with a known time and author (not its own),
// sorted by (source, account, post).
std::vector<Reshare> first_reshares(const Dataset& d, const MessageIndex& originals) {
  constexpr std::size_t kBlock = std::size_t{1} << 16;
  const std::size_t blocks = (d.messages() + kBlock - 1) / kBlock;
  std::vector<std::vector<Reshare>> found(blocks);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t k) {
    const std::size_t end = std::min(d.messages(), (k + 1) * kBlock);
    for (std::size_t m = k * kBlock; m < end; ++m) {
      const std::uint32_t a = d.msg_account[m];
      if (a == kNoAccount || d.msg_time[m] == kNoTime) continue;
      const std::int64_t o = originals.original_of(m);
      if (o < 0) continue;
      const auto post = static_cast<std::size_t>(o);
      const std::uint32_t source = d.msg_account[post];
      if (source == kNoAccount || source == a || d.msg_time[post] == kNoTime) continue;
      const TimeMs delay = d.msg_time[m] - d.msg_time[post];
      if (delay < 0) continue;
      found[k].push_back(Reshare{source, a, static_cast<std::uint32_t>(post),
                                 static_cast<std::uint32_t>(m), delay});
    }
  });
  std::vector<Reshare> all;
  for (auto& b : found) all.insert(all.end(), b.begin(), b.end());
  tbb::parallel_sort(all.begin(), all.end());  // a total order: any thread count
  all.erase(std::unique(all.begin(), all.end(),
                        [](const Reshare& x, const Reshare& y) {
                          return x.source == y.source && x.account == y.account && x.post == y.post;
                        }),
            all.end());
  return all;
}

// One source's re-shares, laid out for the replicates.
class SourceTest {
 public:
  SourceTest(std::span<const Reshare> reshares, TimeMs window) : window_(window) {
    const std::size_t n = reshares.size();
    std::vector<std::uint32_t> posts;
    for (const Reshare& x : reshares) posts.push_back(x.post);
    std::sort(posts.begin(), posts.end());
    posts.erase(std::unique(posts.begin(), posts.end()), posts.end());
    post_start_.assign(posts.size() + 1, 0);
    std::vector<std::uint32_t>& post_of = post_of_;
    post_of.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      post_of[i] = static_cast<std::uint32_t>(
          std::lower_bound(posts.begin(), posts.end(), reshares[i].post) - posts.begin());
      ++post_start_[post_of[i] + 1];
    }
    for (std::size_t p = 0; p < posts.size(); ++p) {
      posts_shared_twice_ += post_start_[p + 1] >= 2;
      post_start_[p + 1] += post_start_[p];
    }
    slots_.resize(n);
    std::vector<std::uint32_t> next(post_start_.begin(), post_start_.end() - 1);
    for (std::size_t i = 0; i < n; ++i) slots_[next[post_of[i]]++] = static_cast<std::uint32_t>(i);
    // Accounts: runs of the (account, post) order.
    account_of_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (i == 0 || reshares[i].account != reshares[i - 1].account) {
        account_start_.push_back(static_cast<std::uint32_t>(i));
        accounts_.push_back(reshares[i].account);
      }
      account_of_[i] = static_cast<std::uint32_t>(accounts_.size() - 1);
    }
    account_start_.push_back(static_cast<std::uint32_t>(n));
  }

  std::uint32_t posts_shared_twice() const { return posts_shared_twice_; }
  std::size_t accounts() const { return accounts_.size(); }
  std::uint32_t account(std::size_t i) const { return accounts_[i]; }
  std::uint32_t reshares_of(std::size_t i) const {
    return account_start_[i + 1] - account_start_[i];
  }
  std::uint32_t account_start(std::size_t i) const { return account_start_[i]; }
  // The posts account i re-shared (indices of the post list).
  std::span<const std::uint32_t> posts_of(std::size_t i) const {
    return {post_of_.data() + account_start_[i], account_start_[i + 1] - account_start_[i]};
  }
  std::size_t posts() const { return post_start_.size() - 1; }

  // Per account, the sum over its re-shares of the others within W of it on the same post
  // (at most kGroupCap each), given every re-share's delay; returns the total.
  // With `active`, only the posts it marks (the others' counts are left out).
  std::uint64_t statistic(std::span<const TimeMs> delay, std::vector<std::uint64_t>& per_account,
                          const std::vector<std::uint8_t>* active = nullptr) {
    per_account.assign(accounts_.size(), 0);
    std::uint64_t total = 0;
    for (std::size_t p = 0; p + 1 < post_start_.size(); ++p) {
      const std::uint32_t b = post_start_[p], e = post_start_[p + 1];
      if (e - b < 2 || (active && !(*active)[p])) continue;
      // Each re-share as its delay above its place in the post's list: one integer to sort
      // (a delay too long to pack, centuries, is held at the longest that packs).
      const std::uint32_t m = e - b;
      const std::uint32_t bits = m <= 1 ? 1 : static_cast<std::uint32_t>(std::bit_width(m - 1));
      const std::uint64_t top = (std::uint64_t{1} << (63 - bits)) - 1;
      sorted_.clear();
      for (std::uint32_t s = b; s < e; ++s) {
        const auto d = std::min(static_cast<std::uint64_t>(delay[slots_[s]]), top);
        sorted_.push_back(d << bits | (s - b));
      }
      std::sort(sorted_.begin(), sorted_.end());
      const auto when = [&](std::size_t i) { return static_cast<TimeMs>(sorted_[i] >> bits); };
      const std::uint64_t place = (std::uint64_t{1} << bits) - 1;
      for (std::size_t i = 0, lo = 0, hi = 0; i < m; ++i) {
        while (when(i) - when(lo) > window_) ++lo;
        hi = std::max(hi, i);
        while (hi + 1 < m && when(hi + 1) - when(i) <= window_) ++hi;
        const std::uint64_t c = std::min<std::uint64_t>(hi - lo, kGroupCap);
        per_account[account_of_[slots_[b + (sorted_[i] & place)]]] += c;
        total += c;
      }
    }
    return total;
  }

 private:
  TimeMs window_;
  std::uint32_t posts_shared_twice_ = 0;
  std::vector<std::uint32_t> post_start_, slots_;        // re-shares by post (CSR)
  std::vector<std::uint32_t> post_of_;                   // per re-share, its post
  std::vector<std::uint32_t> account_of_;                // per re-share, its account's index
  std::vector<std::uint32_t> account_start_, accounts_;  // accounts' runs of re-shares
  std::vector<std::uint64_t> sorted_;                    // scratch
};

std::optional<GroupTestSource> test_source(std::span<const Reshare> reshares,
                                           std::span<const std::uint64_t> account_hash,
                                           TimeMs window, int replicates, std::uint64_t seed) {
  SourceTest t(reshares, window);
  if (t.posts_shared_twice() < static_cast<std::uint32_t>(kGroupMinPosts)) return std::nullopt;
  std::vector<TimeMs> delay(reshares.size());
  for (std::size_t i = 0; i < reshares.size(); ++i) delay[i] = reshares[i].delay;
  std::vector<std::uint64_t> observed, drawn;
  const std::uint64_t total = t.statistic(delay, observed);
  GroupTestSource out;
  out.source = reshares.front().source;
  out.posts = t.posts_shared_twice();
  std::vector<std::size_t> tested;  // account indices
  for (std::size_t i = 0; i < t.accounts(); ++i)
    if (t.reshares_of(i) >= 2 && observed[i] > 0) tested.push_back(i);
  if (total == 0 || tested.empty()) return std::nullopt;
  // The source's replicates: `replicates` at most, fewer once kGroupStopAfter of them reach
  // its statistic. The re-sharers' go on to kGroupAccountReplicates, each stopping once
  // kGroupStopAfter reach its own (Besag & Clifford 1991); past the source's, only the posts
  // of the re-sharers still going are counted again (their statistics read no other post).
  std::vector<double> totals;
  std::uint32_t ge_total = 0;
  std::vector<std::uint32_t> ge(tested.size(), 0), drawn_for(tested.size(), 0);
  std::size_t going = tested.size();
  std::vector<std::uint8_t> active;
  std::vector<std::uint32_t> drawing;  // the accounts whose delays are drawn (indices)
  for (std::size_t i = 0; i < t.accounts(); ++i)
    if (t.reshares_of(i) >= 2) drawing.push_back(static_cast<std::uint32_t>(i));
  bool settled_more = false;  // since `active` was last worked out
  std::vector<TimeMs> own;
  const int account_replicates = std::max(replicates, kGroupAccountReplicates);
  const auto stop = static_cast<std::uint32_t>(kGroupStopAfter);
  for (int r = 0; r < account_replicates && going > 0; ++r) {
    const bool source_going = r < replicates && ge_total < stop;
    if (!source_going && ge_total >= stop) break;  // nothing to find here
    if (!source_going && (active.empty() || settled_more)) {
      // Only the posts of the re-sharers still going, and the delays of those who re-shared
      // them, are drawn from here on.
      active.assign(t.posts(), 0);
      for (std::size_t j = 0; j < tested.size(); ++j)
        if (ge[j] < stop)
          for (std::uint32_t p : t.posts_of(tested[j])) active[p] = 1;
      drawing.clear();
      for (std::size_t i = 0; i < t.accounts(); ++i) {
        if (t.reshares_of(i) < 2) continue;
        for (std::uint32_t p : t.posts_of(i))
          if (active[p]) {
            drawing.push_back(static_cast<std::uint32_t>(i));
            break;
          }
      }
      settled_more = false;
    }
    // Each account's delays re-assigned over its posts, from a stream of its own.
    for (const std::uint32_t i : drawing) {
      const std::uint32_t b = t.account_start(i), n = t.reshares_of(i);
      own.clear();
      for (std::uint32_t k = 0; k < n; ++k) own.push_back(reshares[b + k].delay);
      permute_delays(own, account_hash[t.account(i)], out.source, r,
                     seed ^ 0x67727570ULL);  // "grup"
      std::copy(own.begin(), own.end(), delay.begin() + b);
    }
    const std::uint64_t x = t.statistic(delay, drawn, source_going ? nullptr : &active);
    if (source_going) {
      ge_total += x >= total;
      totals.push_back(static_cast<double>(x));
    }
    for (std::size_t j = 0; j < tested.size(); ++j) {
      if (ge[j] >= stop) continue;
      ge[j] += drawn[tested[j]] >= observed[tested[j]];
      ++drawn_for[j];
      if (ge[j] >= stop) {
        --going;
        settled_more = true;
      }
    }
  }
  out.replicates = static_cast<std::uint32_t>(totals.size());
  // The source stopped early: the sequential p-value; else the Monte Carlo one while a
  // replicate reaches its statistic, beyond every replicate the fitted tail (replicate_log_p).
  bool from_tail = false;
  out.p = ge_total >= stop
              ? static_cast<double>(ge_total) / static_cast<double>(totals.size())
              : std::exp(replicate_log_p(totals, static_cast<double>(total), from_tail));
  out.p = std::max(out.p, std::numeric_limits<double>::min());
  for (std::size_t j = 0; j < tested.size(); ++j) {
    out.accounts.push_back(t.account(tested[j]));
    const double n = drawn_for[j];
    out.account_p.push_back(ge[j] >= stop ? ge[j] / n : (1 + ge[j]) / (n + 1));
  }
  return out;
}

// Benjamini–Hochberg at level q: the indices of the p-values rejected, ascending.
std::vector<std::size_t> bh_rejected(std::span<const double> p, double q) {
  std::vector<double> sorted(p.begin(), p.end());
  std::sort(sorted.begin(), sorted.end());
  const double cutoff = bh_cutoff(sorted, nullptr, q, static_cast<double>(p.size()));
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] <= cutoff) out.push_back(i);
  return out;
}

}  // namespace

GroupTest group_test(const Dataset& d, const MessageIndex& originals,
                     std::span<const std::uint64_t> account_hash, TimeMs window, int replicates,
                     std::uint64_t seed) {
  const std::vector<Reshare> all = first_reshares(d, originals);
  std::vector<std::size_t> start;  // sources' runs
  for (std::size_t i = 0; i < all.size(); ++i)
    if (i == 0 || all[i].source != all[i - 1].source) start.push_back(i);
  start.push_back(all.size());
  const std::size_t sources = start.size() - 1;
  std::vector<std::optional<GroupTestSource>> tested(sources);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, sources, 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t s = range.begin(); s != range.end(); ++s)
                        tested[s] = test_source(std::span<const Reshare>(all.data() + start[s],
                                                                         start[s + 1] - start[s]),
                                                account_hash, window, replicates, seed);
                    });
  GroupTest out;
  for (auto& s : tested)
    if (s) out.sources.push_back(std::move(*s));
  return out;
}

void apply_group_test(const Dataset& d, const DetectOptions& opt, ClusterDetail detail,
                      const GroupTest& test, const MessageIndex& originals, DetectionResult& r) {
  const double q = opt.fdr;
  std::vector<double> source_p;
  for (const auto& s : test.sources) source_p.push_back(s.p);
  std::vector<std::size_t> selected = bh_rejected(source_p, q);
  if (selected.empty()) return;
  // The selected sources by p-value, then by the source's place in byte order.
  std::stable_sort(selected.begin(), selected.end(), [&](std::size_t x, std::size_t y) {
    if (source_p[x] != source_p[y]) return source_p[x] < source_p[y];
    return r.account_rank[test.sources[x].source] < r.account_rank[test.sources[y].source];
  });
  const double level =
      q * static_cast<double>(selected.size()) / static_cast<double>(test.sources.size());
  // Per selected source (in that order), its flagged re-sharers; per account, the first
  // selected source that flagged it.
  std::vector<std::vector<std::uint32_t>> flagged(selected.size());
  std::vector<std::uint32_t> flagged_by(d.accounts(), UINT32_MAX);
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const GroupTestSource& s = test.sources[selected[i]];
    for (std::size_t j : bh_rejected(s.account_p, level)) {
      flagged[i].push_back(s.accounts[j]);
      if (flagged_by[s.accounts[j]] == UINT32_MAX)
        flagged_by[s.accounts[j]] = static_cast<std::uint32_t>(i);
    }
  }
  const auto set_source = [&](ClusterEvidence& x, std::size_t i) {
    const GroupTestSource& s = test.sources[selected[i]];
    x.fired_source = s.source;
    x.fired_posts = s.posts;
    x.fired_p = s.p;
  };
  // The clusters found by their edges: the share of members flagged, and the source that
  // flagged most of them (the earlier selected source on a tie).
  for (Cluster& c : r.clusters) {
    std::map<std::uint32_t, std::size_t> by;
    std::size_t n = 0;
    for (std::uint32_t a : c.accounts)
      if (flagged_by[a] != UINT32_MAX) {
        ++n;
        ++by[flagged_by[a]];
      }
    if (n == 0) continue;
    c.evidence.fired_share = static_cast<double>(n) / static_cast<double>(c.accounts.size());
    std::size_t best = 0, most = 0;
    for (const auto& [i, k] : by)
      if (k > most) {
        most = k;
        best = i;
      }
    set_source(c.evidence, best);
  }
  // The flagged accounts in no cluster: per selected source, a cluster of their own.
  std::vector<std::uint32_t> new_cluster(d.accounts(), 0);
  const auto first_new = static_cast<std::uint32_t>(r.clusters.size() + 1);
  for (std::size_t i = 0; i < selected.size(); ++i) {
    Cluster c;
    for (std::uint32_t a : flagged[i])
      if (r.account_cluster[a] == 0 && new_cluster[a] == 0) c.accounts.push_back(a);
    if (c.accounts.size() < 2) continue;
    std::sort(c.accounts.begin(), c.accounts.end(), [&](std::uint32_t x, std::uint32_t y) {
      return r.account_rank[x] < r.account_rank[y];
    });
    c.id = static_cast<std::uint32_t>(r.clusters.size() + 1);
    for (std::uint32_t a : c.accounts) new_cluster[a] = c.id;
    c.behaviours = {Behaviour::kShare};
    c.created_spread_days = created_spread_days(d, c.accounts);
    c.evidence.fired_share = 1;
    c.evidence.top_source = test.sources[selected[i]].source;
    set_source(c.evidence, i);
    r.clusters.push_back(std::move(c));
  }
  for (std::size_t a = 0; a < new_cluster.size(); ++a)
    if (new_cluster[a] != 0) r.account_cluster[a] = new_cluster[a];
  if (detail != ClusterDetail::kFull || first_new > r.clusters.size()) return;
  // Their messages: the members' re-shares of the source's posts; the co-action delays: between
  // re-shares of the same post at most W apart; the top objects: the posts most re-shared.
  const std::size_t added = r.clusters.size() + 1 - first_new;
  std::vector<std::vector<Reshare>> of(added);
  for (const Reshare& x : first_reshares(d, originals)) {
    const std::uint32_t c = new_cluster[x.account];
    if (c == 0 || r.clusters[c - 1].evidence.fired_source != x.source) continue;
    of[c - first_new].push_back(x);
  }
  for (std::size_t k = 0; k < added; ++k) {
    Cluster& c = r.clusters[first_new - 1 + k];
    auto& xs = of[k];
    std::sort(xs.begin(), xs.end(), [](const Reshare& x, const Reshare& y) {
      return x.post != y.post ? x.post < y.post : x.msg < y.msg;
    });
    std::vector<double> delays;
    std::vector<TopObject> objects;
    for (std::size_t s = 0; s < xs.size();) {
      std::size_t e = s;
      while (e < xs.size() && xs[e].post == xs[s].post) ++e;
      for (std::size_t i = s; i < e; ++i)
        for (std::size_t j = i + 1; j < e; ++j) {
          const TimeMs gap = std::abs(d.msg_time[xs[i].msg] - d.msg_time[xs[j].msg]);
          if (gap <= opt.window_ms) delays.push_back(static_cast<double>(gap) / 1000.0);
        }
      TopObject t;
      t.behaviour = Behaviour::kShare;
      t.key = std::string(d.msg_shares[xs[s].msg]);
      t.messages = e - s;
      t.example_msg = xs[s].msg;
      objects.push_back(std::move(t));
      s = e;
    }
    c.messages = xs.size();
    for (const Reshare& x : xs) c.reshares.push_back(x.msg);
    std::sort(c.reshares.begin(), c.reshares.end());
    for (const Reshare& x : xs) {
      const TimeMs t = d.msg_time[x.msg];
      if (c.first_time == kNoTime || t < c.first_time) c.first_time = t;
      if (c.last_time == kNoTime || t > c.last_time) c.last_time = t;
    }
    c.median_delay_s = median_of(delays);
    c.share_of_activity =
        d.messages() ? static_cast<double>(c.messages) / static_cast<double>(d.messages()) : 0;
    std::stable_sort(objects.begin(), objects.end(), [](const TopObject& x, const TopObject& y) {
      if (x.messages != y.messages) return x.messages > y.messages;
      return x.key < y.key;
    });
    if (objects.size() > static_cast<std::size_t>(std::max(0, opt.top_objects)))
      objects.resize(static_cast<std::size_t>(std::max(0, opt.top_objects)));
    c.top_objects = std::move(objects);
  }
}

}  // namespace groundswell::detect_internal
