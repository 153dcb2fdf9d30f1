// After a crowd of connections has gone (a flood of bad clients, a churn, the end of a working
// day) or gone quiet (parked parsers after a wave of logins), the memory it used goes back to the
// system instead of staying in glibc's heaps, so RSS follows what the server holds: what
// operators watch, and what the memory rules of bad-input.md measure. glibc gives back only the
// top of a heap by itself; malloc_trim(0) also releases the free pages inside every arena
// (madvise); on mimalloc, its collect does the same for its pages (return_free_memory).
//
// That walk holds the I/O thread: 4 ms with 100 connections and 9-15 ms with 2,000 (perf probe
// on malloc_trim, docs/benchmarks.md "p99 at 10,000/s: where the tail comes from"). So it runs
// only when at least kCrowd connections have closed or parked since the last time and none did
// during the last tick: once after a wave, never in the middle of one, never more than once a
// tick, and never on a server whose connections simply stay busy. It used to run at most once a
// second straight from the park, which put that stall on the first message after a quiet second.
#include "memory_return.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>

#include "net/limiter.hpp"

namespace xmppd {
namespace {
constexpr std::uint64_t kCrowd = 256;
constexpr std::chrono::milliseconds kTick{250};
std::atomic<std::uint64_t> g_parked{0};

void trim_glibc_heaps() { malloc_trim(0); }

// Set once by main() before the server starts its I/O thread; read only on that thread.
void (*g_give_back)() = trim_glibc_heaps;
}  // namespace

void return_free_memory() { g_give_back(); }

void set_return_free_memory(void (*give_back)()) { g_give_back = give_back; }

void note_parked() { g_parked.fetch_add(1, std::memory_order_relaxed); }

Task<void> return_memory_after_crowds(const ConnectionLimiter& limiter) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto gone = [&] { return limiter.closed_total() + g_parked.load(std::memory_order_relaxed); };
  std::uint64_t at_last_trim = gone(), at_last_tick = at_last_trim;
  for (;;) {
    timer.expires_after(kTick);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::uint64_t now = gone();
    if (now == at_last_tick && now - at_last_trim >= kCrowd) {
      return_free_memory();
      at_last_trim = now;
    }
    at_last_tick = now;
  }
}

}  // namespace xmppd
