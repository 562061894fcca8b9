// The circular time-shift null model and Benjamini–Hochberg (docs/contract.md §5.4). An edge's
// weight depends only on its two accounts' actions, so the weight it would have in a replicate is
// computed from the objects both accounts acted on, never by re-running the whole network: the cost
// is (common actions of the edge) x R per edge.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "base/hash.h"
#include "base/uint128.h"
#include "detect/internal.h"
#include "dist/communicator.h"
#include "store/message_index.h"

namespace groundswell::detect_internal {

std::uint32_t count_single_meetings_scalar(const TimeMs* a, const TimeMs* b, std::size_t n,
                                           TimeMs da, TimeMs db, TimeMs span, TimeMs window) {
  std::uint32_t w = 0;
  // Both shifts without a branch: each time is in [0, 2 span) before wrapping.
  for (std::size_t k = 0; k < n; ++k) {
    TimeMs x = a[k] + da, y = b[k] + db;
    x -= x >= span ? span : 0;
    y -= y >= span ? span : 0;
    const TimeMs diff = x - y;
    w += static_cast<std::uint32_t>((diff <= window) & (-diff <= window));
  }
  return w;
}

#if defined(__x86_64__)
namespace {

// Four objects at a time with AVX2's 64-bit compares (baseline x86-64 has none): the same
// arithmetic as the scalar loop, so the same count.
__attribute__((target("avx2"))) std::uint32_t count_single_meetings_avx2(
    const TimeMs* a, const TimeMs* b, std::size_t n, TimeMs da, TimeMs db, TimeMs span,
    TimeMs window) {
  const __m256i vda = _mm256_set1_epi64x(da), vdb = _mm256_set1_epi64x(db);
  const __m256i vspan = _mm256_set1_epi64x(span);
  const __m256i above = _mm256_set1_epi64x(window), below = _mm256_set1_epi64x(-window);
  __m256i hits = _mm256_setzero_si256();
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    __m256i x = _mm256_add_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k)), vda);
    __m256i y = _mm256_add_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k)), vdb);
    // x - span where x >= span, that is where span > x does not hold.
    x = _mm256_sub_epi64(x, _mm256_andnot_si256(_mm256_cmpgt_epi64(vspan, x), vspan));
    y = _mm256_sub_epi64(y, _mm256_andnot_si256(_mm256_cmpgt_epi64(vspan, y), vspan));
    const __m256i diff = _mm256_sub_epi64(x, y);
    // Apart: diff > W or -W > diff; a meeting adds one (all bits set is -1).
    const __m256i apart =
        _mm256_or_si256(_mm256_cmpgt_epi64(diff, above), _mm256_cmpgt_epi64(below, diff));
    hits = _mm256_sub_epi64(hits, _mm256_andnot_si256(apart, _mm256_set1_epi64x(-1)));
  }
  alignas(32) std::int64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), hits);
  return static_cast<std::uint32_t>(lanes[0] + lanes[1] + lanes[2] + lanes[3]) +
         count_single_meetings_scalar(a + k, b + k, n - k, da, db, span, window);
}

}  // namespace
#endif

std::uint32_t count_single_meetings(const TimeMs* a, const TimeMs* b, std::size_t n, TimeMs da,
                                    TimeMs db, TimeMs span, TimeMs window) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return count_single_meetings_avx2(a, b, n, da, db, span, window);
#endif
  return count_single_meetings_scalar(a, b, n, da, db, span, window);
}

// The local null of a behaviour (null_jitter_ms > 0): each account's actions of one UTC day
// moved together by an offset in [-J, J], drawn afresh for every day, instead of the whole
// timeline around the period: the account's daily rhythm stays, and meeting on many days
// needs the chance alignment on each of them.
TimeMs jitter_offset(std::uint64_t seed, std::uint64_t account_hash, int replicate,
                     std::int64_t day, TimeMs j) {
  std::uint64_t k[3] = {account_hash, static_cast<std::uint64_t>(replicate),
                        static_cast<std::uint64_t>(day)};
  return static_cast<TimeMs>(XXH3_64bits_withSeed(k, sizeof k, seed) %
                             static_cast<std::uint64_t>(2 * j + 1)) -
         j;
}

namespace {

// Per account, its actions of the behaviour sorted by (object, time): CSR over accounts.
struct AccountActions {
  std::vector<std::uint64_t> start;  // per account
  std::vector<std::uint32_t> object;
  std::vector<TimeMs> time;
};

AccountActions by_account(const ActionTable& t, std::size_t accounts) {
  AccountActions a;
  a.start.assign(accounts + 1, 0);
  for (const Acted& x : t.actions) ++a.start[x.account + 1];
  for (std::size_t i = 0; i < accounts; ++i) a.start[i + 1] += a.start[i];
  a.object.resize(t.actions.size());
  a.time.resize(t.actions.size());
  std::vector<std::uint64_t> fill(a.start.begin(), a.start.end() - 1);
  // Actions are sorted by (object key, time), so each account's list comes out sorted too.
  for (std::size_t o = 0; o < t.objects(); ++o)
    for (std::uint64_t i = t.object_start[o]; i < t.object_start[o + 1]; ++i) {
      const Acted& x = t.actions[i];
      std::uint64_t k = fill[x.account]++;
      a.object[k] = static_cast<std::uint32_t>(o);
      a.time[k] = x.time;
    }
  return a;
}

// Per account, the distinct objects it acted on, in order, each with where its actions on it
// start in AccountActions: CSR over accounts. The runs lie in the actions' order, so a run
// ends where the next begins (`begin` ends with the number of actions).
struct AccountRuns {
  std::vector<std::uint64_t> start;  // per account, into object and begin
  std::vector<std::uint32_t> object;
  std::vector<std::uint64_t> begin;
};

AccountRuns runs_of(const AccountActions& aa) {
  AccountRuns r;
  const std::size_t accounts = aa.start.size() - 1;
  const auto starts_run = [&](std::size_t a, std::uint64_t i) {
    return i == aa.start[a] || aa.object[i] != aa.object[i - 1];
  };
  // Counted first, so that the arrays are allocated once at their size.
  r.start.assign(accounts + 1, 0);
  for (std::size_t a = 0; a < accounts; ++a) {
    std::uint64_t n = 0;
    for (std::uint64_t i = aa.start[a]; i < aa.start[a + 1]; ++i) n += starts_run(a, i);
    r.start[a + 1] = r.start[a] + n;
  }
  r.object.resize(r.start[accounts]);
  r.begin.resize(r.start[accounts] + 1);
  for (std::size_t a = 0; a < accounts; ++a) {
    std::uint64_t k = r.start[a];
    for (std::uint64_t i = aa.start[a]; i < aa.start[a + 1]; ++i)
      if (starts_run(a, i)) {
        r.object[k] = aa.object[i];
        r.begin[k++] = i;
      }
  }
  r.begin.back() = aa.object.size();
  return r;
}

// The objects both accounts of an edge acted on, each with both accounts' times there: ranges
// of AccountActions::time, not copies (an account posting a hashtag 90 times a day has 90
// times on each of its days, and at 10M messages a hashtag edge's two accounts had 2,700 such
// times on average).
struct CommonObjects {
  struct Common {
    std::uint64_t a_begin, a_end, b_begin, b_end;  // into `time`
  };
  const TimeMs* time = nullptr;
  std::vector<Common> common;
  std::size_t size() const { return common.size(); }
  const TimeMs* a(std::size_t o) const { return time + common[o].a_begin; }
  const TimeMs* b(std::size_t o) const { return time + common[o].b_begin; }
  std::uint32_t na(std::size_t o) const {
    return static_cast<std::uint32_t>(common[o].a_end - common[o].a_begin);
  }
  std::uint32_t nb(std::size_t o) const {
    return static_cast<std::uint32_t>(common[o].b_end - common[o].b_begin);
  }
};

// The first index in [k, end) whose object is at least `target`, given object[k] < target:
// a few steps, then doubling steps and a binary search, so a short list merged with a long
// one (a heavy poster, or many actions on one object) costs the short one's length times a
// logarithm rather than the long one's length.
std::uint64_t skip_below(const std::vector<std::uint32_t>& object, std::uint64_t k,
                         std::uint64_t end, std::uint32_t target) {
  for (int s = 0; s < 4; ++s)
    if (++k == end || object[k] >= target) return k;
  std::uint64_t step = 1;
  while (k + step < end && object[k + step] < target) {
    k += step;
    step *= 2;
  }
  const auto first = object.begin() + static_cast<std::ptrdiff_t>(k + 1);
  const auto last = object.begin() + static_cast<std::ptrdiff_t>(std::min(end, k + step));
  return static_cast<std::uint64_t>(std::lower_bound(first, last, target) - object.begin());
}

// Merged over the accounts' distinct objects (AccountRuns), not their actions: at 10M messages
// the accounts of a hashtag edge had 7,300 actions each on average, on a few hundred days.
void common_objects(const AccountActions& aa, const AccountRuns& runs, std::uint32_t a,
                    std::uint32_t b, CommonObjects& c) {
  c.common.clear();
  c.time = aa.time.data();
  std::uint64_t i = runs.start[a], ie = runs.start[a + 1], j = runs.start[b],
                je = runs.start[b + 1];
  while (i < ie && j < je) {
    if (runs.object[i] < runs.object[j]) {
      i = skip_below(runs.object, i, ie, runs.object[j]);
    } else if (runs.object[j] < runs.object[i]) {
      j = skip_below(runs.object, j, je, runs.object[i]);
    } else {
      // Every action: the observed weight counts them all, so the null must too (an account
      // posting a hashtag 90 times a day meets anyone who posts it within W of any of them).
      c.common.push_back({runs.begin[i], runs.begin[i + 1], runs.begin[j], runs.begin[j + 1]});
      ++i, ++j;
    }
  }
}

TimeMs offset(const NullModel& m, std::uint64_t seed, std::uint32_t account, int replicate) {
  std::uint64_t k[2] = {m.account_hash[account], static_cast<std::uint64_t>(replicate)};
  return static_cast<TimeMs>(XXH3_64bits_withSeed(k, sizeof k, seed) %
                             static_cast<std::uint64_t>(m.span_ms));
}

// t in the span and off in [0, span_ms), so one subtraction wraps it (a 64-bit division here
// was most of the null model's time).
TimeMs shift(const NullModel& m, TimeMs t, TimeMs off) {
  TimeMs x = t - m.span_start + off;
  if (x >= m.span_ms) x = x < 2 * m.span_ms ? x - m.span_ms : x % m.span_ms;
  return m.span_start + x;
}

// The next value of a SplitMix64 stream (Steele, Lea & Flood 2014): the stimulus null draws
// many numbers from each hashed seed, and a hash per draw was most of its time.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A draw in [0, n) from 64 random bits by multiplication (Lemire 2019), not division.
std::uint32_t uniform_below(std::uint64_t bits, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<Uint128>(bits) * n) >> 64);
}

// What null_weights() reuses from one edge to the next on a thread, within one call (one
// null model and one set of options: each call's tasks make their own).
struct NullScratch {
  // Per common object that meets in some replicates but not all: its days' indices for a
  // and b and its intervals of the offset difference at which it meets.
  struct Partial {
    // UTC days, then where their offsets start in off_a and off_b (index into `days` times
    // kReplicateBlock)
    std::int64_t day_a, day_b;
    std::uint32_t begin, end;   // into `meet`
  };
  std::vector<Partial> partial;
  std::vector<std::pair<TimeMs, TimeMs>> meet;  // [lo, hi] of off_a - off_b, merged
  std::vector<std::pair<TimeMs, TimeMs>> cover;  // one object's intervals before merging
  std::vector<std::int64_t> days;       // the distinct UTC days of the common objects
  // Per day, a's and b's offsets in a block of replicates (kReplicateBlock per day).
  std::vector<std::int32_t> off_a, off_b;
  // The time-shift null's common objects where each account acted once (most of them):
  // both times from the span's start, so a replicate is one branch-free pass over them.
  std::vector<TimeMs> single_a, single_b;
  std::vector<std::uint32_t> multiple;  // the other common objects
  std::vector<TimeMs> shifted_a, shifted_b;  // one object's shifted times, in order
  // The local null's offsets of the last edge's first account, per day of the span and
  // replicate, drawn as they are first asked for: the edges come in order of their first
  // account, so an account with many edges draws its offsets once, not once per edge (at
  // 10M messages a hashtag edge drew about 3,200 offsets, half of them its first account's).
  struct SourceOffsets {
    std::uint32_t account = UINT32_MAX;
    std::vector<std::uint32_t> drawn;   // per day: the offsets of replicates [0, drawn) held
    std::vector<std::int32_t> offsets;  // per day, one per replicate
  } source;
};

// Days × replicates above this, the offsets are drawn for every edge (a span of years at a
// large R would make each thread's table tens of megabytes).
constexpr std::size_t kMaxSourceOffsets = std::size_t{1} << 20;

// An account's times on one object (sorted, within the span) shifted by `off` as shift()
// does, from the span's start and in order: the wrapped ones, then the rest.
void shifted_in_order(const TimeMs* t, std::uint32_t n, const NullModel& m, TimeMs off,
                      std::vector<TimeMs>& out) {
  out.clear();
  std::uint32_t wrap = 0;
  while (wrap < n && t[wrap] - m.span_start + off < m.span_ms) ++wrap;
  for (std::uint32_t i = wrap; i < n; ++i) out.push_back(t[i] - m.span_start + off - m.span_ms);
  for (std::uint32_t i = 0; i < wrap; ++i) out.push_back(t[i] - m.span_start + off);
}

// Whether some time of `a` and some time of `b` (each in order) are at most W apart.
bool any_within(const std::vector<TimeMs>& a, const std::vector<TimeMs>& b, TimeMs window) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const TimeMs diff = a[i] - b[j];
    if (diff <= window && -diff <= window) return true;
    if (diff < 0) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

// The local null's weights. Within an object both accounts' actions move by one offset each
// (off_a, off_b in [-J, J]), so they meet when some time difference d of the object has
// |d + off_a - off_b| <= W: when off_a - off_b lies in [-W - d, W - d]. Those intervals,
// clipped to [-2J, 2J] and merged, are computed once per object: an object that meets at no
// offset difference adds nothing, one that meets at every difference adds one to every
// replicate, and the rest are decided by two comparisons per interval. The offsets are drawn
// once per day and replicate, for a block of replicates at a time: each object then compares
// its intervals with the block's offset differences in one pass (32-bit lanes the compiler
// vectorizes), and replicates stop at the end of the block where `stop_at` is reached, the
// ones past it left 0 as if never drawn.
constexpr int kReplicateBlock = 8;
// J is kHashtagJitterMs (null_jitter_ms): offsets, their differences and the clipped
// intervals lie within [-2J, 2J].
static_assert(4 * kHashtagJitterMs < INT32_MAX, "offset differences fit 32 bits");

int jitter_null_weights(const NullModel& m, const DetectOptions& opt, TimeMs jitter,
                        const CommonObjects& c, std::uint32_t a, std::uint32_t b, double observed,
                        std::uint32_t stop_at, NullScratch& s, std::vector<std::uint32_t>& out) {
  const std::size_t objects = c.size();
  const TimeMs w = opt.window_ms, span = 2 * jitter;
  s.partial.clear();
  s.meet.clear();
  s.days.clear();
  std::uint32_t always = 0;
  for (std::size_t o = 0; o < objects; ++o) {
    s.cover.clear();
    // Both accounts' times are sorted, so only the pairs at most W + 2J apart, which can meet
    // at some offset difference, are visited: from each time of the account with fewer there,
    // the other's times in reach (with many more, found by binary search). The intervals are
    // sorted below, so the order they come in changes nothing.
    const TimeMs* ta = c.a(o);
    const TimeMs* tb = c.b(o);
    const std::uint32_t na = c.na(o), nb = c.nb(o);
    const auto add = [&](TimeMs d) {  // a's time minus b's
      const TimeMs lo = std::max(-w - d, -span), hi = std::min(w - d, span);
      if (lo <= hi) s.cover.emplace_back(lo, hi);
    };
    const TimeMs reach = w + span;
    // Each time p of one account with the times of the other in [p - reach, p + reach];
    // `sign` makes the difference a's time minus b's.
    const auto pair = [&](const TimeMs* outer, std::uint32_t n_outer, const TimeMs* inner,
                          std::uint32_t n_inner, TimeMs sign, bool search) {
      const TimeMs* first = inner;
      const TimeMs* const end = inner + n_inner;
      for (const TimeMs* p = outer; p < outer + n_outer; ++p) {
        if (search)
          first = std::lower_bound(first, end, *p - reach);
        else
          while (first < end && *first < *p - reach) ++first;
        for (const TimeMs* q = first; q < end && *q <= *p + reach; ++q) add(sign * (*p - *q));
      }
    };
    if (na > 8 * std::uint64_t{nb})
      pair(tb, nb, ta, na, -1, true);
    else
      pair(ta, na, tb, nb, 1, nb > 8 * std::uint64_t{na});
    if (s.cover.empty()) continue;  // never within W, whatever the offsets
    std::sort(s.cover.begin(), s.cover.end());
    const auto begin = static_cast<std::uint32_t>(s.meet.size());
    for (const auto& [lo, hi] : s.cover)
      if (s.meet.size() > begin && lo <= s.meet.back().second + 1)
        s.meet.back().second = std::max(s.meet.back().second, hi);
      else
        s.meet.emplace_back(lo, hi);
    if (s.meet.size() == begin + 1 && s.meet.back().first == -span &&
        s.meet.back().second == span) {
      s.meet.pop_back();  // within W at every offset difference
      ++always;
      continue;
    }
    const std::int64_t day_a = utc_day(ta[0]), day_b = utc_day(tb[0]);
    s.days.push_back(day_a);
    s.days.push_back(day_b);
    s.partial.push_back({day_a, day_b, begin, static_cast<std::uint32_t>(s.meet.size())});
  }
  std::sort(s.days.begin(), s.days.end());
  s.days.erase(std::unique(s.days.begin(), s.days.end()), s.days.end());
  auto index_of = [&](std::int64_t day) {
    return std::lower_bound(s.days.begin(), s.days.end(), day) - s.days.begin();
  };
  for (NullScratch::Partial& p : s.partial) {
    p.day_a = index_of(p.day_a) * kReplicateBlock;
    p.day_b = index_of(p.day_b) * kReplicateBlock;
  }
  s.off_a.assign(s.days.size() * kReplicateBlock, 0);
  s.off_b.assign(s.days.size() * kReplicateBlock, 0);
  std::uint32_t reached = 0;
  const std::uint64_t ha = m.account_hash[a], hb = m.account_hash[b];
  const auto replicates = static_cast<std::size_t>(opt.null_replicates);
  NullScratch::SourceOffsets& source = s.source;
  const std::int64_t first_day = utc_day(m.span_start);
  const auto span_days = static_cast<std::size_t>(utc_day(m.span_start + m.span_ms - 1) -
                                                  first_day + 1);
  const bool cache = span_days * replicates <= kMaxSourceOffsets;
  if (cache && source.account != a) {
    source.account = a;
    source.drawn.assign(span_days, 0);
    source.offsets.resize(span_days * replicates);
  }
  const auto offset_of = [&](std::uint64_t h, int r, std::int64_t day) {
    return static_cast<std::int32_t>(jitter_offset(opt.seed, h, r, day, jitter));
  };
  for (int r0 = 0; r0 < opt.null_replicates; r0 += kReplicateBlock) {
    const int n = std::min(kReplicateBlock, opt.null_replicates - r0);
    for (std::size_t d = 0; d < s.days.size(); ++d) {
      const std::int64_t day = s.days[d];
      std::int32_t* off_a = s.off_a.data() + d * kReplicateBlock;
      const auto at = static_cast<std::uint64_t>(day - first_day);
      if (cache && day >= first_day && at < span_days) {
        std::int32_t* held = source.offsets.data() + at * replicates;
        for (auto r = static_cast<int>(source.drawn[at]); r < r0 + n; ++r)
          held[r] = offset_of(ha, r, day);
        source.drawn[at] = std::max(source.drawn[at], static_cast<std::uint32_t>(r0 + n));
        std::copy(held + r0, held + r0 + n, off_a);
      } else {
        for (int k = 0; k < n; ++k) off_a[k] = offset_of(ha, r0 + k, day);
      }
      for (int k = 0; k < n; ++k) s.off_b[d * kReplicateBlock + k] = offset_of(hb, r0 + k, day);
    }
    std::uint32_t hits[kReplicateBlock];
    std::fill(hits, hits + kReplicateBlock, always);
    for (const NullScratch::Partial& p : s.partial) {
      const std::int32_t* oa = s.off_a.data() + p.day_a;
      const std::int32_t* ob = s.off_b.data() + p.day_b;
      std::int32_t delta[kReplicateBlock];
      for (int k = 0; k < kReplicateBlock; ++k) delta[k] = oa[k] - ob[k];
      // The merged intervals are apart: at most one holds a replicate's difference.
      for (std::uint32_t i = p.begin; i < p.end; ++i) {
        const auto lo = static_cast<std::int32_t>(s.meet[i].first);
        const auto hi = static_cast<std::int32_t>(s.meet[i].second);
        for (int k = 0; k < kReplicateBlock; ++k)
          hits[k] += static_cast<std::uint32_t>((delta[k] >= lo) & (delta[k] <= hi));
      }
    }
    for (int k = 0; k < n; ++k) {
      out[static_cast<std::size_t>(r0 + k)] = hits[k];
      if (static_cast<double>(hits[k]) >= observed && ++reached == stop_at) return r0 + k + 1;
    }
  }
  return opt.null_replicates;
}

// Null weights of one edge for every replicate, in order; but once `stop_at` of them have
// reached `observed` (the edge's weight), the rest are not drawn (left 0). Returns the
// replicates drawn.
int null_weights(const NullModel& m, const DetectOptions& opt, Behaviour behaviour,
                 const CommonObjects& c, std::uint32_t a, std::uint32_t b, double observed,
                 std::uint32_t stop_at, NullScratch& scratch, std::vector<std::uint32_t>& out) {
  const int r_count = opt.null_replicates;
  out.assign(static_cast<std::size_t>(r_count), 0);
  if (const TimeMs jitter = null_jitter_ms(behaviour, opt); jitter > 0)
    return jitter_null_weights(m, opt, jitter, c, a, b, observed, stop_at, scratch, out);
  scratch.single_a.clear();
  scratch.single_b.clear();
  scratch.multiple.clear();
  for (std::size_t o = 0; o < c.size(); ++o) {
    if (c.na(o) == 1 && c.nb(o) == 1) {
      scratch.single_a.push_back(*c.a(o) - m.span_start);
      scratch.single_b.push_back(*c.b(o) - m.span_start);
    } else {
      scratch.multiple.push_back(static_cast<std::uint32_t>(o));
    }
  }
  const TimeMs span = m.span_ms, window = opt.window_ms;
  const std::size_t singles = scratch.single_a.size();
  const TimeMs* single_a = scratch.single_a.data();
  const TimeMs* single_b = scratch.single_b.data();
  std::uint32_t reached = 0;
  for (int r = 0; r < r_count; ++r) {
    const TimeMs da = offset(m, opt.seed, a, r), db = offset(m, opt.seed, b, r);
    // shift() on both times of each object where each acted once.
    std::uint32_t w = count_single_meetings(single_a, single_b, singles, da, db, span, window);
    for (std::uint32_t o : scratch.multiple) {
      const std::uint32_t na = c.na(o), nb = c.nb(o);
      const TimeMs* ta = c.a(o);
      const TimeMs* tb = c.b(o);
      if (std::size_t{na} * nb > 16) {
        // Many times (a heavy poster): both shifted lists in order, then one merge.
        shifted_in_order(ta, na, m, da, scratch.shifted_a);
        shifted_in_order(tb, nb, m, db, scratch.shifted_b);
        w += any_within(scratch.shifted_a, scratch.shifted_b, window);
        continue;
      }
      bool hit = false;
      for (std::uint32_t x = 0; x < na && !hit; ++x) {
        TimeMs sa = shift(m, ta[x], da);
        for (std::uint32_t y = 0; y < nb; ++y) {
          TimeMs diff = sa - shift(m, tb[y], db);
          if (diff <= opt.window_ms && -diff <= opt.window_ms) {
            hit = true;
            break;
          }
        }
      }
      w += hit;
    }
    out[static_cast<std::size_t>(r)] = w;
    if (static_cast<double>(w) >= observed && ++reached == stop_at) return r + 1;
  }
  return r_count;
}

// What each edge's tests read: every account's actions (by_account) and their runs. The
// actions' own objects are freed once the runs are built: the runs and the times are read
// from then on (at 10M messages, the hashtag's 8M objects are 32 MB beside the runs).
struct EdgeTestLists {
  AccountActions actions;
  AccountRuns runs;
};

EdgeTestLists edge_test_lists(const ActionTable& t, std::size_t accounts) {
  EdgeTestLists l;
  l.actions = by_account(t, accounts);
  l.runs = runs_of(l.actions);
  std::vector<std::uint32_t>().swap(l.actions.object);
  return l;
}

// The popularity-preserving co-occurrence null (Chung–Lu on the bipartite account x object
// graph): account a acts on object o with probability min(1, k_a s_o / S), independently of
// every other account, where k_a is the number of distinct objects a acted on, s_o the number
// of distinct accounts that acted on o and S the sum of either. Heavy accounts and popular
// objects thus meet often by chance; a pair meets beyond that only through a common agenda.
// Per account the number of distinct objects it acted on, per object the number of distinct
// accounts that acted on it.
void degrees_and_popularity(const AccountRuns& runs, std::size_t objects,
                            std::vector<std::uint32_t>& degree, std::vector<std::uint32_t>& pop) {
  const std::size_t accounts = runs.start.size() - 1;
  degree.resize(accounts);
  for (std::size_t a = 0; a < accounts; ++a)
    degree[a] = static_cast<std::uint32_t>(runs.start[a + 1] - runs.start[a]);
  pop.assign(objects, 0);
  for (const std::uint32_t o : runs.object) ++pop[o];
}

class Cooccurrence {
 public:
  // degree and pop as degrees_and_popularity() gives them (pop in any order).
  Cooccurrence(std::vector<std::uint32_t> degree, std::vector<std::uint32_t> pop)
      : degree_(std::move(degree)) {
    std::sort(pop.begin(), pop.end());
    pop_.reserve(pop.size());
    sum1_.assign(pop.size() + 1, 0.0);
    sum2_.assign(pop.size() + 1, 0.0);
    for (std::size_t o = 0; o < pop.size(); ++o) {
      const double s = pop[o];
      pop_.push_back(s);
      sum1_[o + 1] = sum1_[o] + s;
      sum2_[o + 1] = sum2_[o] + s * s;
    }
    total_ = sum1_.back();
  }

  std::uint32_t degree(std::uint32_t a) const { return degree_[a]; }

  // Expected number of objects both a and b act on: the sum over objects of
  // min(1, x s_o) min(1, y s_o), with x <= y, from prefix sums over objects sorted by s_o.
  double expected(std::uint32_t a, std::uint32_t b) const {
    if (total_ <= 0) return 0;
    double x = degree_[a] / total_, y = degree_[b] / total_;
    if (x > y) std::swap(x, y);
    if (x <= 0) return 0;
    auto first_at_least = [&](double v) {
      return static_cast<std::size_t>(std::lower_bound(pop_.begin(), pop_.end(), v) -
                                      pop_.begin());
    };
    const std::size_t iy = first_at_least(1.0 / y), ix = std::max(iy, first_at_least(1.0 / x));
    return x * y * sum2_[iy] + x * (sum1_[ix] - sum1_[iy]) +
           static_cast<double>(pop_.size() - ix);
  }

 private:
  std::vector<std::uint32_t> degree_;
  std::vector<double> pop_, sum1_, sum2_;
  double total_ = 0;
};

}  // namespace

double poisson_upper_tail(std::uint64_t c, double lambda) {
  if (c == 0) return 1;
  if (!(lambda > 0)) return 0;
  const double k0 = static_cast<double>(c);
  if (k0 <= lambda) {
    // 1 - P(X <= c - 1), the lower terms summed from the largest down.
    double term = std::exp(-lambda + (k0 - 1) * std::log(lambda) - std::lgamma(k0));
    double sum = 0;
    for (std::uint64_t k = c; k-- > 0;) {
      sum += term;
      if (term < sum * 1e-17) break;
      term *= static_cast<double>(k) / lambda;
    }
    return std::clamp(1 - sum, 0.0, 1.0);
  }
  double term = std::exp(-lambda + k0 * std::log(lambda) - std::lgamma(k0 + 1));
  double sum = 0;
  for (std::uint64_t k = c;; ++k) {
    sum += term;
    term *= lambda / static_cast<double>(k + 1);
    if (term <= sum * 1e-17) break;
  }
  return std::min(1.0, sum);
}

double log_upper_tail(std::uint64_t c, double mean, double variance) {
  if (c == 0) return 0;
  if (!(mean > 0)) return -std::numeric_limits<double>::infinity();
  const double k0 = static_cast<double>(c);
  const bool poisson = !(variance > mean);
  // Negative binomial: size r, success probability q; P(X = k) = C(k + r - 1, k) q^r (1-q)^k.
  const double r = poisson ? 0 : mean * mean / (variance - mean);
  const double q = poisson ? 1 : mean / variance;
  auto log_pmf = [&](double k) {
    if (poisson) return -mean + k * std::log(mean) - std::lgamma(k + 1);
    return std::lgamma(k + r) - std::lgamma(r) - std::lgamma(k + 1) + r * std::log(q) +
           k * std::log1p(-q);
  };
  // ratio P(k + 1) / P(k)
  auto ratio = [&](double k) {
    return poisson ? mean / (k + 1) : (k + r) / (k + 1) * (1 - q);
  };
  if (k0 <= mean) {
    // Not in the tail: 1 - P(X < c), the lower terms summed directly.
    double lower = 0;
    for (std::uint64_t k = 0; k < c; ++k) lower += std::exp(log_pmf(static_cast<double>(k)));
    return std::log(std::clamp(1 - lower, std::numeric_limits<double>::min(), 1.0));
  }
  // Terms relative to P(c): 1 + rho_c + rho_c rho_(c+1) + ..., until the rest is negligible.
  // The ratios fall towards (1 - q) (or 0) once past the mode, and never exceed the larger of
  // the current ratio and 1 - q, which bounds what is left by a geometric series.
  // A very wide fit (1 - q close to 1) would need more terms than the cap: what is left then
  // is added as its geometric bound, so the tail is never understated.
  double sum = 1, term = 1, k = k0, rest = 0;
  for (int i = 0; i < 10'000'000; ++i) {
    const double rho = ratio(k);
    term *= rho;
    sum += term;
    k += 1;
    const double bound = std::max(ratio(k), poisson ? 0.0 : 1 - q);
    rest = bound < 1 ? term * bound / (1 - bound) : std::numeric_limits<double>::infinity();
    if (rest <= sum * 1e-15) {
      rest = 0;
      break;
    }
  }
  return std::min(0.0, log_pmf(k0) + std::log(sum + rest));
}

namespace {
// log((1 + ge) / (R + 1)): `ge` of R replicates at or above the observed value.
double counted_log_p(std::size_t ge, std::size_t replicates) {
  return std::log((1 + static_cast<double>(ge)) / (static_cast<double>(replicates) + 1));
}
}  // namespace

double replicate_log_p(std::span<const double> sums, double observed, bool& from_tail) {
  const double replicates = static_cast<double>(sums.size());
  std::size_t ge = 0;
  for (double v : sums) ge += v >= observed;
  const double floor = 1 / (replicates + 1);
  from_tail = false;
  double log_p = counted_log_p(ge, sums.size());
  if (ge == 0 && !sums.empty()) {
    double total = 0;
    for (double v : sums) total += v;
    const double mean = (total + 1) / (replicates + 1);
    double ss = 0;
    const double plain = total / replicates;
    for (double v : sums) ss += (v - plain) * (v - plain);
    const double variance = sums.size() > 1 ? ss / (replicates - 1) : 0;
    const double tail = log_upper_tail(static_cast<std::uint64_t>(std::ceil(observed)), mean, variance);
    if (tail < std::log(floor)) {
      log_p = tail;
      from_tail = true;
    }
  }
  return log_p;
}

namespace {
// time_p_value() of a row where `ge` >= 1 replicates reached the weight.
double counted_p_value(std::size_t ge, std::size_t replicates) {
  return std::max(std::exp(counted_log_p(ge, replicates)), std::numeric_limits<double>::min());
}
}  // namespace

double time_p_value(double weight, std::span<const std::uint32_t> row,
                    std::vector<double>& scratch) {
  scratch.assign(row.begin(), row.end());
  bool from_tail = false;
  return std::max(std::exp(replicate_log_p(scratch, weight, from_tail)),
                  std::numeric_limits<double>::min());
}

void cluster_p_value(const std::vector<double>& sums, double observed, Cluster& c) {
  const double log_p = replicate_log_p(sums, observed, c.p_from_tail);
  c.p_log10 = log_p / std::log(10.0);
  c.p_value = std::max(std::exp(log_p), std::numeric_limits<double>::min());
}

NullModel make_null_model(const Dataset& d) {
  NullModel m;
  TimeMs lo = INT64_MAX, hi = INT64_MIN;
  for (TimeMs t : d.msg_time) {
    if (t == kNoTime) continue;
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  if (lo <= hi) {
    m.span_start = lo;
    m.span_ms = hi - lo + 1;
  }
  m.account_hash.resize(d.accounts());
  std::string key;
  for (std::size_t a = 0; a < d.accounts(); ++a) {
    key.assign(d.account_platform[a]);
    key.push_back('\0');
    key.append(d.account_id[a]);
    m.account_hash[a] = hash_key(key);
  }
  return m;
}

namespace {

// Fills edge i's statistics from its common objects, expected common objects and replicate
// weights w (R values): the time-shift p-value with the fitted tail beyond every replicate.
void finish_edge(Edge& e, std::size_t i, std::uint32_t common, double expected,
                 std::span<const std::uint32_t> w, std::vector<std::uint32_t>& replicate_weights,
                 std::vector<double>& scratch) {
  e.common_objects = common;
  e.expected_common = expected;
  e.p_cooccurrence = poisson_upper_tail(common, expected);
  e.p_value = time_p_value(e.weight, w, scratch);
  e.null_row = static_cast<std::uint32_t>(i);
  std::copy(w.begin(), w.end(),
            replicate_weights.begin() + static_cast<std::ptrdiff_t>(i * w.size()));
}

// The rows of `edges` that finish_edge() wrote (rows `kept` onward, in edge order): those of
// edges that may be kept at `rows_up_to` (may_be_kept: by their time-shift and co-occurrence
// p-values) move down to start at row `kept`, the others are dropped (Edge::null_row
// UINT32_MAX). Returns the rows now held; `rows` keeps its size (each block of edges is
// written over the rows past the ones held, so only growth is zeroed: at 10M messages the
// hashtag's blocks were zeroed anew for every block, 26 MB each), and the caller cuts it to
// the rows held at the end.
std::size_t keep_rows_up_to(std::span<Edge> edges, std::vector<std::uint32_t>& rows,
                            std::size_t replicates, double rows_up_to, std::size_t kept) {
  for (Edge& e : edges) {
    if (!may_be_kept(e, rows_up_to)) {
      e.null_row = UINT32_MAX;
      continue;
    }
    if (e.null_row != kept)  // a later row to an earlier place: the ranges do not overlap
      std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(std::size_t{e.null_row} * replicates),
                  replicates, rows.begin() + static_cast<std::ptrdiff_t>(kept * replicates));
    e.null_row = static_cast<std::uint32_t>(kept++);
  }
  return kept;
}

// Room for the rows of `edges` more edges past the `kept` rows held (zeroing only growth).
void make_room(std::vector<std::uint32_t>& rows, std::size_t kept, std::size_t edges,
               std::size_t replicates) {
  rows.resize(std::max(rows.size(), (kept + edges) * replicates));
}

// Rank 0's edges' account pairs (source, target as uint32) on every rank.
dist::Bytes broadcast_pairs(dist::Communicator& comm, std::span<const Edge> edges) {
  dist::Bytes pairs;
  for (const Edge& e : edges) {
    dist::append_value(pairs, e.source);
    dist::append_value(pairs, e.target);
  }
  comm.broadcast(pairs, 0);
  count_traffic(&DetectionTraffic::nulls, broadcast_sent(comm, pairs));
  return pairs;
}

// The time-shift null's edges go in blocks of this many: each block's rows are computed after
// the rows kept so far, then only those at or below rows_up_to stay, so the rows dropped (and,
// on a shard, the counts summed) are held a block at a time.
constexpr std::size_t kEdgeBlock = std::size_t{1} << 16;

// A shard's part (docs/distributed.md): both nulls add up over objects — an edge's common
// objects, and in each replicate the objects on which its two accounts meet within W — and
// each object lies on one rank, so every rank counts over its own objects, the counts are
// summed on rank 0, and rank 0 (which alone holds the edges) tests them. The shifts depend on
// (seed, account, replicate) only, so every rank shifts an account alike. The edges go in
// blocks, as in one process: every rank holds one block's counts at a time, and rank 0 keeps
// only the rows an FDR level up to rows_up_to may read.
void sharded_edge_p_values(const ActionTable& t, const NullModel& m, const DetectOptions& opt,
                           std::span<Edge> edges, std::vector<std::uint32_t>& replicate_weights,
                           double rows_up_to) {
  dist::Communicator& comm = *t.comm;
  const dist::Bytes accounts = broadcast_pairs(comm, edges);
  const auto* ab = reinterpret_cast<const std::uint32_t*>(accounts.data());
  const std::size_t n = accounts.size() / (2 * sizeof(std::uint32_t));
  if (opt.null_replicates <= 0 || n == 0) return;
  const auto replicates = static_cast<std::size_t>(opt.null_replicates);
  const std::size_t row = replicates + 1;  // common objects, then the replicate weights
  const EdgeTestLists lists = edge_test_lists(t, m.account_hash.size());
  const AccountActions& aa = lists.actions;
  const AccountRuns& runs = lists.runs;
  std::optional<Cooccurrence> cooccurrence;
  {
    std::vector<std::uint32_t> degree, pop;
    degrees_and_popularity(runs, t.objects(), degree, pop);
    comm.reduce_sum(degree, 0);
    dist::Bytes mine;
    dist::append(mine, std::span<const std::uint32_t>(pop));
    // The sums travel towards rank 0 (a tree inside MPI; counted as if sent directly).
    count_traffic(&DetectionTraffic::nulls,
                  gather_sent(comm, mine) + (comm.rank() == 0 ? 0 : 4 * degree.size()));
    std::vector<dist::Bytes> pops = comm.gather(std::move(mine), 0);
    if (comm.rank() == 0) {
      pop.clear();
      for (const dist::Bytes& b : pops)
        pop.insert(pop.end(), reinterpret_cast<const std::uint32_t*>(b.data()),
                   reinterpret_cast<const std::uint32_t*>(b.data() + b.size()));
      cooccurrence.emplace(std::move(degree), std::move(pop));
    }
  }
  std::vector<std::uint32_t> sums;
  std::size_t kept = 0;
  for (std::size_t first = 0; first < n; first += kEdgeBlock) {
    const std::size_t last = std::min(n, first + kEdgeBlock);
    sums.assign((last - first) * row, 0);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(first, last, 64),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        CommonObjects c;
                        NullScratch scratch;
                        std::vector<std::uint32_t> w;
                        for (std::size_t i = r.begin(); i != r.end(); ++i) {
                          common_objects(aa, runs, ab[2 * i], ab[2 * i + 1], c);
                          if (c.size() == 0) continue;
                          std::uint32_t* out = sums.data() + (i - first) * row;
                          out[0] = static_cast<std::uint32_t>(c.size());
                          null_weights(m, opt, t.behaviour, c, ab[2 * i], ab[2 * i + 1], 0,
                                       UINT32_MAX, scratch, w);
                          std::copy(w.begin(), w.end(), out + 1);
                        }
                      });
    comm.reduce_sum(sums, 0);
    count_traffic(&DetectionTraffic::nulls, comm.rank() == 0 ? 0 : 4 * sums.size());
    if (comm.rank() != 0) continue;
    make_room(replicate_weights, kept, last - first, replicates);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(first, last, 256),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        std::vector<double> p_scratch;
                        for (std::size_t i = r.begin(); i != r.end(); ++i) {
                          const std::uint32_t* in = sums.data() + (i - first) * row;
                          finish_edge(edges[i], kept + i - first, in[0],
                                      cooccurrence->expected(edges[i].source, edges[i].target),
                                      std::span<const std::uint32_t>(in + 1, replicates),
                                      replicate_weights, p_scratch);
                        }
                      });
    kept = keep_rows_up_to(edges.subspan(first, last - first), replicate_weights, replicates,
                           rows_up_to, kept);
  }
  // The rows dropped must also give their memory back, or the Detector caches them with the
  // edges for the whole run.
  replicate_weights.resize(kept * replicates);
  replicate_weights.shrink_to_fit();
}

}  // namespace

void edge_p_values(const ActionTable& t, const NullModel& m, const DetectOptions& opt,
                   std::span<Edge> edges, std::vector<std::uint32_t>& replicate_weights,
                   double rows_up_to, std::size_t bounded) {
  replicate_weights.clear();
  if (t.comm) return sharded_edge_p_values(t, m, opt, edges, replicate_weights, rows_up_to);
  if (opt.null_replicates <= 0 || edges.empty()) return;
  const auto replicates = static_cast<std::size_t>(opt.null_replicates);
  const EdgeTestLists lists = edge_test_lists(t, m.account_hash.size());
  const AccountActions& aa = lists.actions;
  const AccountRuns& runs = lists.runs;
  std::vector<std::uint32_t> degree, pop;
  degrees_and_popularity(runs, t.objects(), degree, pop);
  const Cooccurrence cooccurrence(std::move(degree), std::move(pop));
  // In blocks (kEdgeBlock), each block's rows computed in parallel.
  std::size_t kept = 0;
  // A bounded edge's replicates stop at the `stop_at`-th that reaches its weight: the fewest
  // that put its p-value above rows_up_to (never, when no count does).
  std::uint32_t stop_at = UINT32_MAX;
  for (std::size_t g = 1; g <= replicates && bounded > 0; ++g)
    if (counted_p_value(g, replicates) > rows_up_to) {
      stop_at = static_cast<std::uint32_t>(g);
      break;
    }
  for (std::size_t first = 0; first < edges.size(); first += kEdgeBlock) {
    const std::size_t last = std::min(edges.size(), first + kEdgeBlock);
    make_room(replicate_weights, kept, last - first, replicates);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(first, last, 64),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        CommonObjects c;
                        NullScratch scratch;
                        std::vector<std::uint32_t> w;
                        std::vector<double> p_scratch;
                        for (std::size_t i = r.begin(); i != r.end(); ++i) {
                          Edge& e = edges[i];
                          common_objects(aa, runs, e.source, e.target, c);
                          const int drawn = null_weights(m, opt, t.behaviour, c, e.source,
                                                         e.target, e.weight,
                                                         i < bounded ? stop_at : UINT32_MAX,
                                                         scratch, w);
                          finish_edge(e, kept + i - first, static_cast<std::uint32_t>(c.size()),
                                      cooccurrence.expected(e.source, e.target), w,
                                      replicate_weights, p_scratch);
                          // Stopped: above rows_up_to, so keep_rows_up_to drops its row.
                          if (drawn < opt.null_replicates)
                            e.p_value = counted_p_value(stop_at, replicates);
                        }
                      });
    kept = keep_rows_up_to(edges.subspan(first, last - first), replicate_weights, replicates,
                           rows_up_to, kept);
  }
  replicate_weights.resize(kept * replicates);
}

ShareOrigins share_origins(const Dataset& d, const ActionTable& t, const MessageIndex& originals) {
  const std::size_t objects = t.objects();
  ShareOrigins out;
  out.posted.assign(objects, kNoTime);
  out.account.assign(objects, kNoAccount);
  tbb::parallel_for(std::size_t{0}, objects, [&](std::size_t o) {
    const std::uint32_t msg = t.object_msg[o];
    const std::int64_t orig = originals.original_of(msg);
    if (orig < 0 || d.msg_time[static_cast<std::size_t>(orig)] == kNoTime) return;
    out.posted[o] = d.msg_time[static_cast<std::size_t>(orig)];
    out.account[o] = d.msg_account[static_cast<std::size_t>(orig)];
  });
  return out;
}

namespace {

// One response of an account to a post whose original is in the data: the delay from the
// original to the account's first re-share of it. Sorted by (source, object), the order in
// which the stimulus null draws.
struct Response {
  std::uint32_t source, object;  // the original's author; the object (whole table's index)
  TimeMs delay;
  bool operator<(const Response& o) const {
    return source != o.source ? source < o.source : object < o.object;
  }
};

// Per account, its responses sorted by (source, object): CSR over accounts.
struct AccountResponses {
  std::vector<std::uint64_t> start;  // per account
  std::vector<Response> list;
  std::span<const Response> of(std::uint32_t a) const {
    return {list.data() + start[a], list.data() + start[a + 1]};
  }
};

// Calls f(response) for each of account a's responses over the table's objects (`base`: the
// first object's index in the whole table), in object order.
template <typename F>
void each_response(const AccountActions& aa, const ShareOrigins& origins, std::uint32_t a,
                   std::uint32_t base, F&& f) {
  for (std::uint64_t i = aa.start[a]; i < aa.start[a + 1]; ++i) {
    const std::uint32_t o = aa.object[i];
    if (i > aa.start[a] && aa.object[i - 1] == o) continue;  // the first (actions by time)
    if (origins.posted[o] == kNoTime) continue;
    f(Response{origins.account[o], base + o, aa.time[i] - origins.posted[o]});
  }
}

// What the stimulus test of one edge reuses from one edge to the next on a thread.
struct StimulusScratch {
  struct Group {
    std::uint32_t source;
    std::uint32_t a_begin, a_end, b_begin, b_end;  // the delays of each account for the source
    std::uint32_t common_begin, common_end;         // its common posts (in draw_a, draw_b)
  };
  std::vector<Group> groups;
  std::vector<TimeMs> delay_a, delay_b;  // per group, each account's delays
  std::uint32_t common = 0;              // common posts of every group
  std::vector<TimeMs> draw_a, draw_b;    // per common post, the delays of a replicate
  std::vector<std::uint32_t> swaps;      // the shuffle's swaps, to undo them
};

// The delays of one group's common posts of one account (hash `account`) in one replicate,
// into `draw`. Under the null an account's delays for one source's posts are a random
// permutation of them; only the delays that land on posts both accounts re-shared count, so
// just those are drawn: a partial Fisher–Yates shuffle, undone afterwards, over the
// account's delays for the source.
void draw_delays(StimulusScratch& s, const StimulusScratch::Group& g, std::vector<TimeMs>& delays,
                 std::uint32_t begin, std::uint32_t end, std::uint64_t account, int replicate,
                 std::uint64_t seed, std::vector<TimeMs>& draw) {
  if (end - begin == 1) {  // one delay: every permutation leaves it where it is
    draw[g.common_begin] = delays[begin];
    return;
  }
  std::uint64_t k[4] = {account, g.source, static_cast<std::uint64_t>(replicate),
                        seed ^ 0x7374696dULL};  // "stim"
  std::uint64_t state = XXH3_64bits(k, sizeof k);
  const std::uint32_t n = end - begin, common = g.common_end - g.common_begin;
  // Position i of the shuffled list takes a uniform draw from positions [i, n); the delay at
  // common post c is the one at its own position in a permutation, so the common posts take
  // positions 0, 1, ... of the partial shuffle in turn. The draws first (each depends on the
  // stream alone, so they overlap in the processor), then the swaps.
  s.swaps.resize(common);
  for (std::uint32_t i = 0; i < common; ++i)
    s.swaps[i] = i + uniform_below(splitmix64(state), n - i);
  for (std::uint32_t c = g.common_begin, i = 0; c < g.common_end; ++c, ++i) {
    std::swap(delays[begin + i], delays[begin + s.swaps[i]]);
    draw[c] = delays[begin + i];
  }
  for (std::size_t i = common; i-- > 0;)
    std::swap(delays[begin + i], delays[begin + s.swaps[i]]);
}

// The stimulus p-value of an edge whose accounts (hashes ha, hb) made responses ra and rb.
// Only the sources of posts both re-shared count: a source of one account only has nothing
// to draw. No common post, or none re-shared by both within W: the statistic is 0, which
// every replicate reaches (p = 1). Minutes apart, two accounts re-sharing the same posts
// show coordination only beyond their responses to the posts, and without the posts' times
// the data cannot show that.
double stimulus_p(std::span<const Response> ra, std::span<const Response> rb, std::uint64_t ha,
                  std::uint64_t hb, const DetectOptions& opt, StimulusScratch& s) {
  // Per source, both accounts' delays, those of the posts both re-shared first.
  s.groups.clear();
  s.delay_a.clear(), s.delay_b.clear();
  s.common = 0;
  std::uint64_t observed = 0;
  for (std::size_t x = 0, y = 0; x < ra.size() || y < rb.size();) {
    const std::uint32_t src = x < ra.size() && (y >= rb.size() || ra[x].source <= rb[y].source)
                                  ? ra[x].source
                                  : rb[y].source;
    StimulusScratch::Group g{src,
                             static_cast<std::uint32_t>(s.delay_a.size()), 0,
                             static_cast<std::uint32_t>(s.delay_b.size()), 0,
                             s.common, 0};
    const std::size_t x0 = x, y0 = y;
    while (x < ra.size() && ra[x].source == src) s.delay_a.push_back(ra[x++].delay);
    while (y < rb.size() && rb[y].source == src) s.delay_b.push_back(rb[y++].delay);
    g.a_end = static_cast<std::uint32_t>(s.delay_a.size());
    g.b_end = static_cast<std::uint32_t>(s.delay_b.size());
    // The common posts, and each list reordered so that they come first, in the same
    // order in both: which delay lands where is then a draw over the whole list.
    std::uint32_t common = 0;
    for (std::size_t i2 = x0, j2 = y0; i2 < x && j2 < y;) {
      if (ra[i2].object < rb[j2].object) {
        ++i2;
      } else if (rb[j2].object < ra[i2].object) {
        ++j2;
      } else {
        const TimeMs gap = ra[i2].delay - rb[j2].delay;
        observed += gap <= opt.window_ms && -gap <= opt.window_ms;
        std::swap(s.delay_a[g.a_begin + common], s.delay_a[g.a_begin + (i2 - x0)]);
        std::swap(s.delay_b[g.b_begin + common], s.delay_b[g.b_begin + (j2 - y0)]);
        ++common, ++i2, ++j2;
      }
    }
    if (common == 0) {  // a source of one account only
      s.delay_a.resize(g.a_begin);
      s.delay_b.resize(g.b_begin);
      continue;
    }
    s.common += common;
    g.common_end = s.common;
    s.groups.push_back(g);
  }
  if (observed == 0) return 1;
  // A source of one re-share by each account draws the same delays in every replicate: what
  // it adds is counted once, and only the other sources are drawn.
  std::uint64_t fixed = 0;
  std::erase_if(s.groups, [&](const StimulusScratch::Group& g) {
    if (g.a_end - g.a_begin != 1 || g.b_end - g.b_begin != 1) return false;
    const TimeMs gap = s.delay_a[g.a_begin] - s.delay_b[g.b_begin];
    fixed += gap <= opt.window_ms && -gap <= opt.window_ms;
    return true;
  });
  s.draw_a.resize(s.common);
  s.draw_b.resize(s.common);
  std::size_t ge = 0;
  for (int r = 0; r < opt.null_replicates; ++r) {
    std::uint64_t together = fixed;
    for (const StimulusScratch::Group& g : s.groups) {
      draw_delays(s, g, s.delay_a, g.a_begin, g.a_end, ha, r, opt.seed, s.draw_a);
      draw_delays(s, g, s.delay_b, g.b_begin, g.b_end, hb, r, opt.seed, s.draw_b);
      for (std::uint32_t p = g.common_begin; p < g.common_end; ++p) {
        const TimeMs gap = s.draw_a[p] - s.draw_b[p];
        together += gap <= opt.window_ms && -gap <= opt.window_ms;
      }
    }
    ge += together >= observed;
  }
  return static_cast<double>(1 + ge) / static_cast<double>(opt.null_replicates + 1);
}

// The stimulus p-values of the edges with pairs `pairs` (source, target), the responses of
// their accounts in `responses`, edges [begin, end) into `p`.
void stimulus_p_range(const AccountResponses& responses, std::span<const std::uint32_t> pairs,
                      const NullModel& m, const DetectOptions& opt, std::size_t begin,
                      std::size_t end, std::vector<double>& p) {
  p.resize(end - begin);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(begin, end, 16),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      StimulusScratch s;
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        const std::uint32_t a = pairs[2 * i], b = pairs[2 * i + 1];
                        p[i - begin] = stimulus_p(responses.of(a), responses.of(b),
                                                  m.account_hash[a], m.account_hash[b], opt, s);
                      }
                    });
}

// The responses of `accounts` (the rest get none) over the table's objects.
AccountResponses responses_of(const ActionTable& t, const NullModel& m,
                              const ShareOrigins& origins,
                              std::span<const std::uint32_t> accounts) {
  const AccountActions aa = by_account(t, m.account_hash.size());
  const auto base = static_cast<std::uint32_t>(t.object_base);
  AccountResponses out;
  out.start.assign(m.account_hash.size() + 1, 0);
  tbb::parallel_for(std::size_t{0}, accounts.size(), [&](std::size_t k) {
    std::uint64_t n = 0;
    each_response(aa, origins, accounts[k], base, [&](const Response&) { ++n; });
    out.start[accounts[k] + 1] = n;
  });
  for (std::size_t a = 0; a + 1 < out.start.size(); ++a) out.start[a + 1] += out.start[a];
  out.list.resize(out.start.back());
  tbb::parallel_for(std::size_t{0}, accounts.size(), [&](std::size_t k) {
    Response* at = out.list.data() + out.start[accounts[k]];
    each_response(aa, origins, accounts[k], base, [&](const Response& x) { *at++ = x; });
    std::sort(out.list.data() + out.start[accounts[k]], at);
  });
  return out;
}

std::vector<std::uint32_t> accounts_of(std::span<const std::uint32_t> pairs) {
  std::vector<std::uint32_t> accounts(pairs.begin(), pairs.end());
  std::sort(accounts.begin(), accounts.end());
  accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
  return accounts;
}

// A shard's part (docs/distributed.md): an account's responses lie on the ranks of the
// objects it re-shared, so each rank finds those of the edges' accounts over its own objects
// and rank 0 gathers them and gives every rank the whole lists, sorted as one process sorts
// them; then each rank tests a contiguous block of the edges and rank 0 gathers the
// p-values in rank order. The draws depend on (seed, account, source, replicate) only.
void sharded_stimulus_p_values(const ActionTable& t, const NullModel& m, const DetectOptions& opt,
                               const ShareOrigins& origins, std::span<Edge> edges) {
  dist::Communicator& comm = *t.comm;
  const dist::Bytes pair_bytes = broadcast_pairs(comm, edges);
  const std::span<const std::uint32_t> pairs(
      reinterpret_cast<const std::uint32_t*>(pair_bytes.data()),
      pair_bytes.size() / sizeof(std::uint32_t));
  const std::size_t n = pairs.size() / 2;
  if (opt.null_replicates <= 0 || n == 0) return;
  const std::vector<std::uint32_t> accounts = accounts_of(pairs);
  // Rank 0 gathers each account's responses over every rank's objects.
  dist::Bytes merged;
  {
    AccountResponses mine = responses_of(t, m, origins, accounts);
    dist::Bytes out;
    for (std::uint32_t a : accounts) {
      const auto r = mine.of(a);
      if (r.empty()) continue;
      dist::append_value<std::uint32_t>(out, a);
      dist::append_value<std::uint64_t>(out, r.size());
      dist::append(out, r);
    }
    mine = AccountResponses{};
    count_traffic(&DetectionTraffic::nulls, gather_sent(comm, out));
    std::vector<dist::Bytes> got = comm.gather(std::move(out), 0);
    if (comm.rank() == 0) {
      std::vector<std::pair<std::uint32_t, Response>> all;
      for (dist::Bytes& b : got) {
        dist::Reader in(b);
        std::vector<Response> r;
        while (!in.done()) {
          const auto a = in.value<std::uint32_t>();
          r.clear();
          in.values(r, in.value<std::uint64_t>());
          for (const Response& x : r) all.emplace_back(a, x);
        }
        dist::Bytes().swap(b);
      }
      std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
        return x.first != y.first ? x.first < y.first : x.second < y.second;
      });
      for (const auto& [a, x] : all) {
        dist::append_value(merged, a);
        dist::append_value(merged, x);
      }
    }
  }
  comm.broadcast(merged, 0);
  count_traffic(&DetectionTraffic::nulls, broadcast_sent(comm, merged));
  AccountResponses responses;
  {
    const std::size_t rows = merged.size() / (sizeof(std::uint32_t) + sizeof(Response));
    dist::Reader in(merged);
    responses.start.assign(m.account_hash.size() + 1, 0);
    responses.list.reserve(rows);
    std::vector<std::uint32_t> owner(rows);
    for (std::size_t i = 0; i < rows; ++i) {
      owner[i] = in.value<std::uint32_t>();
      responses.list.push_back(in.value<Response>());
      ++responses.start[owner[i] + 1];
    }
    dist::Bytes().swap(merged);
    for (std::size_t a = 0; a < m.account_hash.size(); ++a)
      responses.start[a + 1] += responses.start[a];
  }
  // Each rank tests its block of the edges; rank 0 gathers the p-values in rank order.
  const auto rank = static_cast<std::size_t>(comm.rank());
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<double> p;
  const auto [first, end] = dist::block(n, rank, ranks);
  stimulus_p_range(responses, pairs, m, opt, first, end, p);
  dist::Bytes mine;
  dist::append(mine, std::span<const double>(p));
  count_traffic(&DetectionTraffic::nulls, gather_sent(comm, mine));
  std::vector<dist::Bytes> got = comm.gather(std::move(mine), 0);
  if (comm.rank() != 0) return;
  std::size_t i = 0;
  for (const dist::Bytes& b : got)
    for (double x : std::span<const double>(reinterpret_cast<const double*>(b.data()),
                                            b.size() / sizeof(double)))
      edges[i++].p_stimulus = x;
}

}  // namespace

void stimulus_p_values(const ActionTable& t, const NullModel& m, const DetectOptions& opt,
                       const ShareOrigins& origins, std::span<Edge> edges) {
  if (t.comm) return sharded_stimulus_p_values(t, m, opt, origins, edges);
  if (opt.null_replicates <= 0 || edges.empty()) return;
  std::vector<std::uint32_t> pairs;
  pairs.reserve(2 * edges.size());
  for (const Edge& e : edges) pairs.push_back(e.source), pairs.push_back(e.target);
  const AccountResponses responses = responses_of(t, m, origins, accounts_of(pairs));
  std::vector<double> p;
  stimulus_p_range(responses, pairs, m, opt, 0, edges.size(), p);
  for (std::size_t i = 0; i < edges.size(); ++i) edges[i].p_stimulus = p[i];
}

void permute_delays(std::span<TimeMs> delays, std::uint64_t account_hash, std::uint64_t source,
                    int replicate, std::uint64_t seed) {
  std::uint64_t k[4] = {account_hash, source, static_cast<std::uint64_t>(replicate), seed};
  std::uint64_t state = XXH3_64bits(k, sizeof k);
  for (std::size_t i = delays.size(); i > 1; --i) {
    state = XXH3_64bits(&state, sizeof state);
    std::swap(delays[i - 1], delays[state % i]);
  }
}

double bh_cutoff(std::vector<double>& p, const LeftOutTests* left_out, double q, double m) {
  if (left_out != nullptr && !left_out->low.empty()) {
    const std::size_t n = p.size();
    p.insert(p.end(), left_out->low.begin(), left_out->low.end());
    std::inplace_merge(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n), p.end());
  }
  for (std::size_t k = p.size(); k-- > 0;)
    if (p[k] <= static_cast<double>(k + 1) / m * q) return p[k];
  return -1;
}

namespace {

// Benjamini–Hochberg at level q on the p-values `p` of the edges of one behaviour at one
// window, over a family of at least `family` tests (those not among the edges counted with
// p = 1) and the left-out edges' tests; clears Edge::significant of those that fail, leaves
// untested edges (NaN) alone.
void window_family_fdr(std::span<Edge> edges, Behaviour behaviour, TimeMs window, double q,
                       std::uint64_t family, double Edge::*p, const LeftOutTests* left_out) {
  std::vector<std::size_t> tested;
  for (std::size_t i = 0; i < edges.size(); ++i)
    if (edges[i].behaviour == behaviour && edges[i].window_ms == window &&
        !std::isnan(edges[i].*p))
      tested.push_back(i);
  if (tested.empty()) return;
  std::stable_sort(tested.begin(), tested.end(),
                   [&](std::size_t x, std::size_t y) { return edges[x].*p < edges[y].*p; });
  const std::uint64_t all = tested.size() + (left_out ? left_out->tested : 0);
  const double m = static_cast<double>(std::max<std::uint64_t>(family, all));
  std::vector<double> sorted;
  sorted.reserve(tested.size());
  for (std::size_t i : tested) sorted.push_back(edges[i].*p);
  const double cutoff = bh_cutoff(sorted, left_out, q, m);
  for (std::size_t i : tested)
    if (edges[i].*p > cutoff) edges[i].significant = false;
}

}  // namespace

void stimulus_fdr(std::span<Edge> edges, Behaviour behaviour, TimeMs window, double q,
                  const LeftOutTests* left_out) {
  window_family_fdr(edges, behaviour, window, q, 0, &Edge::p_stimulus, left_out);
}

void cooccurrence_fdr(std::span<Edge> edges, Behaviour behaviour, TimeMs window, double q,
                      const LeftOutTests* left_out, std::uint64_t candidates) {
  window_family_fdr(edges, behaviour, window, q, candidates, &Edge::p_cooccurrence, left_out);
}

void hashtag_time_fdr(std::span<Edge> edges, TimeMs window, double q, std::uint64_t candidates,
                      const LeftOutTests* left_out) {
  for (Edge& e : edges)
    if (e.behaviour == Behaviour::kHashtag && e.window_ms == window && !std::isnan(e.p_value))
      e.significant = true;
  window_family_fdr(edges, Behaviour::kHashtag, window, q, candidates, &Edge::p_value, left_out);
}

void benjamini_hochberg(std::span<Edge> edges, double q, const LeftOutTests* left_out) {
  std::vector<std::size_t> tested;
  for (std::size_t i = 0; i < edges.size(); ++i)
    if (!std::isnan(edges[i].p_value) && edges[i].behaviour != Behaviour::kHashtag)
      tested.push_back(i);
  if (tested.empty()) return;
  std::stable_sort(tested.begin(), tested.end(), [&](std::size_t x, std::size_t y) {
    return edges[x].p_value < edges[y].p_value;
  });
  const double m =
      static_cast<double>(tested.size() + (left_out != nullptr ? left_out->tested : 0));
  std::vector<double> sorted;
  sorted.reserve(tested.size());
  for (std::size_t i : tested) sorted.push_back(edges[i].p_value);
  const double cutoff = bh_cutoff(sorted, left_out, q, m);
  for (std::size_t i : tested) edges[i].significant = edges[i].p_value <= cutoff;
}

double sign_test(std::uint64_t k, std::uint64_t n) {
  if (n == 0 || 2 * k >= n) return 1.0;
  // Summed in log space from the largest term down: n can reach the days of a long period
  // times the hashtags two accounts share, where 2^-n underflows a double.
  const double ln_n = std::lgamma(static_cast<double>(n) + 1);
  const double ln_half = static_cast<double>(n) * std::log(0.5);
  auto ln_term = [&](std::uint64_t i) {
    return ln_n - std::lgamma(static_cast<double>(i) + 1) -
           std::lgamma(static_cast<double>(n - i) + 1) + ln_half;
  };
  const double top = ln_term(k);
  double sum = 0;
  for (std::uint64_t i = 0; i <= k; ++i) sum += std::exp(ln_term(i) - top);
  return std::min(1.0, 2 * std::exp(top) * sum);
}

void order_test(const Dataset& d, const DetectionResult& r, const DetectOptions& opt,
                std::span<Edge> edges) {
  struct Meeting {
    std::uint32_t object;
    TimeMs gap;    // target's time minus source's, the closest pair of the object first
    TimeMs first;  // the earlier of the two times
    bool operator<(const Meeting& o) const {
      if (object != o.object) return object < o.object;
      const TimeMs a = gap < 0 ? -gap : gap, b = o.gap < 0 ? -o.gap : o.gap;
      if (a != b) return a < b;
      return gap != o.gap ? gap < o.gap : first < o.first;
    }
  };
  // The closest co-action pair of each object an edge's accounts met on.
  auto meetings = [&](const Edge& e, std::vector<Meeting>& m) {
    m.clear();
    for (std::uint64_t x = e.evidence_begin; x < e.evidence_end; ++x) {
      const EvidencePair& p = r.evidence[x];
      const TimeMs ts = d.msg_time[p.source_msg], tt = d.msg_time[p.target_msg];
      m.push_back({p.object, tt - ts, std::min(ts, tt)});
    }
    std::sort(m.begin(), m.end());
    m.erase(std::unique(m.begin(), m.end(),
                        [](const Meeting& x, const Meeting& y) { return x.object == y.object; }),
            m.end());
  };
  auto hashtag = [](const Edge& e) { return e.behaviour == Behaviour::kHashtag && e.significant; };
  // 1. Each pair by itself: which account came first in each meeting.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, edges.size(), 64),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      std::vector<Meeting> m;
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        Edge& e = edges[i];
                        if (!hashtag(e)) continue;
                        meetings(e, m);
                        std::uint64_t source_first = 0, target_first = 0;
                        for (const Meeting& x : m) {
                          source_first += x.gap > 0;
                          target_first += x.gap < 0;
                        }
                        e.p_order = sign_test(std::min(source_first, target_first),
                                              source_first + target_first);
                      }
                    });
  // 2. The leaders: (follower, leader) for every pair whose order failed the test, and each
  // leader's posts in those meetings, (leader, object, time).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> follows;
  std::vector<std::tuple<std::uint32_t, std::uint32_t, TimeMs>> led;
  for (Edge& e : edges) {
    if (!hashtag(e) || !(e.p_order <= opt.fdr)) continue;
    e.significant = false;
    std::int64_t balance = 0;  // > 0: the source came first more often
    for (std::uint64_t x = e.evidence_begin; x < e.evidence_end; ++x) {
      const EvidencePair& p = r.evidence[x];
      const TimeMs gap = d.msg_time[p.target_msg] - d.msg_time[p.source_msg];
      balance += (gap > 0) - (gap < 0);
      const bool source_leads = gap > 0;
      led.emplace_back(source_leads ? e.source : e.target, p.object,
                       d.msg_time[source_leads ? p.source_msg : p.target_msg]);
    }
    if (balance > 0) follows.emplace_back(e.target, e.source);
    if (balance < 0) follows.emplace_back(e.source, e.target);
  }
  if (follows.empty()) return;
  std::sort(follows.begin(), follows.end());
  follows.erase(std::unique(follows.begin(), follows.end()), follows.end());
  std::sort(led.begin(), led.end());
  led.erase(std::unique(led.begin(), led.end()), led.end());
  // 3. Two followers of one leader meet after its posts: a meeting that a leader both follow
  // posted on at most W before does not count, and a pair left with fewer than
  // min_repetition meetings is not kept.
  auto leaders_of = [&](std::uint32_t a) {
    auto lo = std::lower_bound(follows.begin(), follows.end(),
                               std::pair<std::uint32_t, std::uint32_t>{a, 0});
    auto hi = lo;
    while (hi != follows.end() && hi->first == a) ++hi;
    return std::span(lo, hi);
  };
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, edges.size(), 64),
      [&](const tbb::blocked_range<std::size_t>& range) {
        std::vector<Meeting> m;
        std::vector<std::uint32_t> common;
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          Edge& e = edges[i];
          if (!hashtag(e)) continue;
          auto la = leaders_of(e.source), lb = leaders_of(e.target);
          common.clear();
          for (std::size_t x = 0, y = 0; x < la.size() && y < lb.size();) {
            if (la[x].second < lb[y].second) {
              ++x;
            } else if (lb[y].second < la[x].second) {
              ++y;
            } else {
              common.push_back(la[x].second);
              ++x, ++y;
            }
          }
          if (common.empty()) continue;
          meetings(e, m);
          std::uint32_t unexplained = 0;
          for (const Meeting& x : m) {
            bool explained = false;
            for (std::uint32_t l : common) {
              // The leader's last post on the object at or before the meeting's first action.
              auto it = std::upper_bound(led.begin(), led.end(), std::tuple{l, x.object, x.first});
              if (it != led.begin()) {
                const auto& [leader, object, t] = *(it - 1);
                explained =
                    explained || (leader == l && object == x.object && x.first - t <= e.window_ms);
              }
            }
            unexplained += !explained;
            e.led_meetings += explained;
          }
          if (unexplained < static_cast<std::uint32_t>(opt.min_repetition)) e.significant = false;
        }
      });
}

}  // namespace groundswell::detect_internal
