// The visitor host's routing policy through the real router: what a visitor may send and
// receive, the errors of RFC 6120 §8.3.3.19 and the silence for presence (RFC 6121 §8.5).
#define BOOST_TEST_MODULE visitor_policy
#include <boost/test/unit_test.hpp>

#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

std::vector<HostSpec> hosts(std::map<std::string, std::string> policy_options = {}) {
  std::map<std::string, std::map<std::string, std::string>> options;
  if (!policy_options.empty()) options["visitor_policy"] = policy_options;
  return {HostSpec{"example.org", {"ping"}, {}},
          HostSpec{"guest.example.org", {"visitor_policy", "ping"}, options, true},
          HostSpec{"chat.example.org", {"ping"}, {}},
          HostSpec{"upload.example.org", {"ping"}, {}},
          HostSpec{"elsewhere.example", {"ping"}, {}}};
}

std::string condition(const Element& stanza) {
  const Element* error = stanza.child("error", ns::kClient);
  if (!error) return "";
  const Element* c = error->first_child_element();
  return c ? c->name() : "";
}

std::string ping(TestHost& host, FakeSession& from, const std::string& to) {
  Element reply = host.iq(from, "<iq type='get' id='p' to='" + to + "'><ping xmlns='urn:xmpp:ping'/></iq>");
  return reply.attr("type") == "result" ? "result" : condition(reply);
}

}  // namespace

BOOST_AUTO_TEST_CASE(visitor_reaches_its_host_the_service_hosts_and_nothing_else) {
  TestHost host(hosts());
  auto& visitor = host.connect("v1@guest.example.org/web");
  BOOST_TEST(ping(host, visitor, "guest.example.org") == "result");
  BOOST_TEST(ping(host, visitor, "chat.example.org") == "result");
  BOOST_TEST(ping(host, visitor, "upload.example.org") == "result");
  BOOST_TEST(ping(host, visitor, "v1@guest.example.org") == "result");  // its own account
  // RFC 6120 §8.3.3.19: the consultants' host and any other host are not there for a visitor.
  BOOST_TEST(ping(host, visitor, "example.org") == "service-unavailable");
  BOOST_TEST(ping(host, visitor, "elsewhere.example") == "service-unavailable");
  Element disco = host.iq(visitor, "<iq type='get' id='d' to='guest.example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  BOOST_TEST(disco.attr("type") == "result");
}

BOOST_AUTO_TEST_CASE(visitor_message_to_a_consultant_is_refused_and_never_delivered) {
  TestHost host(hosts());
  auto& consultant = host.connect("anna@example.org/desk");
  consultant.available = true;
  auto& visitor = host.connect("v1@guest.example.org/web");
  host.send(visitor, "<message type='chat' id='m1' to='anna@example.org'><body>Dzień dobry</body></message>");
  host.send(visitor, "<message type='chat' id='m2' to='anna@example.org/desk'><body>Halo</body></message>");
  BOOST_TEST(host.take(consultant).empty());
  auto got = host.take(visitor);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  for (const Element& e : got) {
    BOOST_TEST(e.attr("type") == "error");
    BOOST_TEST(condition(e) == "service-unavailable");
  }
  BOOST_TEST(got[0].attr("from") == "anna@example.org");
}

BOOST_AUTO_TEST_CASE(consultant_cannot_reach_a_visitor_directly) {
  TestHost host(hosts());
  auto& consultant = host.connect("anna@example.org/desk");
  auto& visitor = host.connect("v1@guest.example.org/web");
  visitor.available = true;
  host.send(consultant, "<message type='chat' id='m1' to='v1@guest.example.org/web'><body>Hej</body></message>");
  host.send(consultant, "<iq type='get' id='i1' to='v1@guest.example.org/web'><ping xmlns='urn:xmpp:ping'/></iq>");
  host.send(consultant, "<presence to='v1@guest.example.org/web'/>");
  BOOST_TEST(host.take(visitor).empty());
  auto got = host.take(consultant);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);  // RFC 6121 §8.5: no error for presence
  BOOST_TEST(condition(got[0]) == "service-unavailable");
  BOOST_TEST(condition(got[1]) == "service-unavailable");
  // The same answer as for a visitor that does not exist: nothing tells them apart.
  host.send(consultant, "<message type='chat' id='m3' to='nobody@guest.example.org/web'><body>Hej</body></message>");
  auto none = host.take(consultant);
  BOOST_REQUIRE_EQUAL(none.size(), 1u);
  BOOST_TEST(condition(none[0]) == "service-unavailable");
}

BOOST_AUTO_TEST_CASE(visitors_cannot_reach_each_other_and_presence_is_dropped_silently) {
  TestHost host(hosts());
  auto& v1 = host.connect("v1@guest.example.org/web");
  auto& v2 = host.connect("v2@guest.example.org/web");
  v2.available = true;
  host.send(v1, "<message type='chat' id='m1' to='v2@guest.example.org/web'><body>hi</body></message>");
  host.send(v1, "<presence to='v2@guest.example.org'/>");
  BOOST_TEST(host.take(v2).empty());
  auto got = host.take(v1);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(condition(got[0]) == "service-unavailable");
}

BOOST_AUTO_TEST_CASE(the_conversation_on_the_livechat_host_reaches_the_visitor_and_back) {
  TestHost host(hosts());
  auto& room = host.connect("conv-1@chat.example.org/service");
  auto& visitor = host.connect("v1@guest.example.org/web");
  visitor.available = true;
  host.send(room, "<message type='groupchat' id='g1' to='v1@guest.example.org/web'><body>Witamy</body></message>");
  auto got = host.take(visitor);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].attr("from") == "conv-1@chat.example.org/service");
  host.send(visitor, "<message type='chat' id='c1' to='conv-1@chat.example.org/service'><body>Pytanie</body></message>");
  BOOST_REQUIRE_EQUAL(host.take(room).size(), 1u);
}

BOOST_AUTO_TEST_CASE(allowed_hosts_option_replaces_the_defaults) {
  TestHost host(hosts({{"allowed_hosts", "chat.{domain}\x1f" "elsewhere.example"}}));
  auto& visitor = host.connect("v1@guest.example.org/web");
  BOOST_TEST(ping(host, visitor, "chat.example.org") == "result");
  BOOST_TEST(ping(host, visitor, "elsewhere.example") == "result");
  BOOST_TEST(ping(host, visitor, "upload.example.org") == "service-unavailable");
}

BOOST_AUTO_TEST_CASE(other_hosts_are_not_affected) {
  TestHost host(hosts());
  auto& anna = host.connect("anna@example.org/desk");
  BOOST_TEST(ping(host, anna, "elsewhere.example") == "result");
  BOOST_TEST(ping(host, anna, "guest.example.org") == "result");  // the visitor host itself
}
