// The archive service (issue 5): ordered, group-committed archive writes; see the header.
#include "archive/archive_service.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "xmppd/asio.hpp"
#include "xmppd/log.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
namespace {

constexpr std::size_t kMaxBatch = 512;  // the engine's own batch bound
// After the engine's own retries: a few more, further apart (a database restarting), with the
// senders' XEP-0198 acknowledgements held all along.
constexpr int kAttempts = 4;
constexpr std::chrono::milliseconds kFirstBackoff{500};
// How long a query waits for earlier writes: a group commit takes milliseconds; longer means
// the database is slow or away, and then the query's own read says so.
constexpr std::chrono::milliseconds kReadWait{2000};

}  // namespace

void ArchiveService::start() {
  last_id_ = std::max(last_id_, store_.newest_id());
  written_through_ = last_id_;
}

Task<ArchivePage> ArchiveService::query(ArchiveQuery query) {
  co_await written(last_id_);
  co_return co_await store_.query(std::move(query));
}

Task<void> ArchiveService::written(std::int64_t id) {
  auto deadline = std::chrono::steady_clock::now() + kReadWait;
  while (written_through_ < id && std::chrono::steady_clock::now() < deadline) {
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, deadline);
    readers_.push_back(timer);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));  // woken by cancel()
    std::erase(readers_, timer);
  }
}

void ArchiveService::wake_readers() {
  for (auto& t : readers_) t->cancel();
}

std::int64_t ArchiveService::reserve() {
  // Microseconds since the epoch, strictly increasing: the id is the record's time.
  std::int64_t id = std::max(server_.now_us(), last_id_ + 1);
  last_id_ = id;
  pending_.emplace(id, Entry{});
  return id;
}

void ArchiveService::commit(std::int64_t id, ArchiveRecord record,
                            std::function<void(std::exception_ptr)> on_durable) {
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.decided) {
    log::error("archive", "commit of an id that was not reserved or is decided already");
    if (on_durable)
      on_durable(std::make_exception_ptr(StorageError("archive: id not reserved", false)));
    return;
  }
  record.id = id;
  if (record.stamp_us == 0) record.stamp_us = server_.now_us();
  it->second.decided = true;
  it->second.record = std::move(record);
  it->second.on_durable = std::move(on_durable);
  kick();
}

void ArchiveService::release(std::int64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.decided) return;
  it->second.decided = true;
  kick();
}

void ArchiveService::kick() {
  if (writing_ || pending_.empty() || !pending_.begin()->second.decided) return;
  writing_ = true;
  server_.spawn(write_in_order(), "archive write");
}

Task<void> ArchiveService::write_in_order() {
  for (;;) {
    std::vector<ArchiveRecord> records;
    std::vector<std::function<void(std::exception_ptr)>> callbacks;
    std::int64_t taken_through = written_through_;
    while (!pending_.empty() && pending_.begin()->second.decided && records.size() < kMaxBatch) {
      taken_through = pending_.begin()->first;
      Entry e = std::move(pending_.begin()->second);
      pending_.erase(pending_.begin());
      if (!e.record) continue;
      records.push_back(std::move(*e.record));
      callbacks.push_back(std::move(e.on_durable));
    }
    if (records.empty()) {  // only released ids
      written_through_ = taken_through;
      wake_readers();
      if (pending_.empty() || !pending_.begin()->second.decided) break;
      continue;
    }
    std::exception_ptr error;
    for (int attempt = 1;; ++attempt) {
      try {
        co_await store_.append(records);
        error = nullptr;
        break;
      } catch (const StorageError& e) {
        error = std::current_exception();
        if (!e.transient() || attempt == kAttempts) {
          // Counted, never the content (DESIGN.md privacy).
          log::error("archive", records.size(), " records could not be archived: ", e.what());
          break;
        }
      } catch (const std::exception& e) {
        error = std::current_exception();
        log::error("archive", records.size(), " records could not be archived: ", e.what());
        break;
      }
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(kFirstBackoff * (1 << (attempt - 1)));
      co_await timer.async_wait(asio::use_awaitable);
    }
    written_through_ = taken_through;  // written, or given up on: readers wait no longer
    wake_readers();
    for (auto& cb : callbacks)
      if (cb) cb(error);
  }
  writing_ = false;
  // Something decided while the last write was under way, after the loop looked.
  kick();
}

}  // namespace xmppd
