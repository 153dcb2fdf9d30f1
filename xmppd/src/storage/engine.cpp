// The storage threads: group-committing writer, readers, bounded retries (see engine.hpp).
#include "storage/engine.hpp"

#include <algorithm>
#include <random>

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
  return {write_jobs_.load(), write_transactions_.load(), retries_.load()};
}

void Engine::submit(std::unique_ptr<Job> job, bool is_write) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      if (is_write) {
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
  job->complete(stopped_error());
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

void Engine::run_batch(std::vector<std::unique_ptr<Job>>& jobs) {
  Connection& c = *writer_;
  int attempt = 0;
  while (!jobs.empty()) {
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
        continue;
      }
      c.commit();
      write_transactions_.fetch_add(1);
      write_jobs_.fetch_add(jobs.size());
      for (auto& j : jobs) j->complete(nullptr);
      return;
    } catch (const TransactionAborted& e) {
      c.rollback();
      if (!e.outcome_unknown() && ++attempt < options_.max_attempts) {
        retries_.fetch_add(1);
        backoff(attempt);
        continue;
      }
      auto error = std::make_exception_ptr(StorageError(e.what(), true));
      for (auto& j : jobs) j->complete(error);
      return;
    } catch (...) {
      // BEGIN or COMMIT failed for a reason a retry will not fix (or the disk is full).
      c.rollback();
      auto error = as_storage_error(std::current_exception());
      for (auto& j : jobs) j->complete(error);
      return;
    }
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
  for (int attempt = 1;; ++attempt) {
    try {
      c.ensure_open();
      job.run(c);
      job.complete(nullptr);
      return;
    } catch (const TransactionAborted& e) {
      if (e.outcome_unknown() || attempt >= options_.max_attempts) {
        job.complete(std::make_exception_ptr(StorageError(e.what(), true)));
        return;
      }
      retries_.fetch_add(1);
      backoff(attempt);
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
