// The storage engine through a database outage (issue 2, Storage): writes that cannot be done
// yet stay queued and commit when the database is back, pending work is bounded, reads fail
// cleanly, conflicts are retried a bounded number of times. The database is a real SQLite file
// (and a real lock held by another connection); elsewhere a switch in front of its connections
// plays the outage (what a lost MariaDB connection or a
// full disk makes the real connections throw). The real MariaDB outage (SIGSTOP, kill, restart)
// is tests/integration/40-storage-outage-mariadb.py.
#define BOOST_TEST_MODULE storage_outage
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include <unistd.h>

#include "storage/engine.hpp"
#include "storage/sqlite_connection.hpp"
#include "xmppd/asio.hpp"

using namespace std::chrono_literals;
using xmppd::StorageError;
using xmppd::Task;
using xmppd::storage::Connection;
using xmppd::storage::Engine;
using xmppd::storage::Param;
using xmppd::storage::Row;
using xmppd::storage::SqliteConnection;
using xmppd::storage::TransactionAborted;
namespace asio = xmppd::asio;

namespace {

enum class Fault { none, unavailable, conflict };

// A real connection behind a switch: while the switch says so, every call fails the way an
// unreachable database (or a deadlocking one) makes the real connections fail.
class Switched final : public Connection {
 public:
  Switched(std::unique_ptr<Connection> real, const std::atomic<Fault>& fault)
      : real_(std::move(real)), fault_(fault) {}
  void ensure_open() override { check(), real_->ensure_open(); }
  void begin() override { check(), real_->begin(); }
  void commit() override { check(), real_->commit(); }
  void rollback() noexcept override { real_->rollback(); }
  std::uint64_t exec_params(std::string_view sql, std::span<const Param> params) override {
    check();
    return real_->exec_params(sql, params);
  }
  std::int64_t last_insert_id() override { return real_->last_insert_id(); }
  void query_params(std::string_view sql, std::span<const Param> params,
                    const std::function<void(const Row&)>& on_row) override {
    check();
    real_->query_params(sql, params, on_row);
  }
  void exec_script(std::string_view sql) override { real_->exec_script(sql); }

 private:
  void check() {
    switch (fault_.load()) {
      case Fault::none:
        return;
      case Fault::unavailable:
        throw TransactionAborted("test: database unreachable", TransactionAborted::Cause::unavailable);
      case Fault::conflict:
        throw TransactionAborted("test: deadlock");
    }
  }
  std::unique_ptr<Connection> real_;
  const std::atomic<Fault>& fault_;
};

// Waits (bounded) for a condition another thread makes true.
bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

struct Outcome {
  std::atomic<int> ok{0}, transient{0}, other{0};
  int total() const { return ok + transient + other; }
};

class Fixture {
 public:
  explicit Fixture(const std::function<void(Engine::Options&)>& tune = {}) {
    path_ = std::filesystem::temp_directory_path() /
            ("xmppd-outage-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".sqlite");
    std::filesystem::remove(path_);
    {
      SqliteConnection setup(path_.string(), SqliteConnection::Mode::writer);
      setup.exec_script("CREATE TABLE t (v INTEGER NOT NULL)");
    }
    Engine::Options options;
    options.commit_window = 1ms;
    options.max_attempts = 3;
    options.outage_retry_max = 20ms;
    if (tune) tune(options);
    std::vector<std::unique_ptr<Connection>> readers;
    readers.push_back(std::make_unique<Switched>(
        std::make_unique<SqliteConnection>(path_.string(), SqliteConnection::Mode::reader), fault));
    engine_ = std::make_unique<Engine>(
        std::make_unique<Switched>(
            std::make_unique<SqliteConnection>(path_.string(), SqliteConnection::Mode::writer), fault),
        std::move(readers), options);
    io_thread_ = std::thread([this] { io_.run(); });
  }
  ~Fixture() {
    engine_->stop();
    work_.reset();
    io_thread_.join();
    engine_.reset();
    std::filesystem::remove(path_);
    std::filesystem::remove(path_.string() + "-wal");
    std::filesystem::remove(path_.string() + "-shm");
  }

  Engine& engine() { return *engine_; }
  const std::filesystem::path& path() const { return path_; }

  // Spawns an insert of `v`; its outcome is counted in `out` when it completes.
  void insert(std::int64_t v, Outcome& out) {
    spawn(engine_->write([v](Connection& c) { c.exec("INSERT INTO t (v) VALUES (?)", {v}); }), out);
  }
  void count_rows(Outcome& out, std::atomic<std::int64_t>& rows) {
    asio::co_spawn(
        io_,
        [this, &rows]() -> Task<void> {
          rows = co_await engine_->read([](Connection& c) {
            std::int64_t n = 0;
            c.query("SELECT COUNT(*) FROM t", {}, [&](const Row& r) { n = r.i64(0); });
            return n;
          });
        },
        [&out](std::exception_ptr e) { record(e, out); });
  }

  std::atomic<Fault> fault{Fault::none};

 private:
  template <class Awaitable>
  void spawn(Awaitable a, Outcome& out) {
    asio::co_spawn(
        io_, [a = std::move(a)]() mutable -> Task<void> { co_await std::move(a); },
        [&out](std::exception_ptr e) { record(e, out); });
  }
  static void record(std::exception_ptr e, Outcome& out) {
    if (!e) return void(++out.ok);
    try {
      std::rethrow_exception(e);
    } catch (const StorageError& s) {
      ++(s.transient() ? out.transient : out.other);
    } catch (...) {
      ++out.other;
    }
  }

  static inline int counter_ = 0;
  std::filesystem::path path_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<Engine> engine_;
  std::thread io_thread_;
};

std::int64_t rows_now(Fixture& f) {
  Outcome out;
  std::atomic<std::int64_t> rows{-1};
  f.count_rows(out, rows);
  BOOST_REQUIRE(eventually([&] { return out.total() == 1; }));
  BOOST_REQUIRE(out.ok == 1);
  return rows;
}

}  // namespace

BOOST_AUTO_TEST_CASE(writes_wait_out_an_outage_and_commit_when_it_ends) {
  Fixture f;
  f.fault = Fault::unavailable;
  Outcome out;
  for (int i = 0; i < 3; ++i) f.insert(i, out);
  // Retried many times over (more than max_attempts, which bounds conflicts only)...
  BOOST_REQUIRE(eventually([&] { return f.engine().stats().retries >= 6; }));
  // ... and still held: not failed, not dropped.
  BOOST_TEST(out.total() == 0);
  BOOST_TEST(f.engine().stats().unavailable);
  BOOST_TEST(f.engine().stats().pending_writes == 3u);

  f.fault = Fault::none;
  BOOST_REQUIRE(eventually([&] { return out.total() == 3; }));
  BOOST_TEST(out.ok == 3);
  BOOST_TEST(!f.engine().stats().unavailable);
  BOOST_TEST(f.engine().stats().pending_writes == 0u);
  BOOST_TEST(rows_now(f) == 3);
}

BOOST_AUTO_TEST_CASE(past_the_bound_new_writes_are_refused_at_once_as_transient) {
  Fixture f([](Engine::Options& o) { o.pending_max = 2; });
  f.fault = Fault::unavailable;
  Outcome held, refused;
  f.insert(1, held);
  f.insert(2, held);
  f.insert(3, refused);
  BOOST_REQUIRE(eventually([&] { return refused.total() == 1; }));
  BOOST_TEST(refused.transient == 1);  // wait/resource-constraint for the caller
  BOOST_TEST(held.total() == 0);
  BOOST_TEST(f.engine().stats().refused == 1u);

  f.fault = Fault::none;
  BOOST_REQUIRE(eventually([&] { return held.total() == 2; }));
  BOOST_TEST(held.ok == 2);
  BOOST_TEST(rows_now(f) == 2);  // the refused one was never written
}

BOOST_AUTO_TEST_CASE(admission_tickets_are_bounded_in_items_and_bytes_and_given_back) {
  Fixture f([](Engine::Options& o) {
    o.pending_max = 2;
    o.pending_bytes_max = 100;
  });
  auto a = f.engine().admit(40);
  auto b = f.engine().admit(40);
  BOOST_TEST(a != nullptr);
  BOOST_TEST(b != nullptr);
  BOOST_TEST(f.engine().admit(1) == nullptr);  // items
  a.reset();
  BOOST_TEST(f.engine().admit(61) == nullptr);  // bytes: 40 + 61 > 100
  auto c = f.engine().admit(60);
  BOOST_TEST(c != nullptr);
  b.reset();
  c.reset();
  BOOST_TEST(f.engine().admit(100) != nullptr);  // all given back
  BOOST_TEST(f.engine().stats().refused == 2u);
}

BOOST_AUTO_TEST_CASE(a_read_during_an_outage_fails_as_transient_instead_of_waiting) {
  Fixture f;
  f.fault = Fault::unavailable;
  Outcome out;
  std::atomic<std::int64_t> rows{-1};
  f.count_rows(out, rows);
  BOOST_REQUIRE(eventually([&] { return out.total() == 1; }));
  BOOST_TEST(out.transient == 1);
  f.fault = Fault::none;
  BOOST_TEST(rows_now(f) == 0);  // and the next read, after the outage, works
}

BOOST_AUTO_TEST_CASE(conflicts_are_retried_a_bounded_number_of_times_then_fail_as_transient) {
  Fixture f;  // max_attempts = 3
  f.fault = Fault::conflict;
  Outcome out;
  f.insert(1, out);
  BOOST_REQUIRE(eventually([&] { return out.total() == 1; }));
  BOOST_TEST(out.transient == 1);
  BOOST_TEST(f.engine().stats().retries == 2u);
  f.fault = Fault::none;
  BOOST_TEST(rows_now(f) == 0);
}

BOOST_AUTO_TEST_CASE(stop_during_an_outage_fails_the_held_writes_as_transient) {
  Fixture f;
  f.fault = Fault::unavailable;
  Outcome out;
  f.insert(1, out);
  f.insert(2, out);
  BOOST_REQUIRE(eventually([&] { return f.engine().stats().retries >= 2; }));
  f.engine().stop();  // returns: the outage does not hold the shutdown
  BOOST_REQUIRE(eventually([&] { return out.total() == 2; }));
  BOOST_TEST(out.transient == 2);  // never acknowledged as stored, never silently lost
}

BOOST_AUTO_TEST_CASE(a_write_waits_while_another_process_holds_the_sqlite_lock) {
  // Real SQLite, no switch: an operator's shell (here another connection) holds the write lock
  // beyond the busy timeout; the write is held, not failed, and commits once the lock is free.
  Fixture f;
  SqliteConnection holder(f.path().string(), SqliteConnection::Mode::writer);
  holder.begin();  // BEGIN IMMEDIATE: the write lock
  Outcome out;
  f.insert(1, out);
  BOOST_REQUIRE(eventually([&] { return f.engine().stats().retries >= 1; }, 60s));
  BOOST_TEST(out.total() == 0);
  BOOST_TEST(f.engine().stats().unavailable);
  holder.rollback();
  BOOST_REQUIRE(eventually([&] { return out.total() == 1; }, 60s));
  BOOST_TEST(out.ok == 1);
  BOOST_TEST(rows_now(f) == 1);
}
