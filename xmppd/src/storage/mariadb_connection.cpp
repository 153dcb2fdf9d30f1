// A MariaDB connection: Connector/C prepared statements cached per connection, utf8mb4, strict
// SQL mode, our own reconnect (https://mariadb.com/kb/en/mariadb-connector-c-api-prepared-statement-functions/).
//
// Sorting of errors (what the engine does with them):
//   connection lost (2006 gone away, 2013 lost, also after the read/write timeout of a server
//   that stopped answering, 1927 killed, 1053 shutdown, 4031 idle timeout, network read/write
//   errors), cannot connect, Galera "WSREP has not yet prepared node" 1047: mark broken ->
//   TransactionAborted(unavailable); the engine keeps the writes queued and calls
//   ensure_open() with back-off, which reconnects, and the statements are prepared again on
//   first use. Lost during COMMIT: the outcome is unknown, so the engine does not run the
//   batch again.
//   deadlock 1213 (also Galera's certification failure), lock wait timeout 1205, error during
//   commit 1180, statement needs re-preparing 1615: TransactionAborted(conflict) -> rolled back
//   and retried a bounded number of times.
//   anything else: StorageError(permanent).
#include "storage/mariadb_connection.hpp"

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace xmppd::storage {
namespace {

constexpr unsigned kClientInteractionTimeout = 4031;  // ER_CLIENT_INTERACTION_TIMEOUT (10.6+)

unsigned seconds(std::chrono::seconds s) { return static_cast<unsigned>(std::max<long long>(1, s.count())); }

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

struct Column {
  bool integer = false;
  long long i = 0;
  std::vector<char> buffer;
  unsigned long length = 0;
  my_bool null = 0;
  my_bool error = 0;
};

class MariadbRow final : public Row {
 public:
  explicit MariadbRow(const std::vector<Column>& columns) : columns_(columns) {}
  std::int64_t i64(int column) const override {
    const Column& c = at(column);
    if (c.null) return 0;
    if (c.integer) return c.i;
    return std::stoll(std::string(c.buffer.data(), size(c)));
  }
  std::string str(int column) const override {
    const Column& c = at(column);
    if (c.null) return {};
    if (c.integer) return std::to_string(c.i);
    return std::string(c.buffer.data(), size(c));
  }
  bool is_null(int column) const override { return at(column).null; }

 private:
  const Column& at(int column) const {
    if (column < 0 || static_cast<std::size_t>(column) >= columns_.size()) {
      throw StorageError("storage: MariaDB column " + std::to_string(column) + " out of range",
                         false);
    }
    return columns_[static_cast<std::size_t>(column)];
  }
  static std::size_t size(const Column& c) {
    return std::min<std::size_t>(c.length, c.buffer.size());
  }
  const std::vector<Column>& columns_;
};

bool is_integer_type(enum_field_types t) {
  switch (t) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string MariadbParams::where() const {
  return socket.empty() ? host + ":" + std::to_string(port) : socket;
}

bool MariadbConnection::is_connection_lost(unsigned error) {
  switch (error) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_COMMANDS_OUT_OF_SYNC:  // the protocol state is unknown: start afresh
    case CR_ERR_NET_READ:
    case CR_ERR_NET_WRITE:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case ER_UNKNOWN_STMT_HANDLER:  // the server forgot our statements: reconnect, re-prepare
    case kClientInteractionTimeout:
      return true;
    default:
      return false;
  }
}

bool MariadbConnection::is_retryable(unsigned error) {
  switch (error) {
    case ER_LOCK_DEADLOCK:        // 1213, also a Galera certification failure
    case ER_LOCK_WAIT_TIMEOUT:    // 1205
    case ER_ERROR_DURING_COMMIT:  // 1180
    case ER_TABLE_DEF_CHANGED:    // 1412
    case ER_XA_RBDEADLOCK:        // 1614
    case ER_NEED_REPREPARE:       // 1615: DDL changed a table under a prepared statement
      return true;
    default:
      return false;
  }
}

bool MariadbConnection::is_unavailable(unsigned error) {
  // 1047 on a Galera node outside the primary component ("WSREP has not yet prepared node for
  // application use"): it may last minutes; a new connection may reach a node that is ready.
  return is_connection_lost(error) || error == ER_UNKNOWN_COM_ERROR || error == ER_CON_COUNT_ERROR ||
         error == ER_TOO_MANY_USER_CONNECTIONS;
}

MariadbConnection::MariadbConnection(MariadbParams params) : params_(std::move(params)) {
  try {
    connect();
  } catch (const StorageError& e) {
    throw std::runtime_error(e.what());
  }
}

MariadbConnection::~MariadbConnection() { disconnect(); }

void MariadbConnection::connect() {
  library_init();
  db_ = mysql_init(nullptr);
  if (!db_) throw StorageError("storage: MariaDB: out of memory", true);
  my_bool no = 0, yes = 1;
  unsigned connect_timeout = seconds(params_.connect_timeout);
  unsigned read_timeout = seconds(params_.read_timeout), write_timeout = seconds(params_.write_timeout);
  mysql_optionsv(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(db_, MYSQL_OPT_RECONNECT, &no);  // see the file comment
  mysql_optionsv(db_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(db_, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(db_, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(db_, MYSQL_REPORT_DATA_TRUNCATION, &yes);
  unsigned long flags = params_.multi_statements ? CLIENT_MULTI_STATEMENTS : 0;
  const char* host = params_.socket.empty() ? params_.host.c_str() : nullptr;
  const char* socket = params_.socket.empty() ? nullptr : params_.socket.c_str();
  if (!mysql_real_connect(db_, host, params_.user.c_str(), params_.password.c_str(),
                          params_.database.c_str(), params_.socket.empty() ? params_.port : 0,
                          socket, flags)) {
    unsigned error = mysql_errno(db_);
    std::string message = mysql_error(db_);
    disconnect();
    bool transient = is_unavailable(error);
    throw StorageError("storage: cannot connect to MariaDB at " + params_.where() + " as '" +
                           params_.user + "' (database '" + params_.database + "'): " + message +
                           " (error " + std::to_string(error) + ")",
                       transient);
  }
  broken_ = false;
  // Refuse bad data instead of truncating it; READ COMMITTED keeps InnoDB's gap locks (and so
  // deadlocks between batches on different nodes) to a minimum; a lock wait long enough for a
  // busy row, short enough not to stall every writer behind one batch.
  simple(
      "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
      "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
  simple("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  std::string lock_wait = "SET SESSION innodb_lock_wait_timeout = " +
                          std::to_string(std::max<long long>(1, params_.lock_wait_timeout.count()));
  simple(lock_wait.c_str());
}

void MariadbConnection::disconnect() noexcept {
  for (auto& [sql, stmt] : statements_) mysql_stmt_close(stmt);
  statements_.clear();
  if (db_) mysql_close(db_);
  db_ = nullptr;
}

void MariadbConnection::ensure_open() {
  if (db_ && !broken_) return;
  disconnect();
  try {
    connect();
  } catch (const StorageError& e) {
    disconnect();
    if (!e.transient()) throw;
    throw TransactionAborted(e.what(), TransactionAborted::Cause::unavailable);
  }
}

namespace {
// Some server messages quote the offending value ("Duplicate entry 'alice@d' for key …",
// "Incorrect string value: '\xF0…'"), and error texts end up in the log, where personal data
// must never go: for those only the error number is kept.
std::string loggable(unsigned error, const std::string& message) {
  switch (error) {
    case ER_DUP_ENTRY:                // 1062
    case ER_DUP_ENTRY_WITH_KEY_NAME:  // 1586
    case ER_TRUNCATED_WRONG_VALUE:    // 1292
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:  // 1366
    case ER_INVALID_CHARACTER_STRING:         // 1300
      return "(message withheld: it quotes stored data)";
    default:
      return message;
  }
}
}  // namespace

void MariadbConnection::fail(unsigned error, const std::string& message, std::string_view what,
                             bool is_commit) {
  std::string text = "storage: MariaDB " + std::string(what) + ": " + loggable(error, message) +
                     " (error " + std::to_string(error) + ")";
  if (is_unavailable(error)) {
    broken_ = true;
    throw TransactionAborted(text, TransactionAborted::Cause::unavailable,
                             is_commit && is_connection_lost(error));
  }
  if (error == ER_NEED_REPREPARE) broken_ = true;  // prepared again after reconnecting
  if (is_retryable(error)) throw TransactionAborted(text);
  throw StorageError(text, false);
}

void MariadbConnection::simple(const char* sql, bool is_commit) {
  if (!db_) throw TransactionAborted("storage: MariaDB: not connected", TransactionAborted::Cause::unavailable);
  if (mysql_query(db_, sql) != 0) fail(mysql_errno(db_), mysql_error(db_), sql, is_commit);
}

void MariadbConnection::begin() { simple("START TRANSACTION"); }
void MariadbConnection::commit() { simple("COMMIT", true); }

void MariadbConnection::rollback() noexcept {
  if (!db_ || broken_) return;
  if (mysql_rollback(db_) != 0 && is_connection_lost(mysql_errno(db_))) broken_ = true;
}

MYSQL_STMT* MariadbConnection::prepare(std::string_view sql) {
  if (!db_) throw TransactionAborted("storage: MariaDB: not connected", TransactionAborted::Cause::unavailable);
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  MYSQL_STMT* stmt = mysql_stmt_init(db_);
  if (!stmt) fail(mysql_errno(db_), mysql_error(db_), "statement init");
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    unsigned error = mysql_stmt_errno(stmt);
    std::string message = mysql_stmt_error(stmt);
    mysql_stmt_close(stmt);
    fail(error, message, "prepare of '" + std::string(sql) + "'");
  }
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

MYSQL_STMT* MariadbConnection::execute(std::string_view sql, std::span<const Param> params) {
  MYSQL_STMT* stmt = prepare(sql);
  if (mysql_stmt_param_count(stmt) != params.size()) {
    throw StorageError("storage: MariaDB statement '" + std::string(sql) +
                           "' bound with a wrong number of parameters",
                       false);
  }
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<long long> integers(params.size());
  std::vector<unsigned long> lengths(params.size());
  std::size_t i = 0;
  for (const Param& p : params) {
    MYSQL_BIND& b = binds[i];
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::nullptr_t>) {
            b.buffer_type = MYSQL_TYPE_NULL;
          } else if constexpr (std::is_same_v<V, std::int64_t>) {
            integers[i] = v;
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &integers[i];
          } else {
            std::string_view bytes;
            if constexpr (std::is_same_v<V, std::string_view>) {
              bytes = v;
              b.buffer_type = MYSQL_TYPE_STRING;
            } else {
              bytes = v.bytes;
              b.buffer_type = MYSQL_TYPE_BLOB;  // binary: no character set conversion
            }
            lengths[i] = bytes.size();
            b.buffer = const_cast<char*>(bytes.data() ? bytes.data() : "");
            b.buffer_length = bytes.size();
            b.length = &lengths[i];
          }
        },
        p);
    ++i;
  }
  if (!binds.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) {
    fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "bind of '" + std::string(sql) + "'");
  }
  if (mysql_stmt_execute(stmt) != 0) {
    fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "'" + std::string(sql) + "'");
  }
  return stmt;
}

std::uint64_t MariadbConnection::exec_params(std::string_view sql, std::span<const Param> params) {
  MYSQL_STMT* stmt = execute(sql, params);
  std::uint64_t affected = mysql_stmt_affected_rows(stmt);
  last_insert_id_ = static_cast<std::int64_t>(mysql_stmt_insert_id(stmt));
  if (mysql_stmt_field_count(stmt) > 0) mysql_stmt_free_result(stmt);
  return affected == static_cast<std::uint64_t>(-1) ? 0 : affected;
}

void MariadbConnection::query_params(std::string_view sql, std::span<const Param> params,
                              const std::function<void(const Row&)>& on_row) {
  MYSQL_STMT* stmt = execute(sql, params);
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
  if (!meta) {
    if (mysql_stmt_errno(stmt) != 0) {
      fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "metadata of '" + std::string(sql) + "'");
    }
    return;  // no result set
  }
  struct Cleanup {
    MYSQL_STMT* stmt;
    MYSQL_RES* meta;
    ~Cleanup() {
      mysql_stmt_free_result(stmt);
      mysql_free_result(meta);
    }
  } cleanup{stmt, meta};

  unsigned count = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<Column> columns(count);
  std::vector<MYSQL_BIND> binds(count);
  for (unsigned c = 0; c < count; ++c) {
    Column& col = columns[c];
    MYSQL_BIND& b = binds[c];
    col.integer = is_integer_type(fields[c].type);
    if (col.integer) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &col.i;
      b.is_unsigned = (fields[c].flags & UNSIGNED_FLAG) != 0;
    } else {
      col.buffer.resize(256);
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = col.buffer.data();
      b.buffer_length = col.buffer.size();
    }
    b.length = &col.length;
    b.is_null = &col.null;
    b.error = &col.error;
  }
  auto where = [&] { return "'" + std::string(sql) + "'"; };
  if (mysql_stmt_bind_result(stmt, binds.data()) != 0) {
    fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "bind result of " + where());
  }
  // The whole result comes over before the first row is handed on: the connection is free
  // again at once, and a slow consumer holds no server resources.
  if (mysql_stmt_store_result(stmt) != 0) {
    fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "result of " + where());
  }
  MariadbRow row(columns);
  for (;;) {
    int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "fetch of " + where());
    bool rebind = false;
    for (unsigned c = 0; c < count; ++c) {
      Column& col = columns[c];
      if (col.integer || col.null || col.length <= col.buffer.size()) continue;
      // Longer than the buffer: fetch it again whole, and keep the larger buffer.
      col.buffer.resize(col.length);
      MYSQL_BIND b{};
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = col.buffer.data();
      b.buffer_length = col.buffer.size();
      unsigned long length = 0;
      b.length = &length;
      if (mysql_stmt_fetch_column(stmt, &b, c, 0) != 0) {
        fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "fetch column of " + where());
      }
      binds[c].buffer = col.buffer.data();
      binds[c].buffer_length = col.buffer.size();
      rebind = true;
    }
    on_row(row);
    if (rebind && mysql_stmt_bind_result(stmt, binds.data()) != 0) {
      fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), "bind result of " + where());
    }
  }
}

void MariadbConnection::exec_script(std::string_view sql) {
  if (!db_) throw TransactionAborted("storage: MariaDB: not connected", TransactionAborted::Cause::unavailable);
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) {
    fail(mysql_errno(db_), mysql_error(db_), "script");
  }
  for (;;) {
    if (MYSQL_RES* result = mysql_store_result(db_)) {
      mysql_free_result(result);
    } else if (mysql_field_count(db_) != 0) {
      fail(mysql_errno(db_), mysql_error(db_), "script");
    }
    int next = mysql_next_result(db_);
    if (next > 0) fail(mysql_errno(db_), mysql_error(db_), "script");
    if (next < 0) break;  // no more results
  }
}

}  // namespace xmppd::storage
