// The store across versions and interruptions: a database written by an earlier schema
// version migrates on opening for writing and keeps what it holds, one of another version is
// refused read-only and one of a newer version always, with a message naming the file and
// both versions, and a file read again (after a killed
// ingest, or in a re-run) is recognised by where its records were read, through the index and
// through the bulk load alike.
#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "store/schema.h"

namespace groundswell {
namespace {

namespace fs = std::filesystem;

template <typename T>
T ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : T{};
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gs-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    writer_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

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
  static std::int64_t count(Db& db, const std::string& sql) {
    auto v = db.query_int64(sql);
    EXPECT_TRUE(v.ok()) << sql;
    return v ? *v : -1;
  }
  static std::int64_t begin(MessageWriter& w, const std::string& path) {
    auto file = w.begin_file(FileInfo{path, "", 0, "canonical", "in"});
    EXPECT_TRUE(file.ok());
    return file ? *file : -1;
  }

  // A new store at dir_/t.db (store_) and a writer on it (writer_) in a bulk load: prepared,
  // file a.csv begun (its id returned), a batch open.
  std::int64_t start_bulk_load() {
    auto opened = Store::open(dir_ / "t.db");
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    if (!opened.ok()) return -1;
    store_.emplace(std::move(*opened));
    writer_.emplace(*store_, ok(store_->begin_run("ingest", "{}")));
    EXPECT_TRUE(writer_->prepare().ok());
    const std::int64_t file = begin(*writer_, "a.csv");
    EXPECT_TRUE(ok(writer_->begin_bulk_load()));
    EXPECT_TRUE(writer_->begin_batch().ok());
    return file;
  }
  // Another program, on a connection of its own, changes the text of every message.
  void update_messages_elsewhere() {
    Db other;
    ASSERT_TRUE(other.open((dir_ / "t.db").string(), false).ok());
    ASSERT_TRUE(other.exec("UPDATE messages SET text = 'y'").ok());
  }

  fs::path dir_;
  std::optional<Store> store_;
  std::optional<MessageWriter> writer_;  // on store_
};

// What groundswell wrote before schema version 5: the first four migrations, one ingest run
// that read in.csv (a message from line 2, a reject at line 3).
void write_version_4_store(const fs::path& path) {
  Db db;
  ASSERT_TRUE(db.open(path.string(), false).ok());
  ASSERT_TRUE(db.exec("PRAGMA journal_mode=WAL").ok());
  for (std::size_t v = 0; v < 4; ++v) ASSERT_TRUE(db.exec(schema_migrations()[v]).ok());
  ASSERT_TRUE(db.exec(R"sql(
PRAGMA user_version=4;
INSERT INTO runs(id, command, parameters, version, started_at, status)
  VALUES(1, 'ingest', '{}', '0.1.0', '2026-01-01T00:00:00Z', 'ok');
INSERT INTO files(id, run_id, path, digest, bytes, format, completed, records_read, stored,
  duplicates, conflicts, rejected, account_records, utf8_repaired)
  VALUES(1, 1, 'in.csv', '', 40, 'canonical', 1, 2, 1, 0, 0, 1, 0, 0);
INSERT INTO accounts(id, platform, account_id) VALUES(1, 'generic', 'a');
INSERT INTO messages(platform, dataset, chat_id, message_id, account, time_ms,
  time_resolution_ms, kind, text, digest, file_id, line, byte_offset)
  VALUES('generic', 'in', 'c', '1', 1, 1000, 1000, 0, 'x', 7, 1, 2, 20);
INSERT INTO rejects(run_id, file, line, byte_offset, reason, excerpt)
  VALUES(1, 'in.csv', 3, 31, 'not a record', '{broken');
)sql")
                  .ok());
}

TEST_F(StoreTest, AVersion4StoreMigratesAndItsFileIsRecognisedWhenReadAgain) {
  const fs::path path = dir_ / "old.db";
  write_version_4_store(path);
  auto store = Store::open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(store->schema_version(), current_schema_version());
  EXPECT_EQ(current_schema_version(), 10);
  Db& db = store->db();
  // Version 10: the accounts' key in an index of its own (account id first), which a bulk load
  // can set aside; the rows, their ids and the references to them as they were.
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM pragma_index_info('accounts_key') WHERE seqno = 0 "
                  "AND name = 'account_id'"),
            1);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'sqlite_autoindex%'"
                  " AND tbl_name = 'accounts'"),
            0);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM messages m JOIN accounts a ON a.id = m.account "
                  "WHERE a.id = 1 AND a.platform = 'generic' AND a.account_id = 'a'"),
            1);
  EXPECT_EQ(count(db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_FALSE(db.exec("INSERT INTO accounts(platform, account_id) VALUES('generic', 'a')").ok());
  // Version 9: the support figures' table, empty (computed by what needs them, then stored).
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM pragma_table_info('detection_support') WHERE name IN "
                  "('detection_id', 'actors_sha256', 'actors_file', 'run_id', 'created_at', "
                  "'figures')"),
            6);
  EXPECT_EQ(count(db, "SELECT count(*) FROM detection_support"), 0);
  // Version 8: the message key's index compares the message id first.
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM pragma_index_info('messages_key') WHERE seqno = 0 "
                  "AND name = 'message_id'"),
            1);
  // Version 7: the data version and the triggers that renew it.
  EXPECT_EQ(count(db, "SELECT count(*) FROM store_state WHERE length(data_version) = 32"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 4);
  // Version 6: the clusters' verdict columns, empty for the clusters stored before.
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM pragma_table_info('detection_clusters') WHERE name IN "
                  "('created_spread_days', 'verdict', 'verdict_reasons', 'verdict_evidence')"),
            4);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                  "('files_by_path', 'rejects_by_file')"),
            2);
  EXPECT_EQ(count(db, "SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM rejects"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"),
            0);

  // in.csv read again by this version: the record from the same place is the stored one, the
  // same record from elsewhere a duplicate; the old read's reject is replaced by this read's.
  MessageWriter w(*store, ok(store->begin_run("ingest", "{}")));
  ASSERT_TRUE(w.prepare().ok());
  EXPECT_FALSE(ok(w.begin_bulk_load()));  // the store holds a message
  std::int64_t file = begin(w, "in.csv");
  ASSERT_TRUE(w.begin_batch().ok());
  EXPECT_EQ(count(db, "SELECT count(*) FROM rejects"), 0);
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), file, 2, 20)), WriteOutcome::kStored);
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), file, 5, 60)), WriteOutcome::kDuplicate);
  EXPECT_EQ(ok(w.put_message(msg("1", "b", "x"), file, 2, 20)), WriteOutcome::kAuthorConflict);
  ASSERT_TRUE(w.put_reject("in.csv", 3, 31, "not a record", "{broken").ok());
  ASSERT_TRUE(w.commit_batch().ok());
  EXPECT_EQ(count(db, "SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM messages WHERE file_id = 1"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM rejects"), 1);
  EXPECT_EQ(count(db, "SELECT count(*) FROM rejects WHERE run_id = 2"), 1);
}

// What groundswell wrote before schema version 6: the first five migrations, an ingest and a
// detect run that found one cluster of two accounts.
void write_version_5_store(const fs::path& path) {
  Db db;
  ASSERT_TRUE(db.open(path.string(), false).ok());
  ASSERT_TRUE(db.exec("PRAGMA journal_mode=WAL").ok());
  for (std::size_t v = 0; v < 5; ++v) ASSERT_TRUE(db.exec(schema_migrations()[v]).ok());
  ASSERT_TRUE(db.exec(R"sql(
PRAGMA user_version=5;
INSERT INTO runs(id, command, parameters, version, started_at, status)
  VALUES(1, 'ingest', '{}', '0.1.0', '2026-01-01T00:00:00Z', 'ok'),
        (2, 'detect', '{}', '0.1.0', '2026-01-01T00:01:00Z', 'ok');
INSERT INTO files(id, run_id, path, digest, bytes, format, completed, records_read, stored,
  duplicates, conflicts, rejected, account_records, utf8_repaired)
  VALUES(1, 1, 'in.csv', '', 60, 'canonical', 1, 2, 2, 0, 0, 0, 0, 0);
INSERT INTO accounts(id, platform, account_id) VALUES(1, 'generic', 'a'), (2, 'generic', 'b');
INSERT INTO messages(platform, dataset, chat_id, message_id, account, time_ms,
  time_resolution_ms, kind, text, digest, file_id, line, byte_offset)
  VALUES('generic', 'in', 'c', '1', 1, 1000, 1000, 0, 'x', 7, 1, 2, 20),
        ('generic', 'in', 'c', '2', 2, 2000, 1000, 0, 'x', 8, 1, 3, 40);
INSERT INTO detections(id, run_id, created_at, compat, parameters, seed, edges, kept_edges,
  clusters, leiden_quality)
  VALUES(1, 2, '2026-01-01T00:01:00Z', 'none', '{}', 1, 1, 1, 1, 0.5);
INSERT INTO detection_edges(detection_id, source, target, behaviour, weight, pairs, objects,
  kept, evidence)
  VALUES(1, 1, 2, 'copy', 1, 1, 1, 1, '[[1,2]]');
INSERT INTO detection_clusters(detection_id, cluster_id, accounts, messages, behaviours)
  VALUES(1, 1, 2, 2, 'copy');
INSERT INTO detection_cluster_accounts(detection_id, cluster_id, account, coordination_degree)
  VALUES(1, 1, 1, 1), (1, 1, 2, 1);
)sql")
                  .ok());
}

int user_version(const fs::path& path) {
  Db db;
  EXPECT_TRUE(db.open(path.string(), true).ok());
  auto v = db.query_int64("PRAGMA user_version");
  return v ? static_cast<int>(*v) : -1;
}

TEST_F(StoreTest, AVersion5StoreMigratesKeepingItsDetectionWithClustersWithoutAVerdict) {
  const fs::path path = dir_ / "old.db";
  write_version_5_store(path);
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    EXPECT_EQ(store->schema_version(), current_schema_version());
    Db& db = store->db();
    EXPECT_EQ(count(db, "SELECT count(*) FROM messages"), 2);
    EXPECT_EQ(count(db, "SELECT count(*) FROM detection_edges"), 1);
    EXPECT_EQ(count(db, "SELECT count(*) FROM detection_cluster_accounts"), 2);
    // The cluster stored before version 6 has no verdict: not recorded, rather than invented.
    EXPECT_EQ(count(db,
                    "SELECT count(*) FROM detection_clusters WHERE verdict IS NULL AND "
                    "verdict_reasons IS NULL AND verdict_evidence IS NULL AND accounts = 2"),
              1);
    EXPECT_EQ(
        count(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
    EXPECT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  }
  // Opening again finds nothing left to migrate.
  auto again = Store::open(path);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->schema_version(), current_schema_version());
  EXPECT_EQ(count(again->db(), "SELECT count(*) FROM detection_clusters"), 1);
}

TEST_F(StoreTest, AnOlderStoreOpenedReadOnlyIsRefusedNamingTheFileAndBothVersions) {
  for (int version : {4, 5}) {
    const fs::path path = dir_ / ("v" + std::to_string(version) + ".db");
    if (version == 4)
      write_version_4_store(path);
    else
      write_version_5_store(path);
    auto refused = Store::open(path, /*read_only=*/true);
    ASSERT_FALSE(refused.ok());
    const std::string& message = refused.status().message();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("schema version " + std::to_string(version) +
                           ", older than this "
                           "groundswell's (" +
                           std::to_string(current_schema_version()) + ")"),
              std::string::npos)
        << message;
    EXPECT_EQ(user_version(path), version);  // untouched
    // What reads only what every version holds sees it as it is.
    auto any = Store::open_any_version(path);
    ASSERT_TRUE(any.ok()) << any.status().message();
    EXPECT_EQ(any->schema_version(), version);
    // Opened for writing once, it is migrated and then opens read-only.
    ASSERT_TRUE(Store::open(path).ok());
    auto reopened = Store::open(path, /*read_only=*/true);
    ASSERT_TRUE(reopened.ok()) << reopened.status().message();
    EXPECT_EQ(reopened->schema_version(), current_schema_version());
  }
}

TEST_F(StoreTest, ANewerStoreIsRefusedNamingTheFileAndBothVersionsAndLeftAsItIs) {
  const fs::path path = dir_ / "new.db";
  const int newer = current_schema_version() + 1;
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(
        store->db()
            .exec("CREATE TABLE from_the_future(x); PRAGMA user_version=" + std::to_string(newer))
            .ok());
  }
  for (bool read_only : {false, true}) {
    auto refused = Store::open(path, read_only);
    ASSERT_FALSE(refused.ok());
    const std::string& message = refused.status().message();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("schema version " + std::to_string(newer) +
                           ", newer than this "
                           "groundswell understands (" +
                           std::to_string(current_schema_version()) + ")"),
              std::string::npos)
        << message;
    EXPECT_EQ(user_version(path), newer);
  }
}

TEST_F(StoreTest, AnotherFileWithTheSameRecordsHoldsDuplicates) {
  const std::int64_t first = start_bulk_load();
  ASSERT_TRUE(writer_);
  MessageWriter& w = *writer_;
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), first, 2, 20)), WriteOutcome::kStored);
  std::int64_t second = begin(w, "b.csv");
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), second, 2, 20)), WriteOutcome::kDuplicate);
  MessageRecord changed = msg("1", "a", "x");
  changed.lang = "en";
  EXPECT_EQ(ok(w.put_message(changed, second, 3, 30)), WriteOutcome::kConflict);
  ASSERT_TRUE(w.commit_batch().ok());
  ASSERT_TRUE(w.finish_bulk_load().ok());
}

// A file begun again by the same bulk-loading writer (its rows are found in memory, not
// through the index) is recognised as the interrupted read of an ingest would be.
TEST_F(StoreTest, AFileReadAgainDuringABulkLoadCountsItsRecordsAsStored) {
  const std::int64_t first = start_bulk_load();
  ASSERT_TRUE(writer_);
  MessageWriter& w = *writer_;
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), first, 2, 20)), WriteOutcome::kStored);
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), first, 3, 30)), WriteOutcome::kDuplicate);
  std::int64_t again = begin(w, "a.csv");
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), again, 2, 20)), WriteOutcome::kStored);
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), again, 3, 30)), WriteOutcome::kDuplicate);
  ASSERT_TRUE(w.commit_batch().ok());
  ASSERT_TRUE(w.finish_bulk_load().ok());
  EXPECT_EQ(count(store_->db(), "SELECT count(*) FROM messages"), 1);
}

// The data version a writer's commit gave the store is what an ingest seals its collected
// posts with: it names the store as that commit left it, and no longer once another program
// has changed a message, even when that change comes after the writer's last commit.
TEST_F(StoreTest, TheWritersCommittedDataVersionIsTheStoresUntilAnotherProgramChangesIt) {
  const std::int64_t file = start_bulk_load();
  ASSERT_TRUE(writer_);
  MessageWriter& w = *writer_;
  auto version = [&] {
    Stmt s;
    EXPECT_TRUE(store_->db().prepare("SELECT data_version FROM store_state", s).ok());
    EXPECT_EQ(s.step(), Stmt::kRow);
    return std::string(s.column_text(0));
  };
  const std::string before = version();  // nothing committed yet
  EXPECT_EQ(w.committed_data_version(), "");
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), file, 2, 20)), WriteOutcome::kStored);
  ASSERT_TRUE(w.commit_batch().ok());
  const std::string stored = w.committed_data_version();
  EXPECT_EQ(stored, version());
  EXPECT_NE(stored, before);
  // A transaction that stores nothing new leaves the store's version and the writer's as
  // they were.
  ASSERT_TRUE(w.begin_batch().ok());
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), file, 3, 30)), WriteOutcome::kDuplicate);
  ASSERT_TRUE(w.commit_batch().ok());
  EXPECT_EQ(w.committed_data_version(), stored);
  EXPECT_EQ(version(), stored);
  ASSERT_TRUE(w.finish_bulk_load().ok());
  // Another program edits the message after the writer's last commit.
  update_messages_elsewhere();
  EXPECT_NE(version(), w.committed_data_version());
  EXPECT_EQ(w.committed_data_version(), stored);
}

// What a bulk-loading writer collects stands for the store only while no other connection
// writes to it: one that commits between the writer's transactions makes the writer leave the
// bulk load and abandon the collection, before it stores anything more.
TEST_F(StoreTest, AnotherConnectionsCommitDuringABulkLoadAbandonsTheCollectedPosts) {
  const std::int64_t file = start_bulk_load();
  ASSERT_TRUE(writer_);
  MessageWriter& w = *writer_;
  IngestedMessages collected;
  w.collect(&collected);
  EXPECT_EQ(ok(w.put_message(msg("1", "a", "x"), file, 2, 20)), WriteOutcome::kStored);
  ASSERT_TRUE(w.commit_batch().ok());
  EXPECT_FALSE(collected.abandoned());
  update_messages_elsewhere();
  ASSERT_TRUE(w.begin_batch().ok());
  EXPECT_TRUE(collected.abandoned());
  EXPECT_FALSE(w.bulk_load());
  EXPECT_EQ(ok(w.put_message(msg("2", "a", "z"), file, 3, 30)), WriteOutcome::kStored);
  ASSERT_TRUE(w.commit_batch().ok());
  EXPECT_EQ(count(store_->db(), "SELECT count(*) FROM messages"), 2);
}

}  // namespace
}  // namespace groundswell
