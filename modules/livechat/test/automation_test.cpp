// Unit tests of the livechat automation's rules (automation.hpp) with an injected clock: the
// expected wait from the queue's recent pace, the inactivity steps, the event bus, the texts.
#define BOOST_TEST_MODULE automation
#include <boost/test/unit_test.hpp>

#include "../automation.hpp"
#include "../conversation.hpp"

using namespace xmppd::livechat;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t kMin = 60'000'000;  // one minute in microseconds
}

BOOST_AUTO_TEST_CASE(no_estimate_before_two_answers_then_pace_times_position) {
  WaitEstimator w;
  BOOST_TEST(!w.estimate("general", 1, 0));
  w.answered("general", 10 * kMin);
  BOOST_TEST(!w.estimate("general", 1, 10 * kMin));  // one answer says nothing about the pace
  w.answered("general", 12 * kMin);
  w.answered("general", 14 * kMin);
  // One answer every 2 minutes: third in line waits about 6 minutes.
  BOOST_TEST(w.estimate("general", 3, 15 * kMin)->count() == 360);
  BOOST_TEST(w.estimate("general", 1, 15 * kMin)->count() == 120);
  BOOST_TEST(!w.estimate("other", 1, 15 * kMin));  // per queue
  BOOST_TEST(!w.estimate("general", 0, 15 * kMin));
}

BOOST_AUTO_TEST_CASE(the_pace_is_recent_and_goes_stale) {
  WaitEstimator w(3, 60min);
  for (int i = 0; i < 10; ++i) w.answered("q", i * 10 * kMin);  // slow at first ...
  w.answered("q", 91 * kMin);                                   // ... then fast: window of 3
  w.answered("q", 92 * kMin);
  BOOST_TEST(w.estimate("q", 1, 93 * kMin)->count() == 60);  // (92 - 90) / 2 = 1 min
  BOOST_TEST(!w.estimate("q", 1, 92 * kMin + 61 * kMin));    // an hour without answers
}

BOOST_AUTO_TEST_CASE(wait_is_said_in_whole_minutes_rounded_up) {
  BOOST_TEST(wait_text(0s) == "około 1 min");
  BOOST_TEST(wait_text(60s) == "około 1 min");
  BOOST_TEST(wait_text(61s) == "około 2 min");
  BOOST_TEST(wait_text(600s) == "około 10 min");
}

BOOST_AUTO_TEST_CASE(inactivity_warns_then_closes_and_a_visitor_message_resets) {
  IdlePolicy p{10min, 5min};
  IdleClock c{};  // nothing waits for the visitor
  BOOST_TEST((idle_step(p, c, 100 * kMin) == IdleStep::none));
  c.waiting_since_us = 1 * kMin;  // staff wrote at minute 1
  BOOST_TEST((idle_step(p, c, 10 * kMin) == IdleStep::none));
  BOOST_TEST((idle_step(p, c, 11 * kMin) == IdleStep::warn));
  c.warned_us = 11 * kMin;
  BOOST_TEST((idle_step(p, c, 15 * kMin) == IdleStep::none));
  BOOST_TEST((idle_step(p, c, 16 * kMin) == IdleStep::close));
  c = IdleClock{};  // the visitor wrote
  BOOST_TEST((idle_step(p, c, 30 * kMin) == IdleStep::none));
}

BOOST_AUTO_TEST_CASE(zero_durations_turn_the_steps_off) {
  IdleClock c{1, 0};
  BOOST_TEST((idle_step(IdlePolicy{0ms, 5min}, c, 1000 * kMin) == IdleStep::none));
  c.warned_us = 2;
  BOOST_TEST((idle_step(IdlePolicy{10min, 0ms}, c, 1000 * kMin) == IdleStep::none));  // warn only
}

BOOST_AUTO_TEST_CASE(the_bus_calls_subscribers_in_order) {
  EventBus bus;
  std::vector<std::string> seen;
  bus.subscribe([&](const Event& e) { seen.push_back(std::string("a:") + to_string(e.kind)); });
  bus.subscribe([&](const Event& e) { seen.push_back(std::string("b:") + to_string(e.kind) + ":" + e.actor); });
  Conversation c;
  bus.emit(Event{EventKind::queued, c, "visitor", false, 1});
  bus.emit(Event{EventKind::closed, c, "service", false, 2});
  BOOST_TEST((seen == std::vector<std::string>{"a:queued", "b:queued:visitor", "a:closed", "b:closed:service"}));
}

BOOST_AUTO_TEST_CASE(placeholders_are_filled_everywhere) {
  BOOST_TEST(fill("czas: {wait}.", "wait", "około 3 min") == "czas: około 3 min.");
  BOOST_TEST(fill("{m}/{m}", "m", "{m}") == "{m}/{m}");  // a value holding the token is not expanded again
  BOOST_TEST(fill("bez", "wait", "x") == "bez");
}
