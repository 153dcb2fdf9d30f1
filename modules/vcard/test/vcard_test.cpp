// XEP-0054 vcard-temp, driven through the real router and SQLite storage.
#define BOOST_TEST_MODULE vcard
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

const char* kVCardSet =
    "<iq type='set' id='s1'><vCard xmlns='vcard-temp'>"
    "<FN>Anna Kowalska</FN><N><FAMILY>Kowalska</FAMILY><GIVEN>Anna</GIVEN></N>"
    "<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO>"
    "</vCard></iq>";

}  // namespace

BOOST_AUTO_TEST_CASE(xep0054_3_2_set_then_3_1_get_own_vcard_without_to) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  Element set = host.iq(alice, kVCardSet);
  BOOST_TEST(set.attr("type") == "result");
  BOOST_TEST(set.element_count() == 0u);

  Element got = host.iq(alice, "<iq type='get' id='g1'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(got.attr("type") == "result");
  const Element* v = got.child("vCard", ns::kVCard);
  BOOST_REQUIRE(v);
  BOOST_TEST(v->child_text("FN", ns::kVCard) == "Anna Kowalska");
  // The photo comes back as it was stored (the livechat shows consultants' photos from it).
  const Element* photo = v->child("PHOTO", ns::kVCard);
  BOOST_REQUIRE(photo);
  BOOST_TEST(photo->child_text("TYPE", ns::kVCard) == "image/png");
  BOOST_TEST(photo->child_text("BINVAL", ns::kVCard) == "iVBORw0KGgo=");
}

BOOST_AUTO_TEST_CASE(xep0054_3_1_get_own_vcard_addressed_to_own_bare_jid) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  host.iq(alice, kVCardSet);
  Element got = host.iq(alice, "<iq type='get' id='g2' to='alice@example.org'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(got.attr("type") == "result");
  BOOST_TEST(got.attr("from") == "alice@example.org");
  BOOST_REQUIRE(got.child("vCard", ns::kVCard));
  BOOST_TEST(got.child("vCard", ns::kVCard)->child_text("FN", ns::kVCard) == "Anna Kowalska");
}

BOOST_AUTO_TEST_CASE(xep0054_3_1_own_vcard_never_set_is_an_empty_vcard) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  Element got = host.iq(alice, "<iq type='get' id='g3'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(got.attr("type") == "result");
  const Element* v = got.child("vCard", ns::kVCard);
  BOOST_REQUIRE(v);
  BOOST_TEST(v->children().empty());
}

BOOST_AUTO_TEST_CASE(xep0054_3_3_get_another_users_vcard_is_answered_by_the_server) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  auto& bob = host.connect("bob@example.org/laptop");
  host.iq(alice, kVCardSet);
  host.take(alice);
  Element got = host.iq(bob, "<iq type='get' id='g4' to='alice@example.org'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(got.attr("type") == "result");
  BOOST_TEST(got.attr("from") == "alice@example.org");
  BOOST_REQUIRE(got.child("vCard", ns::kVCard));
  BOOST_TEST(got.child("vCard", ns::kVCard)->child_text("FN", ns::kVCard) == "Anna Kowalska");
  // RFC 6120 §10.3.3 / XEP-0054 §3.3: the server answers; alice's client never sees the IQ.
  BOOST_TEST(host.take(alice).empty());
}

BOOST_AUTO_TEST_CASE(xep0054_3_3_another_users_missing_vcard_is_item_not_found) {
  TestHost host({"vcard"});
  host.create_account("carol@example.org");
  auto& bob = host.connect("bob@example.org/laptop");
  Element existing = host.iq(bob, "<iq type='get' id='g5' to='carol@example.org'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(existing.attr("type") == "error");
  BOOST_TEST(error_condition(existing) == "item-not-found");
  // The same answer for an account that does not exist: no way to probe for accounts.
  Element absent = host.iq(bob, "<iq type='get' id='g6' to='nobody@example.org'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(error_condition(absent) == "item-not-found");
}

BOOST_AUTO_TEST_CASE(xep0054_3_2_setting_another_users_vcard_is_forbidden) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  auto& bob = host.connect("bob@example.org/laptop");
  Element reply = host.iq(bob,
                          "<iq type='set' id='s2' to='alice@example.org'>"
                          "<vCard xmlns='vcard-temp'><FN>Mallory</FN></vCard></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "forbidden");
  BOOST_TEST(reply.child("error", ns::kClient)->attr("type") == "auth");
  // Nothing was stored for alice.
  Element got = host.iq(alice, "<iq type='get' id='g7'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(got.child("vCard", ns::kVCard)->children().empty());
}

BOOST_AUTO_TEST_CASE(vcard_larger_than_max_size_is_not_acceptable) {
  HostSpec spec{"example.org", {"vcard"}, {{"vcard", {{"max_size", "1KiB"}}}}};
  TestHost host({spec});
  auto& alice = host.connect("alice@example.org/phone");
  std::string big(2000, 'A');
  Element reply = host.iq(alice, "<iq type='set' id='s3'><vCard xmlns='vcard-temp'><PHOTO><BINVAL>" + big +
                                     "</BINVAL></PHOTO></vCard></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "not-acceptable");
  // Under the limit it is stored.
  Element ok = host.iq(alice, "<iq type='set' id='s4'><vCard xmlns='vcard-temp'><FN>Anna</FN></vCard></iq>");
  BOOST_TEST(ok.attr("type") == "result");
}

BOOST_AUTO_TEST_CASE(vcard_polish_characters_round_trip) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  const std::string name = "Zażółć Gęślą Jaźń — Łódź, Skierniewice";
  Element set = host.iq(alice, "<iq type='set' id='s5'><vCard xmlns='vcard-temp'><FN>" + name +
                                   "</FN><ORG><ORGNAME>Punkt Informacyjny Funduszy Europejskich &amp; "
                                   "&lt;Sieradz&gt;</ORGNAME></ORG></vCard></iq>");
  BOOST_TEST(set.attr("type") == "result");
  Element got = host.iq(alice, "<iq type='get' id='g8'><vCard xmlns='vcard-temp'/></iq>");
  const Element* v = got.child("vCard", ns::kVCard);
  BOOST_REQUIRE(v);
  BOOST_TEST(v->child_text("FN", ns::kVCard) == name);
  BOOST_TEST(v->child("ORG", ns::kVCard)->child_text("ORGNAME", ns::kVCard) ==
             "Punkt Informacyjny Funduszy Europejskich & <Sieradz>");
}

BOOST_AUTO_TEST_CASE(vcard_is_stored_reserialised_from_the_parsed_tree) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  // A prefixed namespace declaration on the wire; the store keeps the tree's serialisation.
  host.iq(alice, "<iq type='set' id='s6'><v:vCard xmlns:v='vcard-temp'><v:FN>Anna</v:FN></v:vCard></iq>");
  auto stored = host.wait(host.storage().xml().get("example.org", "alice", "vcard-temp"));
  BOOST_REQUIRE(stored);
  BOOST_TEST(*stored == R"(<vCard xmlns="vcard-temp"><FN>Anna</FN></vCard>)");
}

BOOST_AUTO_TEST_CASE(xep0054_setting_an_empty_vcard_clears_the_stored_one) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  host.iq(alice, kVCardSet);
  Element clear = host.iq(alice, "<iq type='set' id='s7'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(clear.attr("type") == "result");
  BOOST_TEST(!host.wait(host.storage().xml().get("example.org", "alice", "vcard-temp")));
  Element got = host.iq(alice, "<iq type='get' id='g9'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(got.child("vCard", ns::kVCard)->children().empty());
}

BOOST_AUTO_TEST_CASE(vcards_of_accounts_are_not_readable_by_visitors_by_default) {
  HostSpec accounts{"example.org", {"vcard"}, {}};
  HostSpec visitors{"guest.example.org", {}, {}, true};
  TestHost host({accounts, visitors});
  auto& alice = host.connect("alice@example.org/phone");
  host.iq(alice, kVCardSet);
  auto& visitor = host.connect("x1@guest.example.org/web");
  Element reply =
      host.iq(visitor, "<iq type='get' id='g10' to='alice@example.org'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "forbidden");
}

BOOST_AUTO_TEST_CASE(vcards_are_readable_from_other_hosts_when_the_option_allows) {
  HostSpec accounts{"example.org", {"vcard"}, {{"vcard", {{"readable_from_other_hosts", "true"}}}}};
  HostSpec visitors{"guest.example.org", {}, {}, true};
  TestHost host({accounts, visitors});
  auto& alice = host.connect("alice@example.org/phone");
  host.iq(alice, kVCardSet);
  auto& visitor = host.connect("x1@guest.example.org/web");
  Element reply =
      host.iq(visitor, "<iq type='get' id='g11' to='alice@example.org'><vCard xmlns='vcard-temp'/></iq>");
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_REQUIRE(reply.child("vCard", ns::kVCard));
}

BOOST_AUTO_TEST_CASE(xep0054_4_vcard_temp_feature_is_advertised) {
  TestHost host({"vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='d1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  const Element* q = reply.child("query", ns::kDiscoInfo);
  BOOST_REQUIRE(q);
  bool found = false;
  for (const Element* f : q->elements("feature", ns::kDiscoInfo)) found |= f->attr("var") == ns::kVCard;
  BOOST_TEST(found);
}
