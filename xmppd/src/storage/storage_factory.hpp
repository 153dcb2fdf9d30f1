// Opens the configured storage backend (SQLite or MariaDB) behind the interfaces of
// xmppd/storage.hpp, applying pending schema migrations first.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "xmppd/storage.hpp"

namespace xmppd {

struct StorageConfig {
  std::string backend;  // "sqlite" | "mariadb"
  std::string sqlite_path;
  int sqlite_readers = 2;
  std::string mariadb_host, mariadb_socket, mariadb_user, mariadb_password, mariadb_database;
  unsigned mariadb_port = 3306;
  int mariadb_connections = 4;  // one writer, the others readers: at least 2
  // How long the writer collects writes into one transaction (group commit); 0: only what
  // queued while the previous transaction ran.
  std::chrono::milliseconds commit_window{2};
  // Added beyond the first draft:
  bool migrate = true;  // apply pending migrations when opening (xmppctl migrate sets false)
  int max_attempts = 5;  // runs of a transaction lost to a deadlock or a lost connection
  std::chrono::seconds mariadb_lock_wait_timeout{5};  // innodb_lock_wait_timeout of a session
};

// Throws std::runtime_error with a precise message on a bad configuration, a database that
// cannot be opened or reached, or a failed migration.
std::unique_ptr<Storage> open_storage(const StorageConfig& config);

// Counters of a storage opened by open_storage (for metrics and tests).
struct StorageStats {
  std::uint64_t write_jobs = 0;          // writes committed
  std::uint64_t write_transactions = 0;  // transactions that committed them (group commit)
  std::uint64_t retries = 0;             // transactions or reads run again after a transient loss
};
StorageStats storage_stats(const Storage& storage);

}  // namespace xmppd
