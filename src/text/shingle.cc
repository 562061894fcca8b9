#include "base/hash.h"
#include "text/shingle.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>

namespace groundswell {
namespace {

bool is_unspaced_script(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  if (U_FAILURE(status)) return false;
  switch (script) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR:
    case USCRIPT_TIBETAN:
      return true;
    default:
      return false;
  }
}

bool is_ascii_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Distinct seeds keep word n-grams, character n-grams and n-grams of different n apart.
constexpr uint64_t kCharSeedSalt = 0x9E3779B97F4A7C15ULL;

}  // namespace

void Shingler::tokenize(std::string_view key) {
  key_ = key;
  tokens_.clear();
  unspaced_tokens_ = 0;
  const int32_t n = static_cast<int32_t>(key.size());
  int32_t open = -1;          // start of the token being built, or -1
  bool open_unspaced = false;  // the open token is one unspaced-script character (+ marks)
  auto close = [&](int32_t end) {
    if (open >= 0 && end > open) {
      tokens_.emplace_back(static_cast<uint32_t>(open), static_cast<uint32_t>(end));
      if (open_unspaced) ++unspaced_tokens_;
    }
    open = -1;
    open_unspaced = false;
  };
  int32_t i = 0;
  while (i < n) {
    const int32_t start = i;
    const char b = key[static_cast<size_t>(i)];
    if (static_cast<unsigned char>(b) < 0x80) {
      ++i;
      if ((open < 0 || open_unspaced) && b == 'h' && (key.compare(static_cast<size_t>(start), 8, "https://") == 0 ||
                                     key.compare(static_cast<size_t>(start), 7, "http://") == 0)) {
        size_t end = key.find(' ', static_cast<size_t>(start));
        if (end == std::string_view::npos) end = key.size();
        close(start);
        open = start;
        close(static_cast<int32_t>(end));
        i = static_cast<int32_t>(end);
        continue;
      }
      if (is_ascii_word(b)) {
        if (open_unspaced) close(start);
        if (open < 0) open = start;
        continue;
      }
      if ((b == '@' || b == '#') && i < n) {
        // Keep the sign on its word only when a word follows directly.
        int32_t j = i;
        UChar32 d;
        U8_NEXT(key.data(), j, n, d);
        const bool word_follows =
            d >= 0 && (d < 0x80 ? is_ascii_word(static_cast<char>(d))
                                : (U_GET_GC_MASK(d) & (U_GC_L_MASK | U_GC_N_MASK)) != 0);
        if (word_follows) {
          close(start);
          open = start;
          continue;
        }
      }
      close(start);
      continue;
    }
    UChar32 c;
    U8_NEXT(key.data(), i, n, c);
    if (c < 0) {
      close(start);
      continue;
    }
    const uint32_t mask = U_GET_GC_MASK(c);
    if (mask & U_GC_M_MASK) {
      continue;  // marks extend whatever token is open, and are dropped otherwise
    }
    if (mask & (U_GC_L_MASK | U_GC_N_MASK | U_GC_PC_MASK)) {
      if (is_unspaced_script(c)) {
        close(start);
        open = start;
        open_unspaced = true;
      } else {
        if (open_unspaced) close(start);
        if (open < 0) open = start;
      }
      continue;
    }
    close(start);
    if (mask & U_GC_S_MASK) {
      open = start;
      close(i);
    }
  }
  close(n);
}

void Shingler::append_shingles(ShingleKind kind, const ShingleOptions& options,
                               std::vector<uint64_t>& out) {
  const size_t first = out.size();
  if (tokens_.empty()) return;
  if (kind == ShingleKind::kWords) {
    token_hashes_.clear();
    for (size_t t = 0; t < tokens_.size(); ++t) {
      const std::string_view tok = token(t);
      token_hashes_.push_back(XXH3_64bits_withSeed(tok.data(), tok.size(), options.seed));
    }
    const size_t w = static_cast<size_t>(std::max(1, options.words));
    if (w == 1) {
      out.insert(out.end(), token_hashes_.begin(), token_hashes_.end());
    } else {
      const size_t len = std::min(w, token_hashes_.size());
      for (size_t t = 0; t + len <= token_hashes_.size(); ++t) {
        out.push_back(XXH3_64bits_withSeed(&token_hashes_[t], len * sizeof(uint64_t),
                                           options.seed + len));
      }
    }
  } else {
    chars_.clear();
    for (size_t t = 0; t < tokens_.size(); ++t) {
      if (t > 0) chars_.push_back(U' ');
      const std::string_view tok = token(t);
      const int32_t n = static_cast<int32_t>(tok.size());
      for (int32_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(tok.data(), i, n, c);
        chars_.push_back(c < 0 ? char32_t{0xFFFD} : static_cast<char32_t>(c));
      }
    }
    const size_t len = std::min(static_cast<size_t>(std::max(1, options.chars)), chars_.size());
    for (size_t i = 0; i + len <= chars_.size(); ++i) {
      out.push_back(XXH3_64bits_withSeed(&chars_[i], len * sizeof(char32_t),
                                         (options.seed ^ kCharSeedSalt) + len));
    }
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
}

double jaccard_sorted_at_least(std::span<const uint64_t> a, std::span<const uint64_t> b,
                               double threshold) {
  if (a.empty() && b.empty()) return 0.0;
  const size_t n = a.size() + b.size();
  auto value = [n](size_t common) {
    return static_cast<double>(common) / static_cast<double>(n - common);
  };
  // The fewest common shingles whose value reaches the threshold, in the same arithmetic.
  const size_t most = std::min(a.size(), b.size());
  if (value(most) < threshold) return value(most);
  size_t need = static_cast<size_t>(std::max(0.0, threshold) * static_cast<double>(n) /
                                    (1.0 + std::max(0.0, threshold)));
  need = std::min(need, most);
  while (need > 0 && value(need - 1) >= threshold) --need;
  while (value(need) < threshold) ++need;  // ends: value(most) reaches it
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
      continue;
    }
    // Only a shingle passed over lowers what the common count can still reach.
    if (common + std::min(a.size() - i, b.size() - j) < need) return value(need - 1);
  }
  return value(common);
}

// At threshold 0 no merge stops early.
double jaccard_sorted(std::span<const uint64_t> a, std::span<const uint64_t> b) {
  return jaccard_sorted_at_least(a, b, 0.0);
}

}  // namespace groundswell
