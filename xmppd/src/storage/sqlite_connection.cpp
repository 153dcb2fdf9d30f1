// A SQLite connection: WAL journal, synchronous=FULL, busy timeout, foreign keys, cached
// prepared statements (https://sqlite.org/wal.html, https://sqlite.org/pragma.html).
//
// Durability: in WAL mode synchronous=NORMAL skips the fsync at each commit, so the last
// transactions before a power loss can be lost even though their writers were answered.
// storage.hpp promises that an awaited write is durable (a XEP-0198 <a/> may follow it), so
// the writer uses synchronous=FULL: one fsync of the WAL per commit, which group commit shares
// among every write of the batch.
//
// Errors (what the engine does with them):
//   SQLITE_BUSY: another process (xmppctl, a backup, an operator's sqlite3 shell) has held the
//   write lock beyond the busy timeout; with one writer per database nothing in xmppd competes,
//   so this is an outage: TransactionAborted(unavailable), the writes stay queued and are tried
//   again until the lock is free.
//   SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_NOMEM (disk full, file system gone
//   read-only or away): TransactionAborted(unavailable) as well, on a connection opened afresh,
//   since its state after an I/O error is in doubt.
//   SQLITE_LOCKED (a conflict inside this process): TransactionAborted(conflict), retried a
//   bounded number of times. Anything else is the job's own failure.
#include "storage/sqlite_connection.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "storage/archive_sql.hpp"

namespace xmppd::storage {
namespace {

constexpr int kBusyTimeoutMs = 5000;

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  std::int64_t i64(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string str(int column) const override {
    const void* data = sqlite3_column_blob(stmt_, column);
    int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::string(static_cast<const char*>(data), static_cast<std::size_t>(size))
                : std::string();
  }
  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

 private:
  sqlite3_stmt* stmt_;
};

// Leaves a cached statement ready for its next use, however its use ended.
struct ResetOnExit {
  sqlite3_stmt* stmt;
  ~ResetOnExit() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

bool is_busy(int rc) { return (rc & 0xff) == SQLITE_BUSY; }
bool is_conflict(int rc) { return (rc & 0xff) == SQLITE_LOCKED; }

// The connection cannot be trusted after these: it is opened again.
bool is_broken(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
         primary == SQLITE_NOMEM;
}

bool is_transient(int rc) { return is_busy(rc) || is_conflict(rc) || is_broken(rc); }

// xmppd_archive_tag(kind, value): the archive's search tag (storage/archive_sql.hpp), for
// migration 0019, which tags the rows archived before it in SQL.
void archive_tag_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* kind = sqlite3_value_text(argv[0]);
  const auto* value = sqlite3_value_text(argv[1]);
  if (!kind || !value) {
    sqlite3_result_null(ctx);
    return;
  }
  std::string tag = archive_search_tag(static_cast<char>(kind[0]),
                                       std::string_view(reinterpret_cast<const char*>(value),
                                                        static_cast<std::size_t>(sqlite3_value_bytes(argv[1]))));
  sqlite3_result_text(ctx, tag.c_str(), static_cast<int>(tag.size()), SQLITE_TRANSIENT);
}

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, Mode mode) : path_(path), mode_(mode) {
  open();
}

void SqliteConnection::open() {
  const std::string& path = path_;
  Mode mode = mode_;
  int flags = SQLITE_OPEN_NOMUTEX |  // one thread at a time uses a connection
              (mode == Mode::writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                    : SQLITE_OPEN_READONLY);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("storage: cannot open SQLite database '" + path + "': " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_create_function_v2(db_, "xmppd_archive_tag", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                             archive_tag_function, nullptr, nullptr, nullptr);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  auto pragma = [&](const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error("storage: SQLite database '" + path + "': " + sql + ": " +
                               message);
    }
  };
  pragma("PRAGMA foreign_keys = ON");
  if (mode == Mode::writer) {
    // journal_mode answers with the mode in force: a database on a file system without shared
    // memory support would stay in "delete" mode, which we refuse rather than run slowly.
    std::string journal;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode = WAL", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      journal = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (journal != "wal") {
      std::string message = sqlite3_errmsg(db_);
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error("storage: SQLite database '" + path +
                               "': cannot switch to WAL mode (" +
                               (journal.empty() ? message : "journal_mode is " + journal) + ")");
    }
    pragma("PRAGMA synchronous = FULL");
  } else {
    pragma("PRAGMA query_only = ON");
  }
}

SqliteConnection::~SqliteConnection() { close(); }

void SqliteConnection::close() noexcept {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
  if (db_) sqlite3_close(db_);
  db_ = nullptr;
  in_transaction_ = false;
}

void SqliteConnection::ensure_open() {
  if (db_ && !broken_) return;
  close();
  try {
    open();
    broken_ = false;
  } catch (const std::exception& e) {
    throw TransactionAborted(e.what(), TransactionAborted::Cause::unavailable);
  }
}

void SqliteConnection::fail(int rc, std::string_view what) {
  std::string text = "storage: SQLite " + std::string(what) + ": " + sqlite3_errmsg(db_) +
                     " (code " + std::to_string(rc) + ")";
  if (is_broken(rc) || is_busy(rc)) {
    if (is_broken(rc)) broken_ = true;
    throw TransactionAborted(text, TransactionAborted::Cause::unavailable);
  }
  if (is_conflict(rc)) throw TransactionAborted(text);
  throw StorageError(text, false);
}

sqlite3_stmt* SqliteConnection::prepare(std::string_view sql) {
  if (!db_) throw TransactionAborted("storage: SQLite: not open", TransactionAborted::Cause::unavailable);
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, "prepare of '" + std::string(sql) + "'");
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

void SqliteConnection::bind(sqlite3_stmt* stmt, std::span<const Param> params) {
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
    throw StorageError("storage: SQLite statement '" + std::string(sqlite3_sql(stmt)) +
                           "' bound with a wrong number of parameters",
                       false);
  }
  int index = 1;
  for (const Param& p : params) {
    int rc = std::visit(
        [&](const auto& v) -> int {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::nullptr_t>) {
            return sqlite3_bind_null(stmt, index);
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            return sqlite3_bind_int64(stmt, index, v);
          } else if constexpr (std::is_same_v<V, std::string_view>) {
            return sqlite3_bind_text64(stmt, index, v.data() ? v.data() : "", v.size(),
                                       SQLITE_STATIC, SQLITE_UTF8);
          } else {
            return sqlite3_bind_blob64(stmt, index, v.bytes.data() ? v.bytes.data() : "",
                                       v.bytes.size(), SQLITE_STATIC);
          }
        },
        p);
    if (rc != SQLITE_OK) fail(rc, "bind");
    ++index;
  }
}

void SqliteConnection::begin() {
  // IMMEDIATE: take the write lock now, so a batch never fails half-way on a busy upgrade.
  exec("BEGIN IMMEDIATE", {});
  in_transaction_ = true;
}

void SqliteConnection::commit() {
  exec("COMMIT", {});
  in_transaction_ = false;
}

void SqliteConnection::rollback() noexcept {
  if (!db_ || sqlite3_get_autocommit(db_)) {
    in_transaction_ = false;
    return;
  }
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_transaction_ = false;
}

std::uint64_t SqliteConnection::exec_params(std::string_view sql, std::span<const Param> params) {
  sqlite3_stmt* stmt = prepare(sql);
  ResetOnExit reset{stmt};
  bind(stmt, params);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) fail(rc, "'" + std::string(sql) + "'");
  return static_cast<std::uint64_t>(sqlite3_changes64(db_));
}

std::int64_t SqliteConnection::last_insert_id() { return sqlite3_last_insert_rowid(db_); }

void SqliteConnection::query_params(std::string_view sql, std::span<const Param> params,
                             const std::function<void(const Row&)>& on_row) {
  sqlite3_stmt* stmt = prepare(sql);
  ResetOnExit reset{stmt};
  bind(stmt, params);
  SqliteRow row(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) on_row(row);
  if (rc != SQLITE_DONE) fail(rc, "'" + std::string(sql) + "'");
}

void SqliteConnection::exec_script(std::string_view sql) {
  std::string script(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StorageError("storage: SQLite script: " + message, is_transient(rc));
  }
}

}  // namespace xmppd::storage
