// Small RAII wrappers over SQLite's C API: a connection (Db) and a prepared statement (Stmt).
// Errors come back as Status carrying SQLite's message; nothing here throws.
//
//   Db db; GS_RETURN_IF_ERROR(db.open(path));
//   Stmt s; GS_RETURN_IF_ERROR(db.prepare("SELECT count(*) FROM messages", s));
//   while (s.step() == Stmt::kRow) use(s.column_int64(0));
//
// Thread-safety: a Db and its statements belong to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "groundswell/status.h"

namespace groundswell {

class Stmt {
 public:
  enum StepResult { kRow, kDone, kError };

  Stmt() = default;
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(Stmt&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) {
      sqlite3_finalize(stmt_);
      stmt_ = o.stmt_;
      o.stmt_ = nullptr;
    }
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binding uses 1-based parameter indices as SQLite does. Text is copied (SQLITE_TRANSIENT)
  // unless `bind_text_static` is used with storage that outlives the next step().
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  void bind_int64(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_double(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_text_static(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  // NULL for an empty string, so "absent" stays distinguishable in SQL.
  void bind_text_or_null(int i, std::string_view v) {
    if (v.empty()) bind_null(i); else bind_text_static(i, v);
  }
  // NULL for a negative ("absent") counter.
  void bind_count(int i, std::int64_t v) {
    if (v < 0) bind_null(i); else bind_int64(i, v);
  }

  StepResult step();
  void reset() { sqlite3_reset(stmt_); sqlite3_clear_bindings(stmt_); }
  std::string error() const;

  bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::int64_t column_int64(int i) const { return sqlite3_column_int64(stmt_, i); }
  double column_double(int i) const { return sqlite3_column_double(stmt_, i); }
  std::string_view column_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string_view();
  }

  sqlite3_stmt* raw() { return stmt_; }

 private:
  friend class Db;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  Db() = default;
  ~Db() { close(); }
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept {
    if (this != &o) {
      close();
      db_ = o.db_;
      o.db_ = nullptr;
    }
    return *this;
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status open(const std::string& path, bool read_only = false);
  void close();
  bool is_open() const { return db_ != nullptr; }

  Status exec(std::string_view sql);
  Status prepare(std::string_view sql, Stmt& out);
  // Runs a query returning one integer (for example a count); `fallback` if no row.
  Result<std::int64_t> query_int64(std::string_view sql, std::int64_t fallback = 0);

  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  std::string error() const { return db_ ? sqlite3_errmsg(db_) : "database not open"; }
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) { status_ = db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (status_.ok() && !done_) (void)db_.exec("ROLLBACK");
  }
  const Status& begin_status() const { return status_; }
  Status commit() {
    done_ = true;
    return db_.exec("COMMIT");
  }

 private:
  Db& db_;
  Status status_;
  bool done_ = false;
};

}  // namespace groundswell
