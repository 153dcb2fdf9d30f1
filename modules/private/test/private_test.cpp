// XEP-0049 Private XML Storage, driven through the real router and SQLite storage.
#define BOOST_TEST_MODULE private
#include <boost/test/unit_test.hpp>

#include "test_host.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/storage.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

std::string error_condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return {};
  for (const auto& c : e->children())
    if (!c.is_text() && c.ns() == ns::kStanzaErrors && c.name() != "text") return c.name();
  return {};
}

const char* kBookmarksSet =
    "<iq type='set' id='s1'><query xmlns='jabber:iq:private'>"
    "<storage xmlns='storage:bookmarks'>"
    "<conference jid='konsultanci@conference.example.org' autojoin='true' name='Konsultanci Łódź'>"
    "<nick>anna</nick></conference></storage></query></iq>";

}  // namespace

BOOST_AUTO_TEST_CASE(xep0049_2_3_set_then_get_returns_the_stored_fragment) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  Element set = host.iq(alice, kBookmarksSet);
  BOOST_TEST(set.attr("type") == "result");
  BOOST_TEST(set.element_count() == 0u);

  Element got = host.iq(alice,
                        "<iq type='get' id='g1'><query xmlns='jabber:iq:private'>"
                        "<storage xmlns='storage:bookmarks'/></query></iq>");
  BOOST_TEST(got.attr("type") == "result");
  const Element* q = got.child("query", ns::kPrivate);
  BOOST_REQUIRE(q);
  const Element* storage = q->child("storage", "storage:bookmarks");
  BOOST_REQUIRE(storage);
  const Element* conf = storage->child("conference", "storage:bookmarks");
  BOOST_REQUIRE(conf);
  BOOST_TEST(conf->attr("jid") == "konsultanci@conference.example.org");
  BOOST_TEST(conf->attr("name") == "Konsultanci Łódź");
  BOOST_TEST(conf->child_text("nick", "storage:bookmarks") == "anna");
}

BOOST_AUTO_TEST_CASE(xep0049_2_3_get_with_nothing_stored_returns_the_empty_element) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  Element got = host.iq(alice,
                        "<iq type='get' id='g2'><query xmlns='jabber:iq:private'>"
                        "<exodus xmlns='exodus:prefs'/></query></iq>");
  BOOST_TEST(got.attr("type") == "result");
  const Element* q = got.child("query", ns::kPrivate);
  BOOST_REQUIRE(q);
  BOOST_REQUIRE_EQUAL(q->element_count(), 1u);
  const Element* e = q->child("exodus", "exodus:prefs");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->children().empty());
}

BOOST_AUTO_TEST_CASE(xep0049_namespaces_are_kept_apart) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  host.iq(alice, kBookmarksSet);
  host.iq(alice,
          "<iq type='set' id='s2'><query xmlns='jabber:iq:private'>"
          "<exodus xmlns='exodus:prefs'><defaultnick>Hamlet</defaultnick></exodus></query></iq>");
  Element prefs = host.iq(alice,
                          "<iq type='get' id='g3'><query xmlns='jabber:iq:private'>"
                          "<exodus xmlns='exodus:prefs'/></query></iq>");
  const Element* q = prefs.child("query", ns::kPrivate);
  BOOST_REQUIRE(q);
  BOOST_TEST(q->element_count() == 1u);
  BOOST_TEST(q->child("exodus", "exodus:prefs")->child_text("defaultnick", "exodus:prefs") == "Hamlet");
  BOOST_TEST(host.wait(host.storage().xml().get("example.org", "alice", "private:storage:bookmarks")).has_value());
  BOOST_TEST(host.wait(host.storage().xml().get("example.org", "alice", "private:exodus:prefs")).has_value());
}

BOOST_AUTO_TEST_CASE(xep0049_2_3_a_set_replaces_what_was_stored) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  host.iq(alice, kBookmarksSet);
  host.iq(alice, "<iq type='set' id='s3'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>");
  Element got = host.iq(alice,
                        "<iq type='get' id='g4'><query xmlns='jabber:iq:private'>"
                        "<storage xmlns='storage:bookmarks'/></query></iq>");
  const Element* storage = got.child("query", ns::kPrivate)->child("storage", "storage:bookmarks");
  BOOST_REQUIRE(storage);
  BOOST_TEST(storage->children().empty());
}

BOOST_AUTO_TEST_CASE(xep0049_2_3_set_may_hold_several_elements_of_one_namespace) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  Element set = host.iq(alice,
                        "<iq type='set' id='s4'><query xmlns='jabber:iq:private'>"
                        "<note xmlns='urn:example:notes'>jeden</note><note xmlns='urn:example:notes'>dwa</note>"
                        "</query></iq>");
  BOOST_TEST(set.attr("type") == "result");
  Element got = host.iq(alice,
                        "<iq type='get' id='g5'><query xmlns='jabber:iq:private'>"
                        "<note xmlns='urn:example:notes'/></query></iq>");
  auto notes = got.child("query", ns::kPrivate)->elements("note", "urn:example:notes");
  BOOST_REQUIRE_EQUAL(notes.size(), 2u);
  BOOST_TEST(notes[0]->text() == "jeden");
  BOOST_TEST(notes[1]->text() == "dwa");
}

BOOST_AUTO_TEST_CASE(xep0049_2_3_children_of_different_namespaces_are_bad_request) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  Element set = host.iq(alice,
                        "<iq type='set' id='s5'><query xmlns='jabber:iq:private'>"
                        "<a xmlns='urn:example:a'/><b xmlns='urn:example:b'/></query></iq>");
  BOOST_TEST(set.attr("type") == "error");
  BOOST_TEST(error_condition(set) == "bad-request");
  // A get asks for one namespace only (a client MUST NOT ask for more).
  Element get = host.iq(alice,
                        "<iq type='get' id='g6'><query xmlns='jabber:iq:private'>"
                        "<a xmlns='urn:example:a'/><b xmlns='urn:example:b'/></query></iq>");
  BOOST_TEST(get.attr("type") == "error");
  BOOST_TEST(error_condition(get) == "bad-request");
  BOOST_TEST(!host.wait(host.storage().xml().get("example.org", "alice", "private:urn:example:a")));
}

BOOST_AUTO_TEST_CASE(xep0049_2_3_query_without_a_child_is_not_acceptable) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  Element get = host.iq(alice, "<iq type='get' id='g7'><query xmlns='jabber:iq:private'/></iq>");
  BOOST_TEST(get.attr("type") == "error");
  BOOST_TEST(error_condition(get) == "not-acceptable");
  Element set = host.iq(alice, "<iq type='set' id='s6'><query xmlns='jabber:iq:private'/></iq>");
  BOOST_TEST(error_condition(set) == "not-acceptable");
}

BOOST_AUTO_TEST_CASE(xep0049_2_3_child_without_its_own_namespace_is_not_acceptable) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  // Unqualified: the child inherits jabber:iq:private.
  Element inherited = host.iq(alice, "<iq type='set' id='s7'><query xmlns='jabber:iq:private'><prefs/></query></iq>");
  BOOST_TEST(inherited.attr("type") == "error");
  BOOST_TEST(error_condition(inherited) == "not-acceptable");
  Element client = host.iq(alice,
                           "<iq type='set' id='s8'><query xmlns='jabber:iq:private'>"
                           "<message xmlns='jabber:client'/></query></iq>");
  BOOST_TEST(error_condition(client) == "not-acceptable");
  Element server = host.iq(alice,
                           "<iq type='get' id='g8'><query xmlns='jabber:iq:private'>"
                           "<x xmlns='jabber:server'/></query></iq>");
  BOOST_TEST(error_condition(server) == "not-acceptable");
}

BOOST_AUTO_TEST_CASE(xep0049_2_3_another_users_private_data_is_forbidden) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  auto& macbeth = host.connect("macbeth@example.org/castle");
  host.iq(alice, kBookmarksSet);
  Element set = host.iq(macbeth,
                        "<iq type='set' id='s9' to='alice@example.org'><query xmlns='jabber:iq:private'>"
                        "<storage xmlns='storage:bookmarks'/></query></iq>");
  BOOST_TEST(set.attr("type") == "error");
  BOOST_TEST(error_condition(set) == "forbidden");
  Element get = host.iq(macbeth,
                        "<iq type='get' id='g9' to='alice@example.org'><query xmlns='jabber:iq:private'>"
                        "<storage xmlns='storage:bookmarks'/></query></iq>");
  BOOST_TEST(get.attr("type") == "error");
  BOOST_TEST(error_condition(get) == "forbidden");
  BOOST_TEST(get.child("query", ns::kPrivate) == nullptr);  // nothing of alice's leaks
  // alice's bookmarks are untouched.
  Element own = host.iq(alice,
                        "<iq type='get' id='g10'><query xmlns='jabber:iq:private'>"
                        "<storage xmlns='storage:bookmarks'/></query></iq>");
  BOOST_TEST(own.child("query", ns::kPrivate)->child("storage", "storage:bookmarks")->element_count() == 1u);
}

BOOST_AUTO_TEST_CASE(xep0049_own_bare_jid_as_to_is_the_same_as_no_to) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  host.iq(alice, kBookmarksSet);
  Element got = host.iq(alice,
                        "<iq type='get' id='g11' to='alice@example.org'><query xmlns='jabber:iq:private'>"
                        "<storage xmlns='storage:bookmarks'/></query></iq>");
  BOOST_TEST(got.attr("type") == "result");
  BOOST_TEST(got.child("query", ns::kPrivate)->child("storage", "storage:bookmarks")->element_count() == 1u);
}

BOOST_AUTO_TEST_CASE(private_fragment_larger_than_max_size_is_not_acceptable) {
  HostSpec spec{"example.org", {"private"}, {{"private", {{"max_size", "1KiB"}}}}};
  TestHost host({spec});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='set' id='s10'><query xmlns='jabber:iq:private'><big xmlns='urn:example:big'>" +
                                     std::string(2000, 'x') + "</big></query></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "not-acceptable");
  BOOST_TEST(!host.wait(host.storage().xml().get("example.org", "alice", "private:urn:example:big")));
}

BOOST_AUTO_TEST_CASE(private_namespace_too_long_for_the_store_is_not_acceptable) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  std::string long_ns = "urn:example:" + std::string(300, 'n');
  Element reply = host.iq(alice, "<iq type='set' id='s11'><query xmlns='jabber:iq:private'><p xmlns='" + long_ns +
                                     "'/></query></iq>");
  BOOST_TEST(error_condition(reply) == "not-acceptable");
}

BOOST_AUTO_TEST_CASE(private_polish_characters_round_trip) {
  TestHost host({"private"});
  auto& alice = host.connect("alice@example.org/phone");
  const std::string text = "Zażółć gęślą jaźń — ŻÓŁW, Piotrków Trybunalski";
  host.iq(alice, "<iq type='set' id='s12'><query xmlns='jabber:iq:private'><n xmlns='urn:example:n' a='" + text +
                     "'>" + text + "</n></query></iq>");
  Element got = host.iq(alice, "<iq type='get' id='g12'><query xmlns='jabber:iq:private'><n xmlns='urn:example:n'/></query></iq>");
  const Element* n = got.child("query", ns::kPrivate)->child("n", "urn:example:n");
  BOOST_REQUIRE(n);
  BOOST_TEST(n->text() == text);
  BOOST_TEST(n->attr("a") == text);
}
