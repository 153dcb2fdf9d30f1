// XEP-0280 Message Carbons, driven through the real router.
#define BOOST_TEST_MODULE carbons
#include <boost/test/unit_test.hpp>

#include "stub_presence.hpp"
#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

// The <message/> inside <sent|received><forwarded/>, or nullptr.
const Element* forwarded(const Element& copy, const char* direction) {
  const Element* d = copy.child(direction, ns::kCarbons);
  const Element* f = d ? d->child("forwarded", ns::kForward) : nullptr;
  return f ? f->child("message", ns::kClient) : nullptr;
}

struct Fixture {
  TestHost host{std::vector<std::string>{"carbons", "stub_presence"}};
  FakeSession *desk, *phone, *tablet, *bob;
  Fixture() {
    desk = &online("alice@example.org/desk", 5);
    phone = &online("alice@example.org/phone", 1);
    tablet = &online("alice@example.org/tablet", 1);
    bob = &online("bob@example.org/home", 0);
    enable(*desk);
    enable(*phone);
  }
  FakeSession& online(const std::string& jid, int priority) {
    auto& s = host.connect(jid);
    host.send(s, "<presence><priority>" + std::to_string(priority) + "</priority></presence>");
    return s;
  }
  void enable(FakeSession& s) {
    Element r = host.iq(s, "<iq type='set' id='e'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
    BOOST_REQUIRE(r.attr("type") == "result");
    host.take(s);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(xep0280_4_enable_and_disable_answer_result_and_repeat_is_not_an_error, Fixture) {
  for (const char* payload : {"enable", "enable", "disable", "disable"}) {
    Element r = host.iq(*tablet, std::string("<iq type='set' id='t'><") + payload + " xmlns='urn:xmpp:carbons:2'/></iq>");
    BOOST_TEST(r.attr("type") == "result");
    BOOST_TEST(r.element_count() == 0u);
  }
}

BOOST_FIXTURE_TEST_CASE(xep0280_3_feature_is_advertised_by_the_server, Fixture) {
  Element reply = host.iq(*bob, "<iq type='get' id='d1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  bool found = false;
  for (const Element* f : reply.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
    found |= f->attr("var") == ns::kCarbons;
  BOOST_TEST(found);
}

BOOST_FIXTURE_TEST_CASE(xep0280_6_sent_message_is_copied_to_other_enabled_resources_only, Fixture) {
  host.send(*desk, "<message to='bob@example.org/home' type='chat' id='s1'><body>hi</body></message>");
  BOOST_TEST(host.take(*desk).empty());    // not to the sender
  BOOST_TEST(host.take(*tablet).empty());  // not enabled
  auto got = host.take(*phone);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("from") == "alice@example.org");
  BOOST_TEST(got[0].attr("to") == "alice@example.org/phone");
  BOOST_TEST(got[0].attr("type") == "chat");
  const Element* inner = forwarded(got[0], "sent");
  BOOST_REQUIRE(inner);
  BOOST_TEST(inner->attr("id") == "s1");
  BOOST_TEST(inner->attr("from") == "alice@example.org/desk");
  BOOST_TEST(inner->attr("to") == "bob@example.org/home");
  BOOST_TEST(inner->child_text("body", ns::kClient) == "hi");
  BOOST_TEST(host.take(*bob).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0280_6_sending_client_need_not_have_carbons_enabled, Fixture) {
  host.send(*tablet, "<message to='bob@example.org' type='chat'><body>hi</body></message>");
  BOOST_TEST(host.take(*desk).size() == 1u);
  BOOST_TEST(host.take(*phone).size() == 1u);
  BOOST_TEST(host.take(*tablet).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0280_5_message_to_full_jid_is_copied_as_received_to_the_other_enabled_resources,
                        Fixture) {
  host.send(*bob, "<message to='alice@example.org/tablet' type='chat' id='r1'><body>yo</body></message>");
  auto t = host.take(*tablet);
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_TEST(t[0].attr("id") == "r1");  // the original
  for (FakeSession* s : {desk, phone}) {
    auto got = host.take(*s);
    BOOST_REQUIRE_EQUAL(got.size(), 1u);
    BOOST_TEST(got[0].attr("from") == "alice@example.org");
    BOOST_TEST(got[0].attr("to") == s->jid().str());
    const Element* inner = forwarded(got[0], "received");
    BOOST_REQUIRE(inner);
    BOOST_TEST(inner->attr("from") == "bob@example.org/home");
    BOOST_TEST(inner->attr("to") == "alice@example.org/tablet");
  }
}

BOOST_FIXTURE_TEST_CASE(xep0280_5_message_to_bare_jid_is_copied_to_enabled_resources_that_did_not_get_it,
                        Fixture) {
  host.send(*bob, "<message to='alice@example.org' type='chat' id='r2'><body>yo</body></message>");
  auto d = host.take(*desk);  // priority 5: RFC 6121 §8.5.2.1.1 delivers here
  BOOST_REQUIRE_EQUAL(d.size(), 1u);
  BOOST_TEST(d[0].attr("id") == "r2");
  BOOST_TEST(d[0].child("received", ns::kCarbons) == nullptr);
  auto p = host.take(*phone);
  BOOST_REQUIRE_EQUAL(p.size(), 1u);
  BOOST_TEST(forwarded(p[0], "received"));
  BOOST_TEST(host.take(*tablet).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0280_5_resources_that_got_the_original_get_no_copy, Fixture) {
  host.send(*desk, "<presence><priority>1</priority></presence>");  // now desk, phone, tablet tie
  host.send(*bob, "<message to='alice@example.org' type='chat'><body>yo</body></message>");
  for (FakeSession* s : {desk, phone, tablet}) {
    auto got = host.take(*s);
    BOOST_REQUIRE_EQUAL(got.size(), 1u);
    BOOST_TEST(got[0].child("received", ns::kCarbons) == nullptr);
  }
}

BOOST_FIXTURE_TEST_CASE(xep0280_6_normal_message_with_body_is_eligible_without_body_is_not, Fixture) {
  host.send(*desk, "<message to='bob@example.org'><body>note</body></message>");
  BOOST_TEST(host.take(*phone).size() == 1u);
  host.send(*desk, "<message to='bob@example.org'><x xmlns='urn:example:other'/></message>");
  BOOST_TEST(host.take(*phone).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0280_6_groupchat_headline_and_muc_private_messages_are_not_copied, Fixture) {
  host.send(*bob, "<message to='alice@example.org/tablet' type='headline'><body>h</body></message>");
  host.send(*bob, "<message to='alice@example.org/tablet' type='groupchat'><body>g</body></message>");
  host.send(*bob,
            "<message to='alice@example.org/tablet' type='chat'><body>pm</body>"
            "<x xmlns='http://jabber.org/protocol/muc#user'/></message>");
  BOOST_TEST(host.take(*phone).empty());
  BOOST_TEST(host.take(*desk).empty());
  BOOST_TEST(host.take(*tablet).size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(xep0280_7_private_message_is_not_copied_and_private_is_removed_on_delivery, Fixture) {
  host.send(*desk,
            "<message to='bob@example.org/home' type='chat'><body>p</body>"
            "<private xmlns='urn:xmpp:carbons:2'/></message>");
  BOOST_TEST(host.take(*phone).empty());
  auto b = host.take(*bob);
  BOOST_REQUIRE_EQUAL(b.size(), 1u);
  BOOST_TEST(b[0].child("private", ns::kCarbons) == nullptr);
  host.send(*bob,
            "<message to='alice@example.org/tablet' type='chat'><body>p</body>"
            "<private xmlns='urn:xmpp:carbons:2'/></message>");
  BOOST_TEST(host.take(*phone).empty());
  BOOST_TEST(host.take(*desk).empty());
  auto t = host.take(*tablet);
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_TEST(t[0].child("private", ns::kCarbons) == nullptr);
}

BOOST_FIXTURE_TEST_CASE(xep0334_4_no_copy_hint_prevents_copies_both_ways, Fixture) {
  host.send(*desk, "<message to='bob@example.org' type='chat'><body>x</body><no-copy xmlns='urn:xmpp:hints'/></message>");
  host.send(*bob, "<message to='alice@example.org/tablet' type='chat'><body>x</body><no-copy xmlns='urn:xmpp:hints'/></message>");
  BOOST_TEST(host.take(*phone).empty());
  BOOST_TEST(host.take(*desk).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0280_5_disabled_resource_gets_no_more_copies, Fixture) {
  Element r = host.iq(*phone, "<iq type='set' id='x'><disable xmlns='urn:xmpp:carbons:2'/></iq>");
  BOOST_TEST(r.attr("type") == "result");
  host.take(*phone);
  host.send(*desk, "<message to='bob@example.org' type='chat'><body>x</body></message>");
  host.send(*bob, "<message to='alice@example.org/tablet' type='chat'><body>x</body></message>");
  BOOST_TEST(host.take(*phone).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0280_a_copy_is_never_copied_again, Fixture) {
  host.send(*bob,
            "<message to='alice@example.org/tablet' type='chat'><received xmlns='urn:xmpp:carbons:2'>"
            "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'><body>x</body></message>"
            "</forwarded></received></message>");
  BOOST_TEST(host.take(*phone).empty());
  BOOST_TEST(host.take(*desk).empty());
}

BOOST_AUTO_TEST_CASE(xep0280_4_1_anonymous_visitor_cannot_enable_carbons) {
  TestHost host({HostSpec{"guest.example.org", {"carbons"}, {}, true}});
  auto& v = host.connect("x1@guest.example.org/web");
  Element r = host.iq(v, "<iq type='set' id='e'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
  BOOST_TEST(r.attr("type") == "error");
  BOOST_TEST(r.child("error", ns::kClient)->child("forbidden", ns::kStanzaErrors) != nullptr);
}
