// The storage threads: group-committing writer, readers, bounded retries (see engine.hpp).
#include "storage/engine.hpp"

#include <algorithm>
#include <random>

#include "xmppd/log.hpp"

namespace xmppd::storage {
namespace {

std::exception_ptr as_storage_error(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const StorageError&) {
    return e;
  } catch (const std::exception& x) {
    return std::make_exception_ptr(StorageError(std::string("storage: ") + x.what(), false));
  } catch (...) {
    return std::make_exception_ptr(StorageError("storage: unknown error", false));
  }
}

std::exception_ptr stopped_error() {
  return std::make_exception_ptr(StorageError("storage: stopped", true));
}

std::exception_ptr overloaded_error() {
  return std::make_exception_ptr(
      StorageError("storage: too much work pending (limits.storage_pending_max)", true));
}

std::exception_ptr transient_error(const std::exception& e) {
  return std::make_exception_ptr(StorageError(e.what(), true));
}

}  // namespace

Engine::Engine(std::unique_ptr<Connection> writer,
               std::vector<std::unique_ptr<Connection>> readers, Options options)
    : options_(options), writer_(std::move(writer)), readers_(std::move(readers)) {
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  if (options_.max_batch < 1) options_.max_batch = 1;
  threads_.emplace_back([this] { writer_loop(); });
  for (auto& r : readers_) threads_.emplace_back([this, c = r.get()] { reader_loop(*c); });
}

Engine::~Engine() { stop(); }

void Engine::stop() {
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  write_cv_.notify_all();
  read_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  stopped_ = true;
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.write_jobs = write_jobs_.load();
  s.write_transactions = write_transactions_.load();
  s.retries = retries_.load();
  s.refused = refused_.load();
  s.unavailable = unavailable_.load();
  std::lock_guard lock(mutex_);
  s.pending_writes = pending_writes_;
  return s;
}

std::shared_ptr<void> Engine::admit(std::size_t bytes) {
  auto a = admission_;
  {
    std::lock_guard lock(a->mutex);
    if (a->items + 1 > options_.pending_max || a->bytes + bytes > options_.pending_bytes_max) {
      refused_.fetch_add(1);
      return nullptr;
    }
    a->items += 1;
    a->bytes += bytes;
  }
  // The deleter keeps the counters alive: a ticket may be released after the engine is gone.
  return std::shared_ptr<void>(static_cast<void*>(a.get()), [a, bytes](void*) {
    std::lock_guard lock(a->mutex);
    a->items -= 1;
    a->bytes -= bytes;
  });
}

void Engine::submit(std::unique_ptr<Job> job, bool is_write) {
  bool overloaded = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      overloaded = is_write ? pending_writes_ >= options_.pending_max
                            : reads_.size() >= options_.pending_max;
    }
    if (!stopping_ && !overloaded) {
      if (is_write) {
        ++pending_writes_;
        writes_.push_back({std::move(job), std::chrono::steady_clock::now()});
        // Wake the writer for the first job of a batch and when a batch is full; the writer
        // sleeps out the commit window otherwise.
        if (writes_.size() == 1 || writes_.size() == options_.max_batch) write_cv_.notify_one();
      } else {
        reads_.push_back(std::move(job));
        read_cv_.notify_one();
      }
      return;
    }
  }
  if (overloaded) refused_.fetch_add(1);
  job->complete(overloaded ? overloaded_error() : stopped_error());
}

void Engine::writer_loop() {
  for (;;) {
    std::vector<std::unique_ptr<Job>> batch;
    {
      std::unique_lock lock(mutex_);
      write_cv_.wait(lock, [&] { return stopping_ || !writes_.empty(); });
      if (writes_.empty()) return;  // stopping, and every write is committed
      if (!stopping_ && options_.commit_window.count() > 0) {
        // Collect what arrives within the window of the oldest queued write; writes that queued
        // while the previous batch ran have waited long enough already.
        auto deadline = writes_.front().since + options_.commit_window;
        write_cv_.wait_until(lock, deadline,
                             [&] { return stopping_ || writes_.size() >= options_.max_batch; });
      }
      std::size_t n = std::min(writes_.size(), options_.max_batch);
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(writes_.front().job));
        writes_.pop_front();
      }
    }
    run_batch(batch);
  }
}

void Engine::complete_all(std::vector<std::unique_ptr<Job>>& jobs, std::exception_ptr error) {
  for (auto& j : jobs) j->complete(error);
  std::lock_guard lock(mutex_);
  pending_writes_ -= jobs.size();
}

void Engine::run_batch(std::vector<std::unique_ptr<Job>>& jobs) {
  Connection& c = *writer_;
  int conflicts = 0, outage_attempts = 0;
  while (!jobs.empty()) {
    if (unavailable_.load()) {
      std::unique_lock lock(mutex_);
      if (stopping_) {
        // Stopping during an outage: what is queued cannot be stored; its callers were never
        // answered, so nothing acknowledged is lost.
        lock.unlock();
        complete_all(jobs, std::make_exception_ptr(
                               StorageError("storage: stopped during a database outage", true)));
        return;
      }
    }
    std::size_t failed = jobs.size();  // index of a job that failed on its own
    std::exception_ptr job_error;
    try {
      c.ensure_open();
      c.begin();
      for (std::size_t i = 0; i < jobs.size() && failed == jobs.size(); ++i) {
        try {
          jobs[i]->run(c);
        } catch (const TransactionAborted&) {
          throw;
        } catch (...) {
          failed = i;
          job_error = as_storage_error(std::current_exception());
        }
      }
      if (failed != jobs.size()) {
        // Undo its partial work together with its batch-mates', then run the others again.
        c.rollback();
        jobs[failed]->complete(job_error);
        jobs.erase(jobs.begin() + static_cast<std::ptrdiff_t>(failed));
        std::lock_guard lock(mutex_);
        --pending_writes_;
        continue;
      }
      c.commit();
      note_available();
      write_transactions_.fetch_add(1);
      write_jobs_.fetch_add(jobs.size());
      complete_all(jobs, nullptr);  // success
      return;
    } catch (const TransactionAborted& e) {
      c.rollback();
      if (e.outcome_unknown()) {
        // Lost during COMMIT: running it again could store it twice; the callers were not
        // answered yet, so they learn it may not be stored (and nothing acknowledged is lost).
        note_unavailable(e);
        complete_all(jobs, transient_error(e));
        return;
      }
      if (e.unavailable()) {
        note_unavailable(e);
        retries_.fetch_add(1);
        if (wait_out_outage(++outage_attempts)) continue;
        complete_all(jobs, std::make_exception_ptr(StorageError(
                           std::string("storage: stopped during a database outage: ") + e.what(),
                           true)));
        return;
      }
      if (++conflicts < options_.max_attempts) {
        retries_.fetch_add(1);
        backoff(conflicts);
        continue;
      }
      complete_all(jobs, transient_error(e));
      return;
    } catch (...) {
      // BEGIN or COMMIT failed for a reason a retry will not fix.
      c.rollback();
      complete_all(jobs, as_storage_error(std::current_exception()));
      return;
    }
  }
}

bool Engine::wait_out_outage(int attempt) {
  // 50, 100, 200 ... ms up to outage_retry_max, with jitter: a database coming back is not met
  // by every xmppd node at the same instant.
  thread_local std::minstd_rand rng{std::random_device{}()};
  long long cap = std::max<long long>(1, options_.outage_retry_max.count());
  long long base = std::min<long long>(cap, 50LL << std::min(attempt - 1, 10));
  std::uniform_int_distribution<long long> jitter(0, base / 4);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(base + jitter(rng));
  std::unique_lock lock(mutex_);
  write_cv_.wait_until(lock, until, [&] { return stopping_; });
  return !stopping_;
}

void Engine::note_unavailable(const std::exception& e) {
  if (!unavailable_.exchange(true)) {
    outage_since_.store(std::chrono::steady_clock::now().time_since_epoch().count());
    // The message names the database server and the error, never a user or a stanza.
    log::warn("storage", "database unavailable, writes are held until it is back: ", e.what());
  }
}

void Engine::note_available() {
  if (unavailable_.exchange(false)) {
    auto since = std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(outage_since_.load()));
    auto s = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - since);
    log::info("storage", "database available again (", s.count(), " ms after the outage was seen)");
  }
}

void Engine::reader_loop(Connection& c) {
  for (;;) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      read_cv_.wait(lock, [&] { return stopping_ || !reads_.empty(); });
      if (reads_.empty()) return;
      job = std::move(reads_.front());
      reads_.pop_front();
    }
    run_read(c, *job);
  }
}

void Engine::run_read(Connection& c, Job& job) {
  bool reconnected = false;  // an attempt that had to open the connection afresh
  for (int attempt = 1;; ++attempt) {
    bool opening = true;
    try {
      c.ensure_open();
      opening = false;
      job.run(c);
      note_available();
      job.complete(nullptr);
      return;
    } catch (const TransactionAborted& e) {
      // Unavailable: the first failure may only mean the server dropped an idle connection
      // (it restarted), so the read runs once more on a new one; a connection that cannot be
      // opened, or fails again, means an outage, and the read fails now instead of waiting.
      bool give_up = e.outcome_unknown() || attempt >= options_.max_attempts ||
                     (e.unavailable() && (opening || reconnected));
      if (e.unavailable()) {
        note_unavailable(e);
        reconnected = true;
      }
      if (give_up) {
        job.complete(transient_error(e));
        return;
      }
      retries_.fetch_add(1);
      if (!e.unavailable()) backoff(attempt);
    } catch (...) {
      job.complete(as_storage_error(std::current_exception()));
      return;
    }
  }
}

void Engine::backoff(int attempt) {
  // 5, 10, 20, 40 ms ... capped at 500 ms, with jitter so that Galera nodes or connections
  // that collided do not collide again in step.
  thread_local std::minstd_rand rng{std::random_device{}()};
  int base = std::min(500, 5 << std::min(attempt - 1, 7));
  std::uniform_int_distribution<int> jitter(0, base / 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(base + jitter(rng)));
}

}  // namespace xmppd::storage
