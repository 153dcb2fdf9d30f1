// xmppd-loadgen: bounded XMPP load on loopback for the benchmark scenarios of issue 3 (login
// storm, idle connections, one-to-one messages, presence with rosters, room fan-out) against any
// server, and the livechat day (xmppd's livechat service, docs/protocol.md).
// Prints one JSON object per measured phase on standard output; progress goes to stderr.
// One file per scenario (scenario_*.cpp); the command line in args.cpp, output in report.cpp.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <exception>

#include "bench.hpp"

int main(int argc, char** argv) {
  using namespace loadgen;
  signal(SIGPIPE, SIG_IGN);
  Args args = parse(argc, argv);
  // Use every descriptor the machine allows this process (idle scenario).
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  asio::io_context io(1);
  Bench bench(io, args);
  int rc = 0;
  asio::co_spawn(io, bench.run(), [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "loadgen: %s\n", ex.what());
        rc = 1;
      }
    }
    io.stop();  // end the run: clients still open are closed with the process
  });
  // The whole run is bounded in time whatever happens.
  asio::steady_timer guard(io, std::chrono::seconds(static_cast<long long>(args.max_seconds + 60)));
  guard.async_wait([&](error_code ec) {
    if (!ec) {
      std::fprintf(stderr, "loadgen: time limit reached\n");
      rc = 3;
      io.stop();
    }
  });
  io.run();
  return rc;
}