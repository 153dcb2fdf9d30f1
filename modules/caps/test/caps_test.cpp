// XEP-0115 Entity Capabilities of the server: the verification string (§5) and the stream
// feature with its node#ver disco (§6.2, §6.3), driven through the real router.
#define BOOST_TEST_MODULE caps
#include <boost/test/unit_test.hpp>

#include "../caps_ver.hpp"
#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

const char* kNode = "https://xmppd.example/caps";

// The <c/> in the post-authentication stream features of `domain`, or nullopt.
std::optional<Element> caps_feature(TestHost& host, const std::string& domain, bool authenticated = true) {
  Element f("features", ns::kStream);
  host.core().add_stream_features(domain, nullptr, authenticated, f);
  if (const Element* c = f.child("c", ns::kCaps)) return *c;
  return std::nullopt;
}

Element disco_info(TestHost& host, FakeSession& s, const std::string& to, const std::string& node = {}) {
  std::string attr = node.empty() ? "" : " node='" + node + "'";
  Element reply = host.iq(s, "<iq type='get' id='di' to='" + to + "'><query xmlns='http://jabber.org/protocol/disco#info'" +
                                 attr + "/></iq>");
  return reply;
}

std::string error_condition(const Element& reply) {
  const Element* e = reply.child("error", ns::kClient);
  if (!e) return {};
  for (const auto& c : e->children())
    if (!c.is_text() && c.ns() == ns::kStanzaErrors && c.name() != "text") return c.name();
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(xep0115_5_2_simple_generation_example) {
  Element q = xml(
      "<query xmlns='http://jabber.org/protocol/disco#info'>"
      "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
      "<feature var='http://jabber.org/protocol/disco#info'/>"
      "<feature var='http://jabber.org/protocol/disco#items'/>"
      "<feature var='http://jabber.org/protocol/muc'/>"
      "<feature var='http://jabber.org/protocol/caps'/>"
      "</query>");
  BOOST_TEST(caps::verification_input(q) ==
             "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<"
             "http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<");
  BOOST_TEST(caps::verification_string(q) == "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

BOOST_AUTO_TEST_CASE(xep0115_5_3_complex_generation_example) {
  Element q = xml(
      "<query xmlns='http://jabber.org/protocol/disco#info'>"
      "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
      "<identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>"
      "<feature var='http://jabber.org/protocol/disco#info'/>"
      "<feature var='http://jabber.org/protocol/disco#items'/>"
      "<feature var='http://jabber.org/protocol/muc'/>"
      "<feature var='http://jabber.org/protocol/caps'/>"
      "<x xmlns='jabber:x:data' type='result'>"
      "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
      "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
      "<field var='os'><value>Mac</value></field>"
      "<field var='os_version'><value>10.5.1</value></field>"
      "<field var='software'><value>Psi</value></field>"
      "<field var='software_version'><value>0.11</value></field>"
      "</x></query>");
  BOOST_TEST(caps::verification_input(q) ==
             "client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<"
             "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
             "http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<"
             "os_version<10.5.1<software<Psi<software_version<0.11<");
  BOOST_TEST(caps::verification_string(q) == "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

BOOST_AUTO_TEST_CASE(xep0115_5_order_of_identities_features_and_forms_does_not_matter) {
  Element a = xml(
      "<query xmlns='http://jabber.org/protocol/disco#info'>"
      "<identity category='server' type='im' name='xmppd'/><identity category='pubsub' type='pep'/>"
      "<feature var='urn:xmpp:ping'/><feature var='vcard-temp'/></query>");
  Element b = xml(
      "<query xmlns='http://jabber.org/protocol/disco#info'>"
      "<feature var='vcard-temp'/><feature var='urn:xmpp:ping'/>"
      "<identity category='pubsub' type='pep'/><identity category='server' type='im' name='xmppd'/></query>");
  BOOST_TEST(caps::verification_string(a) == caps::verification_string(b));
}

BOOST_AUTO_TEST_CASE(xep0115_6_3_caps_are_in_the_stream_features_after_authentication) {
  TestHost host(std::vector<std::string>{"caps", "ping"});
  auto c = caps_feature(host, "example.org");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->attr("hash") == "sha-1");
  BOOST_TEST(c->attr("node") == kNode);
  // The ver is that of the disco#info a client gets from the host.
  auto& alice = host.connect("alice@example.org/phone");
  Element info = disco_info(host, alice, "example.org");
  BOOST_TEST(c->attr("ver") == caps::verification_string(*info.child("query", ns::kDiscoInfo)));
  // Nothing about the server before authentication.
  BOOST_TEST(!caps_feature(host, "example.org", false));
}

BOOST_AUTO_TEST_CASE(xep0115_7_caps_feature_is_advertised) {
  TestHost host({"caps"});
  auto& alice = host.connect("alice@example.org/phone");
  Element info = disco_info(host, alice, "example.org");
  bool found = false;
  for (const Element* f : info.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
    found |= f->attr("var") == ns::kCaps;
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(xep0115_5_ver_changes_when_the_hosts_modules_differ) {
  TestHost host(std::vector<HostSpec>{HostSpec{"a.example", {"caps", "ping"}, {}}, HostSpec{"b.example", {"caps", "ping", "vcard"}, {}},
                 HostSpec{"c.example", {"ping", "caps"}, {}}});
  auto a = caps_feature(host, "a.example");
  auto b = caps_feature(host, "b.example");
  auto c = caps_feature(host, "c.example");
  BOOST_REQUIRE(a && b && c);
  BOOST_TEST(a->attr("ver") != b->attr("ver"));
  // The same modules, in another order: the same capabilities, the same ver.
  BOOST_TEST(a->attr("ver") == c->attr("ver"));
}

BOOST_AUTO_TEST_CASE(xep0115_6_2_disco_info_of_node_hash_ver_is_answered) {
  TestHost host({"caps", "ping", "vcard"});
  auto& alice = host.connect("alice@example.org/phone");
  std::string ver(caps_feature(host, "example.org")->attr("ver"));
  std::string node = std::string(kNode) + "#" + ver;
  Element reply = disco_info(host, alice, "example.org", node);
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(reply.attr("from") == "example.org");
  const Element* q = reply.child("query", ns::kDiscoInfo);
  BOOST_REQUIRE(q);
  BOOST_TEST(q->attr("node") == node);
  // The answer hashes to the ver it was asked for (what a client checks, §5.4).
  BOOST_TEST(caps::verification_string(*q) == ver);
  bool vcard = false;
  for (const Element* f : q->elements("feature", ns::kDiscoInfo)) vcard |= f->attr("var") == ns::kVCard;
  BOOST_TEST(vcard);
}

BOOST_AUTO_TEST_CASE(xep0115_6_2_disco_info_of_a_stale_ver_is_item_not_found) {
  TestHost host({"caps"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = disco_info(host, alice, "example.org", std::string(kNode) + "#QgayPKawpkPSDYmwT/WM94uAlu0=");
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(error_condition(reply) == "item-not-found");
}

BOOST_AUTO_TEST_CASE(caps_node_is_an_option) {
  HostSpec spec{"example.org", {"caps"}, {{"caps", {{"node", "https://pife.lodzkie.example/xmppd"}}}}};
  TestHost host({spec});
  auto c = caps_feature(host, "example.org");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->attr("node") == "https://pife.lodzkie.example/xmppd");
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = disco_info(host, alice, "example.org", "https://pife.lodzkie.example/xmppd#" + std::string(c->attr("ver")));
  BOOST_TEST(reply.attr("type") == "result");
}

BOOST_AUTO_TEST_CASE(xep0115_6_3_visitors_get_the_caps_of_their_own_host) {
  TestHost host(std::vector<HostSpec>{HostSpec{"example.org", {"caps", "vcard"}, {}}, HostSpec{"guest.example.org", {"caps"}, {}, true}});
  auto accounts = caps_feature(host, "example.org");
  auto guests = caps_feature(host, "guest.example.org");
  BOOST_REQUIRE(accounts && guests);
  BOOST_TEST(accounts->attr("ver") != guests->attr("ver"));
  auto& visitor = host.connect("x1@guest.example.org/web");
  Element info = disco_info(host, visitor, "guest.example.org");
  BOOST_TEST(guests->attr("ver") == caps::verification_string(*info.child("query", ns::kDiscoInfo)));
}
