// The store (docs/contract.md §4): one SQLite database file in WAL mode with a versioned schema.
//
// Store::open() creates or migrates the schema (docs/schema.md documents every table).
// MessageWriter is the ingest path: it interns accounts to dense integer ids, de-duplicates
// messages by (platform, dataset, chat_id, message_id) and merges conflicting duplicates
// keeping the more precise value of each field — never across authors: a record with a stored
// key and another author is refused (kAuthorConflict), naming the stored record. Writes are
// grouped in transactions, so a kill at any point leaves the database consistent and a re-run
// completes the work without duplicates (the unique key makes re-reading idempotent). Into a
// store without messages it bulk-loads: keys are de-duplicated in memory and the key indexes
// of `messages` and `accounts` are left to the next writer, which builds them before it looks
// a key up (also after a killed load).
//
// Thread-safety: a Store and its writers belong to one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "groundswell/model.h"
#include "groundswell/status.h"
#include "store/dataset.h"
#include "store/key_tables.h"
#include "store/sqlite.h"

namespace groundswell {

// The schema version this build writes: the number of migrations in store/schema.cc.
int current_schema_version();

class Store {
 public:
  // Opens (creating if needed) and migrates to current_schema_version(). A database written by a
  // newer groundswell (higher schema version) is refused rather than damaged. Read-only, nothing
  // can be migrated: a database of another schema version is refused with a message naming the
  // file, its version and this build's (an older one is brought up to date by any command that
  // opens it for writing).
  static Result<Store> open(const std::filesystem::path& path, bool read_only = false);
  // Read-only, whatever the schema version (groundswell inspect, which reads only what every
  // version has, and callers that check schema_version() themselves).
  static Result<Store> open_any_version(const std::filesystem::path& path);

  int schema_version();
  Db& db() { return db_; }
  const std::filesystem::path& path() const { return path_; }
  bool read_only() const { return read_only_; }

  // Records a command in `runs`; finish_run() stores its outcome and statistics (JSON).
  Result<std::int64_t> begin_run(std::string_view command, std::string_view parameters_json);
  Status finish_run(std::int64_t run_id, std::string_view status, std::string_view stats_json,
                    double seconds);

 private:
  Db db_;
  std::filesystem::path path_;
  bool read_only_ = false;
};

// True for platforms whose message ids are platform-wide (telegram, twitter): their keys are
// never qualified by a dataset, so the same message read from two files or formats is stored
// once.
bool platform_wide_ids(std::string_view platform);

// kStored: the record is the one the store holds for its key — inserted now, or inserted by
// an earlier read of the same file (same path) from the same place (line and byte offset), so
// that reading a file again, after an interruption or in a re-run, counts what an
// uninterrupted first read counts. kDuplicate: another record holds the key with the same
// content; kConflict: with different fields, merged. kAuthorConflict: the key is stored with
// another author; nothing was written (MessageWriter::conflict_reason() says which record
// holds the key).
enum class WriteOutcome { kStored, kDuplicate, kConflict, kAuthorConflict };

struct FileInfo {
  std::string path;
  std::string digest;  // xxh3-128 of the raw bytes, hex
  std::uint64_t bytes = 0;
  std::string format;
  // Qualifies the message keys of the file's records (messages.dataset) unless their platform
  // has platform-wide ids; "" for formats whose ids are platform-wide.
  std::string dataset;
};

struct FileCounts {
  std::uint64_t records_read = 0, stored = 0, messages = 0, events = 0, duplicates = 0,
                conflicts = 0, rejected = 0, account_records = 0, utf8_repaired = 0;
};

// What storing a message needs that depends on the record alone: the hashes of its key and
// author, its content digest and its lists as JSON. prepare_message() works it out on the
// parsing thread, so the writing thread only writes.
struct PreparedMessage {
  std::uint64_t key_hash = 0;      // of (platform, key dataset, chat_id, message_id)
  std::uint64_t account_hash = 0;  // of (platform, account_id)
  std::int64_t digest = 0;         // messages.digest: xxh3-64 of every content field
  bool dataset_key = false;        // the key is qualified by the file's dataset
  std::string urls, hashtags, mentions;  // JSON arrays, "" for an empty list
  // The text's key (Dataset::msg_text_key), when the ingest collects its posts for the
  // analysis (IngestOptions::columns): worked out on the parsing threads.
  bool text_keyed = false;
  TextKey text_key;
};
// `dataset` is the dataset of the record's file (FileInfo::dataset).
void prepare_message(const MessageRecord& m, std::string_view dataset, PreparedMessage& out);
std::uint64_t account_key_hash(std::string_view platform, std::string_view account_id);

// Gives the store a new data version (store_state): every transaction that stores or changes
// messages or accounts runs it before committing, so that the analysis columns saved beside
// the store (store/dataset_cache.h) are read again.
inline constexpr std::string_view kNewDataVersion =
    "UPDATE store_state SET data_version = lower(hex(randomblob(16))) WHERE id = 1";
// The store's data version now (store_state.data_version).
Result<std::string> read_data_version(Db& db);

// Builds the indexes of `messages` and `accounts` that are missing (schema.h,
// bulk_load_indexes()): those a bulk load set aside (MessageWriter::begin_bulk_load).
// MessageWriter::prepare() calls it, so the next writer of messages after a bulk load,
// finished or killed, has them.
Status restore_bulk_load_indexes(Db& db);

class MessageWriter {
 public:
  explicit MessageWriter(Store& store, std::int64_t run_id);

  // Builds the key indexes when missing, prepares the statements and reads the store's
  // accounts into memory.
  Status prepare();
  // On a store without messages: drops the key indexes of `messages` and `accounts` and
  // de-duplicates keys in memory instead (accounts by the writer's table of them), consulting
  // only the rows this writer stored; finish_bulk_load() leaves the indexes to the next
  // writer's prepare(). False (and nothing changed) when the store holds messages. Call
  // outside a batch. Should another connection commit to the store meanwhile, the next
  // begin_batch() builds the indexes and leaves bulk loading (and reads the accounts again),
  // so two writers never store a key twice.
  Result<bool> begin_bulk_load();
  Status finish_bulk_load();
  bool bulk_load() const { return bulk_; }
  // During the bulk load, every row this writer stores and every post it merges into is also
  // given to `into` (the posts `run` builds its analysis columns from); should the writer
  // leave the bulk load (another connection wrote), `into` is abandoned.
  void collect(PostCollector* into) { collected_ = into; }

  // Registers a file of the run; later puts refer to it. When the path was read before, the
  // earlier reads' rejects are removed (this read reports its own) and its records are
  // recognised by put_message().
  Result<std::int64_t> begin_file(const FileInfo& info);
  Status finish_file(std::int64_t file_id, const FileCounts& counts);

  // A transaction of writes. begin_batch() first catches up with any commit of another
  // connection since this writer's last (PRAGMA data_version).
  Status begin_batch();
  Status commit_batch();
  // The data version (store_state.data_version) this writer's last commit that stored or
  // changed a message or an account gave the store; "" before any. While the store still names
  // it, no groundswell writer has changed the store since and nothing has updated or deleted
  // a message or an account (rows inserted by other programs show in the counts instead).
  const std::string& committed_data_version() const { return committed_version_; }

  // `p` from prepare_message(m, dataset of the current file).
  Result<WriteOutcome> put_message(const MessageRecord& m, const PreparedMessage& p,
                                   std::int64_t file_id, std::uint64_t line, std::uint64_t offset);
  Result<WriteOutcome> put_message(const MessageRecord& m, std::int64_t file_id,
                                   std::uint64_t line, std::uint64_t offset);
  // Brings the in-memory lookups a later put_message(m, p) makes into the cache: a caller
  // holding a batch calls it with `near` false some records ahead, then again with `near`
  // true closer to the put (the account's entry, once its slot is in the cache). Changes
  // nothing.
  void prefetch(const MessageRecord& m, const PreparedMessage& p, bool near) const {
    if (!m.account_id.empty()) accounts_.prefetch(p.account_hash, near);
    if (bulk_ && !near) rows_by_key_.prefetch(p.key_hash);
  }
  // After kAuthorConflict: a reject reason naming the stored record and its author.
  const std::string& conflict_reason() const { return conflict_reason_; }
  Status put_account(const AccountRecord& a);
  Status put_reject(std::string_view file, std::uint64_t line, std::uint64_t offset,
                    std::string_view reason, std::string_view excerpt);

 private:
  Status load_accounts();
  Status note_data_version();
  Status catch_up_with_other_writers();
  Status check_references_again();
  Result<std::int64_t> account_id_for(const MessageRecord& m, std::uint64_t hash);
  // Inserts the accounts new_accounts_ holds (in key order where the key's index is kept, in
  // id order during a bulk load) and empties it.
  Status flush_new_accounts();
  Result<bool> same_author(const MessageRecord& m, std::int64_t account);
  Result<bool> stored_row_has_key(std::int64_t row, const MessageRecord& m);
  // The stored row (stored_) was inserted by an earlier read of the current file's path from
  // this line and offset: the record is the one stored, not a duplicate of it.
  bool read_before_from(std::uint64_t line, std::uint64_t offset) const;
  Status explain_author_conflict(std::int64_t row, const MessageRecord& m);
  void bind_message(Stmt& s, const MessageRecord& m, const PreparedMessage& p,
                    std::int64_t account, std::int64_t file_id, std::uint64_t line,
                    std::uint64_t offset);

  Store& store_;
  std::int64_t run_id_;
  bool bulk_ = false;
  bool references_unchecked_ = false;  // foreign keys off for the bulk load
  std::int64_t data_version_ = 0;  // PRAGMA data_version after this writer's last commit
  // This transaction stored or changed a message or an account: commit_batch() gives the
  // store a new data version (kNewDataVersion).
  bool data_changed_ = false;
  std::string committed_version_;  // committed_data_version()

  Stmt insert_message_, merge_message_, insert_account_record_, merge_account_record_,
      insert_account_, touch_account_, insert_reject_, insert_file_, finish_file_,
      stored_author_, append_message_, merge_row_, stored_row_, author_of_row_,
      earlier_reads_of_, drop_rejects_of_;
  std::vector<std::int64_t> earlier_reads_;  // files rows of the current file's path, sorted
  std::string dataset_;           // of the current file
  std::string_view key_dataset_;  // of the current record: dataset_ or ''
  std::string conflict_reason_;
  // The store's accounts (all of them, read again when another connection has written), so a
  // message costs no account query once its author is known.
  AccountTable accounts_;
  std::int64_t next_account_id_ = 1;
  // While references go unchecked (a bulk load), accounts new to the store are inserted when
  // the transaction commits (or a query needs them): appended in id order while the key's
  // index is set aside; sorted by key once another writer has made it be built, so that the
  // index takes them page after page instead of all over it.
  NewAccounts new_accounts_;
  // Bulk load: the rows stored by this writer, by the hash of their key.
  RowsByHash rows_by_key_;
  PostCollector* collected_ = nullptr;  // collect()
  // The stored row of the key last looked up: where it was read (stored_row_has_key() and
  // same_author()), its author and digest (stored_row_has_key()).
  struct StoredRow {
    std::int64_t account = -1;  // -1: NULL
    std::int64_t digest = 0;
    std::int64_t file = 0, line = 0, offset = 0;
  } stored_;
  PreparedMessage scratch_;
};

}  // namespace groundswell
