// XEP-0082 date-time profile, as modules write it in <delay/> (XEP-0203) and in their own
// elements: UTC, whole seconds ("2026-11-29T12:30:00Z"), what every client parses.
#pragma once
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

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

// Reads an XEP-0082 §3.3 DateTime, CCYY-MM-DDThh:mm:ss[.sss]TZD with TZD Z or (+|-)hh:mm, as
// clients send it in XEP-0313 `start` and `end` and XEP-0045 history `since`: microseconds since
// the epoch, or nothing. The one parser of the project (mam, muc, livechat staff search).
inline std::optional<std::int64_t> parse_xep0082(std::string_view text) {
  std::string s(text);
  int y, mo, d, h, mi, sec, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6 ||
      consumed != 19)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t i = 19;
  std::int64_t micros = 0;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i)
      if (digits < 6) micros = micros * 10 + (s[i] - '0'), ++digits;
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
  }
  std::int64_t offset_s = 0;
  if (i + 1 == s.size() && s[i] == 'Z') {
    i = s.size();
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset_s = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i = s.size();
  }
  if (i != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
  return (static_cast<std::int64_t>(timegm(&tm)) - offset_s) * 1000000 + micros;
}

}  // namespace xmppd
