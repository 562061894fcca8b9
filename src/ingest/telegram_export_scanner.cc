#include "ingest/telegram_export_scanner.h"

#include <fmt/format.h>

#include <cstring>

namespace groundswell {
namespace {

constexpr std::size_t kEnvelopeStringLimit = 4096;  // chat names are short; longer is cut
constexpr std::size_t kMaxEnvelopeDepth = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool ends_scalar(char c) { return is_space(c) || c == ',' || c == ']' || c == '}'; }

}  // namespace

TelegramExportScanner::TelegramExportScanner(InputStream& in, std::uint64_t max_element_bytes)
    : JsonValueCutter(in, max_element_bytes) {}

void TelegramExportScanner::fail(std::string message) {
  if (!error_.empty()) return;
  error_ = std::move(message);
  error_offset_ = base_offset_ + pos_;
}

void TelegramExportScanner::finish_scalar() {
  if (tok_.empty()) return;
  if (!stack_.empty()) {
    Level& top = stack_.back();
    if (top.is_object && !top.expect_key && top.key == "id") top.id = tok_;
  }
  tok_.clear();
}

bool TelegramExportScanner::next(Element& e) {
  e = Element{};
  if (!error_.empty()) return false;
  for (;;) {
    if (pos_ == end_ && !fill()) {
      finish_scalar();
      if (root_seen_ && !complete_)
        fail(in_.error().empty() ? "the file ends before its JSON document closes (truncated?)"
                                 : in_.error());
      return false;
    }
    char c = buf_[pos_];
    if (in_string_) {
      ++pos_;
      bool keep = str_.size() < kEnvelopeStringLimit;
      if (escape_) {
        escape_ = false;
        if (keep) str_.append(c == 'x' ? "u00" : std::string_view(&c, 1));
        continue;
      }
      if (c == '\\') {
        escape_ = true;
        if (keep) str_.push_back(c);
        continue;
      }
      if (c != '"') {
        if (keep) str_.push_back(c);
        else str_cut_ = true;
        continue;
      }
      in_string_ = false;
      if (str_.back() == '\\') str_.pop_back();  // a cut that split an escape
      str_.push_back('"');
      Level& top = stack_.back();
      if (top.is_object && top.expect_key) {
        top.key.assign(str_, 1, str_.size() - 2);
      } else if (top.is_object) {
        if (top.key == "name") top.name_json = str_;
        else if (top.key == "id") top.id.assign(str_, 1, str_.size() - 2);
        else if (top.key == "type") top.type.assign(str_, 1, str_.size() - 2);
      }
      continue;
    }
    if (!tok_.empty() && !ends_scalar(c)) {
      if (tok_.size() < 64) tok_.push_back(c);
      ++pos_;
      continue;
    }
    finish_scalar();
    if (is_space(c)) {
      if (c == '\n') ++line_;
      ++pos_;
      continue;
    }
    if (complete_) {
      fail("unexpected data after the end of the JSON document");
      return false;
    }
    if (!stack_.empty() && stack_.back().messages && c != ']' && c != ',' && c != '}' &&
        c != ':') {
      e.chat = &chat_;
      capture(e, c);
      return true;
    }
    switch (c) {
      case '{':
      case '[': {
        if (stack_.empty()) {
          if (c != '{') {
            fail("expected a JSON object (a Telegram Desktop result.json)");
            return false;
          }
          root_seen_ = true;
        }
        if (stack_.size() >= kMaxEnvelopeDepth) {
          fail("JSON: nesting deeper than 256 levels outside messages");
          return false;
        }
        Level level;
        level.is_object = c == '{';
        level.expect_key = level.is_object;
        if (!level.is_object && !stack_.empty()) {
          const Level& parent = stack_.back();
          if (parent.is_object && parent.key == "messages") {
            level.messages = true;
            chat_.name_json = parent.name_json;
            chat_.id = parent.id;
            chat_.type = parent.type;
            ++chat_.serial;
          }
        }
        stack_.push_back(std::move(level));
        ++pos_;
        continue;
      }
      case '}':
      case ']': {
        if (stack_.empty() || stack_.back().is_object != (c == '}')) {
          fail(fmt::format("JSON: unexpected '{}'", c));
          return false;
        }
        stack_.pop_back();
        if (stack_.empty()) complete_ = true;
        ++pos_;
        continue;
      }
      case '"':
        if (stack_.empty()) {
          fail("expected a JSON object (a Telegram Desktop result.json)");
          return false;
        }
        in_string_ = true;
        str_cut_ = false;
        str_.assign(1, '"');
        ++pos_;
        continue;
      case ':':
        if (stack_.empty() || !stack_.back().is_object) {
          fail("JSON: unexpected ':'");
          return false;
        }
        stack_.back().expect_key = false;
        ++pos_;
        continue;
      case ',':
        if (stack_.empty()) {
          fail("JSON: unexpected ','");
          return false;
        }
        if (stack_.back().is_object) {
          stack_.back().expect_key = true;
          stack_.back().key.clear();
        }
        ++pos_;
        continue;
      default:
        if (stack_.empty()) {
          fail("expected a JSON object (a Telegram Desktop result.json)");
          return false;
        }
        tok_.push_back(c);
        ++pos_;
        continue;
    }
  }
}

}  // namespace groundswell
