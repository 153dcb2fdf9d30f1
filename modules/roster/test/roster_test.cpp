// The roster module (RFC 6121 §2, XEP-0237) through the real router and SQLite storage.
#define BOOST_TEST_MODULE roster
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

// Runs the loop until nothing is left to do (every storage call in flight holds work on the
// loop; these tests start nothing that waits for a timer). Sturdier than TestHost::settle(),
// which stops after 30 ms without a handler, for flows with several storage writes in a row.
void drain(TestHost& host) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    host.io().restart();
    host.io().run_for(std::chrono::milliseconds(10));
    if (host.io().stopped()) return;
    if (std::chrono::steady_clock::now() > deadline) BOOST_FAIL("the test host never ran out of work");
  }
}

const Element* query_of(const Element& iq) { return iq.child("query", ns::kRoster); }

std::string error_condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return "";
  const Element* c = e->first_child_element();
  return c ? c->name() : "";
}

std::vector<Element> roster_pushes(const std::vector<Element>& got) {
  std::vector<Element> out;
  for (const Element& e : got)
    if (e.name() == "iq" && e.attr("type") == "set" && query_of(e)) out.push_back(e);
  return out;
}

// Copies: the reply they come from is often a temporary.
std::vector<Element> items_of(const Element& iq) {
  std::vector<Element> out;
  if (const Element* q = query_of(iq))
    for (const Element* i : q->elements("item", ns::kRoster)) out.push_back(*i);
  return out;
}

std::vector<std::string> groups_of(const Element& item) {
  std::vector<std::string> out;
  for (const Element* g : item.elements("group", ns::kRoster)) out.push_back(g->text());
  return out;
}

Element get_roster(TestHost& host, FakeSession& s, const std::string& ver_attr = "") {
  return host.iq(s, "<iq type='get' id='get1'><query xmlns='jabber:iq:roster'" + ver_attr + "/></iq>");
}

Element set_item(TestHost& host, FakeSession& s, const std::string& item_xml) {
  return host.iq(s, "<iq type='set' id='set1'><query xmlns='jabber:iq:roster'>" + item_xml + "</query></iq>");
}

void store(TestHost& host, const std::string& user, RosterItem item) {
  host.wait(host.storage().roster().put("example.org", user, std::move(item)));
}

RosterItem make(const std::string& jid, Subscription s) {
  RosterItem item;
  item.jid = jid;
  item.subscription = s;
  return item;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rfc6121_2_1_3_empty_roster_get_returns_an_empty_query_with_a_version) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = get_roster(host, alice);
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_REQUIRE(query_of(reply));
  BOOST_TEST(query_of(reply)->element_count() == 0u);
  BOOST_TEST(query_of(reply)->has_attr("ver"));
}

BOOST_AUTO_TEST_CASE(rfc6121_2_3_2_roster_set_adds_the_item_result_first_then_a_push_with_a_new_version) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  std::string ver0(query_of(get_roster(host, alice))->attr("ver"));
  host.take(alice);
  Element reply = set_item(host, alice, "<item jid='nurse@example.org' name='Nurse'><group>Servants</group></item>");
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(reply.element_count() == 0u);

  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].attr("id") == "set1");  // the result, then the push (RFC 6121 §2.3.2 order)
  auto pushes = roster_pushes(got);
  BOOST_REQUIRE_EQUAL(pushes.size(), 1u);
  const Element& push = pushes[0];
  BOOST_TEST(push.attr("to") == "alice@example.org/phone");
  BOOST_TEST(!push.has_attr("from"));  // §2.1.6: from the account itself
  BOOST_TEST(query_of(push)->attr("ver") != ver0);
  auto items = items_of(push);
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0].attr("jid") == "nurse@example.org");
  BOOST_TEST(items[0].attr("name") == "Nurse");
  BOOST_TEST(items[0].attr("subscription") == "none");
  BOOST_TEST(!items[0].has_attr("ask"));
  BOOST_TEST(groups_of(items[0]) == std::vector<std::string>{"Servants"});

  Element roster = get_roster(host, alice);
  BOOST_REQUIRE_EQUAL(items_of(roster).size(), 1u);
  BOOST_TEST(query_of(roster)->attr("ver") == query_of(push)->attr("ver"));
}

BOOST_AUTO_TEST_CASE(rfc6121_2_1_6_pushes_go_to_every_interested_resource_only) {
  TestHost host({"roster"});
  auto& phone = host.connect("alice@example.org/phone");
  auto& laptop = host.connect("alice@example.org/laptop");
  auto& tablet = host.connect("alice@example.org/tablet");  // never asks for the roster
  get_roster(host, phone);
  get_roster(host, laptop);
  host.take(phone), host.take(laptop);
  set_item(host, phone, "<item jid='bob@example.org'/>");
  BOOST_TEST(roster_pushes(host.take(phone)).size() == 1u);  // §2.3.2: the sender too
  auto on_laptop = roster_pushes(host.take(laptop));
  BOOST_REQUIRE_EQUAL(on_laptop.size(), 1u);
  BOOST_TEST(on_laptop[0].attr("to") == "alice@example.org/laptop");
  BOOST_TEST(host.take(tablet).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_2_4_roster_set_updates_name_and_groups_and_keeps_the_subscription) {
  TestHost host({"roster"});
  RosterItem bob = make("bob@example.org", Subscription::both);
  bob.name = "Bob";
  bob.groups = {"Old"};
  store(host, "alice", bob);
  auto& alice = host.connect("alice@example.org/phone");
  set_item(host, alice, "<item jid='bob@example.org' name='Robert'><group>Work</group><group>Friends</group></item>");
  auto items = items_of(get_roster(host, alice));
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0].attr("name") == "Robert");
  BOOST_TEST(items[0].attr("subscription") == "both");
  BOOST_TEST((groups_of(items[0]) == std::vector<std::string>{"Work", "Friends"}));
  // §2.4.3: no <group/> at all takes the item out of every group; no name removes the name.
  set_item(host, alice, "<item jid='bob@example.org'/>");
  items = items_of(get_roster(host, alice));
  BOOST_TEST(groups_of(items[0]).empty());
  BOOST_TEST(!items[0].has_attr("name"));
}

BOOST_AUTO_TEST_CASE(rfc6121_2_1_2_roster_items_show_ask_and_approved) {
  TestHost host({"roster"});
  RosterItem bob = make("bob@example.org", Subscription::none);
  bob.pending_out = true;
  RosterItem carol = make("carol@example.org", Subscription::to);
  carol.preapproved = true;
  carol.pending_in = true;  // never shown: there is no attribute for it
  store(host, "alice", bob);
  store(host, "alice", carol);
  auto& alice = host.connect("alice@example.org/phone");
  auto items = items_of(get_roster(host, alice));
  BOOST_REQUIRE_EQUAL(items.size(), 2u);
  BOOST_TEST(items[0].attr("ask") == "subscribe");
  BOOST_TEST(!items[0].has_attr("approved"));
  BOOST_TEST(items[1].attr("subscription") == "to");
  BOOST_TEST(items[1].attr("approved") == "true");
  BOOST_TEST(!items[1].has_attr("ask"));
}

BOOST_AUTO_TEST_CASE(rfc6121_3_1_3_a_pending_request_from_a_stranger_is_not_a_roster_item_until_added) {
  TestHost host({"roster"});
  RosterItem eve = make("eve@example.org", Subscription::none);
  eve.pending_in = true;
  eve.pending_in_stanza = "<presence xmlns='jabber:client' type='subscribe' from='eve@example.org'/>";
  eve.hidden = true;
  store(host, "alice", eve);
  auto& alice = host.connect("alice@example.org/phone");
  BOOST_TEST(items_of(get_roster(host, alice)).empty());
  // Removing what the user cannot see: §2.5.3.
  Element removal = set_item(host, alice, "<item jid='eve@example.org' subscription='remove'/>");
  BOOST_TEST(error_condition(removal) == "item-not-found");
  // Added by the user, it shows, and the request is still pending.
  set_item(host, alice, "<item jid='eve@example.org' name='Eve'/>");
  BOOST_TEST(items_of(get_roster(host, alice)).size() == 1u);
  auto stored = host.wait(host.storage().roster().item("example.org", "alice", "eve@example.org"));
  BOOST_REQUIRE(stored);
  BOOST_TEST(!stored->hidden);
  BOOST_TEST(stored->pending_in);
  BOOST_TEST(!stored->pending_in_stanza.empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_2_5_2_roster_remove_pushes_the_removal) {
  TestHost host({"roster"});
  store(host, "alice", make("bob@example.org", Subscription::none));
  auto& alice = host.connect("alice@example.org/phone");
  get_roster(host, alice);
  host.take(alice);
  Element reply = set_item(host, alice, "<item jid='bob@example.org' subscription='remove'/>");
  BOOST_TEST(reply.attr("type") == "result");
  auto pushes = roster_pushes(host.take(alice));
  BOOST_REQUIRE_EQUAL(pushes.size(), 1u);
  auto items = items_of(pushes[0]);
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0].attr("jid") == "bob@example.org");
  BOOST_TEST(items[0].attr("subscription") == "remove");
  BOOST_TEST(items_of(get_roster(host, alice)).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_2_5_2_removing_a_mutual_contact_cancels_both_subscriptions) {
  TestHost host(std::vector<std::string>{"roster", "presence"});
  host.create_account("alice@example.org");
  host.create_account("bob@example.org");
  store(host, "alice", make("bob@example.org", Subscription::both));
  store(host, "bob", make("alice@example.org", Subscription::both));
  auto& alice = host.connect("alice@example.org/phone");
  auto& bob = host.connect("bob@example.org/laptop");
  get_roster(host, bob);
  host.send(alice, "<presence/>");
  host.send(bob, "<presence/>");
  drain(host);
  host.take(alice), host.take(bob);

  set_item(host, alice, "<item jid='bob@example.org' subscription='remove'/>");
  drain(host);
  auto got = host.take(bob);
  bool unsubscribe = false, unsubscribed = false, unavailable = false;
  for (const Element& e : got) {
    if (e.name() != "presence") continue;
    unsubscribe |= e.attr("type") == "unsubscribe" && e.attr("from") == "alice@example.org";
    unsubscribed |= e.attr("type") == "unsubscribed" && e.attr("from") == "alice@example.org";
    unavailable |= e.attr("type") == "unavailable" && e.attr("from") == "alice@example.org/phone";
  }
  BOOST_TEST(unsubscribe);
  BOOST_TEST(unsubscribed);
  BOOST_TEST(unavailable);
  // Bob's server applied both (Appendix A.3.2, A.3.4): nothing left between them.
  auto pushes = roster_pushes(got);
  BOOST_REQUIRE(!pushes.empty());
  BOOST_TEST(items_of(pushes.back())[0].attr("subscription") == "none");
  auto stored = host.wait(host.storage().roster().item("example.org", "bob", "alice@example.org"));
  BOOST_REQUIRE(stored);
  BOOST_TEST((stored->subscription == Subscription::none));
}

BOOST_AUTO_TEST_CASE(rfc6121_2_5_3_removing_an_item_not_in_the_roster_is_item_not_found) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = set_item(host, alice, "<item jid='nobody@example.org' subscription='remove'/>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "item-not-found");
}

BOOST_AUTO_TEST_CASE(rfc6121_2_3_3_more_than_one_item_is_bad_request) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = set_item(host, alice, "<item jid='a@example.org'/><item jid='b@example.org'/>");
  BOOST_TEST(error_condition(reply) == "bad-request");
  Element none = set_item(host, alice, "");
  BOOST_TEST(error_condition(none) == "bad-request");
  BOOST_TEST(items_of(get_roster(host, alice)).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_2_3_3_duplicate_groups_are_bad_request) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = set_item(host, alice, "<item jid='bob@example.org'><group>A</group><group>A</group></item>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "bad-request");
}

BOOST_AUTO_TEST_CASE(rfc6121_2_3_3_empty_group_is_not_acceptable) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = set_item(host, alice, "<item jid='bob@example.org'><group/></item>");
  BOOST_TEST(error_condition(reply) == "not-acceptable");
  BOOST_TEST(reply.child("error", ns::kClient)->attr("type") == "modify");
}

BOOST_AUTO_TEST_CASE(rfc6121_2_3_3_oversized_name_or_group_is_not_acceptable) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  std::string long_text(2000, 'x');
  BOOST_TEST(error_condition(set_item(host, alice, "<item jid='bob@example.org' name='" + long_text + "'/>")) ==
             "not-acceptable");
  BOOST_TEST(
      error_condition(set_item(host, alice, "<item jid='bob@example.org'><group>" + long_text + "</group></item>")) ==
      "not-acceptable");
}

BOOST_AUTO_TEST_CASE(rfc6121_2_1_2_3_the_jid_must_be_a_valid_bare_jid) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  BOOST_TEST(error_condition(set_item(host, alice, "<item jid='a@b@c'/>")) == "jid-malformed");
  BOOST_TEST(error_condition(set_item(host, alice, "<item name='no jid'/>")) == "bad-request");
  BOOST_TEST(error_condition(set_item(host, alice, "<item jid='bob@example.org/phone'/>")) == "bad-request");
  BOOST_TEST(items_of(get_roster(host, alice)).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_2_1_2_5_subscription_ask_and_approved_in_a_roster_set_are_ignored) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply =
      set_item(host, alice, "<item jid='bob@example.org' subscription='both' ask='subscribe' approved='true'/>");
  BOOST_TEST(reply.attr("type") == "result");
  auto items = items_of(get_roster(host, alice));
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0].attr("subscription") == "none");
  BOOST_TEST(!items[0].has_attr("ask"));
  BOOST_TEST(!items[0].has_attr("approved"));
}

BOOST_AUTO_TEST_CASE(the_accounts_own_jid_is_not_a_roster_item) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = set_item(host, alice, "<item jid='Alice@Example.org'/>");
  BOOST_TEST(error_condition(reply) == "not-allowed");
  BOOST_TEST(items_of(get_roster(host, alice)).empty());
}

BOOST_AUTO_TEST_CASE(max_items_refuses_one_more_item_but_updates_existing_ones) {
  HostSpec spec{"example.org", {"roster"}, {{"roster", {{"max_items", "2"}}}}};
  TestHost host(std::vector<HostSpec>{spec});
  auto& alice = host.connect("alice@example.org/phone");
  BOOST_TEST(set_item(host, alice, "<item jid='a@example.org'/>").attr("type") == "result");
  BOOST_TEST(set_item(host, alice, "<item jid='b@example.org'/>").attr("type") == "result");
  Element full = set_item(host, alice, "<item jid='c@example.org'/>");
  BOOST_TEST(error_condition(full) == "not-allowed");
  BOOST_TEST(full.child("error", ns::kClient)->attr("type") == "cancel");
  BOOST_TEST(set_item(host, alice, "<item jid='b@example.org' name='B'/>").attr("type") == "result");
  BOOST_TEST(items_of(get_roster(host, alice)).size() == 2u);
}

BOOST_AUTO_TEST_CASE(xep0237_unchanged_version_gets_an_empty_result) {
  TestHost host({"roster"});
  store(host, "alice", make("bob@example.org", Subscription::both));
  auto& alice = host.connect("alice@example.org/phone");
  std::string ver(query_of(get_roster(host, alice, " ver=''"))->attr("ver"));
  BOOST_TEST(!ver.empty());
  Element same = get_roster(host, alice, " ver='" + ver + "'");
  BOOST_TEST(same.attr("type") == "result");
  BOOST_TEST(same.element_count() == 0u);  // XEP-0237 §2.4: no <query/>
}

BOOST_AUTO_TEST_CASE(xep0237_stale_version_gets_the_whole_roster_and_pushes_carry_the_version) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  std::string v1(query_of(get_roster(host, alice, " ver=''"))->attr("ver"));
  host.take(alice);
  set_item(host, alice, "<item jid='bob@example.org'/>");
  auto pushes = roster_pushes(host.take(alice));
  BOOST_REQUIRE_EQUAL(pushes.size(), 1u);
  std::string v2(query_of(pushes[0])->attr("ver"));
  BOOST_TEST(v2 != v1);
  Element stale = get_roster(host, alice, " ver='" + v1 + "'");
  BOOST_REQUIRE(query_of(stale));
  BOOST_TEST(query_of(stale)->attr("ver") == v2);
  BOOST_TEST(items_of(stale).size() == 1u);
  // The version of the last push is current: the client that kept it is up to date.
  BOOST_TEST(get_roster(host, alice, " ver='" + v2 + "'").element_count() == 0u);
}

BOOST_AUTO_TEST_CASE(xep0237_and_rfc6121_3_4_stream_features_after_authentication) {
  TestHost host({"roster"});
  Element features("features", ns::kStream);
  host.core().add_stream_features("example.org", nullptr, true, features);
  BOOST_TEST(features.child("ver", ns::kRosterVer) != nullptr);
  BOOST_TEST(features.child("sub", ns::kPreApproval) != nullptr);
  Element before_auth("features", ns::kStream);
  host.core().add_stream_features("example.org", nullptr, false, before_auth);
  BOOST_TEST(before_auth.element_count() == 0u);
}

BOOST_AUTO_TEST_CASE(rfc6121_2_1_3_another_accounts_roster_is_not_reachable) {
  TestHost host({"roster"});
  store(host, "bob", make("carol@example.org", Subscription::both));
  auto& alice = host.connect("alice@example.org/phone");
  Element get = host.iq(alice, "<iq type='get' id='g' to='bob@example.org'><query xmlns='jabber:iq:roster'/></iq>");
  BOOST_TEST(error_condition(get) == "service-unavailable");
  Element set = host.iq(alice,
                        "<iq type='set' id='s' to='bob@example.org'><query xmlns='jabber:iq:roster'>"
                        "<item jid='eve@example.org'/></query></iq>");
  BOOST_TEST(set.attr("type") == "error");
  BOOST_TEST(host.wait(host.storage().roster().items("example.org", "bob")).size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_2_1_3_roster_addressed_to_the_own_bare_jid_works) {
  TestHost host({"roster"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='g' to='alice@example.org'><query xmlns='jabber:iq:roster'/></iq>");
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(query_of(reply) != nullptr);
}
