// A module's background job that runs now and then every `interval` until the module goes: the
// retention purges (mam, upload, livechat). One run at a time; an exception in a run is logged
// and the next run comes at its time. stop() (the owner's destructor) cancels the wait; a run in
// progress finishes its current await and then ends, and its state is kept alive by the job.
#pragma once
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "xmppd/asio.hpp"
#include "xmppd/log.hpp"
#include "xmppd/server.hpp"

namespace xmppd {

class PeriodicJob {
 public:
  // `run` is called again each interval; `what` names the job in the log ("archive purge").
  PeriodicJob(Server& server, std::chrono::milliseconds interval, std::function<Task<void>()> run, std::string what)
      : st_(std::make_shared<State>(interval, std::move(run), std::move(what))) {
    server.spawn(loop(st_), st_->what.c_str());
  }
  ~PeriodicJob() { stop(); }
  PeriodicJob(const PeriodicJob&) = delete;
  PeriodicJob& operator=(const PeriodicJob&) = delete;

  void stop() {
    st_->stopped = true;
    if (st_->timer) st_->timer->cancel();
  }

 private:
  struct State {
    State(std::chrono::milliseconds i, std::function<Task<void>()> r, std::string w)
        : interval(i), run(std::move(r)), what(std::move(w)) {}
    std::chrono::milliseconds interval;
    std::function<Task<void>()> run;
    std::string what;
    std::optional<asio::steady_timer> timer;
    bool stopped = false;
  };

  static Task<void> loop(std::shared_ptr<State> st) {
    st->timer.emplace(co_await asio::this_coro::executor);
    while (!st->stopped) {
      try {
        co_await st->run();
      } catch (const std::exception& e) {
        log::error("periodic", st->what, " failed: ", e.what());
      }
      if (st->stopped) break;
      st->timer->expires_after(st->interval);
      error_code ec;
      co_await st->timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  std::shared_ptr<State> st_;
};

}  // namespace xmppd
