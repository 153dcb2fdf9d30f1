// XEP-0030 Service Discovery as the core answers it for hosts and accounts, with the features
// the enabled modules add. Lives beside caps, whose 'ver' is computed from these answers.
#define BOOST_TEST_MODULE disco
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "test_host.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

std::vector<std::string> features(const Element& reply) {
  std::vector<std::string> out;
  if (const Element* q = reply.child("query", ns::kDiscoInfo))
    for (const Element* f : q->elements("feature", ns::kDiscoInfo)) out.emplace_back(f->attr("var"));
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::vector<std::string> items(const Element& reply) {
  std::vector<std::string> out;
  if (const Element* q = reply.child("query", ns::kDiscoItems))
    for (const Element* i : q->elements("item", ns::kDiscoItems)) out.emplace_back(i->attr("jid"));
  return out;
}

std::string error_condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return {};
  for (const auto& c : e->children())
    if (!c.is_text() && c.ns() == ns::kStanzaErrors && c.name() != "text") return c.name();
  return {};
}

const char* kInfo = "<iq type='get' id='i1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>";

// A module of this test only: it adds an identity, a feature of its own and one the core also
// adds (disco#info), as a module announcing what it serves would.
class IdentityModule final : public Module {
 public:
  explicit IdentityModule(ModuleContext& ctx) {
    ctx.add_identity("pubsub", "pep", "");
    ctx.add_feature("urn:example:test-feature");
    ctx.add_feature(ns::kDiscoInfo);
  }
};
ModuleInfo describe_identity_module() {
  ModuleInfo m;
  m.name = "test_identity";
  m.summary = "test only: adds a disco identity and features";
  m.create = [](ModuleContext& ctx) { return std::make_unique<IdentityModule>(ctx); };
  return m;
}
XMPPD_REGISTER_MODULE(describe_identity_module);

bool has_identity(const Element& query, const std::string& category, const std::string& type) {
  for (const Element* id : query.elements("identity", ns::kDiscoInfo))
    if (id->attr("category") == category && id->attr("type") == type) return true;
  return false;
}

}  // namespace

// XEP-0030 §3.1: what a host announces is what runs on it. A stopped module's identities and
// features go with it; a feature the core (or another module) also added stays.
BOOST_AUTO_TEST_CASE(xep0030_stopped_module_takes_its_identities_and_features_along) {
  TestHost host(std::vector<std::string>{"test_identity"});
  Element before = host.core().disco_info("example.org");
  BOOST_TEST(has_identity(before, "pubsub", "pep"));
  BOOST_TEST(has_identity(before, "server", "im"));
  host.core().stop_modules();
  Element after = host.core().disco_info("example.org");
  BOOST_TEST(!has_identity(after, "pubsub", "pep"));
  BOOST_TEST(has_identity(after, "server", "im"));
  std::vector<std::string> vars;
  for (const Element* f : after.elements("feature", ns::kDiscoInfo)) vars.emplace_back(f->attr("var"));
  BOOST_TEST(!has(vars, "urn:example:test-feature"));
  BOOST_TEST(has(vars, ns::kDiscoInfo));  // the core's own, added once more by the module
  BOOST_TEST(has(vars, ns::kDiscoItems));
}

BOOST_AUTO_TEST_CASE(xep0030_3_1_host_has_identity_server_im) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, kInfo);
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(reply.attr("from") == "example.org");
  const Element* q = reply.child("query", ns::kDiscoInfo);
  BOOST_REQUIRE(q);
  auto ids = q->elements("identity", ns::kDiscoInfo);
  bool server_im = false;
  for (const Element* i : ids) server_im |= i->attr("category") == "server" && i->attr("type") == "im";
  BOOST_TEST(server_im);
}

BOOST_AUTO_TEST_CASE(xep0030_3_1_host_lists_the_features_of_its_enabled_modules) {
  TestHost host({"ping", "vcard", "private", "version"});
  auto& alice = host.connect("alice@example.org/phone");
  auto f = features(host.iq(alice, kInfo));
  // XEP-0030 §3.1: an entity supporting disco#info says so, and disco#items too.
  BOOST_TEST(has(f, ns::kDiscoInfo));
  BOOST_TEST(has(f, ns::kDiscoItems));
  BOOST_TEST(has(f, ns::kPing));
  BOOST_TEST(has(f, ns::kVCard));
  BOOST_TEST(has(f, ns::kPrivate));
  BOOST_TEST(has(f, ns::kVersion));
  // Each feature once, in a stable (sorted) order.
  BOOST_TEST(std::is_sorted(f.begin(), f.end()));
  BOOST_TEST((std::adjacent_find(f.begin(), f.end()) == f.end()));
}

BOOST_AUTO_TEST_CASE(xep0030_3_1_features_of_modules_not_enabled_are_absent) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  auto f = features(host.iq(alice, kInfo));
  BOOST_TEST(has(f, ns::kPing));
  BOOST_TEST(!has(f, ns::kVCard));
  BOOST_TEST(!has(f, ns::kVersion));
  BOOST_TEST(!has(f, ns::kCaps));
}

BOOST_AUTO_TEST_CASE(xep0030_4_1_host_items_list_its_subdomain_hosts) {
  TestHost host(std::vector<HostSpec>{HostSpec{"example.org", {}, {}}, HostSpec{"guest.example.org", {}, {}, true},
                 HostSpec{"chat.example.org", {}, {}}, HostSpec{"other.net", {}, {}}});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply =
      host.iq(alice, "<iq type='get' id='it1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  BOOST_TEST(reply.attr("type") == "result");
  auto list = items(reply);
  BOOST_TEST(has(list, "guest.example.org"));
  BOOST_TEST(has(list, "chat.example.org"));
  BOOST_TEST(!has(list, "other.net"));
  BOOST_TEST(!has(list, "example.org"));
  // A host with no subdomains has no items.
  Element leaf = host.iq(
      alice, "<iq type='get' id='it2' to='chat.example.org'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  BOOST_TEST(leaf.attr("type") == "result");
  BOOST_TEST(items(leaf).empty());
}

BOOST_AUTO_TEST_CASE(xep0030_3_1_account_bare_jid_answers_account_registered) {
  TestHost host(std::vector<std::string>{"ping", "vcard"});
  host.create_account("bob@example.org");
  // RFC 6121 §8.5.1 with XEP-0030 §3.1: alice has a subscription to bob's presence ('from' in
  // bob's roster), so she may see his account.
  RosterItem alice_item;
  alice_item.jid = "alice@example.org";
  alice_item.subscription = Subscription::from;
  host.wait(host.storage().roster().put("example.org", "bob", alice_item));
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(
      alice, "<iq type='get' id='a1' to='bob@example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(reply.attr("from") == "bob@example.org");
  const Element* q = reply.child("query", ns::kDiscoInfo);
  BOOST_REQUIRE(q);
  auto ids = q->elements("identity", ns::kDiscoInfo);
  BOOST_REQUIRE_EQUAL(ids.size(), 1u);
  BOOST_TEST(ids[0]->attr("category") == "account");
  BOOST_TEST(ids[0]->attr("type") == "registered");
  auto f = features(reply);
  BOOST_TEST(has(f, ns::kDiscoInfo));
  // Host features are the server's, not the account's.
  BOOST_TEST(!has(f, ns::kPing));
}

// RFC 6121 §8.5.1, XEP-0030 §3.1: without a subscription ('none', 'to' or a pending request),
// and for an account that does not exist, the answer is the same service-unavailable, so a
// stranger learns nothing about which accounts exist.
BOOST_AUTO_TEST_CASE(xep0030_3_1_account_hidden_without_subscription_and_when_missing) {
  TestHost host(std::vector<std::string>{"ping"});
  host.create_account("bob@example.org");
  host.create_account("alice@example.org");
  RosterItem alice_item;
  alice_item.jid = "alice@example.org";
  alice_item.subscription = Subscription::to;  // bob sees alice; alice does not see bob
  alice_item.pending_in = true;
  host.wait(host.storage().roster().put("example.org", "bob", alice_item));
  auto& alice = host.connect("alice@example.org/phone");
  for (const char* to : {"bob@example.org", "nobody@example.org"}) {
    for (const char* query_ns : {"disco#info", "disco#items"}) {
      Element reply = host.iq(alice, std::string("<iq type='get' id='h1' to='") + to +
                                         "'><query xmlns='http://jabber.org/protocol/" + query_ns + "'/></iq>");
      BOOST_TEST(reply.attr("type") == "error");
      const Element* error = reply.child("error", ns::kClient);
      BOOST_REQUIRE(error);
      BOOST_TEST(error->child("service-unavailable", ns::kStanzaErrors) != nullptr);
      BOOST_TEST(!reply.child("query", std::string("http://jabber.org/protocol/") + query_ns));
    }
  }
  // The account itself always may (bob asks about bob).
  auto& bob = host.connect("bob@example.org/desk");
  Element own = host.iq(bob, "<iq type='get' id='h2' to='bob@example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_TEST(own.attr("type") == "result");
}

BOOST_AUTO_TEST_CASE(xep0030_3_1_disco_info_without_to_is_about_the_own_account) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, "<iq type='get' id='a2'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_TEST(reply.attr("type") == "result");
  const Element* q = reply.child("query", ns::kDiscoInfo);
  BOOST_REQUIRE(q);
  BOOST_REQUIRE(q->child("identity", ns::kDiscoInfo));
  BOOST_TEST(q->child("identity", ns::kDiscoInfo)->attr("category") == "account");
}

BOOST_AUTO_TEST_CASE(xep0030_7_unknown_node_is_item_not_found) {
  TestHost host(std::vector<std::string>{"ping", "caps"});
  auto& alice = host.connect("alice@example.org/phone");
  Element info = host.iq(alice,
                         "<iq type='get' id='n1' to='example.org'>"
                         "<query xmlns='http://jabber.org/protocol/disco#info' node='urn:example:nothing'/></iq>");
  BOOST_TEST(info.attr("type") == "error");
  BOOST_TEST(error_condition(info) == "item-not-found");
  Element items_reply = host.iq(alice,
                                "<iq type='get' id='n2' to='example.org'>"
                                "<query xmlns='http://jabber.org/protocol/disco#items' node='urn:example:nothing'/></iq>");
  BOOST_TEST(items_reply.attr("type") == "error");
  BOOST_TEST(error_condition(items_reply) == "item-not-found");
}

BOOST_AUTO_TEST_CASE(xep0030_visitor_host_lists_only_its_own_modules) {
  TestHost host(std::vector<HostSpec>{HostSpec{"example.org", {"ping", "vcard"}, {}}, HostSpec{"guest.example.org", {"ping"}, {}, true}});
  auto& visitor = host.connect("x1@guest.example.org/web");
  Element reply = host.iq(
      visitor,
      "<iq type='get' id='v1' to='guest.example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  auto f = features(reply);
  BOOST_TEST(has(f, ns::kPing));
  BOOST_TEST(!has(f, ns::kVCard));
}

BOOST_AUTO_TEST_CASE(xep0030_disco_set_is_not_a_disco_query) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(
      alice, "<iq type='set' id='x1' to='example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "service-unavailable");
}

BOOST_AUTO_TEST_CASE(rfc6120_10_3_3_error_to_an_iq_without_to_comes_from_the_account) {
  TestHost host({"ping"});
  auto& alice = host.connect("alice@example.org/phone");
  // RFC 6120 §8.4: a namespace nothing handles is service-unavailable, also without 'to'.
  Element reply = host.iq(alice, "<iq type='get' id='u1'><query xmlns='urn:example:unknown'/></iq>");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(reply.attr("from") == "alice@example.org");
  BOOST_TEST(error_condition(reply) == "service-unavailable");
}
