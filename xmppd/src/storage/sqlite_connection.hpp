// A SQLite connection (https://sqlite.org/c3ref/intro.html) behind storage::Connection.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>

#include "storage/db.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace xmppd::storage {

class SqliteConnection final : public Connection {
 public:
  enum class Mode { writer, reader };
  // Throws std::runtime_error saying which file could not be opened and why.
  SqliteConnection(const std::string& path, Mode mode);
  ~SqliteConnection() override;

  // Opens the database again after an I/O error or a full disk left the connection in doubt.
  void ensure_open() override;
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  std::uint64_t exec_params(std::string_view sql, std::span<const Param> params) override;
  std::int64_t last_insert_id() override;
  void query_params(std::string_view sql, std::span<const Param> params,
                    const std::function<void(const Row&)>& on_row) override;
  void exec_script(std::string_view sql) override;

 private:
  void open();  // throws std::runtime_error
  void close() noexcept;
  sqlite3_stmt* prepare(std::string_view sql);
  void bind(sqlite3_stmt* stmt, std::span<const Param> params);
  [[noreturn]] void fail(int rc, std::string_view what);

  sqlite3* db_ = nullptr;
  std::string path_;
  Mode mode_;
  bool broken_ = false;
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
  bool in_transaction_ = false;
};

}  // namespace xmppd::storage
