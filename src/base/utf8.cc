#include "base/utf8.h"

#include <simdjson.h>

namespace groundswell {

bool is_valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid (Unicode 15,
// table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t valid_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t left = s.size() - i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && (b(1) & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3) return 0;
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return b(1) >= lo && b(1) <= hi && (b(2) & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4) return 0;
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return b(1) >= lo && b(1) <= hi && (b(2) & 0xC0) == 0x80 && (b(3) & 0xC0) == 0x80 ? 4 : 0;
  }
  return 0;
}

}  // namespace

std::size_t repair_utf8(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size() + 8);
  std::size_t repairs = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = valid_sequence(s, i);
    if (n) {
      out.append(s.data() + i, n);
      i += n;
      continue;
    }
    out.append("\xEF\xBF\xBD");
    ++repairs;
    ++i;
    // Skip continuation bytes of the same broken sequence so one bad character is one U+FFFD.
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return repairs;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace groundswell
