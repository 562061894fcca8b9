// Telethon JSON lines (telethon): one line per channel or group scraped, with its metadata,
// then one per message as Telethon's Message.to_dict() gives it (generate_writers.h).
#include <string>

#include "eval/generate_writers.h"

namespace groundswell::gen {

namespace {

// Telethon's MessageReplyHeader of a reply to (or a pin of) message `msg_id`.
void append_reply_header(std::string& o, std::int32_t msg_id) {
  o += "{\"_\": \"MessageReplyHeader\", \"reply_to_scheduled\": false, \"forum_topic\": false, "
       "\"quote\": false, \"reply_to_msg_id\": ";
  append_int(o, msg_id);
  o += ", \"reply_to_peer_id\": null, \"reply_from\": null, \"reply_media\": null, "
       "\"reply_to_top_id\": null, \"quote_text\": null, \"quote_entities\": [], "
       "\"quote_offset\": null}";
}

// The MessageFwdHeader of a channel post forwarded from `src`'s post `forwarded`.
void append_forward_header(std::string& o, const Ref& forwarded, const Account& src) {
  o += "{\"_\": \"MessageFwdHeader\", \"date\": \"";
  append_iso_offset(o, forwarded.t_ms);
  o += "\", \"imported\": false, \"saved_out\": false, \"from_id\": {\"_\": \"PeerChannel\", "
       "\"channel_id\": ";
  append_uint(o, src.numeric_id);
  o += "}, \"from_name\": null, \"channel_post\": ";
  append_int(o, forwarded.msg_id);
  o += ", \"post_author\": null, \"saved_from_peer\": null, \"saved_from_msg_id\": null, "
       "\"saved_from_id\": null, \"saved_from_name\": null, \"saved_date\": null, "
       "\"psa_type\": null}";
}

// A photo's MessageMediaPhoto, its ids drawn from the message's text seed.
void append_photo(std::string& o, const Event& e) {
  std::uint64_t photo_id = mix_seed(e.spec.seed, 31) >> 2;
  o += "{\"_\": \"MessageMediaPhoto\", \"spoiler\": false, \"photo\": {\"_\": \"Photo\", \"id\": ";
  append_uint(o, photo_id);
  o += ", \"access_hash\": ";
  append_uint(o, mix_seed(photo_id, 1) >> 1);
  o += ", \"file_reference\": \"AQAAAAA\", \"date\": \"";
  append_iso_offset(o, e.t_ms);
  o += "\", \"sizes\": [], \"dc_id\": 4, \"has_stickers\": false, \"video_sizes\": []}, "
       "\"ttl_seconds\": null}";
}

// The entities of a text at UTF-16 offsets.
void append_entities(std::string& o, const Content& content) {
  o += '[';
  std::size_t offset = 0;
  bool first = true;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const Piece& p = content[i];
    std::size_t len = utf16_length(p.text);
    if (p.kind != PieceKind::kPlain) {
      if (!first) o += ", ";
      first = false;
      o += "{\"_\": \"";
      switch (p.kind) {
        case PieceKind::kHashtag:
          o += "MessageEntityHashtag";
          break;
        case PieceKind::kMention:
          o += "MessageEntityMention";
          break;
        case PieceKind::kUrl:
          o += "MessageEntityUrl";
          break;
        case PieceKind::kTextLink:
          o += "MessageEntityTextUrl";
          break;
        default:
          o += "MessageEntityBold";
          break;
      }
      o += "\", \"offset\": ";
      append_int(o, static_cast<std::int64_t>(offset));
      o += ", \"length\": ";
      append_int(o, static_cast<std::int64_t>(len));
      if (p.kind == PieceKind::kTextLink) {
        o += ", \"url\": ";
        append_json_string(o, p.href, true);
      }
      o += '}';
    }
    offset += len;
  }
  o += ']';
}

// MessageReactions of the n kinds of reaction in emoji and counts.
void append_reactions(std::string& o, std::size_t n, const std::int64_t* counts,
                      const char* const* emoji) {
  o += "{\"_\": \"MessageReactions\", \"results\": [";
  for (std::size_t k = 0; k < n; ++k) {
    if (k > 0) o += ", ";
    o += "{\"_\": \"ReactionCount\", \"reaction\": {\"_\": \"ReactionEmoji\", \"emoticon\": ";
    append_json_string(o, emoji[k], true);
    o += "}, \"count\": ";
    append_int(o, counts[k]);
    o += ", \"chosen_order\": null}";
  }
  o += "], \"min\": false, \"can_see_list\": false, \"reactions_as_tags\": false, "
       "\"recent_reactions\": [], \"top_reactors\": []}";
}

}  // namespace

Status TelethonWriter::open(const std::filesystem::path& out, Compression compression) {
  counter_.rel_path =
      "data/telegram/telethon/channels_2024-03.jsonl" + compressed_suffix(compression);
  counter_.format = "telethon";
  GS_RETURN_IF_ERROR(file_.open(out / counter_.rel_path, 1 << 20, compression));
  // Channel metadata lines first, then messages as they happen.
  for (const Account& a : world_.accounts) {
    if (a.tg_kind != TgKind::kUser && a.sink == TgSink::kTelethon) add_channel(a);
  }
  return Status::Ok();
}

void TelethonWriter::add_channel(const Account& a) {
  std::string& o = file_.buf();
  o += '{';
  PyJson j{o};
  j.str("_", "Channel");
  j.unum("id", a.numeric_id);
  j.str("title", a.name);
  j.raw("photo", "{\"_\": \"ChatPhotoEmpty\"}");
  j.key("date");
  o += '"';
  append_iso_offset(o, a.created_ms);
  o += '"';
  j.boolean("creator", false);
  j.boolean("left", true);
  j.boolean("broadcast", a.tg_kind == TgKind::kChannel);
  j.boolean("verified", false);
  j.boolean("megagroup", a.tg_kind == TgKind::kGroup);
  j.boolean("restricted", false);
  j.boolean("signatures", a.signatures);
  j.boolean("min", false);
  j.boolean("scam", false);
  j.boolean("has_link", false);
  j.boolean("fake", false);
  j.boolean("noforwards", false);
  j.unum("access_hash", mix_seed(a.numeric_id, 17) >> 1);
  j.str("username", a.handle);
  j.raw("restriction_reason", "[]");
  j.null("admin_rights");
  j.null("banned_rights");
  j.null("default_banned_rights");
  j.num("participants_count", a.followers);
  j.raw("usernames", "[]");
  o += "}\n";
  ++counter_.lines;
  ++counter_.accounts;
}

Metrics TelethonWriter::add(const TelegramMessage& m) {
  std::string& o = file_.buf();
  o += '{';
  PyJson j{o};
  j.str("_", m.service ? "MessageService" : "Message");
  j.num("id", m.msg_id);
  j.key("peer_id");
  o += "{\"_\": \"PeerChannel\", \"channel_id\": ";
  append_uint(o, m.chat.numeric_id);
  o += '}';
  j.key("date");
  o += '"';
  append_iso_offset(o, m.event.t_ms);
  o += '"';
  Metrics written;
  if (m.service) {
    pin_fields(j, m);
  } else {
    written = message_fields(j, m);
  }
  o += "}\n";
  ++counter_.lines;
  ++counter_.records;
  if (m.service) ++counter_.events;
  file_.maybe_flush();
  return written;
}

// MessageService: a pin.
void TelethonWriter::pin_fields(PyJson& j, const TelegramMessage& m) {
  std::string& o = j.o;
  j.boolean("out", false);
  j.boolean("mentioned", false);
  j.boolean("media_unread", false);
  j.boolean("silent", false);
  j.boolean("post", true);
  j.boolean("legacy", false);
  j.null("from_id");
  j.key("reply_to");
  append_reply_header(o, m.event.reply_msg);
  j.raw("action", "{\"_\": \"MessageActionPinMessage\"}");
  j.null("ttl_period");
}

// Message: a channel post, or a group message from a user.
Metrics TelethonWriter::message_fields(PyJson& j, const TelegramMessage& m) {
  std::string& o = j.o;
  const Event& e = m.event;
  const Account& chat = m.chat;
  const Content& content = m.content;
  const Ref* forwarded = m.forwarded;
  const std::int64_t views = m.views, forwards = m.forwards;
  const bool channel = chat.tg_kind == TgKind::kChannel;
  content.flatten(&text_);
  j.str("message", text_);
  j.boolean("out", false);
  j.boolean("mentioned", false);
  j.boolean("media_unread", false);
  j.boolean("silent", false);
  j.boolean("post", channel);
  j.boolean("from_scheduled", false);
  j.boolean("legacy", false);
  j.boolean("edit_hide", false);
  j.boolean("pinned", false);
  j.boolean("noforwards", false);
  j.boolean("invert_media", false);
  j.boolean("offline", false);
  if (channel) {
    j.null("from_id");
  } else {
    j.key("from_id");
    o += "{\"_\": \"PeerUser\", \"user_id\": ";
    append_uint(o, m.author.numeric_id);
    o += '}';
  }
  j.null("from_boosts_applied");
  j.null("saved_peer_id");
  j.key("fwd_from");
  if (forwarded != nullptr) {
    append_forward_header(o, *forwarded,
                          world_.accounts[static_cast<std::size_t>(forwarded->author)]);
  } else {
    o += "null";
  }
  j.null("via_bot_id");
  j.null("via_business_bot_id");
  if (e.reply_msg > 0) {
    j.key("reply_to");
    append_reply_header(o, e.reply_msg);
  } else {
    j.null("reply_to");
  }
  j.key("media");
  if ((e.flags & kPhoto) != 0) {
    append_photo(o, e);
  } else {
    o += "null";
  }
  j.null("reply_markup");
  j.key("entities");
  append_entities(o, content);
  if (channel) {
    j.num("views", views);
    j.num("forwards", forwards);
  } else {
    j.null("views");
    j.null("forwards");
  }
  j.null("replies");
  j.null("edit_date");
  if (chat.signatures && channel) {
    GenRng r = GenRng::stream(mix_seed(e.seq, 23));
    j.str("post_author", random_first_name(r, Lang::kFa));
  } else {
    j.null("post_author");
  }
  if (e.grouped_id != 0) {
    j.num("grouped_id", e.grouped_id);
  } else {
    j.null("grouped_id");
  }
  j.key("reactions");
  std::int64_t counts[3];
  const char* emoji[3];
  std::size_t n = channel ? reaction_count(views, mix_seed(e.seq, 29), counts, emoji) : 0;
  Metrics written;
  if (channel) written = {views, forwards, 0, 0};
  for (std::size_t k = 0; k < n; ++k) written.reactions += counts[k];
  if (n == 0) {
    o += "null";
  } else {
    append_reactions(o, n, counts, emoji);
  }
  j.raw("restriction_reason", "[]");
  j.null("ttl_period");
  j.null("quick_reply_shortcut_id");
  j.null("effect");
  j.null("factcheck");
  return written;
}

Status TelethonWriter::close(std::vector<FileCounter>& files) {
  GS_RETURN_IF_ERROR(file_.close());
  counter_.bytes = file_.bytes();
  files.push_back(counter_);
  return Status::Ok();
}

}  // namespace groundswell::gen
