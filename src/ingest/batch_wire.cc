#include "ingest/batch.h"

namespace groundswell::ingest_internal {
namespace {

using dist::append_string;
using dist::append_value;

void append_strings(dist::Bytes& out, const std::vector<std::string>& v) {
  append_value<std::uint64_t>(out, v.size());
  for (const std::string& s : v) append_string(out, s);
}

void read_strings(dist::Reader& in, std::vector<std::string>& v) {
  v.resize(in.value<std::uint64_t>());
  for (std::string& s : v) in.string(s);
}

void append_message(dist::Bytes& out, const MessageRecord& m) {
  for (const std::string* s :
       {&m.platform, &m.chat_id, &m.message_id, &m.account_id, &m.account_handle, &m.display_name,
        &m.text, &m.lang, &m.reply_to, &m.shares, &m.quotes, &m.media_key, &m.reactions_detail})
    append_string(out, *s);
  append_value(out, m.time);
  append_value(out, m.time_resolution_ms);
  append_value(out, static_cast<std::int32_t>(m.kind));
  for (std::int64_t v :
       {m.views, m.forwards, m.replies, m.reactions, m.likes, m.retweets, m.quotes_count})
    append_value(out, v);
  append_strings(out, m.urls);
  append_strings(out, m.hashtags);
  append_strings(out, m.mentions);
}

void read_message(dist::Reader& in, MessageRecord& m) {
  for (std::string* s :
       {&m.platform, &m.chat_id, &m.message_id, &m.account_id, &m.account_handle, &m.display_name,
        &m.text, &m.lang, &m.reply_to, &m.shares, &m.quotes, &m.media_key, &m.reactions_detail})
    in.string(*s);
  m.time = in.value<TimeMs>();
  m.time_resolution_ms = in.value<std::int32_t>();
  m.kind = static_cast<RecordKind>(in.value<std::int32_t>());
  for (std::int64_t* v :
       {&m.views, &m.forwards, &m.replies, &m.reactions, &m.likes, &m.retweets, &m.quotes_count})
    *v = in.value<std::int64_t>();
  read_strings(in, m.urls);
  read_strings(in, m.hashtags);
  read_strings(in, m.mentions);
}

void append_prepared(dist::Bytes& out, const PreparedMessage& p) {
  append_value(out, p.key_hash);
  append_value(out, p.account_hash);
  append_value(out, p.digest);
  append_value<std::uint8_t>(out, p.dataset_key);
  append_string(out, p.urls);
  append_string(out, p.hashtags);
  append_string(out, p.mentions);
  append_value<std::uint8_t>(out, p.text_keyed);
  append_value(out, p.text_key.hash);
  append_value(out, p.text_key.bytes);
  append_value(out, p.text_key.tokens);
}

void read_prepared(dist::Reader& in, PreparedMessage& p) {
  p.key_hash = in.value<std::uint64_t>();
  p.account_hash = in.value<std::uint64_t>();
  p.digest = in.value<std::int64_t>();
  p.dataset_key = in.value<std::uint8_t>() != 0;
  in.string(p.urls);
  in.string(p.hashtags);
  in.string(p.mentions);
  p.text_keyed = in.value<std::uint8_t>() != 0;
  p.text_key.hash = in.value<std::uint64_t>();
  p.text_key.bytes = in.value<std::uint16_t>();
  p.text_key.tokens = in.value<std::uint16_t>();
}

void append_account(dist::Bytes& out, const AccountRecord& a) {
  for (const std::string* s :
       {&a.platform, &a.account_id, &a.handle, &a.display_name, &a.description})
    append_string(out, *s);
  append_value(out, a.created_at);
  for (std::int64_t v : {a.followers, a.following, a.posts}) append_value(out, v);
  append_value<std::int32_t>(out, a.verified);
  append_value(out, static_cast<std::uint8_t>(a.kind));
}

void read_account(dist::Reader& in, AccountRecord& a) {
  for (std::string* s : {&a.platform, &a.account_id, &a.handle, &a.display_name, &a.description})
    in.string(*s);
  a.created_at = in.value<TimeMs>();
  for (std::int64_t* v : {&a.followers, &a.following, &a.posts}) *v = in.value<std::int64_t>();
  a.verified = in.value<std::int32_t>();
  a.kind = static_cast<AccountKind>(in.value<std::uint8_t>());
}

}  // namespace

void pack_batch(const Batch& b, std::uint64_t raw_bytes, dist::Bytes& out) {
  append_value(out, raw_bytes);
  append_value<std::uint8_t>(out, b.last);
  append_value<std::uint64_t>(out, b.items.size());
  for (const Batch::Item& item : b.items) {
    append_value(out, static_cast<std::uint8_t>(item.kind));
    append_value(out, item.index);
  }
  append_value<std::uint64_t>(out, b.n_messages);
  for (std::size_t i = 0; i < b.n_messages; ++i) {
    append_message(out, b.messages[i]);
    append_prepared(out, b.prepared[i]);
    append_value(out, b.positions[i].first);
    append_value(out, b.positions[i].second);
  }
  append_value<std::uint64_t>(out, b.n_accounts);
  for (std::size_t i = 0; i < b.n_accounts; ++i) append_account(out, b.accounts[i]);
  append_value<std::uint64_t>(out, b.n_notes);
  for (std::size_t i = 0; i < b.n_notes; ++i) {
    append_value(out, b.notes[i].line);
    append_value(out, b.notes[i].offset);
    append_string(out, b.notes[i].reason);
    append_string(out, b.notes[i].excerpt);
  }
  append_value<std::uint8_t>(out, b.start.has_value());
  if (b.start) {
    append_string(out, b.start->path);
    append_string(out, b.start->format);
    append_string(out, b.start->dataset);
    append_value(out, b.start->bytes);
    append_value<std::uint8_t>(out, b.start->cut);
  }
  append_value<std::uint8_t>(out, b.end.has_value());
  if (b.end) {
    append_string(out, b.end->digest);
    append_value(out, b.end->utf8_repaired);
  }
  append_value<std::uint8_t>(out, b.piece_end.has_value());
  if (b.piece_end) append_value(out, *b.piece_end);
}

std::uint64_t unpack_batch(const dist::Bytes& wire, Batch& b) {
  b.reset();
  dist::Reader in(wire);
  const auto raw_bytes = in.value<std::uint64_t>();
  b.last = in.value<std::uint8_t>() != 0;
  b.items.resize(in.value<std::uint64_t>());
  for (Batch::Item& item : b.items) {
    item.kind = static_cast<Batch::ItemKind>(in.value<std::uint8_t>());
    item.index = in.value<std::uint32_t>();
  }
  const auto messages = in.value<std::uint64_t>();
  if (b.positions.size() < messages) {
    b.positions.resize(messages);
    b.prepared.resize(messages);
  }
  for (std::size_t i = 0; i < messages; ++i) {
    read_message(in, Batch::slot(b.messages, b.n_messages));
    read_prepared(in, b.prepared[i]);
    b.positions[i].first = in.value<std::uint64_t>();
    b.positions[i].second = in.value<std::uint64_t>();
  }
  const auto accounts = in.value<std::uint64_t>();
  for (std::size_t i = 0; i < accounts; ++i)
    read_account(in, Batch::slot(b.accounts, b.n_accounts));
  const auto notes = in.value<std::uint64_t>();
  for (std::size_t i = 0; i < notes; ++i) {
    Batch::Note& n = Batch::slot(b.notes, b.n_notes);
    n.line = in.value<std::uint64_t>();
    n.offset = in.value<std::uint64_t>();
    in.string(n.reason);
    in.string(n.excerpt);
  }
  if (in.value<std::uint8_t>() != 0) {
    Batch::FileStart& s = *(b.start = Batch::FileStart{});
    in.string(s.path);
    in.string(s.format);
    in.string(s.dataset);
    s.bytes = in.value<std::uint64_t>();
    s.cut = in.value<std::uint8_t>() != 0;
  }
  if (in.value<std::uint8_t>() != 0) {
    Batch::FileEnd& e = *(b.end = Batch::FileEnd{});
    in.string(e.digest);
    e.utf8_repaired = in.value<std::uint64_t>();
  }
  if (in.value<std::uint8_t>() != 0) b.piece_end = in.value<std::uint64_t>();
  return raw_bytes;
}

}  // namespace groundswell::ingest_internal
