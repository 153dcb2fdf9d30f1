// After a crowd of connections has gone (a flood of bad clients, a churn, the end of a working
// day), the memory it used goes back to the system instead of staying in glibc's heaps, so RSS
// follows what the server holds: what operators watch, and what the memory rules of bad-input.md
// measure. glibc gives back only the top of a heap by itself; malloc_trim(0) also releases the
// free pages inside every arena (madvise). It costs a walk over the free chunks, so it runs only
// when at least kCrowd connections have closed since the last time and none closed during the
// last tick: never in the middle of a crowd, never more than once a tick, and never on a server
// whose connections simply stay (the benchmarks' steady state).
//
// Connections that go quiet park (free their parser and buffers; net/tcp_connection.cpp), and
// each park asks for a trim, done at most once a second; when a wave of logins parks within one
// second, the trim owed for the rest of the wave is done by the same tick (the idle-memory figure
// of bench/compare: 14 KiB per idle connection without it, ~6 with it).
#include "memory_return.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>

#include "net/limiter.hpp"

namespace xmppd {
namespace {
constexpr std::uint64_t kCrowd = 256;
constexpr std::chrono::milliseconds kTick{250};
constexpr std::chrono::seconds kParkedTrimEvery{1};

using Clock = std::chrono::steady_clock;
std::atomic<Clock::rep> g_last_parked_trim{0};
std::atomic<bool> g_parked_trim_owed{false};

bool parked_trim_due(Clock::time_point now) {
  return now - Clock::time_point(Clock::duration(g_last_parked_trim.load())) >= kParkedTrimEvery;
}

void trim_for_parked(Clock::time_point now) {
  g_last_parked_trim = now.time_since_epoch().count();
  g_parked_trim_owed = false;
  malloc_trim(0);
}
}  // namespace

void release_parked_memory() {
  auto now = Clock::now();
  if (parked_trim_due(now)) trim_for_parked(now);
  else g_parked_trim_owed = true;
}

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
      malloc_trim(0);
      at_last_trim = closed;
    } else if (g_parked_trim_owed && parked_trim_due(Clock::now())) {
      trim_for_parked(Clock::now());
    }
    at_last_tick = closed;
  }
}

}  // namespace xmppd
