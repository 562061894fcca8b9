// Ingest end to end into a real database file: formats, compression, quirks of CSV, and the
// malformed corpus of docs/contract.md §6 — every record stored, duplicate or rejected, never lost.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include <tbb/global_control.h>

#include "ingest/ingest.h"
#include "ingest/reader.h"
#include "ingest/test_inputs.h"
#include "store/dataset.h"
#include "store/store.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gs-ingest-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "in");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, std::string_view content) {
    fs::path p = dir_ / "in" / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    return p;
  }

  Result<IngestSummary> run(std::vector<std::string> inputs, std::string format = "",
                            bool strict = false) {
    auto store = Store::open(dir_ / "t.db");
    if (!store) return store.status();
    IngestOptions o;
    o.inputs = std::move(inputs);
    o.format = std::move(format);
    o.strict = strict;
    o.progress = false;
    o.rejects_path = (dir_ / "rejects.jsonl").string();
    o.piece_bytes = piece_bytes_;
    o.max_record_bytes = max_record_bytes_;
    auto s = ingest(*store, o);
    if (s) {
      const auto& c = s->counts;
      // The invariants of docs/contract.md §6 hold for every ingest.
      EXPECT_EQ(c.records_read, c.stored + c.duplicates + c.rejected);
      EXPECT_EQ(c.stored, c.messages + c.events);
    }
    return s;
  }

  std::int64_t query(const std::string& sql) {
    auto store = Store::open(dir_ / "t.db");
    auto v = store->db().query_int64(sql);
    return v ? *v : -1;
  }

  std::string rejects() {
    std::ifstream f(dir_ / "rejects.jsonl");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  // The rows of a query of one text column, a line each.
  std::string rows(const std::string& sql) {
    auto store = Store::open(dir_ / "t.db");
    EXPECT_TRUE(store.ok());
    Stmt q;
    EXPECT_TRUE(store->db().prepare(sql, q).ok()) << sql;
    std::string out;
    while (q.step() == Stmt::kRow) {
      out += q.column_text(0);
      out += '\n';
    }
    return out;
  }

  // What a new store holds after ingesting every input with `threads` parsing threads: every
  // row of messages, accounts, files and rejects.
  // `failure` receives the failed ingest's message.
  std::string ingest_with(int threads, bool strict, std::string* failure = nullptr) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    for (const char* ext : {"", "-wal", "-shm"}) fs::remove(dir_ / (std::string("t.db") + ext));
    auto s = run({(dir_ / "in").string()}, "", strict);
    EXPECT_EQ(s.ok(), !strict) << s.status().message();
    if (failure && !s.ok()) *failure = s.status().message();
    return rows("SELECT id || ' ' || platform || ' ' || chat_id || ' ' || message_id || ' ' || "
                "account || ' ' || time_ms || ' ' || coalesce(text, '-') || ' ' || "
                "coalesce(views, '-') || ' ' || digest || ' ' || file_id || ' ' || line || ' ' || "
                "byte_offset FROM messages ORDER BY id") +
           rows("SELECT id || ' ' || platform || ' ' || account_id || ' ' || "
                "coalesce(handle, '-') FROM accounts ORDER BY id") +
           rows("SELECT id || ' ' || path || ' ' || digest || ' ' || completed || ' ' || "
                "coalesce(records_read, '-') || ' ' || coalesce(stored, '-') || ' ' || "
                "coalesce(duplicates, '-') || ' ' || coalesce(rejected, '-') || ' ' || "
                "coalesce(account_records, '-') || ' ' || coalesce(utf8_repaired, '-') FROM files "
                "ORDER BY id") +
           rows("SELECT id || ' ' || file || ' ' || line || ' ' || byte_offset || ' ' || reason "
                "FROM rejects ORDER BY id");
  }

  // Two stores' rows compared whole; on a difference, the first line that differs.
  static void expect_same(const std::string& one, const std::string& other,
                          std::string_view what) {
    const auto at = std::mismatch(one.begin(), one.end(), other.begin(), other.end());
    EXPECT_TRUE(one == other) << what << ": the stores differ from "
                              << one.substr(one.rfind('\n', at.first - one.begin()) + 1, 160);
  }

  fs::path dir_;
  std::uint64_t piece_bytes_ = IngestOptions{}.piece_bytes;
  std::uint64_t max_record_bytes_ = IngestOptions{}.max_record_bytes;
};

using test_inputs::canonical_line;

TEST_F(IngestTest, CanonicalJsonLinesMapEveryField) {
  write("a.jsonl",
        "{\"platform\":\"telegram\",\"chat_id\":\"channel9\",\"message_id\":42,\"account_id\":"
        "\"channel9\",\"account_handle\":\"news\",\"time\":\"2024-03-01T10:00:00Z\",\"text\":"
        "\"سلام\",\"lang\":\"fa\",\"reply_to\":\"41\",\"shares\":\"channel3/7\",\"urls\":[\"https://"
        "t.me/x/1\"],\"hashtags\":[\"a\",\"b\"],\"mentions\":[\"@m\"],\"media_key\":\"ph1\","
        "\"views\":100,\"forwards\":3,\"replies\":2,\"reactions\":{\"👍\":4,\"🔥\":1}}\n"
        "{\"type\":\"account\",\"platform\":\"telegram\",\"account_id\":\"channel9\",\"handle\":"
        "\"news\",\"followers\":5000,\"kind\":\"channel\",\"created_at\":\"2020-01-01\"}\n");
  auto s = run({(dir_ / "in").string()});
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_EQ(s->counts.stored, 1u);
  EXPECT_EQ(s->counts.account_records, 1u);
  auto store = Store::open(dir_ / "t.db");
  auto d = load_dataset(*store);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->messages(), 1u);
  EXPECT_EQ(d->msg_message_id[0], "42");
  EXPECT_EQ(d->msg_time[0], 1709287200000);
  EXPECT_EQ(d->msg_text[0], "سلام");
  EXPECT_EQ(d->msg_shares[0], "channel3/7");
  EXPECT_EQ(d->msg_hashtags.count(0), 2u);
  EXPECT_EQ(d->msg_hashtags.item(0, 1), "b");
  EXPECT_EQ(d->msg_views[0], 100);
  EXPECT_EQ(d->msg_reactions[0], 5);
  ASSERT_EQ(d->accounts(), 1u);
  EXPECT_EQ(d->account_handle[0], "news");
  EXPECT_EQ(d->account_followers[0], 5000);
  EXPECT_EQ(d->account_kind[0], "channel");
}

TEST_F(IngestTest, CsvQuirksBomCrlfQuotedNewlines) {
  write("c.csv",
        "\xEF\xBB\xBFplatform,message_id,account_id,time,text,hashtags\r\n"
        "x,1,a,1709287200,\"two\r\nlines, with comma\",h1 h2\r\n"
        "x,2,b,1709287201,\"say \"\"hi\"\"\",\r\n"
        "x,3,c,1709287202,plain,\"[h3, h4]\"");
  auto s = run({(dir_ / "in").string()});
  ASSERT_TRUE(s) << s.status().message();
  ASSERT_EQ(s->counts.stored, 3u);
  EXPECT_EQ(s->counts.rejected, 0u) << rejects();
  auto store = Store::open(dir_ / "t.db");
  auto d = load_dataset(*store);
  EXPECT_EQ(d->msg_text[0], "two\r\nlines, with comma");
  EXPECT_EQ(d->msg_text[1], "say \"hi\"");
  EXPECT_EQ(d->msg_hashtags.count(0), 2u);
  EXPECT_EQ(d->msg_hashtags.item(2, 1), "h4");
  EXPECT_EQ(query("SELECT line FROM messages WHERE message_id = '3'"), 5);
}

TEST_F(IngestTest, CompressedInputsAndGlobs) {
  std::string plain;
  for (int i = 0; i < 500; ++i) plain += canonical_line(i);
  // gzip
  {
    gzFile gz = gzopen((dir_ / "in" / "a.jsonl.gz").c_str(), "wb");
    gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size()));
    gzclose(gz);
  }
  // zstd
  std::string more;
  for (int i = 500; i < 1000; ++i) more += canonical_line(i);
  std::string z(ZSTD_compressBound(more.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), more.data(), more.size(), 3));
  write("b.ndjson.zst", z);
  auto s = run({(dir_ / "in" / "*.gz").string(), (dir_ / "in" / "b.*").string()});
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_EQ(s->files, 2u);
  EXPECT_EQ(s->counts.stored, 1000u);
  EXPECT_EQ(query("SELECT count(DISTINCT digest) FROM files"), 2);
}

TEST_F(IngestTest, SameRecordsInTwoFilesAreStoredOnce) {
  std::string a, b;
  for (int i = 0; i < 100; ++i) a += canonical_line(i);
  for (int i = 50; i < 150; ++i) b += canonical_line(i);
  write("a.jsonl", a);
  write("b.jsonl", b);
  auto s = run({(dir_ / "in").string()});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->counts.records_read, 200u);
  EXPECT_EQ(s->counts.stored, 150u);
  EXPECT_EQ(s->counts.duplicates, 50u);
  EXPECT_EQ(s->counts.conflicts, 0u);
  // A re-run adds nothing to the store and reports what the first run reported: a record
  // read again from the same place of the same file is the one the store holds (stored), a
  // repeat of another file's record is still a duplicate.
  auto again = run({(dir_ / "in").string()});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->counts.records_read, 200u);
  EXPECT_EQ(again->counts.stored, 150u);
  EXPECT_EQ(again->counts.duplicates, 50u);
  EXPECT_EQ(query("SELECT count(*) FROM messages"), 150);
  // The same records in another file are duplicates, also in a re-run.
  write("c.jsonl", a);
  auto third = run({(dir_ / "in").string()});
  ASSERT_TRUE(third);
  EXPECT_EQ(third->counts.stored, 150u);
  EXPECT_EQ(third->counts.duplicates, 150u);
  EXPECT_EQ(query("SELECT count(*) FROM messages"), 150);
}

TEST_F(IngestTest, RereadFileReplacesItsRejects) {
  write("a.jsonl", canonical_line(1) + "{broken\n" + canonical_line(2) + "not json either\n");
  auto first = run({(dir_ / "in").string()});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->counts.rejected, 2u);
  auto again = run({(dir_ / "in").string()});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->counts.rejected, 2u);
  EXPECT_EQ(again->counts.stored, 2u);
  EXPECT_EQ(query("SELECT count(*) FROM rejects"), 2);
}

TEST_F(IngestTest, ConflictingDuplicatesMergeTheMorePreciseValue) {
  write("a.csv",
        "platform,message_id,account_id,time,text,views\n"
        "twitter,7,u1,2024-03-01 10:00,,5\n");
  write("b.jsonl",
        "{\"platform\":\"twitter\",\"message_id\":\"7\",\"account_id\":\"u1\",\"time\":"
        "\"2024-03-01T10:00:37Z\",\"text\":\"full text\",\"views\":3}\n");
  auto s = run({(dir_ / "in").string()});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->counts.stored, 1u);
  EXPECT_EQ(s->counts.duplicates, 1u);
  EXPECT_EQ(s->counts.conflicts, 1u);
  EXPECT_EQ(query("SELECT time_ms FROM messages"), 1709287237000);  // finer time wins
  EXPECT_EQ(query("SELECT time_resolution_ms FROM messages"), 1000);
  EXPECT_EQ(query("SELECT text = 'full text' FROM messages"), 1);  // non-empty wins
  EXPECT_EQ(query("SELECT views FROM messages"), 5);               // larger counter wins
}

// Ids of the toolkit, CooRTweet and canonical formats are unique only within one dataset:
// two files' colliding ids are two messages (keys qualified by the file's stem), and a
// message never takes fields of two authors.
TEST_F(IngestTest, DatasetLocalIdsAreQualifiedAndAuthorsNeverMerged) {
  const std::string header = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n";
  write("week1.csv", header + "1,10,ann,,,first file,1700000000,\n2,11,bob,,,x,1700000001,\n");
  write("week2.csv.gz.csv", header + "1,20,cid,,,second file,1700000100,\n");
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 3u);
  EXPECT_EQ(r->counts.rejected, 0u);
  EXPECT_EQ(query("SELECT count(DISTINCT dataset) FROM messages"), 2);
  EXPECT_EQ(query("SELECT count(*) FROM messages WHERE dataset = 'week1'"), 2);
  EXPECT_EQ(query("SELECT count(*) FROM messages m JOIN accounts a ON a.id = m.account "
                  "WHERE m.message_id = '1' AND m.text = 'second file' AND a.account_id = '20'"),
            1);
  // A re-run finds both datasets stored as the first run left them (its records are the ones
  // stored), nothing merged across authors.
  auto again = run({(dir_ / "in").string()});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->counts.stored, 3u);
  EXPECT_EQ(again->counts.duplicates, 0u);
  EXPECT_EQ(again->counts.conflicts, 0u);
  EXPECT_EQ(again->counts.rejected, 0u);
  EXPECT_EQ(query("SELECT count(*) FROM messages"), 3);
}

// CooRTweet inputs are per-dataset too: two runs' tables both calling a post "c1" that shares
// the same object are two posts of their own authors, not one merged share.
TEST_F(IngestTest, CooRTweetContentIdsAreQualifiedByDataset) {
  const std::string header = "object_id,account_id,content_id,timestamp_share\n";
  write("run_a.csv", header + "https://x.example/story,u1,c1,1700000000\n");
  write("run_b.csv", header + "https://x.example/story,u2,c1,1700000050\n");
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 2u);
  EXPECT_EQ(r->counts.rejected, 0u);
  const std::string by =
      "SELECT count(*) FROM messages m JOIN accounts a ON a.id = m.account "
      "WHERE m.platform = 'coortweet' AND m.message_id = 'c1' AND ";
  EXPECT_EQ(query(by + "m.dataset = 'run_a' AND a.account_id = 'u1'"), 1);
  EXPECT_EQ(query(by + "m.dataset = 'run_b' AND a.account_id = 'u2'"), 1);
}

TEST_F(IngestTest, OneDatasetNameForSeveralFilesRejectsAnotherAuthorsRecord) {
  const std::string header = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n";
  write("a.csv", header + "1,10,ann,,,kept,1700000000,\n");
  write("b.csv", header + "1,20,cid,,,refused,1700000100,\n1,10,ann,,,kept,1700000000,\n");
  auto store = Store::open(dir_ / "t.db");
  ASSERT_TRUE(store);
  IngestOptions o;
  o.inputs = {(dir_ / "in").string()};
  o.dataset = "collection";
  o.progress = false;
  o.rejects_path = (dir_ / "rejects.jsonl").string();
  auto r = ingest(*store, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 1u);
  EXPECT_EQ(r->counts.duplicates, 1u);
  EXPECT_EQ(r->counts.rejected, 1u);
  EXPECT_EQ(r->counts.records_read, 3u);
  std::string rej = rejects();
  EXPECT_NE(rej.find("a.csv line 2 by account '10', not '20'"), std::string::npos) << rej;
  EXPECT_NE(rej.find("\"line\":2"), std::string::npos) << rej;
  EXPECT_EQ(query("SELECT count(*) FROM messages WHERE text = 'kept' AND dataset = 'collection'"),
            1);
}

TEST_F(IngestTest, PlatformWideIdsNeverMergeTwoAuthors) {
  // The same tweet id with two authors (a corrupted or forged record): the second is refused.
  write("a.jsonl",
        "{\"data\":[{\"id\":\"9\",\"text\":\"t\",\"author_id\":\"1\",\"created_at\":"
        "\"2024-01-01T00:00:00.000Z\"}]}\n");
  write("b.jsonl",
        "{\"data\":[{\"id\":\"9\",\"text\":\"other\",\"author_id\":\"2\",\"created_at\":"
        "\"2024-01-01T00:00:00.000Z\"}]}\n");
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 1u);
  EXPECT_EQ(r->counts.rejected, 1u);
  EXPECT_EQ(query("SELECT count(*) FROM messages WHERE text = 't'"), 1);
  EXPECT_NE(rejects().find("never merged"), std::string::npos);
  // Canonical records of a platform with platform-wide ids share keys across files; of any
  // other platform they are qualified by the file.
  write("c.jsonl", canonical_line(1) +
                       "{\"platform\":\"forum\",\"message_id\":\"5\",\"account_id\":\"x\",\"time\":1}\n");
  write("d.jsonl", canonical_line(1) +
                       "{\"platform\":\"forum\",\"message_id\":\"5\",\"account_id\":\"y\",\"time\":1}\n");
  auto c = run({(dir_ / "in" / "c.jsonl").string(), (dir_ / "in" / "d.jsonl").string()});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->counts.stored, 3u);
  EXPECT_EQ(c->counts.duplicates, 1u);
  EXPECT_EQ(query("SELECT count(*) FROM messages WHERE platform = 'forum'"), 2);
}

TEST(DatasetOfPath, StemWithoutKnownExtensions) {
  EXPECT_EQ(dataset_of_path("exports/run1.csv.gz"), "run1");
  EXPECT_EQ(dataset_of_path("a/b/german_urls_input.csv"), "german_urls_input");
  EXPECT_EQ(dataset_of_path("x/data.v2.jsonl.zst"), "data.v2");
  EXPECT_EQ(dataset_of_path("noext"), "noext");
}

TEST_F(IngestTest, PeerToolFormatsAreDetected) {
  auto s = run({"tests/data/reference/cnt/coretweet_test_input.csv"});
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_EQ(s->counts.messages, 15u);
  EXPECT_EQ(query("SELECT count(*) FROM messages WHERE platform = 'cnt' AND shares = 'rtid0'"), 3);
  auto c = run({"tests/data/reference/coortweet/sim_input.csv"});
  ASSERT_TRUE(c) << c.status().message();
  EXPECT_EQ(query("SELECT count(*) FROM messages WHERE platform = 'coortweet'"),
            static_cast<std::int64_t>(c->counts.stored));
  EXPECT_EQ(c->counts.rejected, 0u);
  EXPECT_GT(c->counts.stored, 1000u);
}

// ---- the malformed corpus ------------------------------------------------------------------

TEST_F(IngestTest, TruncatedJsonLineIsRejectedWithItsPosition) {
  std::string s;
  for (int i = 0; i < 3; ++i) s += canonical_line(i);
  std::string last = canonical_line(3);
  s += last.substr(0, last.size() / 2);  // cut mid-record, no newline
  write("t.jsonl", s);
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 3u);
  EXPECT_EQ(r->counts.rejected, 1u);
  std::string rej = rejects();
  EXPECT_NE(rej.find("\"line\":4"), std::string::npos) << rej;
  EXPECT_NE(rej.find("t.jsonl"), std::string::npos);
  EXPECT_NE(rej.find("JSON"), std::string::npos);
}

TEST_F(IngestTest, TruncatedGzipIsReportedNotLost) {
  std::string plain;
  for (int i = 0; i < 2000; ++i) plain += canonical_line(i);
  fs::path p = dir_ / "in" / "full.jsonl.gz";
  gzFile gz = gzopen(p.c_str(), "wb");
  gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(gz);
  fs::resize_file(p, fs::file_size(p) / 2);
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_GT(r->counts.stored, 100u);
  EXPECT_LT(r->counts.stored, 2000u);
  EXPECT_GE(r->counts.rejected, 1u);
  EXPECT_NE(rejects().find("truncated"), std::string::npos) << rejects();
}

TEST_F(IngestTest, InvalidUtf8IsReplacedAndCounted) {
  write("u.jsonl",
        "{\"message_id\":\"1\",\"account_id\":\"a\",\"time\":1709287200,\"text\":\"bad \xff\xfe "
        "byte\"}\n" +
            canonical_line(2));
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 2u);
  EXPECT_EQ(r->counts.utf8_repaired, 1u);
  // Each invalid byte becomes one U+FFFD (neither 0xFF nor 0xFE can start a sequence).
  EXPECT_EQ(query("SELECT text = 'bad \xEF\xBF\xBD\xEF\xBF\xBD byte' FROM messages WHERE message_id = '1'"), 1);
}

// A two-byte character whose lead byte ends one CSV field and whose continuation byte starts
// the next: the record's bytes together are valid UTF-8, each field is not.
TEST_F(IngestTest, CharacterSplitAcrossCsvFieldsIsRepaired) {
  write("s.csv",
        "platform,message_id,account_id,account_handle,time,text\n"
        "x,1,a\xC3,\xA9h,1709287200,ok\n"
        "x,2,b\xC3,\"\xA9h\",1709287201,ok\n");
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->counts.stored, 2u) << rejects();
  EXPECT_EQ(r->counts.utf8_repaired, 2u);
  // U+FFFD for each lone byte, each field repaired on its own.
  EXPECT_EQ(query("SELECT count(*) FROM accounts WHERE account_id IN ('a\xEF\xBF\xBD', "
                  "'b\xEF\xBF\xBD')"),
            2);
}

TEST_F(IngestTest, BinaryGarbageIsOneRejectedFile) {
  std::string junk(100000, '\0');
  std::mt19937_64 rng(7);
  for (auto& c : junk) c = static_cast<char>(rng());
  write("junk.bin", junk);
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 0u);
  EXPECT_EQ(r->counts.rejected, 1u);
  EXPECT_NE(rejects().find("not a recognised format"), std::string::npos);
  // Forced through a reader it is rejected line by line, still with nothing lost or crashed.
  auto forced = run({(dir_ / "in").string()}, "canonical");
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->counts.stored, 0u);
  EXPECT_GE(forced->counts.rejected, 1u);
}

TEST_F(IngestTest, EmptyFileIsAWarningNotARecord) {
  write("empty.jsonl", "");
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.records_read, 0u);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("empty file"), std::string::npos);
}

TEST_F(IngestTest, FilesWithoutMessagesAreNamedInWarnings) {
  write("notes.txt", "hello world\nnot a format\n");
  write("counts.jsonl",
        "{\"data\":[{\"end\":\"2024-04-01T01:00:00.000Z\",\"start\":"
        "\"2024-04-01T00:00:00.000Z\",\"tweet_count\":12}],\"meta\":{\"total_tweet_count\":12}}\n");
  write("users.jsonl",
        "{\"data\":[{\"id\":\"1\",\"username\":\"u\",\"name\":\"U\",\"created_at\":"
        "\"2016-05-05T05:05:05.000Z\",\"public_metrics\":{\"followers_count\":3}}]}\n");
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.rejected, 2u);
  EXPECT_EQ(r->counts.account_records, 1u);
  ASSERT_EQ(r->warnings.size(), 2u);  // the user lookup is read, not warned about
  EXPECT_NE(r->warnings[0].find("counts.jsonl: read as twitter-v2 but holds no messages"),
            std::string::npos)
      << r->warnings[0];
  EXPECT_NE(r->warnings[0].find("tweet counts"), std::string::npos) << r->warnings[0];
  EXPECT_NE(r->warnings[1].find("notes.txt: skipped: not a recognised format"),
            std::string::npos)
      << r->warnings[1];
  EXPECT_EQ(query("SELECT followers FROM accounts WHERE account_id = '1'"), 3);
}

// Done-when of the real-world files: every fixture shape in one folder, each record stored,
// a duplicate or rejected, and nothing else.
TEST_F(IngestTest, AllSavedShapesInOneFolder) {
  const std::string d = std::string(GS_SOURCE_DIR) + "/tests/data/formats/";
  std::vector<std::string> inputs;
  for (const char* f :
       {"twitter-v2/recent_search_indented.json", "twitter-v2/users_lookup.jsonl",
        "twitter-v2/counts.jsonl", "twitter-v1/status_indented.json",
        "twitter-v1/statuses_array.json", "twitter-v1/users_lookup.json",
        "telethon/messages_array.json", "telethon/channel_messages.json", "canonical/array.json",
        "telegram-export/group_peer_id/result.json"})
    inputs.push_back(d + f);
  auto r = run(inputs);
  ASSERT_TRUE(r);
  // 2 + 1 + 2 tweets, 2 + 2 Telethon messages, 2 canonical, 4 Desktop messages.
  EXPECT_EQ(r->counts.stored, 15u);
  EXPECT_EQ(r->counts.rejected, 3u);  // two count pages, one Desktop message without sender
  EXPECT_EQ(r->counts.duplicates, 0u);
  EXPECT_EQ(r->counts.records_read, 18u);
  EXPECT_EQ(query("SELECT count(*) FROM messages"), 15);
}

TEST_F(IngestTest, HundredMegabyteLineIsRejectedWithoutBufferingIt) {
  std::string big = "{\"message_id\":\"1\",\"account_id\":\"a\",\"time\":1709287200,\"text\":\"";
  big.append(100u << 20, 'x');
  big += "\"}\n";
  write("big.jsonl", canonical_line(0) + big + canonical_line(2));
  big.clear();
  big.shrink_to_fit();
  auto store = Store::open(dir_ / "t.db");
  IngestOptions o;
  o.inputs = {(dir_ / "in").string()};
  o.progress = false;
  o.max_record_bytes = 16u << 20;
  o.rejects_path = (dir_ / "rejects.jsonl").string();
  auto r = ingest(*store, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 2u);
  EXPECT_EQ(r->counts.rejected, 1u);
  EXPECT_NE(rejects().find("longer than the limit"), std::string::npos);
  EXPECT_NE(rejects().find("\"line\":2"), std::string::npos);
}

TEST_F(IngestTest, DeepNestingIsRejected) {
  std::string deep = "{\"message_id\":\"1\",\"account_id\":\"a\",\"time\":1709287200,\"x\":";
  deep.append(200000, '[');
  deep.append(200000, ']');
  deep += "}\n";
  write("deep.jsonl", deep + canonical_line(2));
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 1u);
  EXPECT_EQ(r->counts.rejected, 1u);
  EXPECT_NE(rejects().find("nesting"), std::string::npos) << rejects();
}

TEST_F(IngestTest, WrongTypesMissingFieldsAbsurdTimes) {
  write("bad.jsonl",
        "{\"message_id\":\"1\",\"account_id\":\"a\",\"time\":1709287200,\"views\":\"many\"}\n"
        "{\"message_id\":{\"x\":1},\"account_id\":\"a\",\"time\":1709287200}\n"
        "{\"account_id\":\"a\",\"time\":1709287200}\n"
        "{\"message_id\":\"4\",\"account_id\":\"a\"}\n"
        "{\"message_id\":\"5\",\"account_id\":\"a\",\"time\":\"3024-01-01T00:00:00Z\"}\n"
        "{\"message_id\":\"6\",\"account_id\":\"a\",\"time\":-100}\n"
        "[1,2,3]\n"
        "{\"message_id\":\"8\",\"account_id\":\"a\",\"time\":1709287200,\"urls\":[1,2]}\n" +
            canonical_line(9));
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 1u);
  // 7 bad objects and the 3 elements of [1,2,3]: an array's elements are records.
  EXPECT_EQ(r->counts.rejected, 10u);
  std::string rej = rejects();
  for (const char* reason :
       {"field 'views' must be a non-negative integer", "field 'message_id' must be a string",
        "missing required field 'message_id'", "missing required field 'time'",
        "is not a time stamp between 1970 and 2100", "expected an object",
        "field 'urls' must be a list of strings"})
    EXPECT_NE(rej.find(reason), std::string::npos) << reason << "\n" << rej;
  EXPECT_EQ(query("SELECT count(*) FROM rejects"), 10);
}

TEST_F(IngestTest, ShortCsvRowsAndUnterminatedQuotes) {
  write("s.csv",
        "message_id,account_id,time,text\n"
        "1,a,1709287200,ok\n"
        "2,a\n"
        "3,a,1709287200,ok,extra\n"
        "4,a,1709287200,\"never closed\n"
        "5,a,1709287200,fine\n");
  auto r = run({(dir_ / "in").string()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.stored, 1u);
  EXPECT_EQ(r->counts.rejected, 3u);
  std::string rej = rejects();
  EXPECT_NE(rej.find("expected 4 fields as in the header, found 2"), std::string::npos) << rej;
  EXPECT_NE(rej.find("found 5"), std::string::npos);
  EXPECT_NE(rej.find("quoted field not closed"), std::string::npos);
}

TEST_F(IngestTest, StrictStopsAtTheFirstReject) {
  write("a.jsonl", canonical_line(1) + "not json\n" + canonical_line(3));
  auto r = run({(dir_ / "in").string()}, "", /*strict=*/true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::kBadInput);
  EXPECT_EQ(r.status().exit_code(), 2);
  EXPECT_NE(r.status().message().find("a.jsonl:2"), std::string::npos) << r.status().message();
  EXPECT_EQ(query("SELECT count(*) FROM runs WHERE status = 'failed'"), 1);
}

// Files are parsed on several threads and written in their order: the store holds the same
// rows with the same ids at one parsing thread and at three (records repeated across files,
// an author conflict and rejects included), and under --strict a reject stops the ingest where
// one thread stops it, every file before it whole.
TEST_F(IngestTest, ParsingThreadsChangeNothingStored) {
  // f0 is long: the thread parsing f1 meets its reject (third line) while f0 is being written.
  for (int f = 0; f < 9; ++f) {
    std::string lines;
    if (f == 0)
      for (int i = 100000; i < 120000; ++i) lines += canonical_line(i);
    for (int i = f * 700; i < f * 700 + 1000; ++i) lines += canonical_line(i);  // 300 repeated
    if (f == 1) lines.insert(2 * canonical_line(700).size(), "not json\n");
    if (f == 5) lines += canonical_line(1, "someone_else");  // the author of message 1 differs
    write("f" + std::to_string(f) + ".jsonl", lines);
  }
  for (bool strict : {false, true}) {
    const std::string one = ingest_with(1, strict);
    std::string failure;
    const std::string three = ingest_with(3, strict, &failure);
    if (strict) {
      EXPECT_NE(failure.find("f1.jsonl:3"), std::string::npos) << failure;
    }
    EXPECT_GT(one.size(), 1000u);
    expect_same(one, three,
                strict ? "one thread and three, under --strict" : "one thread and three");
  }
  // Under --strict the store holds f0 whole (f1's two records before its reject repeat f0's).
  EXPECT_EQ(query("SELECT count(*) FROM messages"), 21000);
  EXPECT_EQ(query("SELECT count(*) FROM files WHERE completed = 1"), 1);
}

// A large JSON-lines file is read once and its pieces (of 4 KiB here) parsed on several
// threads: records, rejects with their lines and byte offsets, repaired UTF-8, and the accounts
// that a Twitter reader gives once per file are what one thread gives — also around lines
// longer than the record limit, one of them longer than a piece.
TEST_F(IngestTest, PiecesOfALargeFileChangeNothingStored) {
  piece_bytes_ = 4096;
  max_record_bytes_ = 3000;
  write("big.jsonl", test_inputs::large_json_lines(/*rejects=*/true));
  const std::string pages = test_inputs::twarc2_pages(300);
  write("pages.jsonl", pages);
  const std::string one = ingest_with(1, false);
  EXPECT_EQ(query("SELECT count(*) FROM files WHERE format = 'twitter-v2'"), 1);
  EXPECT_EQ(query("SELECT account_records FROM files WHERE format = 'twitter-v2'"), 17);
  EXPECT_GT(query("SELECT sum(utf8_repaired) FROM files"), 0);
  EXPECT_EQ(query("SELECT count(*) FROM rejects WHERE reason LIKE '%longer than the limit%'"), 2);
  expect_same(one, ingest_with(3, false), "one thread and three");
}

TEST_F(IngestTest, MissingInputIsAUsageError) {
  auto r = run({(dir_ / "nope.jsonl").string()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().exit_code(), 1);
  EXPECT_NE(r.status().message().find("nope.jsonl"), std::string::npos);
}

TEST(CsvReader, SplitsListCells) {
  std::vector<std::string> out;
  split_list_cell("[a, b]", out);
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b"}));
  split_list_cell("['x y', 'z']", out);
  EXPECT_EQ(out, (std::vector<std::string>{"x y", "z"}));
  split_list_cell("[\"https://a.b/c?d=1,2\"]", out);
  EXPECT_EQ(out, (std::vector<std::string>{"https://a.b/c?d=1,2"}));
  split_list_cell("u1 u2  u3", out);
  EXPECT_EQ(out.size(), 3u);
  split_list_cell("[]", out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace groundswell

namespace groundswell {
namespace {

// Random fields with quotes, separators, CR/LF and Persian text, written with RFC 4180
// quoting into a file of several MiB, so records straddle the reader's 1 MiB chunks.
TEST(CsvReader, RoundTripsRandomFieldsAcrossChunkBoundaries) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> pieces = {"a", "b,c", "\"", "\r\n", "\n", "آزادی", " ", "x\"y", "\r", ""};
  std::vector<std::vector<std::string>> rows;
  std::string file;
  for (int r = 0; r < 80000; ++r) {
    std::vector<std::string> row;
    for (int f = 0; f < 4; ++f) {
      std::string v;
      int n = static_cast<int>(rng() % 8);
      for (int k = 0; k < n; ++k) v += pieces[rng() % pieces.size()];
      if (f == 0) v = "id" + std::to_string(r);  // never an empty row
      row.push_back(v);
      if (f) file.push_back(',');
      file.push_back('"');
      for (char c : v) {
        if (c == '"') file.push_back('"');
        file.push_back(c);
      }
      file.push_back('"');
    }
    file += (r % 3 == 0) ? "\r\n" : "\n";
    rows.push_back(std::move(row));
  }
  ASSERT_GT(file.size(), 3u << 20);
  auto path = std::filesystem::temp_directory_path() / ("gs-csv-" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary).write(file.data(), static_cast<std::streamsize>(file.size()));
  InputStream in;
  ASSERT_TRUE(in.open(path.string()).ok());
  CsvReader csv(in, 1 << 20);
  CsvReader::Record rec;
  std::size_t i = 0;
  while (csv.next(rec)) {
    ASSERT_LT(i, rows.size());
    ASSERT_EQ(rec.problem, CsvReader::Record::Problem::kNone) << "row " << i;
    ASSERT_EQ(rec.size(), 4u) << "row " << i;
    for (std::size_t f = 0; f < 4; ++f) ASSERT_EQ(rec.field(f), rows[i][f]) << "row " << i;
    ++i;
  }
  EXPECT_EQ(i, rows.size());
  std::filesystem::remove(path);
}

// Found by fuzzing (tests/fuzz/corpus/canonical_csv/too_long_record_of_commas.csv.gz): a
// record too long to keep still kept the end of every field, so a few MiB of commas buffered
// several times their size.
TEST(CsvReader, ATooLongRecordKeepsNoFieldBoundaries) {
  std::string file = "a,b\n" + std::string(4 << 20, ',') + "\nx,y\n";
  auto path = std::filesystem::temp_directory_path() / ("gs-csv-commas-" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary).write(file.data(), static_cast<std::streamsize>(file.size()));
  InputStream in;
  ASSERT_TRUE(in.open(path.string()).ok());
  CsvReader csv(in, 1024);
  CsvReader::Record rec;
  ASSERT_TRUE(csv.next(rec));
  EXPECT_EQ(rec.size(), 2u);
  ASSERT_TRUE(csv.next(rec));
  EXPECT_EQ(rec.problem, CsvReader::Record::Problem::kTooLong);
  EXPECT_EQ(rec.line, 2u);
  EXPECT_LE(rec.ends.capacity(), 2048u);  // at most a boundary per byte of the limit
  EXPECT_LE(rec.data.capacity(), 4096u);
  ASSERT_TRUE(csv.next(rec));
  EXPECT_EQ(rec.problem, CsvReader::Record::Problem::kNone);
  EXPECT_EQ(rec.field(1), "y");
  EXPECT_FALSE(csv.next(rec));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace groundswell
