// Unit tests of offline mode (issue 6): the ticket and callback state machines with an injected
// clock, phone numbers through libphonenumber, and the queue options (recipients, hours,
// closures) with the messages a wrong configuration gets.
#define BOOST_TEST_MODULE livechat_offline_requests
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <stdexcept>

#include "../livechat_service.hpp"
#include "../offline_requests.hpp"
#include "../phone_number.hpp"
#include "../queue_config.hpp"
#include "config.hpp"
#include "xmppd/module.hpp"
#include "xmppd/options.hpp"

namespace xmppd::livechat {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& o, TicketState s) { return o << to_string(s); }
std::ostream& operator<<(std::ostream& o, CallbackState s) { return o << to_string(s); }
}  // namespace xmppd::livechat

using namespace xmppd::livechat;

namespace {

// The options of the livechat module as the configuration loader makes them.
xmppd::Options options(std::vector<std::string> queues, std::vector<std::string> hours = {},
                       std::vector<std::string> closures = {}) {
  // Every other option at the default the module declares, as the loader makes them: a new
  // option needs no change here.
  auto list = [](const std::vector<std::string>& items) {
    std::string joined;
    for (const auto& i : items) joined += (joined.empty() ? "" : "\x1f") + i;
    return joined;
  };
  const xmppd::ModuleInfo* livechat = nullptr;
  for (const auto& m : xmppd::registered_modules())
    if (m.name == "livechat") livechat = &m;
  if (!livechat) throw std::logic_error("the livechat module is not linked in");
  return xmppd::validate_module_options("livechat", livechat->options,
                                        {{"queues", list(queues)}, {"hours", list(hours)}, {"closures", list(closures)}});
}

std::string error_of(const xmppd::Options& o) {
  try {
    read_settings("chat.example.org", o);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(ticket_open_assigned_answered_closed) {
  Ticket t;
  BOOST_TEST(t.state == TicketState::open);
  BOOST_TEST(!assign(t, "", 5));
  BOOST_TEST(assign(t, "anna@example.org", 10));
  BOOST_TEST(t.state == TicketState::assigned);
  BOOST_TEST(assign(t, "bob@example.org", 11));  // reassigned
  BOOST_TEST(t.assignee == "bob@example.org");
  BOOST_TEST(!answer(t, "bob@example.org", "", 12));  // an answer has text
  BOOST_TEST(answer(t, "anna@example.org", "Yes, we are open on Monday.", 20));
  BOOST_TEST(t.state == TicketState::answered);
  BOOST_TEST(t.assignee == "anna@example.org");  // whoever answers has it
  BOOST_TEST(!assign(t, "bob@example.org", 21));
  BOOST_TEST(!answer(t, "bob@example.org", "again", 22));
  BOOST_TEST(close(t, 30));
  BOOST_TEST(t.state == TicketState::closed);
  BOOST_TEST(t.updated_us == 30);
  BOOST_TEST(!close(t, 31));
  Ticket spam;
  BOOST_TEST(close(spam, 40));  // staff close a ticket in any state
}

BOOST_AUTO_TEST_CASE(callback_retries_until_the_limit) {
  Callback c;
  BOOST_TEST(c.state == CallbackState::requested);
  BOOST_TEST(!done(c, 1));  // nobody has called yet
  BOOST_TEST(!no_answer(c, 2, 1));
  BOOST_TEST(assign(c, "anna@example.org", 2));
  BOOST_TEST(no_answer(c, 2, 3));
  BOOST_TEST(c.state == CallbackState::no_answer);
  BOOST_TEST(c.attempts == 1);
  BOOST_TEST(is_open(c, 2));
  BOOST_TEST(assign(c, "bob@example.org", 4));  // a retry
  BOOST_TEST(no_answer(c, 2, 5));
  BOOST_TEST(c.attempts == 2);
  BOOST_TEST(!is_open(c, 2));  // out of retries: final
  BOOST_TEST(!no_answer(c, 2, 6));
  BOOST_TEST(cancel(c, 7));
  BOOST_TEST(!cancel(c, 8));
  Callback d;
  BOOST_TEST(assign(d, "anna@example.org", 1));
  BOOST_TEST(done(d, 2));
  BOOST_TEST(!is_open(d, 3));
  BOOST_TEST(!cancel(d, 3));
  BOOST_TEST(!assign(d, "bob@example.org", 4));
}

BOOST_AUTO_TEST_CASE(states_round_trip_as_stored_words) {
  for (auto s : {TicketState::open, TicketState::assigned, TicketState::answered, TicketState::closed})
    BOOST_TEST((ticket_state_from(to_string(s)) == s));
  for (auto s : {CallbackState::requested, CallbackState::assigned, CallbackState::done, CallbackState::no_answer,
                 CallbackState::cancelled})
    BOOST_TEST((callback_state_from(to_string(s)) == s));
  BOOST_TEST(!ticket_state_from("pending"));
}

BOOST_AUTO_TEST_CASE(phone_numbers_in_e164) {
  BOOST_TEST(to_e164("22 123 45 67").value_or("") == "+48221234567");  // Warsaw landline, region PL
  BOOST_TEST(to_e164("601 234 567").value_or("") == "+48601234567");
  BOOST_TEST(to_e164("+49 30 123456").value_or("") == "+4930123456");
  BOOST_TEST(!to_e164("12"));
  BOOST_TEST(!to_e164("not a number"));
  BOOST_TEST(!to_e164(""));
}

BOOST_AUTO_TEST_CASE(queue_options_with_recipients_hours_and_closures) {
  auto s = read_settings("chat.example.org",
                         options({"general | General | anna | 30s | least_busy | anna, boss@example.net",
                                  "night | Night | bob | | | bob", "plain | Plain | bob"},
                                 {"general | mon-fri 09:00-17:00 | holidays open | slot 15m"},
                                 {"* | 2026-12-31", "night | 2027-01-02..2027-01-03"}));
  BOOST_TEST_REQUIRE(s.queues.size() == 3u);
  const auto& g = s.queues[0];
  BOOST_TEST(g.recipients == (std::vector<std::string>{"anna@example.org", "boss@example.net"}));
  BOOST_TEST_REQUIRE(g.hours);
  BOOST_TEST(g.hours->hours().open_on_holidays);
  BOOST_TEST(g.hours->hours().slot.count() == 900);
  BOOST_TEST(g.hours->hours().closures.size() == 1u);
  BOOST_TEST_REQUIRE(s.queues[1].hours);
  BOOST_TEST(s.queues[1].hours->hours().closures.size() == 3u);  // its own two and everyone's
  BOOST_TEST(!s.queues[2].hours);                                 // no recipients: always a chat queue
  BOOST_TEST(!s.queues[2].takes_requests());
}

BOOST_AUTO_TEST_CASE(wrong_options_say_what_and_where) {
  BOOST_TEST(error_of(options({"general | G | anna"}, {"general | mon-fri 09:00-17:00"})).find(
                 "queue general has hours or closures but no recipients") != std::string::npos);
  BOOST_TEST(error_of(options({"general | G | anna | | | anna"}, {"sales | mon 09:00-10:00"})).find(
                 "hours: hours of queue sales: no such queue") != std::string::npos);
  BOOST_TEST(error_of(options({"general | G | anna | | | anna"}, {"general | mon 09:00-25:00"})).find(
                 "hours: hours of queue general: \"09:00-25:00\"") != std::string::npos);
  BOOST_TEST(error_of(options({"general | G | anna | | | anna"}, {"general | mon 09:00-10:00 | slot 1s"})).find(
                 "slot length") != std::string::npos);
  BOOST_TEST(error_of(options({"general | G | anna | | | anna"}, {}, {"general | 2026-13-01"})).find(
                 "closures: closures of general: \"2026-13-01\"") != std::string::npos);
  BOOST_TEST(error_of(options({"general | G | anna | | | not a jid@"})).find("recipient") != std::string::npos);
  BOOST_TEST(error_of(options({"general | G | anna | | | anna"}, {"general | mon 09:00-10:00"})).empty());
}
