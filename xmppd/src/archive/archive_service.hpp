// The message archive as modules use it (Server::archive(), xmppd/archive.hpp): time-ordered
// ids handed out on the I/O thread, records written in id order through the storage engine.
//
// States of an id: reserved (in `pending_`, undecided) -> decided (a record, or released) ->
// written (removed from `pending_` by the writer). The writer takes the longest run of decided
// ids from the oldest, so no id is written before a smaller one: a reader that sees id N sees
// every record below N that will ever exist (what after-id paging relies on). An undecided id
// holds back the ids after it, so reserve() callers decide quickly (a prefs lookup at most).
// A query first waits (briefly) until every id reserved before it has been written: a reader
// sees what was said before it asked, e.g. a consultant joining a room gets, as history, the
// message the visitor sent a millisecond earlier.
// Everything runs on the one I/O thread, like the router: no locks.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "xmppd/asio.hpp"

#include "xmppd/archive.hpp"
#include "xmppd/server.hpp"

namespace xmppd {

class ArchiveService final : public Archive {
 public:
  ArchiveService(Server& server, ArchiveStore& store) : server_(server), store_(store) {}
  // Reads the newest stored id (blocking, once, before modules start): ids stay increasing
  // across restarts even when the clock went back.
  void start();

  std::int64_t reserve() override;
  void commit(std::int64_t id, ArchiveRecord record,
              std::function<void(std::exception_ptr)> on_durable) override;
  void release(std::int64_t id) override;
  // Nothing reserved, queued or being written (shutdown waits for it).
  bool idle() const { return pending_.empty() && !writing_; }
  Task<ArchivePage> query(ArchiveQuery query) override;
  using Archive::purge;
  Task<std::int64_t> purge(ArchivePurge purge) override { return store_.purge(std::move(purge)); }
  Task<void> set_own_periods(std::vector<ArchiveOwnPeriod> periods) override {
    return store_.set_own_periods(std::move(periods));
  }
  Task<void> reset_own_periods(std::string host, std::int64_t ended_us, std::vector<ArchiveOwnPeriod> open) override {
    return store_.reset_own_periods(std::move(host), ended_us, std::move(open));
  }

 private:
  struct Entry {
    bool decided = false;
    std::optional<ArchiveRecord> record;  // none: released
    std::function<void(std::exception_ptr)> on_durable;
  };
  void kick();
  Task<void> write_in_order();
  // Waits until every id up to `id` is written (or released), at most a moment: during a
  // database outage the query then goes ahead (and fails fast) rather than wait for it.
  Task<void> written(std::int64_t id);
  void wake_readers();

  Server& server_;
  ArchiveStore& store_;
  std::int64_t last_id_ = 0;
  std::int64_t written_through_ = 0;  // every id up to this one is written or released
  std::vector<std::shared_ptr<asio::steady_timer>> readers_;  // queries waiting in written()
  std::map<std::int64_t, Entry> pending_;
  bool writing_ = false;
};

}  // namespace xmppd
