// XEP-0082 date-time profile, as modules write it in <delay/> (XEP-0203) and in their own
// elements: UTC, whole seconds ("2026-11-29T12:30:00Z"), what every client parses.
#pragma once
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace xmppd {

inline std::string xep0082_stamp(std::int64_t us) {
  std::time_t t = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The same with microseconds ("2026-11-29T12:30:00.123456Z"), where order within a second
// matters (XEP-0313 results).
inline std::string xep0082_stamp_us(std::int64_t us) {
  std::string s = xep0082_stamp(us);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(us % 1'000'000));
  s.pop_back();  // the 'Z'
  return s + frac;
}

}  // namespace xmppd
