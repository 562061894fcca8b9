#include "text/normalize.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <climits>

#include "base/utf8.h"
#include "text/url.h"

namespace groundswell {
namespace {

// NFKC_Casefold is NFKC plus full case folding plus removal of default-ignorable code points
// (soft hyphen, variation selectors, bidi controls, ...). The instance is an immutable
// process-wide singleton, safe to share between threads.
const icu::Normalizer2* nfkc_casefold() {
  static const icu::Normalizer2* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    return U_SUCCESS(status) ? n : nullptr;
  }();
  return instance;
}

// Plain NFKC (no case folding, no removals): what pass 0 gives the entity recognition.
const icu::Normalizer2* nfkc_plain() {
  static const icu::Normalizer2* instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(status);
    return U_SUCCESS(status) ? n : nullptr;
  }();
  return instance;
}

// The Persian/Arabic folding of docs/contract.md §5.1 over U+0600..U+06FF, applied after NFKC: a
// code point maps to another, to 0 (stripped) or to itself.
std::array<char32_t, 256> build_arabic_table() {
  std::array<char32_t, 256> t{};
  for (char32_t c = 0; c < 256; ++c) t[c] = 0x0600 + c;
  auto set = [&](char32_t from, char32_t to) { t[from - 0x0600] = to; };
  // Yeh variants -> Persian yeh. U+0626 (yeh with hamza) is U+064A + U+0654 canonically and
  // U+0654 is stripped below, so it folds with its base; the same holds for U+06D3.
  for (char32_t c : {0x064A, 0x0649, 0x06D0, 0x06D2, 0x0620, 0x0626, 0x06D3}) set(c, 0x06CC);
  set(0x0643, 0x06A9);  // Arabic kaf -> keheh
  for (char32_t c : {0x06C0, 0x0629, 0x06D5}) set(c, 0x0647);  // heh variants, teh marbuta
  // Alef variants. U+0622 (alef with madda) = U+0627 + U+0653 and the madda is stripped.
  for (char32_t c : {0x0623, 0x0625, 0x0671, 0x0622}) set(c, 0x0627);
  set(0x0624, 0x0648);  // waw with hamza -> waw
  for (char32_t c = 0x064B; c <= 0x065F; ++c) set(c, 0);  // harakat
  set(0x0670, 0);                                           // superscript alef
  set(0x0640, 0);                                           // tatweel (kashida)
  for (char32_t d = 0; d < 10; ++d) {
    set(0x0660 + d, U'0' + d);  // Arabic-Indic digits
    set(0x06F0 + d, U'0' + d);  // Persian (extended Arabic-Indic) digits
  }
  return t;
}

const std::array<char32_t, 256> kArabicFold = build_arabic_table();

bool is_bidi_control(char32_t c) {
  return c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0x061C;
}

// folds_away() outside the Arabic block.
[[gnu::noinline]] bool folds_away_elsewhere(UChar32 c) {
  if (c == 0x200C || c == 0x200D) return false;
  return is_bidi_control(static_cast<char32_t>(c)) ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

// Deleted by NFKC_Casefold or the fold pass: nothing of it is left in the key. ZWNJ and ZWJ,
// default-ignorable too, become spaces in the first pass instead. In the Arabic block the
// only bidi control or default-ignorable code point is U+061C (the Arabic letter mark; a test
// holds ICU to it): the table alone decides the rest, inline, with no property lookup for
// every Persian letter.
inline bool folds_away(UChar32 c) {
  if (c >= 0x0600 && c <= 0x06FF)
    return kArabicFold[static_cast<size_t>(c - 0x0600)] == 0 || c == 0x061C;
  return folds_away_elsewhere(c);
}

bool is_word_cp(UChar32 c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK | U_GC_PC_MASK)) != 0;
}

bool is_space_cp(UChar32 c) {
  if (c < 0x80) return c <= 0x20 || c == 0x7F;
  return u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool starts_with_icase(std::string_view s, size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[at + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Length in bytes of a URL starting at `at`, or 0. Recognized starts: http://, https://,
// www.<alnum>, t.me/<alnum> (Telegram posts often omit the scheme).
size_t url_length(std::string_view s, size_t at) {
  size_t body;
  if (starts_with_icase(s, at, "https://")) {
    body = at + 8;
  } else if (starts_with_icase(s, at, "http://")) {
    body = at + 7;
  } else if (starts_with_icase(s, at, "www.") || starts_with_icase(s, at, "t.me/")) {
    body = at + (starts_with_icase(s, at, "www.") ? 4 : 5);
    // A letter or digit of any script: the key folds Persian digits to ASCII ones, and a
    // link found only in the key would not be one the key's own normalization finds.
    if (body >= s.size()) return 0;
    int32_t next = static_cast<int32_t>(body);
    UChar32 c;
    U8_NEXT(s.data(), next, static_cast<int32_t>(std::min<size_t>(s.size(), INT32_MAX)), c);
    if (c < 0 || (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_N_MASK)) == 0) return 0;
  } else {
    return 0;
  }
  if (body >= s.size()) return 0;
  // Extend to the first space or character that cannot sit unescaped in a URL in running text.
  int32_t i = static_cast<int32_t>(body);
  const int32_t n = static_cast<int32_t>(s.size());
  int32_t end = i;
  while (i < n) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (c < 0 || is_space_cp(c) || c == 0x200C || c == 0x200D) break;
    if (c == '"' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}' || c == '|' ||
        c == '\\' || c == '^' || c == 0xAB || c == 0xBB || c == 0x201C || c == 0x201D ||
        c == 0x2018 || c == 0x2019 || c == 0x060C || c == 0x061B || c == 0x061F ||
        c == 0x2026)
      break;
    end = i;
  }
  // Sentence punctuation after a link is not part of it; a ')' is, when the link opened one.
  std::string_view url = s.substr(at, static_cast<size_t>(end) - at);
  while (!url.empty()) {
    const char last = url.back();
    if (last == ')' && std::count(url.begin(), url.end(), '(') >=
                           std::count(url.begin(), url.end(), ')')) {
      break;
    }
    if (std::string_view(".,;:!?')]}*").find(last) == std::string_view::npos) break;
    url.remove_suffix(1);
  }
  return url.size() > body - at ? url.size() : 0;
}

void emit_entity(std::string& pre, NormalizeOptions::Entities how, std::string_view placeholder,
                 std::string_view kept) {
  switch (how) {
    case NormalizeOptions::Entities::kKeep: pre += kept; break;
    case NormalizeOptions::Entities::kRemove: pre += ' '; break;
    case NormalizeOptions::Entities::kPlaceholder:
      pre += ' ';
      pre += placeholder;
      pre += ' ';
      break;
  }
}

// ASCII bytes that may begin a URL, mention or hashtag.
constexpr std::array<bool, 128> kEntityStart = [] {
  std::array<bool, 128> t{};
  for (char c : {'h', 'H', 'w', 'W', 't', 'T', '@', '#'}) t[static_cast<size_t>(c)] = true;
  return t;
}();

inline bool may_start_entity(UChar32 c) {
  return c < 0x80 ? (c >= 0 && kEntityStart[static_cast<size_t>(c)]) : (c == 0xFF20 || c == 0xFF03);
}

// Writes the UTF-8 of c at w (the caller guarantees room); returns the new end.
char* put_utf8(char* w, char32_t c) {
  if (c < 0x80) {
    *w++ = static_cast<char>(c);
  } else if (c < 0x800) {
    *w++ = static_cast<char>(0xC0 | (c >> 6));
    *w++ = static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *w++ = static_cast<char>(0xE0 | (c >> 12));
    *w++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (c & 0x3F));
  } else {
    *w++ = static_cast<char>(0xF0 | (c >> 18));
    *w++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    *w++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (c & 0x3F));
  }
  return w;
}

// Pass 0, for text that is not pure ASCII: mentions, URLs and hashtags are recognized in the
// text as the key will show it. Text that NFKC would change is NFKC-normalized (a fullwidth
// "ｗｗｗ．" or a ligature "ﬁ" become the ASCII letters the key holds), and code points the
// later passes delete (harakat, tatweel, bidi controls, soft hyphens and other
// default-ignorables; not ZWNJ and ZWJ) are dropped, so that neither hides nor splits an
// entity ("ww\u00ADw.x" is a link in the key, so it is one here). Without this, normalizing
// a key again could find entities the first normalization did not (found by fuzzing).
// Returns false, leaving `out` alone, when the text needs none of it.
bool entity_pass(std::string_view s, std::string& out) {
  s = s.substr(0, std::min<size_t>(s.size(), INT32_MAX));
  bool non_ascii = false, entity_start = false;
  for (char b : s) {
    const auto byte = static_cast<unsigned char>(b);
    non_ascii |= byte >= 0x80;
    entity_start |= byte < 0x80 && kEntityStart[byte];
  }
  if (!non_ascii) return false;
  // Ill-formed UTF-8 as the key shows it, U+FFFD: a link runs on through it.
  thread_local std::string repaired;
  const bool valid = is_valid_utf8(s);
  if (!valid) {
    repair_utf8(s, repaired);
    s = std::string_view(repaired).substr(0, std::min<size_t>(repaired.size(), INT32_MAX));
  }
  const int32_t n = static_cast<int32_t>(s.size());
  // Dropping code points matters only where an entity may start.
  bool drops = false;
  for (int32_t i = 0; i < n && entity_start && !drops;) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    drops = c >= 0x80 && folds_away(c);
  }
  const icu::Normalizer2* nfkc = nfkc_plain();
  UErrorCode status = U_ZERO_ERROR;
  const bool normalized =
      nfkc == nullptr || nfkc->isNormalizedUTF8(icu::StringPiece(s.data(), n), status) ||
      U_FAILURE(status);
  if (valid && !drops && normalized) return false;
  std::string_view text = s;
  thread_local std::string nfkc_text;
  if (!normalized) {
    nfkc_text.clear();
    icu::StringByteSink<std::string> sink(&nfkc_text, n);
    status = U_ZERO_ERROR;
    nfkc->normalizeUTF8(0, icu::StringPiece(s.data(), n), sink, nullptr, status);
    if (U_SUCCESS(status)) text = nfkc_text;
  }
  out.clear();
  const int32_t m = static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
  for (int32_t i = 0; i < m;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(text.data(), i, m, c);
    if (c >= 0x80 && folds_away(c)) continue;
    out.append(text.data() + start, static_cast<size_t>(i - start));
  }
  return true;
}

// Pass 1 over the raw text (or pass 0's): validates UTF-8, handles entities, turns ZWNJ/ZWJ/NBSP into
// spaces (NFKC_Casefold would delete ZWNJ and glue the two halves of a Persian word).
// Unchanged runs are copied in bulk. Returns whether the result is pure ASCII, in which case
// NFKC_Casefold is ASCII lowercasing.
bool pre_pass(std::string_view s, const NormalizeOptions& opt, std::string& pre) {
  pre.clear();
  const int32_t n = static_cast<int32_t>(std::min<size_t>(s.size(), INT32_MAX));
  s = s.substr(0, static_cast<size_t>(n));
  bool ascii = true;
  UChar32 prev = ' ';
  int32_t i = 0;
  int32_t copied = 0;  // s[0, copied) has been written to pre
  auto flush = [&](int32_t upto) {
    pre.append(s.data() + copied, static_cast<size_t>(upto - copied));
    copied = upto;
  };
  while (i < n) {
    // Fast path: ASCII that is neither an entity start nor changed.
    const auto byte = static_cast<unsigned char>(s[static_cast<size_t>(i)]);
    if (byte < 0x80 && !may_start_entity(byte)) {
      prev = byte;
      ++i;
      continue;
    }
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (may_start_entity(c) && !is_word_cp(prev) && prev != '/' && prev != '.') {
      if (c == 'h' || c == 'H' || c == 'w' || c == 'W' || c == 't' || c == 'T') {
        if (size_t len = url_length(s, static_cast<size_t>(start))) {
          std::string_view url = s.substr(static_cast<size_t>(start), len);
          flush(start);
          if (opt.urls == NormalizeOptions::Entities::kKeep) {
            const std::string canon = canonical_url(url);
            emit_entity(pre, opt.urls, kUrlPlaceholder, canon);
          } else {
            emit_entity(pre, opt.urls, kUrlPlaceholder, {});
          }
          i = copied = start + static_cast<int32_t>(len);
          prev = ' ';
          for (char b : url) ascii &= static_cast<unsigned char>(b) < 0x80;
          continue;
        }
      }
      if (c == '@' || c == 0xFF20 || c == '#' || c == 0xFF03) {
        const bool hashtag = c == '#' || c == 0xFF03;
        // Body: word characters; a hashtag also spans ZWNJ/ZWJ, which Persian tags contain.
        int32_t j = i;
        int32_t end = i;
        bool has_word = false;
        while (j < n) {
          UChar32 d;
          U8_NEXT(s.data(), j, n, d);
          if (is_word_cp(d)) {
            has_word = true;
          } else if (!(hashtag && (d == 0x200C || d == 0x200D))) {
            break;
          }
          end = j;
        }
        if (has_word) {
          const std::string_view body = s.substr(static_cast<size_t>(i), static_cast<size_t>(end - i));
          const auto how = hashtag ? opt.hashtags : opt.mentions;
          flush(start);
          if (how == NormalizeOptions::Entities::kKeep) {
            pre += hashtag ? '#' : '@';
            for (size_t k = 0; k < body.size(); ++k) {
              // Drop ZWNJ (E2 80 8C) and ZWJ (E2 80 8D) inside a hashtag.
              if (body[k] == '\xE2' && k + 2 < body.size() && body[k + 1] == '\x80' &&
                  (body[k + 2] == '\x8C' || body[k + 2] == '\x8D')) {
                k += 2;
                continue;
              }
              pre += body[k];
              ascii &= static_cast<unsigned char>(body[k]) < 0x80;
            }
          } else {
            emit_entity(pre, how, hashtag ? kHashtagPlaceholder : kMentionPlaceholder, {});
          }
          i = copied = end;
          // What follows is read as the key will show it: glued to a kept entity, after a
          // space once the entity is removed or replaced ("#tag‌@user" keeps its mention a
          // mention when the key is normalized again; found by fuzzing).
          prev = how == NormalizeOptions::Entities::kKeep ? 'x' : ' ';
          continue;
        }
      }
    }
    if (c < 0) {
      flush(start);
      append_utf8(pre, 0xFFFD);
      copied = i;
      ascii = false;
    } else if (c == 0x200C || c == 0x200D || c == 0xA0) {
      flush(start);
      pre.push_back(' ');
      copied = i;
    } else if (c >= 0x80) {
      ascii = false;
    }
    // What the later passes delete (harakat, tatweel, bidi controls, default-ignorables) is
    // not what an entity follows: "\u064C@user" after a space is a mention in the key, so it is
    // one here (found by fuzzing).
    if (c < 0x80 || !folds_away(c)) prev = c;
  }
  flush(n);
  return ascii;
}

// Pass 3: folding table, stripping, digits, whitespace collapse. `in` is valid UTF-8. Every
// step maps a code point to one of no more bytes (Arabic letters stay two bytes, digits
// become one, a space is written only for at least one byte of white space), so the output
// fits in in.size() bytes and is written through a pointer.
void fold_pass(std::string_view in, bool lower_ascii, std::string& out) {
  out.resize(in.size());
  char* const begin = out.data();
  char* w = begin;
  bool pending_space = false;
  auto emit = [&](char32_t c) {
    if (pending_space && w != begin) *w++ = ' ';
    pending_space = false;
    w = put_utf8(w, c);
  };
  const int32_t n = static_cast<int32_t>(in.size());
  int32_t i = 0;
  while (i < n) {
    const auto byte = static_cast<unsigned char>(in[static_cast<size_t>(i)]);
    if (byte < 0x80) {
      ++i;
      if (byte <= 0x20 || byte == 0x7F) {
        pending_space = true;
      } else {
        if (pending_space && w != begin) *w++ = ' ';
        pending_space = false;
        *w++ = static_cast<char>((lower_ascii && byte >= 'A' && byte <= 'Z') ? byte + ('a' - 'A') : byte);
      }
      continue;
    }
    UChar32 c;
    U8_NEXT(in.data(), i, n, c);
    if (c < 0) continue;  // not produced by the earlier passes; dropped rather than grown
    if (c >= 0x0600 && c <= 0x06FF) {
      const char32_t m = kArabicFold[static_cast<size_t>(c - 0x0600)];
      if (m != 0) emit(m);
      continue;
    }
    if (is_bidi_control(static_cast<char32_t>(c))) continue;
    const int8_t type = u_charType(c);
    if (c == 0x200C || c == 0x200D || type == U_CONTROL_CHAR || u_isUWhiteSpace(c)) {
      pending_space = true;
      continue;
    }
    if (type == U_DECIMAL_DIGIT_NUMBER) {
      const int32_t v = u_charDigitValue(c);
      if (v >= 0 && v <= 9) {
        emit(static_cast<char32_t>('0' + v));
        continue;
      }
    }
    emit(static_cast<char32_t>(c));
  }
  out.resize(static_cast<size_t>(w - begin));
}

struct Scratch {
  std::string entities;  // pass 0's text, when it changed any
  std::string pre;
  std::string nfkc;
};

}  // namespace

void normalize_key(std::string_view text, const NormalizeOptions& options, std::string& out) {
  thread_local Scratch scratch;
  if (entity_pass(text, scratch.entities)) text = scratch.entities;
  const bool ascii = pre_pass(text, options, scratch.pre);
  const icu::Normalizer2* nfkc = nfkc_casefold();
  if (ascii || nfkc == nullptr) {
    fold_pass(scratch.pre, /*lower_ascii=*/true, out);
    return;
  }
  scratch.nfkc.clear();
  icu::StringByteSink<std::string> sink(&scratch.nfkc, static_cast<int32_t>(scratch.pre.size()));
  UErrorCode status = U_ZERO_ERROR;
  nfkc->normalizeUTF8(0, icu::StringPiece(scratch.pre.data(), static_cast<int32_t>(scratch.pre.size())),
                      sink, nullptr, status);
  if (U_FAILURE(status)) {
    fold_pass(scratch.pre, /*lower_ascii=*/true, out);
    return;
  }
  fold_pass(scratch.nfkc, /*lower_ascii=*/false, out);
}

std::string normalize_key(std::string_view text, const NormalizeOptions& options) {
  std::string out;
  normalize_key(text, options, out);
  return out;
}

std::string normalize_hashtag(std::string_view tag) {
  // Normalizing first lets a fullwidth '＃' (NFKC) or a bidi mark before the sign (stripped)
  // reach the '#' removal below.
  std::string key = normalize_key(tag, NormalizeOptions{});
  std::erase(key, ' ');
  const size_t body = key.find_first_not_of('#');
  key.erase(0, body == std::string::npos ? key.size() : body);
  return key;
}

}  // namespace groundswell
