// The `telegram-export` format: Telegram Desktop's result.json, one chat or "Export all data".
// TelegramExportScanner streams the messages out of the document; this file maps each one to
// the canonical model (docs/formats.md, "telegram-export", lists every field).
#include <fmt/format.h>

#include "base/time.h"
#include "base/utf8.h"
#include "ingest/json_line.h"
#include "ingest/json_records.h"
#include "ingest/reader_factories.h"
#include "ingest/record_fields.h"
#include "ingest/telegram_export_scanner.h"

namespace groundswell {
namespace {

// The chat id in the form of the export's own from_id values.
std::string_view chat_prefix(std::string_view type) {
  if (type == "personal_chat" || type == "bot_chat" || type == "saved_messages") return "user";
  if (type == "private_group") return "chat";
  if (type.ends_with("_channel") || type.ends_with("_supergroup")) return "channel";
  return "chat";
}

bool is_channel_type(std::string_view type) { return type.ends_with("_channel"); }

// A media path the export wrote; exports made without media say "(File not included...)".
bool is_media_path(std::string_view s) { return !s.empty() && s.front() != '('; }

class TelegramExportReader : public Reader {
 public:
  Status read(InputStream& in, ReadContext& ctx) override {
    TelegramExportScanner scan(in, ctx.max_record_bytes);
    TelegramExportScanner::Element e;
    bool last_truncated = false;
    while (!ctx.stopped() && scan.next(e)) {
      Position where{ctx.file, e.line, e.offset};
      last_truncated = e.truncated;
      if (e.too_long) {
        ctx.sink->reject(where,
                         fmt::format("message of {} bytes is longer than the limit of {} bytes",
                                     e.length, ctx.max_record_bytes),
                         reject_excerpt(e.text));
        continue;
      }
      if (e.truncated) {
        ctx.sink->reject(where, "the file ends inside this message (truncated file)",
                         reject_excerpt(e.text));
        continue;
      }
      if (e.chat->serial != chat_serial_) set_chat(*e.chat, where, ctx);
      bool repaired = false;
      simdjson::dom::element root;
      if (!parser_.parse(e.text, root, error_, repaired)) {
        ctx.sink->reject(where, error_, reject_excerpt(e.text));
        continue;
      }
      if (repaired) ++ctx.utf8_repaired;
      if (!root.is_object()) {
        ctx.sink->reject(where, "messages[] entry is not an object", reject_excerpt(e.text));
        continue;
      }
      std::string reason = map(root, where, ctx);
      if (!reason.empty())
        ctx.sink->reject(where, reason, reject_excerpt(e.text));
      else
        ctx.sink->message(m_, where);
    }
    if (!scan.error().empty() && !ctx.stopped()) {
      Position where{ctx.file, 0, scan.error_offset()};
      if (scan.complete() || !in.error().empty() || !scan.error().starts_with("the file ends")) {
        // The envelope broke: whatever followed is unread, so it is a reject, not a warning.
        ctx.sink->reject(where,
                         fmt::format("{} at byte {}; the rest of the file is not read",
                                     scan.error(), scan.error_offset()),
                         "");
      } else if (!last_truncated) {
        ctx.sink->warn(where, fmt::format("{} at byte {}", scan.error(), scan.error_offset()));
      }
    }
    return Status::Ok();
  }

 private:
  void set_chat(const TelegramExportScanner::Chat& chat, const Position& where, ReadContext& ctx) {
    chat_serial_ = chat.serial;
    chat_type_ = chat.type;
    chat_id_.clear();
    if (!chat.id.empty()) {
      // The scanner takes the id as written, bytes and all: ill-formed UTF-8 in it is replaced
      // by U+FFFD as in any field, and said once for the chat.
      if (repair_utf8(chat.id, chat_id_) > 0)
        ctx.sink->warn(where,
                       fmt::format("the chat's \"id\" is not valid UTF-8: read as {}", chat_id_));
      chat_id_.insert(0, chat_prefix(chat.type));
    }
    chat_name_.clear();
    simdjson::dom::element name;
    bool repaired = false;
    if (!chat.name_json.empty() && name_parser_.parse(chat.name_json, name, error_, repaired) &&
        name.is_string())
      chat_name_.assign(name.get_string().value_unsafe());
    if (chat_id_.empty())
      ctx.sink->warn(where,
                     "a chat has no \"id\" before its \"messages\"; its messages are rejected");
  }

  std::string map(simdjson::dom::element msg, const Position& where, ReadContext& ctx) {
    MessageRecord& m = m_;
    m.clear();
    m.platform = "telegram";
    if (chat_id_.empty()) return "the chat of this message has no id";
    m.chat_id = chat_id_;
    bool wrong = false;
    if (!json_string_or_number(msg, "id", m.message_id, wrong) || m.message_id.empty())
      return "missing required field 'id'";
    std::string_view type;
    if (json_str(msg, "type", type) && type == "service") m.kind = RecordKind::kEvent;

    // Author: from_id ("user1"/"channel1", or an integer in old exports), actor_id for service
    // messages, else the channel itself for a channel post.
    simdjson::dom::element v;
    bool have_author = false;
    for (std::string_view key : {"from_id", "actor_id"}) {
      if (msg.at_key(key).get(v) || v.is_null()) continue;
      std::int64_t n;
      if (v.is_int64() || v.is_uint64()) {
        if (v.get_int64().get(n)) return fmt::format("field '{}' is out of range", key);
        bool channel_self = is_channel_type(chat_type_) && chat_id_ == fmt::format("channel{}", n);
        m.account_id = fmt::format("{}{}", channel_self ? "channel" : "user", n);
      } else if (!telegram_peer_id(v, m.account_id)) {
        return fmt::format("field '{}' must be a string or an integer", key);
      }
      have_author = true;
      std::string_view name;
      if (json_str(msg, key == "from_id" ? "from" : "actor", name)) m.display_name.assign(name);
      break;
    }
    if (!have_author) {
      // A channel's own post, or a service message without actor_id (calls, migrations):
      // the chat is the author. A group member's message must name its sender.
      if (m.kind != RecordKind::kEvent && !is_channel_type(chat_type_))
        return "missing required field 'from_id'";
      m.account_id = chat_id_;
    }
    if (m.display_name.empty() && m.account_id == chat_id_) m.display_name = chat_name_;

    // Time: date_unixtime (a string of seconds); old exports have only local `date`.
    if (!msg.at_key("date_unixtime").get(v) && !v.is_null()) {
      std::string reason = json_time_field(msg, "date_unixtime", m, 0);
      if (!reason.empty()) return reason;
    } else {
      std::string reason = json_time_field(msg, "date", m, ctx.tz_offset_s);
      if (!reason.empty()) return reason;
      if (!warned_local_time_) {
        warned_local_time_ = true;
        ctx.sink->warn(where, fmt::format("no date_unixtime; 'date' read as local time at UTC{:+}s "
                                          "(--tz sets the zone)",
                                          ctx.tz_offset_s));
      }
    }

    std::string reason = read_text(msg, m);
    if (!reason.empty()) return reason;

    std::string_view source;
    if (json_str(msg, "forwarded_from", source) || json_str(msg, "saved_from", source))
      m.shares = forwarded_name_key(source, m.text);

    std::int64_t reply = 0;
    if (json_int(msg, "reply_to_message_id", reply)) {
      std::string peer;
      if (!telegram_peer_field(msg, "reply_to_peer_id", peer)) peer = chat_id_;
      m.reply_to = fmt::format("{}/{}", peer, reply);
    }

    simdjson::dom::array reactions;
    if (!msg.at_key("reactions").get(reactions)) {
      tally_.clear();
      for (auto r : reactions) {
        std::int64_t count = 0;
        if (!json_int(r, "count", count)) continue;
        std::string_view key;
        if (json_str(r, "emoji", key)) {
          tally_.add(key, count);
        } else if (json_string_or_number(r, "document_id", doc_, wrong)) {
          tally_.add(fmt::format("custom:{}", doc_), count);
        } else if (json_str(r, "type", key)) {
          tally_.add(key, count);
        } else {
          tally_.add({}, count);
        }
      }
      tally_.store(m);
    }

    std::string_view media;
    if ((json_str(msg, "photo", media) && is_media_path(media)) ||
        (json_str(msg, "file", media) && is_media_path(media)))
      m.media_key.assign(media);
    return {};
  }

  // `text` is a string, or an array of strings and entity objects; `text_entities` (newer
  // exports) is the same as an array of objects. Entities give hashtags, mentions and links;
  // a plain string text with no entities has them extracted from the text.
  std::string read_text(simdjson::dom::element msg, MessageRecord& m) {
    simdjson::dom::element text;
    if (msg.at_key("text").get(text) || text.is_null()) return {};
    if (text.is_string()) {
      m.text.assign(text.get_string().value_unsafe());
      simdjson::dom::array entities;
      if (!msg.at_key("text_entities").get(entities)) {
        for (auto ent : entities) add_entity(ent, m, /*append_text=*/false);
      } else {
        extract_text_entities(m.text, m);
      }
      return {};
    }
    simdjson::dom::array parts;
    if (text.get_array().get(parts)) return "field 'text' must be a string or an array";
    for (auto part : parts) {
      if (part.is_string()) {
        m.text.append(part.get_string().value_unsafe());
      } else if (part.is_object()) {
        add_entity(part, m, /*append_text=*/true);
      } else {
        return "field 'text' has an entry that is neither a string nor an object";
      }
    }
    return {};
  }

  static void add_entity(simdjson::dom::element ent, MessageRecord& m, bool append_text) {
    std::string_view type, text;
    json_str(ent, "type", type);
    json_str(ent, "text", text);
    if (append_text) m.text.append(text);
    auto strip = [](std::string_view s, char sign) {
      if (!s.empty() && s.front() == sign) s.remove_prefix(1);
      return s;
    };
    if (type == "hashtag") {
      if (!strip(text, '#').empty()) m.hashtags.emplace_back(strip(text, '#'));
    } else if (type == "mention") {
      if (!strip(text, '@').empty()) m.mentions.emplace_back(strip(text, '@'));
    } else if (type == "mention_name") {
      std::int64_t user = 0;
      if (json_int(ent, "user_id", user)) m.mentions.push_back(fmt::format("user{}", user));
    } else if (type == "link") {
      if (!text.empty()) m.urls.emplace_back(text);
    } else if (type == "text_link") {
      std::string_view href;
      if (json_str(ent, "href", href) && !href.empty()) m.urls.emplace_back(href);
    }
  }

  JsonRecordParser parser_, name_parser_;
  std::string error_;
  MessageRecord m_;
  ReactionTally tally_;
  std::string doc_;
  std::uint64_t chat_serial_ = 0;
  std::string chat_id_, chat_type_, chat_name_;
  bool warned_local_time_ = false;
};

}  // namespace

std::unique_ptr<Reader> make_telegram_export_reader() {
  return std::make_unique<TelegramExportReader>();
}

// A JSON document (not JSON lines) with Telegram Desktop's keys: a chat's "messages" with
// keys only Desktop writes, or the "Export all data" sections. Unknown keys (a message's
// "peer_id", for one) do not matter.
int sniff_telegram_export(std::string_view head, std::string_view path) {
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  std::size_t i = head.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || head[i] != '{') return 0;
  if (json_layout(head, false) != JsonLayout::kDocument) return 0;
  auto has = [&](std::string_view s) { return head.find(s) != std::string_view::npos; };
  // A saved Telethon result is a document with "messages" too; Desktop never writes "_".
  if (has("\"_\":") || has("\"_\" :")) return 0;
  bool export_all = has("\"personal_information\"") || has("\"left_chats\"") ||
                    (has("\"chats\"") && has("\"list\""));
  bool one_chat = has("\"messages\"") &&
                  (has("\"date_unixtime\"") || has("\"text_entities\"") || has("_channel\"") ||
                   has("_supergroup\"") || has("\"personal_chat\"") || has("\"private_group\"") ||
                   has("\"bot_chat\"") || has("\"saved_messages\"") || has("\"from_id\""));
  if (!export_all && !one_chat) return 0;
  return path.find("result") != std::string_view::npos ? 98 : 92;
}

// A whole export on one line: a chat object with messages[] (no Telethon "_"), or the
// "Export all data" object.
int sniff_telegram_export_record(simdjson::dom::element r) {
  simdjson::dom::element v;
  if (!r.at_key("_").get(v)) return 0;
  simdjson::dom::array messages;
  if (!r.at_key("messages").get(messages) && (!r.at_key("name").get(v) || !r.at_key("type").get(v)))
    return 92;
  simdjson::dom::element chats;
  if (!r.at_key("chats").get(chats) && !chats.at_key("list").get(v)) return 92;
  return 0;
}

}  // namespace groundswell
