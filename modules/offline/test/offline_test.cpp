// XEP-0160 offline messages, driven through the real router and SQLite storage.
#define BOOST_TEST_MODULE offline
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <algorithm>

#include "stub_presence.hpp"
#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

std::int64_t stored_count(TestHost& host, const std::string& user) {
  return host.wait(host.storage().offline().count("example.org", user));
}

// Storage completes on other threads, so settle() may return before a write has: tests wait
// for what they expect to see.
std::vector<Element> take_n(TestHost& host, FakeSession& s, std::size_t n) {
  host.run_until([&] { return s.received.size() >= n; });
  host.settle();
  return host.take(s);
}
// The sender's acknowledgement holds are released once its messages are durable (or bounced).
void wait_written(TestHost& host, FakeSession& sender) {
  host.run_until([&] { return *sender.ack_holds_live == 0; });
}
// Delivered messages are removed after they are sent.
void wait_stored(TestHost& host, const std::string& user, std::int64_t n) {
  for (int i = 0; i < 200 && stored_count(host, user) != n; ++i) host.settle();
}

const Element* error_condition(const Element& stanza, const std::string& condition) {
  const Element* e = stanza.child("error", ns::kClient);
  return e ? e->child(condition, ns::kStanzaErrors) : nullptr;
}

struct Fixture {
  TestHost host{std::vector<std::string>{"offline", "stub_presence"}};
  FakeSession* alice = nullptr;
  Fixture() {
    host.create_account("alice@example.org");
    host.create_account("bob@example.org");
    alice = &host.connect("alice@example.org/desk");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(xep0160_2_message_to_offline_account_is_stored_and_delivered_in_order_at_initial_presence,
                        Fixture) {
  host.send(*alice, "<message to='bob@example.org' type='chat' id='m1'><body>one</body></message>");
  host.send(*alice, "<message to='bob@example.org/phone' id='m2'><body>two</body></message>");
  host.send(*alice, "<message to='bob@example.org' type='chat' id='m3'><body>three</body></message>");
  wait_written(host, *alice);
  BOOST_TEST(host.take(*alice).empty());  // stored, not bounced
  BOOST_TEST(stored_count(host, "bob") == 3);

  auto& bob = host.connect("bob@example.org/phone");
  BOOST_TEST(host.take(bob).empty());  // nothing before initial presence
  host.send(bob, "<presence><priority>1</priority></presence>");
  auto got = take_n(host, bob, 3);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  const char* ids[] = {"m1", "m2", "m3"};
  const char* bodies[] = {"one", "two", "three"};
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(got[i].attr("id") == ids[i]);
    BOOST_TEST(got[i].child_text("body", ns::kClient) == bodies[i]);
    BOOST_TEST(got[i].attr("from") == "alice@example.org/desk");
    // XEP-0160 §2 / XEP-0203: a delay from the server, a UTC stamp.
    const Element* delay = got[i].child("delay", ns::kDelay);
    BOOST_REQUIRE(delay);
    BOOST_TEST(delay->attr("from") == "example.org");
    std::string stamp(delay->attr("stamp"));
    BOOST_TEST(stamp.size() == 20u);
    BOOST_TEST(stamp.back() == 'Z');
  }
  wait_stored(host, "bob", 0);
  BOOST_TEST(stored_count(host, "bob") == 0);
}

BOOST_FIXTURE_TEST_CASE(xep0160_2_presence_update_does_not_deliver_again, Fixture) {
  auto& bob = host.connect("bob@example.org/phone");
  host.send(bob, "<presence/>");
  host.send(bob, "<presence><show>away</show></presence>");
  BOOST_TEST(host.take(bob).empty());
}

BOOST_FIXTURE_TEST_CASE(rfc6121_8_5_2_1_1_message_to_available_account_is_delivered_not_stored, Fixture) {
  auto& bob = host.connect("bob@example.org/phone");
  host.send(bob, "<presence/>");
  host.send(*alice, "<message to='bob@example.org' type='chat'><body>hi</body></message>");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].child("delay", ns::kDelay) == nullptr);
  wait_stored(host, "bob", 0);
  BOOST_TEST(stored_count(host, "bob") == 0);
}

BOOST_FIXTURE_TEST_CASE(rfc6121_8_5_3_1_message_to_connected_resource_is_delivered_even_before_presence, Fixture) {
  auto& bob = host.connect("bob@example.org/phone");
  host.send(*alice, "<message to='bob@example.org/phone' type='chat'><body>hi</body></message>");
  BOOST_TEST(host.take(bob).size() == 1u);
  BOOST_TEST(stored_count(host, "bob") == 0);
}

BOOST_FIXTURE_TEST_CASE(xep0160_2_only_negative_priority_resources_means_stored_and_not_delivered_to_them,
                        Fixture) {
  auto& bob = host.connect("bob@example.org/bot");
  host.send(bob, "<presence><priority>-1</priority></presence>");
  host.send(*alice, "<message to='bob@example.org' type='chat'><body>hi</body></message>");
  wait_written(host, *alice);
  BOOST_TEST(host.take(bob).empty());
  BOOST_TEST(stored_count(host, "bob") == 1);
  // A non-negative resource coming online gets it.
  auto& phone = host.connect("bob@example.org/phone");
  host.send(phone, "<presence><priority>0</priority></presence>");
  BOOST_TEST(take_n(host, phone, 1).size() == 1u);
  BOOST_TEST(host.take(bob).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0160_3_error_groupchat_and_headline_are_not_stored, Fixture) {
  host.send(*alice, "<message to='bob@example.org' type='error'><body>e</body></message>");
  host.send(*alice, "<message to='bob@example.org' type='headline'><body>h</body></message>");
  BOOST_TEST(host.take(*alice).empty());  // RFC 6121 §8.5.2.2.1: silently dropped
  host.send(*alice, "<message to='bob@example.org' type='groupchat' id='g'><body>g</body></message>");
  auto got = host.take(*alice);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);  // §8.5.2.2.1: groupchat is bounced
  BOOST_TEST(error_condition(got[0], "service-unavailable"));
  BOOST_TEST(stored_count(host, "bob") == 0);
}

BOOST_FIXTURE_TEST_CASE(xep0334_4_no_store_and_no_permanent_store_hints_are_not_stored_but_bounced, Fixture) {
  host.send(*alice,
            "<message to='bob@example.org' type='chat' id='h1'><body>x</body>"
            "<no-store xmlns='urn:xmpp:hints'/></message>");
  host.send(*alice,
            "<message to='bob@example.org' type='chat' id='h2'><body>x</body>"
            "<no-permanent-store xmlns='urn:xmpp:hints'/></message>");
  auto got = host.take(*alice);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(error_condition(got[0], "service-unavailable"));
  BOOST_TEST(error_condition(got[1], "service-unavailable"));
  BOOST_TEST(stored_count(host, "bob") == 0);
}

BOOST_FIXTURE_TEST_CASE(xep0160_3_chat_state_only_message_is_dropped_unless_store_hint, Fixture) {
  host.send(*alice,
            "<message to='bob@example.org' type='chat'>"
            "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  BOOST_TEST(host.take(*alice).empty());
  BOOST_TEST(stored_count(host, "bob") == 0);
  // XEP-0334 §4.4: <store/> asks for it to be kept.
  host.send(*alice,
            "<message to='bob@example.org' type='chat'><gone xmlns='http://jabber.org/protocol/chatstates'/>"
            "<store xmlns='urn:xmpp:hints'/></message>");
  wait_written(host, *alice);
  BOOST_TEST(stored_count(host, "bob") == 1);
}

BOOST_FIXTURE_TEST_CASE(rfc6121_8_5_2_2_message_to_unknown_account_is_bounced_service_unavailable, Fixture) {
  host.send(*alice, "<message to='nobody@example.org' type='chat' id='u1'><body>x</body></message>");
  auto got = take_n(host, *alice, 1);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("type") == "error");
  BOOST_TEST(got[0].attr("id") == "u1");
  BOOST_TEST(error_condition(got[0], "service-unavailable"));
  BOOST_TEST(stored_count(host, "nobody") == 0);
}

BOOST_AUTO_TEST_CASE(xep0160_2_full_queue_bounces_service_unavailable_with_text) {
  TestHost host({HostSpec{"example.org", {"offline", "stub_presence"}, {{"offline", {{"max_messages", "2"}}}}}});
  host.create_account("alice@example.org");
  host.create_account("bob@example.org");
  auto& alice = host.connect("alice@example.org/desk");
  for (int i = 0; i < 3; ++i)
    host.send(alice, "<message to='bob@example.org' type='chat' id='c" + std::to_string(i) + "'><body>x</body></message>");
  auto got = take_n(host, alice, 1);
  wait_written(host, alice);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("id") == "c2");
  BOOST_TEST(error_condition(got[0], "service-unavailable"));
  BOOST_TEST(!got[0].child("error", ns::kClient)->child_text("text", ns::kStanzaErrors).empty());
  BOOST_TEST(stored_count(host, "bob") == 2);
}

BOOST_FIXTURE_TEST_CASE(xep0198_acknowledgement_is_held_until_the_message_is_durable, Fixture) {
  Element m = xml("<message to='bob@example.org' type='chat'><body>x</body></message>");
  m.set_attr("from", alice->jid().str());
  host.core().route_from_client(std::move(m), *alice);
  // The hook has taken the message; the write has not been awaited yet.
  BOOST_TEST(*alice->ack_holds_live == 1);
  wait_written(host, *alice);
  BOOST_TEST(*alice->ack_holds_live == 0);
  BOOST_TEST(alice->ack_holds_taken == 1);
  BOOST_TEST(stored_count(host, "bob") == 1);
}

BOOST_FIXTURE_TEST_CASE(storage_failure_bounces_internal_server_error_never_drops_silently, Fixture) {
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open((host.data_dir() + "/test.sqlite").c_str(), &db) == SQLITE_OK);
  BOOST_REQUIRE(sqlite3_exec(db,
                             "CREATE TRIGGER fail_offline BEFORE INSERT ON offline_messages "
                             "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  host.send(*alice, "<message to='bob@example.org' type='chat' id='f1'><body>x</body></message>");
  auto got = take_n(host, *alice, 1);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("id") == "f1");
  BOOST_TEST(error_condition(got[0], "internal-server-error"));
  BOOST_TEST(*alice->ack_holds_live == 0);
}

BOOST_FIXTURE_TEST_CASE(xep0160_2_message_stored_while_recipient_comes_online_is_delivered_once, Fixture) {
  auto& bob = host.connect("bob@example.org/phone");
  Element m = xml("<message to='bob@example.org' type='chat' id='race'><body>x</body></message>");
  m.set_attr("from", alice->jid().str());
  host.core().route_from_client(std::move(m), *alice);  // the write is under way
  Element p = xml("<presence/>");
  p.set_attr("from", bob.jid().str());
  host.core().route_from_client(std::move(p), bob);
  auto got = take_n(host, bob, 1);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("id") == "race");
  wait_stored(host, "bob", 0);
  BOOST_TEST(stored_count(host, "bob") == 0);
}

BOOST_FIXTURE_TEST_CASE(xep0160_4_msgoffline_feature_is_advertised, Fixture) {
  Element reply = host.iq(*alice, "<iq type='get' id='d1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  bool found = false;
  for (const Element* f : reply.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
    found |= f->attr("var") == "msgoffline";
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(xep0160_2_delivery_at_initial_presence_with_the_real_presence_module) {
  TestHost host(std::vector<std::string>{"offline", "roster", "presence"});
  host.create_account("alice@example.org");
  host.create_account("bob@example.org");
  auto& alice = host.connect("alice@example.org/desk");
  host.send(alice, "<message to='bob@example.org' type='chat' id='r1'><body>one</body></message>");
  host.send(alice, "<message to='bob@example.org' type='chat' id='r2'><body>two</body></message>");
  wait_written(host, alice);
  auto& bob = host.connect("bob@example.org/phone");
  host.send(bob, "<presence/>");
  host.run_until([&] {
    return std::count_if(bob.received.begin(), bob.received.end(),
                         [](const Element& e) { return e.name() == "message"; }) == 2;
  });
  std::vector<std::string> ids;
  for (const auto& e : host.take(bob))
    if (e.name() == "message") ids.emplace_back(e.attr("id"));
  BOOST_TEST(ids == (std::vector<std::string>{"r1", "r2"}));
  BOOST_TEST(bob.available);
  // Now available: the next message is delivered, not stored.
  host.send(alice, "<message to='bob@example.org' type='chat' id='r3'><body>three</body></message>");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].child("delay", ns::kDelay) == nullptr);
  wait_stored(host, "bob", 0);
  BOOST_TEST(stored_count(host, "bob") == 0);
}
