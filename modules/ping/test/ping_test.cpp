// XEP-0199 ping, driven through the real router.
#define BOOST_TEST_MODULE ping
#include <boost/test/unit_test.hpp>

#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

BOOST_AUTO_TEST_CASE(xep0199_4_2_server_answers_ping_with_empty_result) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='p1' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>");
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(reply.attr("from") == "example.org");
  BOOST_TEST(reply.element_count() == 0u);
}

BOOST_AUTO_TEST_CASE(xep0199_4_2_ping_without_to_is_answered_for_the_account) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>");
  BOOST_TEST(reply.attr("type") == "result");
}

BOOST_AUTO_TEST_CASE(xep0199_4_3_ping_to_a_full_jid_reaches_that_client) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  auto& bob = host.connect("bob@example.org/laptop");
  host.send(alice, "<iq type='get' id='p3' to='bob@example.org/laptop'><ping xmlns='urn:xmpp:ping'/></iq>");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("from") == "alice@example.org/phone");
  BOOST_TEST(got[0].child("ping", ns::kPing) != nullptr);
}

BOOST_AUTO_TEST_CASE(rfc6121_8_5_3_2_3_ping_to_an_absent_resource_is_service_unavailable) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='p4' to='bob@example.org/gone'><ping xmlns='urn:xmpp:ping'/></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(reply.child("error", ns::kClient)->child("service-unavailable", ns::kStanzaErrors) != nullptr);
}

BOOST_AUTO_TEST_CASE(xep0030_ping_feature_is_advertised) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='d1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  const Element* q = reply.child("query", ns::kDiscoInfo);
  BOOST_REQUIRE(q);
  bool found = false;
  for (const Element* f : q->elements("feature", ns::kDiscoInfo)) found |= f->attr("var") == ns::kPing;
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(rfc6120_10_3_3_error_to_an_iq_without_to_reaches_the_client_from_its_account) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='p5'><query xmlns='urn:example:unknown'/></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(reply.attr("from") == "alice@example.org");
  BOOST_TEST(reply.child("error", ns::kClient)->child("service-unavailable", ns::kStanzaErrors) != nullptr);
}
