// Near-duplicate search of docs/contract.md §5.2 for the `similar_text` behaviour, and
// identical-key grouping for the `text` behaviour.
//
// find_near_duplicates returns every pair of items (a < b) whose shingle sets have Jaccard
// similarity ≥ threshold and whose times differ by at most window_ms, except pairs that LSH
// misses; a pair of similarity s is missed with probability (1 − s^r)^b, at most
// `miss_probability` for s ≥ threshold (reported). Nothing below the threshold is ever
// reported: every candidate is verified exactly on its shingle sets. Items with fewer than
// min_tokens tokens are not compared. docs/text.md explains the method and the defaults.
//
//   std::vector<std::string_view> keys = ...;   // normalize_key() of each message
//   std::vector<int64_t> times = ...;           // ms since the epoch
//   NearDuplicateOptions opt; opt.window_ms = 3'600'000;
//   Result<NearDuplicateResult> r = find_near_duplicates(keys, times, opt);
//
// Promises: output sorted by (a, b); identical for any number of TBB threads and any run;
// memory O(total shingles + items × bands), never O(pairs compared).
// Thread-safety: reentrant; runs on the caller's TBB arena (limit it with tbb::global_control
// or a task_arena).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "groundswell/status.h"

namespace groundswell {

enum class ShingleMode : uint8_t {
  kAuto,   // character shingles for items mainly in scripts without word spacing, and for the
           // whole run when its texts are short (median tokens < short_text_median_tokens);
           // word shingles otherwise
  kWords,  // word shingles except for items mainly in scripts without word spacing
  kChars,  // character shingles for every item
};

struct NearDuplicateOptions {
  double threshold = 0.8;   // Jaccard similarity, in (0, 1]
  int64_t window_ms = -1;   // pairs only with |t_a − t_b| ≤ window_ms; < 0: no window
  int min_tokens = 5;       // items with fewer tokens are not compared
  int shingle_words = 1;    // tokens per word shingle (1: Jaccard of word sets)
  int shingle_chars = 3;    // code points per character shingle
  ShingleMode shingle_mode = ShingleMode::kAuto;
  int short_text_median_tokens = 8;        // kAuto: below this median, character shingles
  int max_signature = 128;                 // MinHash values per item (bands × rows ≤ this)
  double target_miss_probability = 1e-6;   // LSH is tuned to miss at most this at threshold
  uint64_t seed = 1;                       // shingle hashes and MinHash permutations
  bool skip_same_account = true;           // with accounts given: no pairs of one account
};

struct NearDuplicatePair {
  uint32_t a;  // item index, a < b
  uint32_t b;
  double jaccard;  // exactly the value compared with the threshold
};

struct NearDuplicateResult {
  std::vector<NearDuplicatePair> pairs;  // sorted by (a, b)
  double miss_probability = 0.0;  // (1 − threshold^rows)^bands; 0 for brute force
  int bands = 0;
  int rows = 0;
  uint32_t compared_items = 0;     // items with at least min_tokens tokens
  uint64_t candidate_pairs = 0;    // distinct pairs verified exactly
  bool char_shingles = false;      // whether the run used character shingles (mode decision)
};

Result<NearDuplicateResult> find_near_duplicates(std::span<const std::string_view> keys,
                                                 std::span<const int64_t> times_ms,
                                                 const NearDuplicateOptions& options);

// As above; with skip_same_account, pairs whose items share an account are not reported
// (a self-copy is not coordination). accounts may be empty.
Result<NearDuplicateResult> find_near_duplicates(std::span<const std::string_view> keys,
                                                 std::span<const int64_t> times_ms,
                                                 std::span<const uint32_t> accounts,
                                                 const NearDuplicateOptions& options);

// Keys given by a function instead of stored strings, so a caller with millions of items
// never holds all their keys at once: key(i, scratch) returns item i's key, which may point
// into scratch. It is called from several threads at once (each with its own scratch), once
// per item, and a second time for the comparable items when the run switches to character
// shingles; it must return the same key every time.
struct KeySource {
  size_t size = 0;
  std::function<std::string_view(size_t, std::string&)> key;
};
Result<NearDuplicateResult> find_near_duplicates(const KeySource& keys,
                                                 std::span<const int64_t> times_ms,
                                                 std::span<const uint32_t> accounts,
                                                 const NearDuplicateOptions& options);

// The exact answer by comparing every pair within the window (quadratic without a window):
// the reference that tests and the benchmark hold the LSH search against. Same shingling and
// same filters; miss_probability 0.
Result<NearDuplicateResult> find_near_duplicates_brute_force(std::span<const std::string_view> keys,
                                                             std::span<const int64_t> times_ms,
                                                             std::span<const uint32_t> accounts,
                                                             const NearDuplicateOptions& options);

// Ids for identical keys: group_of[i] == group_of[j] iff keys[i] == keys[j]. Ids are dense
// and numbered by first appearance (item order), so they are deterministic.
struct KeyGroups {
  std::vector<uint32_t> group_of;
  uint32_t group_count = 0;
};
KeyGroups group_identical_keys(std::span<const std::string_view> keys);

}  // namespace groundswell
