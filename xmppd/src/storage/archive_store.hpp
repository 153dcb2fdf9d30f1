// The message archive over SQL (issue 5): ArchiveStore on the group-committing engine.
#pragma once
#include <functional>
#include <memory>

#include "storage/archive_sql.hpp"
#include "storage/engine.hpp"
#include "xmppd/archive.hpp"

namespace xmppd::storage {

class SqlArchiveStore final : public ArchiveStore {
 public:
  using ConnectionFactory = std::function<std::unique_ptr<Connection>()>;
  SqlArchiveStore(Engine& engine, SqlBackend backend, ConnectionFactory side_connection)
      : engine_(engine), backend_(backend), side_connection_(std::move(side_connection)) {}

  Task<void> append(std::vector<ArchiveRecord> records) override;
  Task<ArchivePage> query(ArchiveQuery query) override;
  Task<std::int64_t> purge(std::string data_class, std::int64_t before_us, std::string host) override;
  std::int64_t newest_id() override;

 private:
  Task<std::uint64_t> purge_slice(std::string data_class, std::int64_t before_us, std::string owner_suffix);
  Task<int> optimize_index();

  Engine& engine_;
  SqlBackend backend_;
  ConnectionFactory side_connection_;  // outside the engine: start-up reads, InnoDB OPTIMIZE
};

}  // namespace xmppd::storage
