// XEP-0191 Blocking Command, driven through the real router and SQLite storage.
#define BOOST_TEST_MODULE blocking
#include <boost/test/unit_test.hpp>

#include "stub_presence.hpp"
#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

const Element* error_condition(const Element& stanza, const std::string& condition,
                               const std::string& ns = ns::kStanzaErrors) {
  const Element* e = stanza.child("error", ns::kClient);
  return e ? e->child(condition, ns) : nullptr;
}

// A stanza may wait for a blocklist being read on another thread, so settle() may return
// before it arrives: tests wait for what they expect to see.
std::vector<Element> take_n(TestHost& host, FakeSession& s, std::size_t n) {
  host.run_until([&] { return s.received.size() >= n; });
  host.settle();
  return host.take(s);
}

std::vector<std::string> items(const Element& e) {
  std::vector<std::string> out;
  for (const Element* i : e.elements("item", ns::kBlocking)) out.emplace_back(i->attr("jid"));
  return out;
}

struct Fixture {
  TestHost host{std::vector<HostSpec>{{"example.org", {"blocking", "offline", "stub_presence"}, {}, false},
                                      {"example.net", {"blocking", "stub_presence"}, {}, false}}};
  FakeSession *desk, *phone, *bob, *carol;
  Fixture() {
    for (const char* a : {"alice@example.org", "bob@example.org", "carol@example.net"}) host.create_account(a);
    desk = &online("alice@example.org/desk");
    phone = &online("alice@example.org/phone");
    bob = &online("bob@example.org/home");
    carol = &online("carol@example.net/home");
  }
  FakeSession& online(const std::string& jid) {
    auto& s = host.connect(jid);
    host.send(s, "<presence/>");
    return s;
  }
  Element blocklist(FakeSession& s) {
    Element r = host.iq(s, "<iq type='get' id='bl'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
    BOOST_REQUIRE(r.attr("type") == "result");
    const Element* b = r.child("blocklist", ns::kBlocking);
    BOOST_REQUIRE(b);
    return *b;
  }
  void block(FakeSession& s, const std::string& jid) {
    Element r = host.iq(s, "<iq type='set' id='b'><block xmlns='urn:xmpp:blocking'><item jid='" + jid + "'/></block></iq>");
    BOOST_REQUIRE(r.attr("type") == "result");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(xep0191_3_1_feature_is_advertised, Fixture) {
  Element reply = host.iq(*bob, "<iq type='get' id='d1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  bool found = false;
  for (const Element* f : reply.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
    found |= f->attr("var") == ns::kBlocking;
  BOOST_TEST(found);
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_2_empty_blocklist_is_an_empty_element, Fixture) {
  Element b = blocklist(*desk);
  BOOST_TEST(b.element_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_3_block_is_stored_and_pushed_to_resources_that_requested_the_list, Fixture) {
  blocklist(*desk);  // desk asked for the list; phone did not
  host.take(*desk);
  Element r = host.iq(*desk,
                      "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'>"
                      "<item jid='bob@example.org'/><item jid='Iago@Example.NET'/></block></iq>");
  BOOST_TEST(r.attr("type") == "result");
  auto got = host.take(*desk);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);  // the push, then the result
  BOOST_TEST(got[0].attr("type") == "set");
  BOOST_TEST(got[0].attr("to") == "alice@example.org/desk");
  const Element* push = got[0].child("block", ns::kBlocking);
  BOOST_REQUIRE(push);
  BOOST_TEST(items(*push) == (std::vector<std::string>{"bob@example.org", "iago@example.net"}));
  BOOST_TEST(host.take(*phone).empty());
  BOOST_TEST(items(blocklist(*phone)) == (std::vector<std::string>{"bob@example.org", "iago@example.net"}));
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_3_block_without_items_is_bad_request_and_bad_jid_is_jid_malformed, Fixture) {
  Element r = host.iq(*desk, "<iq type='set' id='b2'><block xmlns='urn:xmpp:blocking'/></iq>");
  BOOST_TEST(error_condition(r, "bad-request"));
  r = host.iq(*desk, "<iq type='set' id='b3'><block xmlns='urn:xmpp:blocking'><item jid='@bad'/></block></iq>");
  BOOST_TEST(error_condition(r, "jid-malformed"));
  BOOST_TEST(blocklist(*desk).element_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_4_unblock_removes_items_and_pushes_them, Fixture) {
  block(*desk, "bob@example.org");
  block(*desk, "carol@example.net");
  blocklist(*phone);
  host.take(*phone);
  Element r = host.iq(*desk, "<iq type='set' id='u1'><unblock xmlns='urn:xmpp:blocking'><item jid='bob@example.org'/></unblock></iq>");
  BOOST_TEST(r.attr("type") == "result");
  auto got = host.take(*phone);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  const Element* push = got[0].child("unblock", ns::kBlocking);
  BOOST_REQUIRE(push);
  BOOST_TEST(items(*push) == std::vector<std::string>{"bob@example.org"});
  BOOST_TEST(items(blocklist(*desk)) == std::vector<std::string>{"carol@example.net"});
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_5_unblock_all_empties_the_list_and_pushes_an_empty_unblock, Fixture) {
  block(*desk, "bob@example.org");
  block(*desk, "carol@example.net");
  blocklist(*phone);
  host.take(*phone);
  Element r = host.iq(*desk, "<iq type='set' id='u2'><unblock xmlns='urn:xmpp:blocking'/></iq>");
  BOOST_TEST(r.attr("type") == "result");
  auto got = host.take(*phone);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  const Element* push = got[0].child("unblock", ns::kBlocking);
  BOOST_REQUIRE(push);
  BOOST_TEST(push->element_count() == 0u);
  BOOST_TEST(blocklist(*desk).element_count() == 0u);
  host.take(*desk);
  host.send(*bob, "<message to='alice@example.org/desk' type='chat'><body>back</body></message>");
  BOOST_TEST(take_n(host, *desk, 1).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_3_inbound_message_and_iq_are_refused_service_unavailable_presence_silently,
                        Fixture) {
  block(*desk, "bob@example.org");
  host.take(*desk);
  host.send(*bob, "<message to='alice@example.org' type='chat' id='m1'><body>hi</body></message>");
  host.send(*bob, "<message to='alice@example.org/phone' type='chat' id='m2'><body>hi</body></message>");
  host.send(*bob, "<iq to='alice@example.org/desk' type='get' id='q1'><ping xmlns='urn:xmpp:ping'/></iq>");
  host.send(*bob, "<presence to='alice@example.org'/>");
  host.send(*bob, "<presence to='alice@example.org' type='subscribe'/>");
  auto got = take_n(host, *bob, 3);
  BOOST_TEST(host.take(*desk).empty());
  BOOST_TEST(host.take(*phone).empty());
  BOOST_REQUIRE_EQUAL(got.size(), 3u);  // the two messages and the IQ; nothing for presence
  for (const auto& e : got) BOOST_TEST(error_condition(e, "service-unavailable"));
  BOOST_TEST(got[2].attr("id") == "q1");
}

BOOST_FIXTURE_TEST_CASE(xep0191_2_domain_item_blocks_every_jid_of_that_domain_and_its_subdomains, Fixture) {
  block(*desk, "example.net");
  host.take(*desk);
  host.send(*carol, "<message to='alice@example.org/desk' type='chat'><body>hi</body></message>");
  auto got = take_n(host, *carol, 1);
  BOOST_TEST(host.take(*desk).empty());
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(error_condition(got[0], "service-unavailable"));
}

BOOST_FIXTURE_TEST_CASE(xep0191_2_full_jid_item_blocks_only_that_resource, Fixture) {
  block(*desk, "bob@example.org/other");
  host.take(*desk);
  host.send(*bob, "<message to='alice@example.org/desk' type='chat'><body>hi</body></message>");
  BOOST_TEST(take_n(host, *desk, 1).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_3_outbound_stanza_to_blocked_jid_is_refused_with_blocked_error, Fixture) {
  block(*desk, "bob@example.org");
  host.take(*desk);
  host.send(*phone, "<message to='bob@example.org/home' type='chat' id='o1'><body>hi</body></message>");
  host.send(*phone, "<iq to='bob@example.org/home' type='get' id='o2'><ping xmlns='urn:xmpp:ping'/></iq>");
  auto got = take_n(host, *phone, 2);
  BOOST_TEST(host.take(*bob).empty());
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  for (const auto& e : got) {
    BOOST_TEST(e.attr("type") == "error");
    BOOST_TEST(e.attr("from") == "bob@example.org/home");
    BOOST_TEST(error_condition(e, "not-acceptable"));
    BOOST_TEST(error_condition(e, "blocked", ns::kBlockingErrors));
    BOOST_TEST(e.child("error", ns::kClient)->attr("type") == "cancel");
  }
  BOOST_TEST(got[0].child_text("body", ns::kClient) == "hi");  // RFC 6120 §8.3.1: payload kept
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_3_presence_broadcast_on_the_users_behalf_skips_the_blocked_contact, Fixture) {
  block(*desk, "bob@example.org");
  Element p = xml("<presence from='alice@example.org/desk' to='bob@example.org'><show>away</show></presence>");
  host.core().route(p);
  host.settle();
  BOOST_TEST(host.take(*bob).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_3_blocking_sends_unavailable_and_unblocking_current_presence_to_subscribers,
                        Fixture) {
  RosterItem item;
  item.jid = "bob@example.org";
  item.subscription = Subscription::both;
  host.wait(host.storage().roster().put("example.org", "alice", item));
  RosterItem other;
  other.jid = "carol@example.net";
  other.subscription = Subscription::to;  // carol does not see alice's presence
  host.wait(host.storage().roster().put("example.org", "alice", other));
  host.send(*desk, "<presence><show>dnd</show></presence>");
  host.take(*bob);

  block(*desk, "bob@example.org");
  block(*desk, "carol@example.net");
  auto got = host.take(*bob);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);  // one per available resource
  for (const auto& p : got) {
    BOOST_TEST(p.name() == "presence");
    BOOST_TEST(p.attr("type") == "unavailable");
  }
  BOOST_TEST(host.take(*carol).empty());

  Element r = host.iq(*desk, "<iq type='set' id='u'><unblock xmlns='urn:xmpp:blocking'><item jid='bob@example.org'/></unblock></iq>");
  BOOST_TEST(r.attr("type") == "result");
  got = take_n(host, *bob, 2);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  bool saw_dnd = false;
  for (const auto& p : got) {
    BOOST_TEST(!p.has_attr("type"));
    saw_dnd |= p.attr("from") == "alice@example.org/desk" && p.child_text("show", ns::kClient) == "dnd";
  }
  BOOST_TEST(saw_dnd);
}

BOOST_FIXTURE_TEST_CASE(xep0191_3_3_block_applies_to_an_account_without_sessions, Fixture) {
  block(*desk, "bob@example.org");
  host.disconnect(*desk);
  host.disconnect(*phone);
  // The list is read on demand: bob's message is refused, carol's is stored offline.
  host.send(*bob, "<message to='alice@example.org' type='chat' id='x1'><body>hi</body></message>");
  auto got = take_n(host, *bob, 1);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(error_condition(got[0], "service-unavailable"));
  host.send(*carol, "<message to='alice@example.org' type='chat' id='x2'><body>hi</body></message>");
  host.run_until([&] { return *carol->ack_holds_live == 0; });  // stored (or bounced)
  BOOST_TEST(host.take(*carol).empty());
  BOOST_TEST(host.wait(host.storage().offline().count("example.org", "alice")) == 1);
}

BOOST_FIXTURE_TEST_CASE(xep0191_stanzas_sent_before_the_list_is_loaded_are_held_then_decided_in_order, Fixture) {
  host.wait(host.storage().blocks().add("example.org", "dave", {"bob@example.org"}));
  host.create_account("dave@example.org");
  FakeSession dave(*Jid::parse("dave@example.org/new"), false, 1000);
  host.core().bind(dave);  // the list load is started, not finished
  for (const char* xml_text : {"<message to='bob@example.org/home' type='chat' id='d1'><body>1</body></message>",
                               "<message to='carol@example.net/home' type='chat' id='d2'><body>2</body></message>"}) {
    Element m = xml(xml_text);
    m.set_attr("from", dave.jid().str());
    host.core().route_from_client(std::move(m), dave);
  }
  BOOST_TEST(*dave.ack_holds_live == 2);
  host.run_until([&] { return *dave.ack_holds_live == 0 && !carol->received.empty(); });
  host.settle();
  BOOST_REQUIRE_EQUAL(dave.received.size(), 1u);
  BOOST_TEST(dave.received[0].attr("id") == "d1");
  BOOST_TEST(error_condition(dave.received[0], "blocked", ns::kBlockingErrors));
  BOOST_TEST(host.take(*bob).empty());
  auto got = host.take(*carol);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("id") == "d2");
  host.core().unbind(dave, "");
}
