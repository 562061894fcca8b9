// A batch as it travels between the processes of a distributed ingest (ingest/batch.h).
#include <gtest/gtest.h>

#include "ingest/batch.h"

namespace groundswell::ingest_internal {
namespace {

MessageRecord full_message(int i) {
  MessageRecord m;
  m.platform = "twitter";
  m.chat_id = "timeline" + std::to_string(i);
  m.message_id = std::to_string(1000 + i);
  m.account_id = "u" + std::to_string(i);
  m.account_handle = "handle" + std::to_string(i);
  m.display_name = "Name " + std::to_string(i);
  m.time = 1709287200000 + i;
  m.time_resolution_ms = 1;
  m.text = "متن " + std::to_string(i);
  m.lang = "fa";
  m.reply_to = "twitter:7";
  m.shares = "twitter:8";
  m.quotes = "twitter:9";
  m.urls = {"https://example.org/" + std::to_string(i), "https://t.me/x/1"};
  m.hashtags = {"آزادی"};
  m.mentions = {"a", "b", "c"};
  m.media_key = "photo" + std::to_string(i);
  m.kind = i % 2 ? RecordKind::kEvent : RecordKind::kPost;
  m.views = 10 + i;
  m.forwards = 11;
  m.replies = 12;
  m.reactions = 13;
  m.likes = 14;
  m.retweets = 15;
  m.quotes_count = 16;
  m.reactions_detail = R"({"👍": 13})";
  return m;
}

// Every field of every record, note and mark comes back; the records' hashes and digest, which
// cover their content, are what the receiving side works out from what it unpacked.
TEST(BatchWire, EveryRecordAndMarkComesBack) {
  Batch b;
  for (int i = 0; i < 3; ++i) {
    Batch::slot(b.messages, b.n_messages) = full_message(i);
    b.prepared.emplace_back();
    prepare_message(b.messages[i], "dataset", b.prepared[i]);
    b.prepared[i].text_keyed = true;
    b.prepared[i].text_key = TextKey{0xfeed + static_cast<std::uint64_t>(i), 40, 6};
    b.positions.emplace_back(10 + i, 1000 + i);
    b.items.push_back({Batch::ItemKind::kMessage, static_cast<std::uint32_t>(i)});
  }
  AccountRecord& a = Batch::slot(b.accounts, b.n_accounts);
  a = {"twitter", "u1", "handle1", "Name 1", 1600000000000,     5,
       6,         7,    "about",   1,        AccountKind::kUser};
  b.items.push_back({Batch::ItemKind::kAccount, 0});
  Batch::Note& n = Batch::slot(b.notes, b.n_notes);
  n = {42, 4242, "not JSON", "{oops"};
  b.items.push_back({Batch::ItemKind::kReject, 0});
  b.start = Batch::FileStart{"in/a.jsonl", "twitter-v2", "a", 123456, true};
  b.end = Batch::FileEnd{"digest", 2};
  b.piece_end = 3;
  b.last = true;

  dist::Bytes wire;
  pack_batch(b, 777, wire);
  Batch got;
  Batch::slot(got.messages, got.n_messages) = full_message(9);  // a used batch is reset
  EXPECT_EQ(unpack_batch(wire, got), 777u);

  ASSERT_EQ(got.n_messages, 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const MessageRecord &x = b.messages[i], &y = got.messages[i];
    PreparedMessage again;
    prepare_message(y, "dataset", again);
    EXPECT_EQ(again.digest, b.prepared[i].digest) << i;
    EXPECT_EQ(again.key_hash, b.prepared[i].key_hash) << i;
    EXPECT_EQ(again.account_hash, b.prepared[i].account_hash) << i;
    EXPECT_EQ(y.platform, x.platform);
    EXPECT_EQ(y.chat_id, x.chat_id);
    EXPECT_EQ(y.message_id, x.message_id);
    EXPECT_EQ(y.account_handle, x.account_handle);
    EXPECT_EQ(y.display_name, x.display_name);
    const PreparedMessage &p = b.prepared[i], &q = got.prepared[i];
    EXPECT_EQ(q.digest, p.digest);
    EXPECT_EQ(q.key_hash, p.key_hash);
    EXPECT_EQ(q.account_hash, p.account_hash);
    EXPECT_EQ(q.dataset_key, p.dataset_key);
    EXPECT_EQ(q.urls, p.urls);
    EXPECT_EQ(q.hashtags, p.hashtags);
    EXPECT_EQ(q.mentions, p.mentions);
    EXPECT_TRUE(q.text_keyed);
    EXPECT_EQ(q.text_key.hash, p.text_key.hash);
    EXPECT_EQ(q.text_key.bytes, 40);
    EXPECT_EQ(q.text_key.tokens, 6);
    EXPECT_EQ(got.positions[i], b.positions[i]);
  }
  ASSERT_EQ(got.n_accounts, 1u);
  const AccountRecord& c = got.accounts[0];
  EXPECT_EQ(c.platform, "twitter");
  EXPECT_EQ(c.account_id, "u1");
  EXPECT_EQ(c.handle, "handle1");
  EXPECT_EQ(c.display_name, "Name 1");
  EXPECT_EQ(c.created_at, 1600000000000);
  EXPECT_EQ(c.followers, 5);
  EXPECT_EQ(c.following, 6);
  EXPECT_EQ(c.posts, 7);
  EXPECT_EQ(c.description, "about");
  EXPECT_EQ(c.verified, 1);
  EXPECT_EQ(c.kind, AccountKind::kUser);
  ASSERT_EQ(got.n_notes, 1u);
  EXPECT_EQ(got.notes[0].line, 42u);
  EXPECT_EQ(got.notes[0].offset, 4242u);
  EXPECT_EQ(got.notes[0].reason, "not JSON");
  EXPECT_EQ(got.notes[0].excerpt, "{oops");
  ASSERT_EQ(got.items.size(), b.items.size());
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    EXPECT_EQ(got.items[i].kind, b.items[i].kind);
    EXPECT_EQ(got.items[i].index, b.items[i].index);
  }
  ASSERT_TRUE(got.start && got.end && got.piece_end);
  EXPECT_EQ(got.start->path, "in/a.jsonl");
  EXPECT_EQ(got.start->format, "twitter-v2");
  EXPECT_EQ(got.start->dataset, "a");
  EXPECT_EQ(got.start->bytes, 123456u);
  EXPECT_TRUE(got.start->cut);
  EXPECT_EQ(got.end->digest, "digest");
  EXPECT_EQ(got.end->utf8_repaired, 2u);
  EXPECT_EQ(*got.piece_end, 3u);
  EXPECT_TRUE(got.last);

  // A batch with none of the optional marks comes back without them.
  Batch plain;
  dist::Bytes plain_wire;
  pack_batch(plain, 0, plain_wire);
  EXPECT_EQ(unpack_batch(plain_wire, got), 0u);
  EXPECT_EQ(got.n_messages, 0u);
  EXPECT_FALSE(got.start || got.end || got.piece_end || got.last);
}

}  // namespace
}  // namespace groundswell::ingest_internal
