// The writer's bulk load into an empty store: keys de-duplicated in memory with the indexes
// left to the next writer, which builds them (also after a killed load), and a second writer
// that makes the first leave bulk loading so that no key is stored twice.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/key_tables.h"
#include "store/schema.h"
#include "store/store.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

template <typename T>
T ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : T{};
}

TEST(AccountTable, AccountsWithTheSameHashStayApart) {
  AccountTable t;
  t.add(42, "twitter", "alice", AccountTable::Entry{1, true, false});
  t.add(42, "twitter", "bob", AccountTable::Entry{2, false, false});
  t.add(42, "telegram", "alice", AccountTable::Entry{3, false, true});
  // The same low bits (the same first slot), other high bits.
  const std::uint64_t high = (std::uint64_t{1} << 40) | 42;
  t.add(high, "twitter", "dave", AccountTable::Entry{4, false, false});
  for (int i = 0; i < 5000; ++i)  // grow the table across several resizes
    t.add(static_cast<std::uint64_t>(i) * 7919, "x", std::to_string(i),
          AccountTable::Entry{100 + i, false, false});
  ASSERT_NE(t.find(42, "twitter", "alice"), nullptr);
  EXPECT_EQ(t.find(42, "twitter", "alice")->id, 1);
  EXPECT_EQ(t.find(42, "twitter", "bob")->id, 2);
  EXPECT_EQ(t.find(42, "telegram", "alice")->id, 3);
  EXPECT_EQ(t.find(42, "twitter", "carol"), nullptr);
  EXPECT_EQ(t.find(43, "twitter", "alice"), nullptr);
  EXPECT_EQ(t.find(4999ull * 7919, "x", "4999")->id, 5099);
  ASSERT_NE(t.find(high, "twitter", "dave"), nullptr);
  EXPECT_EQ(t.find(high, "twitter", "dave")->id, 4);
  EXPECT_EQ(t.find(high, "twitter", "alice"), nullptr);
  EXPECT_EQ(t.find(42, "twitter", "dave"), nullptr);
  EXPECT_EQ(t.size(), 5004u);
}

TEST(RowsByHash, EveryRowUnderAHashIsVisited) {
  RowsByHash rows;
  for (std::int64_t r = 1; r <= 2000; ++r) rows.add(static_cast<std::uint64_t>(r % 97), r);
  int visited = 0;
  EXPECT_EQ(rows.find(5,
                      [&](std::int64_t r) {
                        ++visited;
                        return r == 1945;
                      }),
            1945);
  EXPECT_GT(visited, 1);
  std::int64_t count = 0;
  EXPECT_EQ(rows.find(5,
                      [&](std::int64_t r) {
                        count += r % 97 == 5;
                        return false;
                      }),
            -1);
  EXPECT_EQ(count, 2000 / 97 + (2000 % 97 >= 5 ? 1 : 0));
  EXPECT_EQ(rows.find(1000, [](std::int64_t) { return true; }), -1);
}

class BulkLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gs-bulk-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static MessageRecord msg(std::string id, std::string author, std::string text) {
    MessageRecord m;
    m.platform = "generic";
    m.chat_id = "c";
    m.message_id = std::move(id);
    m.account_id = std::move(author);
    m.time = 1000;
    m.text = std::move(text);
    return m;
  }
  static std::int64_t count(Store& s, const std::string& sql) {
    auto v = s.db().query_int64(sql);
    EXPECT_TRUE(v.ok());
    return v ? *v : -1;
  }
  static std::int64_t key_indexes(Store& s) {
    return count(s,
                 "SELECT count(*) FROM sqlite_schema WHERE name IN ('messages_key', "
                 "'accounts_key')");
  }
  static std::int64_t begin(MessageWriter& w, const std::string& path = "in.csv") {
    EXPECT_TRUE(w.prepare().ok());
    auto file = w.begin_file(FileInfo{path, "", 0, "canonical", "in"});
    EXPECT_TRUE(file.ok());
    return file ? *file : -1;
  }
  // A writer of a new run, its file begun (`file`), bulk loading.
  static std::unique_ptr<MessageWriter> bulk_writer(Store& s, std::int64_t& file) {
    auto run = s.begin_run("ingest", "{}");
    EXPECT_TRUE(run.ok());
    auto w = std::make_unique<MessageWriter>(s, run ? *run : 0);
    file = begin(*w);
    auto bulk = w->begin_bulk_load();
    EXPECT_TRUE(bulk.ok() && *bulk);
    return w;
  }

  fs::path dir_;
};

// A migration that adds an index to `messages` or `accounts` must list it in
// bulk_load_indexes(), or a bulk load would leave it dropped. Neither table has an index
// SQLite makes for a constraint (a bulk load could not drop it).
TEST_F(BulkLoadTest, EveryIndexOfMessagesAndAccountsIsOneABulkLoadRestores) {
  auto store = Store::open(dir_ / "t.db");
  ASSERT_TRUE(store.ok());
  Stmt s;
  ASSERT_TRUE(store->db()
                  .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND "
                           "tbl_name IN ('messages', 'accounts') ORDER BY name",
                           s)
                  .ok());
  std::vector<std::string> in_schema, listed;
  while (s.step() == Stmt::kRow) in_schema.emplace_back(s.column_text(0));
  for (const IndexSql& index : bulk_load_indexes()) listed.emplace_back(index.name);
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(in_schema, listed);
}

TEST_F(BulkLoadTest, DuplicatesAndConflictsAreFoundWithoutTheIndex) {
  auto store = Store::open(dir_ / "t.db");
  ASSERT_TRUE(store.ok());
  std::int64_t file = 0;
  auto writer = bulk_writer(*store, file);
  MessageWriter& w = *writer;
  EXPECT_EQ(key_indexes(*store), 0);
  ASSERT_TRUE(w.begin_batch().ok());
  auto put = [&](const MessageRecord& m) {
    auto o = w.put_message(m, file, 1, 0);
    EXPECT_TRUE(o.ok());
    return o ? *o : WriteOutcome::kStored;
  };
  EXPECT_EQ(put(msg("1", "a", "x")), WriteOutcome::kStored);
  EXPECT_EQ(put(msg("2", "a", "y")), WriteOutcome::kStored);
  EXPECT_EQ(put(msg("1", "a", "x")), WriteOutcome::kDuplicate);
  MessageRecord with_lang = msg("1", "a", "x");
  with_lang.lang = "en";
  EXPECT_EQ(put(with_lang), WriteOutcome::kConflict);
  EXPECT_EQ(put(with_lang), WriteOutcome::kDuplicate);
  EXPECT_EQ(put(msg("2", "b", "y")), WriteOutcome::kAuthorConflict);
  EXPECT_NE(w.conflict_reason().find("by account 'a', not 'b'"), std::string::npos);
  ASSERT_TRUE(w.commit_batch().ok());
  ASSERT_TRUE(w.finish_bulk_load().ok());
  // The key indexes are left to the next writer of messages, which builds them first.
  EXPECT_EQ(key_indexes(*store), 0);
  {
    MessageWriter next(*store, ok(store->begin_run("ingest", "{}")));
    ASSERT_TRUE(next.prepare().ok());
    EXPECT_EQ(key_indexes(*store), 2);
  }
  // References were not checked row by row during the load, but they hold, and are checked
  // again after it.
  EXPECT_EQ(count(*store, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(count(*store, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(count(*store, "SELECT count(*) FROM messages"), 2);
  EXPECT_EQ(count(*store, "SELECT count(*) FROM accounts"), 2);
  EXPECT_EQ(count(*store, "SELECT count(*) FROM messages WHERE lang = 'en'"), 1);
}

TEST_F(BulkLoadTest, NewAccountsAreStoredWithTheirTransactionAsUncheckedLoadsMeetThem) {
  // Accounts new to the store wait for the commit (inserted in key order) but keep the ids of
  // their first appearance; a later record fills a waiting account's missing handle and name,
  // and an account record merges into a waiting account as into a stored one.
  auto store = Store::open(dir_ / "t.db");
  ASSERT_TRUE(store.ok());
  std::int64_t file = 0;
  auto writer = bulk_writer(*store, file);
  MessageWriter& w = *writer;
  ASSERT_TRUE(w.begin_batch().ok());
  auto put = [&](MessageRecord m, std::string handle, std::string name) {
    m.account_handle = std::move(handle);
    m.display_name = std::move(name);
    auto o = w.put_message(m, file, 1, 0);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(*o, WriteOutcome::kStored);
  };
  put(msg("1", "zed", "x"), "", "");
  put(msg("2", "amy", "y"), "amy_h", "");
  put(msg("3", "zed", "z"), "zed_h", "Zed");
  put(msg("4", "amy", "w"), "other_h", "Amy");  // only the missing name is taken
  AccountRecord amy;
  amy.platform = "generic";
  amy.account_id = "amy";
  amy.followers = 5;
  ASSERT_TRUE(w.put_account(amy).ok());
  put(msg("5", "bob", "v"), "", "");
  ASSERT_TRUE(w.commit_batch().ok());
  ASSERT_TRUE(w.finish_bulk_load().ok());
  Stmt s;
  ASSERT_TRUE(store->db()
                  .prepare("SELECT id, account_id, coalesce(handle, '-'), "
                           "coalesce(display_name, '-'), coalesce(followers, -1) FROM accounts "
                           "ORDER BY id",
                           s)
                  .ok());
  std::vector<std::string> rows;
  while (s.step() == Stmt::kRow)
    rows.push_back(std::to_string(s.column_int64(0)) + " " + std::string(s.column_text(1)) + " " +
                   std::string(s.column_text(2)) + " " + std::string(s.column_text(3)) + " " +
                   std::to_string(s.column_int64(4)));
  EXPECT_EQ(rows,
            (std::vector<std::string>{"1 zed zed_h Zed -1", "2 amy amy_h Amy 5", "3 bob - - -1"}));
  EXPECT_EQ(count(*store, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(count(*store,
                  "SELECT count(*) FROM messages m JOIN accounts a ON a.id = m.account "
                  "WHERE a.account_id = 'zed'"),
            2);
}

TEST_F(BulkLoadTest, AKilledLoadHasItsIndexesRestoredByTheNextWriter) {
  {
    auto store = Store::open(dir_ / "t.db");
    ASSERT_TRUE(store.ok());
    MessageWriter w(*store, ok(store->begin_run("ingest", "{}")));
    std::int64_t file = begin(w);
    ASSERT_TRUE(ok(w.begin_bulk_load()));
    ASSERT_TRUE(w.begin_batch().ok());
    ASSERT_TRUE(w.put_message(msg("1", "a", "x"), file, 1, 0).ok());
    ASSERT_TRUE(w.commit_batch().ok());
    // Killed here: finish_bulk_load() never runs.
    EXPECT_EQ(key_indexes(*store), 0);
  }
  auto store = Store::open(dir_ / "t.db");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(key_indexes(*store), 0);  // opened for the analysis, it needs none
  MessageWriter w(*store, ok(store->begin_run("ingest", "{}")));
  std::int64_t file = begin(w);
  EXPECT_EQ(key_indexes(*store), 2);
  EXPECT_FALSE(ok(w.begin_bulk_load()));  // the store holds messages
  ASSERT_TRUE(w.begin_batch().ok());
  // in.csv read again: its record from the same place is the one the killed load stored.
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), file, 1, 0)), WriteOutcome::kStored);
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), file, 3, 14)), WriteOutcome::kDuplicate);
  EXPECT_EQ(ok(w.put_message(msg("2", "a", "y"), file, 2, 9)), WriteOutcome::kStored);
  ASSERT_TRUE(w.commit_batch().ok());
  EXPECT_EQ(count(*store, "SELECT count(*) FROM messages"), 2);
  EXPECT_EQ(count(*store, "SELECT count(*) FROM accounts"), 1);
}

TEST_F(BulkLoadTest, AnotherWriterEndsBulkLoadingAndNoKeyIsStoredTwice) {
  auto first = Store::open(dir_ / "t.db");
  auto second = Store::open(dir_ / "t.db");
  ASSERT_TRUE(first.ok() && second.ok());
  MessageWriter a(*first, ok(first->begin_run("ingest", "{}")));
  MessageWriter b(*second, ok(second->begin_run("ingest", "{}")));
  // Two files with the same records (one file read by both would count them as stored twice,
  // as each of its reads does).
  std::int64_t file_a = begin(a), file_b = begin(b, "copy.csv");
  ASSERT_TRUE(ok(a.begin_bulk_load()));
  ASSERT_TRUE(ok(b.begin_bulk_load()));  // no message stored yet by either

  ASSERT_TRUE(a.begin_batch().ok());
  EXPECT_FALSE(a.bulk_load());  // b has committed since a's last commit
  EXPECT_EQ(ok(a.put_message(msg("1", "alice", "x"), file_a, 1, 0)), WriteOutcome::kStored);
  ASSERT_TRUE(a.commit_batch().ok());

  ASSERT_TRUE(b.begin_batch().ok());
  EXPECT_FALSE(b.bulk_load());
  EXPECT_EQ(ok(b.put_message(msg("1", "alice", "x"), file_b, 1, 0)), WriteOutcome::kDuplicate);
  EXPECT_EQ(ok(b.put_message(msg("2", "alice", "y"), file_b, 2, 7)), WriteOutcome::kStored);
  ASSERT_TRUE(b.commit_batch().ok());

  ASSERT_TRUE(a.begin_batch().ok());  // a reads b's new account and keys through the index
  EXPECT_EQ(ok(a.put_message(msg("2", "alice", "y"), file_a, 2, 7)), WriteOutcome::kDuplicate);
  ASSERT_TRUE(a.commit_batch().ok());
  ASSERT_TRUE(a.finish_bulk_load().ok());
  ASSERT_TRUE(b.finish_bulk_load().ok());
  EXPECT_EQ(count(*first, "SELECT count(*) FROM messages"), 2);
  EXPECT_EQ(count(*first, "SELECT count(*) FROM accounts"), 1);
  EXPECT_EQ(key_indexes(*first), 2);
}

}  // namespace
}  // namespace groundswell
