// After a crowd of connections has gone (a flood of bad clients, a churn, the end of a working
// day), the memory it used goes back to the system instead of staying in glibc's heaps, so RSS
// follows what the server holds: what operators watch, and what the memory rules of bad-input.md
// measure. glibc gives back only the top of a heap by itself; malloc_trim(0) also releases the
// free pages inside every arena (madvise); mimalloc's collect does the same for its pages. Either
// costs a walk over the free memory, so it runs only when at least kCrowd connections have closed
// since the last time and none closed during the last tick: never in the middle of a crowd, never
// more than once a tick, and never on a server whose connections simply stay (the benchmarks'
// steady state).
#include "memory_return.hpp"

#include <malloc.h>

#include <chrono>

#include "net/limiter.hpp"

namespace xmppd {
namespace {
constexpr std::uint64_t kCrowd = 256;
constexpr std::chrono::milliseconds kTick{250};

void trim_glibc_heaps() { malloc_trim(0); }

// Set once by main() before the server starts its I/O thread; read only on that thread.
void (*g_give_back)() = trim_glibc_heaps;
}  // namespace

void return_free_memory() { g_give_back(); }

void set_return_free_memory(void (*give_back)()) { g_give_back = give_back; }

Task<void> return_memory_after_crowds(const ConnectionLimiter& limiter) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::uint64_t at_last_trim = limiter.closed_total(), at_last_tick = at_last_trim;
  for (;;) {
    timer.expires_after(kTick);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::uint64_t closed = limiter.closed_total();
    if (closed == at_last_tick && closed - at_last_trim >= kCrowd) {
      return_free_memory();
      at_last_trim = closed;
    }
    at_last_tick = closed;
  }
}

}  // namespace xmppd
