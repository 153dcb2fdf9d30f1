// XEP-0352 Client State Indication, driven through the real router.
#define BOOST_TEST_MODULE csi
#include <boost/test/unit_test.hpp>

#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

bool nonza(TestHost& host, FakeSession& s, const std::string& text) {
  Element e = xml(text);
  NonzaReceived ev{s, e};
  host.core().emit(s.jid().domain(), ev);
  host.settle();
  return ev.handled;
}

struct Fixture {
  TestHost host{std::vector<std::string>{"csi"}};
  FakeSession& alice = host.connect("alice@example.org/phone");
  FakeSession& bob = host.connect("bob@example.org/home");
  FakeSession& carol = host.connect("carol@example.org/home");
  void presence(FakeSession& from, const std::string& show) {
    host.send(from, "<presence to='alice@example.org/phone'><show>" + show + "</show></presence>");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(xep0352_4_1_csi_is_a_stream_feature_after_authentication, Fixture) {
  Element before("features", ns::kStream), after("features", ns::kStream);
  host.core().add_stream_features("example.org", nullptr, false, before);
  host.core().add_stream_features("example.org", nullptr, true, after);
  BOOST_TEST(before.child("csi", ns::kCsi) == nullptr);
  BOOST_TEST(after.child("csi", ns::kCsi) != nullptr);
}

BOOST_FIXTURE_TEST_CASE(xep0352_4_2_active_and_inactive_are_accepted_other_csi_elements_are_not, Fixture) {
  BOOST_TEST(nonza(host, alice, "<inactive xmlns='urn:xmpp:csi:0'/>"));
  BOOST_TEST(nonza(host, alice, "<active xmlns='urn:xmpp:csi:0'/>"));
  BOOST_TEST(!nonza(host, alice, "<sleepy xmlns='urn:xmpp:csi:0'/>"));
  BOOST_TEST(!nonza(host, alice, "<inactive xmlns='urn:example:other'/>"));
  BOOST_TEST(host.take(alice).empty());  // §4.2: no reply
}

BOOST_FIXTURE_TEST_CASE(xep0352_5_a_stream_starts_active_and_delivers_everything, Fixture) {
  presence(bob, "away");
  BOOST_TEST(host.take(alice).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0352_3_inactive_client_gets_presence_updates_when_active_again_latest_per_sender,
                        Fixture) {
  nonza(host, alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  presence(bob, "away");
  presence(carol, "dnd");
  presence(bob, "xa");
  BOOST_TEST(host.take(alice).empty());
  nonza(host, alice, "<active xmlns='urn:xmpp:csi:0'/>");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].attr("from") == "carol@example.org/home");
  BOOST_TEST(got[1].attr("from") == "bob@example.org/home");
  BOOST_TEST(got[1].child_text("show", ns::kClient) == "xa");
  presence(bob, "chat");  // active again: straight through
  BOOST_TEST(host.take(alice).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0352_3_message_with_body_flushes_held_stanzas_first_then_goes_out, Fixture) {
  nonza(host, alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  presence(bob, "away");
  host.send(bob, "<message to='alice@example.org/phone' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  host.send(bob, "<message to='alice@example.org/phone' type='chat'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>");
  BOOST_TEST(host.take(alice).empty());
  host.send(bob, "<message to='alice@example.org/phone' type='chat' id='b'><body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[0].name() == "presence");
  BOOST_TEST(got[1].child("paused", "http://jabber.org/protocol/chatstates") != nullptr);  // latest only
  BOOST_TEST(got[2].attr("id") == "b");
  host.send(bob, "<presence to='alice@example.org/phone'/>");
  BOOST_TEST(host.take(alice).empty());  // still inactive
}

BOOST_FIXTURE_TEST_CASE(xep0352_3_iq_and_subscription_requests_are_urgent, Fixture) {
  nonza(host, alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  presence(bob, "away");
  host.send(bob, "<iq to='alice@example.org/phone' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].name() == "presence");
  BOOST_TEST(got[1].name() == "iq");
  host.send(carol, "<presence to='alice@example.org/phone' type='subscribe'/>");
  BOOST_TEST(host.take(alice).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0352_3_pep_notifications_wait_and_keep_their_order, Fixture) {
  nonza(host, alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  for (const char* id : {"e1", "e2"})
    host.send(bob, std::string("<message to='alice@example.org/phone' type='headline' id='") + id +
                       "'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'/></event></message>");
  BOOST_TEST(host.take(alice).empty());
  nonza(host, alice, "<active xmlns='urn:xmpp:csi:0'/>");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].attr("id") == "e1");
  BOOST_TEST(got[1].attr("id") == "e2");
}

BOOST_FIXTURE_TEST_CASE(xep0352_3_carbon_copy_of_a_chat_state_waits_keyed_by_its_conversation, Fixture) {
  nonza(host, alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  auto copy = [&](const std::string& to, const std::string& state) {
    Element m = xml("<message from='alice@example.org' to='alice@example.org/phone' type='chat'>"
                    "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
                    "<message xmlns='jabber:client' from='alice@example.org/desk' to='" + to + "' type='chat'>"
                    "<" + state + " xmlns='http://jabber.org/protocol/chatstates'/></message></forwarded></sent></message>");
    host.core().send_to_session(alice, m);
  };
  copy("bob@example.org", "composing");
  copy("carol@example.org", "composing");
  copy("bob@example.org", "paused");
  BOOST_TEST(host.take(alice).empty());
  nonza(host, alice, "<active xmlns='urn:xmpp:csi:0'/>");
  BOOST_TEST(host.take(alice).size() == 2u);
}

BOOST_AUTO_TEST_CASE(xep0352_3_a_full_queue_is_flushed) {
  TestHost host({HostSpec{"example.org", {"csi"}, {{"csi", {{"max_queue", "3"}}}}}});
  auto& alice = host.connect("alice@example.org/phone");
  std::vector<FakeSession*> senders;
  for (const char* j : {"a@example.org/r", "b@example.org/r", "c@example.org/r"}) senders.push_back(&host.connect(j));
  nonza(host, alice, "<inactive xmlns='urn:xmpp:csi:0'/>");
  host.send(*senders[0], "<presence to='alice@example.org/phone'/>");
  host.send(*senders[1], "<presence to='alice@example.org/phone'/>");
  BOOST_TEST(host.take(alice).empty());
  host.send(*senders[2], "<presence to='alice@example.org/phone'/>");
  BOOST_TEST(host.take(alice).size() == 3u);
}

BOOST_AUTO_TEST_CASE(xep0352_runs_for_visitors_too) {
  TestHost host({HostSpec{"guest.example.org", {"csi"}, {}, true}});
  auto& v = host.connect("v1@guest.example.org/web");
  BOOST_TEST(nonza(host, v, "<inactive xmlns='urn:xmpp:csi:0'/>"));
}
