// The peer tools' input formats: `coortweet` (CooRTweet's object_id, account_id, content_id,
// timestamp_share) and `cnt` (the Coordination Network Toolkit's message_id, user_id,
// username, repost_id, reply_id, message, timestamp, urls — by position).
//
// A CooRTweet row is one share of an object by a post; one post can share several objects,
// so the row's key is (chat_id = object_id, message_id = content_id) and `shares` holds the
// object. Both keep the input's name as the platform.
#include <fmt/format.h>

#include <algorithm>

#include "ingest/reader_factories.h"

namespace groundswell {
namespace {

std::string_view first_line(std::string_view head) {
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  std::string_view line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The header's names in order, unquoted and lower-cased.
std::vector<std::string> header_names(std::string_view line) {
  std::vector<std::string> names;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      names.push_back(cur);
      cur.clear();
    } else if (c != '"' && c != ' ') {
      cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  names.push_back(cur);
  return names;
}

class CoortweetReader : public CsvRowReader<CoortweetReader> {
 public:
  std::string row(const CsvReader::Record& rec, const CsvHeader& h, ReadContext& ctx) {
    if (cols_[0] < 0) {
      // Kept only once all four are found: a header missing the second column used to leave
      // the first one set, and the next row read column -1 (found by fuzzing).
      const char* names[] = {"object_id", "account_id", "content_id", "timestamp_share"};
      int cols[4];
      for (int i = 0; i < 4; ++i) {
        cols[i] = h.index(names[i]);
        if (cols[i] < 0) return fmt::format("CSV: header has no column '{}'", names[i]);
      }
      std::copy(cols, cols + 4, cols_);
    }
    MessageRecord& m = m_;
    m.clear();
    m.platform = "coortweet";
    auto cell = [&](int k) { return rec.field(static_cast<std::size_t>(cols_[k])); };
    m.chat_id.assign(cell(0));
    m.shares.assign(cell(0));
    m.account_id.assign(cell(1));
    m.message_id.assign(cell(2));
    if (m.shares.empty()) return "missing required field 'object_id'";
    if (m.account_id.empty()) return "missing required field 'account_id'";
    if (m.message_id.empty()) return "missing required field 'content_id'";
    std::string reason = parse_time_field(cell(3), "timestamp_share", m, ctx.tz_offset_s);
    if (!reason.empty()) return reason;
    ctx.sink->message(m, Position{ctx.file, rec.line, rec.offset});
    return {};
  }

 private:
  int cols_[4] = {-1, -1, -1, -1};
  MessageRecord m_;
};

class CntReader : public CsvRowReader<CntReader> {
 public:
  // Columns by position, as the toolkit reads them.
  std::string row(const CsvReader::Record& rec, const CsvHeader& h, ReadContext& ctx) {
    if (h.size() < 8) return "CSV: expected 8 columns (message_id, user_id, username, repost_id, reply_id, message, timestamp, urls)";
    MessageRecord& m = m_;
    m.clear();
    m.platform = "cnt";
    m.message_id.assign(rec.field(0));
    m.account_id.assign(rec.field(1));
    m.account_handle.assign(rec.field(2));
    m.shares.assign(rec.field(3));
    m.reply_to.assign(rec.field(4));
    m.text.assign(rec.field(5));
    if (m.message_id.empty()) return "missing required field 'message_id'";
    if (m.account_id.empty()) return "missing required field 'user_id'";
    std::string reason = parse_time_field(rec.field(6), "timestamp", m, ctx.tz_offset_s);
    if (!reason.empty()) return reason;
    split_list_cell(rec.field(7), m.urls);
    ctx.sink->message(m, Position{ctx.file, rec.line, rec.offset});
    return {};
  }

 private:
  MessageRecord m_;
};

}  // namespace

std::unique_ptr<Reader> make_coortweet_reader() { return std::make_unique<CoortweetReader>(); }
std::unique_ptr<Reader> make_cnt_reader() { return std::make_unique<CntReader>(); }

int sniff_coortweet(std::string_view head, std::string_view) {
  auto names = header_names(first_line(head));
  int found = 0;
  for (const auto& n : names)
    found += n == "object_id" || n == "account_id" || n == "content_id" || n == "timestamp_share";
  return found == 4 ? 95 : 0;
}

int sniff_cnt(std::string_view head, std::string_view) {
  auto names = header_names(first_line(head));
  static const char* kCols[] = {"message_id", "user_id", "username", "repost_id",
                                "reply_id",   "message", "timestamp", "urls"};
  if (names.size() < 8) return 0;
  for (int i = 0; i < 8; ++i)
    if (names[static_cast<std::size_t>(i)] != kCols[i]) return 0;
  return 95;
}

}  // namespace groundswell
