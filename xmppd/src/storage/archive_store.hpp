// The message archive over SQL (issue 5): ArchiveStore on the group-committing engine.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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
  using ArchiveStore::purge;
  Task<std::int64_t> purge(ArchivePurge purge) override;
  Task<void> set_own_periods(std::vector<ArchiveOwnPeriod> periods) override;
  Task<void> reset_own_periods(std::string host, std::int64_t ended_us, std::vector<ArchiveOwnPeriod> open) override;
  std::int64_t newest_id() override;

 private:
  Task<std::uint64_t> purge_slice(std::string data_class, std::int64_t before_us, std::string owner_suffix);
  // The own periods of the host's archives (migration 0026).
  Task<std::vector<ArchiveOwnPeriod>> own_periods(std::string host, std::string data_class);
  // Records of one own period's range archived before `before_us`.
  Task<std::uint64_t> purge_own_slice(ArchiveOwnPeriod period, std::int64_t before_us);
  // An ended period whose records are all gone (but those under legal hold) goes too.
  Task<std::uint64_t> drop_own_period_if_empty(ArchiveOwnPeriod period);
  Task<int> optimize_index();

  Engine& engine_;
  SqlBackend backend_;
  ConnectionFactory side_connection_;  // outside the engine: start-up reads, InnoDB OPTIMIZE
};

}  // namespace xmppd::storage
