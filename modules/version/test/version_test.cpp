// XEP-0092 Software Version of the server, driven through the real router.
#define BOOST_TEST_MODULE version
#include <boost/test/unit_test.hpp>

#include "test_host.hpp"
#include "xmppd/namespaces.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {
const char* kQuery = "<iq type='get' id='v1' to='example.org'><query xmlns='jabber:iq:version'/></iq>";
}

BOOST_AUTO_TEST_CASE(xep0092_2_server_answers_with_name_and_version) {
  TestHost host({"version"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, kQuery);
  BOOST_TEST(reply.attr("type") == "result");
  BOOST_TEST(reply.attr("from") == "example.org");
  const Element* q = reply.child("query", ns::kVersion);
  BOOST_REQUIRE(q);
  BOOST_TEST(q->child_text("name", ns::kVersion) == "xmppd");
  std::string version = q->child_text("version", ns::kVersion);
  BOOST_TEST(!version.empty());
  BOOST_TEST(std::isdigit(static_cast<unsigned char>(version.front())));
}

BOOST_AUTO_TEST_CASE(xep0092_5_operating_system_is_not_disclosed_by_default) {
  TestHost host({"version"});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, kQuery);
  BOOST_REQUIRE(reply.child("query", ns::kVersion));
  BOOST_TEST(reply.child("query", ns::kVersion)->child("os", ns::kVersion) == nullptr);
}

BOOST_AUTO_TEST_CASE(xep0092_5_operating_system_is_disclosed_when_show_os_is_set) {
  HostSpec spec{"example.org", {"version"}, {{"version", {{"show_os", "true"}}}}};
  TestHost host({spec});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, kQuery);
  const Element* q = reply.child("query", ns::kVersion);
  BOOST_REQUIRE(q);
  BOOST_TEST(!q->child_text("os", ns::kVersion).empty());
}

BOOST_AUTO_TEST_CASE(xep0092_4_feature_is_advertised_only_where_enabled) {
  TestHost host(std::vector<HostSpec>{HostSpec{"example.org", {"version"}, {}}, HostSpec{"other.org", {}, {}}});
  auto& alice = host.connect("alice@example.org/phone");
  auto has_feature = [&](const std::string& domain) {
    Element reply = host.iq(alice, "<iq type='get' id='d-" + domain + "' to='" + domain +
                                       "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    bool found = false;
    for (const Element* f : reply.child("query", ns::kDiscoInfo)->elements("feature", ns::kDiscoInfo))
      found |= f->attr("var") == ns::kVersion;
    return found;
  };
  BOOST_TEST(has_feature("example.org"));
  BOOST_TEST(!has_feature("other.org"));
}

BOOST_AUTO_TEST_CASE(xep0092_3_host_without_the_module_answers_service_unavailable) {
  TestHost host(std::vector<HostSpec>{HostSpec{"example.org", {}, {}}});
  auto& alice = host.connect("alice@example.org/phone");
  Element reply = host.iq(alice, kQuery);
  BOOST_TEST(reply.attr("type") == "error");
  BOOST_TEST(reply.child("error", ns::kClient)->child("service-unavailable", ns::kStanzaErrors) != nullptr);
}
