// XEP-0082 date-time profile, as modules write it in <delay/> (XEP-0203) and in their own
// elements: UTC, whole seconds ("2026-11-29T12:30:00Z"), what every client parses.
#pragma once
#include <cstdint>
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

}  // namespace xmppd
