// The store (docs/contract.md §4): one SQLite database file in WAL mode with a versioned schema.
//
// Store::open() creates or migrates the schema (docs/schema.md documents every table).
// MessageWriter is the ingest path: it interns accounts to dense integer ids, de-duplicates
// messages by (platform, dataset, chat_id, message_id) and merges conflicting duplicates
// keeping the more precise value of each field — never across authors: a record with a stored
// key and another author is refused (kAuthorConflict), naming the stored record. Writes are grouped in transactions of a few thousand
// records, so a kill at any point leaves the database consistent and a re-run completes the
// work without duplicates (the unique key makes re-reading idempotent).
//
// Thread-safety: a Store and its writers belong to one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "groundswell/model.h"
#include "groundswell/status.h"
#include "store/sqlite.h"

namespace groundswell {

// The schema version this build writes: the number of migrations in store/schema.cc.
int current_schema_version();

class Store {
 public:
  // Opens (creating if needed) and migrates to current_schema_version(). A database written by a newer
  // groundswell (higher schema version) is refused rather than damaged.
  static Result<Store> open(const std::filesystem::path& path, bool read_only = false);

  int schema_version();
  Db& db() { return db_; }
  const std::filesystem::path& path() const { return path_; }

  // Records a command in `runs`; finish_run() stores its outcome and statistics (JSON).
  Result<std::int64_t> begin_run(std::string_view command, std::string_view parameters_json);
  Status finish_run(std::int64_t run_id, std::string_view status, std::string_view stats_json,
                    double seconds);

 private:
  Db db_;
  std::filesystem::path path_;
};

// kConflict: a duplicate whose fields differed and were merged. kAuthorConflict: the key is
// stored with another author; nothing was written (MessageWriter::conflict_reason() says
// which record holds the key).
// True for platforms whose message ids are platform-wide (telegram, twitter): their keys are
// never qualified by a dataset, so the same message read from two files or formats is stored
// once.
bool platform_wide_ids(std::string_view platform);

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

class MessageWriter {
 public:
  explicit MessageWriter(Store& store, std::int64_t run_id);

  Status prepare();
  // Registers a file of the run; later puts refer to it.
  Result<std::int64_t> begin_file(const FileInfo& info);
  Status finish_file(std::int64_t file_id, const FileCounts& counts);

  Status begin_batch();
  Status commit_batch();

  Result<WriteOutcome> put_message(const MessageRecord& m, std::int64_t file_id,
                                   std::uint64_t line, std::uint64_t offset);
  // After kAuthorConflict: a reject reason naming the stored record and its author.
  const std::string& conflict_reason() const { return conflict_reason_; }
  Status put_account(const AccountRecord& a);
  Status put_reject(std::string_view file, std::uint64_t line, std::uint64_t offset,
                    std::string_view reason, std::string_view excerpt);

 private:
  Result<std::int64_t> account_id_for(const MessageRecord& m);

  Store& store_;
  std::int64_t run_id_;
  Result<bool> same_author(const MessageRecord& m, std::int64_t account);

  Stmt insert_message_, merge_message_, upsert_account_, touch_account_, insert_reject_,
      insert_file_, finish_file_, stored_author_;
  std::string dataset_;        // of the current file
  std::string_view key_dataset_;  // of the current record: dataset_ or ''
  std::string conflict_reason_;
  // Accounts seen in this ingest, so a message costs no account query once its author is
  // known: keyed by xxh3 of (platform '\0' account_id), the key kept to rule out collisions.
  struct CachedAccount {
    std::string key;
    std::int64_t id;
    bool has_handle;
    bool has_name;
  };
  CachedAccount* find_cached(std::uint64_t hash);
  void cache(std::uint64_t hash, const CachedAccount& entry);
  std::unordered_map<std::uint64_t, CachedAccount> accounts_;
  std::string key_, urls_, hashtags_, mentions_;
};

}  // namespace groundswell
