// XEP-0313 archives, XEP-0359 stanza ids, XEP-0059 paging and XEP-0431 search, driven through the
// real router, the archive service and SQLite storage.
#define BOOST_TEST_MODULE mam
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "stub_presence.hpp"
#include "test_host.hpp"
#include "xmppd/archive.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

constexpr char kMam[] = "urn:xmpp:mam:2";
constexpr char kSid[] = "urn:xmpp:sid:0";
constexpr char kRsm[] = "http://jabber.org/protocol/rsm";

struct Fixture {
  TestHost host{std::vector<std::string>{"mam", "offline", "stub_presence"}};
  FakeSession* alice = nullptr;
  FakeSession* bob = nullptr;
  Fixture() {
    host.create_account("alice@example.org");
    host.create_account("bob@example.org");
    alice = &host.connect("alice@example.org/desk");
    bob = &host.connect("bob@example.org/phone");
    host.send(*alice, "<presence/>");
    host.send(*bob, "<presence/>");
    host.take(*alice), host.take(*bob);
  }
  // Sends and waits until the sender's acknowledgement holds are released: the archive
  // records are committed then.
  void send_durable(FakeSession& from, const std::string& xml) {
    host.send(from, xml);
    host.run_until([&] { return *from.ack_holds_live == 0; });
  }
  ArchivePage archive_of(const std::string& owner) {
    ArchiveQuery q;
    q.owner = owner;
    return host.wait(host.core().archive().query(q));
  }
  // A MAM query; returns the result messages and puts the IQ reply in `reply`.
  std::vector<Element> query(FakeSession& s, const std::string& inner, Element& reply,
                             const std::string& to = {}) {
    host.take(s);
    reply = host.iq(s, "<iq type='set' id='q1'" + (to.empty() ? std::string() : " to='" + to + "'") +
                           "><query xmlns='urn:xmpp:mam:2' queryid='f1'>" + inner + "</query></iq>");
    std::vector<Element> results;
    for (auto& e : host.take(s))
      if (e.name() == "message") results.push_back(e);
    return results;
  }
};

std::string form(const std::string& fields) {
  return "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>" +
         fields + "</x>";
}
std::string field(const std::string& var, const std::string& value) {
  return "<field var='" + var + "'><value>" + value + "</value></field>";
}
std::string body_of(const Element& result_message) {
  const Element* fwd = result_message.child("result", kMam)->child("forwarded", ns::kForward);
  return fwd->child("message", ns::kClient)->child_text("body", ns::kClient);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(xep0359_receiver_gets_the_stanza_id_of_its_archive_and_both_archives_keep_it, Fixture) {
  send_durable(*alice, "<message to='bob@example.org' type='chat' id='m1'><body>Dzień dobry</body></message>");
  auto got = host.take(*bob);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  const Element* sid = got[0].child("stanza-id", kSid);
  BOOST_TEST_REQUIRE(sid);
  BOOST_TEST(sid->attr("by") == "bob@example.org");
  auto bobs = archive_of("bob@example.org");
  BOOST_TEST_REQUIRE(bobs.records.size() == 1u);
  BOOST_TEST(std::to_string(bobs.records[0].id) == sid->attr("id"));
  BOOST_TEST(bobs.records[0].with == "alice@example.org");
  BOOST_TEST((bobs.records[0].direction == ArchiveDirection::incoming));
  auto alices = archive_of("alice@example.org");
  BOOST_TEST_REQUIRE(alices.records.size() == 1u);
  BOOST_TEST((alices.records[0].direction == ArchiveDirection::outgoing));
  BOOST_TEST(alices.records[0].with == "bob@example.org");
  BOOST_TEST(alice->ack_holds_taken >= 1);  // XEP-0198: the ack waited for the commit
}

BOOST_FIXTURE_TEST_CASE(xep0359_5_a_forged_stanza_id_by_the_receivers_archive_is_removed, Fixture) {
  send_durable(*alice,
               "<message to='bob@example.org' type='chat'><body>x</body>"
               "<stanza-id xmlns='urn:xmpp:sid:0' by='bob@example.org' id='forged'/>"
               "<stanza-id xmlns='urn:xmpp:sid:0' by='other.example' id='kept'/></message>");
  auto got = host.take(*bob);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  int ours = 0;
  for (const Element* s : got[0].elements("stanza-id", kSid)) {
    if (s->attr("by") != "bob@example.org") continue;
    ++ours;
    BOOST_TEST(s->attr("id") != "forged");
  }
  BOOST_TEST(ours == 1);
}

BOOST_FIXTURE_TEST_CASE(xep0313_5_1_1_chat_states_groupchat_and_no_store_are_not_archived, Fixture) {
  send_durable(*alice, "<message to='bob@example.org' type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  send_durable(*alice, "<message to='bob@example.org' type='chat'><body>nie</body><no-store xmlns='urn:xmpp:hints'/></message>");
  send_durable(*alice, "<message to='bob@example.org' type='headline'><body>nie</body></message>");
  host.settle();
  BOOST_TEST(archive_of("bob@example.org").records.empty());
  BOOST_TEST(archive_of("alice@example.org").records.empty());
}

BOOST_FIXTURE_TEST_CASE(xep0313_4_query_returns_results_then_fin_with_rsm_paging, Fixture) {
  for (int i = 0; i < 25; ++i)
    send_durable(*alice, "<message to='bob@example.org' type='chat'><body>msg " + std::to_string(i) + "</body></message>");
  Element reply;
  auto results = query(*bob, form("") + "<set xmlns='http://jabber.org/protocol/rsm'><max>10</max></set>", reply);
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST_REQUIRE(results.size() == 10u);
  BOOST_TEST(results[0].attr("from") == "bob@example.org");
  BOOST_TEST(results[0].attr("to") == "bob@example.org/phone");
  BOOST_TEST(results[0].child("result", kMam)->attr("queryid") == "f1");
  BOOST_TEST(body_of(results[0]) == "msg 0");
  const Element* fin = reply.child("fin", kMam);
  BOOST_TEST_REQUIRE(fin);
  BOOST_TEST(!fin->has_attr("complete"));
  const Element* set = fin->child("set", kRsm);
  BOOST_TEST(set->child_text("count", kRsm) == "25");
  BOOST_TEST(set->child("first", kRsm)->attr("index") == "0");
  std::string last = set->child_text("last", kRsm);
  BOOST_TEST(last == results[9].child("result", kMam)->attr("id"));

  results = query(*bob, form("") + "<set xmlns='http://jabber.org/protocol/rsm'><max>20</max><after>" + last + "</after></set>", reply);
  BOOST_TEST_REQUIRE(results.size() == 15u);
  BOOST_TEST(body_of(results[0]) == "msg 10");
  BOOST_TEST(reply.child("fin", kMam)->attr("complete") == "true");

  // XEP-0059 §2.5: <before/> empty gives the last page, still oldest first.
  results = query(*bob, form("") + "<set xmlns='http://jabber.org/protocol/rsm'><max>3</max><before/></set>", reply);
  BOOST_TEST_REQUIRE(results.size() == 3u);
  BOOST_TEST(body_of(results[0]) == "msg 22");
  BOOST_TEST(body_of(results[2]) == "msg 24");
}

BOOST_FIXTURE_TEST_CASE(xep0431_search_is_folded_like_the_archive, Fixture) {
  send_durable(*alice, "<message to='bob@example.org' type='chat'><body>Zażółć gęślą jaźń</body></message>");
  send_durable(*alice, "<message to='bob@example.org' type='chat'><body>Inna wiadomość</body></message>");
  Element reply;
  auto results = query(*bob, form(field("{urn:xmpp:fulltext:0}fulltext", "ZAŻÓŁĆ")), reply);
  BOOST_TEST_REQUIRE(results.size() == 1u);
  BOOST_TEST(body_of(results[0]) == "Zażółć gęślą jaźń");
  results = query(*bob, form(field("{urn:xmpp:fulltext:0}fulltext", "zazolc gesla jazn") + field("with", "alice@example.org")), reply);
  BOOST_TEST(results.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0313_4_nobody_reads_an_archive_not_theirs, Fixture) {
  send_durable(*alice, "<message to='bob@example.org' type='chat'><body>prywatne</body></message>");
  Element reply;
  auto results = query(*alice, form(""), reply, "bob@example.org");
  BOOST_TEST(results.empty());
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(reply.child("error", ns::kClient)->child("forbidden", ns::kStanzaErrors));
}

BOOST_FIXTURE_TEST_CASE(xep0313_4_1_bad_form_values_are_bad_requests, Fixture) {
  Element reply;
  query(*bob, form(field("start", "yesterday")), reply);
  BOOST_TEST(reply.child("error", ns::kClient)->child("bad-request", ns::kStanzaErrors));
  query(*bob, form(field("after-id", "not-an-id")), reply);
  BOOST_TEST(reply.child("error", ns::kClient)->child("item-not-found", ns::kStanzaErrors));
  query(*bob, form(field("unknown", "x")), reply);
  BOOST_TEST(reply.child("error", ns::kClient)->child("bad-request", ns::kStanzaErrors));
}

BOOST_FIXTURE_TEST_CASE(xep0313_6_prefs_never_stops_archiving_and_no_stanza_id_is_added, Fixture) {
  Element r = host.iq(*bob, "<iq type='set' id='p1'><prefs xmlns='urn:xmpp:mam:2' default='never'><always/><never/></prefs></iq>");
  BOOST_TEST(r.attr("type") == "result");
  BOOST_TEST(r.child("prefs", kMam)->attr("default") == "never");
  host.take(*bob);
  send_durable(*alice, "<message to='bob@example.org' type='chat'><body>nie archiwizuj</body></message>");
  auto got = host.take(*bob);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(!got[0].child("stanza-id", kSid));
  BOOST_TEST(archive_of("bob@example.org").records.empty());
  BOOST_TEST(archive_of("alice@example.org").records.size() == 1u);  // alice's own prefs: always
  r = host.iq(*bob, "<iq type='get' id='p2'><prefs xmlns='urn:xmpp:mam:2'/></iq>");
  BOOST_TEST(r.child("prefs", kMam)->attr("default") == "never");
}

BOOST_FIXTURE_TEST_CASE(xep0313_6_prefs_roster_archives_contacts_only, Fixture) {
  host.create_account("carol@example.org");
  auto& carol = host.connect("carol@example.org/c");
  host.iq(*bob, "<iq type='set' id='p1'><prefs xmlns='urn:xmpp:mam:2' default='roster'/></iq>");
  RosterItem item;
  item.jid = "alice@example.org";
  host.wait(host.storage().roster().put("example.org", "bob", item));
  send_durable(*alice, "<message to='bob@example.org' type='chat'><body>od znajomej</body></message>");
  send_durable(carol, "<message to='bob@example.org' type='chat'><body>od obcej</body></message>");
  host.settle();
  auto bobs = archive_of("bob@example.org");
  BOOST_TEST_REQUIRE(bobs.records.size() == 1u);
  BOOST_TEST(bobs.records[0].with == "alice@example.org");
}

BOOST_FIXTURE_TEST_CASE(xep0160_offline_messages_are_archived_too, Fixture) {
  host.disconnect(*bob);
  send_durable(*alice, "<message to='bob@example.org' type='chat'><body>gdy cię nie było</body></message>");
  auto bobs = archive_of("bob@example.org");
  BOOST_TEST_REQUIRE(bobs.records.size() == 1u);
  auto& phone = host.connect("bob@example.org/phone2");
  host.send(phone, "<presence/>");
  host.run_until([&] { return !phone.received.empty(); });
  const Element* sid = phone.received[0].child("stanza-id", kSid);
  BOOST_TEST_REQUIRE(sid);
  BOOST_TEST(sid->attr("id") == std::to_string(bobs.records[0].id));
}

BOOST_FIXTURE_TEST_CASE(archive_writes_ids_in_order_an_undecided_id_holds_back_later_ones, Fixture) {
  Archive& archive = host.core().archive();
  std::int64_t a = archive.reserve();
  std::int64_t b = archive.reserve();
  BOOST_TEST(b > a);
  ArchiveRecord rec;
  rec.owner = "carol@example.org";
  rec.with = "dave@example.org";
  rec.xml = "<message xmlns='jabber:client'><body>b</body></message>";
  rec.text = "b";
  bool b_durable = false;
  archive.commit(b, rec, [&](std::exception_ptr e) { b_durable = !e; });
  host.settle();
  BOOST_TEST(!b_durable);
  BOOST_TEST(archive_of("carol@example.org").records.empty());  // b waits for a
  archive.release(a);
  host.run_until([&] { return b_durable; });
  auto page = archive_of("carol@example.org");
  BOOST_TEST_REQUIRE(page.records.size() == 1u);
  BOOST_TEST(page.records[0].id == b);
}

BOOST_FIXTURE_TEST_CASE(xep0313_7_mam_and_search_are_advertised_on_the_account, Fixture) {
  Element r = host.iq(*bob, "<iq type='get' id='d1' to='bob@example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  std::vector<std::string> features;
  for (const Element* f : r.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
    features.emplace_back(f->attr("var"));
  for (const char* f : {"urn:xmpp:mam:2", "urn:xmpp:mam:2#extended", "urn:xmpp:fulltext:0", "urn:xmpp:sid:0"})
    BOOST_TEST((std::find(features.begin(), features.end(), f) != features.end()), f);
  r = host.iq(*bob, "<iq type='get' id='f1'><query xmlns='urn:xmpp:mam:2'/></iq>");
  bool fulltext = false;
  for (const Element* f : r.child("query", kMam)->child("x", ns::kDataForms)->elements("field", ns::kDataForms))
    fulltext |= f->attr("var") == "{urn:xmpp:fulltext:0}fulltext";
  BOOST_TEST(fulltext);
}
