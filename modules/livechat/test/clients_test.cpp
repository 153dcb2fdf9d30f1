// Unit tests of livechat clients and staff rights (clients.hpp, issue 6): client keys are hashes
// of normalised values (the same e-mail however written is one key; the address is not in the
// key), and roles decide which queues' records a member of staff reads.
#define BOOST_TEST_MODULE livechat_clients
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ostream>

#include "../clients.hpp"
#include "../queue_config.hpp"
#include "xmppd/options.hpp"

namespace xmppd::livechat {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& o, StaffRole r) { return o << to_string(r); }
}  // namespace xmppd::livechat

using namespace xmppd::livechat;
using std::chrono::milliseconds;

namespace {

std::vector<QueueConfig> queues() {
  return {parse_queue("general | Pytania ogólne | anna, bob | 30s", "example.org", milliseconds(30000)),
          parse_queue("dotacje | Dotacje | bob, cezary | 30s", "example.org", milliseconds(30000)),
          parse_queue("lodz | Punkt w Łodzi | dorota | 30s", "example.org", milliseconds(30000))};
}

xmppd::Options roles_options(std::vector<std::string> supervisors, std::vector<std::string> administrators) {
  return xmppd::Options({{"supervisors", supervisors}, {"administrators", administrators}});
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_email_key_is_the_hash_of_the_trimmed_lower_cased_address) {
  auto a = email_key("Ola.Nowak@Example.PL");
  auto b = email_key("  ola.nowak@example.pl\t");
  BOOST_REQUIRE(a && b);
  BOOST_TEST(a->kind == "email");
  BOOST_TEST(a->hash == b->hash);
  BOOST_TEST(a->hash.size() == 64u);  // SHA-256, hex
  BOOST_TEST(a->hash.find("example") == std::string::npos);
  BOOST_TEST(email_key("ola@example.com")->hash != a->hash);
  for (const char* bad : {"", "ola", "@example.pl", "ola@", "ola@@example.pl", "o la@example.pl", "a@b@c"})
    BOOST_TEST(!email_key(bad), bad);
}

BOOST_AUTO_TEST_CASE(token_and_phone_keys_have_their_own_kind) {
  BOOST_TEST(token_key("abc").kind == "token");
  BOOST_TEST(token_key("abc").hash == "abc");  // already the token's SHA-256
  auto p = phone_key("+48601234567");
  BOOST_TEST(p.kind == "phone");
  BOOST_TEST(p.hash.size() == 64u);
  BOOST_TEST(p.hash.find("601234567") == std::string::npos);
  // The same digits as an e-mail key would be another key: kinds keep them apart in storage.
  BOOST_TEST(phone_key("+48601234567").hash == p.hash);
}

BOOST_AUTO_TEST_CASE(new_clients_are_time_ordered) {
  auto a = new_client(1'700'000'000'000'000);
  auto b = new_client(1'700'000'000'000'001);
  BOOST_TEST(a.id < b.id);
  BOOST_TEST(a.created_us == a.last_seen_us);
  BOOST_TEST(a.data_class == "livechat_client");
}

BOOST_AUTO_TEST_CASE(consultants_read_their_queues_supervisors_and_administrators_all) {
  auto q = queues();
  auto roles = read_staff_roles(roles_options({"szef"}, {"admin@example.org"}), "example.org");
  BOOST_TEST(role_of(q, roles, "anna@example.org") == StaffRole::consultant);
  BOOST_TEST(role_of(q, roles, "szef@example.org") == StaffRole::supervisor);
  BOOST_TEST(role_of(q, roles, "admin@example.org") == StaffRole::administrator);
  BOOST_TEST(role_of(q, roles, "eve@example.org") == StaffRole::none);
  BOOST_TEST(role_of(q, roles, "anna@other.org") == StaffRole::none);
  BOOST_TEST((readable_queues(q, roles, "anna@example.org") == std::vector<std::string>{"general"}));
  BOOST_TEST((readable_queues(q, roles, "bob@example.org") == std::vector<std::string>{"general", "dotacje"}));
  BOOST_TEST((readable_queues(q, roles, "szef@example.org") == std::vector<std::string>{"general", "dotacje", "lodz"}));
  BOOST_TEST((readable_queues(q, roles, "admin@example.org") == std::vector<std::string>{"general", "dotacje", "lodz"}));
  BOOST_TEST(readable_queues(q, roles, "eve@example.org").empty());
  // A supervisor who is also a queue member is a supervisor.
  auto both = read_staff_roles(roles_options({"anna"}, {}), "example.org");
  BOOST_TEST(role_of(q, both, "anna@example.org") == StaffRole::supervisor);
}

BOOST_AUTO_TEST_CASE(staff_role_options_are_checked) {
  BOOST_CHECK_THROW(read_staff_roles(roles_options({"anna@example.org/phone"}, {}), "example.org"),
                    std::invalid_argument);
  BOOST_CHECK_THROW(read_staff_roles(roles_options({}, {""}), "example.org"), std::invalid_argument);
  BOOST_CHECK_THROW(read_staff_roles(roles_options({"@example.org"}, {}), "example.org"), std::invalid_argument);
  auto ok = read_staff_roles(roles_options({"szef", "ola@example.org"}, {}), "example.org");
  BOOST_TEST(ok.supervisors.count("szef@example.org") == 1u);
  BOOST_TEST(ok.supervisors.count("ola@example.org") == 1u);
}
