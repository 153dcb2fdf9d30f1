// Failed-login lockout per address and per account (shared/reference/bad-input.md row 13): RFC
// 6120 §6.4.5 bounds the retries within one stream, but an attacker simply opens another one.
// Past `limit` credential failures whose gaps are each shorter than `period`, further attempts
// from that address, or for that account, are refused with <temporary-auth-failure/> (§6.5.12)
// without checking the password, until `period` has passed since the last failure, so a
// guess made during the lockout learns nothing. Counted in memory only: addresses and account
// names are never logged or stored. The account lockout is short by default because anyone can
// trigger it for someone else's account; 0 turns either lockout off.
#pragma once
#include <chrono>
#include <string>
#include <unordered_map>

namespace xmppd {

class AuthLockout {
 public:
  using Clock = std::chrono::steady_clock;
  struct Settings {
    int per_ip = 0;       // failures per address; 0: no address lockout
    int per_account = 0;  // failures per account; 0: no account lockout
    std::chrono::seconds period{300};
  };

  explicit AuthLockout(Settings s) : settings_(s) {}

  bool locked(const std::string& ip, const std::string& account, Clock::time_point now) const {
    return over(by_ip_, ip, settings_.per_ip, now) || over(by_account_, account, settings_.per_account, now);
  }
  void failed(const std::string& ip, const std::string& account, Clock::time_point now) {
    if (settings_.per_ip) count(by_ip_, ip, now);
    if (settings_.per_account && !account.empty()) count(by_account_, account, now);
  }
  // The account's owner got in: its count starts again (the address's does not).
  void succeeded(const std::string& account) { by_account_.erase(account); }

 private:
  struct Failures {
    int count = 0;
    Clock::time_point last;
  };
  using Table = std::unordered_map<std::string, Failures>;
  static constexpr std::size_t kMaxEntries = 100'000;  // bounds the tables themselves

  bool over(const Table& t, const std::string& key, int limit, Clock::time_point now) const {
    if (!limit) return false;
    auto it = t.find(key);
    return it != t.end() && it->second.count >= limit && now - it->second.last < settings_.period;
  }
  void count(Table& t, const std::string& key, Clock::time_point now) {
    if (t.size() >= kMaxEntries) forget_expired(t, now);
    Failures& f = t[key];
    if (f.count && now - f.last >= settings_.period) f.count = 0;
    ++f.count;
    f.last = now;
  }
  void forget_expired(Table& t, Clock::time_point now) {
    std::erase_if(t, [&](const auto& kv) { return now - kv.second.last >= settings_.period; });
    if (t.size() >= kMaxEntries) t.clear();  // a flood of distinct keys: start over, not grow
  }

  Settings settings_;
  Table by_ip_, by_account_;
};

}  // namespace xmppd
