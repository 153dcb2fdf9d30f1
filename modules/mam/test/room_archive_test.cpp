// XEP-0313 on rooms: the mam module on the room host gives logged rooms (XEP-0045
// muc#roomconfig_enablelogging) their stanza ids, history and MAM queries from the one
// archive; driven through the real router with the muc module, the archive service and SQLite.
#define BOOST_TEST_MODULE room_archive
#include <boost/test/unit_test.hpp>

#include "test_host.hpp"
#include "xmppd/archive.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

constexpr char kRoom[] = "rada@conference.example.org";
constexpr char kMucUser[] = "http://jabber.org/protocol/muc#user";
constexpr char kMam[] = "urn:xmpp:mam:2";
constexpr char kSid[] = "urn:xmpp:sid:0";

std::vector<HostSpec> hosts() {
  HostSpec accounts{"example.org", {"mam"}, {}, false};
  HostSpec rooms{"conference.example.org", {"muc", "mam"}, {}, false};
  return {accounts, rooms};
}

std::string field(const std::string& var, const std::string& value) {
  return "<field var='" + var + "'><value>" + value + "</value></field>";
}

struct Fixture {
  TestHost host{hosts()};
  FakeSession& alice = host.connect("alice@example.org/pc");
  FakeSession& bob = host.connect("bob@example.org/pc");
  FakeSession& eve = host.connect("eve@example.org/pc");

  void join(FakeSession& s, const std::string& nick, const std::string& room = kRoom) {
    host.send(s, "<presence to='" + room + "/" + nick + "'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
  }
  // alice creates the room with `fields` (muc#roomconfig).
  void make_room(const std::string& fields, const std::string& room = kRoom) {
    join(alice, "alice", room);
    Element r = host.iq(alice, "<iq type='set' id='cfg' to='" + room +
                                   "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
                                   "type='submit'>" +
                                   field("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig") + fields +
                                   "</x></query></iq>");
    BOOST_REQUIRE_EQUAL(r.attr("type"), "result");
    host.take(alice);
  }
  // Sends a groupchat message; returns the room's stanza id of the copy the sender got.
  std::string say(FakeSession& s, const std::string& body, const std::string& room = kRoom) {
    host.take(s);
    host.send(s, "<message type='groupchat' to='" + room + "'><body>" + body + "</body></message>");
    for (auto& e : host.take(s))
      if (const Element* sid = e.child("stanza-id", kSid)) return std::string(sid->attr("id"));
    BOOST_FAIL("no stanza-id on the echo");
    return {};
  }
  ArchivePage archive_of(const std::string& owner) {
    host.settle();
    ArchiveQuery q;
    q.owner = owner;
    return host.wait(host.core().archive().query(q));
  }
  // A MAM query to the room: the result messages; the IQ reply in `reply`.
  std::vector<Element> query(FakeSession& s, Element& reply, const std::string& inner = {}) {
    host.settle();
    host.take(s);
    reply = host.iq(s, std::string("<iq type='set' id='q' to='") + kRoom + "'><query xmlns='urn:xmpp:mam:2' queryid='f'>" +
                           inner + "</query></iq>");
    std::vector<Element> out;
    for (auto& e : host.take(s))
      if (e.name() == "message") out.push_back(e);
    return out;
  }
};

std::string error_condition(const Element& stanza) {
  const Element* e = stanza.child("error", ns::kClient);
  const Element* c = e ? e->first_child_element() : nullptr;
  return c ? c->name() : "";
}

const Element* forwarded_message(const Element& result) {
  const Element* r = result.child("result", kMam);
  const Element* f = r ? r->child("forwarded", ns::kForward) : nullptr;
  return f ? f->child("message", ns::kClient) : nullptr;
}

const Element* real_jid_item(const Element& message) {
  const Element* x = message.child("x", kMucUser);
  return x ? x->child("item", kMucUser) : nullptr;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(logged_room_stanza_id_is_the_archive_id_and_kept_with_the_real_jid, Fixture) {
  make_room(field("muc#roomconfig_enablelogging", "1"));
  std::string sid = say(alice, "Dzień dobry");
  // A message without a body (a chat state) gets an id too, which must not hold back the next.
  host.send(alice, std::string("<message type='groupchat' to='") + kRoom +
                       "'><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  std::string sid2 = say(alice, "Drugi");
  ArchivePage page = archive_of(kRoom);
  BOOST_REQUIRE_EQUAL(page.records.size(), 2u);
  BOOST_TEST(std::to_string(page.records[0].id) == sid);
  BOOST_TEST(std::to_string(page.records[1].id) == sid2);
  BOOST_TEST(page.records[0].with_resource == "alice");
  BOOST_TEST((page.records[0].direction == ArchiveDirection::room));
  auto stored = parse_element(page.records[0].xml);
  BOOST_REQUIRE(stored);
  BOOST_REQUIRE(real_jid_item(*stored));
  BOOST_TEST(real_jid_item(*stored)->attr("jid") == "alice@example.org");
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_2_15_a_message_said_while_history_is_read_comes_after_it_and_once, Fixture) {
  make_room(field("muc#roomconfig_enablelogging", "1"));
  say(alice, "przed");
  host.settle();
  // bob's join and alice's next message arrive together: bob's history is still being read from
  // the archive (a storage round trip) when the message is broadcast to him.
  host.send_together({{&bob, "<presence to='" + std::string(kRoom) + "/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>"},
                      {&alice, "<message type='groupchat' to='" + std::string(kRoom) + "'><body>w trakcie</body></message>"}});
  std::vector<std::string> seen;  // what bob's client shows, in order
  for (const Element& e : host.take(bob)) {
    if (e.name() != "message") continue;
    if (e.child("subject", ns::kClient)) seen.push_back("(subject)");
    else seen.push_back(e.child_text("body", ns::kClient) + (e.child("delay", ns::kDelay) ? " (history)" : ""));
  }
  // §7.2.15 history, §7.2.16 the subject, then live traffic; nothing twice.
  BOOST_TEST((seen == std::vector<std::string>{"przed (history)", "(subject)", "w trakcie"}));
}

BOOST_FIXTURE_TEST_CASE(unlogged_room_keeps_nothing_in_the_archive_and_offers_no_mam, Fixture) {
  make_room("");
  say(alice, "ulotne");
  BOOST_TEST(archive_of(kRoom).records.empty());
  Element info = host.iq(bob, std::string("<iq type='get' id='d' to='") + kRoom +
                                  "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  bool mam = false;
  for (const Element* f : info.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
    mam |= f->attr("var") == kMam;
  BOOST_TEST(!mam);
}

BOOST_FIXTURE_TEST_CASE(xep0313_room_query_hides_real_jids_from_participants_and_shows_moderators, Fixture) {
  make_room(field("muc#roomconfig_enablelogging", "1"));
  join(bob, "bob");
  say(bob, "Pytanie");
  Element reply("iq", ns::kClient);
  auto results = query(bob, reply);
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(results[0].attr("from") == kRoom);
  const Element* m = forwarded_message(results[0]);
  BOOST_REQUIRE(m);
  BOOST_TEST(m->attr("from") == std::string(kRoom) + "/bob");
  BOOST_TEST(!real_jid_item(*m));
  results = query(alice, reply);  // the owner, a moderator
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_REQUIRE(real_jid_item(*forwarded_message(results[0])));
  BOOST_TEST(real_jid_item(*forwarded_message(results[0]))->attr("jid") == "bob@example.org");
}

BOOST_FIXTURE_TEST_CASE(xep0313_members_only_room_refuses_an_outsider, Fixture) {
  make_room(field("muc#roomconfig_enablelogging", "1") + field("muc#roomconfig_membersonly", "1"));
  say(alice, "Tajne");
  Element reply("iq", ns::kClient);
  auto results = query(eve, reply);
  BOOST_TEST(results.empty());
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "forbidden");
}

BOOST_FIXTURE_TEST_CASE(a_room_recreated_under_the_same_name_does_not_read_the_old_archive, Fixture) {
  make_room(field("muc#roomconfig_enablelogging", "1"));
  say(alice, "stary");
  Element r = host.iq(alice, std::string("<iq type='set' id='x' to='") + kRoom +
                                 "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
  BOOST_REQUIRE_EQUAL(r.attr("type"), "result");
  BOOST_TEST(archive_of(kRoom).records.size() == 1u);  // kept for retention
  host.take(alice);
  make_room(field("muc#roomconfig_enablelogging", "1"));
  say(alice, "nowy");
  Element reply("iq", ns::kClient);
  auto results = query(alice, reply);
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_TEST(forwarded_message(results[0])->child_text("body", ns::kClient) == "nowy");
  // History on join too.
  join(bob, "bob");
  int bodies = 0;
  for (auto& e : host.take(bob))
    if (e.name() == "message" && e.child("body", ns::kClient)) {
      ++bodies;
      BOOST_TEST(e.child_text("body", ns::kClient) == "nowy");
    }
  BOOST_TEST(bodies == 1);
}
