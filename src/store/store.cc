#include "base/hash.h"
#include "store/store.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/json_writer.h"
#include "base/time.h"
#include "groundswell/version.h"
#include "store/schema.h"

namespace groundswell {

int current_schema_version() { return static_cast<int>(schema_migrations().size()); }

namespace {

TimeMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string newer_schema(const std::filesystem::path& path, std::int64_t version) {
  return fmt::format(
      "{} has schema version {}, newer than this groundswell understands ({}): use the "
      "groundswell that wrote it, or a later one",
      path.string(), version, current_schema_version());
}

}  // namespace

Result<Store> Store::open(const std::filesystem::path& path, bool read_only) {
  if (read_only) {
    auto store = open_any_version(path);
    if (!store) return store.status();
    const int version = store->schema_version();
    if (version > current_schema_version())
      return Status::InvalidArgument(newer_schema(path, version));
    if (version < current_schema_version())
      return Status::InvalidArgument(fmt::format(
          "{} has schema version {}, older than this groundswell's ({}), and cannot be migrated "
          "when opened read-only: any command that writes to it (ingest, run, detect, or serve "
          "without --read-only) migrates it first",
          path.string(), version, current_schema_version()));
    return store;
  }
  Store store;
  store.path_ = path;
  GS_RETURN_IF_ERROR(store.db_.open(path.string(), false));
  auto probe = store.db_.query_int64("SELECT count(*) FROM sqlite_schema");
  if (!probe) {
    return Status::InvalidArgument(
        fmt::format("{} is not a groundswell database ({})", path.string(), store.db_.error()));
  }
  // Larger pages mean shallower b-trees for the message rows; only takes effect on a new file.
  GS_RETURN_IF_ERROR(store.db_.exec("PRAGMA page_size=16384"));
  GS_RETURN_IF_ERROR(store.db_.exec("PRAGMA journal_mode=WAL"));
  // NORMAL is durable across application crashes in WAL mode (only an OS crash or power loss
  // can lose the last commits, never consistency).
  GS_RETURN_IF_ERROR(store.db_.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                                    "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY"));
  auto version = store.db_.query_int64("PRAGMA user_version");
  if (!version) return version.status();
  auto migrations = schema_migrations();
  if (*version > static_cast<std::int64_t>(migrations.size())) {
    return Status::InvalidArgument(newer_schema(path, *version));
  }
  // Foreign keys are off while migrating: a migration that rebuilds a table others refer to
  // (kV10, accounts) drops the old one and renames the new one in its place, and the rows that
  // refer to it are left as they are (the ids are the same). The setting cannot change inside
  // a transaction, hence around the loop.
  const bool migrating = *version < static_cast<std::int64_t>(migrations.size());
  if (migrating) GS_RETURN_IF_ERROR(store.db_.exec("PRAGMA foreign_keys=OFF"));
  for (auto v = static_cast<std::size_t>(*version); v < migrations.size(); ++v) {
    Transaction tx(store.db_);
    GS_RETURN_IF_ERROR(tx.begin_status());
    GS_RETURN_IF_ERROR(store.db_.exec(migrations[v]));
    GS_RETURN_IF_ERROR(store.db_.exec(fmt::format("PRAGMA user_version={}", v + 1)));
    GS_RETURN_IF_ERROR(tx.commit());
  }
  if (migrating) GS_RETURN_IF_ERROR(store.db_.exec("PRAGMA foreign_keys=ON"));
  return store;
}

Result<Store> Store::open_any_version(const std::filesystem::path& path) {
  Store store;
  store.path_ = path;
  store.read_only_ = true;
  if (!std::filesystem::exists(path))
    return Status::NotFound(fmt::format("no database at {}", path.string()));
  GS_RETURN_IF_ERROR(store.db_.open(path.string(), true));
  auto probe = store.db_.query_int64("SELECT count(*) FROM sqlite_schema");
  if (!probe) {
    return Status::InvalidArgument(
        fmt::format("{} is not a groundswell database ({})", path.string(), store.db_.error()));
  }
  auto has = store.db_.query_int64(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'messages'");
  if (!has || *has == 0)
    return Status::InvalidArgument(
        fmt::format("{} is not a groundswell database (no messages table)", path.string()));
  return store;
}

int Store::schema_version() {
  auto v = db_.query_int64("PRAGMA user_version");
  return v ? static_cast<int>(*v) : -1;
}

Result<std::int64_t> Store::begin_run(std::string_view command, std::string_view parameters_json) {
  Stmt s;
  GS_RETURN_IF_ERROR(db_.prepare(
      "INSERT INTO runs(command, parameters, version, started_at) VALUES(?,?,?,?)", s));
  s.bind_text(1, command);
  s.bind_text(2, parameters_json);
  s.bind_text(3, kVersion);
  s.bind_text(4, format_time_iso(now_ms()));
  if (s.step() != Stmt::kDone) return Status::IoError("database: " + s.error());
  return db_.last_insert_rowid();
}

Status Store::finish_run(std::int64_t run_id, std::string_view status, std::string_view stats_json,
                         double seconds) {
  Stmt s;
  GS_RETURN_IF_ERROR(db_.prepare(
      "UPDATE runs SET finished_at=?, status=?, stats=?, seconds=? WHERE id=?", s));
  s.bind_text(1, format_time_iso(now_ms()));
  s.bind_text(2, status);
  s.bind_text(3, stats_json);
  s.bind_double(4, seconds);
  s.bind_int64(5, run_id);
  if (s.step() != Stmt::kDone) return Status::IoError("database: " + s.error());
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------

bool platform_wide_ids(std::string_view platform) {
  return platform == "telegram" || platform == "twitter";
}

MessageWriter::MessageWriter(Store& store, std::int64_t run_id) : store_(store), run_id_(run_id) {}

namespace {

constexpr std::string_view kMessageColumns = R"sql(
  platform, chat_id, message_id, account, time_ms, time_resolution_ms, kind,
  text, lang, reply_to, shares, quotes, urls, hashtags, mentions, media_key, views, forwards,
  replies, reactions, likes, retweets, quotes_count, reactions_detail, digest, file_id, line,
  byte_offset, dataset)
VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,
  ?25,?26,?27,?28,?29)
)sql";

// A new message is inserted; an existing key leaves the row alone (the merge follows).
const std::string kInsertMessage = std::string("INSERT INTO messages(") +
                                   std::string(kMessageColumns) +
                                   "ON CONFLICT(platform, dataset, chat_id, message_id) DO NOTHING";
// Bulk load: the writer has made sure the key is new.
const std::string kAppendMessage =
    std::string("INSERT INTO messages(") + std::string(kMessageColumns);

// On a conflicting duplicate, each field keeps the more precise value: a finer timestamp, a
// non-empty text or list, the larger counter (a later snapshot of a growing count). Bound with
// the same parameters as kInsertMessage.
constexpr std::string_view kMergeSet = R"sql(
UPDATE messages SET
  time_ms = CASE WHEN ?5 IS NOT NULL AND (time_ms IS NULL OR
      ?6 < time_resolution_ms)
    THEN ?5 ELSE time_ms END,
  time_resolution_ms = CASE WHEN ?5 IS NOT NULL AND (time_ms IS NULL OR
      ?6 < time_resolution_ms)
    THEN ?6 ELSE time_resolution_ms END,
  account = COALESCE(account, ?4),
  text = COALESCE(text, ?8),
  lang = COALESCE(lang, ?9),
  reply_to = COALESCE(reply_to, ?10),
  shares = COALESCE(shares, ?11),
  quotes = COALESCE(quotes, ?12),
  urls = COALESCE(urls, ?13),
  hashtags = COALESCE(hashtags, ?14),
  mentions = COALESCE(mentions, ?15),
  media_key = COALESCE(media_key, ?16),
  views = max(COALESCE(views, ?17), COALESCE(?17, views)),
  forwards = max(COALESCE(forwards, ?18), COALESCE(?18, forwards)),
  replies = max(COALESCE(replies, ?19), COALESCE(?19, replies)),
  reactions = max(COALESCE(reactions, ?20), COALESCE(?20, reactions)),
  likes = max(COALESCE(likes, ?21), COALESCE(?21, likes)),
  retweets = max(COALESCE(retweets, ?22), COALESCE(?22, retweets)),
  quotes_count = max(COALESCE(quotes_count, ?23), COALESCE(?23, quotes_count)),
  reactions_detail = COALESCE(reactions_detail, ?24),
  digest = ?25
)sql";
const std::string kMergeMessage =
    std::string(kMergeSet) +
    "WHERE platform = ?1 AND dataset = ?29 AND chat_id = ?2 AND message_id = ?3 AND digest IS "
    "NOT ?25";
// Bulk load: the row is known (?30); only a differing digest is merged.
const std::string kMergeRow = std::string(kMergeSet) + "WHERE id = ?30 AND digest IS NOT ?25";

// The author of a stored key and where it was read, to refuse merging across authors.
constexpr std::string_view kStoredAuthor = R"sql(
SELECT m.account, a.account_id, f.path, m.line, m.file_id, m.byte_offset FROM messages m
  LEFT JOIN accounts a ON a.id = m.account LEFT JOIN files f ON f.id = m.file_id
WHERE m.platform = ?1 AND m.dataset = ?2 AND m.chat_id = ?3 AND m.message_id = ?4
)sql";
// The same by row, for the bulk load.
constexpr std::string_view kAuthorOfRow = R"sql(
SELECT m.account, a.account_id, f.path, m.line FROM messages m
  LEFT JOIN accounts a ON a.id = m.account LEFT JOIN files f ON f.id = m.file_id
WHERE m.id = ?1
)sql";
constexpr std::string_view kStoredRow = R"sql(
SELECT platform, dataset, chat_id, message_id, account, digest, file_id, line, byte_offset
FROM messages WHERE id = ?1
)sql";

// Message-borne account facts fill gaps only; metadata records (put_account) are authoritative.
constexpr std::string_view kInsertAccount = R"sql(
INSERT INTO accounts(id, platform, account_id, handle, display_name) VALUES(?1, ?2, ?3, ?4, ?5)
)sql";
constexpr std::string_view kTouchAccount = R"sql(
UPDATE accounts SET handle = COALESCE(handle, ?2), display_name = COALESCE(display_name, ?3)
WHERE id = ?1
)sql";

// An account record: inserted with id ?12 when the account is new to the store, merged into
// the stored row with id ?12 otherwise. The writer's table of accounts says which (it holds
// every stored account), so neither statement needs the key's index, which a bulk load sets
// aside. Both are bound alike (the update leaves ?1 and ?2, the key, unused).
constexpr std::string_view kInsertAccountRecord = R"sql(
INSERT INTO accounts(platform, account_id, handle, display_name, created_at, followers,
  following, posts, description, verified, kind, id)
VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)
RETURNING id, handle IS NOT NULL, display_name IS NOT NULL
)sql";
constexpr std::string_view kMergeAccountRecord = R"sql(
UPDATE accounts SET
  handle = COALESCE(?3, handle),
  display_name = COALESCE(?4, display_name),
  created_at = COALESCE(created_at, ?5),
  followers = COALESCE(?6, followers),
  following = COALESCE(?7, following),
  posts = COALESCE(?8, posts),
  description = COALESCE(?9, description),
  verified = COALESCE(?10, verified),
  kind = COALESCE(?11, kind)
WHERE id = ?12
RETURNING id, handle IS NOT NULL, display_name IS NOT NULL
)sql";

// The bytes a hash is taken of: fields laid end to end, each a string with its length before it
// or an integer, in native byte order. They are gathered in a buffer of the calling thread,
// reused record after record, and hashed in one call (what xxh3's streaming interface gives
// for the same bytes, at a fraction of its cost per field: a record has some 30 fields). One
// at a time on a thread.
class HashInput {
 public:
  HashInput() : bytes_(buffer()) { bytes_.clear(); }
  void field(std::string_view s) {
    integer(static_cast<std::int64_t>(s.size()));
    bytes_.append(s);
  }
  void integer(std::int64_t v) { bytes_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  std::uint64_t hash() const { return XXH3_64bits(bytes_.data(), bytes_.size()); }
  std::uint64_t hash(std::uint64_t seed) const {
    return XXH3_64bits_withSeed(bytes_.data(), bytes_.size(), seed);
  }

 private:
  static std::string& buffer() {
    thread_local std::string b;
    return b;
  }
  std::string& bytes_;
};

std::int64_t content_digest(const MessageRecord& m) {
  HashInput in;
  for (std::string_view f : {std::string_view(m.account_id), std::string_view(m.text),
                             std::string_view(m.lang), std::string_view(m.reply_to),
                             std::string_view(m.shares), std::string_view(m.quotes),
                             std::string_view(m.media_key), std::string_view(m.reactions_detail)})
    in.field(f);
  for (const auto* list : {&m.urls, &m.hashtags, &m.mentions}) {
    in.integer(static_cast<std::int64_t>(list->size()));
    for (const auto& s : *list) in.field(s);
  }
  for (std::int64_t v : {m.time, static_cast<std::int64_t>(m.time_resolution_ms),
                         static_cast<std::int64_t>(m.kind), m.views, m.forwards, m.replies,
                         m.reactions, m.likes, m.retweets, m.quotes_count})
    in.integer(v);
  return static_cast<std::int64_t>(in.hash(0x67726f756e64ULL));
}

// xxh3-64 of length-prefixed fields: no two different field lists hash the same input.
template <typename... Fields>
std::uint64_t hash_fields(Fields... fields) {
  HashInput in;
  (in.field(fields), ...);
  return in.hash();
}

void encode_list(const std::vector<std::string>& list, std::string& out) {
  out.clear();
  if (!list.empty()) append_json_string_array(out, list);
}

Status db_error(const Stmt& s) { return Status::IoError("database: " + s.error()); }

}  // namespace

Result<std::string> read_data_version(Db& db) {
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare("SELECT data_version FROM store_state WHERE id = 1", s));
  if (s.step() != Stmt::kRow) return db_error(s);
  return std::string(s.column_text(0));
}

std::uint64_t account_key_hash(std::string_view platform, std::string_view account_id) {
  return hash_fields(platform, account_id);
}

void prepare_message(const MessageRecord& m, std::string_view dataset, PreparedMessage& out) {
  out.dataset_key = !platform_wide_ids(m.platform);
  std::string_view key_dataset = out.dataset_key ? dataset : std::string_view();
  out.key_hash = hash_fields(std::string_view(m.platform), key_dataset,
                             std::string_view(m.chat_id), std::string_view(m.message_id));
  out.account_hash = account_key_hash(m.platform, m.account_id);
  out.digest = content_digest(m);
  encode_list(m.urls, out.urls);
  encode_list(m.hashtags, out.hashtags);
  encode_list(m.mentions, out.mentions);
  out.text_keyed = false;
}

Status restore_bulk_load_indexes(Db& db) {
  bool missing = false;
  for (const IndexSql& index : bulk_load_indexes()) {
    auto present = db.query_int64(fmt::format(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = '{}'", index.name));
    if (!present) return present.status();
    missing = missing || *present == 0;
  }
  if (!missing) return Status::Ok();
  // SQLite's sorter may sort on the other cores meanwhile (the same index whatever their
  // number).
  const unsigned helpers = std::min(std::max(std::thread::hardware_concurrency(), 1u) - 1, 3u);
  GS_RETURN_IF_ERROR(db.exec(fmt::format("PRAGMA threads={}", helpers)));
  Status built;
  for (const IndexSql& index : bulk_load_indexes()) {
    built = db.exec(index.create_if_missing);
    if (!built.ok()) break;
  }
  GS_RETURN_IF_ERROR(db.exec("PRAGMA threads=0"));
  return built;
}

Status MessageWriter::prepare() {
  Db& db = store_.db();
  // The key indexes a bulk load left to the next writer (finish_bulk_load()), or a killed
  // one never built: this writer's keys are checked through them.
  GS_RETURN_IF_ERROR(restore_bulk_load_indexes(db));
  GS_RETURN_IF_ERROR(db.prepare(kInsertMessage, insert_message_));
  GS_RETURN_IF_ERROR(db.prepare(kAppendMessage, append_message_));
  GS_RETURN_IF_ERROR(db.prepare(kMergeMessage, merge_message_));
  GS_RETURN_IF_ERROR(db.prepare(kMergeRow, merge_row_));
  GS_RETURN_IF_ERROR(db.prepare(kInsertAccount, insert_account_));
  GS_RETURN_IF_ERROR(db.prepare(kTouchAccount, touch_account_));
  GS_RETURN_IF_ERROR(db.prepare(kInsertAccountRecord, insert_account_record_));
  GS_RETURN_IF_ERROR(db.prepare(kMergeAccountRecord, merge_account_record_));
  GS_RETURN_IF_ERROR(db.prepare(kStoredAuthor, stored_author_));
  GS_RETURN_IF_ERROR(db.prepare(kAuthorOfRow, author_of_row_));
  GS_RETURN_IF_ERROR(db.prepare(kStoredRow, stored_row_));
  GS_RETURN_IF_ERROR(db.prepare(
      "INSERT INTO rejects(run_id, file, line, byte_offset, reason, excerpt) VALUES(?,?,?,?,?,?)",
      insert_reject_));
  GS_RETURN_IF_ERROR(db.prepare(
      "INSERT INTO files(run_id, path, digest, bytes, format) VALUES(?,?,?,?,?)", insert_file_));
  GS_RETURN_IF_ERROR(db.prepare(
      "UPDATE files SET completed=1, records_read=?, stored=?, duplicates=?, conflicts=?, "
      "rejected=?, account_records=?, utf8_repaired=? WHERE id=?",
      finish_file_));
  GS_RETURN_IF_ERROR(
      db.prepare("SELECT id FROM files WHERE path = ? AND id <> ? ORDER BY id", earlier_reads_of_));
  GS_RETURN_IF_ERROR(db.prepare("DELETE FROM rejects WHERE file = ?", drop_rejects_of_));
  GS_RETURN_IF_ERROR(load_accounts());
  return note_data_version();
}

Status MessageWriter::load_accounts() {
  Db& db = store_.db();
  accounts_ = AccountTable();
  next_account_id_ = 1;
  Stmt s;
  GS_RETURN_IF_ERROR(db.prepare(
      "SELECT id, platform, account_id, handle IS NOT NULL, display_name IS NOT NULL "
      "FROM accounts ORDER BY id",
      s));
  Stmt::StepResult r;
  while ((r = s.step()) == Stmt::kRow) {
    std::string_view platform = s.column_text(1), account_id = s.column_text(2);
    accounts_.add(account_key_hash(platform, account_id), platform, account_id,
                  AccountTable::Entry{s.column_int64(0), s.column_int64(3) != 0,
                                      s.column_int64(4) != 0});
    next_account_id_ = s.column_int64(0) + 1;
  }
  if (r == Stmt::kError) return db_error(s);
  return Status::Ok();
}

Result<bool> MessageWriter::begin_bulk_load() {
  Db& db = store_.db();
  Transaction tx(db);
  GS_RETURN_IF_ERROR(tx.begin_status());
  auto any = db.query_int64("SELECT EXISTS (SELECT 1 FROM messages)");
  if (!any) return any.status();
  if (*any != 0) return false;
  for (const IndexSql& index : bulk_load_indexes())
    GS_RETURN_IF_ERROR(db.exec(fmt::format("DROP INDEX IF EXISTS \"{}\"", index.name)));
  GS_RETURN_IF_ERROR(tx.commit());
  // The writer assigns every account id and file id a message refers to, in the transaction
  // that stores the message: checking the references row by row would only cost time.
  GS_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys=OFF"));
  references_unchecked_ = true;
  bulk_ = true;
  return true;
}

Status MessageWriter::finish_bulk_load() {
  if (!bulk_) return Status::Ok();
  bulk_ = false;
  rows_by_key_ = RowsByHash();
  collected_ = nullptr;
  // The key indexes are left to the next writer of messages (prepare()): nothing but a
  // writer looks a key up, and a store read only by the analysis never pays for them.
  return check_references_again();
}

Status MessageWriter::check_references_again() {
  if (!references_unchecked_) return Status::Ok();
  references_unchecked_ = false;
  return store_.db().exec("PRAGMA foreign_keys=ON");
}

Status MessageWriter::note_data_version() {
  auto v = store_.db().query_int64("PRAGMA data_version");
  if (!v) return v.status();
  data_version_ = *v;
  return Status::Ok();
}

Status MessageWriter::catch_up_with_other_writers() {
  auto v = store_.db().query_int64("PRAGMA data_version");
  if (!v) return v.status();
  if (*v == data_version_) return Status::Ok();
  // Another connection committed since this writer's last commit: what this writer holds in
  // memory may be stale. Read the accounts again and store keys through the index again.
  data_version_ = *v;
  if (bulk_) {
    bulk_ = false;
    rows_by_key_ = RowsByHash();
    if (collected_) collected_->abandon();
    collected_ = nullptr;
    GS_RETURN_IF_ERROR(restore_bulk_load_indexes(store_.db()));
  }
  return load_accounts();
}

Result<std::int64_t> MessageWriter::begin_file(const FileInfo& info) {
  Stmt& s = insert_file_;
  s.reset();
  s.bind_int64(1, run_id_);
  s.bind_text(2, info.path);
  s.bind_text(3, info.digest);
  s.bind_int64(4, static_cast<std::int64_t>(info.bytes));
  s.bind_text(5, info.format);
  if (s.step() != Stmt::kDone) return db_error(s);
  dataset_ = info.dataset;
  const std::int64_t id = store_.db().last_insert_rowid();
  earlier_reads_.clear();
  Stmt& e = earlier_reads_of_;
  e.reset();
  e.bind_text(1, info.path);
  e.bind_int64(2, id);
  Stmt::StepResult r;
  while ((r = e.step()) == Stmt::kRow) earlier_reads_.push_back(e.column_int64(0));
  if (r != Stmt::kDone) return db_error(e);
  if (!earlier_reads_.empty()) {
    Stmt& d = drop_rejects_of_;
    d.reset();
    d.bind_text(1, info.path);
    if (d.step() != Stmt::kDone) return db_error(d);
  }
  return id;
}

Status MessageWriter::finish_file(std::int64_t file_id, const FileCounts& c) {
  Stmt& s = finish_file_;
  s.reset();
  s.bind_int64(1, static_cast<std::int64_t>(c.records_read));
  s.bind_int64(2, static_cast<std::int64_t>(c.stored));
  s.bind_int64(3, static_cast<std::int64_t>(c.duplicates));
  s.bind_int64(4, static_cast<std::int64_t>(c.conflicts));
  s.bind_int64(5, static_cast<std::int64_t>(c.rejected));
  s.bind_int64(6, static_cast<std::int64_t>(c.account_records));
  s.bind_int64(7, static_cast<std::int64_t>(c.utf8_repaired));
  s.bind_int64(8, file_id);
  if (s.step() != Stmt::kDone) return db_error(s);
  return Status::Ok();
}

Status MessageWriter::begin_batch() {
  GS_RETURN_IF_ERROR(store_.db().exec("BEGIN IMMEDIATE"));
  return catch_up_with_other_writers();
}
Status MessageWriter::commit_batch() {
  // A transaction that only recorded files, rejects or duplicates leaves the analysis columns
  // saved beside the store valid (a re-run over the same files).
  GS_RETURN_IF_ERROR(flush_new_accounts());
  std::string version;
  if (data_changed_) {
    GS_RETURN_IF_ERROR(store_.db().exec(kNewDataVersion));
    auto renewed = read_data_version(store_.db());
    if (!renewed) return renewed.status();
    version = std::move(*renewed);
  }
  data_changed_ = false;
  GS_RETURN_IF_ERROR(store_.db().exec("COMMIT"));
  if (!version.empty()) committed_version_ = std::move(version);
  // Left bulk loading in this transaction (another writer): references are checked again
  // from the next one (the setting cannot change inside a transaction).
  if (!bulk_) GS_RETURN_IF_ERROR(check_references_again());
  return note_data_version();
}

Result<std::int64_t> MessageWriter::account_id_for(const MessageRecord& m, std::uint64_t hash) {
  AccountTable::Entry* known = accounts_.find(hash, m.platform, m.account_id);
  if (known == nullptr && references_unchecked_) {
    // Stored with the transaction, in key order (flush_new_accounts()).
    data_changed_ = true;
    new_accounts_.add(next_account_id_, m.platform, m.account_id, m.account_handle,
                      m.display_name);
    accounts_.add(hash, m.platform, m.account_id,
                  AccountTable::Entry{next_account_id_, !m.account_handle.empty(),
                                      !m.display_name.empty()});
    return next_account_id_++;
  }
  if (known == nullptr) {
    Stmt& s = insert_account_;
    s.reset();
    s.bind_int64(1, next_account_id_);
    s.bind_text_static(2, m.platform);
    s.bind_text_static(3, m.account_id);
    s.bind_text_or_null(4, m.account_handle);
    s.bind_text_or_null(5, m.display_name);
    if (s.step() != Stmt::kDone) return db_error(s);
    data_changed_ = true;
    accounts_.add(hash, m.platform, m.account_id,
                  AccountTable::Entry{next_account_id_, !m.account_handle.empty(),
                                      !m.display_name.empty()});
    return next_account_id_++;
  }
  if ((!known->has_handle && !m.account_handle.empty()) ||
      (!known->has_name && !m.display_name.empty())) {
    known->has_handle = known->has_handle || !m.account_handle.empty();
    known->has_name = known->has_name || !m.display_name.empty();
    if (new_accounts_.fill_gaps(known->id, m.account_handle, m.display_name)) return known->id;
    Stmt& s = touch_account_;
    s.reset();
    s.bind_int64(1, known->id);
    s.bind_text_or_null(2, m.account_handle);
    s.bind_text_or_null(3, m.display_name);
    if (s.step() != Stmt::kDone) return db_error(s);
    data_changed_ = true;
  }
  return known->id;
}

Status MessageWriter::flush_new_accounts() {
  Status failed;
  // Without the key's index (a bulk load set it aside) the rows are appended in id order.
  new_accounts_.in_order(!bulk_, [&](std::int64_t id, std::string_view platform,
                                 std::string_view account_id, std::string_view handle,
                                 std::string_view name) {
    if (!failed.ok()) return;
    Stmt& s = insert_account_;
    s.reset();
    s.bind_int64(1, id);
    s.bind_text_static(2, platform);
    s.bind_text_static(3, account_id);
    s.bind_text_or_null(4, handle);
    s.bind_text_or_null(5, name);
    if (s.step() != Stmt::kDone) failed = db_error(s);
  });
  new_accounts_.clear();
  return failed;
}

void MessageWriter::bind_message(Stmt& s, const MessageRecord& m, const PreparedMessage& p,
                                 std::int64_t account, std::int64_t file_id,
                                 std::uint64_t line, std::uint64_t offset) {
  s.reset();  // every parameter NULL: an absent value is left unbound
  const auto text = [&s](int i, std::string_view v) {
    if (!v.empty()) s.bind_text_static(i, v);
  };
  const auto count = [&s](int i, std::int64_t v) {
    if (v >= 0) s.bind_int64(i, v);
  };
  s.bind_text_static(1, m.platform);
  s.bind_text_static(2, m.chat_id);
  s.bind_text_static(3, m.message_id);
  if (account >= 0) s.bind_int64(4, account);
  if (m.time != kNoTime) {
    s.bind_int64(5, m.time);
    s.bind_int64(6, m.time_resolution_ms);
  }
  s.bind_int64(7, static_cast<std::int64_t>(m.kind));
  text(8, m.text);
  text(9, m.lang);
  text(10, m.reply_to);
  text(11, m.shares);
  text(12, m.quotes);
  text(13, p.urls);
  text(14, p.hashtags);
  text(15, p.mentions);
  text(16, m.media_key);
  count(17, m.views);
  count(18, m.forwards);
  count(19, m.replies);
  count(20, m.reactions);
  count(21, m.likes);
  count(22, m.retweets);
  count(23, m.quotes_count);
  text(24, m.reactions_detail);
  s.bind_int64(25, p.digest);
  if (file_id >= 0) {  // the merge statements have no file, line or offset
    s.bind_int64(26, file_id);
    s.bind_int64(27, static_cast<std::int64_t>(line));
    s.bind_int64(28, static_cast<std::int64_t>(offset));
  }
  s.bind_text_static(29, key_dataset_);
}

Result<WriteOutcome> MessageWriter::put_message(const MessageRecord& m, std::int64_t file_id,
                                                std::uint64_t line, std::uint64_t offset) {
  prepare_message(m, dataset_, scratch_);
  return put_message(m, scratch_, file_id, line, offset);
}

Result<WriteOutcome> MessageWriter::put_message(const MessageRecord& m, const PreparedMessage& p,
                                                std::int64_t file_id, std::uint64_t line,
                                                std::uint64_t offset) {
  std::int64_t account = -1;
  if (!m.account_id.empty()) {
    auto id = account_id_for(m, p.account_hash);
    if (!id) return id.status();
    account = *id;
  }
  key_dataset_ = p.dataset_key ? std::string_view(dataset_) : std::string_view("");
  if (bulk_) {
    Status read;
    const std::int64_t row = rows_by_key_.find(p.key_hash, [&](std::int64_t r) {
      auto same = stored_row_has_key(r, m);
      if (!same) read = same.status();
      return !same || *same;  // a failed read ends the search
    });
    GS_RETURN_IF_ERROR(read);
    if (row < 0) {
      bind_message(append_message_, m, p, account, file_id, line, offset);
      if (append_message_.step() != Stmt::kDone) return db_error(append_message_);
      data_changed_ = true;
      const std::int64_t stored = store_.db().last_insert_rowid();
      rows_by_key_.add(p.key_hash, stored);
      if (collected_) collected_->add(stored, account, m, p);
      return WriteOutcome::kStored;
    }
    const bool same = stored_.account < 0 || account < 0 || stored_.account == account;
    if (!same) {
      GS_RETURN_IF_ERROR(explain_author_conflict(row, m));
      return WriteOutcome::kAuthorConflict;
    }
    const bool read_here_before = read_before_from(line, offset);
    if (stored_.digest == p.digest)
      return read_here_before ? WriteOutcome::kStored : WriteOutcome::kDuplicate;
    bind_message(merge_row_, m, p, account, -1, 0, 0);
    merge_row_.bind_int64(30, row);
    if (merge_row_.step() != Stmt::kDone) return db_error(merge_row_);
    data_changed_ = data_changed_ || store_.db().changes() > 0;
    if (collected_ && store_.db().changes() > 0) collected_->merged(row);
    return read_here_before ? WriteOutcome::kStored : WriteOutcome::kConflict;
  }
  if (collected_) {  // rows stored outside the bulk load are not collected
    collected_->abandon();
    collected_ = nullptr;
  }
  bind_message(insert_message_, m, p, account, file_id, line, offset);
  if (insert_message_.step() != Stmt::kDone) return db_error(insert_message_);
  if (store_.db().changes() == 1) {
    data_changed_ = true;
    return WriteOutcome::kStored;
  }
  auto same = same_author(m, account);
  if (!same) return same.status();
  if (!*same) return WriteOutcome::kAuthorConflict;
  bind_message(merge_message_, m, p, account, -1, 0, 0);
  if (merge_message_.step() != Stmt::kDone) return db_error(merge_message_);
  data_changed_ = data_changed_ || store_.db().changes() > 0;
  if (read_before_from(line, offset)) return WriteOutcome::kStored;
  return store_.db().changes() == 1 ? WriteOutcome::kConflict : WriteOutcome::kDuplicate;
}

Result<bool> MessageWriter::stored_row_has_key(std::int64_t row, const MessageRecord& m) {
  Stmt& s = stored_row_;
  s.reset();
  s.bind_int64(1, row);
  if (s.step() != Stmt::kRow) return db_error(s);
  const bool same = s.column_text(0) == m.platform && s.column_text(1) == key_dataset_ &&
                    s.column_text(2) == m.chat_id && s.column_text(3) == m.message_id;
  stored_.account = s.column_is_null(4) ? -1 : s.column_int64(4);
  stored_.digest = s.column_int64(5);
  stored_.file = s.column_int64(6);
  stored_.line = s.column_int64(7);
  stored_.offset = s.column_int64(8);
  s.reset();
  return same;
}

bool MessageWriter::read_before_from(std::uint64_t line, std::uint64_t offset) const {
  return std::binary_search(earlier_reads_.begin(), earlier_reads_.end(), stored_.file) &&
         stored_.line == static_cast<std::int64_t>(line) &&
         stored_.offset == static_cast<std::int64_t>(offset);
}

namespace {

std::string author_conflict_reason(const Stmt& s, std::string_view account_id) {
  return fmt::format(
      "message key already stored from {} line {} by account '{}', not '{}': records of two "
      "authors are never merged",
      s.column_text(2), s.column_int64(3), s.column_text(1), account_id);
}

}  // namespace

Status MessageWriter::explain_author_conflict(std::int64_t row, const MessageRecord& m) {
  GS_RETURN_IF_ERROR(flush_new_accounts());  // the query reads the stored row's account
  Stmt& s = author_of_row_;
  s.reset();
  s.bind_int64(1, row);
  if (s.step() != Stmt::kRow) return db_error(s);
  conflict_reason_ = author_conflict_reason(s, m.account_id);
  s.reset();
  return Status::Ok();
}

Result<bool> MessageWriter::same_author(const MessageRecord& m, std::int64_t account) {
  GS_RETURN_IF_ERROR(flush_new_accounts());  // the query reads the stored row's account
  Stmt& s = stored_author_;
  s.reset();
  s.bind_text_static(1, m.platform);
  s.bind_text_static(2, key_dataset_);
  s.bind_text_static(3, m.chat_id);
  s.bind_text_static(4, m.message_id);
  if (s.step() != Stmt::kRow) return db_error(s);
  stored_.file = s.column_int64(4);
  stored_.line = s.column_int64(3);
  stored_.offset = s.column_int64(5);
  bool same = s.column_is_null(0) || account < 0 || s.column_int64(0) == account;
  if (!same) conflict_reason_ = author_conflict_reason(s, m.account_id);
  while (s.step() == Stmt::kRow) {
  }
  return same;
}

Status MessageWriter::put_account(const AccountRecord& a) {
  GS_RETURN_IF_ERROR(flush_new_accounts());  // a merge meets the stored row
  const std::uint64_t hash = account_key_hash(a.platform, a.account_id);
  AccountTable::Entry* known = accounts_.find(hash, a.platform, a.account_id);
  Stmt& s = known == nullptr ? insert_account_record_ : merge_account_record_;
  s.reset();
  s.bind_text_static(1, a.platform);
  s.bind_text_static(2, a.account_id);
  s.bind_text_or_null(3, a.handle);
  s.bind_text_or_null(4, a.display_name);
  if (a.created_at != kNoTime) s.bind_int64(5, a.created_at);
  s.bind_count(6, a.followers);
  s.bind_count(7, a.following);
  s.bind_count(8, a.posts);
  s.bind_text_or_null(9, a.description);
  if (a.verified >= 0) s.bind_int64(10, a.verified);
  s.bind_text_or_null(11, to_string(a.kind));
  s.bind_int64(12, known == nullptr ? next_account_id_ : known->id);
  const Stmt::StepResult stepped = s.step();
  if (stepped == Stmt::kError) return db_error(s);
  if (stepped != Stmt::kRow)
    return Status::Internal(fmt::format("account {} of {} is missing from the store",
                                        a.account_id, a.platform));
  data_changed_ = true;  // inserted or updated (an update renews the version by trigger too)
  AccountTable::Entry e{s.column_int64(0), s.column_int64(1) != 0, s.column_int64(2) != 0};
  while (s.step() == Stmt::kRow) {
  }
  if (known != nullptr) {
    *known = e;
  } else {
    accounts_.add(hash, a.platform, a.account_id, e);
    next_account_id_ = e.id + 1;
  }
  return Status::Ok();
}

Status MessageWriter::put_reject(std::string_view file, std::uint64_t line, std::uint64_t offset,
                                 std::string_view reason, std::string_view excerpt) {
  Stmt& s = insert_reject_;
  s.reset();
  s.bind_int64(1, run_id_);
  s.bind_text(2, file);
  s.bind_int64(3, static_cast<std::int64_t>(line));
  s.bind_int64(4, static_cast<std::int64_t>(offset));
  s.bind_text(5, reason);
  s.bind_text(6, excerpt);
  if (s.step() != Stmt::kDone) return db_error(s);
  return Status::Ok();
}

}  // namespace groundswell
