// The benchmark run: one scenario of issue 3 against one server, each in its own file
// (scenario_*.cpp), on the shared pieces here: client options, pacing, login workers, output.
#pragma once
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "args.hpp"
#include "client.hpp"
#include "report.hpp"

namespace loadgen {

class Bench {
 public:
  Bench(asio::io_context& io, Args args);
  awaitable<void> run();

 private:
  // ---- scenarios -----------------------------------------------------------------------------
  awaitable<void> login_storm();        // 1, scenario_sessions.cpp
  awaitable<void> idle();               // 2, scenario_sessions.cpp
  awaitable<void> messages();           // 3, scenario_messages.cpp
  awaitable<void> presence();           // 4, scenario_presence.cpp
  awaitable<void> rooms();              // 5, scenario_rooms.cpp
  awaitable<void> livechat();           // 6, scenario_livechat.cpp
  awaitable<void> register_accounts();  // XEP-0077 accounts for the peers, scenario_sessions.cpp

  // ---- shared pieces (bench.cpp) -------------------------------------------------------------
  Json base(const std::string& phase) const;
  void emit(const Json& j) { std::cout << j.done() << std::endl; }
  void note(const std::string& s) { std::cerr << "[loadgen] " << s << std::endl; }

  std::string user(int i) const { return a_.user_prefix + std::to_string(i); }
  ClientOptions options(int i, const std::string& resource, Mech mech);
  Mech mech() const;

  awaitable<void> sleep(double seconds);
  // Waits until got() reaches `expected`, or nothing moved for --drain seconds.
  awaitable<void> drain(std::function<std::int64_t()> got, std::int64_t expected);
  bool out_of_time() const { return (now_ns() - started_) / 1e9 > a_.max_seconds; }

  // Open loop: the schedule is fixed by the clock, whatever the server does. `send_next` is
  // called until rate × elapsed time have been sent, for `seconds`.
  awaitable<void> paced(double rate, double seconds, std::function<void()> send_next);

  // Runs `n` logins with at most `k` at once; `make(i)` gives the options, `after(client)` runs
  // once a login succeeded (it may keep the client). Stops starting new ones after `limit_s`.
  struct LoginStats {
    int ok = 0, failed = 0;
    std::vector<std::int64_t> latency_ns;
    std::map<std::string, int> errors;
    std::string mechanism;
  };
  awaitable<LoginStats> logins(int n, int k, std::function<ClientOptions(int)> make,
                               std::function<awaitable<void>(std::shared_ptr<Client>)> after, double limit_s);
  static std::string errors_json(const std::map<std::string, int>& errors);
  static awaitable<void> close_later(std::shared_ptr<Client> c);
  // Ends every stream (RFC 6120 §4.4), gives the server half a second to answer, then closes.
  awaitable<void> end_streams(const std::vector<std::shared_ptr<Client>>& clients);

  asio::io_context& io_;
  Args a_;
  asio::ssl::context tls_ctx_;
  std::int64_t started_ = now_ns();
};

}  // namespace loadgen
