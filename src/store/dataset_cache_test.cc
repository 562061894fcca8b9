// The analysis columns saved beside the store: read back equal to the store's, rebuilt when
// the store's data changed, and never trusted when damaged.
#include "store/dataset_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

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
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok());
    auto run = store->begin_run("ingest", "{}");
    ASSERT_TRUE(run.ok());
    MessageWriter w(*store, *run);
    ASSERT_TRUE(w.prepare().ok());
    auto file = w.begin_file(FileInfo{"in.jsonl", "", 0, "canonical", "in"});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(w.begin_batch().ok());
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
      ASSERT_TRUE(w.put_message(m, *file, static_cast<std::uint64_t>(i), 0).ok());
    }
    ASSERT_TRUE(w.commit_batch().ok());
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
  Dataset load_without_cache() {
    auto store = Store::open(db_);
    EXPECT_TRUE(store.ok());
    DatasetOptions o;
    o.cache = false;
    auto d = load_dataset(*store, o);
    EXPECT_TRUE(d.ok());
    return d.ok() ? std::move(d).value() : Dataset{};
  }

  static void expect_same(const Dataset& a, const Dataset& b) {
    ASSERT_EQ(a.accounts(), b.accounts());
    ASSERT_EQ(a.messages(), b.messages());
    EXPECT_EQ(a.account_row, b.account_row);
    for (std::size_t i = 0; i < a.accounts(); ++i) {
      EXPECT_EQ(a.account_id[i], b.account_id[i]);
      EXPECT_EQ(a.account_platform[i], b.account_platform[i]);
    }
    EXPECT_EQ(a.msg_row, b.msg_row);
    EXPECT_EQ(a.msg_account, b.msg_account);
    EXPECT_EQ(a.msg_time, b.msg_time);
    EXPECT_EQ(a.msg_views, b.msg_views);
    for (std::size_t i = 0; i < a.messages(); ++i) {
      EXPECT_EQ(a.msg_message_id[i], b.msg_message_id[i]);
      EXPECT_EQ(a.msg_text[i], b.msg_text[i]);
      ASSERT_EQ(a.msg_urls.count(i), b.msg_urls.count(i));
      for (std::size_t k = 0; k < a.msg_urls.count(i); ++k)
        EXPECT_EQ(a.msg_urls.item(i, k), b.msg_urls.item(i, k));
      ASSERT_EQ(a.msg_hashtags.count(i), b.msg_hashtags.count(i));
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
                             "(SELECT max(id) FROM accounts) FROM store_state",
                             q)
                    .ok());
    EXPECT_EQ(q.step(), Stmt::kRow);
    key.data_version = std::string(q.column_text(0));
    key.max_message_id = q.column_int64(1);
    key.max_account_id = q.column_int64(2);
    key.schema_version = store->schema_version();
    return key;
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

TEST_F(DatasetCacheTest, NewDataIsSeen) {
  store_messages(0, 100);
  EXPECT_EQ(load().messages(), 100u);
  store_messages(100, 20);
  Dataset d = load();
  EXPECT_EQ(d.messages(), 120u);
  expect_same(load_without_cache(), d);
  // A merge changes no count: a duplicate with a language the stored record lacks.
  {
    auto store = Store::open(db_);
    ASSERT_TRUE(store.ok());
    auto run = store->begin_run("ingest", "{}");
    ASSERT_TRUE(run.ok());
    MessageWriter w(*store, *run);
    ASSERT_TRUE(w.prepare().ok());
    auto file = w.begin_file(FileInfo{"more.jsonl", "", 0, "canonical", "more"});
    ASSERT_TRUE(file.ok() && w.begin_batch().ok());
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
    auto outcome = w.put_message(m, *file, 1, 0);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(*outcome, WriteOutcome::kConflict);
    ASSERT_TRUE(w.commit_batch().ok());
  }
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
  fs::resize_file(cache, size / 3);
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

}  // namespace
}  // namespace groundswell
