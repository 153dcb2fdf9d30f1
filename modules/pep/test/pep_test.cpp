// XEP-0163 PEP over the XEP-0060 subset, XEP-0084/XEP-0398 avatars, XEP-0402 bookmarks and
// the Bookmarks service, driven through the real router, SQLite storage, the caps module's
// XEP-0115 tracking and fake client sessions that answer its disco#info queries.
#define BOOST_TEST_MODULE pep
#include <boost/test/unit_test.hpp>

#include "../../caps/caps_ver.hpp"
#include "../avatar_conversion.hpp"
#include "stub_presence.hpp"
#include "test_host.hpp"
#include "xmppd/bookmarks.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

constexpr char kPubsub[] = "http://jabber.org/protocol/pubsub";
constexpr char kOwner[] = "http://jabber.org/protocol/pubsub#owner";
constexpr char kEvent[] = "http://jabber.org/protocol/pubsub#event";
constexpr char kErrors[] = "http://jabber.org/protocol/pubsub#errors";
constexpr char kMeta[] = "urn:xmpp:avatar:metadata";
constexpr char kData[] = "urn:xmpp:avatar:data";
constexpr char kBookmarks[] = "urn:xmpp:bookmarks:1";

std::string condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return {};
  for (const auto& c : e->children())
    if (!c.is_text() && c.ns() == ns::kStanzaErrors && c.name() != "text") return c.name();
  return {};
}
std::string pubsub_condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return {};
  for (const auto& c : e->children())
    if (!c.is_text() && c.ns() == kErrors) return c.name();
  return {};
}

// The pubsub#event notifications among `stanzas`: (from, node, item ids / "-retract id").
struct Notice {
  std::string from, node;
  std::vector<std::string> items;
  bool delayed = false;
};
std::vector<Notice> notices(const std::vector<Element>& stanzas) {
  std::vector<Notice> out;
  for (const Element& s : stanzas) {
    if (s.name() != "message") continue;
    const Element* ev = s.child("event", kEvent);
    if (!ev) continue;
    Notice n{std::string(s.attr("from")), {}, {}, s.child("delay", ns::kDelay) != nullptr};
    if (const Element* items = ev->child("items", kEvent)) {
      n.node = items->attr("node");
      for (const Element* i : items->elements("item", kEvent)) n.items.emplace_back(i->attr("id"));
      for (const Element* r : items->elements("retract", kEvent)) n.items.push_back("-" + std::string(r->attr("id")));
    } else if (const Element* del = ev->child("delete", kEvent)) {
      n.node = del->attr("node");
      n.items.push_back("deleted");
    }
    out.push_back(n);
  }
  return out;
}

std::string publish_xml(const std::string& node, const std::string& id, const std::string& payload,
                        const std::string& options = {}) {
  std::string po;
  if (!options.empty())
    po = "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
         "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>" + options + "</x></publish-options>";
  return "<iq type='set' id='pub'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + node + "'><item" +
         (id.empty() ? "" : " id='" + id + "'") + ">" + payload + "</item></publish>" + po + "</pubsub></iq>";
}
std::string field(const std::string& var, const std::string& value) {
  return "<field var='" + var + "'><value>" + value + "</value></field>";
}

struct Fixture {
  TestHost host;
  explicit Fixture(std::map<std::string, std::string> pep_options = {})
      : host(std::vector<HostSpec>{{"example.org", {"pep", "caps", "vcard", "stub_presence"}, {{"pep", pep_options}}, false}}) {
    for (const char* a : {"alice@example.org", "bob@example.org", "carol@example.org"}) host.create_account(a);
    // alice and bob share presence both ways (RFC 6121 §2.1.2.1 'both'); carol is a stranger.
    subscribe("alice", "bob@example.org", Subscription::both);
    subscribe("bob", "alice@example.org", Subscription::both);
  }
  void subscribe(const std::string& user, const std::string& contact, Subscription s) {
    RosterItem item;
    item.jid = contact;
    item.subscription = s;
    host.wait(host.storage().roster().put("example.org", user, item));
  }
  // A client that announces XEP-0115 caps with "+notify" for `nodes` in its initial presence and
  // answers the server's disco#info query (XEP-0115 §6.2) as a real client does.
  FakeSession& online(const std::string& full, const std::vector<std::string>& nodes) {
    FakeSession& s = host.connect(full);
    Element info("query", ns::kDiscoInfo);
    info.add_child("identity", ns::kDiscoInfo).set_attr("category", "client").set_attr("type", "pc");
    info.add_child("feature", ns::kDiscoInfo).set_attr("var", ns::kDiscoInfo);
    for (const auto& n : nodes) info.add_child("feature", ns::kDiscoInfo).set_attr("var", n + "+notify");
    std::string ver = caps::verification_string(info);
    host.send(s, "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://client.example' ver='" +
                     ver + "'/></presence>");
    for (const Element& e : s.received) {
      if (e.name() != "iq" || e.attr("type") != "get" || !e.child("query", ns::kDiscoInfo)) continue;
      Element reply("iq", ns::kClient);
      reply.set_attr("type", "result").set_attr("id", std::string(e.attr("id"))).set_attr("to", std::string(e.attr("from")));
      Element q = info;
      q.set_attr("node", std::string(e.child("query", ns::kDiscoInfo)->attr("node")));
      reply.add(q);
      host.send(s, reply.to_string(ns::kClient));
      break;
    }
    host.settle();
    return s;
  }
  std::vector<Notice> seen(FakeSession& s) { return notices(host.take(s)); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(xep0163_6_1_account_is_a_pep_service) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {});
  Element r = f.host.iq(a, "<iq type='get' id='d' to='alice@example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_REQUIRE(r.attr("type") == "result");
  bool pep = false;
  std::vector<std::string> features;
  for (const Element* i : r.child("query", ns::kDiscoInfo)->elements("identity", ns::kDiscoInfo))
    pep = pep || (i->attr("category") == "pubsub" && i->attr("type") == "pep");
  for (const Element* x : r.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo)) features.emplace_back(x->attr("var"));
  BOOST_TEST(pep);
  for (const char* needed : {"http://jabber.org/protocol/pubsub#publish", "http://jabber.org/protocol/pubsub#publish-options",
                             "http://jabber.org/protocol/pubsub#auto-create", "http://jabber.org/protocol/pubsub#filtered-notifications",
                             "urn:xmpp:pep-vcard-conversion:0"})
    BOOST_TEST((std::find(features.begin(), features.end(), needed) != features.end()), needed);
}

BOOST_AUTO_TEST_CASE(xep0163_4_publish_notifies_owner_and_subscribed_contact_not_a_stranger) {
  Fixture f;
  FakeSession& desk = f.online("alice@example.org/desk", {kMeta});
  FakeSession& phone = f.online("alice@example.org/phone", {});  // no +notify: filtered out (§4.2)
  FakeSession& bob = f.online("bob@example.org/home", {kMeta});
  FakeSession& carol = f.online("carol@example.org/home", {kMeta});
  for (auto* s : {&desk, &phone, &bob, &carol}) f.host.take(*s);

  Element r = f.host.iq(desk, publish_xml(kMeta, "abc", "<metadata xmlns='urn:xmpp:avatar:metadata'><info id='abc' bytes='3' type='image/png'/></metadata>"));
  BOOST_REQUIRE_MESSAGE(r.attr("type") == "result", r.to_string());
  BOOST_TEST(r.child("pubsub", kPubsub)->child("publish", kPubsub)->child("item", kPubsub)->attr("id") == "abc");
  f.host.settle();
  auto at_desk = f.seen(desk), at_bob = f.seen(bob);
  BOOST_REQUIRE_EQUAL(at_desk.size(), 1u);
  BOOST_TEST(at_desk[0].from == "alice@example.org");  // §4.3.1: from the bare JID
  BOOST_TEST(at_desk[0].items == std::vector<std::string>{"abc"});
  BOOST_REQUIRE_EQUAL(at_bob.size(), 1u);
  BOOST_TEST(at_bob[0].node == kMeta);
  BOOST_TEST(f.seen(phone).empty());
  BOOST_TEST(f.seen(carol).empty());

  // XEP-0060 §6.5.9.3: the presence access model: bob may read, carol may not.
  std::string get = "<iq type='get' id='g' to='alice@example.org'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:metadata'/></pubsub></iq>";
  Element got = f.host.iq(bob, get);
  BOOST_REQUIRE(got.attr("type") == "result");
  BOOST_TEST(got.child("pubsub", kPubsub)->child("items", kPubsub)->elements("item", kPubsub).size() == 1u);
  Element refused = f.host.iq(carol, get);
  BOOST_TEST(condition(refused) == "not-authorized");
  BOOST_TEST(pubsub_condition(refused) == "presence-subscription-required");
  // Only the owner publishes (XEP-0163 §2.2).
  Element forged = f.host.iq(carol, "<iq type='set' id='pub' to='alice@example.org'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='x'><item><x xmlns='y'/></item></publish></pubsub></iq>");
  BOOST_TEST(condition(forged) == "forbidden");
}

BOOST_AUTO_TEST_CASE(xep0060_7_1_5_publish_options_create_then_must_match) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {});
  std::string whitelist = field("pubsub#persist_items", "true") + field("pubsub#access_model", "whitelist") + field("pubsub#max_items", "max");
  Element r = f.host.iq(a, publish_xml("urn:example:private", "one", "<secret xmlns='urn:example:private'>1</secret>", whitelist));
  BOOST_REQUIRE_MESSAGE(r.attr("type") == "result", r.to_string());
  r = f.host.iq(a, publish_xml("urn:example:private", "two", "<secret xmlns='urn:example:private'>2</secret>", whitelist));
  BOOST_REQUIRE(r.attr("type") == "result");
  Element conflict = f.host.iq(a, publish_xml("urn:example:private", "three", "<secret xmlns='urn:example:private'>3</secret>",
                                              field("pubsub#access_model", "open")));
  BOOST_TEST(condition(conflict) == "conflict");
  BOOST_TEST(pubsub_condition(conflict) == "precondition-not-met");
  Element unknown = f.host.iq(a, publish_xml("urn:example:other", "1", "<x xmlns='urn:example:other'/>", field("pubsub#access_model", "authorize")));
  BOOST_TEST(pubsub_condition(unknown) == "precondition-not-met");
  // max_items "max" kept both; whitelist: bob (a subscribed contact) may not read.
  FakeSession& bob = f.online("bob@example.org/home", {});
  Element denied = f.host.iq(bob, "<iq type='get' id='g' to='alice@example.org'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:example:private'/></pubsub></iq>");
  BOOST_TEST(pubsub_condition(denied) == "closed-node");
  Element mine = f.host.iq(a, "<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:example:private'/></pubsub></iq>");
  BOOST_TEST(mine.child("pubsub", kPubsub)->child("items", kPubsub)->elements("item", kPubsub).size() == 2u);
}

BOOST_AUTO_TEST_CASE(xep0060_6_5_items_latest_by_id_and_max_items_trimming) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {});
  for (const char* id : {"1", "2", "3", "4"})
    BOOST_REQUIRE(f.host.iq(a, publish_xml("urn:example:log", id, std::string("<e xmlns='urn:example:log'>") + id + "</e>",
                                           field("pubsub#max_items", "3"))).attr("type") == "result");
  auto ids = [&](const std::string& query) {
    Element r = f.host.iq(a, "<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'>" + query + "</pubsub></iq>");
    std::vector<std::string> out;
    if (const Element* p = r.child("pubsub", kPubsub))
      for (const Element* i : p->child("items", kPubsub)->elements("item", kPubsub)) out.emplace_back(i->attr("id"));
    return out;
  };
  BOOST_TEST(ids("<items node='urn:example:log'/>") == (std::vector<std::string>{"2", "3", "4"}));  // max_items 3
  BOOST_TEST(ids("<items node='urn:example:log' max_items='1'/>") == (std::vector<std::string>{"4"}));
  BOOST_TEST(ids("<items node='urn:example:log'><item id='3'/></items>") == (std::vector<std::string>{"3"}));
  // Republishing an id makes it the newest (§7.1.2).
  BOOST_REQUIRE(f.host.iq(a, publish_xml("urn:example:log", "2", "<e xmlns='urn:example:log'>2b</e>")).attr("type") == "result");
  BOOST_TEST(ids("<items node='urn:example:log' max_items='1'/>") == (std::vector<std::string>{"2"}));
  Element missing = f.host.iq(a, "<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:example:none'/></pubsub></iq>");
  BOOST_TEST(condition(missing) == "item-not-found");
}

BOOST_AUTO_TEST_CASE(xep0060_7_2_retract_and_8_4_delete_are_notified) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {"urn:example:tune"});
  FakeSession& bob = f.online("bob@example.org/home", {"urn:example:tune"});
  BOOST_REQUIRE(f.host.iq(a, publish_xml("urn:example:tune", "t1", "<tune xmlns='urn:example:tune'/>")).attr("type") == "result");
  f.host.settle();
  f.host.take(a), f.host.take(bob);
  Element r = f.host.iq(a, "<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:example:tune' notify='true'><item id='t1'/></retract></pubsub></iq>");
  BOOST_REQUIRE(r.attr("type") == "result");
  f.host.settle();
  auto at_bob = f.seen(bob);
  BOOST_REQUIRE_EQUAL(at_bob.size(), 1u);
  BOOST_TEST(at_bob[0].items == std::vector<std::string>{"-t1"});
  f.host.take(a);
  Element again = f.host.iq(a, "<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:example:tune'><item id='t1'/></retract></pubsub></iq>");
  BOOST_TEST(condition(again) == "item-not-found");
  Element del = f.host.iq(a, "<iq type='set' id='x'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='urn:example:tune'/></pubsub></iq>");
  BOOST_REQUIRE(del.attr("type") == "result");
  f.host.settle();
  auto deleted = f.seen(bob);
  BOOST_REQUIRE_EQUAL(deleted.size(), 1u);
  BOOST_TEST(deleted[0].items == std::vector<std::string>{"deleted"});
  Element gone = f.host.iq(a, "<iq type='set' id='x'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='urn:example:tune'/></pubsub></iq>");
  BOOST_TEST(condition(gone) == "item-not-found");
  Element bobs = f.host.iq(bob, "<iq type='set' id='x' to='alice@example.org'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='urn:example:tune'/></pubsub></iq>");
  BOOST_TEST(condition(bobs) == "forbidden");
}

BOOST_AUTO_TEST_CASE(xep0163_4_3_4_last_item_sent_when_a_resource_becomes_available) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {});
  BOOST_REQUIRE(f.host.iq(a, publish_xml(kMeta, "old", "<metadata xmlns='urn:xmpp:avatar:metadata'/>")).attr("type") == "result");
  BOOST_REQUIRE(f.host.iq(a, publish_xml(kMeta, "new", "<metadata xmlns='urn:xmpp:avatar:metadata'/>")).attr("type") == "result");
  FakeSession& bob = f.online("bob@example.org/home", {kMeta});
  f.host.run_until([&] { return !notices(bob.received).empty(); });
  auto got = f.seen(bob);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].items == std::vector<std::string>{"new"});
  BOOST_TEST(got[0].delayed);
  FakeSession& carol = f.online("carol@example.org/home", {kMeta});
  BOOST_TEST(f.seen(carol).empty());
  // The owner's own new resource gets it too (§4.3.4).
  FakeSession& phone = f.online("alice@example.org/phone", {kMeta});
  f.host.run_until([&] { return !notices(phone.received).empty(); });
}

BOOST_AUTO_TEST_CASE(item_size_limit_and_account_quota) {
  Fixture f({{"max_item_size", "2KiB"}, {"quota", "4KiB"}});
  FakeSession& a = f.online("alice@example.org/desk", {});
  std::string big(3000, 'x');
  Element too_big = f.host.iq(a, publish_xml("urn:example:blob", "1", "<b xmlns='urn:example:blob'>" + big + "</b>"));
  BOOST_TEST(condition(too_big) == "not-acceptable");
  BOOST_TEST(pubsub_condition(too_big) == "payload-too-big");
  std::string chunk(1500, 'y');
  int stored = 0;
  std::string last;
  for (int i = 0; i < 4; ++i) {
    Element r = f.host.iq(a, publish_xml("urn:example:blob", std::to_string(i), "<b xmlns='urn:example:blob'>" + chunk + "</b>",
                                         field("pubsub#max_items", "max")));
    if (r.attr("type") == "result") ++stored; else last = condition(r);
  }
  BOOST_TEST(stored == 2);  // 2 x ~1.5 KiB fit in 4 KiB, a third does not
  BOOST_TEST(last == "resource-constraint");
}

BOOST_AUTO_TEST_CASE(xep0402_bookmarks_and_the_server_side_removal) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {kBookmarks});
  std::string options = field("pubsub#persist_items", "true") + field("pubsub#max_items", "max") +
                        field("pubsub#send_last_published_item", "never") + field("pubsub#access_model", "whitelist");
  for (const char* room : {"sala1@conference.example.org", "sala2@conference.example.org"})
    BOOST_REQUIRE(f.host.iq(a, publish_xml(kBookmarks, room, "<conference xmlns='urn:xmpp:bookmarks:1' name='Pokój' autojoin='true'><nick>ala</nick></conference>",
                                           options)).attr("type") == "result");
  f.host.settle();
  f.host.take(a);
  auto* bookmarks = f.host.core().service<Bookmarks>("example.org");
  BOOST_REQUIRE(bookmarks);
  BOOST_TEST(f.host.wait(bookmarks->remove_room(*Jid::parse("alice@example.org"), *Jid::parse("sala1@conference.example.org"))));
  BOOST_TEST(!f.host.wait(bookmarks->remove_room(*Jid::parse("alice@example.org"), *Jid::parse("sala1@conference.example.org"))));
  f.host.settle();
  auto seen = f.seen(a);
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_TEST(seen[0].items == std::vector<std::string>{"-sala1@conference.example.org"});
  Element r = f.host.iq(a, "<iq type='get' id='g'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'/></pubsub></iq>");
  auto items = r.child("pubsub", kPubsub)->child("items", kPubsub)->elements("item", kPubsub);
  BOOST_REQUIRE_EQUAL(items.size(), 1u);
  BOOST_TEST(items[0]->attr("id") == "sala2@conference.example.org");
}

BOOST_AUTO_TEST_CASE(xep0398_vcard_photo_becomes_the_pep_avatar_and_the_presence_hash) {
  Fixture f;
  FakeSession& bob = f.online("bob@example.org/home", {kMeta});
  FakeSession& a = f.online("alice@example.org/desk", {});
  f.host.take(bob);
  std::string image = "\x89PNG\r\n\x1a\nkonsultantka";
  std::string hash = pep::sha1_hex(image);
  Element set = f.host.iq(a, "<iq type='set' id='v'><vCard xmlns='vcard-temp'><FN>Ala</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>" +
                                 pep::encode_base64(image) + "</BINVAL></PHOTO></vCard></iq>");
  BOOST_REQUIRE(set.attr("type") == "result");
  f.host.run_until([&] { return !notices(bob.received).empty(); });
  auto seen = f.seen(bob);
  BOOST_TEST(seen[0].node == kMeta);
  BOOST_TEST(seen[0].items == std::vector<std::string>{hash});
  Element data = f.host.iq(bob, "<iq type='get' id='g' to='alice@example.org'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='" + hash + "'/></items></pubsub></iq>");
  const Element* item = data.child("pubsub", kPubsub)->child("items", kPubsub)->child("item", kPubsub);
  BOOST_REQUIRE(item);
  BOOST_TEST(*pep::decode_base64(item->child_text("data", kData)) == image);
  // XEP-0398 §4: the hash goes into the account's available presence.
  f.host.send(a, "<presence><show>away</show></presence>");
  BOOST_REQUIRE(a.last_presence);
  const Element* x = a.last_presence->child("x", "vcard-temp:x:update");
  BOOST_REQUIRE(x);
  BOOST_TEST(x->child_text("photo", "vcard-temp:x:update") == hash);
}

BOOST_AUTO_TEST_CASE(xep0398_pep_avatar_becomes_the_vcard_photo) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {});
  std::string image = "GIF89a-avatar";
  std::string hash = pep::sha1_hex(image);
  BOOST_REQUIRE(f.host.iq(a, publish_xml(kData, hash, "<data xmlns='urn:xmpp:avatar:data'>" + pep::encode_base64(image) + "</data>")).attr("type") == "result");
  BOOST_REQUIRE(f.host.iq(a, publish_xml(kMeta, hash, "<metadata xmlns='urn:xmpp:avatar:metadata'><info id='" + hash +
                                                          "' bytes='13' type='image/gif'/><info id='x' url='https://example.org/a.gif' type='image/gif' bytes='1'/></metadata>")).attr("type") == "result");
  FakeSession& bob = f.online("bob@example.org/home", {});
  std::string binval;
  f.host.run_until([&] {
    Element v = f.host.iq(bob, "<iq type='get' id='v' to='alice@example.org'><vCard xmlns='vcard-temp'/></iq>");
    const Element* card = v.child("vCard", ns::kVCard);
    const Element* photo = card ? card->child("PHOTO", ns::kVCard) : nullptr;
    if (photo) binval = photo->child_text("BINVAL", ns::kVCard);
    return photo != nullptr;
  });
  BOOST_TEST(*pep::decode_base64(binval) == image);
  // Disabling the avatar (XEP-0084 §4.5) removes the photo.
  BOOST_REQUIRE(f.host.iq(a, publish_xml(kMeta, "off", "<metadata xmlns='urn:xmpp:avatar:metadata'/>")).attr("type") == "result");
  f.host.run_until([&] {
    Element v = f.host.iq(bob, "<iq type='get' id='v' to='alice@example.org'><vCard xmlns='vcard-temp'/></iq>");
    const Element* card = v.child("vCard", ns::kVCard);
    return card && !card->child("PHOTO", ns::kVCard);
  });
}

namespace {

// The disco#info queries the server sent to `s` (XEP-0115 §6.2), oldest first.
std::vector<Element> caps_queries(const FakeSession& s) {
  std::vector<Element> out;
  for (const Element& e : s.received)
    if (e.name() == "iq" && e.attr("type") == "get" && e.child("query", ns::kDiscoInfo)) out.push_back(e);
  return out;
}

Element caps_answer(const Element& query, Element info) {
  Element reply("iq", ns::kClient);
  reply.set_attr("type", "result").set_attr("id", std::string(query.attr("id"))).set_attr("to", std::string(query.attr("from")));
  info.set_attr("node", std::string(query.child("query", ns::kDiscoInfo)->attr("node")));
  reply.add(std::move(info));
  return reply;
}

Element client_info(const std::vector<std::string>& features) {
  Element info("query", ns::kDiscoInfo);
  info.add_child("identity", ns::kDiscoInfo).set_attr("category", "client").set_attr("type", "pc");
  for (const auto& f : features) info.add_child("feature", ns::kDiscoInfo).set_attr("var", f);
  return info;
}

std::string caps_presence(const Element& info) {
  return "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://client.example' ver='" +
         caps::verification_string(info) + "'/></presence>";
}

}  // namespace

BOOST_AUTO_TEST_CASE(xep0115_a_new_ver_while_a_query_is_pending_is_asked_for) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {});
  BOOST_REQUIRE(f.host.iq(a, publish_xml(kMeta, "m1", "<metadata xmlns='urn:xmpp:avatar:metadata'/>")).attr("type") == "result");
  FakeSession& bob = f.host.connect("bob@example.org/home");
  // Features no other client here has, so neither ver is known yet.
  Element plain = client_info({ns::kDiscoInfo, "urn:example:first"});
  Element notify = client_info({ns::kDiscoInfo, "urn:example:second", std::string(kMeta) + "+notify"});
  f.host.send(bob, caps_presence(plain));
  f.host.send(bob, caps_presence(notify));  // before answering the first question
  auto queries = caps_queries(bob);
  BOOST_REQUIRE_EQUAL(queries.size(), 2u);
  // The late answer to the first question changes nothing; the second one counts.
  f.host.send(bob, caps_answer(queries[0], plain).to_string(ns::kClient));
  BOOST_TEST(notices(bob.received).empty());
  f.host.send(bob, caps_answer(queries[1], notify).to_string(ns::kClient));
  f.host.run_until([&] { return !notices(bob.received).empty(); });
  BOOST_TEST(notices(bob.received)[0].items == std::vector<std::string>{"m1"});
}

BOOST_AUTO_TEST_CASE(xep0115_5_4_an_answer_that_does_not_match_its_ver_is_not_believed) {
  Fixture f;
  FakeSession& a = f.online("alice@example.org/desk", {});
  BOOST_REQUIRE(f.host.iq(a, publish_xml(kMeta, "m1", "<metadata xmlns='urn:xmpp:avatar:metadata'/>")).attr("type") == "result");
  FakeSession& bob = f.host.connect("bob@example.org/home");
  Element plain = client_info({ns::kDiscoInfo, "urn:example:first"});
  f.host.send(bob, caps_presence(plain));
  auto queries = caps_queries(bob);
  BOOST_REQUIRE_EQUAL(queries.size(), 1u);
  // Claims +notify, which the announced ver does not cover: ignored (no last item).
  f.host.send(bob, caps_answer(queries[0], client_info({ns::kDiscoInfo, std::string(kMeta) + "+notify"})).to_string(ns::kClient));
  f.host.settle();
  BOOST_TEST(notices(bob.received).empty());
  // A second resource with the same, verified ver is answered from the cache: no new query.
  FakeSession& carol1 = f.online("carol@example.org/one", {kMeta});
  FakeSession& carol2 = f.host.connect("carol@example.org/two");
  Element same = client_info({ns::kDiscoInfo, std::string(kMeta) + "+notify"});
  f.host.send(carol2, caps_presence(same));
  BOOST_TEST(caps_queries(carol2).empty());
  BOOST_TEST(caps_queries(carol1).size() == 1u);
}
