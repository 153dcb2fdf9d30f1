// Unit tests of business hours (issue 6): Polish public holidays 2024–2027 with the movable ones,
// weekly hours in Europe/Warsaw with an injected instant, the days clocks change, office
// closures, and the callback slots.
#define BOOST_TEST_MODULE livechat_business_hours
#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "../business_hours.hpp"

using namespace xmppd::livechat;
using namespace std::chrono;

namespace {

Date ymd(int y, unsigned m, unsigned d) { return Date{year(y), month(m), day(d)}; }

// µs of a UTC wall time.
std::int64_t utc(int y, unsigned m, unsigned d, int h, int min = 0, int s = 0) {
  auto t = sys_days(ymd(y, m, d)) + hours(h) + minutes(min) + seconds(s);
  return duration_cast<microseconds>(t.time_since_epoch()).count();
}

BusinessHours office() { return BusinessHours(parse_week("mon-fri 09:00-17:00, sat 10:00-14:00")); }

}  // namespace

BOOST_AUTO_TEST_CASE(easter_dates) {
  BOOST_TEST((easter_sunday(2024) == ymd(2024, 3, 31)));
  BOOST_TEST((easter_sunday(2025) == ymd(2025, 4, 20)));
  BOOST_TEST((easter_sunday(2026) == ymd(2026, 4, 5)));
  BOOST_TEST((easter_sunday(2027) == ymd(2027, 3, 28)));
  BOOST_TEST((easter_sunday(2038) == ymd(2038, 4, 25)));  // the latest possible date
}

BOOST_AUTO_TEST_CASE(movable_holidays_2025_to_2027) {
  // Easter Monday, Pentecost Sunday (Zielone Świątki), Corpus Christi (Boże Ciało).
  for (auto d : {ymd(2025, 4, 21), ymd(2025, 6, 8), ymd(2025, 6, 19), ymd(2026, 4, 6), ymd(2026, 5, 24),
                 ymd(2026, 6, 4), ymd(2027, 3, 29), ymd(2027, 5, 16), ymd(2027, 5, 27)})
    BOOST_TEST(is_polish_holiday(d));
  // The days around them are not.
  for (auto d : {ymd(2025, 4, 22), ymd(2025, 6, 9), ymd(2025, 6, 18), ymd(2026, 4, 7), ymd(2026, 6, 5),
                 ymd(2027, 3, 30), ymd(2027, 5, 28)})
    BOOST_TEST(!is_polish_holiday(d));
}

BOOST_AUTO_TEST_CASE(fixed_holidays_and_christmas_eve_from_2025) {
  for (int y : {2025, 2026, 2027})
    for (auto [m, d] : {std::pair{1u, 1u}, {1u, 6u}, {5u, 1u}, {5u, 3u}, {8u, 15u}, {11u, 1u}, {11u, 11u},
                        {12u, 24u}, {12u, 25u}, {12u, 26u}})
      BOOST_TEST(is_polish_holiday(ymd(y, m, d)), y << "-" << m << "-" << d);
  BOOST_TEST(!is_polish_holiday(ymd(2024, 12, 24)));  // a working day before the 2024 amendment
  BOOST_TEST(!is_polish_holiday(ymd(2026, 5, 2)));
  BOOST_TEST(!is_polish_holiday(ymd(2026, 12, 31)));
  BOOST_TEST(!is_polish_holiday(ymd(2026, 11, 2)));
}

BOOST_AUTO_TEST_CASE(open_within_weekly_hours_in_warsaw_time) {
  auto h = office();
  // Tuesday 1 Dec 2026, CET = UTC+1: 09:00 local is 08:00 UTC.
  BOOST_TEST(!h.open_at(utc(2026, 12, 1, 7, 59, 59)));
  BOOST_TEST(h.open_at(utc(2026, 12, 1, 8)));
  BOOST_TEST(h.open_at(utc(2026, 12, 1, 15, 59, 59)));
  BOOST_TEST(!h.open_at(utc(2026, 12, 1, 16)));
  // Summer, CEST = UTC+2: Wednesday 1 July 2026, 09:00 local is 07:00 UTC.
  BOOST_TEST(h.open_at(utc(2026, 7, 1, 7)));
  BOOST_TEST(!h.open_at(utc(2026, 7, 1, 6, 59)));
  // Saturday 5 Dec 10:00-14:00; Sunday never.
  BOOST_TEST(h.open_at(utc(2026, 12, 5, 9)));
  BOOST_TEST(!h.open_at(utc(2026, 12, 5, 13)));
  BOOST_TEST(!h.open_at(utc(2026, 12, 6, 10)));
}

BOOST_AUTO_TEST_CASE(closed_on_holidays_unless_the_queue_opens_then) {
  auto h = office();
  BOOST_TEST(!h.open_at(utc(2026, 6, 4, 10)));   // Corpus Christi, a Thursday
  BOOST_TEST(!h.open_at(utc(2026, 12, 24, 10)));  // Christmas Eve, a Thursday
  auto week = parse_week("mon-fri 09:00-17:00");
  week.open_on_holidays = true;
  BusinessHours open(week);
  BOOST_TEST(open.open_at(utc(2026, 6, 4, 10)));
  BOOST_TEST(BusinessHours(WeeklyHours::always()).open_at(utc(2026, 12, 25, 3)));
  BOOST_TEST(!BusinessHours(parse_week("closed")).next_open(utc(2026, 12, 1, 0)));
}

BOOST_AUTO_TEST_CASE(next_opening_skips_evenings_weekends_holidays_and_closures) {
  auto h = office();
  // Friday 4 Dec 2026 18:00 local -> Saturday 10:00.
  BOOST_TEST(h.format_local(*h.next_open(utc(2026, 12, 4, 17))) == "2026-12-05T10:00:00+01:00");
  // Wednesday 23 Dec evening: 24, 25, 26 are holidays, 27 is a Sunday -> Monday 28 Dec.
  BOOST_TEST(h.format_local(*h.next_open(utc(2026, 12, 23, 17))) == "2026-12-28T09:00:00+01:00");
  // Open now: now.
  BOOST_TEST(*h.next_open(utc(2026, 12, 1, 10)) == utc(2026, 12, 1, 10));
  auto week = parse_week("mon-fri 09:00-17:00");
  parse_closure("2026-12-28..2026-12-30", week.closures);
  BusinessHours closed(week);
  BOOST_TEST(!closed.open_at(utc(2026, 12, 29, 10)));
  BOOST_TEST(closed.format_local(*closed.next_open(utc(2026, 12, 23, 17))) == "2026-12-31T09:00:00+01:00");
}

BOOST_AUTO_TEST_CASE(the_days_clocks_change) {
  // 29 March 2026: 02:00 CET becomes 03:00 CEST. 25 October 2026: 03:00 CEST becomes 02:00 CET.
  auto week = parse_week("daily 01:00-04:00");
  week.open_on_holidays = true;
  BusinessHours h(week);
  auto spring = h.slots(utc(2026, 3, 28, 23), 1, 100);  // 00:00 local on the 29th
  BOOST_TEST_REQUIRE(spring.size() == 4u);               // 02:00 and 02:30 do not exist
  BOOST_TEST(h.format_local(spring[0].start_us) == "2026-03-29T01:00:00+01:00");
  BOOST_TEST(h.format_local(spring[1].start_us) == "2026-03-29T01:30:00+01:00");
  BOOST_TEST(h.format_local(spring[2].start_us) == "2026-03-29T03:00:00+02:00");
  BOOST_TEST(h.format_local(spring[3].start_us) == "2026-03-29T03:30:00+02:00");
  // The queue opened at 01:00 CET = 00:00 UTC; 03:00 CEST is 01:00 UTC.
  BOOST_TEST(h.open_at(utc(2026, 3, 29, 0, 30)));
  BOOST_TEST(h.open_at(utc(2026, 3, 29, 1, 30)));
  BOOST_TEST(!h.open_at(utc(2026, 3, 29, 2)));  // 04:00 CEST
  auto autumn = h.slots(utc(2026, 10, 24, 22), 1, 100);  // 00:00 CEST on the 25th
  BOOST_TEST_REQUIRE(autumn.size() == 6u);
  BOOST_TEST(h.format_local(autumn[2].start_us) == "2026-10-25T02:00:00+02:00");  // the first 02:00
  BOOST_TEST(h.format_local(autumn[5].start_us) == "2026-10-25T03:30:00+01:00");
  // An opening time that does not exist opens at the first one that does.
  BusinessHours at_two(parse_week("sun 02:00-05:00"));
  BOOST_TEST(at_two.format_local(*at_two.next_open(utc(2026, 3, 28, 12))) == "2026-03-29T03:00:00+02:00");
}

BOOST_AUTO_TEST_CASE(callback_slots_of_the_next_working_days) {
  auto h = office();
  // Thursday 3 Dec 2026 16:10 local: the rest of Thursday, Friday, Saturday, Monday, Tuesday.
  auto slots = h.slots(utc(2026, 12, 3, 15, 10), 5, 1000);
  BOOST_TEST_REQUIRE(slots.size() == 1u + 16 + 8 + 16 + 16);
  BOOST_TEST(h.format_local(slots[0].start_us) == "2026-12-03T16:30:00+01:00");
  BOOST_TEST(h.format_local(slots[0].end_us) == "2026-12-03T17:00:00+01:00");
  BOOST_TEST(h.format_local(slots[1].start_us) == "2026-12-04T09:00:00+01:00");
  BOOST_TEST(h.format_local(slots[17].start_us) == "2026-12-05T10:00:00+01:00");
  BOOST_TEST(h.format_local(slots.back().start_us) == "2026-12-08T16:30:00+01:00");
  BOOST_TEST(h.slots(utc(2026, 12, 3, 15, 10), 5, 3).size() == 3u);
  // A slot that has started is not offered.
  BOOST_TEST(h.format_local(h.slots(utc(2026, 12, 1, 8, 0, 1), 1, 1)[0].start_us) == "2026-12-01T09:30:00+01:00");
}

BOOST_AUTO_TEST_CASE(bad_hours_are_refused_with_a_reason) {
  BOOST_CHECK_THROW(parse_week("mon-fri"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_week("fri-mon 09:00-17:00"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_week("mon 17:00-09:00"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_week("mon 09:00-24:30"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_week("lun 09:00-10:00"), std::invalid_argument);
  std::set<sys_days> out;
  BOOST_CHECK_THROW(parse_closure("2026-02-30", out), std::invalid_argument);
  BOOST_CHECK_THROW(parse_closure("2026-12-31..2026-12-01", out), std::invalid_argument);
  BOOST_TEST(parse_week("daily 00:00-24:00").days[6].size() == 1u);
}
