// Co-action pairs per behaviour: a sweep over each object's actions in time order emits the
// pairs at most W apart (never all pairs of an object), then pairs are hash-partitioned by
// account pair and each partition is sorted and reduced to edges.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>
#include <utility>

#include "base/default_init.h"
#include "base/hash.h"
#include "detect/internal.h"
#include "dist/communicator.h"

namespace groundswell::detect_internal {
namespace {

// Plain, so that the arrays of them are allocated unwritten (DefaultInit): made as
// `PairRecord p{}`, every field zero until set.
struct PairRecord {
  std::uint32_t a, b;  // account pair (a = edge source)
  std::uint32_t object;
  std::uint32_t msg_a, msg_b;
  std::uint32_t delay_ms;
  std::uint8_t a_first;  // coortweet: a's share is the earlier (first-side) one

  // By (a, b, object, delay_ms, msg_a, msg_b, a_first), compared two fields at a time
  // (sorting the records was a tenth of a window variant's time at 10M messages).
  static std::uint64_t join(std::uint32_t high, std::uint32_t low) {
    return (static_cast<std::uint64_t>(high) << 32) | low;
  }
  bool operator<(const PairRecord& o) const {
    const std::uint64_t x1 = join(a, b), y1 = join(o.a, o.b);
    if (x1 != y1) return x1 < y1;
    const std::uint64_t x2 = join(object, delay_ms), y2 = join(o.object, o.delay_ms);
    if (x2 != y2) return x2 < y2;
    const std::uint64_t x3 = join(msg_a, msg_b), y3 = join(o.msg_a, o.msg_b);
    if (x3 != y3) return x3 < y3;
    return a_first < o.a_first;
  }
};

// A partition's records: written in full once placed, so not zeroed first.
using PairRecords = std::vector<PairRecord, DefaultInit<PairRecord>>;

std::uint32_t partition_of(std::uint32_t a, std::uint32_t b) {
  std::uint64_t k = (static_cast<std::uint64_t>(a) << 32) | b;
  return static_cast<std::uint32_t>(XXH3_64bits_withSeed(&k, sizeof k, kPairSeed) % kPartitions);
}

// Pair records written straight into their hash partitions, each partition allocated at its
// size. A sweep `sweep(begin, end, sink)` hands the records of a range of its items (objects,
// or pairs) to sink.push_back(record). It runs once over fixed blocks of items to count each
// block's records per partition (the constructor), then once for each range of partitions
// kept (place()), each block writing at offsets of its own: no vector grows and no record is
// copied into its partition afterwards (at 10M messages the growing and the copying were a
// fifth of a window variant's time), and a partition's records come in the same order at
// any number of threads.
class PairPlacement {
 public:
  template <typename Sweep>
  PairPlacement(std::size_t items, const Sweep& sweep)
      : items_(items), blocks_((items + kItemsPerBlock - 1) / kItemsPerBlock),
        at_(blocks_ * kPartitions, 0) {
    tbb::parallel_for(std::size_t{0}, blocks_, [&](std::size_t block) {
      Counter c{at_.data() + block * kPartitions};
      sweep(block * kItemsPerBlock, std::min(items_, (block + 1) * kItemsPerBlock), c);
    });
    // Each block's counts become the offsets its records start at in their partitions.
    for (std::uint32_t part = 0; part < kPartitions; ++part) {
      std::uint64_t at = 0;
      for (std::size_t block = 0; block < blocks_; ++block)
        at += std::exchange(at_[block * kPartitions + part], at);
      sizes_[part] = at;
      records_ += at;
    }
  }

  // The records counted, over every partition.
  std::uint64_t records() const { return records_; }

  // The records of partitions [first, last), the others left empty.
  template <typename Sweep>
  std::vector<PairRecords> place(const Sweep& sweep, std::uint32_t first = 0,
                                 std::uint32_t last = kPartitions) const {
    std::vector<PairRecords> parts(kPartitions);
    for (std::uint32_t part = first; part < last; ++part) parts[part].resize(sizes_[part]);
    tbb::parallel_for(std::size_t{0}, blocks_, [&](std::size_t block) {
      Writer w;
      for (std::uint32_t part = 0; part < kPartitions; ++part) {
        w.to[part] = part >= first && part < last ? parts[part].data() : nullptr;
        w.at[part] = at_[block * kPartitions + part];
      }
      sweep(block * kItemsPerBlock, std::min(items_, (block + 1) * kItemsPerBlock), w);
    });
    return parts;
  }

 private:
  static constexpr std::size_t kItemsPerBlock = 512;
  struct Counter {
    std::uint64_t* count;  // the block's kPartitions counts
    void push_back(const PairRecord& p) { ++count[partition_of(p.a, p.b)]; }
  };
  struct Writer {
    std::array<PairRecord*, kPartitions> to;  // nullptr: a partition not kept
    std::array<std::uint64_t, kPartitions> at;
    void push_back(const PairRecord& p) {
      const std::uint32_t part = partition_of(p.a, p.b);
      if (to[part] != nullptr) to[part][at[part]++] = p;
    }
  };

  std::size_t items_, blocks_;
  std::vector<std::uint64_t> at_;  // by block, then partition
  std::array<std::uint64_t, kPartitions> sizes_{};
  std::uint64_t records_ = 0;
};

// Distributed (t.comm): each partition's records go to the rank that reduces it.
void exchange_partitions(dist::Communicator& comm, std::vector<PairRecords>& parts) {
  const int ranks = comm.size();
  std::vector<dist::Bytes> out(static_cast<std::size_t>(ranks));
  for (std::uint32_t i = 0; i < kPartitions; ++i) {
    dist::append(out[static_cast<std::size_t>(partition_owner(i, ranks))],
                 std::span<const PairRecord>(parts[i]));
    PairRecords().swap(parts[i]);
  }
  count_traffic(&DetectionTraffic::pairs, all_to_all_sent(comm, out));
  std::vector<dist::Bytes> got = comm.all_to_all(std::move(out));
  for (dist::Bytes& b : got) {
    const auto* p = reinterpret_cast<const PairRecord*>(b.data());
    for (std::size_t k = 0; k < b.size() / sizeof(PairRecord); ++k)
      parts[partition_of(p[k].a, p[k].b)].push_back(p[k]);
    dist::Bytes().swap(b);
  }
}

// Sorts pair records in PairRecord's order: by (a, b) first with a least-significant-digit
// radix sort (stable; account indices take a few passes of 11 bits), then each (a, b) run,
// mostly a few records, by the other fields. The order is the same total order std::sort
// gives, at a fraction of its comparisons (sorting the records was a tenth of a window
// variant's time at 10M messages). `scratch` is a buffer reused from call to call.
void sort_pair_records(PairRecords& p, PairRecords& scratch) {
  if (p.size() < 1024) {
    std::sort(p.begin(), p.end());
    return;
  }
  std::uint32_t max_a = 0, max_b = 0;
  for (const PairRecord& r : p) {
    max_a = std::max(max_a, r.a);
    max_b = std::max(max_b, r.b);
  }
  const auto bits = [](std::uint32_t v) { return 32 - static_cast<int>(std::countl_zero(v)); };
  const int bits_b = bits(max_b), bits_all = bits(max_a) + bits_b;
  const auto key = [&](const PairRecord& r) {
    return (static_cast<std::uint64_t>(r.a) << bits_b) | r.b;
  };
  constexpr int kDigit = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kDigit;
  scratch.resize(p.size());
  std::vector<std::size_t> count(kBuckets);
  for (int shift = 0; shift < bits_all; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0);
    for (const PairRecord& r : p) ++count[(key(r) >> shift) & (kBuckets - 1)];
    std::size_t at = 0;
    for (std::size_t& c : count) at += std::exchange(c, at);
    for (const PairRecord& r : p) scratch[count[(key(r) >> shift) & (kBuckets - 1)]++] = r;
    p.swap(scratch);
  }
  for (std::size_t s = 0; s < p.size();) {
    std::size_t e = s + 1;
    while (e < p.size() && p[e].a == p[s].a && p[e].b == p[s].b) ++e;
    if (e - s > 1) std::sort(p.begin() + static_cast<std::ptrdiff_t>(s),
                             p.begin() + static_cast<std::ptrdiff_t>(e));
    s = e;
  }
}

// Sorts partitions [first, last) and reduces each (a, b) run of partition i with
// `reduce(run, out[i])`.
template <typename Reduce>
void reduce_partition_range(std::vector<PairRecords>& parts, std::size_t first,
                            std::size_t last, Reduce&& reduce, std::vector<BehaviourEdges>& out) {
  tbb::enumerable_thread_specific<PairRecords> scratch;
  tbb::parallel_for(first, last, [&](std::size_t i) {
    auto& p = parts[i];
    sort_pair_records(p, scratch.local());
    std::size_t s = 0;
    while (s < p.size()) {
      std::size_t e = s + 1;
      while (e < p.size() && p[e].a == p[s].a && p[e].b == p[s].b) ++e;
      reduce(std::span<const PairRecord>(p.data() + s, e - s), out[i]);
      s = e;
    }
    PairRecords().swap(p);
  });
}

// The partitions' edges and evidence concatenated in partition order.
BehaviourEdges concatenate_partitions(std::vector<BehaviourEdges>& out) {
  // Allocated at its size, and each partition freed once appended: the result and the
  // partitions' edges are not held twice over.
  BehaviourEdges all;
  std::size_t edges = 0, evidence = 0;
  for (const auto& o : out) {
    edges += o.edges.size();
    evidence += o.evidence.size();
  }
  // Room for the near misses too, which the p-values are computed beside
  // (edge_and_near_miss_p_values appends them): the edges are not moved for them (at 10M
  // messages a copy of 0.5 GB of hashtag edges, into twice their room, at the run's peak).
  all.edges.reserve(edges + kNearMisses);
  all.evidence.reserve(evidence);
  for (auto& o : out) {
    all.candidate_pairs += o.candidate_pairs;
    if (all.pairs_by_objects.size() < o.pairs_by_objects.size())
      all.pairs_by_objects.resize(o.pairs_by_objects.size(), 0);
    for (std::size_t k = 0; k < o.pairs_by_objects.size(); ++k)
      all.pairs_by_objects[k] += o.pairs_by_objects[k];
    all.near_misses.insert(all.near_misses.end(), o.near_misses.begin(), o.near_misses.end());
    std::uint64_t base = all.evidence.size();
    for (auto& e : o.edges) {
      e.evidence_begin += base;
      e.evidence_end += base;
      all.edges.push_back(e);
    }
    all.evidence.insert(all.evidence.end(), o.evidence.begin(), o.evidence.end());
    o = BehaviourEdges();
  }
  return all;
}

// Sorts each partition and reduces each (a, b) run with `reduce(run, out)`; concatenates the
// partitions' edges and evidence in partition order.
template <typename Reduce>
BehaviourEdges reduce_partitions(std::vector<PairRecords>& parts, Reduce&& reduce) {
  std::vector<BehaviourEdges> out(parts.size());
  reduce_partition_range(parts, 0, parts.size(), reduce, out);
  return concatenate_partitions(out);
}

// Fills the fields every mode shares: pairs, objects, delays, first/last time, evidence.
void fill_common(const Dataset& d, std::span<const PairRecord> run, Behaviour b,
                 std::vector<double>& delays, BehaviourEdges& out, Edge& e) {
  e.source = run.front().a;
  e.target = run.front().b;
  e.behaviour = b;
  e.pairs = run.size();
  std::uint32_t objects = 0;
  delays.clear();
  double sum = 0;
  TimeMs first = INT64_MAX, last = INT64_MIN;
  e.evidence_begin = out.evidence.size();
  for (std::size_t i = 0; i < run.size(); ++i) {
    if (i == 0 || run[i].object != run[i - 1].object) ++objects;
    delays.push_back(run[i].delay_ms / 1000.0);
    sum += run[i].delay_ms / 1000.0;
    first = std::min({first, d.msg_time[run[i].msg_a], d.msg_time[run[i].msg_b]});
    last = std::max({last, d.msg_time[run[i].msg_a], d.msg_time[run[i].msg_b]});
    out.evidence.push_back(EvidencePair{run[i].msg_a, run[i].msg_b, run[i].object});
  }
  e.evidence_end = out.evidence.size();
  e.objects = objects;
  e.mean_delay_s = sum / static_cast<double>(run.size());
  e.median_delay_s = median_of(delays);
  e.first_time = first;
  e.last_time = last;
}

}  // namespace

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0;
  std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lo + hi) / 2;
}

double quantile_type7(const std::vector<double>& x, double p) {
  if (x.empty()) return 0;
  double h = (static_cast<double>(x.size()) - 1) * p;
  auto lo = static_cast<std::size_t>(std::floor(h));
  std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

void keep_strongest_near_misses(std::vector<Edge>& v, std::span<const std::uint32_t> rank) {
  // Strongest first: most objects, most pairs, then account order.
  std::sort(v.begin(), v.end(), [&](const Edge& x, const Edge& y) {
    if (x.objects != y.objects) return x.objects > y.objects;
    if (x.pairs != y.pairs) return x.pairs > y.pairs;
    if (x.source != y.source) return rank[x.source] < rank[y.source];
    return rank[x.target] < rank[y.target];
  });
  if (v.size() > kNearMisses) v.resize(kNearMisses);
}

Edge copy_edge_rows(const Edge& e, std::span<const EvidencePair> evidence,
                    std::span<const std::uint32_t> null_weights, std::size_t replicates,
                    std::vector<EvidencePair>& evidence_out,
                    std::vector<std::uint32_t>& null_weights_out) {
  Edge x = e;
  x.evidence_begin = evidence_out.size();
  evidence_out.insert(evidence_out.end(),
                      evidence.begin() + static_cast<std::ptrdiff_t>(e.evidence_begin),
                      evidence.begin() + static_cast<std::ptrdiff_t>(e.evidence_end));
  x.evidence_end = evidence_out.size();
  if (e.null_row != UINT32_MAX && replicates > 0)
    x.null_row = append_null_row(e.null_row, null_weights, replicates, null_weights_out);
  return x;
}

std::uint32_t append_null_row(std::uint32_t row, std::span<const std::uint32_t> from,
                              std::size_t replicates, std::vector<std::uint32_t>& to) {
  const auto out = static_cast<std::uint32_t>(to.size() / replicates);
  const auto* w = from.data() + std::size_t{row} * replicates;
  to.insert(to.end(), w, w + replicates);
  return out;
}

BehaviourEdges edges_reaching(const BehaviourEdges& low, int min_repetition,
                              std::size_t replicates, std::span<const std::uint32_t> rank) {
  BehaviourEdges out;
  out.crowded_actions = low.crowded_actions;
  out.candidate_pairs = low.candidate_pairs;
  out.actions = low.actions;
  out.objects = low.objects;
  out.pairs_by_objects = low.pairs_by_objects;
  out.near_misses = low.near_misses;
  for (const Edge& e : low.edges) {
    Edge x = e;
    if (x.objects < static_cast<std::uint32_t>(min_repetition)) {
      // Below the line: a near miss has no evidence, replicate row or stimulus test.
      x.evidence_begin = x.evidence_end = 0;
      x.null_row = UINT32_MAX;
      x.p_stimulus = std::numeric_limits<double>::quiet_NaN();
      out.near_misses.push_back(x);
      continue;
    }
    out.edges.push_back(copy_edge_rows(e, low.evidence, low.null_weights, replicates,
                                       out.evidence, out.null_weights));
  }
  keep_strongest_near_misses(out.near_misses, rank);
  return out;
}

namespace {

// What an action of a native table is in the sweep: alone (kAlone, at most max_crowd actions
// within ±W on its object), in a crowd (kCrowded), or in a crowd and on the clock
// (kRecurring): natively for the hashtag, its account posts the same hashtag at that clock
// time, within W modulo a day, on at least min_repetition distinct UTC days, and more often
// than its own rhythm around that time explains (docs/detection.md, "Scheduled automation").
enum CrowdMark : std::uint8_t { kAlone = 0, kCrowded = 1, kRecurring = 2 };

// The clock test's neighbourhood: a post's rhythm is read from the account's posts of the
// tag within kClockSpan W of its clock time, and a post is on the clock when as many posts
// within W are rarer than kClockLevel under that rhythm spread evenly.
inline constexpr TimeMs kClockSpan = 15;
inline constexpr double kClockLevel = 0.001;

// A hashtag post of an account with a post in a crowd, for the clock test: its hashtag
// without the day, its time, and where it is (rank of the shard, action index there).
struct ClockPost {
  std::uint64_t tag = 0;
  std::int64_t time = 0;
  std::uint32_t account = 0;
  std::uint32_t index = 0;
  std::uint32_t rank = 0;
  std::uint32_t crowded = 0;
};

// Marks the crowded posts of `posts` (sorted here) that are on the clock: among the posts of
// their account and tag, those within w of their clock time (circular, modulo a day) fall
// on at least `days` distinct days, and are more than the posts within kClockSpan·w make
// likely at level kClockLevel (Poisson, each of those others within w with probability
// 1/kClockSpan).
void mark_on_the_clock(std::vector<ClockPost>& posts, TimeMs w, int days,
                       std::vector<std::uint8_t>& on_clock) {
  constexpr TimeMs kDay = 86'400'000;
  on_clock.assign(posts.size(), 0);
  const TimeMs span = kClockSpan * w;
  if (w <= 0 || 2 * span >= kDay) return;  // a window that wide has no clock time
  auto clock = [](const ClockPost& p) { return p.time - utc_day(p.time) * kDay; };
  tbb::parallel_sort(posts.begin(), posts.end(), [&](const ClockPost& x, const ClockPost& y) {
    if (x.account != y.account) return x.account < y.account;
    if (x.tag != y.tag) return x.tag < y.tag;
    const TimeMs cx = clock(x), cy = clock(y);
    if (cx != cy) return cx < cy;
    return std::tie(x.time, x.rank, x.index) < std::tie(y.time, y.rank, y.index);
  });
  std::vector<std::int64_t> group_days;  // the distinct days of the group, in order
  std::vector<std::uint32_t> per_day;      // posts within w per day of the group
  for (std::size_t gs = 0, ge = 0; gs < posts.size(); gs = ge) {
    ge = gs;
    bool crowded = false;
    group_days.clear();
    while (ge < posts.size() && posts[ge].account == posts[gs].account &&
           posts[ge].tag == posts[gs].tag) {
      group_days.push_back(utc_day(posts[ge].time));
      crowded |= posts[ge].crowded != 0;
      ++ge;
    }
    if (!crowded) continue;
    std::sort(group_days.begin(), group_days.end());
    group_days.erase(std::unique(group_days.begin(), group_days.end()), group_days.end());
    if (group_days.size() < static_cast<std::size_t>(days)) continue;
    // The group's clocks repeated a day before and after: element k of [0, 3n) is post
    // k mod n at its clock + (k / n - 1) days, so no window wraps.
    const std::size_t n = ge - gs;
    auto at = [&](std::size_t k) { return gs + k % n; };
    auto vclock = [&](std::size_t k) {
      return clock(posts[at(k)]) + (static_cast<TimeMs>(k / n) - 1) * kDay;
    };
    per_day.assign(group_days.size(), 0);
    int distinct = 0;
    auto count_day = [&](std::size_t k, int step) {
      const auto day = std::lower_bound(group_days.begin(), group_days.end(),
                                        utc_day(posts[at(k)].time));
      std::uint32_t& c = per_day[static_cast<std::size_t>(day - group_days.begin())];
      if (step > 0 && c++ == 0) ++distinct;
      if (step < 0 && --c == 0) --distinct;
    };
    // [lo, hi): the posts within w of element i; [far_lo, far_hi): within span.
    std::size_t lo = 0, hi = 0, far_lo = 0, far_hi = 0;
    for (std::size_t i = n; i < 2 * n; ++i) {
      const TimeMs c = vclock(i);
      while (hi < 3 * n && vclock(hi) <= c + w) count_day(hi++, +1);
      while (vclock(lo) < c - w) count_day(lo++, -1);
      while (far_hi < 3 * n && vclock(far_hi) <= c + span) ++far_hi;
      while (vclock(far_lo) < c - span) ++far_lo;
      if (!posts[at(i)].crowded || distinct < days) continue;
      // Others within w and within span (a group smaller than its windows counts once).
      const std::size_t near = std::min(hi - lo, n) - 1, around = std::min(far_hi - far_lo, n) - 1;
      const double expected = static_cast<double>(around) / static_cast<double>(kClockSpan);
      if (poisson_upper_tail(near, expected) <= kClockLevel) on_clock[at(i)] = 1;
    }
  }
}

// The crowd marks of every action of `t` (CrowdMark). Distributed, the hashtag posts of the
// accounts with a post in a crowd are gathered from every shard and tested alike on every
// process: one hashtag's days are objects on different shards.
std::vector<std::uint8_t> crowd_marks(const Dataset& d, const ActionTable& t,
                                      const DetectOptions& opt, std::uint64_t& crowded) {
  const TimeMs w = opt.window_ms;
  std::vector<std::uint8_t> marks(t.actions.size(), kAlone);
  crowded = 0;
  if (opt.max_crowd <= 0) return marks;
  const auto cap = static_cast<std::size_t>(opt.max_crowd);
  tbb::enumerable_thread_specific<std::uint64_t> count(0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, t.objects(), 256),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t o = r.begin(); o != r.end(); ++o) {
                        const std::size_t s = t.object_start[o], e = t.object_start[o + 1];
                        if (e - s <= cap) continue;
                        // Two pointers: actions in [t_i - W, t_i + W].
                        std::size_t lo = s, hi = s;
                        for (std::size_t i = s; i < e; ++i) {
                          while (t.actions[lo].time < t.actions[i].time - w) ++lo;
                          while (hi < e && t.actions[hi].time <= t.actions[i].time + w) ++hi;
                          if (hi - lo <= cap) continue;
                          marks[i] = kCrowded;
                          ++count.local();
                        }
                      }
                    });
  for (auto c : count) crowded += c;
  if (t.behaviour != Behaviour::kHashtag || opt.compat != CompatMode::kNone) return marks;
  // No crowd on any shard: no post to test.
  std::uint64_t any[1] = {crowded};
  if (t.comm) t.comm->all_reduce_sum(any);
  if (any[0] == 0) return marks;
  // The accounts with a post in a crowd, over every shard.
  std::vector<std::uint64_t> in_crowd(d.accounts(), 0);
  for (std::size_t i = 0; i < marks.size(); ++i) in_crowd[t.actions[i].account] |= marks[i];
  if (t.comm) t.comm->all_reduce_sum(in_crowd);
  const std::uint32_t me = t.comm ? static_cast<std::uint32_t>(t.comm->rank()) : 0;
  tbb::enumerable_thread_specific<std::vector<ClockPost>> found;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, t.objects(), 256),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      auto& out = found.local();
                      for (std::size_t o = r.begin(); o != r.end(); ++o) {
                        const std::uint64_t tag = t.object_tag[o];  // extract_actions'
                        for (std::size_t i = t.object_start[o]; i < t.object_start[o + 1]; ++i) {
                          if (in_crowd[t.actions[i].account] == 0) continue;
                          ClockPost p;
                          p.tag = tag, p.time = t.actions[i].time;
                          p.account = t.actions[i].account;
                          p.index = static_cast<std::uint32_t>(i), p.rank = me;
                          p.crowded = marks[i];
                          out.push_back(p);
                        }
                      }
                    });
  std::vector<ClockPost> posts;
  for (auto& v : found) posts.insert(posts.end(), v.begin(), v.end());
  found.clear();
  if (t.comm) {
    dist::Bytes mine;
    dist::append(mine, std::span<const ClockPost>(posts));
    count_traffic(&DetectionTraffic::pairs, gather_sent(*t.comm, mine));
    dist::Bytes all;
    for (const dist::Bytes& b : t.comm->gather(std::move(mine), 0))
      all.insert(all.end(), b.begin(), b.end());
    t.comm->broadcast(all, 0);
    count_traffic(&DetectionTraffic::pairs, broadcast_sent(*t.comm, all));
    posts.clear();
    dist::Reader in(all);
    in.values(posts, all.size() / sizeof(ClockPost));
  }
  std::vector<std::uint8_t> on_clock;
  mark_on_the_clock(posts, w, std::max(1, opt.min_repetition), on_clock);
  for (std::size_t k = 0; k < posts.size(); ++k)
    if (on_clock[k] && posts[k].rank == me) marks[posts[k].index] = kRecurring;
  return marks;
}

// Native: the co-action pairs at most W apart of objects [begin, end), handed to
// out.push_back(pair). An action in a crowd (`marks`) pairs only with its crowd_neighbours
// nearest actions in time on each side, and with every action within W on the clock with it
// (kRecurring).
template <typename Out>
void native_pairs(const ActionTable& t, const DetectOptions& opt,
                  std::span<const std::uint32_t> rank, std::span<const std::uint8_t> marks,
                  std::size_t begin, std::size_t end, Out& out) {
  const TimeMs w = opt.window_ms;
  // In a crowd, an action pairs only with its `near` nearest actions in time on each side:
  // chance neighbours in a viral burst rarely meet again, while members of a large campaign
  // keep meeting each other. Posts on the clock meet each other whatever the crowd: an
  // account that posts a hashtag in the same minute of the day on many days is what a
  // scheduler does, and its pairs still face both nulls.
  const std::size_t near = static_cast<std::size_t>(std::max(0, opt.crowd_neighbours));
  for (std::size_t o = begin; o != end; ++o) {
    const std::size_t s = t.object_start[o], e = t.object_start[o + 1];
    for (std::size_t i = s; i < e; ++i) {
      const std::uint8_t mi = marks[i];
      if (mi == kCrowded && near == 0) continue;
      const Acted& x = t.actions[i];
      for (std::size_t j = i + 1; j < e && t.actions[j].time - x.time <= w; ++j) {
        const std::uint8_t mj = marks[j];
        if ((mi != kAlone || mj != kAlone) && j - i > near &&
            !(mi == kRecurring && mj == kRecurring)) {
          if (mi == kCrowded) break;
          continue;
        }
        const Acted& y = t.actions[j];
        if (y.account == x.account) continue;
        PairRecord p{};
        p.object = static_cast<std::uint32_t>(t.object_base + o);
        p.delay_ms = static_cast<std::uint32_t>(y.time - x.time);
        if (rank[x.account] < rank[y.account]) {
          p.a = x.account, p.b = y.account, p.msg_a = x.msg, p.msg_b = y.msg;
        } else {
          p.a = y.account, p.b = x.account, p.msg_a = y.msg, p.msg_b = x.msg;
        }
        out.push_back(p);
      }
    }
  }
}

}  // namespace

// Native: undirected, weight = distinct objects co-acted on within W. The pair records of a
// behaviour are generated in as many passes over its actions as it takes to keep each pass's
// records under `record_budget` (kPairRecordBudget), each pass keeping a contiguous range of
// the hash partitions: a partition is reduced from all its records whatever the number of
// passes, so the edges are the same, and the peak of a behaviour with 100 million co-action
// pairs falls from all of them to a pass's share. The records are counted per partition once
// (PairPlacement), and each pass writes its partitions' records at their places.
BehaviourEdges native_edges(const Dataset& d, const ActionTable& t, const DetectOptions& opt,
                            std::span<const std::uint32_t> rank, std::uint64_t record_budget) {
  std::uint64_t crowded = 0;
  const std::vector<std::uint8_t> marks = crowd_marks(d, t, opt, crowded);
  const auto sweep = [&](std::size_t begin, std::size_t end, auto& out) {
    native_pairs(t, opt, rank, marks, begin, end, out);
  };
  const PairPlacement placement(t.objects(), sweep);
  std::uint64_t records[1] = {placement.records()};
  if (t.comm) t.comm->all_reduce_sum(records);  // every rank makes the same passes
  const std::size_t passes = std::clamp<std::size_t>(
      (records[0] * sizeof(PairRecord) + record_budget - 1) /
          std::max<std::uint64_t>(record_budget, 1),
      1, kPartitions);
  const Behaviour b = t.behaviour;
  const double min_rep = opt.min_repetition;
  auto keep_strongest = [&](std::vector<Edge>& v) { keep_strongest_near_misses(v, rank); };
  auto reduce = [&](std::span<const PairRecord> run, BehaviourEdges& out) {
    ++out.candidate_pairs;
    std::uint32_t objects = 1;
    for (std::size_t i = 1; i < run.size(); ++i) objects += run[i].object != run[i - 1].object;
    if (out.pairs_by_objects.empty()) out.pairs_by_objects.assign(kFunnelBuckets, 0);
    ++out.pairs_by_objects[std::min<std::size_t>(objects, kFunnelBuckets) - 1];
    thread_local std::vector<double> delays;
    Edge e;
    if (objects < min_rep) {
      // Below the line: kept only among this partition's strongest, without evidence. Once
      // there are kNearMisses, the first kNearMisses are sorted (pruned at exactly that size
      // and at 4x), so element kNearMisses - 1 bounds the strongest from below.
      if (out.near_misses.size() >= kNearMisses &&
          objects < out.near_misses[kNearMisses - 1].objects)
        return;
      thread_local BehaviourEdges scratch;
      fill_common(d, run, b, delays, scratch, e);
      scratch.evidence.clear();
      e.evidence_begin = e.evidence_end = 0;
      e.weight = e.objects;
      out.near_misses.push_back(e);
      if (out.near_misses.size() == kNearMisses || out.near_misses.size() >= 4 * kNearMisses)
        keep_strongest(out.near_misses);
      return;
    }
    fill_common(d, run, b, delays, out, e);
    e.weight = e.objects;
    out.edges.push_back(e);
  };
  std::vector<BehaviourEdges> out(kPartitions);
  for (std::size_t pass = 0; pass < passes; ++pass) {
    const auto [first, last] = dist::block(kPartitions, pass, passes);
    auto parts = placement.place(sweep, static_cast<std::uint32_t>(first),
                                 static_cast<std::uint32_t>(last));
    if (t.comm) exchange_partitions(*t.comm, parts);
    reduce_partition_range(parts, first, last, reduce, out);
  }
  BehaviourEdges result = concatenate_partitions(out);
  result.crowded_actions += crowded;
  if (t.comm) combine_on_root(*t.comm, result);
  keep_strongest(result.near_misses);
  return result;
}

namespace {

// CooRTweet's steps 1–4 (docs/detection.md, "What the peer tools compute"): its message pairs
// within W after its filters, by partition, and each message's content id hash
// (`msg_content`, 0 for messages of no action). `self_named`: named_by_own_id() of t.
std::vector<PairRecords> coortweet_pairs(const Dataset& d, const ActionTable& t,
                                         const DetectOptions& opt,
                                         std::span<const std::uint32_t> rank,
                                         std::span<const std::uint8_t> self_named,
                                         std::vector<std::uint64_t>& msg_content) {
  const TimeMs w = opt.window_ms;
  const std::size_t n_min = static_cast<std::size_t>(std::max(0, opt.min_repetition));
  // 1. Accounts with fewer than N rows are dropped.
  std::vector<std::uint32_t> rows(d.accounts(), 0);
  for (const Acted& a : t.actions) ++rows[a.account];
  // Each share's content id hashed once, by action and by message (pairs name messages).
  std::vector<std::uint64_t> content(t.actions.size());
  msg_content.assign(d.messages(), 0);
  for (std::size_t i = 0; i < t.actions.size(); ++i) {
    std::string_view id = d.msg_message_id[t.actions[i].msg];
    content[i] = hash_key(id);
    msg_content[t.actions[i].msg] = content[i];
  }
  // 2–3. Candidate pairs within W, minus same content, same account, object == content.
  const auto sweep = [&](std::size_t begin, std::size_t end, auto& out) {
    for (std::size_t o = begin; o != end; ++o) {
      const std::size_t s = t.object_start[o], e = t.object_start[o + 1];
      for (std::size_t i = s; i < e; ++i) {
        const Acted& x = t.actions[i];
        if (rows[x.account] < n_min || self_named[i]) continue;
        for (std::size_t j = i + 1; j < e && t.actions[j].time - x.time <= w; ++j) {
          const Acted& y = t.actions[j];
          if (rows[y.account] < n_min || y.account == x.account || content[i] == content[j] ||
              self_named[j])
            continue;
          // The earlier share is the first side; on a tie, the share of the account that
          // appears first in the input (CooRTweet's row order).
          bool x_first = x.time < y.time || x.account < y.account;
          PairRecord p{};
          p.object = static_cast<std::uint32_t>(o);
          p.delay_ms = static_cast<std::uint32_t>(y.time - x.time);
          if (rank[x.account] < rank[y.account]) {
            p.a = x.account, p.b = y.account, p.msg_a = x.msg, p.msg_b = y.msg;
            p.a_first = x_first;
          } else {
            p.a = y.account, p.b = x.account, p.msg_a = y.msg, p.msg_b = x.msg;
            p.a_first = !x_first;
          }
          out.push_back(p);
        }
      }
    }
  };
  auto parts = PairPlacement(t.objects(), sweep).place(sweep);
  // 4. Post-filter on participation in the set of content ids of the remaining pairs: the
  // content ids of the messages in some pair, each message once.
  std::vector<std::uint8_t> paired(d.messages(), 0);
  for (const auto& v : parts)
    for (const auto& p : v) paired[p.msg_a] = paired[p.msg_b] = 1;
  std::vector<std::uint64_t> in_pairs;
  for (std::size_t m = 0; m < paired.size(); ++m)
    if (paired[m]) in_pairs.push_back(msg_content[m]);
  std::vector<std::uint8_t>().swap(paired);
  tbb::parallel_sort(in_pairs.begin(), in_pairs.end());
  in_pairs.erase(std::unique(in_pairs.begin(), in_pairs.end()), in_pairs.end());
  auto in_set = [](const std::vector<std::uint64_t>& set, std::uint64_t c) {
    return std::binary_search(set.begin(), set.end(), c);
  };
  auto content_of_msg = [&](std::uint32_t msg) { return msg_content[msg]; };
  // Per action: its account has N rows and its content id is in some pair.
  std::vector<std::uint8_t> counted(t.actions.size(), 0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, t.actions.size(), 4096),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i != r.end(); ++i)
                        counted[i] = rows[t.actions[i].account] >= n_min &&
                                     in_set(in_pairs, content[i]);
                    });
  std::vector<std::uint64_t>().swap(in_pairs);
  std::vector<std::uint32_t> participation(d.accounts(), 0);
  for (std::size_t i = 0; i < t.actions.size(); ++i)
    participation[t.actions[i].account] += counted[i];
  std::vector<std::uint64_t> kept_content;
  for (std::size_t i = 0; i < t.actions.size(); ++i)
    if (counted[i] && participation[t.actions[i].account] >= n_min)
      kept_content.push_back(content[i]);
  tbb::parallel_sort(kept_content.begin(), kept_content.end());
  kept_content.erase(std::unique(kept_content.begin(), kept_content.end()), kept_content.end());
  tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t i) {
    std::erase_if(parts[i], [&](const PairRecord& p) {
      return !in_set(kept_content, content_of_msg(p.msg_a)) &&
             !in_set(kept_content, content_of_msg(p.msg_b));
    });
  });
  return parts;
}

}  // namespace

std::vector<std::uint8_t> named_by_own_id(const Dataset& d, const ActionTable& t,
                                          const DetectOptions& opt) {
  std::vector<std::uint8_t> named(t.actions.size(), 0);
  // A text object's key is a whole normalized text: an id can equal it only where their
  // hashes are equal, so the text is normalized again only there.
  const bool keyed_text = text_actions_from_keys(t.behaviour, opt) && text_keys_in_memory(d);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, t.objects(), 256),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t o = r.begin(); o != r.end(); ++o) {
                        if (keyed_text) {
                          const std::uint64_t h = d.msg_text_key[t.object_msg[o]];
                          bool any = false;
                          for (std::size_t i = t.object_start[o]; i < t.object_start[o + 1]; ++i) {
                            const std::string_view id = d.msg_message_id[t.actions[i].msg];
                            any = any || hash_key(id) == h;
                          }
                          if (!any) continue;
                        }
                        const std::string key =
                            object_key(d, t, opt, static_cast<std::uint32_t>(o));
                        for (std::size_t i = t.object_start[o]; i < t.object_start[o + 1]; ++i)
                          named[i] = d.msg_message_id[t.actions[i].msg] == key;
                      }
                    });
  return named;
}

// CooRTweet detect_groups + generate_coordinated_network, steps 1-7 of docs/detection.md
// ("What the peer tools compute").
BehaviourEdges coortweet_edges(const Dataset& d, const ActionTable& t, const DetectOptions& opt,
                               std::span<const std::uint32_t> rank) {
  std::vector<std::uint64_t> msg_content;
  auto parts = coortweet_pairs(d, t, opt, rank, named_by_own_id(d, t, opt), msg_content);
  auto content_of_msg = [&](std::uint32_t msg) { return msg_content[msg]; };
  // 5–6. Edges keyed by the byte-smaller account; weight = pairs.
  const Behaviour b = t.behaviour;
  auto result = reduce_partitions(parts, [&](std::span<const PairRecord> run, BehaviourEdges& out) {
    thread_local std::vector<double> delays;
    thread_local std::vector<std::uint64_t> first_side, second_side;
    Edge e;
    fill_common(d, run, b, delays, out, e);
    e.weight = static_cast<double>(run.size());
    first_side.clear();
    second_side.clear();
    for (const auto& p : run) {
      std::uint64_t ca = content_of_msg(p.msg_a), cb = content_of_msg(p.msg_b);
      first_side.push_back(p.a_first ? ca : cb);
      second_side.push_back(p.a_first ? cb : ca);
    }
    auto distinct = [](std::vector<std::uint64_t>& v) {
      std::sort(v.begin(), v.end());
      return static_cast<std::uint32_t>(std::unique(v.begin(), v.end()) - v.begin());
    };
    e.n_content_id = distinct(first_side);
    e.n_content_id_y = distinct(second_side);
    e.edge_symmetry_score = static_cast<double>(std::min(e.n_content_id, e.n_content_id_y)) /
                            static_cast<double>(std::max(e.n_content_id, e.n_content_id_y));
    out.edges.push_back(e);
  });
  // 7. weight_threshold: weight above the p-quantile (R type 7) of all edge weights.
  std::vector<double> weights;
  for (const auto& e : result.edges) weights.push_back(e.weight);
  std::sort(weights.begin(), weights.end());
  double q = quantile_type7(weights, opt.coortweet_edge_weight);
  for (auto& e : result.edges) e.weight_threshold = e.weight > q ? 1 : 0;
  return result;
}

void coortweet_counts(const Dataset& d, const ActionTable& t, const DetectOptions& opt,
                      std::span<const std::uint32_t> rank, PeerCount& out,
                      std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges) {
  std::vector<std::uint64_t> msg_content;
  auto parts = coortweet_pairs(d, t, opt, rank, named_by_own_id(d, t, opt), msg_content);
  std::vector<std::uint64_t>().swap(msg_content);
  // Per partition, what coortweet_edges' edges of its runs would give: summed in partition
  // order, and the pairs gathered, so the counts do not depend on the threads.
  struct Part {
    PeerCount c;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  };
  std::vector<Part> part(parts.size());
  tbb::enumerable_thread_specific<PairRecords> scratch;
  tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t i) {
    auto& p = parts[i];
    sort_pair_records(p, scratch.local());
    Part& o = part[i];
    for (std::size_t s = 0; s < p.size();) {
      std::size_t e = s + 1;
      std::uint32_t objects = 1;
      for (; e < p.size() && p[e].a == p[s].a && p[e].b == p[s].b; ++e)
        objects += p[e].object != p[e - 1].object;
      ++o.c.edges;
      o.c.pairs += e - s;
      o.c.single_object += objects == 1;
      o.edges.emplace_back(p[s].a, p[s].b);
      s = e;
    }
    PairRecords().swap(p);
  });
  out.edges = out.pairs = out.single_object = 0;
  edges.clear();
  std::vector<std::uint8_t> linked(d.accounts(), 0);
  for (Part& o : part) {
    out.edges += o.c.edges;
    out.pairs += o.c.pairs;
    out.single_object += o.c.single_object;
    edges.insert(edges.end(), o.edges.begin(), o.edges.end());
    for (const auto& [a, b] : o.edges) linked[a] = linked[b] = 1;
    std::vector<std::pair<std::uint32_t, std::uint32_t>>().swap(o.edges);
  }
  tbb::parallel_sort(edges.begin(), edges.end());
  out.accounts = static_cast<std::uint64_t>(std::count(linked.begin(), linked.end(), 1));
}

namespace {

// The cnt rule's records of a pair of messages: one in each direction.
template <typename Out>
void push_both_directions(PairRecord p, Out& out) {
  out.push_back(p);
  std::swap(p.a, p.b);
  std::swap(p.msg_a, p.msg_b);
  out.push_back(p);
}

// The cnt rule's edges of behaviour b from partitioned directed records: weight = distinct
// messages of the source, kept from `min_weight`.
BehaviourEdges cnt_reduce(const Dataset& d, Behaviour b, double min_weight,
                          std::vector<PairRecords>& parts) {
  return reduce_partitions(parts, [&](std::span<const PairRecord> run, BehaviourEdges& out) {
    thread_local std::vector<std::uint32_t> msgs;
    msgs.clear();
    for (const auto& p : run) msgs.push_back(p.msg_a);
    std::sort(msgs.begin(), msgs.end());
    double weight = static_cast<double>(std::unique(msgs.begin(), msgs.end()) - msgs.begin());
    if (weight < min_weight) return;
    thread_local std::vector<double> delays;
    Edge e;
    fill_common(d, run, b, delays, out, e);
    e.weight = weight;
    out.edges.push_back(e);
  });
}

}  // namespace

// Coordination Network Toolkit: directed user_1 -> user_2, weight = distinct messages of
// user_1 with another message of user_2 on the same object within [t1 - W, t1 + W].
BehaviourEdges cnt_edges(const Dataset& d, const ActionTable& t, const DetectOptions& opt) {
  const TimeMs w = opt.window_ms;
  const auto sweep = [&](std::size_t begin, std::size_t end, auto& out) {
    for (std::size_t o = begin; o != end; ++o) {
      const std::size_t s = t.object_start[o], e = t.object_start[o + 1];
      for (std::size_t i = s; i < e; ++i) {
        const Acted& x = t.actions[i];
        for (std::size_t j = i + 1; j < e && t.actions[j].time - x.time <= w; ++j) {
          const Acted& y = t.actions[j];
          if (y.msg == x.msg) continue;
          PairRecord p{};
          p.object = static_cast<std::uint32_t>(o);
          p.delay_ms = static_cast<std::uint32_t>(y.time - x.time);
          p.a = x.account, p.b = y.account, p.msg_a = x.msg, p.msg_b = y.msg;
          push_both_directions(p, out);
        }
      }
    }
  };
  auto parts = PairPlacement(t.objects(), sweep).place(sweep);
  return cnt_reduce(d, t.behaviour, opt.min_repetition, parts);
}

// co_similar_tweet: the cnt rule applied to the verified near-duplicate pairs directly.
BehaviourEdges cnt_similar_edges(const Dataset& d, const ActionTable& t,
                                 std::span<const SimilarPair> pairs, const DetectOptions& opt) {
  const auto sweep = [&](std::size_t begin, std::size_t end, auto& out) {
    for (const SimilarPair& sp : pairs.subspan(begin, end - begin)) {
      const Acted& x = t.actions[sp.x];
      const Acted& y = t.actions[sp.y];
      if (x.msg == y.msg) continue;
      PairRecord p{};
      // The object whose run of actions holds x.
      p.object = static_cast<std::uint32_t>(
          std::upper_bound(t.object_start.begin(), t.object_start.end(), std::uint64_t{sp.x}) -
          t.object_start.begin() - 1);
      p.delay_ms = static_cast<std::uint32_t>(std::abs(y.time - x.time));
      p.a = x.account, p.b = y.account, p.msg_a = x.msg, p.msg_b = y.msg;
      push_both_directions(p, out);
    }
  };
  auto parts = PairPlacement(pairs.size(), sweep).place(sweep);
  return cnt_reduce(d, Behaviour::kSimilarText, opt.min_repetition, parts);
}

}  // namespace groundswell::detect_internal
