// Business hours, Polish public holidays and callback slots (see business_hours.hpp).
#include "business_hours.hpp"
#include "queue_config.hpp"

#include <unicode/basictz.h>
#include <unicode/timezone.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace xmppd::livechat {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr int kDay = 86400;

// Monday = 0 (the configuration's and Poland's first day of the week).
int weekday_index(sys_days d) { return static_cast<int>(std::chrono::weekday(d).iso_encoding()) - 1; }

int day_index(const std::string& name) {
  static const char* names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int i = 0; i < 7; ++i)
    if (name == names[i]) return i;
  return -1;
}

// "HH:MM" -> seconds of the day, 24:00 allowed; -1 when malformed.
int parse_clock(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (int i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
  return h * 3600 + m * 60;
}

std::optional<sys_days> parse_date(const std::string& s) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  Date date{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!date.ok()) return std::nullopt;
  return sys_days(date);
}

}  // namespace

Date easter_sunday(int year) {
  // The anonymous Gregorian computus (Meeus/Jones/Butcher).
  int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return Date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
              std::chrono::day(static_cast<unsigned>(day))};
}

bool is_polish_holiday(Date d) {
  int year = static_cast<int>(d.year());
  unsigned month = static_cast<unsigned>(d.month()), day = static_cast<unsigned>(d.day());
  struct Fixed {
    unsigned month, day;
    int from_year;
  };
  static constexpr Fixed fixed[] = {{1, 1, 0},  {1, 6, 2011}, {5, 1, 0},   {5, 3, 0},   {8, 15, 0},
                                    {11, 1, 0}, {11, 11, 0},  {12, 24, 2025}, {12, 25, 0}, {12, 26, 0}};
  for (const auto& f : fixed)
    if (f.month == month && f.day == day && year >= f.from_year) return true;
  sys_days easter(easter_sunday(year));
  sys_days date(d);
  for (int offset : {0, 1, 49, 60})  // Easter Sunday, Easter Monday, Pentecost, Corpus Christi
    if (date == easter + days(offset)) return true;
  return false;
}

WeeklyHours WeeklyHours::always() {
  WeeklyHours h;
  for (auto& d : h.days) d.push_back({0, kDay});
  h.open_on_holidays = true;
  return h;
}

WeeklyHours parse_week(const std::string& spec) {
  WeeklyHours h;
  if (trim(spec) == "closed") return h;
  for (const auto& item : split(spec, ',')) {
    auto space = item.find(' ');
    if (space == std::string::npos)
      throw std::invalid_argument("\"" + item + "\" is not \"DAYS HH:MM-HH:MM\" (e.g. \"mon-fri 09:00-17:00\")");
    std::string which = item.substr(0, space), span = trim(item.substr(space + 1));
    int first = 0, last = 6;
    if (which != "daily") {
      auto dash = which.find('-');
      first = day_index(which.substr(0, dash));
      last = dash == std::string::npos ? first : day_index(which.substr(dash + 1));
      if (first < 0 || last < 0 || last < first)
        throw std::invalid_argument("\"" + which + "\" is not a day (mon … sun), a range (mon-fri) or daily");
    }
    auto dash = span.find('-');
    int start = dash == std::string::npos ? -1 : parse_clock(span.substr(0, dash));
    int end = dash == std::string::npos ? -1 : parse_clock(span.substr(dash + 1));
    if (start < 0 || end < 0 || start >= end || start == kDay)
      throw std::invalid_argument("\"" + span + "\" is not HH:MM-HH:MM with the start before the end (end at most 24:00)");
    for (int d = first; d <= last; ++d) h.days[d].push_back({start, end});
  }
  for (auto& d : h.days) std::sort(d.begin(), d.end());
  return h;
}

void parse_closure(const std::string& item, std::set<sys_days>& out) {
  auto dots = item.find("..");
  auto from = parse_date(dots == std::string::npos ? item : trim(item.substr(0, dots)));
  auto to = dots == std::string::npos ? from : parse_date(trim(item.substr(dots + 2)));
  if (!from || !to || *to < *from || *to - *from > days(366))
    throw std::invalid_argument("\"" + item + "\" is not YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (at most a year)");
  for (auto d = *from; d <= *to; d += days(1)) out.insert(d);
}

struct BusinessHours::Zone {
  std::unique_ptr<icu::TimeZone> tz;
  const icu::BasicTimeZone* basic = nullptr;
};

BusinessHours::BusinessHours(WeeklyHours hours, const std::string& zone)
    : hours_(std::move(hours)), zone_(std::make_unique<Zone>()) {
  zone_->tz.reset(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone)));
  zone_->basic = dynamic_cast<const icu::BasicTimeZone*>(zone_->tz.get());
  if (*zone_->tz == icu::TimeZone::getUnknown() || !zone_->basic)
    throw std::invalid_argument("time zone " + zone + " is not in ICU's data");
}

BusinessHours::~BusinessHours() = default;
BusinessHours::BusinessHours(BusinessHours&&) noexcept = default;
BusinessHours& BusinessHours::operator=(BusinessHours&&) noexcept = default;

std::pair<sys_days, int> BusinessHours::local(std::int64_t us) const {
  std::int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  std::int64_t ms = us / 1000 - (us % 1000 < 0 ? 1 : 0);
  zone_->tz->getOffset(static_cast<UDate>(ms), false, raw, dst, status);
  std::int64_t local_s = (ms + raw + dst) / 1000 - ((ms + raw + dst) % 1000 < 0 ? 1 : 0);
  std::int64_t day = local_s / kDay - (local_s % kDay < 0 ? 1 : 0);
  return {sys_days(days(day)), static_cast<int>(local_s - day * kDay)};
}

std::optional<std::int64_t> BusinessHours::instant(sys_days day, int second) const {
  if (second >= kDay) {
    day += days(second / kDay);
    second %= kDay;
  }
  double local_ms = (static_cast<double>(day.time_since_epoch().count()) * kDay + second) * 1000.0;
  std::int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  // A repeated wall time (the autumn change) is its first occurrence.
  zone_->basic->getOffsetFromLocal(local_ms, UCAL_TZ_LOCAL_FORMER, UCAL_TZ_LOCAL_FORMER, raw, dst, status);
  if (U_FAILURE(status)) return std::nullopt;
  std::int64_t us = (static_cast<std::int64_t>(local_ms) - raw - dst) * 1000;
  if (local(us) != std::pair<sys_days, int>{day, second}) return std::nullopt;  // skipped wall time
  return us;
}

bool BusinessHours::working_day(sys_days day) const {
  if (hours_.days[weekday_index(day)].empty() || hours_.closures.count(day)) return false;
  return hours_.open_on_holidays || !is_polish_holiday(Date(day));
}

bool BusinessHours::working_day(Date local_day) const { return working_day(sys_days(local_day)); }

bool BusinessHours::open_at(std::int64_t us) const {
  auto [day, second] = local(us);
  if (!working_day(day)) return false;
  for (auto [start, end] : hours_.days[weekday_index(day)])
    if (second >= start && second < end) return true;
  return false;
}

std::optional<std::int64_t> BusinessHours::next_open(std::int64_t us) const {
  if (open_at(us)) return us;
  auto today = local(us).first;
  for (int i = 0; i <= 366; ++i) {
    auto day = today + days(i);
    if (!working_day(day)) continue;
    for (auto [start, end] : hours_.days[weekday_index(day)]) {
      // A start skipped by the spring change opens at the first wall time that exists.
      for (int s = start; s < end; s += 60)
        if (auto at = instant(day, s)) {
          if (*at > us) return at;
          break;
        }
    }
  }
  return std::nullopt;
}

std::vector<Slot> BusinessHours::slots(std::int64_t now_us, int working_days, std::size_t max) const {
  std::vector<Slot> out;
  const int length = static_cast<int>(hours_.slot.count());
  if (length <= 0) return out;
  auto today = local(now_us).first;
  int found = 0;
  for (int i = 0; i <= 366 && found < working_days; ++i) {
    auto day = today + days(i);
    if (!working_day(day)) continue;
    ++found;
    for (auto [start, end] : hours_.days[weekday_index(day)]) {
      for (int s = start; s + length <= end; s += length) {
        auto at = instant(day, s);
        if (!at || *at <= now_us) continue;
        out.push_back({*at, *at + static_cast<std::int64_t>(length) * 1000000});
        if (out.size() >= max) return out;
      }
    }
  }
  return out;
}

std::string BusinessHours::format_local(std::int64_t us) const {
  auto [day, second] = local(us);
  std::int64_t s = us / 1000000 - (us % 1000000 < 0 ? 1 : 0);
  std::int64_t offset_min = ((day.time_since_epoch().count() * kDay + second) - s) / 60;
  Date d(day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()), second / 3600, second / 60 % 60,
                second % 60, offset_min < 0 ? '-' : '+', static_cast<int>(std::abs(offset_min) / 60),
                static_cast<int>(std::abs(offset_min) % 60));
  return buf;
}

}  // namespace xmppd::livechat
