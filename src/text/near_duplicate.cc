#include "base/hash.h"
#include "base/prefetch.h"
#include "text/near_duplicate.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

#include "text/minhash.h"
#include "text/shingle.h"

namespace groundswell {
namespace {

constexpr size_t kBlock = 2048;  // items per parallel task; fixed so outputs never depend on it

// Shingle sets of the comparable items, in compact order (compact index c ↔ item items[c]),
// kept in the per-block arrays they were built in, a block per kBlock items of the input (no
// concatenated copy: it would double the peak memory of the largest structure).
struct ShingleSets {
  std::vector<uint32_t> items;
  std::vector<uint32_t> begin;  // set c is blocks[items[c] / kBlock][begin[c], ...) ...
  std::vector<uint32_t> size;   // ... of size[c] values
  std::vector<std::vector<uint64_t>> blocks;
  bool char_shingles = false;

  std::span<const uint64_t> set(size_t c) const {
    return {blocks[items[c] / kBlock].data() + begin[c], size[c]};
  }
};

KeySource stored_keys(std::span<const std::string_view> keys) {
  return KeySource{keys.size(), [keys](size_t i, std::string&) { return keys[i]; }};
}

Status validate(const KeySource& keys, std::span<const int64_t> times,
                std::span<const uint32_t> accounts, const NearDuplicateOptions& o) {
  if (!(o.threshold > 0.0 && o.threshold <= 1.0))
    return Status::InvalidArgument("near-duplicate threshold must be in (0, 1]");
  if (o.min_tokens < 1) return Status::InvalidArgument("min_tokens must be at least 1");
  if (o.shingle_words < 1 || o.shingle_chars < 1)
    return Status::InvalidArgument("shingle sizes must be at least 1");
  if (o.max_signature < 1 || o.max_signature > 4096)
    return Status::InvalidArgument("max_signature must be in [1, 4096]");
  if (!(o.target_miss_probability > 0.0 && o.target_miss_probability < 1.0))
    return Status::InvalidArgument("target_miss_probability must be in (0, 1)");
  if (keys.size >= std::numeric_limits<uint32_t>::max())
    return Status::InvalidArgument("too many items for one near-duplicate search");
  if (times.size() != keys.size && !(times.empty() && o.window_ms < 0))
    return Status::InvalidArgument("times_ms must have one entry per key");
  if (!accounts.empty() && accounts.size() != keys.size)
    return Status::InvalidArgument("accounts must be empty or have one entry per key");
  return Status::Ok();
}

// later − earlier for later ≥ earlier, exact over the whole int64 range (no overflow).
inline uint64_t time_gap(int64_t earlier, int64_t later) {
  return static_cast<uint64_t>(later) - static_cast<uint64_t>(earlier);
}

template <typename Fn>
void for_each_block(size_t n, Fn&& fn) {
  const size_t blocks = (n + kBlock - 1) / kBlock;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, blocks, 1), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t b = r.begin(); b != r.end(); ++b) fn(b, b * kBlock, std::min(n, (b + 1) * kBlock));
  });
}

// Each thread's tokenizer and key scratch.
struct ShingleScratch {
  Shingler shingler;
  std::string key;
};

ShingleSets build_shingle_sets(const KeySource& keys, const NearDuplicateOptions& o) {
  const size_t n = keys.size;
  const ShingleOptions so{o.shingle_words, o.shingle_chars, o.seed};
  const auto min_tokens = static_cast<uint32_t>(o.min_tokens);
  ShingleSets sets;
  sets.blocks.resize((n + kBlock - 1) / kBlock);
  // Per block, the start and size of each comparable item's set in it, in item order.
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> where(sets.blocks.size());
  // One pass tokenizes each key: its token count and script decide comparability and the
  // shingle kind, and its shingles are taken at once in the kind that does not depend on the
  // other items (characters for a mainly unspaced text or ShingleMode::kChars, else words).
  // Only when kAuto then decides on characters for the whole run (short texts) are the keys
  // read a second time.
  std::vector<uint32_t> token_counts(n);
  std::vector<uint8_t> unspaced(n);
  tbb::enumerable_thread_specific<ShingleScratch> scratches;
  const auto shingle_block = [&](size_t b, size_t begin, size_t end, bool all_chars) {
    ShingleScratch& sc = scratches.local();
    Shingler& sh = sc.shingler;
    std::vector<uint64_t>& vals = sets.blocks[b];
    for (size_t i = begin; i < end; ++i) {
      if (all_chars && token_counts[i] < min_tokens) continue;
      sh.tokenize(keys.key(i, sc.key));
      if (!all_chars) {
        token_counts[i] = static_cast<uint32_t>(sh.token_count());
        unspaced[i] = sh.mainly_unspaced();
        if (token_counts[i] < min_tokens) continue;
      }
      const bool chars = all_chars || o.shingle_mode == ShingleMode::kChars || unspaced[i];
      const size_t before = vals.size();
      sh.append_shingles(chars ? ShingleKind::kChars : ShingleKind::kWords, so, vals);
      where[b].emplace_back(static_cast<uint32_t>(before),
                            static_cast<uint32_t>(vals.size() - before));
    }
    // At its size as soon as it is built: the blocks, all held until the search ends, are its
    // largest structure (grown by doubling, they held up to twice their values).
    vals.shrink_to_fit();
  };
  for_each_block(n, [&](size_t b, size_t begin, size_t end) {
    shingle_block(b, begin, end, false);
  });

  for (size_t i = 0; i < n; ++i)
    if (token_counts[i] >= min_tokens) sets.items.push_back(static_cast<uint32_t>(i));
  if (o.shingle_mode == ShingleMode::kChars) {
    sets.char_shingles = true;
  } else if (o.shingle_mode == ShingleMode::kAuto && !sets.items.empty()) {
    std::vector<uint32_t> counts;
    counts.reserve(sets.items.size());
    for (uint32_t i : sets.items) counts.push_back(token_counts[i]);
    auto mid = counts.begin() + static_cast<std::ptrdiff_t>(counts.size() / 2);
    std::nth_element(counts.begin(), mid, counts.end());
    sets.char_shingles = *mid < static_cast<uint32_t>(o.short_text_median_tokens);
    if (sets.char_shingles) {
      // Short texts: every set in characters, taken again block by block.
      for_each_block(n, [&](size_t b, size_t begin, size_t end) {
        std::vector<uint64_t>().swap(sets.blocks[b]);
        where[b].clear();
        shingle_block(b, begin, end, true);
      });
    }
  }
  const size_t m = sets.items.size();
  sets.begin.reserve(m);
  sets.size.reserve(m);
  for (size_t b = 0; b < sets.blocks.size(); ++b) {
    for (const auto& [begin, size] : where[b]) {
      sets.begin.push_back(begin);
      sets.size.push_back(size);
    }
    std::vector<std::pair<uint32_t, uint32_t>>().swap(where[b]);
  }
  return sets;
}

// A set's shingles counted in 16 bins by their top 4 bits, a count per 4 bits; kNoSketch
// when a bin holds 15 or more (the count would not fit).
constexpr uint64_t kNoSketch = ~uint64_t{0};
uint64_t sketch_of(std::span<const uint64_t> set) {
  uint64_t counts = 0;
  for (const uint64_t v : set) {
    const unsigned shift = static_cast<unsigned>(v >> 60) * 4;
    if (((counts >> shift) & 0xF) == 14) return kNoSketch;
    counts += uint64_t{1} << shift;
  }
  return counts;
}

// An upper bound on the number of shingles two sets share: a common shingle falls in the same
// bin of both, so per bin they share at most the smaller count. Counts are summed as bytes.
uint32_t common_at_most(uint64_t a, uint64_t b) {
  constexpr uint64_t kLow = 0x0F0F0F0F0F0F0F0FULL, kHigh = 0x8080808080808080ULL;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  auto min_bytes = [](uint64_t x, uint64_t y) {  // bytes below 128: per byte min(x, y)
    const uint64_t x_at_least_y = (((x | kHigh) - y) & kHigh) >> 7;  // 1 per byte where x >= y
    const uint64_t mask = x_at_least_y * 0xFF;
    return (y & mask) | (x & ~mask);
  };
  const uint64_t low = min_bytes(a & kLow, b & kLow);
  const uint64_t high = min_bytes((a >> 4) & kLow, (b >> 4) & kLow);
  return static_cast<uint32_t>(((low + high) * kOnes) >> 56);
}

// A band's entry: its key in the high 32 bits, the compact index in the low ones, so that
// entries sort by (key, index) as plain integers.
using KeyEntry = uint64_t;
inline uint32_t entry_key(KeyEntry e) { return static_cast<uint32_t>(e >> 32); }
inline uint32_t entry_item(KeyEntry e) { return static_cast<uint32_t>(e); }

struct BandOutput {
  std::vector<NearDuplicatePair> pairs;
  uint64_t candidates = 0;
};

// The keys of the first kHead bands travel with each bucket entry: a pair that agrees in an
// earlier band, most of them among near-duplicates, is told without reading the keys of two
// items far apart in memory (at 10M messages that reading was a tenth of detection).
constexpr size_t kHead = 4;
// An item as a band's bucket holds it, with what verifying reads first; ordered by (time,
// compact index).
struct ItemEntry {
  int64_t time = 0;
  uint32_t c = 0;
  uint32_t size = 0;  // of its set
  uint64_t sketch = 0;
  uint32_t head[kHead] = {};  // its keys in bands 0 .. kHead - 1 (those it has)
  bool operator<(const ItemEntry& o) const { return time != o.time ? time < o.time : c < o.c; }
};

Result<NearDuplicateResult> run_lsh(const KeySource& keys, std::span<const int64_t> times,
                                    std::span<const uint32_t> accounts, const NearDuplicateOptions& o) {
  GS_RETURN_IF_ERROR(validate(keys, times, accounts, o));
  NearDuplicateResult result;
  const LshParameters lsh = choose_lsh_parameters(o.threshold, o.max_signature, o.target_miss_probability);
  result.bands = lsh.bands;
  result.rows = lsh.rows;
  result.miss_probability = lsh.miss_probability;

  const ShingleSets sets = build_shingle_sets(keys, o);
  result.char_shingles = sets.char_shingles;
  const size_t m = sets.items.size();
  result.compared_items = static_cast<uint32_t>(m);
  if (m < 2) return result;

  // Band keys: one 64-bit hash of each band's `rows` MinHash values, stored band-major
  // (band_keys[b * m + c]) so that each band's pass reads its keys sequentially. The full
  // signature is never stored.
  const size_t bands = static_cast<size_t>(lsh.bands);
  const size_t rows = static_cast<size_t>(lsh.rows);
  const MinHasher minhash(lsh.bands * lsh.rows, o.seed);
  // The "first band where the keys agree" test would touch b scattered cache lines per pair;
  // an item-major byte of each key (one cache line per item) answers it, with the full keys
  // consulted only when the bytes agree.
  // Band keys are 32 bits: a chance collision of two keys only adds a candidate, which exact
  // verification rejects (about m²/2³³ extra per band: ~120 for a million items), and halves
  // the largest array.
  std::vector<uint32_t> band_keys(m * bands);
  std::vector<uint8_t> key_bytes(m * bands);
  // Per item what a bucket's pass reads of it, in one place: a bucket's items lie at random,
  // and reading each from five arrays (its time through sets.items) was half the bands' time
  // at 1M generated messages. The sketch (sketch_of) tells of a candidate far below the
  // threshold without reading the sets (at 10M, 95% of the candidates were not kept).
  std::vector<ItemEntry> entries(m);
  for_each_block(m, [&](size_t, size_t begin, size_t end) {
    std::vector<uint64_t> sig(bands * rows);
    for (size_t c = begin; c < end; ++c) {
      ItemEntry& e = entries[c];
      e.time = times.empty() ? 0 : times[sets.items[c]];
      e.c = static_cast<uint32_t>(c);
      e.size = sets.size[c];
      e.sketch = sketch_of(sets.set(c));
      minhash.signature(sets.set(c), sig);
      for (size_t b = 0; b < bands; ++b) {
        const auto key = static_cast<uint32_t>(
            XXH3_64bits_withSeed(&sig[b * rows], rows * sizeof(uint64_t), o.seed + b) >> 32);
        band_keys[b * m + c] = key;
        key_bytes[c * bands + b] = static_cast<uint8_t>(key);
        if (b < kHead) e.head[b] = key;
      }
    }
  });

  const int64_t window = o.window_ms;

  // Each band is a hash partition. Entries are first scattered by the top bits of the band
  // key (one sequential pass), then each small partition is sorted in cache; equal keys form
  // a bucket. Only bucket order, never pair order, depends on this layout: the output is
  // sorted at the end. A bucket is put in time order and swept with the window, so a large
  // bucket costs its in-window pairs, not its square. A pair is verified only in the first
  // band where its keys agree.
  constexpr int kPartitionBits = 12;
  struct BandScratch {
    std::vector<KeyEntry> scattered;
    std::vector<size_t> starts;  // partition p is scattered[starts[p], starts[p + 1])
    std::vector<size_t> cursor;
    // The bucket's items in (time, compact index) order.
    std::vector<ItemEntry> bucket;
  };
  std::vector<BandOutput> outputs(bands);
  tbb::enumerable_thread_specific<BandScratch> scratch;
  tbb::parallel_for(size_t{0}, bands, [&](size_t b) {
    BandScratch& sc = scratch.local();
    const uint32_t* keys_b = band_keys.data() + b * m;
    sc.starts.assign((size_t{1} << kPartitionBits) + 1, 0);
    for (size_t c = 0; c < m; ++c) ++sc.starts[(keys_b[c] >> (32 - kPartitionBits)) + 1];
    for (size_t p = 1; p < sc.starts.size(); ++p) sc.starts[p] += sc.starts[p - 1];
    sc.scattered.resize(m);
    sc.cursor.assign(sc.starts.begin(), sc.starts.end() - 1);
    for (size_t c = 0; c < m; ++c) {
      const uint32_t key = keys_b[c];
      sc.scattered[sc.cursor[key >> (32 - kPartitionBits)]++] = (KeyEntry{key} << 32) | c;
    }
    BandOutput& out = outputs[b];
    const size_t held = std::min(b, kHead);
    auto consider = [&](const ItemEntry& e1, const ItemEntry& e2) {
      for (size_t earlier = 0; earlier < held; ++earlier)
        if (e1.head[earlier] == e2.head[earlier]) return;
      const uint32_t cx = std::min(e1.c, e2.c);
      const uint32_t cy = std::max(e1.c, e2.c);
      const uint8_t* bytes_x = &key_bytes[cx * bands];
      const uint8_t* bytes_y = &key_bytes[cy * bands];
      for (size_t earlier = held; earlier < b; ++earlier) {
        if (bytes_x[earlier] == bytes_y[earlier] &&
            band_keys[earlier * m + cx] == band_keys[earlier * m + cy]) {
          return;
        }
      }
      const uint32_t ia = sets.items[cx];
      const uint32_t ib = sets.items[cy];
      if (o.skip_same_account && !accounts.empty() && accounts[ia] == accounts[ib]) return;
      ++out.candidates;
      if (e1.sketch != kNoSketch && e2.sketch != kNoSketch) {
        // Below the threshold even with every shingle the sketches allow in common: what the
        // merge would find too (its value grows with the common count).
        const double most = common_at_most(e1.sketch, e2.sketch);
        if (most / (static_cast<double>(e1.size + e2.size) - most) < o.threshold) return;
      }
      const double j = jaccard_sorted_at_least(sets.set(cx), sets.set(cy), o.threshold);
      if (j >= o.threshold) out.pairs.push_back({ia, ib, j});
    };
    // An item's entry is asked for a few items before its bucket copies it.
    constexpr std::ptrdiff_t kAhead = 8;
    for (size_t p = 0; p + 1 < sc.starts.size(); ++p) {
      const auto first = sc.scattered.begin() + static_cast<std::ptrdiff_t>(sc.starts[p]);
      auto last = sc.scattered.begin() + static_cast<std::ptrdiff_t>(sc.starts[p + 1]);
      if (last - first < 2) continue;
      std::sort(first, last);
      // Only the items of buckets of two or more, in order: the ones read next are known.
      auto kept = first;
      for (auto s = first; s != last;) {
        auto e = s + 1;
        while (e != last && entry_key(*e) == entry_key(*s)) ++e;
        if (e - s >= 2) kept = kept == s ? e : std::copy(s, e, kept);  // never onto itself
        s = e;
      }
      last = kept;
      for (auto s = first; s != last;) {
        auto e = s + 1;
        while (e != last && entry_key(*e) == entry_key(*s)) ++e;
        sc.bucket.clear();
        for (auto it = s; it != e; ++it) {
          if (last - it > kAhead) {
            const ItemEntry* ahead = &entries[entry_item(*(it + kAhead))];
            prefetch_line(ahead);
            prefetch_line(reinterpret_cast<const char*>(ahead + 1) - 1);  // its last byte
          }
          sc.bucket.push_back(entries[entry_item(*it)]);
        }
        std::sort(sc.bucket.begin(), sc.bucket.end());
        const size_t size = sc.bucket.size();
        for (size_t x = 0; x + 1 < size; ++x) {
          for (size_t y = x + 1; y < size; ++y) {
            if (window >= 0 && time_gap(sc.bucket[x].time, sc.bucket[y].time) >
                                   static_cast<uint64_t>(window)) {
              break;
            }
            consider(sc.bucket[x], sc.bucket[y]);
          }
        }
        s = e;
      }
    }
  });

  size_t total = 0;
  for (const BandOutput& out : outputs) total += out.pairs.size();
  result.pairs.reserve(total);
  for (BandOutput& out : outputs) {
    result.candidate_pairs += out.candidates;
    result.pairs.insert(result.pairs.end(), out.pairs.begin(), out.pairs.end());
    std::vector<NearDuplicatePair>().swap(out.pairs);
  }
  std::sort(result.pairs.begin(), result.pairs.end(), [](const NearDuplicatePair& x, const NearDuplicatePair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  return result;
}

}  // namespace

Result<NearDuplicateResult> find_near_duplicates(std::span<const std::string_view> keys,
                                                 std::span<const int64_t> times_ms,
                                                 const NearDuplicateOptions& options) {
  return run_lsh(stored_keys(keys), times_ms, {}, options);
}

Result<NearDuplicateResult> find_near_duplicates(std::span<const std::string_view> keys,
                                                 std::span<const int64_t> times_ms,
                                                 std::span<const uint32_t> accounts,
                                                 const NearDuplicateOptions& options) {
  return run_lsh(stored_keys(keys), times_ms, accounts, options);
}

Result<NearDuplicateResult> find_near_duplicates(const KeySource& keys,
                                                 std::span<const int64_t> times_ms,
                                                 std::span<const uint32_t> accounts,
                                                 const NearDuplicateOptions& options) {
  return run_lsh(keys, times_ms, accounts, options);
}

Result<NearDuplicateResult> find_near_duplicates_brute_force(std::span<const std::string_view> keys,
                                                             std::span<const int64_t> times_ms,
                                                             std::span<const uint32_t> accounts,
                                                             const NearDuplicateOptions& options) {
  const KeySource source = stored_keys(keys);
  GS_RETURN_IF_ERROR(validate(source, times_ms, accounts, options));
  NearDuplicateResult result;
  const ShingleSets sets = build_shingle_sets(source, options);
  result.char_shingles = sets.char_shingles;
  const size_t m = sets.items.size();
  result.compared_items = static_cast<uint32_t>(m);
  auto time_of = [&](size_t c) -> int64_t { return times_ms.empty() ? 0 : times_ms[sets.items[c]]; };
  // Compact indices in time order, so the window bounds the inner loop.
  std::vector<uint32_t> order(m);
  for (size_t c = 0; c < m; ++c) order[c] = static_cast<uint32_t>(c);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return time_of(x) < time_of(y); });
  const size_t blocks = (m + kBlock - 1) / kBlock;
  std::vector<BandOutput> outputs(blocks);
  for_each_block(m, [&](size_t blk, size_t begin, size_t end) {
    BandOutput& out = outputs[blk];
    for (size_t x = begin; x < end; ++x) {
      for (size_t y = x + 1; y < m; ++y) {
        if (options.window_ms >= 0 &&
            time_gap(time_of(order[x]), time_of(order[y])) > static_cast<uint64_t>(options.window_ms)) {
          break;
        }
        const uint32_t ia = sets.items[order[x]];
        const uint32_t ib = sets.items[order[y]];
        if (options.skip_same_account && !accounts.empty() && accounts[ia] == accounts[ib]) continue;
        ++out.candidates;
        const double j = jaccard_sorted(sets.set(order[x]), sets.set(order[y]));
        if (j >= options.threshold) out.pairs.push_back({std::min(ia, ib), std::max(ia, ib), j});
      }
    }
  });
  for (BandOutput& out : outputs) {
    result.candidate_pairs += out.candidates;
    result.pairs.insert(result.pairs.end(), out.pairs.begin(), out.pairs.end());
  }
  std::sort(result.pairs.begin(), result.pairs.end(), [](const NearDuplicatePair& x, const NearDuplicatePair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  return result;
}

KeyGroups group_identical_keys(std::span<const std::string_view> keys) {
  struct KeyHash {
    size_t operator()(std::string_view s) const { return static_cast<size_t>(XXH3_64bits(s.data(), s.size())); }
  };
  KeyGroups groups;
  groups.group_of.resize(keys.size());
  std::unordered_map<std::string_view, uint32_t, KeyHash> ids;
  ids.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    auto [it, inserted] = ids.try_emplace(keys[i], groups.group_count);
    if (inserted) ++groups.group_count;
    groups.group_of[i] = it->second;
  }
  return groups;
}

}  // namespace groundswell
