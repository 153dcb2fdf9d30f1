// The threads of a storage backend: one writer doing group commit, N readers, each thread with
// its own Connection; awaitable entry points that resume the caller on its own executor.
//
// How a call flows:
//   coroutine on an I/O thread --co_await read(f)/write(f)--> job queued, coroutine suspended
//   reader thread:  runs f(conn) (a single statement is its own transaction), then posts the
//                   result or the exception to the caller's executor.
//   writer thread:  waits until the oldest queued write is `commit_window` old (or the batch is
//                   full, or we are stopping), takes every queued write, runs them in ONE
//                   transaction, commits, and only then posts each result: an awaited write has
//                   returned only when it is durable.
// A job that fails on its own (a constraint, bad data) must not take its batch-mates down: the
// transaction is rolled back, that job gets its error and the rest of the batch runs again.
// A transaction lost to a conflict (deadlock, lock wait timeout, Galera certification failure,
// SQLite locked) is retried with back-off a bounded number of times; then every job of the batch
// gets StorageError(transient). A transaction lost because the database is unavailable (lost
// or refused connection, a server that does not answer within its timeouts, a Galera node not
// ready, a full disk, a SQLite lock held by another process) is an outage: the batch stays with the writer, which reconnects and tries
// again with capped back-off for as long as the outage lasts, so a write that cannot be done
// yet is never dropped (its caller, and any XEP-0198 <a/> waiting on it, simply waits). Only
// stop() ends that wait, with StorageError(transient). A job may therefore run more than once
// before its transaction commits; jobs only touch the database and their own result.
//
// Bounds (issue 2, "past a bound, answer wait/resource-constraint"): during an outage work piles
// up, so it is bounded. Writes queued or running, and reads queued, are each at most
// `pending_max`; past it a new call fails at once with StorageError(transient). Callers that hold
// work of their own until storage takes it (the offline module holds the stanzas) first get an
// admission ticket from admit(): at most `pending_max` tickets and `pending_bytes_max` bytes
// are out at once. Reads are not held through an outage: a read that finds the database
// unavailable fails (transient) after one reconnect, so a login or a roster get is answered
// with a temporary error instead of hanging.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "storage/db.hpp"
#include "xmppd/asio.hpp"

namespace xmppd::storage {

struct EngineStats {
  std::uint64_t write_jobs = 0;          // writes committed
  std::uint64_t write_transactions = 0;  // transactions committed (batches)
  std::uint64_t retries = 0;             // transactions run again after TransactionAborted
  std::uint64_t refused = 0;             // calls and admissions refused past the bounds
  std::size_t pending_writes = 0;        // writes queued or running now
  bool unavailable = false;              // the last attempt found the database unavailable
};

class Engine {
 public:
  struct Options {
    std::chrono::milliseconds commit_window{2};
    std::size_t max_batch = 512;
    int max_attempts = 5;  // of one transaction or read lost to a conflict
    std::size_t pending_max = 10'000;              // see "Bounds" above
    std::size_t pending_bytes_max = 64u << 20;     // bytes under admission tickets
    std::chrono::milliseconds outage_retry_max{1000};  // back-off cap while unavailable
  };

  Engine(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers,
         Options options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // f(Connection&) runs on a reader thread; the result (or exception) comes back to the caller.
  template <class F>
  auto read(F f) {
    return initiate(std::move(f), false);
  }
  // f(Connection&) runs on the writer thread inside the batch's transaction.
  template <class F>
  auto write(F f) {
    return initiate(std::move(f), true);
  }

  // An admission ticket for `bytes` of work the caller holds until storage has taken it
  // (released when the last copy is destroyed; it may outlive the engine), or nullptr when
  // the bounds are reached: then answer wait/resource-constraint (RFC 6120 §8.3.3.18).
  std::shared_ptr<void> admit(std::size_t bytes);

  // Commits the queued writes, answers the queued reads, joins the threads. Later calls fail
  // with StorageError(transient). During an outage the queued writes fail (transient) instead
  // of waiting for the database. Idempotent.
  void stop();
  EngineStats stats() const;

 private:
  class Job {
   public:
    virtual ~Job() = default;
    virtual void run(Connection& c) = 0;
    // Posts the result (or `error`) to the caller's executor. Called exactly once.
    virtual void complete(std::exception_ptr error) = 0;
  };

  template <class R>
  struct CompletionSignature {
    using type = void(std::exception_ptr, R);
  };
  template <class F, class Handler, class Work>
  class OpJob final : public Job {
    using R = std::invoke_result_t<F&, Connection&>;

   public:
    OpJob(F f, Handler h, Work w) : f_(std::move(f)), handler_(std::move(h)), work_(std::move(w)) {}
    void run(Connection& c) override {
      if constexpr (std::is_void_v<R>) {
        f_(c);
      } else {
        result_.emplace(f_(c));
      }
    }
    void complete(std::exception_ptr error) override {
      Work work = std::move(work_);
      if constexpr (std::is_void_v<R>) {
        asio::post(work, [h = std::move(handler_), error]() mutable { std::move(h)(error); });
      } else if (error || !result_) {
        if (!error) error = std::make_exception_ptr(StorageError("storage: no result", false));
        asio::post(work, [h = std::move(handler_), error]() mutable { std::move(h)(error, R{}); });
      } else {
        asio::post(work, [h = std::move(handler_), r = std::move(*result_)]() mutable {
          std::move(h)(nullptr, std::move(r));
        });
      }
    }

   private:
    F f_;
    Handler handler_;
    Work work_;  // the caller's executor, tracked: its io_context does not run out of work
    std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result_{};
  };

  template <class F>
  auto initiate(F f, bool is_write) {
    using R = std::invoke_result_t<F&, Connection&>;
    using Signature = typename CompletionSignature<R>::type;
    return asio::async_initiate<const asio::use_awaitable_t<>&, Signature>(
        [this, is_write](auto handler, F f) {
          auto work = asio::prefer(asio::get_associated_executor(handler),
                                   asio::execution::outstanding_work.tracked);
          submit(std::make_unique<OpJob<F, decltype(handler), decltype(work)>>(
                     std::move(f), std::move(handler), std::move(work)),
                 is_write);
        },
        asio::use_awaitable, std::move(f));
  }

  struct Queued {
    std::unique_ptr<Job> job;
    std::chrono::steady_clock::time_point since;
  };

  void submit(std::unique_ptr<Job> job, bool is_write);
  void writer_loop();
  void reader_loop(Connection& c);
  void run_read(Connection& c, Job& job);
  void run_batch(std::vector<std::unique_ptr<Job>>& jobs);
  void complete_all(std::vector<std::unique_ptr<Job>>& jobs, std::exception_ptr error);
  void backoff(int attempt);
  // Sleeps before the next attempt during an outage; false when stop() was called meanwhile.
  bool wait_out_outage(int attempt);
  void note_unavailable(const std::exception& e);
  void note_available();

  // The admission counters, shared with the tickets, which may outlive the engine.
  struct Admission {
    std::mutex mutex;
    std::size_t items = 0, bytes = 0;
  };

  Options options_;
  std::unique_ptr<Connection> writer_;
  std::vector<std::unique_ptr<Connection>> readers_;

  mutable std::mutex mutex_;
  std::condition_variable write_cv_, read_cv_;
  std::deque<Queued> writes_;
  std::deque<std::unique_ptr<Job>> reads_;
  bool stopping_ = false;
  std::size_t pending_writes_ = 0;  // queued or in the running batch
  std::shared_ptr<Admission> admission_ = std::make_shared<Admission>();
  std::atomic<std::chrono::steady_clock::rep> outage_since_{0};
  std::atomic<bool> unavailable_{false};
  std::mutex stop_mutex_;
  bool stopped_ = false;

  std::atomic<std::uint64_t> write_jobs_{0}, write_transactions_{0}, retries_{0}, refused_{0};
  std::vector<std::thread> threads_;
};

template <>
struct Engine::CompletionSignature<void> {
  using type = void(std::exception_ptr);
};

}  // namespace xmppd::storage
