// XEP-0045 rooms driven through the real router (TestHost): what each client receives.
#define BOOST_TEST_MODULE muc
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <set>

#include "test_host.hpp"
#include "xmppd/muc.hpp"
#include "xmppd/namespaces.hpp"
#include "../memory_history.hpp"
#include "../room.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

constexpr char kRoom[] = "lobby@conference.example.org";
constexpr char kMucX[] = "<x xmlns='http://jabber.org/protocol/muc'/>";

std::vector<HostSpec> hosts(std::map<std::string, std::string> muc_options = {}) {
  HostSpec accounts{"example.org", {}, {}, false};
  HostSpec rooms{"conference.example.org", {"muc"}, {{"muc", muc_options}}, false};
  return {accounts, rooms};
}

std::set<int> codes(const Element& stanza) {
  std::set<int> out;
  if (const Element* x = stanza.child("x", muc::kMucUser))
    for (const Element* s : x->elements("status", muc::kMucUser)) out.insert(std::stoi(std::string(s->attr("code"))));
  return out;
}

const Element* item_of(const Element& presence) {
  const Element* x = presence.child("x", muc::kMucUser);
  return x ? x->child("item", muc::kMucUser) : nullptr;
}

std::string error_condition(const Element& stanza) {
  if (stanza.attr("type") != "error") return "";
  const Element* e = stanza.child("error", ns::kClient);
  const Element* c = e ? e->first_child_element() : nullptr;
  return c ? c->name() : "";
}

// The stanzas of one kind among `got`.
std::vector<Element> named(const std::vector<Element>& got, const std::string& name) {
  std::vector<Element> out;
  for (const auto& e : got)
    if (e.name() == name) out.push_back(e);
  return out;
}

void join(TestHost& host, FakeSession& s, const std::string& nick, const std::string& inner = kMucX) {
  host.send(s, "<presence to='" + std::string(kRoom) + "/" + nick + "'>" + inner + "</presence>");
}

// Alice creates the room and accepts the default configuration (§10.1.2 instant room).
void make_room(TestHost& host, FakeSession& owner, const std::string& nick = "alice") {
  join(host, owner, nick);
  Element r = host.iq(owner, "<iq type='set' id='inst' to='" + std::string(kRoom) +
                                 "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                                 "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
  BOOST_REQUIRE_EQUAL(r.attr("type"), "result");
  host.take(owner);
}

Element configure(TestHost& host, FakeSession& owner, const std::string& fields) {
  return host.iq(owner, "<iq type='set' id='cfg' to='" + std::string(kRoom) +
                            "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                            "<x xmlns='jabber:x:data' type='submit'>"
                            "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>" +
                            fields + "</x></query></iq>");
}

std::string field(const std::string& var, const std::string& value) {
  return "<field var='" + var + "'><value>" + value + "</value></field>";
}

// The service with three users online, where most cases start.
struct Users {
  TestHost host{hosts()};
  FakeSession& alice = host.connect("alice@example.org/pc");
  FakeSession& bob = host.connect("bob@example.org/pc");
  FakeSession& carol = host.connect("carol@example.org/pc");
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(xep0045_10_1_1_first_join_creates_a_locked_room_owned_by_the_creator, Users) {
  join(host, alice, "alice");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);  // its presence, then the (empty) subject
  BOOST_TEST(got[1].child("subject", ns::kClient) != nullptr);
  BOOST_TEST(got[0].attr("from") == std::string(kRoom) + "/alice");
  BOOST_TEST((codes(got[0]) == std::set<int>{110, 201}));
  BOOST_TEST(item_of(got[0])->attr("affiliation") == "owner");
  BOOST_TEST(item_of(got[0])->attr("role") == "moderator");
  // §10.1.1: nobody else enters a locked room.
  join(host, bob, "bob");
  auto refused = host.take(bob);
  BOOST_REQUIRE_EQUAL(refused.size(), 1u);
  BOOST_TEST(error_condition(refused[0]) == "item-not-found");
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_2_join_sends_occupants_then_own_presence_then_subject, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[0].attr("from") == std::string(kRoom) + "/alice");
  BOOST_TEST(!item_of(got[0])->has_attr("jid"));  // semi-anonymous: a participant sees no real JIDs
  BOOST_TEST(got[1].attr("from") == std::string(kRoom) + "/bob");
  BOOST_TEST((codes(got[1]) == std::set<int>{110}));
  BOOST_TEST(item_of(got[1])->attr("role") == "participant");
  BOOST_TEST(got[2].name() == "message");
  BOOST_TEST(got[2].child("subject", ns::kClient) != nullptr);  // §7.2.16: even an empty subject
  // The moderator sees bob's real JID (§7.2.4).
  auto to_alice = host.take(alice);
  BOOST_REQUIRE_EQUAL(to_alice.size(), 1u);
  BOOST_TEST(item_of(to_alice[0])->attr("jid") == "bob@example.org/pc");
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_1_join_without_muc_element_makes_an_instant_room, Users) {
  join(host, alice, "alice", "");
  join(host, bob, "bob");
  BOOST_TEST(error_condition(host.take(bob)[0]) == "");
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_4_groupchat_reaches_every_occupant_with_the_rooms_stanza_id, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  join(host, carol, "carol");
  host.take(alice), host.take(bob), host.take(carol);
  host.send(bob, "<message type='groupchat' to='" + std::string(kRoom) +
                     "'><body>Dzień dobry</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='" + kRoom +
                     "'/></message>");
  std::set<std::string> ids;
  for (FakeSession* s : {&alice, &bob, &carol}) {
    auto got = host.take(*s);
    BOOST_REQUIRE_EQUAL(got.size(), 1u);
    BOOST_TEST(got[0].attr("from") == std::string(kRoom) + "/bob");
    BOOST_TEST(got[0].attr("to") == s->jid().str());
    BOOST_TEST(got[0].child_text("body", ns::kClient) == "Dzień dobry");
    auto sids = got[0].elements("stanza-id", muc::kStanzaId);
    BOOST_REQUIRE_EQUAL(sids.size(), 1u);  // XEP-0359: the forged one is gone
    BOOST_TEST(sids[0]->attr("by") == kRoom);
    BOOST_TEST(sids[0]->attr("id") != "forged");
    ids.insert(std::string(sids[0]->attr("id")));
  }
  BOOST_TEST(ids.size() == 1u);
}

BOOST_AUTO_TEST_CASE(xep0045_7_4_outsider_cannot_send_to_the_room) {
  TestHost host(hosts());
  auto& alice = host.connect("alice@example.org/pc");
  auto& eve = host.connect("eve@example.org/pc");
  make_room(host, alice);
  host.send(eve, "<message type='groupchat' to='" + std::string(kRoom) + "'><body>hi</body></message>");
  auto got = host.take(eve);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(error_condition(got[0]) == "not-acceptable");
  BOOST_TEST(host.take(alice).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_2_9_nick_taken_by_another_user_is_a_conflict, Users) {
  make_room(host, alice);
  join(host, bob, "alice");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(error_condition(got[0]) == "conflict");
  BOOST_TEST(host.take(alice).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_6_nick_change_is_unavailable_with_303_then_available, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  host.take(alice), host.take(bob);
  host.send(bob, "<presence to='" + std::string(kRoom) + "/robert'/>");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].attr("type") == "unavailable");
  BOOST_TEST(got[0].attr("from") == std::string(kRoom) + "/bob");
  BOOST_TEST(item_of(got[0])->attr("nick") == "robert");
  BOOST_TEST(codes(got[0]).count(303) == 1u);
  BOOST_TEST(got[1].attr("from") == std::string(kRoom) + "/robert");
  auto self = host.take(bob);
  BOOST_REQUIRE_EQUAL(self.size(), 2u);
  BOOST_TEST((codes(self[0]) == std::set<int>{110, 303}));
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_14_leaving_is_announced_and_a_temporary_room_ends_empty, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  host.take(alice), host.take(bob);
  host.send(bob, "<presence type='unavailable' to='" + std::string(kRoom) + "/bob'><status>pa</status></presence>");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("type") == "unavailable");
  BOOST_TEST(got[0].child_text("status", ns::kClient) == "pa");
  BOOST_TEST((codes(host.take(bob)[0]) == std::set<int>{110}));
  host.send(alice, "<presence type='unavailable' to='" + std::string(kRoom) + "/alice'/>");
  // The room is gone: a new join creates it again.
  join(host, bob, "bob");
  BOOST_TEST(codes(named(host.take(bob), "presence").back()).count(201) == 1u);
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_2_15_history_on_join_honours_maxstanzas_with_delay, Users) {
  make_room(host, alice);
  for (int i = 1; i <= 5; ++i)
    host.send(alice, "<message type='groupchat' to='" + std::string(kRoom) + "'><body>m" + std::to_string(i) +
                         "</body></message>");
  join(host, bob, "bob", "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='2'/></x>");
  auto messages = named(host.take(bob), "message");
  BOOST_REQUIRE_EQUAL(messages.size(), 3u);  // two of history, then the subject
  BOOST_TEST(messages[0].child_text("body", ns::kClient) == "m4");
  BOOST_TEST(messages[1].child_text("body", ns::kClient) == "m5");
  BOOST_TEST(messages[0].child("delay", ns::kDelay)->attr("from") == kRoom);
  BOOST_TEST(messages[0].attr("to") == "bob@example.org/pc");
  BOOST_TEST(messages[2].child("subject", ns::kClient) != nullptr);
  // maxstanzas='0': no history at all.
  join(host, carol, "carol", "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>");
  BOOST_TEST(named(host.take(carol), "message").size() == 1u);
}

BOOST_AUTO_TEST_CASE(room_history_limits_by_stanzas_chars_time_and_room) {
  std::int64_t n = 0;
  muc::MemoryHistory h(4, [&] { return std::to_string(++n); });
  Jid room = *Jid::parse(kRoom);
  for (int i = 0; i < 6; ++i)
    h.append(room, RoomMessage{h.assign_id(room), 1000 * (i + 1), "a", "a@example.org", std::string(100, 'x')});
  HistoryRequest all;
  all.room_limit = 100;
  auto kept = h.select(room, all);
  BOOST_REQUIRE_EQUAL(kept.size(), 4u);  // only `keep` are kept
  BOOST_TEST(kept.front().stanza_id == "3");
  BOOST_TEST(kept.back().stanza_id == "6");
  HistoryRequest r = all;
  r.room_limit = 2;
  BOOST_TEST(h.select(room, r).size() == 2u);
  r = all;
  r.max_chars = 250;  // two stanzas of 100 fit, a third does not
  BOOST_TEST(h.select(room, r).size() == 2u);
  r = all;
  r.since_us = 5000;
  auto since = h.select(room, r);
  BOOST_REQUIRE_EQUAL(since.size(), 2u);
  BOOST_TEST(since.front().stanza_id == "5");
  h.forget(room);
  BOOST_TEST(h.select(room, all).empty());
}

BOOST_AUTO_TEST_CASE(xep0045_7_2_7_members_only_refuses_an_outsider_and_invitation_makes_a_member) {
  TestHost host(hosts());
  auto& alice = host.connect("alice@example.org/pc");
  auto& eve = host.connect("eve@example.org/pc");
  auto& bob = host.connect("bob@example.org/pc");
  bob.available = true;  // the invitation goes to his bare JID (RFC 6121 §8.5.2.1.1)
  make_room(host, alice);
  BOOST_TEST(configure(host, alice, field("muc#roomconfig_membersonly", "1")).attr("type") == "result");
  join(host, eve, "eve");
  auto got = host.take(eve);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(error_condition(got[0]) == "registration-required");
  // §7.8.2 mediated invitation
  host.take(alice);
  host.send(alice, "<message to='" + std::string(kRoom) +
                       "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob@example.org'>"
                       "<reason>Zapraszam</reason></invite></x></message>");
  auto inv = host.take(bob);
  BOOST_REQUIRE_EQUAL(inv.size(), 1u);
  BOOST_TEST(inv[0].attr("from") == kRoom);
  const Element* invite = inv[0].child("x", muc::kMucUser)->child("invite", muc::kMucUser);
  BOOST_REQUIRE(invite);
  BOOST_TEST(invite->attr("from") == "alice@example.org/pc");
  BOOST_TEST(invite->child_text("reason", muc::kMucUser) == "Zapraszam");
  join(host, bob, "bob");
  auto joined = host.take(bob);
  BOOST_TEST(error_condition(joined[0]) == "");
  BOOST_TEST(item_of(joined[1])->attr("affiliation") == "member");
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_2_6_password_protected_room_needs_the_password, Users) {
  make_room(host, alice);
  BOOST_TEST(configure(host, alice, field("muc#roomconfig_passwordprotectedroom", "1")).attr("type") == "error");
  BOOST_TEST(configure(host, alice, field("muc#roomconfig_passwordprotectedroom", "1") +
                                        field("muc#roomconfig_roomsecret", "tajne"))
                 .attr("type") == "result");
  join(host, bob, "bob");
  BOOST_TEST(error_condition(host.take(bob)[0]) == "not-authorized");
  join(host, bob, "bob", "<x xmlns='http://jabber.org/protocol/muc'><password>tajne</password></x>");
  BOOST_TEST(error_condition(host.take(bob)[0]) == "");
}

BOOST_FIXTURE_TEST_CASE(xep0045_8_2_moderator_kicks_with_307_and_a_participant_may_not, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  join(host, carol, "carol");
  host.take(alice), host.take(bob), host.take(carol);
  std::string kick_carol = "<iq type='set' id='k' to='" + std::string(kRoom) +
                           "'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='carol' role='none'>"
                           "<reason>spam</reason></item></query></iq>";
  BOOST_TEST(error_condition(host.iq(bob, kick_carol)) == "forbidden");
  host.take(bob);
  BOOST_TEST(host.iq(alice, kick_carol).attr("type") == "result");
  auto to_carol = host.take(carol);
  BOOST_REQUIRE_EQUAL(to_carol.size(), 1u);
  BOOST_TEST(to_carol[0].attr("type") == "unavailable");
  BOOST_TEST((codes(to_carol[0]) == std::set<int>{110, 307}));
  BOOST_TEST(item_of(to_carol[0])->child_text("reason", muc::kMucUser) == "spam");
  auto to_bob = host.take(bob);
  BOOST_REQUIRE_EQUAL(to_bob.size(), 1u);
  BOOST_TEST((codes(to_bob[0]) == std::set<int>{307}));
  // Kicked means gone: carol's messages are refused.
  host.send(carol, "<message type='groupchat' to='" + std::string(kRoom) + "'><body>x</body></message>");
  BOOST_TEST(error_condition(host.take(carol)[0]) == "not-acceptable");
}

BOOST_FIXTURE_TEST_CASE(xep0045_9_1_ban_removes_with_301_and_keeps_the_user_out, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  host.take(alice), host.take(bob);
  Element r = host.iq(alice, "<iq type='set' id='b' to='" + std::string(kRoom) +
                                 "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                                 "<item jid='bob@example.org' affiliation='outcast'/></query></iq>");
  BOOST_TEST(r.attr("type") == "result");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST((codes(got[0]) == std::set<int>{110, 301}));
  BOOST_TEST(item_of(got[0])->attr("affiliation") == "outcast");
  join(host, bob, "bob");
  BOOST_TEST(error_condition(host.take(bob)[0]) == "forbidden");
  // §9.2 the ban list
  Element list = host.iq(alice, "<iq type='get' id='bl' to='" + std::string(kRoom) +
                                     "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                                     "<item affiliation='outcast'/></query></iq>");
  auto items = list.child("query", muc::kMucAdmin)->elements("item", muc::kMucAdmin);
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0]->attr("jid") == "bob@example.org");
}

BOOST_FIXTURE_TEST_CASE(xep0045_8_3_voice_in_a_moderated_room, Users) {
  make_room(host, alice);
  configure(host, alice, field("muc#roomconfig_moderatedroom", "1"));
  join(host, bob, "bob");
  auto joined = host.take(bob);
  BOOST_TEST(item_of(joined[1])->attr("role") == "visitor");
  host.send(bob, "<message type='groupchat' to='" + std::string(kRoom) + "'><body>x</body></message>");
  BOOST_TEST(error_condition(host.take(bob)[0]) == "forbidden");
  host.iq(alice, "<iq type='set' id='v' to='" + std::string(kRoom) +
                     "'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='bob' role='participant'/></query></iq>");
  BOOST_TEST(item_of(host.take(bob)[0])->attr("role") == "participant");
  host.send(bob, "<message type='groupchat' to='" + std::string(kRoom) + "'><body>x</body></message>");
  BOOST_TEST(host.take(bob)[0].attr("type") == "groupchat");
}

BOOST_AUTO_TEST_CASE(affiliation_rules_admins_cannot_touch_owners_and_the_last_owner_stays) {
  muc::Room room(*Jid::parse(kRoom), MucRoomConfig{});
  Jid owner = *Jid::parse("o@example.org"), admin = *Jid::parse("a@example.org"), user = *Jid::parse("u@example.org");
  room.set_affiliation(owner, MucAffiliation::owner);
  room.set_affiliation(admin, MucAffiliation::admin);
  BOOST_TEST(room.check_affiliation_change(MucAffiliation::admin, owner, MucAffiliation::outcast)->condition == "not-allowed");
  BOOST_TEST(room.check_affiliation_change(MucAffiliation::admin, user, MucAffiliation::admin)->condition == "not-allowed");
  BOOST_TEST(!room.check_affiliation_change(MucAffiliation::admin, user, MucAffiliation::outcast));
  BOOST_TEST(room.check_affiliation_change(MucAffiliation::member, user, MucAffiliation::outcast)->condition == "forbidden");
  BOOST_TEST(room.check_affiliation_change(MucAffiliation::owner, owner, MucAffiliation::admin)->condition == "conflict");
  BOOST_TEST(!room.check_affiliation_change(MucAffiliation::owner, admin, MucAffiliation::owner));
  muc::Occupant mod{"m", admin, {"r"}, MucRole::moderator, {}}, own{"o", owner, {"r"}, MucRole::moderator, {}},
      part{"p", user, {"r"}, MucRole::participant, {}};
  BOOST_TEST(room.check_role_change(mod, own, MucRole::none)->condition == "not-allowed");  // §8.2
  BOOST_TEST(!room.check_role_change(mod, part, MucRole::none));
  BOOST_TEST(room.check_role_change(part, part, MucRole::visitor)->condition == "forbidden");
  BOOST_TEST((room.default_role(MucAffiliation::member) == MucRole::participant));
}

BOOST_AUTO_TEST_CASE(xep0045_10_2_config_form_round_trip_and_bad_values) {
  muc::Room room(*Jid::parse(kRoom), MucRoomConfig{});
  Element form = muc::config_form(room);
  BOOST_TEST(form.attr("type") == "form");
  MucRoomConfig c;
  Element submit = xml("<x xmlns='jabber:x:data' type='submit'>" + field("muc#roomconfig_roomname", "Fundusze") +
                       field("muc#roomconfig_whois", "anyone") + field("muc#roomconfig_allowpm", "none") +
                       field("muc#maxhistoryfetch", "5000") + field("muc#roomconfig_persistentroom", "true") + "</x>");
  BOOST_TEST(!muc::apply_config_form(submit, c, 1000));
  BOOST_TEST(c.name == "Fundusze");
  BOOST_TEST(c.non_anonymous);
  BOOST_TEST((c.allow_pm == MucPmPolicy::none));
  BOOST_TEST(c.history_fetch == 1000u);  // capped by the module's history_max
  BOOST_TEST(c.persistent);
  BOOST_TEST((muc::config_from_json(muc::config_to_json(c), MucRoomConfig{}) == c));
  MucRoomConfig unchanged = c;
  Element bad = xml("<x xmlns='jabber:x:data' type='submit'>" + field("muc#roomconfig_membersonly", "maybe") + "</x>");
  BOOST_TEST(muc::apply_config_form(bad, c, 1000)->condition == "not-acceptable");
  BOOST_TEST((c == unchanged));
  // The archive period (issue 5) when the host has a room archive; without one it is ignored.
  RoomRetention retention{std::chrono::hours(24 * 30), std::chrono::hours(24 * 90)};
  Element period = xml("<x xmlns='jabber:x:data' type='submit'>" + field(muc::kArchivePeriodField, "7d") + "</x>");
  BOOST_TEST(!muc::apply_config_form(period, c, 1000));
  BOOST_TEST(!c.archive_period);
  BOOST_TEST(!muc::apply_config_form(period, c, 1000, &retention));
  BOOST_TEST((c.archive_period == std::chrono::seconds(7 * 86400)));
  BOOST_TEST((muc::config_from_json(muc::config_to_json(c), MucRoomConfig{}) == c));
  BOOST_TEST(muc::period_text(std::chrono::seconds(90)) == "90s");
  BOOST_TEST(muc::period_text(std::chrono::seconds(5400)) == "90m");
}

BOOST_FIXTURE_TEST_CASE(xep0045_7_5_private_messages_and_switching_them_off, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  host.take(alice), host.take(bob);
  host.send(bob, "<message type='chat' to='" + std::string(kRoom) + "/alice'><body>psst</body></message>");
  auto got = host.take(alice);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("from") == std::string(kRoom) + "/bob");
  BOOST_TEST(got[0].child("x", muc::kMucUser) != nullptr);
  configure(host, alice, field("muc#roomconfig_allowpm", "none"));
  host.take(alice), host.take(bob);
  host.send(bob, "<message type='chat' to='" + std::string(kRoom) + "/alice'><body>psst</body></message>");
  BOOST_TEST(error_condition(host.take(bob)[0]) == "forbidden");
  BOOST_TEST(host.take(alice).empty());
}

BOOST_FIXTURE_TEST_CASE(xep0045_8_1_subject_by_moderator_and_refused_to_participants, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  host.take(alice), host.take(bob);
  host.send(bob, "<message type='groupchat' to='" + std::string(kRoom) + "'><subject>x</subject></message>");
  BOOST_TEST(error_condition(host.take(bob)[0]) == "forbidden");
  host.send(alice, "<message type='groupchat' to='" + std::string(kRoom) + "'><subject>Nabór 2026</subject></message>");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].child_text("subject", ns::kClient) == "Nabór 2026");
  join(host, carol, "carol");
  auto joined = named(host.take(carol), "message");
  BOOST_TEST(joined.back().child_text("subject", ns::kClient) == "Nabór 2026");
  BOOST_TEST(joined.back().attr("from") == std::string(kRoom) + "/alice");
}

BOOST_FIXTURE_TEST_CASE(xep0045_10_9_destroy_tells_occupants_and_removes_the_room, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  host.take(alice), host.take(bob);
  Element r = host.iq(alice, "<iq type='set' id='d' to='" + std::string(kRoom) +
                                 "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy "
                                 "jid='other@conference.example.org'><reason>koniec</reason></destroy></query></iq>");
  BOOST_TEST(r.attr("type") == "result");
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  const Element* d = got[0].child("x", muc::kMucUser)->child("destroy", muc::kMucUser);
  BOOST_REQUIRE(d);
  BOOST_TEST(d->attr("jid") == "other@conference.example.org");
  BOOST_TEST(d->child_text("reason", muc::kMucUser) == "koniec");
  Element info = host.iq(bob, "<iq type='get' id='i' to='" + std::string(kRoom) +
                                  "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_TEST(error_condition(info) == "item-not-found");
}

BOOST_AUTO_TEST_CASE(xep0410_self_ping_answered_while_joined_and_refused_after) {
  TestHost host(hosts());
  auto& alice = host.connect("alice@example.org/pc");
  make_room(host, alice);
  std::string ping = "<iq type='get' id='sp' to='" + std::string(kRoom) + "/alice'><ping xmlns='urn:xmpp:ping'/></iq>";
  BOOST_TEST(host.iq(alice, ping).attr("type") == "result");
  auto& eve = host.connect("eve@example.org/pc");
  BOOST_TEST(error_condition(host.iq(eve, ping)) == "not-acceptable");
}

BOOST_AUTO_TEST_CASE(xep0045_6_disco_of_service_lists_public_rooms_and_room_features) {
  TestHost host(hosts());
  auto& alice = host.connect("alice@example.org/pc");
  make_room(host, alice);
  Element items = host.iq(alice, "<iq type='get' id='i' to='conference.example.org'>"
                                     "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  auto listed = items.child("query", ns::kDiscoItems)->elements("item", ns::kDiscoItems);
  BOOST_REQUIRE_EQUAL(listed.size(), 1u);
  BOOST_TEST(listed[0]->attr("jid") == kRoom);
  Element service = host.iq(alice, "<iq type='get' id='s' to='conference.example.org'>"
                                       "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  bool conference = false;
  for (const Element* i : service.child("query", ns::kDiscoInfo)->elements("identity", ns::kDiscoInfo))
    conference |= i->attr("category") == "conference";
  BOOST_TEST(conference);
  configure(host, alice, field("muc#roomconfig_publicroom", "0") + field("muc#roomconfig_membersonly", "1"));
  items = host.iq(alice, "<iq type='get' id='i2' to='conference.example.org'>"
                             "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  BOOST_TEST(items.child("query", ns::kDiscoItems)->elements("item", ns::kDiscoItems).empty());
  Element info = host.iq(alice, "<iq type='get' id='ri' to='" + std::string(kRoom) +
                                    "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  std::set<std::string> features;
  for (const Element* f : info.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
    features.insert(std::string(f->attr("var")));
  BOOST_TEST(features.count("http://jabber.org/protocol/muc") == 1u);
  BOOST_TEST(features.count("muc_hidden") == 1u);
  BOOST_TEST(features.count("muc_membersonly") == 1u);
  BOOST_TEST(features.count("muc_semianonymous") == 1u);
}

BOOST_AUTO_TEST_CASE(persistent_room_and_affiliations_are_written_to_storage) {
  TestHost host(hosts());
  auto& alice = host.connect("alice@example.org/pc");
  make_room(host, alice);
  configure(host, alice, field("muc#roomconfig_persistentroom", "1") + field("muc#roomconfig_roomname", "Łódź"));
  host.iq(alice, "<iq type='set' id='m' to='" + std::string(kRoom) +
                     "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                     "<item jid='bob@example.org' affiliation='member'/></query></iq>");
  host.settle();
  auto rooms = host.wait(host.storage().muc().rooms("conference.example.org"));
  BOOST_REQUIRE_EQUAL(rooms.size(), 1u);
  BOOST_TEST(rooms[0].name == "lobby");
  BOOST_TEST(muc::config_from_json(rooms[0].config, MucRoomConfig{}).name == "Łódź");
  std::set<std::pair<std::string, std::string>> affs(rooms[0].affiliations.begin(), rooms[0].affiliations.end());
  BOOST_TEST((affs == std::set<std::pair<std::string, std::string>>{{"alice@example.org", "owner"},
                                                                    {"bob@example.org", "member"}}));
  // The last occupant leaves: a persistent room stays.
  host.send(alice, "<presence type='unavailable' to='" + std::string(kRoom) + "/alice'/>");
  Element info = host.iq(alice, "<iq type='get' id='ri' to='" + std::string(kRoom) +
                                    "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_TEST(info.attr("type") == "result");
}

BOOST_AUTO_TEST_CASE(rooms_api_creates_and_drives_a_room_without_stanzas_from_the_service) {
  TestHost host(hosts());
  auto& consultant = host.connect("anna@example.org/pc");
  auto& visitor = host.connect("v1@example.org/web");
  auto* rooms = host.core().service<MucRooms>("conference.example.org");
  BOOST_REQUIRE(rooms);
  Jid room = *Jid::parse("conv1@conference.example.org");
  MucRoomConfig config;
  config.members_only = true;
  config.public_room = false;
  BOOST_TEST(rooms->create_room(room, config));
  BOOST_TEST(!rooms->create_room(room, config));
  BOOST_TEST(rooms->set_affiliation(room, *Jid::parse("anna@example.org"), MucAffiliation::owner));
  BOOST_TEST(rooms->add_occupant(room, visitor.jid(), "Gość"));
  BOOST_TEST(rooms->add_occupant(room, consultant.jid(), "Anna"));
  host.settle();
  auto to_visitor = host.take(visitor);
  auto presences = named(to_visitor, "presence");
  BOOST_REQUIRE_EQUAL(presences.size(), 2u);  // its own, then Anna's
  BOOST_TEST(presences[1].attr("from") == "conv1@conference.example.org/Anna");
  BOOST_TEST(named(to_visitor, "message").size() == 1u);  // the subject
  host.take(consultant);
  // Commands a consultant types are taken by the observer and never relayed.
  std::vector<std::string> taken;
  rooms->set_groupchat_observer([&](const MucGroupchat& m) {
    std::string body = m.message.child_text("body", ns::kClient);
    if (body.rfind("!note", 0) != 0) return false;
    taken.push_back(body);
    return true;
  });
  host.send(consultant, "<message type='groupchat' to='conv1@conference.example.org'><body>!note VAT</body></message>");
  BOOST_TEST(taken.size() == 1u);
  BOOST_TEST(host.take(visitor).empty());
  auto id = rooms->send_message(room, "", "Konsultant dołączył");
  BOOST_REQUIRE(id);
  auto got = host.take(visitor);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("from") == "conv1@conference.example.org");
  BOOST_TEST(got[0].child("stanza-id", muc::kStanzaId)->attr("id") == *id);
  BOOST_TEST(rooms->occupants(room).size() == 2u);
  auto& colleague = host.connect("ewa@example.org/pc");
  BOOST_TEST(rooms->invite(room, colleague.jid(), "Przejmij rozmowę"));
  host.settle();
  auto invitation = host.take(colleague);
  BOOST_REQUIRE_EQUAL(invitation.size(), 1u);
  BOOST_TEST(invitation[0].child("x", muc::kDirectInvite)->attr("jid") == "conv1@conference.example.org");
  BOOST_TEST(rooms->remove_occupant(room, visitor.jid(), "zamknięta"));
  BOOST_TEST(codes(host.take(visitor)[0]).count(307) == 1u);
  BOOST_TEST(rooms->destroy_room(room));
  BOOST_TEST(host.take(consultant).back().child("x", muc::kMucUser)->child("destroy", muc::kMucUser) != nullptr);
  BOOST_TEST(!rooms->room_config(room));
}

BOOST_FIXTURE_TEST_CASE(xep0045_status_100_172_321_322_for_anonymity_and_membership_changes, Users) {
  make_room(host, alice);
  configure(host, alice, field("muc#roomconfig_whois", "anyone"));
  join(host, bob, "bob");
  join(host, carol, "carol");
  auto joined = named(host.take(bob), "presence");
  BOOST_TEST((codes(joined[1]) == std::set<int>{100, 110}));  // §7.2.4 non-anonymous room
  BOOST_TEST(item_of(joined[0])->attr("jid") == "alice@example.org/pc");
  host.take(alice), host.take(carol);
  host.iq(alice, "<iq type='set' id='m' to='" + std::string(kRoom) +
                     "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                     "<item jid='bob@example.org' affiliation='member'/></query></iq>");
  host.take(bob), host.take(carol);
  // §10.2.1: the room turns semi-anonymous (173) and members-only: carol, no member, goes (322).
  configure(host, alice, field("muc#roomconfig_whois", "moderators") + field("muc#roomconfig_membersonly", "1"));
  auto to_carol = host.take(carol);
  BOOST_REQUIRE_EQUAL(to_carol.size(), 2u);
  BOOST_TEST((codes(to_carol[0]) == std::set<int>{104, 173}));
  BOOST_TEST((codes(to_carol[1]) == std::set<int>{110, 322}));
  // §9.4: bob is no longer a member of the members-only room (321).
  host.take(bob);
  host.iq(alice, "<iq type='set' id='n' to='" + std::string(kRoom) +
                     "'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                     "<item jid='bob@example.org' affiliation='none'/></query></iq>");
  auto to_bob = host.take(bob);
  BOOST_REQUIRE_EQUAL(to_bob.size(), 1u);
  BOOST_TEST((codes(to_bob[0]) == std::set<int>{110, 321}));
}

BOOST_AUTO_TEST_CASE(xep0045_7_2_2_status_210_when_the_nick_is_prepared_otherwise) {
  TestHost host(hosts());
  auto& alice = host.connect("alice@example.org/pc");
  make_room(host, alice);
  auto& bob = host.connect("bob@example.org/pc");
  // U+212B ANGSTROM SIGN is normalised (NFC) to U+00C5: the room says it used another nick.
  join(host, bob, "\xe2\x84\xab");
  auto own = named(host.take(bob), "presence").back();
  BOOST_TEST(own.attr("from") == std::string(kRoom) + "/\xc3\x85");
  BOOST_TEST(codes(own).count(210) == 1u);
}

BOOST_AUTO_TEST_CASE(xep0045_status_333_an_occupant_whose_session_ended_is_removed) {
  TestHost host(hosts());
  auto& consultant = host.connect("anna@example.org/pc");
  auto& visitor = host.connect("v2@example.org/web");
  auto* rooms = host.core().service<MucRooms>("conference.example.org");
  Jid room = *Jid::parse("conv2@conference.example.org");
  BOOST_REQUIRE(rooms->create_room(room, MucRoomConfig{}));
  rooms->add_occupant(room, consultant.jid(), "Anna");
  rooms->add_occupant(room, visitor.jid(), "Gość");
  host.settle();
  host.take(consultant);
  host.disconnect(visitor);  // no unavailable presence reached the room
  rooms->send_message(room, "Anna", "Czy jest Pan/Pani jeszcze?");
  auto got = host.take(consultant);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[1].attr("from") == "conv2@conference.example.org/Gość");
  BOOST_TEST(got[1].attr("type") == "unavailable");
  BOOST_TEST((codes(got[1]) == std::set<int>{333}));
  BOOST_TEST(rooms->occupants(room).size() == 1u);
}

namespace {
std::size_t heap_in_use_kib() {
  // Resident set from /proc (the allocator may keep freed pages: only an upper bound matters).
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * 4;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_livechat_day_of_1000_rooms_with_3_occupants_stays_small) {
  TestHost host(hosts());
  std::vector<FakeSession*> people;
  for (int i = 0; i < 3000; ++i) people.push_back(&host.connect("u" + std::to_string(i) + "@example.org/web"));
  auto* rooms = host.core().service<MucRooms>("conference.example.org");
  std::size_t before = heap_in_use_kib();
  for (int r = 0; r < 1000; ++r) {
    Jid room = *Jid::parse("conv" + std::to_string(r) + "@conference.example.org");
    BOOST_REQUIRE(rooms->create_room(room, MucRoomConfig{}));
    for (int k = 0; k < 3; ++k) rooms->add_occupant(room, people[r * 3 + k]->jid(), "n" + std::to_string(k));
    rooms->send_message(room, "", "Dzień dobry");
    host.settle();
    for (int k = 0; k < 3; ++k) people[r * 3 + k]->received.clear();  // what clients got is not the room's
  }
  std::size_t grown = heap_in_use_kib() - before;
  BOOST_TEST_MESSAGE("1000 rooms, 3000 occupants, 1000 messages of history: " << grown << " KiB");
  BOOST_TEST(grown < 16u * 1024u);
}

BOOST_FIXTURE_TEST_CASE(xep0045_joining_again_resends_the_room_to_that_client_only, Users) {
  make_room(host, alice);
  join(host, bob, "bob");
  host.take(alice), host.take(bob);
  join(host, bob, "bob");  // e.g. after XEP-0410 self-ping told it to
  auto got = host.take(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);  // alice, itself (110), subject
  BOOST_TEST(got[0].attr("from") == std::string(kRoom) + "/alice");
  BOOST_TEST(codes(got[1]).count(110) == 1u);
  BOOST_TEST(got[2].child("subject", ns::kClient) != nullptr);
  BOOST_TEST(host.take(alice).empty());
  BOOST_TEST(host.core().service<MucRooms>("conference.example.org")->occupants(*Jid::parse(kRoom)).size() == 2u);
}

// MucRooms::set_hidden: a hidden occupant (a livechat supervisor's silent join) is seen by the
// room's staff (admins, owners) only: its join, words, nick in disco#items (§6.5) and leave; its
// words stay out of the history a later occupant gets (§7.2.15); it does not see itself hidden.
BOOST_AUTO_TEST_CASE(hidden_occupants_are_seen_by_staff_only) {
  TestHost host(hosts());
  auto& consultant = host.connect("anna@example.org/pc");
  auto& visitor = host.connect("v1@example.org/web");
  auto& supervisor = host.connect("szef@example.org/pc");
  auto* rooms = host.core().service<MucRooms>("conference.example.org");
  BOOST_REQUIRE(rooms);
  Jid room = *Jid::parse("conv2@conference.example.org");
  MucRoomConfig config;
  config.members_only = true;
  config.public_room = false;
  config.history_fetch = 100;
  BOOST_TEST(rooms->create_room(room, config));
  BOOST_TEST(rooms->set_affiliation(room, *Jid::parse("anna@example.org"), MucAffiliation::admin));
  BOOST_TEST(rooms->set_affiliation(room, *Jid::parse("v1@example.org"), MucAffiliation::member));
  BOOST_TEST(rooms->set_hidden(room, *Jid::parse("szef@example.org"), true));
  BOOST_TEST(rooms->set_affiliation(room, *Jid::parse("szef@example.org"), MucAffiliation::admin));
  BOOST_TEST((rooms->affiliation(room, *Jid::parse("szef@example.org")) == MucAffiliation::admin));
  BOOST_TEST(!rooms->affiliation(*Jid::parse("none@conference.example.org"), *Jid::parse("szef@example.org")));
  BOOST_TEST(rooms->add_occupant(room, visitor.jid(), "Visitor"));
  BOOST_TEST(rooms->add_occupant(room, consultant.jid(), "Anna"));
  host.settle();
  host.take(visitor), host.take(consultant);

  host.send(supervisor, "<presence to='conv2@conference.example.org/Szef'>" + std::string(kMucX) + "</presence>");
  host.settle();
  auto to_supervisor = named(host.take(supervisor), "presence");
  BOOST_TEST(to_supervisor.size() == 3u);  // Visitor, Anna, itself
  BOOST_TEST(named(host.take(consultant), "presence").size() == 1u);
  BOOST_TEST(named(host.take(visitor), "presence").empty());

  host.send(supervisor, "<message type='groupchat' to='conv2@conference.example.org'><body>Zapytaj o NIP</body></message>");
  host.settle();
  BOOST_TEST(named(host.take(consultant), "message").size() == 1u);
  BOOST_TEST(named(host.take(visitor), "message").empty());
  BOOST_TEST(named(host.take(supervisor), "message").size() == 1u);  // its own echo

  // disco#items (§6.5): the visitor does not get the supervisor's nick, the consultant does.
  auto items = [&](FakeSession& s) {
    auto r = host.iq(s, "<iq type='get' id='d' to='conv2@conference.example.org'>"
                        "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    return r.child("query", ns::kDiscoItems)->elements("item", ns::kDiscoItems).size();
  };
  BOOST_TEST(items(visitor) == 2u);
  BOOST_TEST(items(consultant) == 3u);
  // A private message to the hidden nick from the visitor: no such occupant.
  host.send(visitor, "<message type='chat' to='conv2@conference.example.org/Szef'><body>hej</body></message>");
  host.settle();
  auto bounced = named(host.take(visitor), "message");  // (the disco#items results are there too)
  BOOST_REQUIRE_EQUAL(bounced.size(), 1u);
  BOOST_TEST(error_condition(bounced[0]) == "item-not-found");

  // A visitor joining later: neither the supervisor's presence nor its words in the history.
  auto& visitor2 = host.connect("v2@example.org/web");
  BOOST_TEST(rooms->set_affiliation(room, *Jid::parse("v2@example.org"), MucAffiliation::member));
  BOOST_TEST(rooms->add_occupant(room, visitor2.jid(), "Visitor2"));
  host.settle();
  auto to_v2 = host.take(visitor2);
  for (const auto& p : named(to_v2, "presence")) BOOST_TEST(p.attr("from") != "conv2@conference.example.org/Szef");
  for (const auto& m : named(to_v2, "message")) BOOST_TEST(m.child_text("body", ns::kClient) != "Zapytaj o NIP");
  host.take(consultant), host.take(supervisor), host.take(visitor);

  host.send(supervisor, "<presence type='unavailable' to='conv2@conference.example.org/Szef'/>");
  host.settle();
  BOOST_TEST(named(host.take(consultant), "presence").size() == 1u);
  BOOST_TEST(host.take(visitor).empty());
  BOOST_TEST(host.take(visitor2).empty());
}
