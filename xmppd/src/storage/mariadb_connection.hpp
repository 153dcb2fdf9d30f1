// A MariaDB connection through Connector/C prepared statements (mysql_stmt_*) behind
// storage::Connection, reconnecting by itself (never MYSQL_OPT_RECONNECT, which would lose the
// session state and the prepared statements without telling us).
#pragma once
#include <chrono>
#include <string>
#include <unordered_map>

#include "storage/db.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace xmppd::storage {

struct MariadbParams {
  std::string host, socket, user, password, database;
  unsigned port = 3306;
  std::chrono::seconds lock_wait_timeout{5};
  // A server that stops answering (hung, SIGSTOPped, a dead network path) must fail a call
  // within these, never hang it: then the engine reconnects or waits out the outage.
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  bool multi_statements = false;  // for the migration runner only
  // host:port or the socket, for messages.
  std::string where() const;
};

class MariadbConnection final : public Connection {
 public:
  // Throws std::runtime_error saying where it could not connect and why.
  explicit MariadbConnection(MariadbParams params);
  ~MariadbConnection() override;

  void ensure_open() override;
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  std::uint64_t exec_params(std::string_view sql, std::span<const Param> params) override;
  std::int64_t last_insert_id() override { return last_insert_id_; }
  void query_params(std::string_view sql, std::span<const Param> params,
                    const std::function<void(const Row&)>& on_row) override;
  void exec_script(std::string_view sql) override;

  // Error numbers this connection sorts (exposed for tests and logs).
  static bool is_connection_lost(unsigned error);
  static bool is_retryable(unsigned error);    // a conflict: retried a bounded number of times
  static bool is_unavailable(unsigned error);  // the server cannot serve now: an outage

 private:
  void connect();     // throws StorageError (transient when it may work later)
  void disconnect() noexcept;
  st_mysql_stmt* prepare(std::string_view sql);
  st_mysql_stmt* execute(std::string_view sql, std::span<const Param> params);
  void simple(const char* sql, bool is_commit = false);
  [[noreturn]] void fail(unsigned error, const std::string& message, std::string_view what,
                         bool is_commit = false);

  MariadbParams params_;
  st_mysql* db_ = nullptr;
  bool broken_ = false;
  std::unordered_map<std::string, st_mysql_stmt*, SqlHash, std::equal_to<>> statements_;
  std::int64_t last_insert_id_ = 0;
};

}  // namespace xmppd::storage
