// Tokens and shingles of a normalization key (docs/contract.md §5.2), the sets whose Jaccard
// similarity defines "near-duplicate".
//
// Tokens: maximal runs of letters, marks, digits and '_' (a leading '@' or '#' stays on its
// word, a URL written by normalize_key is one token); each emoji or other symbol is a token of
// its own; every character of a script written without spaces between words (Han, Hiragana,
// Katakana, Thai, Lao, Khmer, Myanmar, Tibetan) is a token of its own; punctuation separates.
// Shingles: 64-bit XXH3 hashes (fixed seed) of word n-grams, or of character n-grams over the
// tokens joined by single spaces. A key with fewer tokens (characters) than n has one shingle:
// all of it.
//
//   Shingler sh;
//   sh.tokenize(key);
//   if (sh.token_count() >= 5) sh.append_shingles(ShingleKind::kWords, opts, set);
//
// Thread-safety: a Shingler holds scratch buffers; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace groundswell {

enum class ShingleKind : uint8_t { kWords, kChars };

struct ShingleOptions {
  int words = 1;      // tokens per word shingle
  int chars = 3;      // code points per character shingle
  uint64_t seed = 1;  // XXH3 seed of every shingle hash
};

class Shingler {
 public:
  // Splits `key` into tokens; `key` must stay alive until the next tokenize().
  void tokenize(std::string_view key);
  size_t token_count() const { return tokens_.size(); }
  std::string_view token(size_t i) const {
    return key_.substr(tokens_[i].first, tokens_[i].second - tokens_[i].first);
  }
  // True when at least half of the tokens are characters of a script without word spacing.
  bool mainly_unspaced() const { return 2 * unspaced_tokens_ >= tokens_.size() && !tokens_.empty(); }

  // Appends the sorted, duplicate-free shingle hashes of the last tokenized key to `out`.
  void append_shingles(ShingleKind kind, const ShingleOptions& options, std::vector<uint64_t>& out);

 private:
  std::string_view key_;
  std::vector<std::pair<uint32_t, uint32_t>> tokens_;  // byte ranges in key_
  size_t unspaced_tokens_ = 0;
  std::vector<uint64_t> token_hashes_;
  std::vector<char32_t> chars_;
};

// |a ∩ b| / |a ∪ b| of two sorted duplicate-free sets; 0 when both are empty.
double jaccard_sorted(std::span<const uint64_t> a, std::span<const uint64_t> b);

// jaccard_sorted(a, b) when it is at least `threshold`; otherwise some value below the
// threshold, found as soon as the shingles left to merge cannot bring the common ones up to
// it. The value is computed as jaccard_sorted's, which grows with the common count, so a pair
// is at or above the threshold here exactly when it is there.
double jaccard_sorted_at_least(std::span<const uint64_t> a, std::span<const uint64_t> b,
                               double threshold);

}  // namespace groundswell
