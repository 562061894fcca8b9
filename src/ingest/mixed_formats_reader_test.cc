// Auto-detection across all formats, and a mixed folder (Telegram Desktop export, Telethon
// lines, twarc2 pages and an IO-archive CSV overlapping them) ingested into a store with
// exact stored / duplicate / rejected counts.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "ingest/ingest.h"
#include "ingest/input.h"
#include "ingest/reader.h"

namespace groundswell {
namespace {

std::string detected(const std::string& path) {
  InputStream in;
  if (!in.open(path).ok()) return "unreadable";
  const FormatInfo* f = detect_format(in.peek(64 << 10), path);
  return f ? std::string(f->name) : "none";
}

TEST(FormatDetection, EveryFixtureIsRecognisedAsItsFormat) {
  const std::string d = "tests/data/formats/";
  const std::pair<const char*, const char*> cases[] = {
      {"telegram-export/channel_result.json", "telegram-export"},
      {"telegram-export/old_result.json", "telegram-export"},
      {"telegram-export/all_data/result.json", "telegram-export"},
      {"telegram-export/truncated_result.json", "telegram-export"},
      {"telethon/messages.jsonl", "telethon"},
      {"telethon/channels.ndjson", "telethon"},
      {"telegram-csv/channel_messages.csv", "telegram-csv"},
      {"twitter-io/ira_tweets_csv_hashed.csv", "twitter-io"},
      {"twitter-io/ira_users_csv_hashed.csv", "twitter-io"},
      {"twitter-v2/search_pages.jsonl", "twitter-v2"},
      {"twitter-v2/flat_tweets.jsonl", "twitter-v2"},
      {"twitter-v1/statuses.jsonl", "twitter-v1"},
      {"mixed/tg_export/result.json", "telegram-export"},
      {"mixed/telethon_6060.jsonl", "telethon"},
      {"mixed/twarc2_pages.jsonl", "twitter-v2"},
      {"mixed/io_tweets.csv", "twitter-io"},
  };
  for (auto [file, format] : cases) EXPECT_EQ(detected(d + file), format) << file;
}

TEST(FormatDetection, NewSniffersLeaveThePeerFormatsAlone) {
  const std::pair<std::string_view, std::string_view> heads[] = {
      {"object_id,account_id,content_id,timestamp_share\nu,a,c,1700000000\n", "coortweet"},
      {"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,2,u,,,hi,1,\n",
       "cnt"},
      {"{\"platform\":\"x\",\"message_id\":\"1\",\"account_id\":\"a\",\"time\":1700000000}\n",
       "canonical"},
      {"platform,message_id,account_id,time,text\nx,1,a,1700000000,hi\n", "canonical"},
      // A Telegram Desktop export written on one line still is one document, not lines.
      {"{\"name\":\"c\",\"type\":\"public_channel\",\"id\":1,\"messages\":[{\"id\":1,"
       "\"date_unixtime\":\"1700000000\",\"from_id\":\"channel1\",\"text\":\"x\"}]}",
       "telegram-export"},
      {"{\"_\": \"Message\", \"id\": 1, \"peer_id\": {\"_\": \"PeerChannel\", \"channel_id\": 1}, "
       "\"date\": \"2024-01-01T00:00:00+00:00\", \"message\": \"\"}\n",
       "telethon"},
      {"{\"created_at\":\"Wed Oct 10 20:19:24 +0000 2018\",\"id_str\":\"1\",\"text\":\"x\","
       "\"user\":{\"id_str\":\"2\"}}\n",
       "twitter-v1"},
      {"{\"data\": [{\"id\": \"1\", \"text\": \"x\", \"author_id\": \"2\", \"created_at\": "
       "\"2024-01-01T00:00:00.000Z\"}], \"includes\": {}}\n",
       "twitter-v2"},
  };
  for (auto [head, format] : heads) {
    const FormatInfo* f = detect_format(head, "input");
    ASSERT_NE(f, nullptr) << head;
    EXPECT_EQ(f->name, format) << head;
  }
  EXPECT_EQ(detect_format("hello world\nnot a format\n", "notes.txt"), nullptr);
  EXPECT_EQ(detect_format("{\"some\": \"json\"}\n", "x.json"), nullptr);
}

TEST(MixedFolder, IngestCountsStoredDuplicatesAndRejectsExactly) {
  auto db = std::filesystem::temp_directory_path() /
            fmt::format("gs_mixed_formats_{}.db", static_cast<long>(::getpid()));
  std::filesystem::remove(db);
  {
    auto store = Store::open(db);
    ASSERT_TRUE(store.ok()) << store.status().message();
    IngestOptions o;
    o.inputs = {"tests/data/formats/mixed"};
    o.progress = false;
    auto s = ingest(*store, o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    const FileCounts& c = s->counts;
    EXPECT_EQ(s->files, 4u);
    // io_tweets.csv: 7001, 7002, 7010 stored, 7011 rejected (no tweet_time).
    // telethon_6060.jsonl: channel5050/2, channel6060/10, channel6060/11 stored.
    // tg_export/result.json: service 1 (event), 3, 4 stored; 2 duplicate of the Telethon
    //   line; 5 rejected (no date).
    // twarc2_pages.jsonl: 7001, 7002 duplicates of the IO archive; 7003 stored.
    EXPECT_EQ(c.records_read, 15u);
    EXPECT_EQ(c.stored, 10u);
    EXPECT_EQ(c.messages, 9u);
    EXPECT_EQ(c.events, 1u);
    EXPECT_EQ(c.duplicates, 3u);
    EXPECT_EQ(c.rejected, 2u);
    EXPECT_EQ(c.records_read, c.stored + c.duplicates + c.rejected);
    // Accounts: users 81, 82, 83 from the archive rows, channel6060 from its metadata line,
    // users 81, 82 from the twarc2 page.
    EXPECT_EQ(c.account_records, 6u);
    auto q = [&](std::string_view sql) -> std::int64_t {
      auto v = store->db().query_int64(sql);
      return v.ok() ? *v : -1;
    };
    EXPECT_EQ(q("SELECT count(*) FROM messages"), 10);
    EXPECT_EQ(q("SELECT count(*) FROM rejects"), 2);
  }
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
}

}  // namespace
}  // namespace groundswell
