// Connection budgets (shared/reference/bad-input.md): total connections, unauthenticated
// connections per IP, and the rate of anonymous logins per IP and overall (XEP-0175). Counted
// in memory only; the IP addresses are never logged or stored. Failed logins are counted by
// AuthLockout.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "config.hpp"
#include "net/auth_lockout.hpp"

namespace xmppd {

class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(const Limits& limits)
      : limits_(limits),
        auth_({limits.auth_failures_per_ip, limits.auth_failures_per_account, limits.auth_lockout}) {}

  AuthLockout& auth() { return auth_; }

  int max_connections() const { return max_connections_ ? max_connections_ : limits_.max_connections; }
  void set_max_connections(int n) { max_connections_ = n; }
  bool try_open() {
    if (open_ >= max_connections()) return false;
    ++open_;
    return true;
  }
  void closed() {
    --open_;
    ++closed_total_;
  }
  int open() const { return open_; }
  // Connections closed since the start (memory_return.cpp watches for crowds that have gone).
  std::uint64_t closed_total() const { return closed_total_; }

  bool try_preauth(const std::string& ip) {
    int& n = preauth_[ip];
    if (n >= limits_.max_preauth_per_ip) return false;
    ++n;
    return true;
  }
  void preauth_done(const std::string& ip) {
    auto it = preauth_.find(ip);
    if (it != preauth_.end() && --it->second <= 0) preauth_.erase(it);
  }

  // One anonymous login now; false when the per-IP or global rate is exceeded.
  bool try_anonymous_login(const std::string& ip) {
    auto now = std::chrono::steady_clock::now();
    auto cutoff = now - std::chrono::minutes(1);
    while (!global_.empty() && global_.front() < cutoff) global_.pop_front();
    auto& mine = per_ip_[ip];
    while (!mine.empty() && mine.front() < cutoff) mine.pop_front();
    if (int(global_.size()) >= limits_.anonymous_logins_per_minute ||
        int(mine.size()) >= limits_.anonymous_logins_per_ip_per_minute)
      return false;
    global_.push_back(now);
    mine.push_back(now);
    if (per_ip_.size() > 100'000) per_ip_.clear();  // bound the table itself
    return true;
  }

 private:
  const Limits& limits_;
  AuthLockout auth_;
  int open_ = 0;
  std::uint64_t closed_total_ = 0;
  int max_connections_ = 0;
  std::unordered_map<std::string, int> preauth_;
  std::deque<std::chrono::steady_clock::time_point> global_;
  std::unordered_map<std::string, std::deque<std::chrono::steady_clock::time_point>> per_ip_;
};

}  // namespace xmppd
