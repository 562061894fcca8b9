// The analysis columns saved beside the store: read back equal to the store's, rebuilt when
// the store's data changed, and never trusted when damaged.
#include "store/dataset_cache.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "eval/generate.h"
#include "ingest/ingest.h"
#include "store/store.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

class DatasetCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gs-columns-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = dir_ / "t.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Stores messages "first".."first+n-1" of two authors, with lists and text.
  void store_messages(int first, int n, std::string text = "words") {
    write("in", [&](MessageWriter& w, std::int64_t file) {
      for (int i = first; i < first + n; ++i) {
        MessageRecord m;
        m.platform = "telegram";
        m.chat_id = "chan";
        m.message_id = std::to_string(i);
        m.account_id = i % 2 ? "odd" : "even";
        m.time = 1'700'000'000'000 - i * 1000;  // stored in reverse time order
        m.text = text + " " + std::to_string(i);
        m.urls = {"https://example.org/" + std::to_string(i % 3)};
        m.hashtags = {"a", "b"};
        m.views = i;
        ASSERT_TRUE(w.put_message(m, file, static_cast<std::uint64_t>(i), 0).ok());
      }
    });
  }

  // One transaction of a writer over the file `name`: body(writer, file id) puts records,
  // then the commit, or none (as a killed ingest leaves it).
  template <typename Body>
  void write(const std::string& name, Body&& body, bool commit = true) {
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok());
    auto run = store->begin_run("ingest", "{}");
    ASSERT_TRUE(run.ok());
    MessageWriter w(*store, *run);
    ASSERT_TRUE(w.prepare().ok());
    auto file = w.begin_file(FileInfo{name + ".jsonl", "", 0, "canonical", name});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(w.begin_batch().ok());
    body(w, *file);
    if (commit) {
      ASSERT_TRUE(w.commit_batch().ok());
    }
  }

  Dataset load(bool text = true) {
    auto store = Store::open(db_);
    EXPECT_TRUE(store.ok());
    DatasetOptions o;
    o.load_text = text;
    auto d = load_dataset(*store, o);
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d.ok() ? std::move(d).value() : Dataset{};
  }
  Dataset load_without_cache(bool text = true) {
    auto store = Store::open(db_);
    EXPECT_TRUE(store.ok());
    DatasetOptions o;
    o.cache = false;
    o.load_text = text;
    auto d = load_dataset(*store, o);
    EXPECT_TRUE(d.ok());
    return d.ok() ? std::move(d).value() : Dataset{};
  }

  // Every column, row by row and item by item: a load from the file must be the load from
  // the store.
  static void expect_same(const Dataset& a, const Dataset& b) {
    ASSERT_EQ(a.accounts(), b.accounts());
    ASSERT_EQ(a.messages(), b.messages());
    const auto strings = [](const StringColumn& x, const StringColumn& y, const char* name) {
      ASSERT_EQ(x.size(), y.size()) << name;
      ASSERT_EQ(x.chars(), y.chars()) << name;
      for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(x[i], y[i]) << name << " row " << i;
    };
    const auto lists = [](const ListColumn& x, const ListColumn& y, const char* name) {
      ASSERT_EQ(x.size(), y.size()) << name;
      for (std::size_t i = 0; i < x.size(); ++i) {
        ASSERT_EQ(x.count(i), y.count(i)) << name << " row " << i;
        for (std::size_t k = 0; k < x.count(i); ++k)
          ASSERT_EQ(x.item(i, k), y.item(i, k)) << name << " row " << i;
      }
    };
    EXPECT_EQ(a.account_row, b.account_row);
    strings(a.account_platform, b.account_platform, "account_platform");
    strings(a.account_id, b.account_id, "account_id");
    strings(a.account_handle, b.account_handle, "account_handle");
    strings(a.account_display_name, b.account_display_name, "account_display_name");
    strings(a.account_description, b.account_description, "account_description");
    strings(a.account_kind, b.account_kind, "account_kind");
    EXPECT_EQ(a.account_created_at, b.account_created_at);
    EXPECT_EQ(a.account_followers, b.account_followers);
    EXPECT_EQ(a.account_following, b.account_following);
    EXPECT_EQ(a.msg_row, b.msg_row);
    EXPECT_EQ(a.msg_account, b.msg_account);
    EXPECT_EQ(a.msg_time, b.msg_time);
    EXPECT_EQ(a.msg_time_resolution_ms, b.msg_time_resolution_ms);
    strings(a.msg_platform, b.msg_platform, "msg_platform");
    strings(a.msg_chat_id, b.msg_chat_id, "msg_chat_id");
    strings(a.msg_message_id, b.msg_message_id, "msg_message_id");
    strings(a.msg_shares, b.msg_shares, "msg_shares");
    strings(a.msg_reply_to, b.msg_reply_to, "msg_reply_to");
    strings(a.msg_quotes, b.msg_quotes, "msg_quotes");
    strings(a.msg_media_key, b.msg_media_key, "msg_media_key");
    strings(a.msg_lang, b.msg_lang, "msg_lang");
    strings(a.msg_text, b.msg_text, "msg_text");
    lists(a.msg_urls, b.msg_urls, "msg_urls");
    lists(a.msg_hashtags, b.msg_hashtags, "msg_hashtags");
    lists(a.msg_mentions, b.msg_mentions, "msg_mentions");
    EXPECT_EQ(a.msg_views, b.msg_views);
    EXPECT_EQ(a.msg_forwards, b.msg_forwards);
    EXPECT_EQ(a.msg_replies, b.msg_replies);
    EXPECT_EQ(a.msg_reactions, b.msg_reactions);
    EXPECT_EQ(a.msg_likes, b.msg_likes);
    EXPECT_EQ(a.msg_retweets, b.msg_retweets);
  }
  // Loads with and without text, each from the store and then twice from the file, all equal.
  void expect_file_serves_the_store() {
    for (bool text : {true, false}) {
      fs::remove(dataset_cache_path(db_));
      const Dataset expected = load_without_cache(text);
      expect_same(expected, load(text));  // from the store, writes the file
      ASSERT_TRUE(fs::exists(dataset_cache_path(db_)));
      const auto written = fs::last_write_time(dataset_cache_path(db_));
      expect_same(expected, load(text));  // from the file
      expect_same(expected, load(text));
      EXPECT_EQ(fs::last_write_time(dataset_cache_path(db_)), written);
    }
  }

  // The key of the file beside the store, as its header holds it.
  DatasetCacheKey stored_key() {
    auto store = Store::open(db_);
    EXPECT_TRUE(store.ok());
    DatasetCacheKey key;
    Stmt q;
    EXPECT_TRUE(store->db()
                    .prepare("SELECT data_version, (SELECT max(id) FROM messages), "
                             "(SELECT max(id) FROM accounts), (SELECT count(*) FROM messages), "
                             "(SELECT count(*) FROM accounts) FROM store_state",
                             q)
                    .ok());
    EXPECT_EQ(q.step(), Stmt::kRow);
    key.data_version = std::string(q.column_text(0));
    key.max_message_id = q.column_int64(1);
    key.max_account_id = q.column_int64(2);
    key.message_rows = q.column_int64(3);
    key.account_rows = q.column_int64(4);
    key.schema_version = store->schema_version();
    return key;
  }
  // The generator's small data set ingested into the store, its posts collected into `columns`.
  void ingest_generated(IngestedMessages* columns) {
    if (!fs::exists(dir_ / "gen")) {
      GenerateOptions g;
      g.seed = 3;  // records of one message merged into another, and service events
      g.scale = "small";
      g.messages = messages_for_scale("small").value();
      g.out_dir = (dir_ / "gen").string();
      ASSERT_TRUE(generate_dataset(g).ok());
    }
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok());
    IngestOptions o;
    o.inputs = {(dir_ / "gen" / "data").string()};
    o.progress = false;
    o.columns = columns;
    ASSERT_TRUE(ingest(*store, o).ok());
  }
  Dataset load_ingested(IngestedMessages& ingested) {
    auto store = Store::open(db_);
    EXPECT_TRUE(store.ok());
    DatasetOptions o;
    o.ingested = &ingested;
    auto d = load_dataset(*store, o);
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d.ok() ? std::move(d).value() : Dataset{};
  }
  static void expect_same_text_keys(const Dataset& a, const Dataset& b) {
    EXPECT_EQ(a.msg_text_key, b.msg_text_key);
    EXPECT_EQ(a.msg_text_key_bytes, b.msg_text_key_bytes);
    EXPECT_EQ(a.msg_text_key_tokens, b.msg_text_key_tokens);
  }

  // Runs SQL on the store as another program would (no groundswell writer).
  void edit(const std::string& sql) {
    Db db;
    ASSERT_TRUE(db.open(db_.string()).ok());
    ASSERT_TRUE(db.exec(sql).ok()) << db.error();
  }

  fs::path db_;
  fs::path dir_;
};

TEST_F(DatasetCacheTest, ReadBackEqualToTheStore) {
  store_messages(0, 500);
  EXPECT_FALSE(fs::exists(dataset_cache_path(db_)));
  Dataset first = load();
  ASSERT_TRUE(fs::exists(dataset_cache_path(db_)));
  const auto written = fs::last_write_time(dataset_cache_path(db_));
  Dataset second = load();  // from the file
  EXPECT_EQ(fs::last_write_time(dataset_cache_path(db_)), written);
  expect_same(first, second);
  expect_same(load_without_cache(), second);
  EXPECT_EQ(second.messages(), 500u);
  EXPECT_EQ(second.msg_message_id[0], "499");  // time order
  Dataset no_text = load(false);
  EXPECT_EQ(no_text.messages(), 500u);
  EXPECT_EQ(no_text.msg_text[7], "");
}

// The store is read in id ranges, one connection per thread: any number of ranges gives
// the columns one connection reads.
TEST_F(DatasetCacheTest, ReadInRangesAsInOne) {
  store_messages(0, 700);
  store_messages(700, 301, "more words");  // a second ingest: ids continue
  Dataset one;
  tbb::task_arena(1).execute([&] { one = load_without_cache(); });
  ASSERT_EQ(one.messages(), 1001u);
  for (int ranges : {2, 3, 7}) {
    tbb::task_arena arena(ranges);  // its concurrency: the number of ranges
    Dataset many;
    arena.execute([&] { many = load_without_cache(); });
    expect_same(one, many);
    arena.execute([&] { many = load_without_cache(false); });
    EXPECT_EQ(many.messages(), 1001u);
    EXPECT_EQ(many.msg_text[3], "");
  }
}

TEST_F(DatasetCacheTest, NewDataIsSeen) {
  store_messages(0, 100);
  EXPECT_EQ(load().messages(), 100u);
  store_messages(100, 20);
  Dataset d = load();
  EXPECT_EQ(d.messages(), 120u);
  expect_same(load_without_cache(), d);
  // A merge changes no count: a duplicate with a language the stored record lacks.
  write("more", [&](MessageWriter& w, std::int64_t file) {
    MessageRecord m;
    m.platform = "telegram";
    m.chat_id = "chan";
    m.message_id = "5";
    m.account_id = "odd";
    m.time = 1'700'000'000'000 - 5000;
    m.text = "words 5";
    m.urls = {"https://example.org/2"};
    m.hashtags = {"a", "b"};
    m.views = 5000;
    auto outcome = w.put_message(m, file, 1, 0);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(*outcome, WriteOutcome::kConflict);
  });
  Dataset merged = load();
  expect_same(load_without_cache(), merged);
  EXPECT_NE(std::find(merged.msg_views.begin(), merged.msg_views.end(), 5000),
            merged.msg_views.end());
}

TEST_F(DatasetCacheTest, ADamagedFileIsNeverTrusted) {
  store_messages(0, 300);
  Dataset expected = load();
  const fs::path cache = dataset_cache_path(db_);
  const auto size = fs::file_size(cache);
  for (std::uintmax_t at : {std::uintmax_t{3}, size / 2, size - 3}) {
    {
      std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(at));
      char c = 0;
      f.read(&c, 1);
      f.seekp(static_cast<std::streamoff>(at));
      c = static_cast<char>(c ^ 0x5a);
      f.write(&c, 1);
    }
    const DatasetCacheKey key = stored_key();
    EXPECT_FALSE(read_dataset_cache(cache, key, true).ok());
    expect_same(expected, load());  // read from the store and the file written again
  }
  // Cut anywhere: in the header, in the columns, in a checksum, one byte short.
  for (std::uintmax_t cut :
       {std::uintmax_t{0}, std::uintmax_t{5}, std::uintmax_t{40}, size / 3, size - 8, size - 1}) {
    fs::resize_file(cache, cut);
    EXPECT_FALSE(read_dataset_cache(cache, stored_key(), true).ok());
    EXPECT_FALSE(read_dataset_cache(cache, stored_key(), false).ok());
    expect_same(expected, load());
    ASSERT_EQ(fs::file_size(cache), size);  // written again whole
  }
  // Not a file of ours at all.
  {
    std::ofstream f(cache, std::ios::binary | std::ios::trunc);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(i * 131 + 7));
  }
  expect_same(expected, load());
  // Longer than it should be: the bytes after the text are not the file's.
  {
    std::ofstream f(cache, std::ios::binary | std::ios::app);
    f.put('x');
  }
  EXPECT_FALSE(read_dataset_cache(cache, stored_key(), true).ok());
  expect_same(expected, load());
}

}  // namespace
}  // namespace groundswell

namespace groundswell {
namespace {

// Changes made to the store by other programs (the sqlite3 shell): an update, a delete and an
// insert each make the next load read the store, never the stale file.
TEST_F(DatasetCacheTest, ChangesByOtherProgramsAreSeen) {
  store_messages(0, 50);
  (void)load();
  edit("UPDATE messages SET views = 777777 WHERE message_id = '7'");
  Dataset updated = load();
  EXPECT_NE(std::find(updated.msg_views.begin(), updated.msg_views.end(), 777777),
            updated.msg_views.end());
  expect_same(load_without_cache(), updated);

  edit("UPDATE accounts SET handle = 'renamed' WHERE account_id = 'odd'");
  Dataset renamed = load();
  bool found = false;
  for (std::size_t i = 0; i < renamed.accounts(); ++i)
    found |= renamed.account_handle[i] == "renamed";
  EXPECT_TRUE(found);

  edit("DELETE FROM messages WHERE message_id = '3'");
  EXPECT_EQ(load().messages(), 49u);

  // An insert through SQL, with no groundswell writer to give a new data version.
  edit(
      "INSERT INTO messages(platform, dataset, chat_id, message_id, kind, digest, time_ms) "
      "VALUES('telegram', '', 'chan', 'by-hand', 0, 0, 1)");
  Dataset inserted = load();
  EXPECT_EQ(inserted.messages(), 50u);
  EXPECT_EQ(inserted.msg_message_id[0], "by-hand");  // the earliest
  expect_same(load_without_cache(), inserted);
}

// Reading the same records again (a re-run) stores nothing new: the saved columns stay valid
// and are not written again.
TEST_F(DatasetCacheTest, AReRunThatStoresNothingKeepsTheFile) {
  store_messages(0, 60);
  Dataset first = load();
  const auto written = fs::last_write_time(dataset_cache_path(db_));
  const DatasetCacheKey key = stored_key();
  store_messages(0, 60);
  EXPECT_TRUE(stored_key() == key);
  expect_same(first, load());
  EXPECT_EQ(fs::last_write_time(dataset_cache_path(db_)), written);
  store_messages(60, 1);  // one new message: a new version
  EXPECT_FALSE(stored_key() == key);
  EXPECT_EQ(load().messages(), 61u);
}

// A load without text writes a file without text, which serves later loads without text and
// is replaced by the first load that needs the text.
TEST_F(DatasetCacheTest, TextIsReadOnlyFromAFileThatHasIt) {
  store_messages(0, 40, "spoken");
  Dataset no_text = load(false);
  EXPECT_EQ(no_text.msg_text[0], "");
  const DatasetCacheKey key = stored_key();
  EXPECT_TRUE(read_dataset_cache(dataset_cache_path(db_), key, false).ok());
  EXPECT_FALSE(read_dataset_cache(dataset_cache_path(db_), key, true).ok());
  Dataset text = load(true);
  EXPECT_EQ(text.msg_text[0], "spoken 39");
  auto again = read_dataset_cache(dataset_cache_path(db_), key, true);
  ASSERT_TRUE(again.ok()) << again.status().message();
  expect_same(text, *again);
  EXPECT_EQ(load(false).msg_text[0], "");
}

// Without the text, every message's text key is there all the same: worked out from the text
// read from the store, or read from a file (the other ranks of a distributed run load so).
TEST_F(DatasetCacheTest, WithoutTheTextTheTextKeysStay) {
  store_messages(0, 40, "Spoken ويژه");
  const Dataset text = load_without_cache(true);
  ASSERT_EQ(text.msg_text_key.size(), 40u);
  EXPECT_NE(text.msg_text_key[0], text.msg_text_key[1]);
  EXPECT_GT(text.msg_text_key_bytes[0], 0u);
  const Dataset from_store = load_without_cache(false);
  const Dataset from_file = load(false);  // written by this load, read by the next
  const Dataset again = load(false);
  for (const Dataset* d : {&from_store, &from_file, &again}) {
    ASSERT_EQ(d->messages(), 40u);
    EXPECT_EQ(d->msg_text.size(), 40u);
    EXPECT_EQ(d->msg_text.chars(), 0u);
    EXPECT_LT(d->msg_text.capacity(), text.msg_text.chars());  // the text read is given back
    EXPECT_EQ(d->msg_text_key, text.msg_text_key);
    EXPECT_EQ(d->msg_text_key_bytes, text.msg_text_key_bytes);
    EXPECT_EQ(d->msg_text_key_tokens, text.msg_text_key_tokens);
  }
}

// A store opened read-only reads a matching file but never writes one.
TEST_F(DatasetCacheTest, ReadOnlyStoresWriteNothing) {
  store_messages(0, 10);
  {
    auto store = Store::open(db_, /*read_only=*/true);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(load_dataset(*store).ok());
  }
  EXPECT_FALSE(fs::exists(dataset_cache_path(db_)));
  Dataset written = load();
  auto store = Store::open(db_, /*read_only=*/true);
  ASSERT_TRUE(store.ok());
  auto d = load_dataset(*store);
  ASSERT_TRUE(d.ok());
  expect_same(written, *d);
}

// The corners of the data: empty strings and lists, messages without a time or an author,
// service events (not analysed), accounts known only from account records, absent counts,
// text and names beyond ASCII, and an empty store.
TEST_F(DatasetCacheTest, EdgeCasesReadBackIdentical) {
  write("edge", [](MessageWriter&, std::int64_t) {});
  expect_file_serves_the_store();  // nothing stored yet
  write("edge2", [&](MessageWriter& w, std::int64_t file) {
    std::uint64_t line = 0;
    const auto put = [&](const MessageRecord& m) {
      ASSERT_TRUE(w.put_message(m, file, ++line, 0).ok());
    };
    MessageRecord bare;  // only what identifies it: no time, no author, no text
    bare.platform = "twitter";
    bare.message_id = "bare";
    put(bare);
    MessageRecord uni;
    uni.platform = "telegram";
    uni.chat_id = "канал";
    uni.message_id = "1";
    uni.account_id = "канал";
    uni.account_handle = "канал_news";
    uni.display_name = "Новости 📰 نيوز";
    uni.time = 1'700'000'000'123;
    uni.time_resolution_ms = 1;
    uni.text = "Привет, мир! 👋🏽 مرحبا\u200f\n\ttab \"quoted\" \\ back";
    uni.lang = "ru";
    uni.urls = {"https://пример.рф/путь?q=1", ""};
    uni.hashtags = {"новости", "", "😀"};
    uni.mentions = {"@кто-то"};
    uni.views = 0;
    uni.forwards = 12;
    uni.reactions = -1;
    uni.likes = 1LL << 40;
    put(uni);
    MessageRecord share = uni;
    share.message_id = "2";
    share.text.clear();
    share.urls.clear();
    share.hashtags.clear();
    share.mentions.clear();
    share.shares = "telegram:канал/1";
    share.reply_to = "telegram:канал/0";
    share.quotes = "twitter:9";
    share.media_key = "photo:abc";
    share.time = uni.time;  // the same time: ordered by row
    share.views = kAbsent;
    put(share);
    MessageRecord event = uni;
    event.message_id = "3";
    event.kind = RecordKind::kEvent;
    event.text = "joined the channel";
    put(event);
    MessageRecord early = uni;
    early.message_id = "4";
    early.account_id = "author without a name";
    early.account_handle.clear();
    early.display_name.clear();
    early.time = -86'400'000;  // before 1970
    early.time_resolution_ms = 60'000;
    put(early);
    AccountRecord lurker;  // an account with no message
    lurker.platform = "telegram";
    lurker.account_id = "lurker";
    lurker.handle = "lurker";
    lurker.display_name = "";
    lurker.description = "reads, never writes ✓";
    lurker.created_at = 1'600'000'000'000;
    lurker.followers = 3;
    lurker.kind = AccountKind::kUser;
    ASSERT_TRUE(w.put_account(lurker).ok());
    AccountRecord named;  // account details for an author of messages
    named.platform = "telegram";
    named.account_id = "канал";
    named.kind = AccountKind::kChannel;
    named.following = 0;
    ASSERT_TRUE(w.put_account(named).ok());
  });
  expect_file_serves_the_store();
  const Dataset d = load();
  EXPECT_EQ(d.messages(), 4u);  // the event is not analysed
  EXPECT_GE(d.accounts(), 3u);
  EXPECT_EQ(d.msg_message_id[0], "4");
  EXPECT_EQ(d.msg_message_id[3], "bare");  // no time: last
  EXPECT_EQ(d.msg_account[3], kNoAccount);
  EXPECT_EQ(d.msg_text[1],
            "Привет, мир! 👋🏽 مرحبا\u200f\n\ttab \"quoted\" \\ back");
  ASSERT_EQ(d.msg_hashtags.count(1), 3u);
  EXPECT_EQ(d.msg_hashtags.item(1, 2), "😀");
}

// The generator's small data set through the real ingest: every column of every row.
TEST_F(DatasetCacheTest, GeneratedDataReadsBackIdentical) {
  GenerateOptions g;
  g.seed = 1;
  g.scale = "small";
  g.messages = messages_for_scale("small").value();
  g.out_dir = (dir_ / "gen").string();
  ASSERT_TRUE(generate_dataset(g).ok());
  {
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok());
    IngestOptions o;
    o.inputs = {(dir_ / "gen" / "data").string()};
    o.progress = false;
    ASSERT_TRUE(ingest(*store, o).ok());
  }
  expect_file_serves_the_store();
  EXPECT_GT(load().messages(), 1000u);
}

// `run` loads right after its ingest: the columns built from the posts the ingest collected
// are those read from the store, the rows merged into and the service events included, and
// the file the load writes serves the next load.
TEST_F(DatasetCacheTest, IngestedPostsGiveTheStoresColumns) {
  IngestedMessages ingested;
  ingest_generated(&ingested);
  EXPECT_FALSE(ingested.abandoned());
  const Dataset built = load_ingested(ingested);
  const Dataset expected = load_without_cache();
  EXPECT_GT(expected.messages(), 1000u);
  expect_same(expected, built);
  expect_same_text_keys(expected, built);
  ASSERT_TRUE(fs::exists(dataset_cache_path(db_)));
  expect_same(expected, load());  // from the file
  expect_same_text_keys(expected, load());
}

// They are not read back: a change to the stored texts that leaves the data version as it was
// (its trigger dropped, as only another program would) is in the columns built from them only
// for the rows merged into (196 of the 3,942 posts), which are read again.
TEST_F(DatasetCacheTest, IngestedPostsAreNotReadBack) {
  IngestedMessages ingested;
  ingest_generated(&ingested);
  const Dataset stored = load_without_cache();
  edit("DROP TRIGGER messages_updated; UPDATE messages SET text = 'read back' WHERE kind = 0");
  const Dataset built = load_ingested(ingested);
  ASSERT_EQ(built.messages(), stored.messages());
  std::size_t read_back = 0;
  for (std::size_t m = 0; m < built.messages(); ++m) {
    if (built.msg_text[m] == "read back") {
      ++read_back;
    } else {
      ASSERT_EQ(built.msg_text[m], stored.msg_text[m]) << m;
    }
  }
  EXPECT_GT(read_back, 0u);
  EXPECT_LT(read_back, built.messages() / 10);
  EXPECT_EQ(load_without_cache().msg_text[0], "read back");
}

// Another writer after the ingest, or an ingest into a store that holds messages: the load
// reads the store.
TEST_F(DatasetCacheTest, IngestedPostsYieldToTheStore) {
  IngestedMessages ingested;
  ingest_generated(&ingested);
  store_messages(0, 5);
  const Dataset built = load_ingested(ingested);
  expect_same(load_without_cache(), built);
  IngestedMessages again;
  ingest_generated(&again);
  EXPECT_TRUE(again.abandoned());
  expect_same(load_without_cache(), load_ingested(again));
}

// The corners through a writer's bulk load with no text keys given (they are worked out when
// the columns are built): no time, no author, lists with empty items, a merge that fills in
// what the stored row lacked, a service event, a time before 1970.
TEST_F(DatasetCacheTest, IngestedCornersGiveTheStoresColumns) {
  IngestedMessages ingested;
  {
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok());
    auto run = store->begin_run("ingest", "{}");
    ASSERT_TRUE(run.ok());
    MessageWriter w(*store, *run);
    ASSERT_TRUE(w.prepare().ok());
    auto bulk = w.begin_bulk_load();
    ASSERT_TRUE(bulk.ok() && *bulk);
    w.collect(&ingested);
    auto file = w.begin_file(FileInfo{"corners.jsonl", "", 0, "canonical", "corners"});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(w.begin_batch().ok());
    std::uint64_t line = 0;
    const auto put = [&](const MessageRecord& m) {
      ASSERT_TRUE(w.put_message(m, *file, ++line, 0).ok());
    };
    MessageRecord bare;
    bare.platform = "twitter";
    bare.message_id = "bare";
    put(bare);
    MessageRecord uni;
    uni.platform = "telegram";
    uni.chat_id = "канал";
    uni.message_id = "1";
    uni.account_id = "канал";
    uni.time = 1'700'000'000'123;
    uni.time_resolution_ms = 1;
    uni.text = "Привет, мир! 👋🏽 #новости";
    uni.urls = {"https://пример.рф/путь?q=1", ""};
    uni.hashtags = {"новости", "", "😀", "tab\tquote\" back\\ \x01 \x7f"};
    uni.reactions = -1;
    put(uni);
    MessageRecord later = uni;  // the same message seen again: a merge
    later.lang = "ru";
    later.views = 40;
    later.mentions = {"@кто-то"};
    put(later);
    MessageRecord event = uni;
    event.message_id = "2";
    event.kind = RecordKind::kEvent;
    put(event);
    MessageRecord early = uni;
    early.message_id = "3";
    early.account_id = "another";
    early.time = -86'400'000;
    early.time_resolution_ms = 60'000;
    early.mentions = {"not \xff UTF-8"};  // a list whose stored JSON a load cannot parse
    put(early);
    ASSERT_TRUE(w.commit_batch().ok());
    ASSERT_TRUE(w.finish_bulk_load().ok());
    Stmt s;
    ASSERT_TRUE(store->db().prepare("SELECT data_version FROM store_state", s).ok());
    ASSERT_EQ(s.step(), Stmt::kRow);
    ingested.seal(std::string(s.column_text(0)));
  }
  const Dataset built = load_ingested(ingested);
  const Dataset expected = load_without_cache();
  ASSERT_EQ(expected.messages(), 3u);
  EXPECT_EQ(expected.msg_views[1], 40);  // the merge is in the store
  EXPECT_EQ(expected.msg_hashtags.count(0), 4u);
  EXPECT_EQ(expected.msg_mentions.count(0), 0u);
  expect_same(expected, built);
  expect_same_text_keys(expected, built);
}

// A writer killed before its commit (as by a kill of the ingest) stores nothing: the data
// version and the file stay valid, and the next load reads what is stored, from the file.
TEST_F(DatasetCacheTest, AWriteThatNeverCommitsKeepsTheFile) {
  store_messages(0, 30);
  const Dataset before = load();
  const DatasetCacheKey key = stored_key();
  write(
      "lost",
      [](MessageWriter& w, std::int64_t file) {
        MessageRecord m;
        m.platform = "telegram";
        m.chat_id = "chan";
        m.message_id = "never stored";
        m.account_id = "someone new";
        m.time = 1;
        ASSERT_TRUE(w.put_message(m, file, 1, 0).ok());
      },
      /*commit=*/false);  // the writer destroyed without commit_batch(): rolled back
  EXPECT_TRUE(stored_key() == key);
  expect_same(before, load());
  expect_same(load_without_cache(), load());
  EXPECT_EQ(load().messages(), 30u);
}

// A file written for other data (another store's, or this store's at another schema
// version) is never read for this one.
TEST_F(DatasetCacheTest, AFileOfOtherDataIsIgnored) {
  store_messages(0, 25);
  const Dataset ours = load();
  const fs::path other_db = dir_ / "other.db";
  {
    const fs::path mine = db_;
    db_ = other_db;
    store_messages(100, 7, "other");
    EXPECT_EQ(load().messages(), 7u);
    db_ = mine;
  }
  fs::copy_file(dataset_cache_path(other_db), dataset_cache_path(db_),
                fs::copy_options::overwrite_existing);
  expect_same(ours, load());
  DatasetCacheKey key = stored_key();
  key.schema_version += 1;
  ASSERT_TRUE(write_dataset_cache(dataset_cache_path(db_), key, Dataset{}, true).ok());
  expect_same(ours, load());
}

// Rows put by hand into the gap a deleted row left, with the deleted row's id: the largest id
// stays, the data version stays, the count of rows tells.
TEST_F(DatasetCacheTest, RowsInsertedByHandWithOldIdsAreSeen) {
  store_messages(0, 20);
  edit("DELETE FROM messages WHERE id = 3");
  EXPECT_EQ(load().messages(), 19u);  // writes the file
  edit(
      "INSERT INTO messages(id, platform, dataset, chat_id, message_id, kind, digest, time_ms) "
      "VALUES(3, 'telegram', '', 'chan', 'back', 0, 0, 5)");
  const Dataset d = load();
  EXPECT_EQ(d.messages(), 20u);
  expect_same(load_without_cache(), d);
}

// Each message's author is found among the accounts whatever their ids: ids below zero and far
// apart put in by hand, and an author deleted since (no account).
TEST_F(DatasetCacheTest, AuthorsAreFoundWhateverTheAccountIds) {
  store_messages(0, 12);
  edit(
      "INSERT INTO accounts(id, platform, account_id) VALUES (-7, 'telegram', 'below'), "
      "(1000000, 'telegram', 'far'), (50, 'telegram', 'gone'); "
      "UPDATE messages SET account = -7 WHERE message_id = '2'; "
      "UPDATE messages SET account = 1000000 WHERE message_id = '5'; "
      "UPDATE messages SET account = 50 WHERE message_id = '7'; "
      "DELETE FROM accounts WHERE id = 50");
  for (const Dataset& d : {load_without_cache(), load(), load()}) {
    ASSERT_EQ(d.accounts(), 4u);  // below, the two authors, far
    ASSERT_EQ(d.messages(), 12u);
    for (std::size_t i = 0; i < d.messages(); ++i) {
      const std::string id(d.msg_message_id[i]);
      if (id == "7") {
        EXPECT_EQ(d.msg_account[i], kNoAccount);
        continue;
      }
      ASSERT_NE(d.msg_account[i], kNoAccount) << id;
      const std::string author = id == "2"                ? "below"
                                 : id == "5"              ? "far"
                                 : std::stoi(id) % 2 != 0 ? "odd"
                                                          : "even";
      EXPECT_EQ(d.account_id[d.msg_account[i]], author) << id;
    }
  }
}

// A file that cannot be written (here a folder is in its place) costs the load nothing but a
// warning, given once however many loads follow.
TEST_F(DatasetCacheTest, AFileThatCannotBeWrittenWarnsOnce) {
  store_messages(0, 15);
  fs::create_directories(dataset_cache_path(db_) / "in the way");
  ::testing::internal::CaptureStderr();
  const Dataset first = load();
  const Dataset second = load();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(first.messages(), 15u);
  expect_same(first, second);
  expect_same(load_without_cache(), second);
  const std::string warning = "analysis columns not saved";
  const auto at = err.find(warning);
  EXPECT_NE(at, std::string::npos) << err;
  EXPECT_EQ(err.find(warning, at + 1), std::string::npos) << err;
}

// Columns set aside while detection runs come back exactly, group by group, even when the file
// is replaced meanwhile (the open file is read), and are never taken from a file that does not
// hold the columns in memory.
TEST_F(DatasetCacheTest, ColumnsSetAsideComeBackWhole) {
  store_messages(0, 120, "spoken");
  const Dataset expected = load();
  Dataset d = load();
  {
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok());
    auto aside = columns_aside(*store, d);
    ASSERT_TRUE(aside.ok()) << aside.status().message();
    aside->take(d, ColumnGroup::kOutsideDetection);
    EXPECT_TRUE(aside->aside(ColumnGroup::kOutsideDetection));
    EXPECT_FALSE(aside->aside(ColumnGroup::kText));
    EXPECT_EQ(d.msg_views.size(), 0u);
    EXPECT_EQ(d.msg_lang.size(), 0u);
    EXPECT_EQ(d.account_followers.size(), 0u);
    EXPECT_EQ(d.msg_text.size(), 120u);    // another group's columns stay
    EXPECT_EQ(d.msg_shares.size(), 120u);  // and those of no group
    // What the near-duplicate search does not read, beside what it does: the objects of
    // the actions first, then the messages' keys.
    aside->take(d, ColumnGroup::kObjects);
    EXPECT_TRUE(aside->aside(ColumnGroup::kObjects));
    EXPECT_FALSE(aside->aside(ColumnGroup::kMessageKeys));
    for (const StringColumn* c : {&d.msg_reply_to, &d.msg_media_key}) EXPECT_EQ(c->size(), 0u);
    for (const ListColumn* c : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions})
      EXPECT_EQ(c->size(), 0u);
    EXPECT_EQ(d.msg_message_id.size(), 120u);
    aside->take(d, ColumnGroup::kMessageKeys);
    EXPECT_TRUE(aside->aside(ColumnGroup::kMessageKeys));
    for (const StringColumn* c : {&d.msg_platform, &d.msg_chat_id, &d.msg_message_id})
      EXPECT_EQ(c->size(), 0u);
    EXPECT_EQ(d.messages(), 120u);
    EXPECT_EQ(d.msg_time.size(), 120u);
    EXPECT_EQ(d.msg_account.size(), 120u);
    EXPECT_EQ(d.msg_shares.size(), 120u);
    EXPECT_EQ(d.msg_text.size(), 120u);
    ASSERT_TRUE(aside->restore(d, ColumnGroup::kMessageKeys).ok());
    EXPECT_FALSE(aside->aside(ColumnGroup::kMessageKeys));
    EXPECT_TRUE(aside->aside(ColumnGroup::kObjects));
    EXPECT_EQ(d.msg_message_id.size(), 120u);
    EXPECT_EQ(d.msg_hashtags.size(), 0u);
    ASSERT_TRUE(aside->restore(d, ColumnGroup::kObjects).ok());
    EXPECT_FALSE(aside->aside(ColumnGroup::kObjects));
    EXPECT_EQ(d.msg_hashtags.size(), 120u);
    EXPECT_EQ(d.msg_media_key.size(), 120u);
    EXPECT_GT(d.msg_text.capacity(), 1000u);
    aside->take(d, ColumnGroup::kText);
    EXPECT_EQ(d.msg_text.size(), 0u);
    EXPECT_EQ(d.msg_text.bytes(), 0u);
    // Freed, not only emptied: no characters stay allocated (at most a short string's room).
    EXPECT_LT(d.msg_text.capacity(), 16u);
    // Another process stores more and writes the file again.
    store_messages(500, 30, "other");
    EXPECT_EQ(load().messages(), 150u);
    ASSERT_TRUE(aside->restore(d, ColumnGroup::kText).ok());
    EXPECT_FALSE(aside->aside(ColumnGroup::kText));
    EXPECT_EQ(d.msg_text.size(), 120u);
    EXPECT_EQ(d.msg_views.size(), 0u);
    ASSERT_TRUE(aside->restore(d, ColumnGroup::kOutsideDetection).ok());
    expect_same(expected, d);
    ASSERT_TRUE(aside->restore(d, ColumnGroup::kText).ok());  // a second time reads it again
    expect_same(expected, d);
  }
  // Now the file holds other data than d: nothing can be set aside.
  auto store = Store::open(db_);
  ASSERT_TRUE(store.ok());
  auto refused = columns_aside(*store, d);
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound) << refused.status().message();
  expect_same(expected, d);
  // A file written without text has none to give back.
  Dataset current = load_without_cache(false);
  ASSERT_TRUE(write_dataset_cache(dataset_cache_path(db_), stored_key(), current, false).ok());
  EXPECT_FALSE(columns_aside(*store, current).ok());
  EXPECT_EQ(current.msg_text.size(), 150u);
}

// A column damaged in the file after it was set aside is refused, not given back altered: its
// whole group stays out of memory, while another group comes back.
TEST_F(DatasetCacheTest, DamagedColumnsSetAsideAreRefused) {
  store_messages(0, 60, "spoken");
  Dataset d = load();
  const std::uint64_t text_chars = d.msg_text.chars();
  const fs::path cache = dataset_cache_path(db_);
  auto store = Store::open(db_);
  ASSERT_TRUE(store.ok());
  auto aside = columns_aside(*store, d);
  ASSERT_TRUE(aside.ok()) << aside.status().message();
  aside->take(d, ColumnGroup::kText);
  aside->take(d, ColumnGroup::kOutsideDetection);
  const auto damage = [&](std::uint64_t at) {
    std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at));
    const char c = static_cast<char>(f.peek());
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x5a));
  };
  // msg_retweets, the last count column, holds 60 absent counts: its count, width 0 and the
  // value once. No column after it (the text keys, the text) holds that run of bytes.
  std::ifstream in(cache, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string run(17, '\0');
  const std::uint64_t count = 60, absent = static_cast<std::uint64_t>(kAbsent);
  std::memcpy(run.data(), &count, 8);
  std::memcpy(run.data() + 9, &absent, 8);
  const std::size_t last_retweets = file.rfind(run);
  ASSERT_NE(last_retweets, std::string::npos);
  damage(last_retweets + 16);
  const Status back = aside->restore(d, ColumnGroup::kOutsideDetection);
  EXPECT_EQ(back.code(), StatusCode::kInvalidArgument) << back.message();
  EXPECT_EQ(d.msg_retweets.size(), 0u);
  EXPECT_EQ(d.msg_views.size(), 0u);  // undamaged, but its group stays out as a whole
  EXPECT_TRUE(aside->aside(ColumnGroup::kOutsideDetection));
  ASSERT_TRUE(aside->restore(d, ColumnGroup::kText).ok());
  EXPECT_EQ(d.msg_text.chars(), text_chars);
  // The file ends with the text's offsets (61 of two bytes each: the 60 texts hold 530
  // bytes; then no steps: 17 bytes) and the checksum.
  damage(fs::file_size(cache) - 8 - 17 - 3);
  EXPECT_EQ(aside->restore(d, ColumnGroup::kText).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.msg_text.chars(), text_chars);  // a failed read leaves the column as it was
}

// The file holds each vector in the fewest bytes its values' spread needs (none when they are
// all equal): values of every spread, below zero too and across chunk boundaries, read back
// exactly, and the columns a narrow CSV leaves empty or constant cost no bytes a row.
TEST(DatasetCacheFile, VectorsOfEveryWidthReadBackExactly) {
  const fs::path dir = fs::temp_directory_path() / ("gs-widths-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "gs.db.columns";
  constexpr std::size_t kMessages = 70'000;
  Dataset d;
  for (std::int64_t a = 0; a < 3; ++a) {
    d.account_row.push_back(a + 1);
    for (auto* c : {&d.account_platform, &d.account_id, &d.account_handle, &d.account_display_name,
                    &d.account_description, &d.account_kind})
      c->push_back(a == 1 ? "x" : "");
    d.account_created_at.push_back(a == 2 ? kNoTime : 1'600'000'000'000);
    d.account_followers.push_back(kAbsent);
    d.account_following.push_back(std::int64_t{1} << 40);
  }
  for (std::size_t i = 0; i < kMessages; ++i) {
    const auto k = static_cast<std::int64_t>(i);
    d.msg_row.push_back(k + 1);                                // 4 bytes
    d.msg_account.push_back(i % 5 == 4 ? kNoAccount : i % 3);  // whole
    d.msg_time.push_back(-86'400'000 + k * 1000);              // 4 bytes from below zero
    d.msg_time_resolution_ms.push_back(1000);                  // once
    for (auto* c : {&d.msg_platform, &d.msg_chat_id, &d.msg_message_id, &d.msg_shares,
                    &d.msg_reply_to, &d.msg_quotes, &d.msg_media_key, &d.msg_lang})
      c->push_back(c == &d.msg_message_id ? std::to_string(i) : "");
    d.msg_text.push_back(i % 7 == 0 ? "" : "t" + std::to_string(i));
    for (auto* l : {&d.msg_urls, &d.msg_hashtags, &d.msg_mentions}) {
      l->begin_row();
      if (l == &d.msg_hashtags && i % 2 == 0) l->add("h");
      l->end_row();
    }
    d.msg_views.push_back(kAbsent);                        // once
    d.msg_forwards.push_back(-5 + k % 200);                // 1 byte from below zero
    d.msg_replies.push_back(k % 60'000 - 30'000);          // 2 bytes
    d.msg_reactions.push_back(k * 70'000);                 // 4 bytes
    d.msg_likes.push_back(k % 2 ? INT64_MIN : INT64_MAX);  // whole
    d.msg_retweets.push_back(k == 69'999 ? 1 : 0);         // 1 byte, the last differs
    d.msg_text_key.push_back(static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15u);
    d.msg_text_key_bytes.push_back(static_cast<std::uint16_t>(i % 65'536));
    d.msg_text_key_tokens.push_back(static_cast<std::uint16_t>(100 + i % 3));
  }
  DatasetCacheKey key;
  key.data_version = "widths";
  key.schema_version = 8;
  key.max_message_id = key.message_rows = static_cast<std::int64_t>(kMessages);
  key.max_account_id = key.account_rows = 3;
  ASSERT_TRUE(write_dataset_cache(path, key, d, true).ok());
  auto back = read_dataset_cache(path, key, true);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->account_followers, d.account_followers);
  EXPECT_EQ(back->account_following, d.account_following);
  EXPECT_EQ(back->account_created_at, d.account_created_at);
  EXPECT_EQ(back->msg_row, d.msg_row);
  EXPECT_EQ(back->msg_account, d.msg_account);
  EXPECT_EQ(back->msg_time, d.msg_time);
  EXPECT_EQ(back->msg_time_resolution_ms, d.msg_time_resolution_ms);
  for (auto v : {&Dataset::msg_views, &Dataset::msg_forwards, &Dataset::msg_replies,
                 &Dataset::msg_reactions, &Dataset::msg_likes, &Dataset::msg_retweets})
    EXPECT_EQ((*back).*v, d.*v);
  EXPECT_EQ(back->msg_text_key, d.msg_text_key);
  EXPECT_EQ(back->msg_text_key_bytes, d.msg_text_key_bytes);
  EXPECT_EQ(back->msg_text_key_tokens, d.msg_text_key_tokens);
  for (std::size_t i = 0; i < kMessages; i += 997) {
    EXPECT_EQ(back->msg_text[i], d.msg_text[i]) << i;
    EXPECT_EQ(back->msg_message_id[i], d.msg_message_id[i]) << i;
    EXPECT_EQ(back->msg_hashtags.count(i), d.msg_hashtags.count(i)) << i;
  }
  EXPECT_EQ(back->account_display_name[1], "x");
  // Narrowed as noted above, the message vectors, offsets and row starts take 52 bytes a
  // message and the strings 12 (64 in all, where whole they would take 146): the constant
  // columns and the empty strings' offsets take none.
  EXPECT_LT(fs::file_size(path), 70 * kMessages);
  fs::remove_all(dir);
}

// Offsets are kept in 4 bytes each with the positions where their high bits step up: a column
// past 4 GiB (a month of long posts) reads back every offset whole.
TEST(Offsets, KeepEveryOffsetPastFourGiB) {
  constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
  const std::vector<std::uint64_t> values = {0,
                                             7,
                                             4 * kGiB - 1,
                                             4 * kGiB,
                                             4 * kGiB,
                                             5 * kGiB,
                                             13 * kGiB + 3,
                                             13 * kGiB + 3,
                                             16 * kGiB,
                                             40 * kGiB + 9};
  Offsets o;
  for (std::uint64_t v : values) o.push_back(v);
  ASSERT_EQ(o.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(o[i], values[i]) << i;
  // Below 4 GiB nothing but the low words is held.
  Offsets small;
  for (std::uint64_t v : {0, 3, 3, 90}) small.push_back(v);
  EXPECT_EQ(small.bytes(), 4 * sizeof(std::uint32_t));
}

// Permuting a column puts row order[i] at row i, bytes and lengths whole (empty rows, rows
// repeated or left out), over more rows than one task copies.
TEST(StringColumn, PermuteTakesEachRowFromItsPlace) {
  StringColumn c;
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < 10000; ++i) {
    rows.push_back(i % 7 == 0 ? "" : std::to_string(i * i) + std::string(i % 13, 'x'));
    c.push_back(rows.back());
  }
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < 10000; ++i) order.push_back((i * 7919 + 3) % 10000);
  order.push_back(5);  // a row twice
  c.permute(order);
  ASSERT_EQ(c.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(c[i], rows[order[i]]) << i;
  c.permute(std::vector<std::uint32_t>{2, 0});  // fewer rows than held
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], rows[order[2]]);
  EXPECT_EQ(c[1], rows[order[0]]);
}

}  // namespace
}  // namespace groundswell
