#include "store/sqlite.h"

#include <fmt/format.h>

namespace groundswell {

Stmt::StepResult Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return kRow;
  if (rc == SQLITE_DONE) return kDone;
  return kError;
}

namespace {

// SQLite's message prefixed with the database's file, so that "database or disk is full"
// names where the space ran out.
std::string with_file(sqlite3* db, const char* message) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  if (file == nullptr || *file == '\0') return message;
  return fmt::format("{}: {}", file, message);
}

}  // namespace

std::string Stmt::error() const {
  sqlite3* db = sqlite3_db_handle(stmt_);
  return db ? with_file(db, sqlite3_errmsg(db)) : "no statement";
}

namespace {

// Process-wide SQLite settings, before the library initializes: without memory statistics
// every sqlite3_malloc skips a global mutex (measured: 10 % of an ingest's CPU time).
void configure_sqlite_once() {
  static const int rc = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }();
  (void)rc;  // SQLITE_MISUSE when something initialized SQLite first: statistics stay on
}

}  // namespace

Status Db::open(const std::string& path, bool read_only) {
  configure_sqlite_once();
  close();
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    close();
    return Status::IoError(fmt::format("cannot open database {}: {}", path, msg));
  }
  sqlite3_busy_timeout(db_, 10000);
  sqlite3_extended_result_codes(db_, 1);
  return Status::Ok();
}

void Db::close() {
  if (db_) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

Status Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Status::IoError(fmt::format("database: {} (in: {:.80})", with_file(db_, msg.c_str()), s));
  }
  return Status::Ok();
}

Status Db::prepare(std::string_view sql, Stmt& out) {
  sqlite3_finalize(out.stmt_);
  out.stmt_ = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &out.stmt_, nullptr);
  if (rc != SQLITE_OK) {
    return Status::Internal(fmt::format("database: {} (preparing: {:.80})", sqlite3_errmsg(db_), sql));
  }
  return Status::Ok();
}

Result<std::int64_t> Db::query_int64(std::string_view sql, std::int64_t fallback) {
  Stmt s;
  GS_RETURN_IF_ERROR(prepare(sql, s));
  auto r = s.step();
  if (r == Stmt::kRow) return s.column_int64(0);
  if (r == Stmt::kDone) return fallback;
  return Status::IoError(fmt::format("database: {}", s.error()));
}

}  // namespace groundswell
