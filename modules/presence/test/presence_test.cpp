// The presence module (RFC 6121 §3 subscriptions, §4 availability) with the roster module,
// through the real router and SQLite storage: what each user's clients receive.
#define BOOST_TEST_MODULE presence
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

// Runs the loop until nothing is left to do. TestHost::settle() stops after 30 ms without a
// handler, which a slow storage write can outlast; here every storage call in flight holds
// work on the loop, and these tests start nothing that waits for a timer, so running out of
// work means done.
void drain(TestHost& host) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    host.io().restart();
    host.io().run_for(std::chrono::milliseconds(10));
    if (host.io().stopped()) return;
    if (std::chrono::steady_clock::now() > deadline) BOOST_FAIL("the test host never ran out of work");
  }
}

void send(TestHost& host, FakeSession& from, const std::string& xml) {
  host.send(from, xml);
  drain(host);
}

const Element* query_of(const Element& iq) { return iq.child("query", ns::kRoster); }

std::string error_condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return "";
  const Element* c = e->first_child_element();
  return c ? c->name() : "";
}

// The presence stanzas among `got` with this type ("" = available) and 'from'.
std::vector<Element> presences(const std::vector<Element>& got, const std::string& type, const std::string& from) {
  std::vector<Element> out;
  for (const Element& e : got)
    if (e.name() == "presence" && e.attr("type") == type && e.attr("from") == from) out.push_back(e);
  return out;
}

std::vector<Element> all_presences(const std::vector<Element>& got) {
  std::vector<Element> out;
  for (const Element& e : got)
    if (e.name() == "presence") out.push_back(e);
  return out;
}

// The roster items pushed among `got`, in order.
std::vector<Element> pushed_items(const std::vector<Element>& got) {
  std::vector<Element> out;
  for (const Element& e : got)
    if (e.name() == "iq" && e.attr("type") == "set" && query_of(e))
      for (const Element* i : query_of(e)->elements("item", ns::kRoster)) out.push_back(*i);
  return out;
}

std::vector<Element> roster_items(TestHost& host, FakeSession& s) {
  Element r = host.iq(s, "<iq type='get' id='roster-get'><query xmlns='jabber:iq:roster'/></iq>");
  std::vector<Element> out;
  if (const Element* q = query_of(r))
    for (const Element* i : q->elements("item", ns::kRoster)) out.push_back(*i);
  return out;
}

std::optional<RosterItem> stored(TestHost& host, const std::string& user, const std::string& jid) {
  return host.wait(host.storage().roster().item("example.org", user, jid));
}

void store(TestHost& host, const std::string& user, const std::string& jid, Subscription s) {
  RosterItem item;
  item.jid = jid;
  item.subscription = s;
  host.wait(host.storage().roster().put("example.org", user, item));
}

// A client that logs in as most do: roster first, then initial presence (RFC 6121 §2.2).
FakeSession& login(TestHost& host, const std::string& full, const std::string& presence = "<presence/>") {
  auto& s = host.connect(full);
  host.iq(s, "<iq type='get' id='login-roster'><query xmlns='jabber:iq:roster'/></iq>");
  send(host, s, presence);
  return s;
}

struct Users {
  explicit Users(std::vector<std::string> modules = {"roster", "presence"}) : host(std::move(modules)) {
    for (const char* u : {"alice", "bob", "carol"}) host.create_account(std::string(u) + "@example.org");
  }
  TestHost host;
};

}  // namespace

// --- §3 subscriptions ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc6121_3_1_subscription_handshake_between_two_online_users) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(alice), u.host.take(bob);

  // §3.1.1-3.1.2: Alice asks; her roster shows the pending request, the request goes stamped
  // with her bare JID.
  send(u.host, alice,
       "<presence to='bob@example.org/laptop' type='subscribe' id='sub1'><status>hi</status></presence>");
  auto a = u.host.take(alice);
  auto pushed = pushed_items(a);
  BOOST_REQUIRE_EQUAL(pushed.size(), 1u);
  BOOST_TEST(pushed[0].attr("jid") == "bob@example.org");
  BOOST_TEST(pushed[0].attr("subscription") == "none");
  BOOST_TEST(pushed[0].attr("ask") == "subscribe");
  auto b = u.host.take(bob);
  auto request = presences(b, "subscribe", "alice@example.org");
  BOOST_REQUIRE_EQUAL(request.size(), 1u);
  BOOST_TEST(request[0].attr("to") == "bob@example.org");
  BOOST_TEST(request[0].attr("id") == "sub1");
  BOOST_TEST(request[0].child_text("status", ns::kClient) == "hi");
  BOOST_TEST(pushed_items(b).empty());  // §3.1.3: a request is not a roster item
  BOOST_TEST(roster_items(u.host, bob).empty());

  // §3.1.5: Bob approves; his roster shows Alice with 'from', and Alice gets his presence.
  send(u.host, bob, "<presence to='alice@example.org' type='subscribed'/>");
  b = u.host.take(bob);
  pushed = pushed_items(b);
  BOOST_REQUIRE_EQUAL(pushed.size(), 1u);
  BOOST_TEST(pushed[0].attr("jid") == "alice@example.org");
  BOOST_TEST(pushed[0].attr("subscription") == "from");
  a = u.host.take(alice);
  BOOST_TEST(presences(a, "subscribed", "bob@example.org").size() == 1u);
  pushed = pushed_items(a);
  BOOST_REQUIRE_EQUAL(pushed.size(), 1u);
  BOOST_TEST(pushed[0].attr("subscription") == "to");
  BOOST_TEST(!pushed[0].has_attr("ask"));
  BOOST_TEST(presences(a, "", "bob@example.org/laptop").size() == 1u);

  // And back: Bob subscribes to Alice, she approves: both.
  send(u.host, bob, "<presence to='alice@example.org' type='subscribe'/>");
  BOOST_TEST(presences(u.host.take(alice), "subscribe", "bob@example.org").size() == 1u);
  send(u.host, alice, "<presence to='bob@example.org' type='subscribed'/>");
  BOOST_TEST(presences(u.host.take(bob), "", "alice@example.org/phone").size() == 1u);
  BOOST_TEST((stored(u.host, "alice", "bob@example.org")->subscription == Subscription::both));
  BOOST_TEST((stored(u.host, "bob", "alice@example.org")->subscription == Subscription::both));
  auto items = roster_items(u.host, bob);
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0].attr("subscription") == "both");
}

BOOST_AUTO_TEST_CASE(rfc6121_3_1_3_request_to_an_offline_user_is_delivered_at_each_initial_presence) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  send(u.host, alice, "<presence to='bob@example.org' type='subscribe'><status>it's Alice</status></presence>");

  auto& bob = u.host.connect("bob@example.org/laptop");
  u.host.iq(bob, "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>");
  u.host.take(bob);
  send(u.host, bob, "<presence/>");
  auto request = presences(u.host.take(bob), "subscribe", "alice@example.org");
  BOOST_REQUIRE_EQUAL(request.size(), 1u);
  BOOST_TEST(request[0].child_text("status", ns::kClient) == "it's Alice");

  // Not answered: delivered again at the next login, and only to the new resource.
  auto& phone = login(u.host, "bob@example.org/phone");
  BOOST_TEST(presences(u.host.take(phone), "subscribe", "alice@example.org").size() == 1u);
  BOOST_TEST(presences(u.host.take(bob), "subscribe", "alice@example.org").empty());

  // Answered: no more.
  send(u.host, phone, "<presence to='alice@example.org' type='subscribed'/>");
  auto& desk = login(u.host, "bob@example.org/desk");
  BOOST_TEST(presences(u.host.take(desk), "subscribe", "alice@example.org").empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_a_3_1_a_repeated_request_is_not_delivered_again) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  send(u.host, alice, "<presence to='bob@example.org' type='subscribe'/>");
  BOOST_TEST(presences(u.host.take(bob), "subscribe", "alice@example.org").size() == 1u);
  send(u.host, alice, "<presence to='bob@example.org' type='subscribe'/>");
  BOOST_TEST(presences(u.host.take(bob), "subscribe", "alice@example.org").empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_3_1_3_request_to_a_user_that_does_not_exist_is_answered_unsubscribed) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  u.host.take(alice);
  send(u.host, alice, "<presence to='nobody@example.org' type='subscribe'/>");
  auto a = u.host.take(alice);
  BOOST_TEST(presences(a, "unsubscribed", "nobody@example.org").size() == 1u);
  // Appendix A.3.4: the pending request is cancelled in Alice's roster.
  auto pushed = pushed_items(a);
  BOOST_REQUIRE(!pushed.empty());
  BOOST_TEST(!pushed.back().has_attr("ask"));
  BOOST_TEST(!stored(u.host, "alice", "nobody@example.org")->pending_out);
}

BOOST_AUTO_TEST_CASE(rfc6121_3_1_4_a_denied_request_leaves_no_trace_in_the_denying_roster) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  send(u.host, alice, "<presence to='bob@example.org' type='subscribe'/>");
  BOOST_TEST(stored(u.host, "bob", "alice@example.org").has_value());  // kept, hidden
  u.host.take(alice), u.host.take(bob);
  send(u.host, bob, "<presence to='alice@example.org' type='unsubscribed'/>");
  BOOST_TEST(pushed_items(u.host.take(bob)).empty());
  BOOST_TEST(!stored(u.host, "bob", "alice@example.org").has_value());
  auto a = u.host.take(alice);
  BOOST_TEST(presences(a, "unsubscribed", "bob@example.org").size() == 1u);
  auto pushed = pushed_items(a);
  BOOST_REQUIRE_EQUAL(pushed.size(), 1u);
  BOOST_TEST(pushed[0].attr("subscription") == "none");
  BOOST_TEST(!pushed[0].has_attr("ask"));
}

BOOST_AUTO_TEST_CASE(rfc6121_3_4_pre_approved_request_is_approved_by_the_server) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(alice), u.host.take(bob);

  // §3.4.1: "subscribed" with no request pending is a pre-approval, not sent to Bob.
  send(u.host, alice, "<presence to='bob@example.org' type='subscribed'/>");
  auto pushed = pushed_items(u.host.take(alice));
  BOOST_REQUIRE_EQUAL(pushed.size(), 1u);
  BOOST_TEST(pushed[0].attr("approved") == "true");
  BOOST_TEST(pushed[0].attr("subscription") == "none");
  BOOST_TEST(all_presences(u.host.take(bob)).empty());

  // §3.4.2: Bob's request is approved without asking Alice.
  send(u.host, bob, "<presence to='alice@example.org' type='subscribe'/>");
  auto a = u.host.take(alice);
  BOOST_TEST(presences(a, "subscribe", "bob@example.org").empty());
  pushed = pushed_items(a);
  BOOST_REQUIRE_EQUAL(pushed.size(), 1u);
  BOOST_TEST(pushed[0].attr("subscription") == "from");
  BOOST_TEST(!pushed[0].has_attr("approved"));
  auto b = u.host.take(bob);
  BOOST_TEST(presences(b, "subscribed", "alice@example.org").size() == 1u);
  BOOST_TEST(presences(b, "", "alice@example.org/phone").size() == 1u);
  BOOST_TEST(pushed_items(b).back().attr("subscription") == "to");
}

BOOST_AUTO_TEST_CASE(rfc6121_3_4_unsubscribed_withdraws_a_pre_approval) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(bob);
  send(u.host, alice, "<presence to='bob@example.org' type='subscribed'/>");
  send(u.host, alice, "<presence to='bob@example.org' type='unsubscribed'/>");
  BOOST_TEST(all_presences(u.host.take(bob)).empty());  // neither was routed
  BOOST_TEST(!stored(u.host, "alice", "bob@example.org")->preapproved);
  u.host.take(alice);
  send(u.host, bob, "<presence to='alice@example.org' type='subscribe'/>");
  BOOST_TEST(presences(u.host.take(alice), "subscribe", "bob@example.org").size() == 1u);  // asked again
}

BOOST_AUTO_TEST_CASE(rfc6121_3_1_3_a_subscriber_asking_again_is_answered_subscribed) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::from);
  store(u.host, "bob", "alice@example.org", Subscription::none);  // Bob's side lost it
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(alice), u.host.take(bob);
  send(u.host, bob, "<presence to='alice@example.org' type='subscribe'/>");
  BOOST_TEST(all_presences(u.host.take(alice)).empty());
  auto b = u.host.take(bob);
  BOOST_TEST(presences(b, "subscribed", "alice@example.org").size() == 1u);
  BOOST_TEST(presences(b, "", "alice@example.org/phone").size() == 1u);
  BOOST_TEST((stored(u.host, "bob", "alice@example.org")->subscription == Subscription::to));
}

BOOST_AUTO_TEST_CASE(rfc6121_3_2_cancelling_a_subscription_sends_unsubscribed_and_unavailable) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::both);
  store(u.host, "bob", "alice@example.org", Subscription::both);
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(alice), u.host.take(bob);

  send(u.host, alice, "<presence to='bob@example.org' type='unsubscribed'/>");
  auto b = u.host.take(bob);
  BOOST_TEST(presences(b, "unsubscribed", "alice@example.org").size() == 1u);
  BOOST_TEST(presences(b, "unavailable", "alice@example.org/phone").size() == 1u);   // §3.2.2
  BOOST_TEST(pushed_items(b).back().attr("subscription") == "from");                 // A.3.4: Both -> From
  BOOST_TEST(pushed_items(u.host.take(alice)).back().attr("subscription") == "to");  // A.2.4: Both -> To

  // Bob no longer receives Alice's presence; Alice still receives Bob's.
  send(u.host, alice, "<presence><show>away</show></presence>");
  BOOST_TEST(presences(u.host.take(bob), "", "alice@example.org/phone").empty());
  send(u.host, bob, "<presence><show>dnd</show></presence>");
  BOOST_TEST(presences(u.host.take(alice), "", "bob@example.org/laptop").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_3_3_unsubscribing_is_answered_with_unavailable_presence) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::both);
  store(u.host, "bob", "alice@example.org", Subscription::both);
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(alice), u.host.take(bob);

  send(u.host, alice, "<presence to='bob@example.org' type='unsubscribe'/>");
  auto a = u.host.take(alice);
  BOOST_TEST(pushed_items(a).back().attr("subscription") == "from");  // A.2.2
  auto b = u.host.take(bob);
  BOOST_TEST(presences(b, "unsubscribe", "alice@example.org").size() == 1u);
  BOOST_TEST(pushed_items(b).back().attr("subscription") == "to");  // A.3.2
  // §3.3.3: Bob's server tells Alice that Bob is gone for her.
  BOOST_TEST(presences(a, "unavailable", "bob@example.org/laptop").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_3_1_2_subscription_to_a_remote_contact_is_pending_and_bounced_without_federation) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  u.host.take(alice);
  send(u.host, alice, "<presence to='romeo@montague.example' type='subscribe'/>");
  auto a = u.host.take(alice);
  auto pushed = pushed_items(a);
  BOOST_REQUIRE_EQUAL(pushed.size(), 1u);
  BOOST_TEST(pushed[0].attr("ask") == "subscribe");
  auto errors = presences(a, "error", "romeo@montague.example");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(error_condition(errors[0]) == "remote-server-not-found");
}

BOOST_AUTO_TEST_CASE(rfc6121_3_subscription_stanza_without_to_is_bad_request) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  u.host.take(alice);
  send(u.host, alice, "<presence type='subscribe'/>");
  auto a = u.host.take(alice);
  BOOST_REQUIRE_EQUAL(a.size(), 1u);
  BOOST_TEST(a[0].attr("type") == "error");
  BOOST_TEST(error_condition(a[0]) == "bad-request");
}

BOOST_AUTO_TEST_CASE(rfc6120_8_3_1_an_error_presence_without_to_is_not_answered) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  u.host.take(alice);
  send(u.host, alice, "<presence type='error'/>");
  BOOST_TEST(u.host.take(alice).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_3_1_2_a_roster_set_and_a_subscribe_sent_together_both_apply) {
  // Clients add the item and ask in one go, without waiting for the result: the two changes
  // to the same item must not overwrite each other.
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto stanza = [&](const std::string& text) {
    Element e = xml(text);
    e.set_attr("from", alice.jid().str());
    return e;
  };
  u.host.core().route_from_client(
      stanza("<iq type='set' id='add'><query xmlns='jabber:iq:roster'><item jid='bob@example.org' name='Bob'>"
             "<group>Work</group></item></query></iq>"),
      alice);
  u.host.core().route_from_client(stanza("<presence to='bob@example.org' type='subscribe'/>"), alice);
  u.host.core().route_from_client(
      stanza("<iq type='set' id='rename'><query xmlns='jabber:iq:roster'><item jid='bob@example.org' name='Robert'>"
             "<group>Work</group></item></query></iq>"),
      alice);
  drain(u.host);
  auto item = stored(u.host, "alice", "bob@example.org");
  BOOST_REQUIRE(item);
  BOOST_TEST(item->name == "Robert");
  BOOST_TEST(item->pending_out);
  BOOST_TEST((item->groups == std::vector<std::string>{"Work"}));
  auto pushed = pushed_items(u.host.take(alice));
  BOOST_REQUIRE_EQUAL(pushed.size(), 3u);  // in the order the requests were sent
  BOOST_TEST(pushed[0].attr("name") == "Bob");
  BOOST_TEST(pushed[1].attr("ask") == "subscribe");
  BOOST_TEST(pushed[2].attr("name") == "Robert");
  BOOST_TEST(pushed[2].attr("ask") == "subscribe");
}

BOOST_AUTO_TEST_CASE(roster_item_cap_applies_to_outbound_subscriptions) {
  HostSpec spec{"example.org", {"roster", "presence"}, {{"roster", {{"max_items", "1"}}}}};
  TestHost host(std::vector<HostSpec>{spec});
  host.create_account("alice@example.org");
  host.create_account("bob@example.org");
  host.create_account("carol@example.org");
  auto& alice = login(host, "alice@example.org/phone");
  send(host, alice, "<presence to='bob@example.org' type='subscribe'/>");
  host.take(alice);
  send(host, alice, "<presence to='carol@example.org' type='subscribe'/>");
  auto a = host.take(alice);
  BOOST_REQUIRE_EQUAL(a.size(), 1u);
  BOOST_TEST(error_condition(a[0]) == "not-allowed");
  BOOST_TEST(!stored(host, "alice", "carol@example.org").has_value());
  BOOST_TEST(!stored(host, "carol", "alice@example.org").has_value());  // never routed
}

// --- §4 availability -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc6121_4_2_initial_presence_goes_to_subscribers_and_own_resources_and_probes) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::both);
  store(u.host, "bob", "alice@example.org", Subscription::both);
  store(u.host, "alice", "carol@example.org", Subscription::to);  // Carol does not see Alice
  store(u.host, "carol", "alice@example.org", Subscription::from);
  auto& bob = login(u.host, "bob@example.org/laptop", "<presence><show>chat</show></presence>");
  auto& carol = login(u.host, "carol@example.org/desk");
  auto& tablet = login(u.host, "alice@example.org/tablet", "<presence><priority>3</priority></presence>");
  u.host.take(bob), u.host.take(carol), u.host.take(tablet);

  auto& alice = u.host.connect("alice@example.org/phone");
  send(u.host, alice, "<presence><status>here</status></presence>");
  BOOST_TEST(alice.available);
  auto to_bob = presences(u.host.take(bob), "", "alice@example.org/phone");
  BOOST_REQUIRE_EQUAL(to_bob.size(), 1u);
  BOOST_TEST(to_bob[0].child_text("status", ns::kClient) == "here");
  BOOST_TEST(to_bob[0].attr("to") == "bob@example.org");
  BOOST_TEST(all_presences(u.host.take(carol)).empty());
  BOOST_TEST(presences(u.host.take(tablet), "", "alice@example.org/phone").size() == 1u);

  auto a = u.host.take(alice);
  BOOST_TEST(presences(a, "", "alice@example.org/phone").size() == 1u);  // §4.2.2: itself too
  BOOST_TEST(presences(a, "", "alice@example.org/tablet").size() == 1u);
  auto from_bob = presences(a, "", "bob@example.org/laptop");  // §4.3: the probe's answer
  BOOST_REQUIRE_EQUAL(from_bob.size(), 1u);
  BOOST_TEST(from_bob[0].child_text("show", ns::kClient) == "chat");
  BOOST_TEST(from_bob[0].attr("to") == "alice@example.org/phone");
  BOOST_TEST(presences(a, "", "carol@example.org/desk").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_4_4_subsequent_presence_is_broadcast_without_probes) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::both);
  store(u.host, "bob", "alice@example.org", Subscription::both);
  auto& bob = login(u.host, "bob@example.org/laptop");
  auto& alice = login(u.host, "alice@example.org/phone");
  u.host.take(bob), u.host.take(alice);
  send(u.host, alice, "<presence><show>away</show></presence>");
  auto b = presences(u.host.take(bob), "", "alice@example.org/phone");
  BOOST_REQUIRE_EQUAL(b.size(), 1u);
  BOOST_TEST(b[0].child_text("show", ns::kClient) == "away");
  auto a = u.host.take(alice);
  BOOST_TEST(presences(a, "", "bob@example.org/laptop").empty());  // no new probe
  BOOST_TEST(presences(a, "", "alice@example.org/phone").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_4_3_2_probe_of_an_offline_contact_is_answered_unavailable) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::to);
  store(u.host, "bob", "alice@example.org", Subscription::from);
  auto& alice = login(u.host, "alice@example.org/phone");
  auto a = u.host.take(alice);
  auto unavailable = presences(a, "unavailable", "bob@example.org");
  BOOST_REQUIRE_EQUAL(unavailable.size(), 1u);
  BOOST_TEST(unavailable[0].attr("to") == "alice@example.org/phone");
}

BOOST_AUTO_TEST_CASE(rfc6121_4_3_2_probe_from_someone_without_a_subscription_learns_nothing) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& carol = login(u.host, "carol@example.org/desk");
  u.host.take(alice), u.host.take(carol);
  send(u.host, carol, "<presence to='alice@example.org' type='probe'/>");
  BOOST_TEST(u.host.take(carol).empty());
  BOOST_TEST(u.host.take(alice).empty());  // the server answers probes, the client never sees them
  send(u.host, carol, "<presence to='nobody@example.org' type='probe'/>");
  BOOST_TEST(u.host.take(carol).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_4_3_2_probe_from_a_subscriber_gets_each_available_resource) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::from);
  auto& phone = login(u.host, "alice@example.org/phone", "<presence><show>away</show></presence>");
  auto& laptop = login(u.host, "alice@example.org/laptop");
  auto& bob = login(u.host, "bob@example.org/desk");
  u.host.take(phone), u.host.take(laptop), u.host.take(bob);
  send(u.host, bob, "<presence to='alice@example.org' type='probe'/>");
  auto b = u.host.take(bob);
  BOOST_TEST(presences(b, "", "alice@example.org/phone").size() == 1u);
  BOOST_TEST(presences(b, "", "alice@example.org/laptop").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_4_5_unavailable_presence_goes_to_subscribers_and_own_resources) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::both);
  store(u.host, "bob", "alice@example.org", Subscription::both);
  auto& bob = login(u.host, "bob@example.org/laptop");
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& tablet = login(u.host, "alice@example.org/tablet");
  u.host.take(bob), u.host.take(alice), u.host.take(tablet);
  send(u.host, alice, "<presence type='unavailable'><status>gone</status></presence>");
  BOOST_TEST(!alice.available);
  auto b = presences(u.host.take(bob), "unavailable", "alice@example.org/phone");
  BOOST_REQUIRE_EQUAL(b.size(), 1u);
  BOOST_TEST(b[0].child_text("status", ns::kClient) == "gone");
  BOOST_TEST(presences(u.host.take(tablet), "unavailable", "alice@example.org/phone").size() == 1u);
  BOOST_TEST(presences(u.host.take(alice), "unavailable", "alice@example.org/phone").size() == 1u);
  // No longer available: no further broadcast of anything to her.
  send(u.host, bob, "<presence><show>xa</show></presence>");
  BOOST_TEST(u.host.take(alice).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_4_5_2_the_server_sends_unavailable_when_a_session_ends) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::both);
  store(u.host, "bob", "alice@example.org", Subscription::both);
  auto& bob = login(u.host, "bob@example.org/laptop");
  auto& tablet = login(u.host, "alice@example.org/tablet");
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& carol = login(u.host, "carol@example.org/desk");
  send(u.host, alice, "<presence to='carol@example.org/desk'/>");  // directed (§4.6)
  u.host.take(bob), u.host.take(tablet), u.host.take(carol);
  u.host.disconnect(alice);
  drain(u.host);
  BOOST_TEST(presences(u.host.take(bob), "unavailable", "alice@example.org/phone").size() == 1u);
  BOOST_TEST(presences(u.host.take(tablet), "unavailable", "alice@example.org/phone").size() == 1u);
  BOOST_TEST(presences(u.host.take(carol), "unavailable", "alice@example.org/phone").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_4_5_2_a_session_that_was_never_available_ends_quietly) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::both);
  store(u.host, "bob", "alice@example.org", Subscription::both);
  auto& bob = login(u.host, "bob@example.org/laptop");
  auto& alice = u.host.connect("alice@example.org/phone");
  u.host.take(bob);
  u.host.disconnect(alice);
  drain(u.host);
  BOOST_TEST(u.host.take(bob).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_4_6_directed_presence_is_delivered_and_followed_by_unavailable) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& carol = login(u.host, "carol@example.org/desk");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(carol), u.host.take(bob);
  send(u.host, alice, "<presence to='carol@example.org/desk'><show>chat</show></presence>");
  BOOST_TEST(presences(u.host.take(carol), "", "alice@example.org/phone").size() == 1u);
  // Directed unavailable ends it: the later broadcast does not go there again.
  send(u.host, alice, "<presence to='bob@example.org/laptop'/>");
  send(u.host, alice, "<presence to='bob@example.org/laptop' type='unavailable'/>");
  BOOST_TEST(presences(u.host.take(bob), "unavailable", "alice@example.org/phone").size() == 1u);
  send(u.host, alice, "<presence type='unavailable'/>");
  BOOST_TEST(presences(u.host.take(carol), "unavailable", "alice@example.org/phone").size() == 1u);
  BOOST_TEST(u.host.take(bob).empty());
  // Subsequent available broadcasts do not go to directed recipients (only unavailable does).
  send(u.host, alice, "<presence/>");
  BOOST_TEST(all_presences(u.host.take(carol)).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_8_5_2_1_2_presence_to_a_bare_jid_needs_a_subscription_to_the_sender) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::to);
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  auto& carol = login(u.host, "carol@example.org/desk");
  u.host.take(alice);
  send(u.host, carol, "<presence to='alice@example.org'/>");  // a stranger: dropped
  BOOST_TEST(u.host.take(alice).empty());
  send(u.host, bob, "<presence to='alice@example.org'><show>dnd</show></presence>");
  BOOST_TEST(presences(u.host.take(alice), "", "bob@example.org/laptop").size() == 1u);
  // To a full JID it is directed presence: delivered.
  send(u.host, carol, "<presence to='alice@example.org/phone'/>");
  BOOST_TEST(presences(u.host.take(alice), "", "carol@example.org/desk").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_4_2_2_presence_to_the_own_bare_jid_reaches_own_resources) {
  Users u;
  auto& phone = login(u.host, "alice@example.org/phone");
  auto& laptop = login(u.host, "alice@example.org/laptop");
  u.host.take(phone), u.host.take(laptop);
  send(u.host, phone, "<presence to='alice@example.org'><show>away</show></presence>");
  BOOST_TEST(presences(u.host.take(laptop), "", "alice@example.org/phone").size() == 1u);
  BOOST_TEST(presences(u.host.take(phone), "", "alice@example.org/phone").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rfc6121_4_5_2_no_broadcasts_to_a_contact_that_answered_with_an_error) {
  Users u;
  store(u.host, "alice", "bob@example.org", Subscription::from);
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(bob);
  send(u.host, bob,
       "<presence to='alice@example.org/phone' type='error'><error type='cancel'>"
       "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
  BOOST_TEST(presences(u.host.take(alice), "error", "bob@example.org/laptop").size() == 1u);
  send(u.host, alice, "<presence><show>away</show></presence>");
  BOOST_TEST(all_presences(u.host.take(bob)).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_4_7_2_3_priority_decides_where_a_message_to_the_bare_jid_goes) {
  Users u;
  auto& low = login(u.host, "alice@example.org/low", "<presence><priority>1</priority></presence>");
  auto& high = login(u.host, "alice@example.org/high", "<presence><priority>5</priority></presence>");
  auto& bob = login(u.host, "bob@example.org/laptop");
  BOOST_TEST(low.priority == 1);
  BOOST_TEST(high.priority == 5);
  u.host.take(low), u.host.take(high);
  send(u.host, bob, "<message to='alice@example.org' type='chat'><body>hi</body></message>");
  BOOST_TEST(u.host.take(low).empty());
  BOOST_TEST(u.host.take(high).size() == 1u);
  // A later presence changes it.
  send(u.host, low, "<presence><priority>9</priority></presence>");
  u.host.take(low), u.host.take(high);
  send(u.host, bob, "<message to='alice@example.org' type='chat'><body>again</body></message>");
  BOOST_TEST(u.host.take(low).size() == 1u);
  BOOST_TEST(u.host.take(high).empty());
}

BOOST_AUTO_TEST_CASE(rfc6121_4_7_2_3_negative_priority_gets_no_messages_to_the_bare_jid) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/bot", "<presence><priority>-1</priority></presence>");
  auto& bob = login(u.host, "bob@example.org/laptop");
  u.host.take(alice), u.host.take(bob);
  send(u.host, bob, "<message to='alice@example.org' type='chat' id='m1'><body>hi</body></message>");
  BOOST_TEST(u.host.take(alice).empty());
  auto b = u.host.take(bob);
  BOOST_REQUIRE_EQUAL(b.size(), 1u);
  BOOST_TEST(error_condition(b[0]) == "service-unavailable");
}

BOOST_AUTO_TEST_CASE(rfc6121_4_7_2_3_priority_outside_the_range_is_clamped_and_garbage_refused) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone", "<presence><priority>500</priority></presence>");
  BOOST_TEST(alice.priority == 127);
  send(u.host, alice, "<presence><priority>-1000</priority></presence>");
  BOOST_TEST(alice.priority == -128);
  u.host.take(alice);
  send(u.host, alice, "<presence><priority>high</priority></presence>");
  auto a = u.host.take(alice);
  BOOST_REQUIRE_EQUAL(a.size(), 1u);
  BOOST_TEST(error_condition(a[0]) == "bad-request");
  BOOST_TEST(alice.priority == -128);
}

BOOST_AUTO_TEST_CASE(rfc6121_4_5_unavailable_clears_availability_for_message_delivery) {
  Users u;
  auto& alice = login(u.host, "alice@example.org/phone");
  auto& bob = login(u.host, "bob@example.org/laptop");
  send(u.host, alice, "<presence type='unavailable'/>");
  u.host.take(alice), u.host.take(bob);
  send(u.host, bob, "<message to='alice@example.org' type='chat'><body>hi</body></message>");
  BOOST_TEST(u.host.take(alice).empty());
  BOOST_TEST(error_condition(u.host.take(bob).at(0)) == "service-unavailable");
}

// --- visitors (the anonymous host) --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(visitors_have_no_roster_their_presence_goes_only_where_directed) {
  HostSpec accounts{"example.org", {"roster", "presence"}, {}};
  HostSpec guests{"guest.example.org", {"presence"}, {}, true};
  TestHost host(std::vector<HostSpec>{accounts, guests});
  host.create_account("alice@example.org");
  auto& alice = login(host, "alice@example.org/phone");
  auto& visitor = host.connect("v1@guest.example.org/web");
  host.take(alice);

  send(host, visitor, "<presence/>");
  BOOST_TEST(visitor.available);  // messages to it are delivered
  BOOST_TEST(visitor.received.empty());
  BOOST_TEST(alice.received.empty());

  send(host, visitor, "<presence to='alice@example.org'/>");  // not subscribed: dropped
  BOOST_TEST(alice.received.empty());
  send(host, visitor, "<presence to='alice@example.org/phone'/>");
  BOOST_TEST(presences(host.take(alice), "", "v1@guest.example.org/web").size() == 1u);

  send(host, visitor, "<presence to='alice@example.org' type='subscribe'/>");
  auto v = host.take(visitor);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(error_condition(v[0]) == "not-allowed");
  BOOST_TEST(host.take(alice).empty());

  host.disconnect(visitor);
  drain(host);
  BOOST_TEST(presences(host.take(alice), "unavailable", "v1@guest.example.org/web").size() == 1u);
}

BOOST_AUTO_TEST_CASE(visitors_cannot_be_subscribed_to) {
  HostSpec accounts{"example.org", {"roster", "presence"}, {}};
  HostSpec guests{"guest.example.org", {"presence"}, {}, true};
  TestHost host(std::vector<HostSpec>{accounts, guests});
  host.create_account("alice@example.org");
  auto& alice = login(host, "alice@example.org/phone");
  auto& visitor = host.connect("v1@guest.example.org/web");
  send(host, visitor, "<presence/>");
  host.take(alice);
  send(host, alice, "<presence to='v1@guest.example.org' type='subscribe'/>");
  BOOST_TEST(visitor.received.empty());
  BOOST_TEST(presences(host.take(alice), "unsubscribed", "v1@guest.example.org").size() == 1u);
}
