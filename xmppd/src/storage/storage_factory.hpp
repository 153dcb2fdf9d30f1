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
  // Connector/C timeouts: a hung server fails a call within them (then: reconnect, or an outage).
  std::chrono::seconds mariadb_connect_timeout{5}, mariadb_read_timeout{30}, mariadb_write_timeout{30};
  // Bounds on pending storage work (engine.hpp, "Bounds"): limits.storage_pending_max/_bytes.
  std::size_t pending_max = 10'000;
  std::uint64_t pending_bytes_max = 64ull << 20;
  // Back-off cap between attempts while the database is unavailable.
  std::chrono::milliseconds outage_retry_max{1000};
};

// Throws std::runtime_error with a precise message on a bad configuration, a database that
// cannot be opened or reached, or a failed migration.
std::unique_ptr<Storage> open_storage(const StorageConfig& config);

// Counters of a storage opened by open_storage (for metrics and tests).
struct StorageStats {
  std::uint64_t write_jobs = 0;          // writes committed
  std::uint64_t write_transactions = 0;  // transactions that committed them (group commit)
  std::uint64_t retries = 0;             // transactions or reads run again after a transient loss
  std::uint64_t refused = 0;             // calls and admissions refused past the bounds
  std::size_t pending_writes = 0;        // writes queued or running now
  bool unavailable = false;              // the database was unavailable at the last attempt
};
StorageStats storage_stats(const Storage& storage);

}  // namespace xmppd
