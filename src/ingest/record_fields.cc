#include "base/hash.h"
#include "ingest/record_fields.h"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "base/json_writer.h"
#include "base/time.h"
#include "ingest/json_line.h"

namespace groundswell {

// ---- entities from text ------------------------------------------------------------------

namespace {

constexpr UChar32 kZwnj = 0x200C;

bool is_word_cp(UChar32 c) {
  if (c < 0x80) return std::isalnum(c) || c == '_';
  if (c == kZwnj) return true;
  int8_t t = u_charType(c);
  return u_isalnum(c) || t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK ||
         t == U_ENCLOSING_MARK;
}

// Decodes the code point at s[i]; sets `len`. Invalid bytes decode as U+FFFD, length 1.
UChar32 cp_at(std::string_view s, std::size_t i, std::size_t& len) {
  std::int32_t pos = static_cast<std::int32_t>(i);
  UChar32 c;
  U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), pos, static_cast<std::int32_t>(s.size()), c);
  len = static_cast<std::size_t>(pos) - i;
  return c < 0 ? 0xFFFD : c;
}

// The code point ending just before s[i] (0 at the start).
UChar32 cp_before(std::string_view s, std::size_t i) {
  if (i == 0) return 0;
  std::int32_t pos = static_cast<std::int32_t>(i);
  UChar32 c;
  U8_PREV(reinterpret_cast<const uint8_t*>(s.data()), 0, pos, c);
  return c < 0 ? 0xFFFD : c;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool url_stop_byte(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '<' ||
         c == '>' || c == '"';
}

}  // namespace

void extract_text_entities(std::string_view text, MessageRecord& m) {
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if ((c == 'h' || c == 'H') && (starts_with_icase(text.substr(i), "http://") ||
                                   starts_with_icase(text.substr(i), "https://"))) {
      std::size_t j = i;
      while (j < text.size() && !url_stop_byte(text[j])) {
        // Unicode whitespace (NBSP, ideographic space...) also ends a URL.
        if (static_cast<unsigned char>(text[j]) >= 0x80) {
          std::size_t len;
          UChar32 u = cp_at(text, j, len);
          if (u_isUWhiteSpace(u) || u == 0x00AB || u == 0x00BB) break;
          j += len;
          continue;
        }
        ++j;
      }
      std::string_view url = text.substr(i, j - i);
      for (;;) {
        if (url.empty()) break;
        char last = url.back();
        if (last == ')' && std::count(url.begin(), url.end(), '(') >=
                               std::count(url.begin(), url.end(), ')'))
          break;
        if (std::string_view(".,;:!?')]}").find(last) == std::string_view::npos) break;
        url.remove_suffix(1);
      }
      std::size_t scheme = url.find("://");
      if (url.size() > scheme + 3) m.urls.emplace_back(url);
      i = j;
      continue;
    }
    std::size_t sign_len = 0;
    bool hashtag = false;
    if (c == '#' || c == '@') {
      sign_len = 1;
      hashtag = c == '#';
    } else if (text.substr(i, 3) == "\xEF\xBC\x83" || text.substr(i, 3) == "\xEF\xBC\xA0") {
      sign_len = 3;  // fullwidth ＃ and ＠
      hashtag = text[i + 2] == '\x83';
    }
    if (sign_len > 0 && !is_word_cp(cp_before(text, i))) {
      std::size_t j = i + sign_len, end = j;
      while (j < text.size()) {
        std::size_t len;
        UChar32 u = cp_at(text, j, len);
        if (!is_word_cp(u)) break;
        j += len;
        if (u != kZwnj) end = j;  // a trailing ZWNJ is not part of the word
      }
      if (end > i + sign_len) {
        (hashtag ? m.hashtags : m.mentions).emplace_back(text.substr(i + sign_len, end - i - sign_len));
        i = j;
        continue;
      }
    }
    ++i;
  }
}

void fold_text_for_key(std::string_view text, std::string& out) {
  out.clear();
  bool pending_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t len;
    UChar32 c = cp_at(text, i, len);
    i += len;
    if (u_isUWhiteSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    char buf[4];
    std::int32_t n = 0;
    UBool err = false;
    U8_APPEND(reinterpret_cast<uint8_t*>(buf), n, 4, c, err);
    if (err) continue;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::string forwarded_name_key(std::string_view source_name, std::string_view text) {
  std::string folded;
  fold_text_for_key(text, folded);
  if (folded.empty()) return {};
  XXH64_hash_t h = XXH3_64bits_withSeed(folded.data(), folded.size(), 0);
  return fmt::format("name:{}|{:016x}", source_name, static_cast<std::uint64_t>(h));
}

namespace {
// The header's names, unquoted and lower-cased.
bool header_has(std::string_view line, std::string_view name) {
  std::size_t i = 0;
  while (i <= line.size()) {
    std::size_t j = line.find(',', i);
    if (j == std::string_view::npos) j = line.size();
    std::string_view f = line.substr(i, j - i);
    while (!f.empty() && (f.front() == ' ' || f.front() == '"')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '"' || f.back() == '\r')) f.remove_suffix(1);
    if (f.size() == name.size()) {
      bool eq = true;
      for (std::size_t k = 0; k < f.size() && eq; ++k)
        eq = std::tolower(static_cast<unsigned char>(f[k])) == name[k];
      if (eq) return true;
    }
    i = j + 1;
  }
  return false;
}

}  // namespace

bool csv_header_has(std::string_view head, std::string_view name) {
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  return header_has(head.substr(0, head.find('\n')), name);
}

// ---- Telegram peers ------------------------------------------------------------------------

bool telegram_peer_id(simdjson::dom::element v, std::string& out) {
  switch (v.type()) {
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: {
      std::int64_t id = 0;
      if (v.get_int64().get(id)) return false;
      out = fmt::format("user{}", id);
      return true;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      if (s.empty()) return false;
      out.assign(s);
      return true;
    }
    case simdjson::dom::element_type::OBJECT: {
      static constexpr std::pair<std::string_view, std::string_view> kPeers[] = {
          {"channel_id", "channel"}, {"chat_id", "chat"}, {"user_id", "user"}};
      for (auto [key, prefix] : kPeers) {
        std::int64_t id;
        if (json_int(v, key, id)) {
          out = fmt::format("{}{}", prefix, id);
          return true;
        }
      }
      return false;
    }
    default:
      return false;
  }
}

bool telegram_peer_field(simdjson::dom::element obj, std::string_view key, std::string& out) {
  simdjson::dom::element v;
  if (obj.at_key(key).get(v)) return false;
  return telegram_peer_id(v, out);
}

// ---- reactions ----------------------------------------------------------------------------

void ReactionTally::clear() {
  keys_.clear();
  total_ = 0;
}

void ReactionTally::add(std::string_view key, std::int64_t count) {
  if (count < 0) return;
  total_ += count;
  if (key.empty()) return;
  for (auto& [k, c] : keys_) {
    if (k == key) {
      c += count;
      return;
    }
  }
  keys_.emplace_back(std::string(key), count);
}

void ReactionTally::store(MessageRecord& m) const {
  m.reactions = total_;
  m.reactions_detail.clear();
  if (keys_.empty()) return;
  JsonWriter w(false);
  w.begin_object();
  for (const auto& [k, c] : keys_) w.key(k).value(c);
  w.end_object();
  m.reactions_detail = w.take();
}

bool SeenAccounts::first(std::string_view id) {
  const std::uint64_t hash = XXH3_64bits_withSeed(id.data(), id.size(), 0);
  if (hash == 0) return !std::exchange(zero_seen_, true);
  if ((used_ + 1) * 2 > slots_.size()) grow();  // at most half full
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i] == hash) return false;
    if (slots_[i] == 0) {
      slots_[i] = hash;
      ++used_;
      return true;
    }
  }
}

void SeenAccounts::grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t hash : old) {
    if (hash == 0) continue;
    std::size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = hash;
  }
}

// ---- JSON accessors ------------------------------------------------------------------------

bool json_str(simdjson::dom::element obj, std::string_view key, std::string_view& out) {
  simdjson::dom::element v;
  if (obj.at_key(key).get(v)) return false;
  return !v.get_string().get(out);
}

bool json_int(simdjson::dom::element obj, std::string_view key, std::int64_t& out) {
  simdjson::dom::element v;
  if (obj.at_key(key).get(v)) return false;
  switch (v.type()) {
    case simdjson::dom::element_type::INT64:
      out = v.get_int64().value_unsafe();
      return true;
    case simdjson::dom::element_type::UINT64: {
      std::uint64_t u = v.get_uint64().value_unsafe();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return false;
      out = static_cast<std::int64_t>(u);
      return true;
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      return ec == std::errc() && p == s.data() + s.size() && !s.empty();
    }
    default:
      return false;
  }
}

void assign_lang(std::string& out, std::string_view code) {
  if (code == "und") code = {};
  out.assign(code);
}

bool text_is_true(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "1" || s == "yes" || s == "Yes";
}

bool json_bool(simdjson::dom::element obj, std::string_view key, bool& out) {
  simdjson::dom::element v;
  if (obj.at_key(key).get(v)) return false;
  if (v.is_bool()) {
    out = v.get_bool().value_unsafe();
    return true;
  }
  std::string_view s;
  if (!v.get_string().get(s)) {
    out = text_is_true(s);
    return true;
  }
  std::int64_t n;
  if (!v.get_int64().get(n)) {
    out = n != 0;
    return true;
  }
  return false;
}

std::string json_time_field(simdjson::dom::element obj, std::string_view key, MessageRecord& m,
                            std::int64_t tz_offset_s) {
  simdjson::dom::element v;
  if (obj.at_key(key).get(v) || v.is_null()) return fmt::format("missing required field '{}'", key);
  std::string_view s;
  char buf[32];
  if (v.is_string()) {
    s = v.get_string().value_unsafe();
  } else if (v.is_int64() || v.is_uint64()) {
    std::int64_t n = 0;
    if (v.get_int64().get(n)) return fmt::format("field '{}' is out of range", key);
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    s = std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
  } else if (v.is_double()) {
    s = std::string_view(buf, static_cast<std::size_t>(
                                  fmt::format_to_n(buf, sizeof buf, "{:.3f}", v.get_double().value_unsafe()).out - buf));
  } else {
    return fmt::format("field '{}' must be a time stamp (string or number)", key);
  }
  return parse_time_field(s, key, m, tz_offset_s);
}

bool parse_count_cell(std::string_view s, std::int64_t& out) {
  out = kAbsent;
  if (s.empty()) return true;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  // Not a count: negative, NaN, infinite, or beyond a 64-bit integer (2^63 is exact in a
  // double), whose conversion would be undefined.
  if (ec != std::errc() || p != s.data() + s.size() || !(d >= 0 && d < 9223372036854775808.0))
    return false;
  out = static_cast<std::int64_t>(d);
  return true;
}

}  // namespace groundswell
