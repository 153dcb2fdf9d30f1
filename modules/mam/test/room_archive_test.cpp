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
constexpr char kPeriod[] = "{urn:xmppd:muc:0}archive_expires_after";
constexpr std::int64_t kDay = 86'400'000'000;

std::vector<HostSpec> hosts() {
  HostSpec accounts{"example.org", {"mam"}, {}, false};
  // Retention: rooms may choose their own archive period up to 90 days (the host's is 30).
  HostSpec rooms{"conference.example.org",
                 {"muc", "mam"},
                 {{"mam", {{"archive_expires_after", "30d"}, {"room_archive_expires_after_max", "90d"}}}},
                 false};
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
  // Submits `fields` (muc#roomconfig) as the owner; the reply.
  Element configure(const std::string& fields, const std::string& room = kRoom) {
    Element r = host.iq(alice, "<iq type='set' id='cfg' to='" + room +
                                   "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
                                   "type='submit'>" +
                                   field("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig") + fields +
                                   "</x></query></iq>");
    host.take(alice);
    return r;
  }
  // The archive period field of the room's configuration form (XEP-0045 §10.2).
  Element period_field(const std::string& room = kRoom) {
    Element r = host.iq(alice, "<iq type='get' id='form' to='" + room +
                                   "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
    const Element* q = r.child("query", "http://jabber.org/protocol/muc#owner");
    const Element* x = q ? q->child("x", ns::kDataForms) : nullptr;
    if (x)
      for (const Element* f : x->elements("field", ns::kDataForms))
        if (f->attr("var") == kPeriod) return *f;
    BOOST_FAIL("the configuration form has no archive period");
    return Element("field", ns::kDataForms);
  }
  // One retention run on the room host as the mam module's job makes it, at `now`.
  std::int64_t purge_at(std::int64_t now) {
    host.settle();
    return host.wait(host.core().archive().purge(
        ArchivePurge{"message", "conference.example.org", now - 30 * kDay, now, 90 * kDay}));
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

// Issue 5, per-room archive periods. The room's own period is a field of the configuration form
// (XEP-0045 §10.2) that XEP-0045 does not define, so it is ours, in Clark notation (XEP-0068
// §3.4, §4.2): a list-single of the host's default and the usual periods up to the operator's
// bound; a longer or malformed one is not-acceptable (XEP-0045 §10.2: a value beyond the
// service's policy).
BOOST_FIXTURE_TEST_CASE(xep0045_10_2_archive_period_offers_periods_up_to_the_bound_and_refuses_longer, Fixture) {
  make_room(field("muc#roomconfig_enablelogging", "1"));
  Element f = period_field();
  BOOST_TEST(f.attr("type") == "list-single");
  BOOST_TEST(f.child_text("value", ns::kDataForms) == "default");
  std::vector<std::string> options, labels;
  for (const Element* o : f.elements("option", ns::kDataForms)) {
    options.push_back(o->child_text("value", ns::kDataForms));
    labels.push_back(std::string(o->attr("label")));
  }
  BOOST_TEST((options == std::vector<std::string>{"default", "1d", "7d", "30d", "90d"}));
  BOOST_TEST(labels[0] == "The service's default (30 days)");
  BOOST_TEST(labels[2] == "7 days");
  for (const char* bad : {"180d", "91d", "soon", "0s"}) {
    Element r = configure(field(kPeriod, bad));
    BOOST_TEST(r.attr("type") == "error", bad);
    BOOST_TEST(error_condition(r) == "not-acceptable", bad);
    BOOST_TEST(r.child("error", ns::kClient)->attr("type") == "modify", bad);
  }
  BOOST_TEST(period_field().child_text("value", ns::kDataForms) == "default");  // nothing changed
  BOOST_TEST(configure(field(kPeriod, "36h")).attr("type") == "result");  // any duration within the bound
  f = period_field();
  BOOST_TEST(f.child_text("value", ns::kDataForms) == "36h");
  options.clear();
  for (const Element* o : f.elements("option", ns::kDataForms)) options.push_back(o->child_text("value", ns::kDataForms));
  BOOST_TEST((options == std::vector<std::string>{"default", "1d", "36h", "7d", "30d", "90d"}));
  // Occupants see how long a logged room keeps their messages (disco#info, XEP-0128).
  Element info = host.iq(bob, std::string("<iq type='get' id='d' to='") + kRoom +
                                  "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  std::string shown;
  for (const Element* x : info.child("query", ns::kDiscoInfo)->elements("x", ns::kDataForms))
    for (const Element* g : x->elements("field", ns::kDataForms))
      if (g->attr("var") == kPeriod) shown = g->child_text("value", ns::kDataForms);
  BOOST_TEST(shown == "36h");
}

// The purge honours a room's own period: a room with a day loses a two-day-old message that the
// room on the host's 30 days keeps, and one with 60 days keeps a 40-day-old message the host's
// period would have taken.
BOOST_FIXTURE_TEST_CASE(a_rooms_own_period_is_what_the_purge_applies_to_its_messages, Fixture) {
  const std::string short_room = "krotki@conference.example.org", long_room = "dlugi@conference.example.org";
  make_room(field("muc#roomconfig_enablelogging", "1") + field(kPeriod, "1d"), short_room);
  make_room(field("muc#roomconfig_enablelogging", "1") + field(kPeriod, "60d"), long_room);
  make_room(field("muc#roomconfig_enablelogging", "1"));
  say(alice, "krótko", short_room);
  say(alice, "długo", long_room);
  say(alice, "domyślnie");
  std::int64_t now = host.core().now_us();
  BOOST_TEST(purge_at(now + 2 * kDay) == 1);
  BOOST_TEST(archive_of(short_room).records.empty());
  BOOST_TEST(archive_of(long_room).records.size() == 1u);
  BOOST_TEST(archive_of(kRoom).records.size() == 1u);
  BOOST_TEST(purge_at(now + 40 * kDay) == 1);  // the host's 30 days
  BOOST_TEST(archive_of(long_room).records.size() == 1u);
  BOOST_TEST(archive_of(kRoom).records.empty());
  // Back to the default: the host's period again.
  BOOST_TEST(configure(field(kPeriod, "default"), long_room).attr("type") == "result");
  BOOST_TEST(purge_at(now + 40 * kDay) == 1);
  BOOST_TEST(archive_of(long_room).records.empty());
}

// A destroyed room's records keep the period it had (they stay until it passes, as before); a room
// created again under the same name starts on the host's period, and its records follow that.
BOOST_FIXTURE_TEST_CASE(a_destroyed_rooms_records_keep_its_period_and_its_successor_has_its_own, Fixture) {
  make_room(field("muc#roomconfig_enablelogging", "1") + field(kPeriod, "1d"));
  say(alice, "stary");
  Element r = host.iq(alice, std::string("<iq type='set' id='x' to='") + kRoom +
                                 "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
  BOOST_REQUIRE_EQUAL(r.attr("type"), "result");
  host.take(alice);
  make_room(field("muc#roomconfig_enablelogging", "1"));
  BOOST_TEST(period_field().child_text("value", ns::kDataForms) == "default");
  say(alice, "nowy");
  BOOST_TEST(archive_of(kRoom).records.size() == 2u);
  BOOST_TEST(purge_at(host.core().now_us() + 2 * kDay) == 1);
  ArchivePage page = archive_of(kRoom);
  BOOST_REQUIRE_EQUAL(page.records.size(), 1u);
  auto kept = parse_element(page.records[0].xml);
  BOOST_REQUIRE(kept);
  BOOST_TEST(kept->child_text("body", ns::kClient) == "nowy");
}
