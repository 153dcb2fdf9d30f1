// Business hours of a livechat queue (issue 6): weekly opening intervals in local time
// (Europe/Warsaw), Polish public holidays (closed unless the queue opens on holidays), closure
// dates of an office or queue, and the callback slots that follow from them.
//
// The wall clock is never read here: every question takes the instant (µs since the epoch), so
// the rules are unit-tested with any date, including the days clocks change. Local time comes
// from ICU's time zone data (libicu, already linked for folding): libstdc++ 12 has no
// std::chrono::locate_zone, and daylight-saving rules are not written by hand.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>


namespace xmppd::livechat {

inline constexpr char kOfficeZone[] = "Europe/Warsaw";

using Date = std::chrono::year_month_day;

// Easter Sunday of the Gregorian calendar (the computus; valid for any Gregorian year).
Date easter_sunday(int year);
// A public holiday in Poland (ustawa z 18 stycznia 1951 r. o dniach wolnych od pracy, art. 1):
// 1 Jan, 6 Jan, Easter Sunday and Monday, 1 May, 3 May, Pentecost Sunday (Easter + 49),
// Corpus Christi (Easter + 60), 15 Aug, 1 Nov, 11 Nov, 25 and 26 Dec, and 24 Dec from 2025 on
// (added by the amendment of 6 December 2024, Dz.U. 2024 poz. 1965).
bool is_polish_holiday(Date d);

// Opening hours of one queue. Intervals are [start, end) seconds of the local day, 86400 being
// midnight at the end of the day; index 0 is Monday.
struct WeeklyHours {
  std::array<std::vector<std::pair<int, int>>, 7> days;
  bool open_on_holidays = false;
  std::set<std::chrono::sys_days> closures;  // local dates the queue is closed (office closures)
  std::chrono::seconds slot{1800};           // callback slot length
  // A queue without an hours entry: open all the time, holidays included.
  static WeeklyHours always();
};

// Parses a week as written in the configuration: comma-separated "DAYS HH:MM-HH:MM" items, DAYS
// a day (mon … sun), a range ("mon-fri") or "daily"; "closed" is a week without hours. The end
// may be 24:00. Throws std::invalid_argument saying which item is wrong.
WeeklyHours parse_week(const std::string& spec);
// "2026-12-31" or "2026-12-24..2026-12-31" added to `out`; throws std::invalid_argument.
void parse_closure(const std::string& item, std::set<std::chrono::sys_days>& out);

struct Slot {
  std::int64_t start_us = 0, end_us = 0;
};

class BusinessHours {
 public:
  explicit BusinessHours(WeeklyHours hours, const std::string& zone = kOfficeZone);
  ~BusinessHours();
  BusinessHours(BusinessHours&&) noexcept;
  BusinessHours& operator=(BusinessHours&&) noexcept;

  // Open at the instant `us`.
  bool open_at(std::int64_t us) const;
  // The first instant at or after `us` the queue is open (`us` itself when open now); none when
  // it does not open within a year.
  std::optional<std::int64_t> next_open(std::int64_t us) const;
  // A day with opening hours that is neither a closure nor (unless open on holidays) a holiday.
  bool working_day(Date local_day) const;
  // The slots of the next `working_days` working days from the local day of `now_us` on:
  // consecutive slots of the slot length from each interval's start that end within it, whose
  // start is after `now_us`. Local times that do not exist (the spring change) give no slot; at
  // most `max` slots.
  std::vector<Slot> slots(std::int64_t now_us, int working_days, std::size_t max) const;
  // "2026-12-01T09:00:00+01:00": the local time with its UTC offset (RFC 3339 / XEP-0082).
  std::string format_local(std::int64_t us) const;
  const WeeklyHours& hours() const { return hours_; }

 private:
  struct Zone;
  // The local date and second of the day of an instant.
  std::pair<std::chrono::sys_days, int> local(std::int64_t us) const;
  // The instant of a local wall time; none when it does not exist (skipped by a clock change).
  std::optional<std::int64_t> instant(std::chrono::sys_days day, int second) const;
  bool working_day(std::chrono::sys_days day) const;

  WeeklyHours hours_;
  std::unique_ptr<Zone> zone_;
};

}  // namespace xmppd::livechat
