// Telegram Desktop exports (telegram-export): a ChatExport folder per exported channel, and
// one "Export all data" result.json with the exporting user's chats, as Telegram Desktop's
// pretty printer writes them (generate_writers.h).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "eval/generate_writers.h"

namespace groundswell::gen {

namespace fs = std::filesystem;

namespace {

// The pretty printer puts each element of a list on a line of its own, and the bracket that
// closes the list (or object) on the next: element `k` starts after "\n" (the first) or
// ",\n" and `pad`; the closing line is "\n", `pad` and `close`.
void element_line(std::string& o, std::size_t k, const std::string& pad) {
  o += k == 0 ? "\n" : ",\n";
  o += pad;
}
void closing_line(std::string& o, const std::string& pad, std::string_view close) {
  o += '\n';
  o += pad;
  o += close;
}

// An entity of a message's text as an object, at `indent` + 1 in a list at `pad`.
void append_entity(std::string& o, const std::string& pad, int indent, const Piece& p) {
  o += "{\n";
  DesktopJson j{o, indent + 2};
  j.str("type", piece_type_name(p.kind));
  j.str("text", p.text);
  if (p.kind == PieceKind::kTextLink) j.str("href", p.href);
  closing_line(o, pad, " }");
}

// A message's text: a plain string, or an array of plain strings and entity objects; then
// its text_entities.
void desktop_text(std::string& o, int indent, const Content& c) {
  bool plain_only = true;
  for (std::size_t i = 0; i < c.size(); ++i) plain_only &= c[i].kind == PieceKind::kPlain;
  std::string pad(static_cast<std::size_t>(indent), ' ');
  o += ",\n";
  o += pad;
  o += "\"text\": ";
  if (plain_only) {
    std::string flat;
    c.flatten(&flat);
    append_json_string(o, flat, false);
  } else {
    o += "[";
    for (std::size_t i = 0; i < c.size(); ++i) {
      const Piece& p = c[i];
      element_line(o, i, pad);
      o += ' ';
      if (p.kind == PieceKind::kPlain) {
        append_json_string(o, p.text, false);
        continue;
      }
      append_entity(o, pad, indent, p);
    }
    closing_line(o, pad, "]");
  }
  o += ",\n";
  o += pad;
  o += "\"text_entities\": [";
  for (std::size_t i = 0; i < c.size(); ++i) {
    element_line(o, i, pad);
    o += ' ';
    append_entity(o, pad, indent, c[i]);
  }
  if (c.size() > 0) {
    closing_line(o, pad, "]");
  } else {
    o += ']';
  }
}

// A channel post's reactions, after its text.
void append_reactions(std::string& o, const std::string& pad, int indent, std::size_t n,
                      const std::int64_t* counts, const char* const* emoji) {
  o += ",\n";
  o += pad;
  o += " \"reactions\": [";
  for (std::size_t k = 0; k < n; ++k) {
    element_line(o, k, pad);
    o += "  {\n";
    DesktopJson r{o, indent + 3};
    r.str("type", "emoji");
    r.num("count", counts[k]);
    r.str("emoji", emoji[k]);
    closing_line(o, pad, "  }");
  }
  closing_line(o, pad, " ]");
}

}  // namespace

Status TelegramDesktopWriter::open(const fs::path& out) {
  out_ = out;
  alldata_counter_.rel_path = "data/telegram/DataExport_2024-04-01/result.json";
  alldata_counter_.format = "telegram-export";
  // One export folder per channel; the "all data" chats' messages in temporary files.
  for (std::size_t i = 0; i < world_.accounts.size(); ++i) {
    const Account& a = world_.accounts[i];
    if (a.tg_kind == TgKind::kChannel && a.sink == TgSink::kDesktop) {
      std::string rel = "data/telegram/ChatExport_" + a.handle + "/result.json";
      channel_counters_.push_back(FileCounter{rel, "telegram-export"});
      auto f = std::make_unique<OutFile>();
      GS_RETURN_IF_ERROR(f->open(out / rel, 1 << 14));
      std::string& o = f->buf();
      o += "{\n";
      DesktopJson j{o, 1};
      j.str("name", a.name);
      j.str("type", "public_channel");
      j.num("id", static_cast<std::int64_t>(a.numeric_id));
      o += ",\n \"messages\": [";
      channel_files_.push_back(std::move(f));
      channel_first_.push_back(true);
    } else if (a.sink == TgSink::kAllData) {
      auto f = std::make_unique<OutFile>();
      GS_RETURN_IF_ERROR(f->open(
          out / ".generate-tmp" / ("chat-" + std::to_string(a.sink_index) + ".part"), 1 << 14));
      alldata_bodies_.push_back(std::move(f));
      alldata_first_.push_back(true);
      // The third organic channel is one the exporting user has left.
      if (static_cast<std::int32_t>(i) == world_.tg_channels_organic[2]) {
        left_chats_.push_back(static_cast<std::int32_t>(i));
      } else {
        alldata_chats_.push_back(static_cast<std::int32_t>(i));
      }
    }
  }
  return Status::Ok();
}

Metrics TelegramDesktopWriter::add(const TelegramMessage& m) {
  const auto i = static_cast<std::size_t>(m.chat.sink_index);
  const bool own_export = m.chat.sink == TgSink::kDesktop;
  OutFile& f = own_export ? *channel_files_[i] : *alldata_bodies_[i];
  std::vector<bool>& first = own_export ? channel_first_ : alldata_first_;
  std::string& o = f.buf();
  o += first[i] ? "\n" : ",\n";
  first[i] = false;
  const Metrics written = write_message(o, own_export ? 2 : 5, m);
  f.maybe_flush();
  FileCounter& counter = own_export ? channel_counters_[i] : alldata_counter_;
  ++counter.records;
  if (m.service) ++counter.events;
  return written;
}

// One message at `indent`; in a channel with its reactions, whose sum it reports.
Metrics TelegramDesktopWriter::write_message(std::string& o, int indent, const TelegramMessage& m) {
  const Event& e = m.event;
  const Account& chat = m.chat;
  const Account& author = m.author;
  std::string pad(static_cast<std::size_t>(indent), ' ');
  o += pad;
  o += "{\n";
  DesktopJson j{o, indent + 1};
  j.num("id", m.msg_id);
  j.str("type", m.service ? "service" : "message");
  j.key("date");
  o += '"';
  append_iso_seconds(o, e.t_ms);
  o += '"';
  j.key("date_unixtime");
  o += '"';
  append_int(o, e.t_ms / 1000);
  o += '"';
  if (m.service) {
    j.str("actor", author.name);
    j.str("actor_id", author.id);
    j.str("action", "pin_message");
    j.num("message_id", e.reply_msg);
    o += ",\n";
    o.append(static_cast<std::size_t>(indent + 1), ' ');
    o += "\"text\": \"\",\n";
    o.append(static_cast<std::size_t>(indent + 1), ' ');
    o += "\"text_entities\": []\n";
    o += pad;
    o += '}';
    return {};
  }
  j.str("from", author.name);
  j.str("from_id", author.id);
  if (author.signatures && chat.tg_kind == TgKind::kChannel) {
    GenRng r = GenRng::stream(mix_seed(e.seq, 23));
    j.str("author", random_first_name(r, Lang::kFa));
  }
  if (m.forwarded != nullptr)
    j.str("forwarded_from", world_.accounts[static_cast<std::size_t>(m.forwarded->author)].name);
  if (e.reply_msg > 0) j.num("reply_to_message_id", e.reply_msg);
  if ((e.flags & kPhoto) != 0) {
    j.str("photo", "(File not included. Change data exporting settings to download.)");
    j.num("width", 1280);
    j.num("height", 720);
  }
  desktop_text(o, indent + 1, m.content);
  Metrics written;
  if (chat.tg_kind == TgKind::kChannel) {
    std::int64_t counts[3];
    const char* emoji[3];
    std::int64_t views = static_cast<std::int64_t>(static_cast<double>(chat.followers) * chat.err);
    std::size_t n = reaction_count(views, mix_seed(e.seq, 29), counts, emoji);
    for (std::size_t k = 0; k < n; ++k) written.reactions += counts[k];
    if (n > 0) append_reactions(o, pad, indent, n, counts, emoji);
  }
  closing_line(o, pad, "}");
  return written;
}

Status TelegramDesktopWriter::close(std::vector<FileCounter>& files) {
  for (std::size_t i = 0; i < channel_files_.size(); ++i) {
    OutFile& f = *channel_files_[i];
    f.buf() += channel_first_[i] ? "]\n}\n" : "\n ]\n}\n";
    GS_RETURN_IF_ERROR(f.close());
    channel_counters_[i].bytes = f.bytes();
  }
  GS_RETURN_IF_ERROR(finish_alldata());
  files.insert(files.end(), channel_counters_.begin(), channel_counters_.end());
  files.push_back(alldata_counter_);
  return Status::Ok();
}

// The "all data" file: the export's header, then each chat's list entry around the messages
// kept in its temporary file.
Status TelegramDesktopWriter::finish_alldata() {
  FileCounter& fc = alldata_counter_;
  OutFile out;
  GS_RETURN_IF_ERROR(out.open(out_ / fc.rel_path, 1 << 20));
  std::string& o = out.buf();
  o += "{\n \"about\": \"Here is the data you requested. Remember: Telegram is ad free, it doesn't "
       "collect your data and doesn't sell it to anyone.\",\n";
  o += " \"personal_information\": {\n  \"user_id\": 5123456789,\n  \"first_name\": "
       "\"Researcher\",\n"
       "  \"last_name\": \"\",\n  \"phone_number\": \"+0 000 000 0000\",\n  \"username\": \"\",\n"
       "  \"bio\": \"\"\n },\n";
  auto write_list = [&](const char* key, const char* about,
                        const std::vector<std::int32_t>& chats) -> Status {
    o += " \"";
    o += key;
    o += "\": {\n  \"about\": \"";
    o += about;
    o += "\",\n  \"list\": [";
    bool first_chat = true;
    for (std::int32_t idx : chats) {
      const Account& c = world_.accounts[static_cast<std::size_t>(idx)];
      o += first_chat ? "\n" : ",\n";
      first_chat = false;
      o += "   {\n";
      DesktopJson j{o, 4};
      j.str("name", c.name);
      j.str("type", c.tg_kind == TgKind::kGroup ? "public_supergroup" : "public_channel");
      j.num("id", static_cast<std::int64_t>(c.numeric_id));
      o += ",\n    \"messages\": [";
      OutFile& body = *alldata_bodies_[static_cast<std::size_t>(c.sink_index)];
      fs::path body_path = body.path();
      GS_RETURN_IF_ERROR(body.close());
      out.flush();
      std::FILE* in = std::fopen(body_path.c_str(), "rb");
      if (in == nullptr) return Status::IoError(body_path.string() + ": " + std::strerror(errno));
      std::string chunk(1 << 16, '\0');
      std::size_t got;
      while ((got = std::fread(chunk.data(), 1, chunk.size(), in)) > 0) {
        o.append(chunk.data(), got);
        out.maybe_flush();
      }
      std::fclose(in);
      std::error_code ec;
      fs::remove(body_path, ec);
      o += alldata_first_[static_cast<std::size_t>(c.sink_index)] ? "]\n   }" : "\n    ]\n   }";
    }
    o += "\n  ]\n }";
    return Status::Ok();
  };
  GS_RETURN_IF_ERROR(
      write_list("chats", "This page lists all chats from this export.", alldata_chats_));
  o += ",\n";
  GS_RETURN_IF_ERROR(write_list("left_chats",
                                "This page lists all supergroups and channels the user has left.",
                                left_chats_));
  o += "\n}\n";
  GS_RETURN_IF_ERROR(out.close());
  fc.bytes = out.bytes();
  std::error_code ec;
  fs::remove(out_ / ".generate-tmp", ec);
  return Status::Ok();
}

}  // namespace groundswell::gen
