#include "base/hash.h"
#include "detect/verdict.h"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "detect/internal.h"
#include "store/message_index.h"

namespace groundswell {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDayMs = 86'400'000.0;

// One member's first re-share of one of the cluster's posts.
struct Response {
  std::uint32_t account, source, post;  // source: the post's author; post: index into the
                                        // cluster's post list
  TimeMs delay;
  bool operator==(const Response&) const = default;
};

// Pairs of responses to the same post at most w apart: per post, delays sorted, two pointers.
std::uint64_t pairs_within(std::vector<std::vector<TimeMs>>& per_post, TimeMs w) {
  std::uint64_t n = 0;
  for (auto& d : per_post) {
    std::sort(d.begin(), d.end());
    for (std::size_t i = 0, j = 0; i < d.size(); ++i) {
      while (d[i] - d[j] > w) ++j;
      n += i - j;
    }
  }
  return n;
}

// The stimulus null of one cluster: responses sorted by (account, source, post). Each
// replicate permutes every account's delays over its posts of each source (seeded by the
// account, the source, the replicate and the seed) and counts the pairs within w again.
// Within one source: an account re-shares a popular stranger's viral post on another clock
// than the posts of an account it follows, so mixing the two would make independent fans look
// fired by a trigger.
double stimulus_p_value(const std::vector<Response>& responses, std::size_t posts, TimeMs w,
                        std::span<const std::uint64_t> account_hash, int replicates,
                        std::uint64_t seed) {
  std::vector<std::vector<TimeMs>> observed_per_post(posts);
  for (const Response& x : responses) observed_per_post[x.post].push_back(x.delay);
  const std::uint64_t observed = pairs_within(observed_per_post, w);
  if (observed == 0) return kNaN;
  // The replicates in parallel (a large cluster's were most of a judgement's time, on one
  // core): each draws from its own streams, and their count is the same for any number of
  // threads.
  struct Scratch {
    std::vector<std::vector<TimeMs>> per_post;
    std::vector<TimeMs> delays;
  };
  tbb::enumerable_thread_specific<Scratch> scratch;
  const std::uint64_t ge = tbb::parallel_reduce(
      tbb::blocked_range<int>(0, replicates, 8), std::uint64_t{0},
      [&](const tbb::blocked_range<int>& range, std::uint64_t ge_so_far) {
        Scratch& sc = scratch.local();
        auto& per_post = sc.per_post;
        auto& delays = sc.delays;
        per_post.resize(posts);
        for (int r = range.begin(); r != range.end(); ++r) {
          for (auto& d : per_post) d.clear();
          for (std::size_t s = 0; s < responses.size();) {
            std::size_t e = s;
            while (e < responses.size() && responses[e].account == responses[s].account &&
                   responses[e].source == responses[s].source)
              ++e;
            delays.clear();
            for (std::size_t i = s; i < e; ++i) delays.push_back(responses[i].delay);
            detect_internal::permute_delays(delays, account_hash[responses[s].account],
                                            responses[s].source, r, seed);
            for (std::size_t i = s; i < e; ++i) per_post[responses[i].post].push_back(delays[i - s]);
            s = e;
          }
          ge_so_far += pairs_within(per_post, w) >= observed;
        }
        return ge_so_far;
      },
      std::plus<>());
  return static_cast<double>(1 + ge) / static_cast<double>(replicates + 1);
}

std::string pct(double share) { return fmt::format("{:.0f}%", share * 100); }

// How many edges at least as strong as `e` chance is expected to give among the pairs of its
// family (its behaviour and window): the pairs that co-acted at all, times the largest p-value
// of the tests it was kept on (every one of them rejected, so under the null it is kept with
// at most that probability). Those are the time-shift test, the co-occurrence test but for
// similar_text (whose co-occurrence p-value is reported, never tested: docs/detection.md), and
// the stimulus test where it ran. NaN when the edge was not tested.
double chance_edges(const DetectionResult& r, const Edge& e) {
  const double cooccurrence = e.behaviour == Behaviour::kSimilarText ? kNaN : e.p_cooccurrence;
  double p = kNaN;
  for (double x : {e.p_value, cooccurrence, e.p_stimulus})
    if (!std::isnan(x)) p = std::isnan(p) ? x : std::max(p, x);
  if (std::isnan(p)) return kNaN;
  for (const BehaviourFunnel& f : r.funnel)
    if (f.behaviour == e.behaviour && f.window_ms == e.window_ms)
      return p * static_cast<double>(std::max<std::uint64_t>(f.co_acting_pairs, 1));
  return kNaN;
}

// The probability that chance alone gives a cluster's edges: with the expected counts of
// chance edges as strong as each edge in increasing order, E_(1) <= ... <= E_(K), the least
// over k of P(Poisson(E_(k)) >= k) — chance would give at least k edges as strong as the k
// strongest. NaN when there is no edge or an edge was not tested. Sorts `expected`.
double chance_p_value(std::vector<double>& expected) {
  if (expected.empty() ||
      std::any_of(expected.begin(), expected.end(), [](double e) { return std::isnan(e); }))
    return kNaN;
  std::sort(expected.begin(), expected.end());
  double p = 1;
  for (std::size_t k = 0; k < expected.size(); ++k)
    p = std::min(p, detect_internal::poisson_upper_tail(k + 1, expected[k]));
  return p;
}

}  // namespace

struct StimulusMemo::Impl {
  struct Entry {
    std::vector<Response> responses;
    std::size_t posts;
    TimeMs window;
    int replicates;
    std::uint64_t seed;
    double p;
  };
  std::mutex mutex;
  std::vector<Entry> entries;
  std::optional<double> find(const std::vector<Response>& responses, std::size_t posts, TimeMs window,
                             int replicates, std::uint64_t seed) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const Entry& e : entries)
      if (e.posts == posts && e.window == window && e.replicates == replicates && e.seed == seed &&
          e.responses == responses)
        return e.p;
    return std::nullopt;
  }
  void add(const std::vector<Response>& responses, std::size_t posts, TimeMs window, int replicates,
           std::uint64_t seed, double p) {
    std::lock_guard<std::mutex> lock(mutex);
    entries.push_back({responses, posts, window, replicates, seed, p});
  }
};

StimulusMemo::StimulusMemo() : impl(std::make_unique<Impl>()) {}
StimulusMemo::~StimulusMemo() = default;
std::size_t StimulusMemo::size() const {
  std::lock_guard<std::mutex> lock(impl->mutex);
  return impl->entries.size();
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kInauthentic:
      return "inauthentic";
    case Verdict::kOrganic:
      return "organic";
    case Verdict::kUndetermined:
      break;
  }
  return "undetermined";
}

void judge_clusters(const Dataset& d, DetectionResult& r, const AccountEvidence& ev,
                    TimeMs window_ms, const VerdictOptions& opt) {
  const std::size_t K = r.clusters.size();
  if (K == 0) return;
  std::optional<MessageIndex> own;
  if (!opt.originals) own.emplace(d);
  const MessageIndex& index = opt.originals ? *opt.originals : *own;

  // Internal co-actions of each cluster: all of them, and per source the re-shares of its
  // posts; the posts (with a time) that members re-shared together.
  std::vector<std::uint64_t> internal(K, 0);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> reshared;  // (cluster index, message)
  // Per cluster, how many chance edges as strong as each internal edge its family's pairs give
  // (NaN for an edge that was not tested).
  std::vector<std::vector<double>> chance(K);
  for (const Edge& e : r.edges) {
    if (!e.significant) continue;
    const std::uint32_t c = r.account_cluster[e.source];
    if (c == 0 || c != r.account_cluster[e.target]) continue;
    chance[c - 1].push_back(chance_edges(r, e));
    for (std::uint64_t x = e.evidence_begin; x < e.evidence_end; ++x) {
      ++internal[c - 1];
      if (e.behaviour == Behaviour::kShare) reshared.emplace_back(c - 1, r.evidence[x].source_msg);
    }
  }
  std::vector<std::map<std::uint32_t, std::uint64_t>> by_source(K);
  std::vector<std::vector<std::uint32_t>> posts(K);
  for (const auto& [c, m] : reshared) {
    const std::int64_t o = index.original_of(m);
    if (o < 0) continue;
    const auto post = static_cast<std::uint32_t>(o);
    if (d.msg_account[post] != kNoAccount) ++by_source[c][d.msg_account[post]];
    if (d.msg_time[post] != kNoTime) posts[c].push_back(post);
  }
  for (auto& p : posts) {
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
  }
  // Every member's first re-share of each of its cluster's posts (messages are in time order),
  // found in parallel over blocks of messages and gathered in message order.
  constexpr std::size_t kBlock = std::size_t{1} << 16;
  const std::size_t blocks = (d.messages() + kBlock - 1) / kBlock;
  std::vector<std::vector<std::pair<std::uint32_t, Response>>> found(blocks);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t k) {
    const std::size_t end = std::min(d.messages(), (k + 1) * kBlock);
    for (std::size_t m = k * kBlock; m < end; ++m) {
      const std::uint32_t a = d.msg_account[m];
      if (a == kNoAccount || d.msg_time[m] == kNoTime) continue;
      const std::uint32_t c = r.account_cluster[a];
      if (c == 0 || posts[c - 1].empty()) continue;
      const std::int64_t o = index.original_of(m);
      if (o < 0) continue;
      const auto& p = posts[c - 1];
      auto it = std::lower_bound(p.begin(), p.end(), static_cast<std::uint32_t>(o));
      if (it == p.end() || *it != static_cast<std::uint32_t>(o)) continue;
      found[k].emplace_back(c - 1, Response{a, d.msg_account[static_cast<std::size_t>(o)],
                                            static_cast<std::uint32_t>(it - p.begin()),
                                            d.msg_time[m] - d.msg_time[static_cast<std::size_t>(o)]});
    }
  });
  std::vector<std::vector<Response>> responses(K);
  for (auto& block : found)
    for (const auto& [c, x] : block) responses[c].push_back(x);
  std::vector<std::uint64_t> account_hash(d.accounts());
  {
    std::string key;
    for (std::size_t a = 0; a < d.accounts(); ++a) {
      key.assign(d.account_platform[a]);
      key.push_back('\0');
      key.append(d.account_id[a]);
      account_hash[a] = XXH3_64bits_withSeed(key.data(), key.size(), detect_internal::kKeySeed);
    }
  }

  tbb::parallel_for(std::size_t{0}, K, [&](std::size_t ci) {
    Cluster& c = r.clusters[ci];
    ClusterEvidence& x = c.evidence;
    // Account traits.
    std::vector<TimeMs> created;
    std::size_t scored = 0, high = 0, handles = 0, patterned = 0;
    double score_sum = 0;
    for (std::uint32_t a : c.accounts) {
      if (d.account_created_at[a] != kNoTime) created.push_back(d.account_created_at[a]);
      if (a < ev.inauthenticity_score.size() && !std::isnan(ev.inauthenticity_score[a])) {
        ++scored;
        score_sum += ev.inauthenticity_score[a];
        high += ev.inauthenticity_score[a] > opt.score_threshold;
      }
      if (a < ev.handle_pattern.size() && !std::isnan(ev.handle_pattern[a])) {
        ++handles;
        patterned += ev.handle_pattern[a] >= opt.patterned_score;
      }
    }
    if (created.size() >= static_cast<std::size_t>(opt.min_dated)) {
      std::sort(created.begin(), created.end());
      std::size_t best = 0;
      for (std::size_t i = 0, j = 0; i < created.size(); ++i) {
        while (static_cast<double>(created[i] - created[j]) > opt.burst_days * kDayMs) ++j;
        best = std::max(best, i - j + 1);
      }
      x.burst_share = static_cast<double>(best) / static_cast<double>(created.size());
    }
    if (scored > 0) {
      x.high_score_share = static_cast<double>(high) / static_cast<double>(scored);
      x.mean_score = score_sum / static_cast<double>(scored);
    }
    if (handles > 0) x.patterned_share = static_cast<double>(patterned) / static_cast<double>(handles);
    // Stimulus: the top source's share of the co-actions, and the stimulus null.
    std::uint64_t top = 0;
    for (const auto& [source, n] : by_source[ci])
      if (n > top) {
        top = n;
        x.top_source = source;
      }
    if (internal[ci] > 0) x.single_source_share = static_cast<double>(top) / static_cast<double>(internal[ci]);
    auto& resp = responses[ci];
    std::sort(resp.begin(), resp.end(), [](const Response& p, const Response& q) {
      if (p.account != q.account) return p.account < q.account;
      if (p.source != q.source) return p.source < q.source;
      return p.post < q.post;
    });
    resp.erase(std::unique(resp.begin(), resp.end(),
                           [](const Response& p, const Response& q) {
                             return p.account == q.account && p.post == q.post;
                           }),
               resp.end());
    {
      std::vector<std::uint32_t> per_post(posts[ci].size(), 0);
      for (const Response& s : resp) ++per_post[s.post];
      for (std::uint32_t n : per_post) x.stimulus_posts += n >= 2;
    }
    if (x.stimulus_posts >= static_cast<std::uint32_t>(opt.min_posts)) {
      const std::optional<double> known =
          opt.memo ? opt.memo->impl->find(resp, posts[ci].size(), window_ms, opt.replicates, opt.seed)
                   : std::nullopt;
      x.stimulus_p = known ? *known
                           : stimulus_p_value(resp, posts[ci].size(), window_ms, account_hash,
                                              opt.replicates, opt.seed);
      if (!known && opt.memo)
        opt.memo->impl->add(resp, posts[ci].size(), window_ms, opt.replicates, opt.seed, x.stimulus_p);
    }

    // The verdict.
    std::vector<std::string> against;
    if (x.burst_share >= opt.burst_share)
      against.push_back(fmt::format("{} of members created within {:g} days of each other",
                                    pct(x.burst_share), opt.burst_days));
    if (x.high_score_share >= opt.member_share)
      against.push_back(fmt::format("{} of members score above {:g} for inauthenticity",
                                    pct(x.high_score_share), opt.score_threshold));
    if (x.patterned_share >= opt.member_share)
      against.push_back(fmt::format("{} of members have machine-made handles",
                                    pct(x.patterned_share)));
    if (x.stimulus_p <= opt.trigger_alpha)
      against.push_back(fmt::format(
          "members re-share together beyond their own response times to the posts, as if "
          "fired by one trigger (stimulus null p = {:.3g}, {} posts)",
          x.stimulus_p, x.stimulus_posts));
    const auto name_of = [&](std::uint32_t a) {
      std::string_view h = d.account_handle[a];
      return h.empty() ? std::string(d.account_id[a])
                       : (h[0] == '@' ? std::string(h) : "@" + std::string(h));
    };
    if (x.fired_share >= opt.member_share)
      against.push_back(fmt::format(
          "{} of members re-share posts of {} with the same partners post after post, beyond "
          "their own response times, as if fired by one trigger (group test of its re-sharers: "
          "p = {:.3g}, {} posts)",
          pct(x.fired_share), name_of(x.fired_source), x.fired_p, x.fired_posts));
    std::string source_name;
    if (x.top_source != UINT32_MAX) source_name = name_of(x.top_source);
    const bool stimulus = x.single_source_share >= opt.single_source_share &&
                          x.stimulus_p > opt.fits_alpha;
    x.chance_p = chance_p_value(chance[ci]);
    const bool ordinary = (!std::isnan(c.created_spread_days) &&
                           c.created_spread_days >= opt.ordinary_spread_days) ||
                          x.mean_score < opt.ordinary_mean_score;
    if (!against.empty()) {
      c.verdict = Verdict::kInauthentic;
    } else if (stimulus && ordinary) {
      c.verdict = Verdict::kOrganic;
      against.push_back(fmt::format(
          "{} of co-actions re-share posts of {}, and the members' timing fits independent "
          "responses to them (stimulus null p = {:.3g}, {} posts)",
          pct(x.single_source_share), source_name, x.stimulus_p, x.stimulus_posts));
      if (!std::isnan(c.created_spread_days) && c.created_spread_days >= opt.ordinary_spread_days)
        against.push_back(fmt::format("members created over {:.1f} years",
                                      c.created_spread_days / 365.25));
      if (x.mean_score < opt.ordinary_mean_score)
        against.push_back(fmt::format("mean inauthenticity score {:.2f}", x.mean_score));
    } else if (x.chance_p > opt.chance_alpha) {
      c.verdict = Verdict::kOrganic;
      against.push_back(fmt::format(
          "{} no more than chance gives among all the pairs of accounts that co-acted (it "
          "gives as many as strong with probability {:.2g}), and no trait of its members shows "
          "manufacture",
          chance[ci].size() == 1 ? std::string("its one edge is")
                                 : fmt::format("its {} edges are", chance[ci].size()),
          x.chance_p));
    } else {
      c.verdict = Verdict::kUndetermined;
      against.push_back(
          "coordinated, but neither the members' traits nor their response timing show whether "
          "it was manufactured");
    }
    c.verdict_reasons.clear();
    for (const std::string& s : against) {
      if (!c.verdict_reasons.empty()) c.verdict_reasons += "; ";
      c.verdict_reasons += s;
    }
  });
}

}  // namespace groundswell
