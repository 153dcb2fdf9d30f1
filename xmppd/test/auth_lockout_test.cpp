// AuthLockout (bad-input row 13): failed logins per address and per account, with a clock the
// test moves by hand.
#define BOOST_TEST_MODULE auth_lockout
#include <boost/test/unit_test.hpp>

#include "net/auth_lockout.hpp"

using xmppd::AuthLockout;
using namespace std::chrono_literals;

namespace {
const AuthLockout::Clock::time_point t0{};
AuthLockout lockout() { return AuthLockout({.per_ip = 4, .per_account = 2, .period = 300s}); }
}  // namespace

BOOST_AUTO_TEST_CASE(account_locks_after_its_limit_and_others_do_not) {
  auto l = lockout();
  l.failed("10.0.0.1", "alice@d", t0);
  BOOST_TEST(!l.locked("10.0.0.1", "alice@d", t0 + 1s));
  l.failed("10.0.0.1", "alice@d", t0 + 1s);
  BOOST_TEST(l.locked("10.0.0.1", "alice@d", t0 + 2s));
  BOOST_TEST(l.locked("10.0.0.9", "alice@d", t0 + 2s));  // from any address
  BOOST_TEST(!l.locked("10.0.0.1", "bob@d", t0 + 2s));   // the address itself is under its limit
}

BOOST_AUTO_TEST_CASE(address_locks_after_its_limit_for_every_account) {
  auto l = lockout();
  for (int i = 0; i < 4; ++i) l.failed("10.0.0.1", "user" + std::to_string(i) + "@d", t0 + i * 1s);
  BOOST_TEST(l.locked("10.0.0.1", "bob@d", t0 + 5s));
  BOOST_TEST(!l.locked("10.0.0.2", "bob@d", t0 + 5s));
}

BOOST_AUTO_TEST_CASE(lockout_ends_a_period_after_the_last_failure) {
  auto l = lockout();
  l.failed("ip", "alice@d", t0);
  l.failed("ip", "alice@d", t0 + 100s);
  BOOST_TEST(l.locked("ip", "alice@d", t0 + 399s));
  BOOST_TEST(!l.locked("ip", "alice@d", t0 + 400s));
}

BOOST_AUTO_TEST_CASE(failures_further_apart_than_the_period_do_not_add_up) {
  auto l = lockout();
  l.failed("ip", "alice@d", t0);
  l.failed("ip", "alice@d", t0 + 301s);
  BOOST_TEST(!l.locked("ip", "alice@d", t0 + 302s));
}

BOOST_AUTO_TEST_CASE(success_clears_the_account_but_not_the_address) {
  auto l = lockout();
  for (int i = 0; i < 3; ++i) l.failed("ip", "x" + std::to_string(i) + "@d", t0);
  l.failed("ip", "alice@d", t0);
  l.succeeded("alice@d");
  BOOST_TEST(l.locked("ip", "bob@d", t0 + 1s));  // four failures from the address
  BOOST_TEST(!l.locked("other", "alice@d", t0 + 1s));
}

BOOST_AUTO_TEST_CASE(zero_turns_a_lockout_off) {
  AuthLockout l({.per_ip = 0, .per_account = 0, .period = 300s});
  for (int i = 0; i < 100; ++i) l.failed("ip", "alice@d", t0);
  BOOST_TEST(!l.locked("ip", "alice@d", t0));
}
