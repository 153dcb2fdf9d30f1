// Validates a StorageConfig, opens the backend's connections, migrates, starts its threads.
#include "storage/storage_factory.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "storage/mariadb_connection.hpp"
#include "storage/sql_storage.hpp"
#include "storage/sqlite_connection.hpp"

namespace xmppd {
namespace {

using storage::Connection;

[[noreturn]] void bad_config(const std::string& key, const std::string& why) {
  throw std::runtime_error("storage: bad configuration: " + key + ": " + why);
}

storage::Engine::Options engine_options(const StorageConfig& config) {
  if (config.commit_window.count() < 0 || config.commit_window.count() > 1000) {
    bad_config("commit_window", "must be between 0 and 1000 ms, is " +
                                    std::to_string(config.commit_window.count()) + " ms");
  }
  if (config.max_attempts < 1 || config.max_attempts > 100) {
    bad_config("max_attempts", "must be between 1 and 100");
  }
  if (config.pending_max < 1) bad_config("pending_max", "must be at least 1");
  if (config.outage_retry_max.count() < 1) bad_config("outage_retry_max", "must be at least 1 ms");
  storage::Engine::Options options;
  options.commit_window = config.commit_window;
  options.max_attempts = config.max_attempts;
  options.pending_max = config.pending_max;
  options.pending_bytes_max = static_cast<std::size_t>(config.pending_bytes_max);
  options.outage_retry_max = config.outage_retry_max;
  return options;
}

std::unique_ptr<Storage> open_sqlite(const StorageConfig& config) {
  using storage::SqliteConnection;
  if (config.sqlite_path.empty()) bad_config("sqlite_path", "is empty");
  if (config.sqlite_readers < 1 || config.sqlite_readers > 64) {
    bad_config("sqlite_readers", "must be between 1 and 64, is " +
                                     std::to_string(config.sqlite_readers));
  }
  auto options = engine_options(config);
  std::string path = config.sqlite_path;
  // The writer first: it creates the file and switches it to WAL, which the read-only
  // connections need.
  auto writer = std::make_unique<SqliteConnection>(path, SqliteConnection::Mode::writer);
  auto migration_connection = [path]() -> std::unique_ptr<Connection> {
    return std::make_unique<SqliteConnection>(path, SqliteConnection::Mode::writer);
  };
  if (config.migrate) storage::run_migrations(*migration_connection(), storage::kSqliteDialect);
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < config.sqlite_readers; ++i) {
    readers.push_back(std::make_unique<SqliteConnection>(path, SqliteConnection::Mode::reader));
  }
  return std::make_unique<storage::SqlStorage>(storage::kSqliteDialect, migration_connection,
                                               std::move(writer), std::move(readers), options);
}

std::unique_ptr<Storage> open_mariadb(const StorageConfig& config) {
  using storage::MariadbConnection;
  if (config.mariadb_host.empty() && config.mariadb_socket.empty()) {
    bad_config("mariadb_host", "set mariadb_host (and mariadb_port) or mariadb_socket");
  }
  if (config.mariadb_user.empty()) bad_config("mariadb_user", "is empty");
  if (config.mariadb_database.empty()) bad_config("mariadb_database", "is empty");
  if (config.mariadb_port == 0 || config.mariadb_port > 65535) {
    bad_config("mariadb_port", "must be between 1 and 65535");
  }
  if (config.mariadb_connections < 2 || config.mariadb_connections > 256) {
    bad_config("mariadb_connections",
               "must be between 2 and 256 (one writer, the others readers), is " +
                   std::to_string(config.mariadb_connections));
  }
  if (config.mariadb_lock_wait_timeout.count() < 1) {
    bad_config("mariadb_lock_wait_timeout", "must be at least 1 s");
  }
  auto options = engine_options(config);
  storage::MariadbParams params;
  params.host = config.mariadb_host;
  params.socket = config.mariadb_socket;
  params.user = config.mariadb_user;
  params.password = config.mariadb_password;
  params.database = config.mariadb_database;
  params.port = config.mariadb_port;
  params.lock_wait_timeout = config.mariadb_lock_wait_timeout;
  params.connect_timeout = config.mariadb_connect_timeout;
  params.read_timeout = config.mariadb_read_timeout;
  params.write_timeout = config.mariadb_write_timeout;
  auto migration_connection = [params]() -> std::unique_ptr<Connection> {
    auto p = params;
    p.multi_statements = true;
    // A migration may rewrite every row of a large table in one statement (0024 on the archive:
    // about 6 minutes for 1,000,000 messages on a loaded machine), far beyond the read timeout
    // of ordinary statements; it runs once, at start, before the server serves anyone.
    p.read_timeout = std::max(p.read_timeout, std::chrono::seconds(std::chrono::hours(6)));
    return std::make_unique<MariadbConnection>(p);
  };
  auto writer = std::make_unique<MariadbConnection>(params);
  if (config.migrate) storage::run_migrations(*migration_connection(), storage::kMariadbDialect);
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 1; i < config.mariadb_connections; ++i) {
    readers.push_back(std::make_unique<MariadbConnection>(params));
  }
  return std::make_unique<storage::SqlStorage>(storage::kMariadbDialect, migration_connection,
                                               std::move(writer), std::move(readers), options);
}

}  // namespace

std::unique_ptr<Storage> open_storage(const StorageConfig& config) {
  if (config.backend == "sqlite") return open_sqlite(config);
  if (config.backend == "mariadb") return open_mariadb(config);
  bad_config("backend", "must be \"sqlite\" or \"mariadb\", is \"" + config.backend + "\"");
}

StorageStats storage_stats(const Storage& s) {
  auto* sql = dynamic_cast<const storage::SqlStorage*>(&s);
  if (!sql) return {};
  auto e = sql->stats();
  return {e.write_jobs, e.write_transactions, e.retries, e.refused, e.pending_writes, e.unavailable};
}

}  // namespace xmppd
