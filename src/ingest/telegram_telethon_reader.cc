// The `telethon` format: Telethon Message.to_dict()/to_json() objects, as JSON lines or whole
// documents (an array of them, or a saved messages.Messages / messages.ChannelMessages /
// messages.MessagesSlice result with messages[], chats[] and users[]), in the
// current schema (peer_id, from_id as a Peer object, reply_to{reply_to_msg_id}) and the legacy
// one (to_id, integer from_id, top-level reply_to_msg_id, fwd_from.channel_id); Pushshift's
// Telegram messages.ndjson(.zst) is the same; its channels/accounts files are lines of
// Channel, Chat, User or messages.ChatFull objects, read as account metadata.
#include <fmt/format.h>

#include "base/time.h"
#include "ingest/json_line.h"
#include "ingest/json_records.h"
#include "ingest/reader_factories.h"
#include "ingest/record_fields.h"

namespace groundswell {
namespace {

// Byte range of a Telethon entity, whose offset and length count UTF-16 code units. Entities
// come in text order, so the walk resumes where the previous one stopped.
class Utf16Walker {
 public:
  explicit Utf16Walker(std::string_view text) : text_(text) {}
  // Byte index of UTF-16 offset `u`, or npos past the end.
  std::size_t byte_at(std::int64_t u) {
    if (u < units_) {
      byte_ = 0;
      units_ = 0;
    }
    while (units_ < u && byte_ < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[byte_]);
      std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      units_ += len == 4 ? 2 : 1;
      byte_ += len;
    }
    return units_ == u ? std::min(byte_, text_.size()) : std::string_view::npos;
  }

 private:
  std::string_view text_;
  std::size_t byte_ = 0;
  std::int64_t units_ = 0;
};

bool is_container(std::string_view type) {
  return type == "messages.Messages" || type == "messages.MessagesSlice" ||
         type == "messages.ChannelMessages";
}

class TelethonReader : public Reader {
 public:
  Status read(InputStream& in, ReadContext& ctx) override {
    return JsonRecordLoop::run(in, ctx, this, &line);
  }

 private:
  static std::string line(void* self, simdjson::dom::element obj, const Position& where,
                          ReadContext& ctx) {
    auto* r = static_cast<TelethonReader*>(self);
    std::string_view type;
    json_str(obj, "_", type);
    if (type == "Channel" || type == "Chat" || type == "ChannelForbidden" || type == "User")
      return r->account(obj, ctx);
    if (type == "messages.ChatFull" || type == "ChatFull") return r->chat_full(obj, ctx);
    if (is_container(type)) return r->container(obj, where, ctx);
    if (type == "ChannelFull") {
      AccountRecord& a = r->a_;
      a.clear();
      a.platform = "telegram";
      std::int64_t id;
      if (!json_int(obj, "id", id)) return "missing required field 'id'";
      a.account_id = fmt::format("channel{}", id);
      a.kind = AccountKind::kChannel;
      json_counter(obj, "participants_count", a.followers);
      std::string_view about;
      if (json_str(obj, "about", about)) a.description.assign(about);
      ctx.sink->account(a);
      return {};
    }
    std::string reason = r->message(obj, type, ctx);
    if (reason.empty()) ctx.sink->message(r->m_, where);
    return reason;
  }

  std::string message(simdjson::dom::element obj, std::string_view type, ReadContext& ctx) {
    MessageRecord& m = m_;
    m.clear();
    m.platform = "telegram";
    if (type == "MessageService") m.kind = RecordKind::kEvent;
    else if (!type.empty() && type != "Message")
      return fmt::format("unknown object type '{}' (expected Message, MessageService, Channel, "
                         "Chat or User)",
                         type);
    if (!telegram_peer_field(obj, "peer_id", m.chat_id) &&
        !telegram_peer_field(obj, "to_id", m.chat_id))
      return "missing required field 'peer_id' (or legacy 'to_id')";
    bool wrong = false;
    if (!json_string_or_number(obj, "id", m.message_id, wrong) || m.message_id.empty())
      return "missing required field 'id'";
    // No from_id: a channel post (the channel is the author) or an anonymous group admin.
    if (!telegram_peer_field(obj, "from_id", m.account_id)) m.account_id = m.chat_id;
    std::string reason = json_time_field(obj, "date", m, ctx.tz_offset_s);
    if (!reason.empty()) return reason;
    std::string_view text;
    if (json_str(obj, "message", text)) m.text.assign(text);
    read_entities(obj, m);

    simdjson::dom::element fwd;
    if (!obj.at_key("fwd_from").get(fwd) && fwd.is_object()) read_forward(fwd, m);

    std::int64_t reply = 0;
    simdjson::dom::element rh;
    std::string peer;
    if (!obj.at_key("reply_to").get(rh) && rh.is_object() &&
        json_int(rh, "reply_to_msg_id", reply)) {
      if (!telegram_peer_field(rh, "reply_to_peer_id", peer)) peer = m.chat_id;
      m.reply_to = fmt::format("{}/{}", peer, reply);
    } else if (json_int(obj, "reply_to_msg_id", reply)) {
      m.reply_to = fmt::format("{}/{}", m.chat_id, reply);
    }

    if (!json_counter(obj, "views", m.views)) return "field 'views' must be a non-negative integer";
    if (!json_counter(obj, "forwards", m.forwards))
      return "field 'forwards' must be a non-negative integer";
    simdjson::dom::element replies;
    if (!obj.at_key("replies").get(replies) && replies.is_object() &&
        !json_counter(replies, "replies", m.replies))
      return "field 'replies.replies' must be a non-negative integer";

    simdjson::dom::element reactions;
    simdjson::dom::array results;
    if (!obj.at_key("reactions").get(reactions) && reactions.is_object() &&
        !reactions.at_key("results").get(results)) {
      tally_.clear();
      for (auto rc : results) {
        std::int64_t count = 0;
        if (!json_int(rc, "count", count)) continue;
        simdjson::dom::element reaction;
        std::string_view key;
        std::int64_t doc = 0;
        if (!rc.at_key("reaction").get(reaction) && reaction.is_object()) {
          if (json_str(reaction, "emoticon", key)) {
            tally_.add(key, count);
            continue;
          }
          if (json_int(reaction, "document_id", doc)) {
            tally_.add(fmt::format("custom:{}", doc), count);
            continue;
          }
        }
        tally_.add({}, count);
      }
      tally_.store(m);
    }

    simdjson::dom::element media, item;
    if (!obj.at_key("media").get(media) && media.is_object()) {
      std::int64_t id = 0;
      if (!media.at_key("photo").get(item) && item.is_object() && json_int(item, "id", id))
        m.media_key = fmt::format("photo{}", id);
      else if (!media.at_key("document").get(item) && item.is_object() && json_int(item, "id", id))
        m.media_key = fmt::format("document{}", id);
    }
    return {};
  }

  // Forward keys: the source channel and post when given ("channel1/5"); otherwise the
  // source peer or hidden sender's name and the original's date ("user7@1700000000",
  // "name:Ann@1700000000").
  void read_forward(simdjson::dom::element fwd, MessageRecord& m) {
    std::string source;
    std::int64_t channel = 0, post = 0;
    if (json_int(fwd, "channel_id", channel)) source = fmt::format("channel{}", channel);
    else telegram_peer_field(fwd, "from_id", source);
    if (source.empty()) {
      std::string_view name;
      if (json_str(fwd, "from_name", name) && !name.empty()) source = fmt::format("name:{}", name);
    }
    if (source.empty()) return;
    if (json_int(fwd, "channel_post", post)) {
      m.shares = fmt::format("{}/{}", source, post);
      return;
    }
    MessageRecord scratch;
    if (json_time_field(fwd, "date", scratch, 0).empty())
      m.shares = fmt::format("{}@{}", source, scratch.time / 1000);
    else
      m.shares = source;
  }

  // Telethon entities carry UTF-16 offsets into `message`; without entities the text rules
  // apply.
  void read_entities(simdjson::dom::element obj, MessageRecord& m) {
    simdjson::dom::array entities;
    if (obj.at_key("entities").get(entities)) {
      extract_text_entities(m.text, m);
      return;
    }
    Utf16Walker walk(m.text);
    for (auto ent : entities) {
      std::string_view type, url;
      std::int64_t off = 0, len = 0;
      if (!json_str(ent, "_", type) || !json_int(ent, "offset", off) || !json_int(ent, "length", len))
        continue;
      std::size_t b = walk.byte_at(off), e = walk.byte_at(off + len);
      std::string_view span = b != std::string_view::npos && e != std::string_view::npos && e >= b
                                  ? std::string_view(m.text).substr(b, e - b)
                                  : std::string_view();
      if (type == "MessageEntityHashtag") {
        if (span.starts_with('#')) span.remove_prefix(1);
        if (!span.empty()) m.hashtags.emplace_back(span);
      } else if (type == "MessageEntityMention") {
        if (span.starts_with('@')) span.remove_prefix(1);
        if (!span.empty()) m.mentions.emplace_back(span);
      } else if (type == "MessageEntityMentionName" || type == "InputMessageEntityMentionName") {
        std::int64_t user = 0;
        if (json_int(ent, "user_id", user)) m.mentions.push_back(fmt::format("user{}", user));
      } else if (type == "MessageEntityUrl") {
        if (!span.empty()) m.urls.emplace_back(span);
      } else if (type == "MessageEntityTextUrl") {
        if (json_str(ent, "url", url) && !url.empty()) m.urls.emplace_back(url);
      }
    }
  }

  std::string account(simdjson::dom::element obj, ReadContext& ctx) {
    AccountRecord& a = a_;
    std::string reason = fill_account(obj, a, ctx);
    if (reason.empty()) ctx.sink->account(a);
    return reason;
  }

  static std::string fill_account(simdjson::dom::element obj, AccountRecord& a, ReadContext& ctx) {
    a.clear();
    a.platform = "telegram";
    std::string_view type, s;
    json_str(obj, "_", type);
    std::int64_t id = 0;
    if (!json_int(obj, "id", id)) return "missing required field 'id'";
    bool flag = false;
    if (type == "User") {
      a.account_id = fmt::format("user{}", id);
      a.kind = json_bool(obj, "bot", flag) && flag ? AccountKind::kBot : AccountKind::kUser;
      std::string_view first, last;
      json_str(obj, "first_name", first);
      json_str(obj, "last_name", last);
      a.display_name.assign(first);
      if (!first.empty() && !last.empty()) a.display_name.push_back(' ');
      a.display_name.append(last);
    } else {
      bool group = type == "Chat" || (json_bool(obj, "megagroup", flag) && flag);
      a.account_id = fmt::format("{}{}", type == "Chat" ? "chat" : "channel", id);
      a.kind = group ? AccountKind::kGroup : AccountKind::kChannel;
      if (json_str(obj, "title", s)) a.display_name.assign(s);
      json_counter(obj, "participants_count", a.followers);
    }
    if (json_str(obj, "username", s)) a.handle.assign(s);
    if (json_bool(obj, "verified", flag)) a.verified = flag ? 1 : 0;
    MessageRecord scratch;
    if (json_time_field(obj, "date", scratch, ctx.tz_offset_s).empty()) a.created_at = scratch.time;
    return {};
  }

  // A saved GetHistory/search result: its chats[] and users[] are accounts, its messages[]
  // messages, each rejected alone when bad.
  std::string container(simdjson::dom::element obj, const Position& where, ReadContext& ctx) {
    simdjson::dom::array messages, peers;
    if (obj.at_key("messages").get(messages)) return "a messages result without 'messages'";
    for (std::string_view key : {"chats", "users"}) {
      if (obj.at_key(key).get(peers)) continue;
      for (auto peer : peers) {
        std::string reason = account(peer, ctx);
        if (!reason.empty()) ctx.sink->reject(where, reason, simdjson::minify(peer));
      }
    }
    for (auto msg : messages) {
      std::string_view type;
      std::string reason = msg.is_object() ? (json_str(msg, "_", type), message(msg, type, ctx))
                                           : std::string("messages[] entry is not an object");
      if (reason.empty()) ctx.sink->message(m_, where);
      else ctx.sink->reject(where, reason, simdjson::minify(msg));
    }
    return {};
  }

  // messages.ChatFull: full_chat{id, about, participants_count} and chats[] (the Channel
  // objects, one of them the chat itself).
  std::string chat_full(simdjson::dom::element obj, ReadContext& ctx) {
    simdjson::dom::element full;
    simdjson::dom::array chats;
    std::int64_t full_id = -1, participants = kAbsent;
    std::string_view about;
    if (!obj.at_key("full_chat").get(full) && full.is_object()) {
      json_int(full, "id", full_id);
      json_counter(full, "participants_count", participants);
      json_str(full, "about", about);
    }
    if (obj.at_key("chats").get(chats)) return "messages.ChatFull without 'chats'";
    for (auto chat : chats) {
      std::string reason = fill_account(chat, a_, ctx);
      if (!reason.empty()) return reason;
      std::int64_t id = 0;
      if (json_int(chat, "id", id) && id == full_id) {
        if (participants != kAbsent) a_.followers = participants;
        a_.description.assign(about);
      }
      ctx.sink->account(a_);
    }
    return {};
  }

  MessageRecord m_;
  AccountRecord a_;
  ReactionTally tally_;
};

}  // namespace

std::unique_ptr<Reader> make_telethon_reader() { return std::make_unique<TelethonReader>(); }

// A Telethon Message/MessageService, a Channel/Chat/User account object, a saved messages
// result, or an untyped message with a peer, a date and an id.
int sniff_telethon_record(simdjson::dom::element r) {
  std::string_view type;
  if (json_str(r, "_", type)) {
    for (std::string_view t : {"Message", "MessageService", "Channel", "ChannelForbidden", "User",
                               "Chat", "messages.ChatFull", "ChannelFull"})
      if (type == t) return 95;
    return is_container(type) ? 95 : 0;
  }
  simdjson::dom::element v;
  bool peer = !r.at_key("peer_id").get(v) || !r.at_key("to_id").get(v);
  return peer && !r.at_key("date").get(v) && !r.at_key("id").get(v) ? 85 : 0;
}

}  // namespace groundswell
