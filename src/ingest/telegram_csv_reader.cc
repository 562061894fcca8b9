// The `telegram-csv` format: channel scrapers' CSV (telegram-tracker and the like), columns
// by name: channel_id, channel_name, msg_id, message, date, views, number_replies,
// number_forwards, is_forward, forward_msg_from_peer_id, forward_msg_date, and when present
// msg_from_peer/msg_from_id, forward_msg_from_peer_type, forward_msg_link, reply_to_msg_id,
// url, photo_id, document_id.
#include <fmt/format.h>

#include <charconv>

#include "base/time.h"
#include "ingest/reader_factories.h"
#include "ingest/record_fields.h"

namespace groundswell {
namespace {

enum Col {
  kChannelId, kChannelName, kMsgId, kMessage, kDate, kViews, kReplies, kForwards, kIsForward,
  kFwdPeerId, kFwdDate, kFromPeer, kFromId, kFwdPeerType, kFwdLink, kReplyTo, kUrl, kPhotoId,
  kDocumentId, kCols
};
constexpr std::string_view kNames[kCols] = {
    "channel_id", "channel_name", "msg_id", "message", "date", "views", "number_replies",
    "number_forwards", "is_forward", "forward_msg_from_peer_id", "forward_msg_date",
    "msg_from_peer", "msg_from_id", "forward_msg_from_peer_type", "forward_msg_link",
    "reply_to_msg_id", "url", "photo_id", "document_id"};

// A numeric id as the peer form: "-1001234" (Bot API form of a channel) -> channel1234,
// "1234" -> prefix + 1234; an id already in the form ("channel1234") is kept.
std::string peer_form(std::string_view id, std::string_view prefix) {
  if (id.starts_with("-100") && id.size() > 4) return fmt::format("channel{}", id.substr(4));
  if (id.starts_with('-') && id.size() > 1) return fmt::format("chat{}", id.substr(1));
  if (!id.empty() && (id.front() < '0' || id.front() > '9')) return std::string(id);
  return fmt::format("{}{}", prefix, id);
}

std::string_view peer_prefix(std::string_view type, std::string_view fallback) {
  auto has = [&](std::string_view s) {
    for (std::size_t i = 0; i + s.size() <= type.size(); ++i) {
      bool eq = true;
      for (std::size_t k = 0; k < s.size() && eq; ++k)
        eq = std::tolower(static_cast<unsigned char>(type[i + k])) == s[k];
      if (eq) return true;
    }
    return false;
  };
  if (has("channel")) return "channel";
  if (has("user")) return "user";
  if (has("chat")) return "chat";
  return fallback;
}

class TelegramCsvReader : public CsvRowReader<TelegramCsvReader> {
 public:
  std::string row(const CsvReader::Record& rec, const CsvHeader& h, ReadContext& ctx) {
    if (!have_cols_) {
      for (int c = 0; c < kCols; ++c) cols_[c] = h.index(kNames[c]);
      have_cols_ = true;
    }
    for (int c : {kChannelId, kMsgId, kDate})
      if (cols_[c] < 0) return fmt::format("CSV: header has no column '{}'", kNames[c]);
    auto cell = [&](int c) {
      return cols_[c] < 0 ? std::string_view() : rec.field(static_cast<std::size_t>(cols_[c]));
    };
    MessageRecord& m = m_;
    m.clear();
    m.platform = "telegram";
    if (cell(kChannelId).empty()) return "missing required field 'channel_id'";
    m.chat_id = peer_form(cell(kChannelId), "channel");
    m.message_id.assign(cell(kMsgId));
    if (m.message_id.empty()) return "missing required field 'msg_id'";
    if (!cell(kFromId).empty()) {
      m.account_id = peer_form(cell(kFromId), peer_prefix(cell(kFromPeer), "user"));
    } else {
      m.account_id = m.chat_id;
      m.account_handle.assign(cell(kChannelName));
    }
    std::string reason = parse_time_field(cell(kDate), "date", m, ctx.tz_offset_s);
    if (!reason.empty()) return reason;
    m.text.assign(cell(kMessage));
    extract_text_entities(m.text, m);
    std::string_view url = cell(kUrl);
    if (!url.empty() && std::find(m.urls.begin(), m.urls.end(), url) == m.urls.end())
      m.urls.emplace_back(url);
    for (auto [c, out] : {std::pair{kViews, &m.views}, {kReplies, &m.replies},
                          {kForwards, &m.forwards}}) {
      if (!parse_count_cell(cell(c), *out))
        return fmt::format("field '{}' must be a non-negative number", kNames[c]);
    }
    std::string_view fwd_peer = cell(kFwdPeerId);
    if (text_is_true(cell(kIsForward)) || (cols_[kIsForward] < 0 && !fwd_peer.empty())) {
      if (!fwd_peer.empty()) {
        std::string source = peer_form(fwd_peer, peer_prefix(cell(kFwdPeerType), "channel"));
        // The original post id is the last path segment of a t.me link when one is given.
        std::string_view link = cell(kFwdLink);
        std::string_view post = link.substr(link.find_last_of('/') + 1);
        bool numeric = !post.empty() && post.find_first_not_of("0123456789") == std::string_view::npos;
        ParsedTime t;
        if (numeric && link.find('/') != std::string_view::npos)
          m.shares = fmt::format("{}/{}", source, post);
        else if (parse_time(cell(kFwdDate), t, ctx.tz_offset_s))
          m.shares = fmt::format("{}@{}", source, t.ms / 1000);
        else
          m.shares = source;
      }
    }
    if (!cell(kReplyTo).empty()) m.reply_to = fmt::format("{}/{}", m.chat_id, cell(kReplyTo));
    if (!cell(kPhotoId).empty()) m.media_key = fmt::format("photo{}", cell(kPhotoId));
    else if (!cell(kDocumentId).empty()) m.media_key = fmt::format("document{}", cell(kDocumentId));
    ctx.sink->message(m, Position{ctx.file, rec.line, rec.offset});
    return {};
  }

 private:

  bool have_cols_ = false;
  int cols_[kCols] = {};
  MessageRecord m_;
};

}  // namespace

std::unique_ptr<Reader> make_telegram_csv_reader() {
  return std::make_unique<TelegramCsvReader>();
}

int sniff_telegram_csv(std::string_view head, std::string_view) {
  for (std::string_view c : {"channel_id", "msg_id", "message", "date"})
    if (!csv_header_has(head, c)) return 0;
  return 90;
}

}  // namespace groundswell
