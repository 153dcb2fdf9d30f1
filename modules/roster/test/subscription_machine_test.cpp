// The subscription state machine against the tables of RFC 6121 Appendix A (A.2 outbound,
// A.3 inbound), written out here as the RFC prints them, and the §3.4 pre-approval rules.
#define BOOST_TEST_MODULE subscription_machine
#include "../subscription_machine.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace xmppd;
using namespace xmppd::roster;

namespace {

// One row of an Appendix A table. `next` nullptr: "no state change".
struct Row {
  const char* existing;
  bool forward;  // ROUTE? (outbound) / DELIVER? (inbound)
  const char* next;
};

SubState parse(const std::string& name) {
  for (int i = 0; i < kSubStateCount; ++i)
    if (name == to_string(static_cast<SubState>(i))) return static_cast<SubState>(i);
  BOOST_FAIL("no state named " + name);
  return SubState::none;
}

enum class Direction { outbound, inbound };

void check_table(Direction dir, SubStanza stanza, const Row (&rows)[kSubStateCount]) {
  for (const Row& row : rows) {
    SubState existing = parse(row.existing);
    SubState expected = row.next ? parse(row.next) : existing;
    Transition t =
        dir == Direction::outbound ? outbound({existing, false}, stanza) : inbound({existing, false}, stanza);
    BOOST_TEST_CONTEXT(to_string(stanza) << " in \"" << row.existing << "\"") {
      BOOST_TEST(t.forward == row.forward);
      BOOST_TEST(to_string(t.next.state) == to_string(expected));
      BOOST_TEST(!t.next.preapproved);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(rfc6121_a_2_1_outbound_subscribe) {
  const Row rows[] = {
      {"None", true, "None + Pending Out"},
      {"None + Pending Out", true, nullptr},
      {"None + Pending In", true, "None + Pending Out/In"},
      {"None + Pending Out/In", true, nullptr},
      {"To", true, nullptr},
      {"To + Pending In", true, nullptr},
      {"From", true, "From + Pending Out"},
      {"From + Pending Out", true, nullptr},
      {"Both", true, nullptr},
  };
  check_table(Direction::outbound, SubStanza::subscribe, rows);
}

BOOST_AUTO_TEST_CASE(rfc6121_a_2_2_outbound_unsubscribe) {
  const Row rows[] = {
      {"None", true, nullptr},
      {"None + Pending Out", true, "None"},
      {"None + Pending In", true, nullptr},
      {"None + Pending Out/In", true, "None + Pending In"},
      {"To", true, "None"},
      {"To + Pending In", true, "None + Pending In"},
      {"From", true, nullptr},
      {"From + Pending Out", true, "From"},
      {"Both", true, "From"},
  };
  check_table(Direction::outbound, SubStanza::unsubscribe, rows);
}

// Without pre-approval: the rows "no/no state change" for None, None + Pending Out and To are
// checked with it in rfc6121_3_4_* below.
BOOST_AUTO_TEST_CASE(rfc6121_a_2_3_outbound_subscribed_with_a_pending_request) {
  const Row rows[] = {
      {"None + Pending In", true, "From"},    {"None + Pending Out/In", true, "From + Pending Out"},
      {"To + Pending In", true, "Both"},      {"From", false, nullptr},
      {"From + Pending Out", false, nullptr}, {"Both", false, nullptr},
  };
  for (const Row& row : rows) {
    SubState existing = parse(row.existing);
    Transition t = outbound({existing, false}, SubStanza::subscribed);
    BOOST_TEST_CONTEXT("subscribed in \"" << row.existing << "\"") {
      BOOST_TEST(t.forward == row.forward);
      BOOST_TEST(to_string(t.next.state) == to_string(row.next ? parse(row.next) : existing));
      BOOST_TEST(!t.next.preapproved);
    }
  }
}

BOOST_AUTO_TEST_CASE(rfc6121_a_2_4_outbound_unsubscribed) {
  const Row rows[] = {
      {"None", false, nullptr},
      {"None + Pending Out", false, nullptr},
      {"None + Pending In", true, "None"},
      {"None + Pending Out/In", true, "None + Pending Out"},
      {"To", false, nullptr},
      {"To + Pending In", true, "To"},
      {"From", true, "None"},
      {"From + Pending Out", true, "None + Pending Out"},
      {"Both", true, "To"},
  };
  check_table(Direction::outbound, SubStanza::unsubscribed, rows);
}

BOOST_AUTO_TEST_CASE(rfc6121_a_3_1_inbound_subscribe) {
  const Row rows[] = {
      {"None", true, "None + Pending In"},
      {"None + Pending Out", true, "None + Pending Out/In"},
      {"None + Pending In", false, nullptr},
      {"None + Pending Out/In", false, nullptr},
      {"To", true, "To + Pending In"},
      {"To + Pending In", false, nullptr},
      {"From", false, nullptr},
      {"From + Pending Out", false, nullptr},
      {"Both", false, nullptr},
  };
  check_table(Direction::inbound, SubStanza::subscribe, rows);
}

BOOST_AUTO_TEST_CASE(rfc6121_a_3_1_inbound_subscribe_from_a_subscriber_is_answered_by_the_server) {
  for (SubState s : {SubState::from, SubState::from_pending_out, SubState::both}) {
    Transition t = inbound({s, false}, SubStanza::subscribe);
    BOOST_TEST(t.auto_subscribed, to_string(s));
    BOOST_TEST(!t.forward);
  }
  for (SubState s : {SubState::none, SubState::none_pending_in, SubState::to, SubState::to_pending_in})
    BOOST_TEST(!inbound({s, false}, SubStanza::subscribe).auto_subscribed, to_string(s));
}

BOOST_AUTO_TEST_CASE(rfc6121_a_3_2_inbound_unsubscribe) {
  const Row rows[] = {
      {"None", false, nullptr},
      {"None + Pending Out", false, nullptr},
      {"None + Pending In", true, "None"},
      {"None + Pending Out/In", true, "None + Pending Out"},
      {"To", false, nullptr},
      {"To + Pending In", true, "To"},
      {"From", true, "None"},
      {"From + Pending Out", true, "None + Pending Out"},
      {"Both", true, "To"},
  };
  check_table(Direction::inbound, SubStanza::unsubscribe, rows);
}

BOOST_AUTO_TEST_CASE(rfc6121_a_3_3_inbound_subscribed) {
  const Row rows[] = {
      {"None", false, nullptr},
      {"None + Pending Out", true, "To"},
      {"None + Pending In", false, nullptr},
      {"None + Pending Out/In", true, "To + Pending In"},
      {"To", false, nullptr},
      {"To + Pending In", false, nullptr},
      {"From", false, nullptr},
      {"From + Pending Out", true, "Both"},
      {"Both", false, nullptr},
  };
  check_table(Direction::inbound, SubStanza::subscribed, rows);
}

BOOST_AUTO_TEST_CASE(rfc6121_a_3_4_inbound_unsubscribed) {
  const Row rows[] = {
      {"None", false, nullptr},
      {"None + Pending Out", true, "None"},
      {"None + Pending In", false, nullptr},
      {"None + Pending Out/In", true, "None + Pending In"},
      {"To", true, "None"},
      {"To + Pending In", true, "None + Pending In"},
      {"From", false, nullptr},
      {"From + Pending Out", true, "From"},
      {"Both", true, "From"},
  };
  check_table(Direction::inbound, SubStanza::unsubscribed, rows);
}

BOOST_AUTO_TEST_CASE(rfc6121_3_4_1_subscribed_without_a_request_pre_approves_and_is_not_routed) {
  for (SubState s : {SubState::none, SubState::none_pending_out, SubState::to}) {
    Transition t = outbound({s, false}, SubStanza::subscribed);
    BOOST_TEST_CONTEXT(to_string(s)) {
      BOOST_TEST(!t.forward);
      BOOST_TEST((t.next == ItemState{s, true}));
    }
  }
  // Already subscribed: nothing to pre-approve.
  for (SubState s : {SubState::from, SubState::from_pending_out, SubState::both})
    BOOST_TEST(!outbound({s, false}, SubStanza::subscribed).next.preapproved, to_string(s));
}

BOOST_AUTO_TEST_CASE(rfc6121_3_4_unsubscribed_withdraws_a_pre_approval_without_routing) {
  for (SubState s : {SubState::none, SubState::none_pending_out, SubState::to}) {
    Transition t = outbound({s, true}, SubStanza::unsubscribed);
    BOOST_TEST(!t.forward, to_string(s));
    BOOST_TEST((t.next == ItemState{s, false}), to_string(s));
  }
}

BOOST_AUTO_TEST_CASE(rfc6121_3_4_2_pre_approved_subscribe_is_approved_by_the_server_not_delivered) {
  struct {
    SubState before, after;
  } cases[] = {{SubState::none, SubState::from},
               {SubState::none_pending_out, SubState::from_pending_out},
               {SubState::to, SubState::both}};
  for (const auto& c : cases) {
    Transition t = inbound({c.before, true}, SubStanza::subscribe);
    BOOST_TEST_CONTEXT(to_string(c.before)) {
      BOOST_TEST(t.auto_subscribed);
      BOOST_TEST(!t.forward);
      BOOST_TEST((t.next == ItemState{c.after, false}));
    }
  }
}

BOOST_AUTO_TEST_CASE(rfc6121_3_4_pre_approval_survives_unrelated_changes_until_a_subscription) {
  // The user's own subscription coming and going does not touch the pre-approval…
  BOOST_TEST(
      (outbound({SubState::none, true}, SubStanza::subscribe).next == ItemState{SubState::none_pending_out, true}));
  BOOST_TEST(
      (inbound({SubState::none_pending_out, true}, SubStanza::subscribed).next == ItemState{SubState::to, true}));
  BOOST_TEST((inbound({SubState::to, true}, SubStanza::unsubscribed).next == ItemState{SubState::none, true}));
  // …and a subscription from the contact consumes it.
  BOOST_TEST(!inbound({SubState::to, true}, SubStanza::subscribe).next.preapproved);
}

BOOST_AUTO_TEST_CASE(rfc6121_a_1_every_state_round_trips_through_a_stored_item) {
  for (int i = 0; i < kSubStateCount; ++i) {
    for (bool pre : {false, true}) {
      ItemState st{static_cast<SubState>(i), pre};
      RosterItem item;
      item.pending_in_stanza = "<presence type='subscribe'/>";
      apply(st, item);
      BOOST_TEST((state_of(item) == st), to_string(st.state));
      BOOST_TEST(item.pending_in_stanza.empty() == !pending_in(st.state), to_string(st.state));
    }
  }
  RosterItem both;
  apply({SubState::both, false}, both);
  BOOST_TEST((both.subscription == Subscription::both && !both.pending_in && !both.pending_out));
  RosterItem to_in;
  apply({SubState::to_pending_in, false}, to_in);
  BOOST_TEST((to_in.subscription == Subscription::to && to_in.pending_in && !to_in.pending_out));
}

BOOST_AUTO_TEST_CASE(presence_types_map_to_subscription_stanzas) {
  BOOST_TEST((sub_stanza_from("subscribe") == SubStanza::subscribe));
  BOOST_TEST((sub_stanza_from("unsubscribed") == SubStanza::unsubscribed));
  BOOST_TEST(!sub_stanza_from("probe"));
  BOOST_TEST(!sub_stanza_from(""));
}
