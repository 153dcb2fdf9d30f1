// The storage contract suite: every STORAGE_TEST runs once on SQLite (a temporary file) and once
// on MariaDB (the server named by XMPPD_TEST_MARIADB), as suites sqlite/ and mariadb/.
//
// XMPPD_TEST_MARIADB="host=127.0.0.1;port=3306;user=root;database=xmppd_test" (also socket=...,
// password=...; or the password in XMPPD_TEST_MARIADB_PASSWORD). tests/mariadb/
// start-test-server.sh starts a throwaway server and prints that line. The database named is
// dropped and created again by every MariaDB test. Without XMPPD_TEST_MARIADB the MariaDB tests
// FAIL, unless XMPPD_TEST_NO_MARIADB=1 says to skip them (quick local loops only).
#define BOOST_TEST_MODULE storage
#include <boost/test/unit_test.hpp>

#include <mysql.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "storage/archive_sql.hpp"
#include "storage/mariadb_connection.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/storage_factory.hpp"
#include "xmppd/asio.hpp"

using namespace std::chrono_literals;
namespace utf = boost::unit_test;
using xmppd::Account;
using xmppd::OfflineMessage;
using xmppd::RosterItem;
using xmppd::Storage;
using xmppd::PepItem;
using xmppd::PepNodeConfig;
using xmppd::StorageConfig;
using xmppd::UploadRecord;
using xmppd::UploadState;
using xmppd::StorageError;
using xmppd::Subscription;
using xmppd::Task;
namespace asio = xmppd::asio;

namespace {

const std::string kHost = "example.org";

// --- MariaDB test server ------------------------------------------------------------------------

bool mariadb_skipped_on_purpose() {
  const char* no = std::getenv("XMPPD_TEST_NO_MARIADB");
  return no && std::string(no) == "1";
}

struct MariadbWanted {
  boost::test_tools::assertion_result operator()(utf::test_unit_id) const {
    if (!mariadb_skipped_on_purpose()) return true;
    boost::test_tools::assertion_result r(false);
    r.message() << "XMPPD_TEST_NO_MARIADB=1";
    return r;
  }
};

struct MariadbEnv {
  std::string host = "127.0.0.1", socket, user = "root", password, database = "xmppd_test";
  unsigned port = 3306;
};

MariadbEnv mariadb_env() {
  const char* spec = std::getenv("XMPPD_TEST_MARIADB");
  if (!spec || !*spec) {
    BOOST_FAIL(
        "XMPPD_TEST_MARIADB is not set: start a server with tests/mariadb/start-test-server.sh "
        "and export what it prints, or set XMPPD_TEST_NO_MARIADB=1 to skip the MariaDB tests");
  }
  MariadbEnv env;
  std::string s = spec;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(';', start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string::npos) BOOST_FAIL("XMPPD_TEST_MARIADB: '" + part + "' is not key=value");
    std::string key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "host") env.host = value;
    else if (key == "port") env.port = static_cast<unsigned>(std::stoul(value));
    else if (key == "socket") env.socket = value;
    else if (key == "user") env.user = value;
    else if (key == "password") env.password = value;
    else if (key == "database") env.database = value;
    else BOOST_FAIL("XMPPD_TEST_MARIADB: unknown key '" + key + "'");
  }
  if (const char* pw = std::getenv("XMPPD_TEST_MARIADB_PASSWORD")) env.password = pw;
  return env;
}

// A plain client connection for what the suite does behind the storage's back.
class AdminConnection {
 public:
  explicit AdminConnection(const MariadbEnv& env, bool use_database = false) {
    db_ = mysql_init(nullptr);
    mysql_optionsv(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    unsigned timeout = 10;
    mysql_optionsv(db_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(db_, MYSQL_OPT_READ_TIMEOUT, &timeout);
    const char* host = env.socket.empty() ? env.host.c_str() : nullptr;
    const char* socket = env.socket.empty() ? nullptr : env.socket.c_str();
    if (!mysql_real_connect(db_, host, env.user.c_str(), env.password.c_str(),
                            use_database ? env.database.c_str() : nullptr, env.port, socket, 0)) {
      std::string error = mysql_error(db_);
      mysql_close(db_);
      BOOST_FAIL("cannot connect to the MariaDB test server: " + error);
    }
  }
  ~AdminConnection() { mysql_close(db_); }
  void query(const std::string& sql) {
    if (mysql_query(db_, sql.c_str()) != 0) BOOST_FAIL(sql + ": " + mysql_error(db_));
    if (MYSQL_RES* r = mysql_store_result(db_)) mysql_free_result(r);
  }
  std::vector<std::string> column(const std::string& sql) {
    if (mysql_query(db_, sql.c_str()) != 0) BOOST_FAIL(sql + ": " + mysql_error(db_));
    std::vector<std::string> values;
    if (MYSQL_RES* r = mysql_store_result(db_)) {
      while (MYSQL_ROW row = mysql_fetch_row(r)) values.emplace_back(row[0] ? row[0] : "");
      mysql_free_result(r);
    }
    return values;
  }

 private:
  MYSQL* db_;
};

// Kills every connection to the test database except the caller's; returns how many.
int kill_other_connections(const MariadbEnv& env) {
  AdminConnection admin(env);
  auto ids = admin.column(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + env.database +
      "' AND ID <> CONNECTION_ID()");
  for (const auto& id : ids) admin.query("KILL CONNECTION " + id);
  return static_cast<int>(ids.size());
}

// --- the harness --------------------------------------------------------------------------------

template <class T>
Task<T> on_caller_thread(Task<T> task, std::thread::id io_thread) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(task);
    BOOST_TEST((std::this_thread::get_id() == io_thread), "resumed off the caller's executor");
  } else {
    T result = co_await std::move(task);
    BOOST_TEST((std::this_thread::get_id() == io_thread), "resumed off the caller's executor");
    co_return result;
  }
}

class Harness {
 public:
  explicit Harness(std::string backend, std::function<void(StorageConfig&)> tweak = {})
      : backend_(std::move(backend)) {
    config_.backend = backend_;
    if (backend_ == "sqlite") {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "xmppd-storage-test-XXXXXX").string();
      if (!mkdtemp(pattern.data())) BOOST_FAIL("mkdtemp failed");
      dir_ = pattern;
      config_.sqlite_path = (dir_ / "xmppd.db").string();
    } else {
      env_ = mariadb_env();
      AdminConnection admin(env_);
      admin.query("DROP DATABASE IF EXISTS `" + env_.database + "`");
      admin.query("CREATE DATABASE `" + env_.database +
                  "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
      config_.mariadb_host = env_.host;
      config_.mariadb_port = env_.port;
      config_.mariadb_socket = env_.socket;
      config_.mariadb_user = env_.user;
      config_.mariadb_password = env_.password;
      config_.mariadb_database = env_.database;
      config_.mariadb_connections = 3;
    }
    if (tweak) tweak(config_);
    storage_ = xmppd::open_storage(config_);
  }
  ~Harness() {
    storage_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  Storage& s() { return *storage_; }
  asio::io_context& io() { return io_; }
  const std::string& backend() const { return backend_; }
  const MariadbEnv& env() const { return env_; }
  StorageConfig& config() { return config_; }

  // Runs one call to completion on this thread's io_context; rethrows what it threw.
  template <class T>
  T run(Task<T> task) {
    std::exception_ptr error;
    bool done = false;
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> result;
    auto spawned = on_caller_thread(std::move(task), std::this_thread::get_id());
    if constexpr (std::is_void_v<T>) {
      asio::co_spawn(io_, std::move(spawned), [&](std::exception_ptr e) {
        error = e;
        done = true;
      });
    } else {
      asio::co_spawn(io_, std::move(spawned), [&](std::exception_ptr e, T r) {
        error = e;
        if (!e) result.emplace(std::move(r));
        done = true;
      });
    }
    drain();
    if (!done) BOOST_FAIL("a storage call did not complete within 60 s");
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>) return std::move(*result);
  }

  // Runs the io_context until every spawned coroutine is done (bounded).
  void drain() {
    io_.restart();
    io_.run_for(60s);
  }

  // Closes the storage (committing what is queued) and opens it again on the same database.
  void reopen(std::function<void(StorageConfig&)> tweak = {}) {
    storage_->stop();
    storage_.reset();
    if (tweak) tweak(config_);
    storage_ = xmppd::open_storage(config_);
  }

 private:
  std::string backend_;
  StorageConfig config_;
  MariadbEnv env_;
  std::filesystem::path dir_;
  asio::io_context io_;  // before storage_: it outlives the storage's last completions
  std::unique_ptr<Storage> storage_;
};

Account make_account(const std::string& user, char seed = 'a') {
  Account a;
  a.host = kHost;
  a.username = user;
  a.sha1 = {std::string(16, seed), 4096, std::string(20, seed + 1), std::string(20, seed + 2)};
  a.sha256 = {std::string(16, seed + 3), 4096, std::string(32, seed + 4),
              std::string(32, seed + 5)};
  return a;
}

bool same(const Account& a, const Account& b) {
  auto eq = [](const xmppd::ScramCredentials& x, const xmppd::ScramCredentials& y) {
    return x.salt == y.salt && x.iterations == y.iterations && x.stored_key == y.stored_key &&
           x.server_key == y.server_key;
  };
  return a.host == b.host && a.username == b.username && eq(a.sha1, b.sha1) &&
         eq(a.sha256, b.sha256);
}

RosterItem make_item(const std::string& jid, Subscription s = Subscription::none) {
  RosterItem item;
  item.jid = jid;
  item.name = "Name of " + jid;
  item.subscription = s;
  item.groups = {"Friends", "Work"};
  return item;
}

std::vector<std::string> versions_of(const std::string& backend) {
  return {"0001_core_accounts", "0002_core_roster", "0003_core_offline", "0004_core_xml_store",
          "0005_core_blocklist", "0006_core_roster_hidden", "0007_core_roster_by_jid",
          "0008_muc_rooms", "0009_pep_nodes_items", "0010_archive_messages",
          "0012_livechat_conversations", "0013_upload_files", "0014_livechat_tickets",
          "0015_livechat_clients", "0016_livechat_audit",
          "0017_livechat_feedback", "0018_livechat_profile_consents", "0019_archive_search_scope",
          "0022_upload_client", "0023_archive_staff_filters", "0024_archive_search_buckets",
          "0025_livechat_legal_hold", "0026_archive_own_periods", "0027_archive_terms_by_the_writer"};
}

}  // namespace

// Registers `name` in the suites sqlite/ and mariadb/, both running name_body(Harness&).
#define STORAGE_TEST(name)                                                          \
  static void name##_body(Harness& h);                                              \
  BOOST_AUTO_TEST_SUITE(sqlite)                                                     \
  BOOST_AUTO_TEST_CASE(name) {                                                      \
    Harness h("sqlite");                                                            \
    name##_body(h);                                                                 \
  }                                                                                 \
  BOOST_AUTO_TEST_SUITE_END()                                                       \
  BOOST_AUTO_TEST_SUITE(mariadb)                                                    \
  BOOST_AUTO_TEST_CASE(name, *utf::precondition(MariadbWanted{})) {                 \
    Harness h("mariadb");                                                           \
    name##_body(h);                                                                 \
  }                                                                                 \
  BOOST_AUTO_TEST_SUITE_END()                                                       \
  static void name##_body(Harness& h)

// --- accounts -----------------------------------------------------------------------------------

STORAGE_TEST(account_create_find_and_refuse_duplicate) {
  auto alice = make_account("alice");
  BOOST_TEST(h.run(h.s().accounts().create(alice)));
  BOOST_TEST(!h.run(h.s().accounts().create(make_account("alice", 'x'))));
  auto found = h.run(h.s().accounts().find(kHost, "alice"));
  BOOST_REQUIRE(found);
  BOOST_TEST(same(*found, alice));  // the duplicate changed nothing
  BOOST_TEST(!h.run(h.s().accounts().find(kHost, "bob")));
  BOOST_TEST(!h.run(h.s().accounts().find("other.example", "alice")));
  BOOST_TEST(!h.run(h.s().accounts().find(kHost, "Alice")));  // prepared names compare as bytes
}

STORAGE_TEST(account_set_credentials_replaces_them_and_reports_missing) {
  BOOST_TEST(h.run(h.s().accounts().create(make_account("alice"))));
  auto changed = make_account("alice", 'm');
  changed.sha256.iterations = 10000;
  BOOST_TEST(h.run(h.s().accounts().set_credentials(changed)));
  BOOST_TEST(same(*h.run(h.s().accounts().find(kHost, "alice")), changed));
  BOOST_TEST(h.run(h.s().accounts().set_credentials(changed)));  // unchanged values: still there
  BOOST_TEST(!h.run(h.s().accounts().set_credentials(make_account("nobody"))));
  BOOST_TEST(!h.run(h.s().accounts().find(kHost, "nobody")));
}

STORAGE_TEST(roster_owners_of_lists_every_roster_with_the_jid) {
  h.run(h.s().roster().put(kHost, "alice", make_item("carol@example.org")));
  h.run(h.s().roster().put("other.example", "bob", make_item("carol@example.org")));
  h.run(h.s().roster().put(kHost, "dave", make_item("erin@example.org")));
  auto owners = h.run(h.s().roster().owners_of("carol@example.org"));
  BOOST_REQUIRE_EQUAL(owners.size(), 2u);
  BOOST_TEST((owners[0] == xmppd::RosterOwner{kHost, "alice"}));
  BOOST_TEST((owners[1] == xmppd::RosterOwner{"other.example", "bob"}));
  BOOST_TEST(h.run(h.s().roster().owners_of("nobody@example.org")).empty());
}

STORAGE_TEST(account_remove_deletes_roster_offline_xml_and_blocks) {
  for (std::string user : {"alice", "bob"}) {
    BOOST_TEST(h.run(h.s().accounts().create(make_account(user))));
    h.run(h.s().roster().put(kHost, user, make_item("carol@example.net")));
    h.run(h.s().offline().push(kHost, user, 1, "<message/>"));
    h.run(h.s().xml().set(kHost, user, "vcard-temp", "<vCard xmlns='vcard-temp'/>"));
    h.run(h.s().blocks().add(kHost, user, {"spam@example.net"}));
  }
  BOOST_TEST(h.run(h.s().accounts().remove(kHost, "alice")));
  BOOST_TEST(!h.run(h.s().accounts().find(kHost, "alice")));
  BOOST_TEST(h.run(h.s().roster().items(kHost, "alice")).empty());
  BOOST_TEST(h.run(h.s().roster().version(kHost, "alice")) == 0u);
  BOOST_TEST(h.run(h.s().offline().count(kHost, "alice")) == 0);
  BOOST_TEST(!h.run(h.s().xml().get(kHost, "alice", "vcard-temp")));
  BOOST_TEST(h.run(h.s().blocks().list(kHost, "alice")).empty());
  // bob keeps everything
  BOOST_TEST(h.run(h.s().accounts().find(kHost, "bob")).has_value());
  BOOST_TEST(h.run(h.s().roster().items(kHost, "bob")).size() == 1u);
  BOOST_TEST(h.run(h.s().offline().count(kHost, "bob")) == 1);
  BOOST_TEST(h.run(h.s().xml().get(kHost, "bob", "vcard-temp")).has_value());
  BOOST_TEST(h.run(h.s().blocks().list(kHost, "bob")).size() == 1u);
  BOOST_TEST(!h.run(h.s().accounts().remove(kHost, "alice")));
}

STORAGE_TEST(account_list_is_per_host_and_sorted) {
  for (std::string user : {"zenon", "adam", "marta"}) {
    BOOST_TEST(h.run(h.s().accounts().create(make_account(user))));
  }
  auto other = make_account("ola");
  other.host = "other.example";
  BOOST_TEST(h.run(h.s().accounts().create(other)));
  auto names = h.run(h.s().accounts().list(kHost));
  BOOST_TEST(names == (std::vector<std::string>{"adam", "marta", "zenon"}),
             boost::test_tools::per_element());
  BOOST_TEST(h.run(h.s().accounts().list("other.example")) == std::vector<std::string>{"ola"},
             boost::test_tools::per_element());
  BOOST_TEST(h.run(h.s().accounts().list("nowhere.example")).empty());
}

STORAGE_TEST(binary_credentials_survive_nul_and_high_bytes) {
  auto a = make_account("binary");
  a.sha1.salt = std::string("\0\x01\xff\x00\x80salt\0", 10);
  a.sha1.stored_key = std::string(20, '\0');
  a.sha256.salt = std::string("\xff\xfe\x00\x00\xc3\x28", 6);  // not UTF-8
  a.sha256.server_key = std::string("\x00\x00\x00\x01", 4) + std::string(28, '\xee');
  BOOST_TEST(h.run(h.s().accounts().create(a)));
  auto found = h.run(h.s().accounts().find(kHost, "binary"));
  BOOST_REQUIRE(found);
  BOOST_TEST(found->sha1.salt.size() == 10u);
  BOOST_TEST(same(*found, a));
}

// --- roster -------------------------------------------------------------------------------------

STORAGE_TEST(roster_put_get_remove_and_version_increases) {
  BOOST_TEST(h.run(h.s().roster().version(kHost, "alice")) == 0u);
  BOOST_TEST(h.run(h.s().roster().items(kHost, "alice")).empty());

  auto bob = make_item("bob@example.org", Subscription::to);
  bob.pending_in = true;
  bob.pending_in_stanza = "<presence type='subscribe'/>";
  auto v1 = h.run(h.s().roster().put(kHost, "alice", bob));
  auto carol = make_item("carol@example.org", Subscription::both);
  carol.groups = {};
  carol.preapproved = true;
  auto v2 = h.run(h.s().roster().put(kHost, "alice", carol));
  BOOST_TEST(v1 > 0u);
  BOOST_TEST(v2 > v1);
  BOOST_TEST(h.run(h.s().roster().version(kHost, "alice")) == v2);

  auto items = h.run(h.s().roster().items(kHost, "alice"));
  BOOST_REQUIRE(items.size() == 2u);
  BOOST_TEST((items[0] == bob));
  BOOST_TEST((items[1] == carol));
  auto one = h.run(h.s().roster().item(kHost, "alice", "carol@example.org"));
  BOOST_REQUIRE(one);
  BOOST_TEST((*one == carol));
  BOOST_TEST(!h.run(h.s().roster().item(kHost, "alice", "dave@example.org")));
  BOOST_TEST(!h.run(h.s().roster().item(kHost, "bob", "carol@example.org")));

  bob.subscription = Subscription::both;
  bob.pending_in = false;
  bob.pending_in_stanza.clear();
  bob.pending_out = true;
  bob.name = "Bob B.";
  bob.groups = {"A", "B", "C"};
  auto v3 = h.run(h.s().roster().put(kHost, "alice", bob));  // replaces
  BOOST_TEST(v3 > v2);
  BOOST_TEST((*h.run(h.s().roster().item(kHost, "alice", "bob@example.org")) == bob));
  BOOST_TEST(h.run(h.s().roster().items(kHost, "alice")).size() == 2u);

  auto v4 = h.run(h.s().roster().remove(kHost, "alice", "bob@example.org"));
  BOOST_TEST(v4 > v3);
  BOOST_TEST(h.run(h.s().roster().remove(kHost, "alice", "bob@example.org")) == 0u);
  BOOST_TEST(h.run(h.s().roster().version(kHost, "alice")) == v4);  // no change, no new version
  BOOST_TEST(h.run(h.s().roster().items(kHost, "alice")).size() == 1u);
  BOOST_TEST(h.run(h.s().roster().version(kHost, "bob")) == 0u);  // per user
}

STORAGE_TEST(roster_refuses_subscription_remove_as_a_state) {
  auto v = h.run(h.s().roster().put(kHost, "alice", make_item("bob@example.org")));
  try {
    h.run(h.s().roster().put(kHost, "alice", make_item("eve@example.org", Subscription::remove)));
    BOOST_FAIL("subscription='remove' was stored");
  } catch (const StorageError& e) {
    BOOST_TEST(!e.transient());
  }
  BOOST_TEST(h.run(h.s().roster().version(kHost, "alice")) == v);
  BOOST_TEST(!h.run(h.s().roster().item(kHost, "alice", "eve@example.org")));
}

STORAGE_TEST(roster_keeps_the_hidden_flag_of_a_pending_in_placeholder) {
  RosterItem eve;
  eve.jid = "eve@example.org";
  eve.pending_in = true;
  eve.pending_in_stanza = "<presence type='subscribe'/>";
  eve.hidden = true;
  h.run(h.s().roster().put(kHost, "alice", eve));
  BOOST_TEST((*h.run(h.s().roster().item(kHost, "alice", "eve@example.org")) == eve));
  eve.hidden = false;  // the user added the contact
  h.run(h.s().roster().put(kHost, "alice", eve));
  BOOST_TEST(!h.run(h.s().roster().items(kHost, "alice")).at(0).hidden);
}

// --- offline messages ---------------------------------------------------------------------------

STORAGE_TEST(offline_push_list_in_order_remove_and_count) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(h.run(h.s().offline().push(kHost, "alice", 1000 + i,
                                            "<message id='m" + std::to_string(i) + "'/>")));
  }
  h.run(h.s().offline().push(kHost, "bob", 5, "<message id='other'/>"));
  BOOST_TEST(ids[0] < ids[1]);
  BOOST_TEST(ids[1] < ids[2]);
  auto list = h.run(h.s().offline().list(kHost, "alice"));
  BOOST_REQUIRE(list.size() == 3u);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(list[i].id == ids[i]);
    BOOST_TEST(list[i].stamp_us == 1000 + i);
    BOOST_TEST(list[i].xml == "<message id='m" + std::to_string(i) + "'/>");
  }
  BOOST_TEST(h.run(h.s().offline().count(kHost, "alice")) == 3);

  h.run(h.s().offline().remove(kHost, "alice", {ids[0], ids[2]}));
  list = h.run(h.s().offline().list(kHost, "alice"));
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].id == ids[1]);
  BOOST_TEST(h.run(h.s().offline().count(kHost, "alice")) == 1);
  // ids of another user are not removed through this one
  auto bobs = h.run(h.s().offline().list(kHost, "bob"));
  h.run(h.s().offline().remove(kHost, "alice", {bobs.at(0).id}));
  BOOST_TEST(h.run(h.s().offline().count(kHost, "bob")) == 1);
  h.run(h.s().offline().remove(kHost, "alice", {}));
  BOOST_TEST(h.run(h.s().offline().count(kHost, "alice")) == 1);
}

STORAGE_TEST(offline_keeps_a_large_message_whole) {
  std::string body(300000, 'x');
  std::string xml = "<message><body>" + body + "</body></message>";
  h.run(h.s().offline().push(kHost, "alice", 1, xml));
  auto list = h.run(h.s().offline().list(kHost, "alice"));
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].xml.size() == xml.size());
  BOOST_TEST((list[0].xml == xml));
}

// --- XML store ----------------------------------------------------------------------------------

STORAGE_TEST(xml_get_set_overwrite_remove) {
  BOOST_TEST(!h.run(h.s().xml().get(kHost, "alice", "storage:bookmarks")));
  h.run(h.s().xml().set(kHost, "alice", "storage:bookmarks", "<storage xmlns='storage:bookmarks'/>"));
  h.run(h.s().xml().set(kHost, "alice", "vcard-temp", "<vCard xmlns='vcard-temp'/>"));
  BOOST_TEST(*h.run(h.s().xml().get(kHost, "alice", "storage:bookmarks")) ==
             "<storage xmlns='storage:bookmarks'/>");
  h.run(h.s().xml().set(kHost, "alice", "storage:bookmarks",
                        "<storage xmlns='storage:bookmarks'><conference/></storage>"));
  BOOST_TEST(*h.run(h.s().xml().get(kHost, "alice", "storage:bookmarks")) ==
             "<storage xmlns='storage:bookmarks'><conference/></storage>");
  BOOST_TEST(!h.run(h.s().xml().get(kHost, "bob", "storage:bookmarks")));
  h.run(h.s().xml().remove(kHost, "alice", "storage:bookmarks"));
  BOOST_TEST(!h.run(h.s().xml().get(kHost, "alice", "storage:bookmarks")));
  BOOST_TEST(h.run(h.s().xml().get(kHost, "alice", "vcard-temp")).has_value());
  h.run(h.s().xml().remove(kHost, "alice", "storage:bookmarks"));  // nothing there: no error
}

// --- blocking -----------------------------------------------------------------------------------

STORAGE_TEST(blocks_add_list_remove_some_and_all) {
  BOOST_TEST(h.run(h.s().blocks().list(kHost, "alice")).empty());
  h.run(h.s().blocks().add(kHost, "alice", {"c@example.net", "a@example.net", "b@example.net"}));
  h.run(h.s().blocks().add(kHost, "alice", {"a@example.net"}));  // already there
  h.run(h.s().blocks().add(kHost, "bob", {"z@example.net"}));
  BOOST_TEST(h.run(h.s().blocks().list(kHost, "alice")) ==
                 (std::vector<std::string>{"a@example.net", "b@example.net", "c@example.net"}),
             boost::test_tools::per_element());
  h.run(h.s().blocks().remove(kHost, "alice", {"b@example.net", "nobody@example.net"}));
  BOOST_TEST(h.run(h.s().blocks().list(kHost, "alice")) ==
                 (std::vector<std::string>{"a@example.net", "c@example.net"}),
             boost::test_tools::per_element());
  h.run(h.s().blocks().remove(kHost, "alice", {}));
  BOOST_TEST(h.run(h.s().blocks().list(kHost, "alice")).empty());
  BOOST_TEST(h.run(h.s().blocks().list(kHost, "bob")).size() == 1u);
}

// --- PEP (XEP-0163) --------------------------------------------------------------------------------

namespace {
std::vector<std::string> pep_ids(const std::vector<PepItem>& items) {
  std::vector<std::string> ids;
  for (const auto& i : items) ids.push_back(i.id);
  return ids;
}
}  // namespace

STORAGE_TEST(pep_publish_trims_to_max_items_newest_first_and_replaces_by_id) {
  auto& pep = h.s().pep();
  PepNodeConfig three{"presence", true, 3, true};
  BOOST_TEST(!h.run(pep.node(kHost, "alice", "urn:xmpp:avatar:metadata")));
  for (const char* id : {"a", "b", "c", "d"})
    BOOST_TEST(h.run(pep.publish(kHost, "alice", "urn:xmpp:avatar:metadata", three,
                                 PepItem{id, std::string("<m xmlns='x'>") + id + "</m>", 1}, 1 << 20)));
  BOOST_TEST((h.run(pep.node(kHost, "alice", "urn:xmpp:avatar:metadata")) == three));
  BOOST_TEST(pep_ids(h.run(pep.items(kHost, "alice", "urn:xmpp:avatar:metadata", {}, 0))) ==
             (std::vector<std::string>{"d", "c", "b"}), boost::test_tools::per_element());
  // A republished id becomes the newest; by id and max.
  h.run(pep.publish(kHost, "alice", "urn:xmpp:avatar:metadata", three, PepItem{"b", "<m xmlns='x'>b2</m>", 2}, 1 << 20));
  auto newest = h.run(pep.items(kHost, "alice", "urn:xmpp:avatar:metadata", {}, 1));
  BOOST_REQUIRE_EQUAL(newest.size(), 1u);
  BOOST_TEST(newest[0].id == "b");
  BOOST_TEST(newest[0].xml == "<m xmlns='x'>b2</m>");
  BOOST_TEST(pep_ids(h.run(pep.items(kHost, "alice", "urn:xmpp:avatar:metadata", {"c", "zz", "d"}, 0))) ==
             (std::vector<std::string>{"d", "c"}), boost::test_tools::per_element());
  // Lowering max_items drops the oldest; "max" (0) keeps all.
  h.run(pep.put_node(kHost, "alice", "urn:xmpp:avatar:metadata", PepNodeConfig{"open", true, 1, false}));
  BOOST_TEST(pep_ids(h.run(pep.items(kHost, "alice", "urn:xmpp:avatar:metadata", {}, 0))) ==
             (std::vector<std::string>{"b"}), boost::test_tools::per_element());
  PepNodeConfig all{"whitelist", true, 0, false};
  for (int i = 0; i < 20; ++i)
    h.run(pep.publish(kHost, "alice", "urn:xmpp:bookmarks:1", all, PepItem{"room" + std::to_string(i) + "@muc.example.org", "<c/>", 3}, 1 << 20));
  BOOST_TEST(h.run(pep.items(kHost, "alice", "urn:xmpp:bookmarks:1", {}, 0)).size() == 20u);
  auto nodes = h.run(pep.nodes(kHost, "alice"));
  BOOST_REQUIRE_EQUAL(nodes.size(), 2u);
  BOOST_TEST(nodes[1].name == "urn:xmpp:bookmarks:1");
  BOOST_TEST((nodes[1].config == all));
  BOOST_TEST(h.run(pep.nodes(kHost, "bob")).empty());
}

STORAGE_TEST(pep_quota_retract_remove_node_and_account_removal) {
  auto& pep = h.s().pep();
  PepNodeConfig many{"presence", true, 0, true};
  std::string kb(1000, 'x');
  BOOST_TEST(h.run(pep.publish(kHost, "alice", "n1", many, PepItem{"1", kb, 1}, 2500)));
  BOOST_TEST(h.run(pep.publish(kHost, "alice", "n2", many, PepItem{"2", kb, 1}, 2500)));
  BOOST_TEST(!h.run(pep.publish(kHost, "alice", "n2", many, PepItem{"3", kb, 1}, 2500)));  // over the quota
  BOOST_TEST(h.run(pep.publish(kHost, "alice", "n2", many, PepItem{"2", kb + "y", 1}, 2500)));  // replaces: fits
  BOOST_TEST(h.run(pep.publish(kHost, "bob", "n1", many, PepItem{"1", kb, 1}, 2500)));  // per account
  BOOST_TEST(h.run(pep.retract(kHost, "alice", "n1", "1")));
  BOOST_TEST(!h.run(pep.retract(kHost, "alice", "n1", "1")));
  BOOST_TEST(h.run(pep.publish(kHost, "alice", "n2", many, PepItem{"3", kb, 1}, 2500)));  // room again
  BOOST_TEST(h.run(pep.remove_node(kHost, "alice", "n2")));
  BOOST_TEST(!h.run(pep.remove_node(kHost, "alice", "n2")));
  BOOST_TEST(h.run(pep.items(kHost, "alice", "n2", {}, 0)).empty());
  // A transient node keeps its configuration, not its items.
  BOOST_TEST(h.run(pep.publish(kHost, "alice", "t", PepNodeConfig{"presence", false, 1, true}, PepItem{"1", kb, 1}, 2500)));
  BOOST_TEST(h.run(pep.items(kHost, "alice", "t", {}, 0)).empty());
  BOOST_TEST(h.run(pep.node(kHost, "alice", "t")).has_value());
  auto bob = make_account("bob");
  BOOST_REQUIRE(h.run(h.s().accounts().create(bob)));
  BOOST_TEST(h.run(h.s().accounts().remove(kHost, "bob")));
  BOOST_TEST(h.run(pep.nodes(kHost, "bob")).empty());
  BOOST_TEST(h.run(pep.items(kHost, "bob", "n1", {}, 0)).empty());
}

// --- XEP-0045 rooms ------------------------------------------------------------------------------

STORAGE_TEST(livechat_conversations_transitions_offers_notes_tags) {
  const std::string chat = "chat.example.org";
  auto& lc = h.s().livechat();
  xmppd::LivechatConversationRecord c{"00061a2b3c4d5e6f-0a1b2c", "general", "web", "client-1", "ab12", "queued",
                                      "Dotacje dla firm w Łodzi", "Zażółć", "Visitor", "2026-01", "",
                                      1000, 0, 0, 0, "livechat_conversation"};
  h.run(lc.put_conversation(chat, c, {"queued", "joined", "visitor", 1000}));
  auto older = c;
  older.id = "00061a2b3c4d5e6e-ffffff";
  h.run(lc.put_conversation(chat, older, {"queued", "joined", "visitor", 900}));
  h.run(lc.put_conversation("chat.other.org", c, {"queued", "joined", "visitor", 1000}));
  c.state = "active";
  c.consultant = "anna@example.org";
  c.offered_us = 1100;
  c.answered_us = 1200;
  h.run(lc.put_conversation(chat, c, {"active", "accepted", "anna@example.org", 1200}));
  auto found = h.run(lc.conversation(chat, c.id));
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST((*found == c));
  auto steps = h.run(lc.transitions(chat, c.id));
  BOOST_REQUIRE_EQUAL(steps.size(), 2u);
  BOOST_TEST(steps[0].event == "joined");
  BOOST_TEST(steps[1].actor == "anna@example.org");
  auto open = h.run(lc.open_conversations(chat));
  BOOST_REQUIRE_EQUAL(open.size(), 2u);
  BOOST_TEST(open[0].id == older.id);  // oldest first: the queue order
  c.state = "closed";
  c.closed_us = 2000;
  h.run(lc.put_conversation(chat, c, {"closed", "closed", "anna@example.org", 2000}));
  BOOST_TEST(h.run(lc.open_conversations(chat)).size() == 1u);

  xmppd::LivechatOfferRecord o{"o1", c.id, "anna@example.org", "pending", 1100, 31100, 0};
  h.run(lc.put_offer(chat, o));
  BOOST_REQUIRE_EQUAL(h.run(lc.pending_offers(chat)).size(), 1u);
  o.state = "expired";
  o.decided_us = 31100;
  h.run(lc.put_offer(chat, o));
  BOOST_TEST(h.run(lc.pending_offers(chat)).empty());

  h.run(lc.add_note(chat, {c.id, "client-1", "anna@example.org", "Pyta o nabór 2026", 1300, "livechat_note"}));
  h.run(lc.add_note(chat, {c.id, "client-1", "anna@example.org", "Oddzwonić", 1400, "livechat_note"}));
  auto notes = h.run(lc.notes(chat, c.id));
  BOOST_REQUIRE_EQUAL(notes.size(), 2u);
  BOOST_TEST(notes[0].text == "Pyta o nabór 2026");
  h.run(lc.set_tag(chat, c.id, "nabór", "anna@example.org", true));
  h.run(lc.set_tag(chat, c.id, "firma", "anna@example.org", true));
  h.run(lc.set_tag(chat, c.id, "firma", "anna@example.org", true));
  BOOST_TEST((h.run(lc.tags(chat, c.id)) == std::vector<std::string>{"firma", "nabór"}));
  h.run(lc.set_tag(chat, c.id, "firma", "anna@example.org", false));
  BOOST_TEST((h.run(lc.tags(chat, c.id)) == std::vector<std::string>{"nabór"}));
}

STORAGE_TEST(livechat_feedback_rating_transcript_and_consents) {
  const std::string chat = "chat.example.org";
  auto& lc = h.s().livechat();
  auto& fb = h.s().livechat_feedback();
  xmppd::LivechatConversationRecord c{"00061a2b3c4d5e6f-0a1b2c", "general", "web", "client-1", "ab12", "closed",
                                      "Dotacje", "", "Visitor", "2026-01", "anna@example.org",
                                      1000, 1100, 1200, 5000, "livechat_conversation"};
  h.run(lc.put_conversation(chat, c, {"closed", "closed", "visitor", 5000}));
  auto early = c;
  early.id = "00061a2b3c4d5e6e-ffffff";
  early.closed_us = 100;
  h.run(lc.put_conversation(chat, early, {"closed", "closed", "visitor", 100}));
  auto recent = h.run(fb.closed_since(chat, 1000));
  BOOST_REQUIRE_EQUAL(recent.size(), 1u);
  BOOST_TEST((recent[0] == c));
  BOOST_TEST(h.run(fb.closed_since("chat.other.org", 0)).empty());

  BOOST_TEST(!h.run(fb.feedback(chat, c.id)).has_value());
  xmppd::LivechatFeedbackRecord f{c.id, "client-1", "zofia@example.net", "visitor_ended", 0, "", 0, "none", 0,
                                  "livechat_feedback"};
  h.run(fb.put_feedback(chat, f));
  f.rating = 4;
  f.comment = "Szybko i konkretnie";
  f.rated_us = 5100;
  f.transcript = "requested";
  f.transcript_us = 5200;
  h.run(fb.put_feedback(chat, f));
  auto got = h.run(fb.feedback(chat, c.id));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == f));
  BOOST_TEST(!h.run(fb.feedback("chat.other.org", c.id)).has_value());

  h.run(fb.put_consent(chat, {"anna@example.org", true, 100}));
  h.run(fb.put_consent(chat, {"anna@example.org", false, 200}));
  h.run(fb.put_consent(chat, {"bob@example.org", true, 300}));
  auto consents = h.run(fb.consents(chat));
  BOOST_REQUIRE_EQUAL(consents.size(), 2u);
  BOOST_TEST((consents[0] == xmppd::LivechatConsentRecord{"anna@example.org", false, 200}));
  BOOST_TEST(consents[1].granted);
}

STORAGE_TEST(livechat_tickets_and_callbacks_open_until_finished) {
  const std::string chat = "chat.example.org";
  auto& lc = h.s().livechat();
  xmppd::LivechatTicketRecord t{"00061a2b3c4d5e6f-0a1b2c", "general", "c1", "open", "", "Ola", "ola@example.pl",
                                "Czy mogę złożyć wniosek w sobotę?", "", "2026-01", 1000, 1000, "livechat_ticket"};
  h.run(lc.put_ticket(chat, t));
  h.run(lc.put_ticket("chat.other.org", t));
  t.state = "answered";
  t.assignee = "anna@example.org";
  t.answer = "Tak.";
  t.updated_us = 2000;
  h.run(lc.put_ticket(chat, t));
  auto open = h.run(lc.open_tickets(chat));
  BOOST_REQUIRE_EQUAL(open.size(), 1u);
  BOOST_TEST((open[0] == t));
  t.state = "closed";
  h.run(lc.put_ticket(chat, t));
  BOOST_TEST(h.run(lc.open_tickets(chat)).empty());

  xmppd::LivechatCallbackRecord c{"00061a2b3c4d5e70-0a1b2c", "general", "c2", "requested", "", "", "+48601234567",
                                  "Dotacje", "2026-01", 5000, 6800, 0, 0, 1000, 1000, "livechat_callback"};
  h.run(lc.put_callback(chat, c));
  c.state = "no_answer";
  c.attempts = 1;
  c.reminded_us = 5000;
  h.run(lc.put_callback(chat, c));
  auto calls = h.run(lc.open_callbacks(chat));
  BOOST_REQUIRE_EQUAL(calls.size(), 1u);
  BOOST_TEST((calls[0] == c));
  c.state = "cancelled";
  h.run(lc.put_callback(chat, c));
  BOOST_TEST(h.run(lc.open_callbacks(chat)).empty());
}

// Issue 6 clients: the same key finds the same client, a new key joins the client another key
// names, keys of two clients link to the older; history by client; notes and audit rows.
STORAGE_TEST(livechat_clients_link_by_hashed_keys_history_notes_audit) {
  const std::string chat = "chat.example.org";
  auto& cs = h.s().livechat_clients();
  auto& lc = h.s().livechat();
  using Key = xmppd::LivechatClientKey;
  auto fresh = [](std::string id, std::int64_t t) { return xmppd::LivechatClientRecord{id, t, t, "livechat_client"}; };
  Key token{"token", std::string(64, 'a')}, email{"email", std::string(64, 'b')}, phone{"phone", std::string(64, 'c')};
  BOOST_TEST(h.run(cs.link(chat, {token, email}, fresh("0001-a", 1000))) == "0001-a");
  // The e-mail again (a ticket): the same client, last seen later.
  BOOST_TEST(h.run(cs.link(chat, {email}, fresh("0002-b", 2000))) == "0001-a");
  BOOST_TEST((h.run(cs.client(chat, "0001-a")) == xmppd::LivechatClientRecord{"0001-a", 1000, 2000, "livechat_client"}));
  BOOST_TEST(!h.run(cs.client(chat, "0002-b")));
  // A phone alone is a new client; phone + e-mail later go to the older client and the phone key
  // stays with the one it named.
  BOOST_TEST(h.run(cs.link(chat, {phone}, fresh("0003-c", 3000))) == "0003-c");
  BOOST_TEST(h.run(cs.link(chat, {phone, email}, fresh("0004-d", 4000))) == "0001-a");
  BOOST_TEST(h.run(cs.link(chat, {phone}, fresh("0005-e", 5000))) == "0003-c");
  // Another host does not share clients.
  BOOST_TEST(h.run(cs.link("chat.other.org", {email}, fresh("0006-f", 6000))) == "0006-f");

  xmppd::LivechatConversationRecord c{"00061a2b3c4d5e6f-0a1b2c", "general", "web", "0001-a", token.hash, "closed",
                                      "Dotacje", "Ola", "Visitor", "2026-01", "anna@example.org",
                                      1000, 1100, 1200, 1300, "livechat_conversation"};
  h.run(lc.put_conversation(chat, c, {"closed", "closed", "anna@example.org", 1300}));
  auto other = c;
  other.id = "00061a2b3c4d5e70-0a1b2c";
  other.client = "0003-c";
  h.run(lc.put_conversation(chat, other, {"queued", "joined", "visitor", 1000}));
  BOOST_TEST((h.run(cs.conversations_of(chat, "0001-a")) == std::vector<xmppd::LivechatConversationRecord>{c}));
  xmppd::LivechatTicketRecord t{"00061a2b3c4d5e71-0a1b2c", "general", "0001-a", "open", "", "Ola", "ola@example.pl",
                                "Pytanie", "", "2026-01", 2000, 2000, "livechat_ticket"};
  h.run(lc.put_ticket(chat, t));
  BOOST_TEST((h.run(cs.tickets_of(chat, "0001-a")) == std::vector<xmppd::LivechatTicketRecord>{t}));
  BOOST_TEST(h.run(cs.tickets_of(chat, "0003-c")).empty());
  xmppd::LivechatCallbackRecord cb{"00061a2b3c4d5e72-0a1b2c", "general", "0003-c", "requested", "", "", "+48601234567",
                                   "Dotacje", "2026-01", 5000, 6800, 0, 0, 1000, 1000, "livechat_callback"};
  h.run(lc.put_callback(chat, cb));
  BOOST_TEST((h.run(cs.callbacks_of(chat, "0003-c")) == std::vector<xmppd::LivechatCallbackRecord>{cb}));

  xmppd::LivechatClientNoteRecord n{"0001-a", "anna@example.org", "Stały klient, woli telefon", 7000,
                                    "livechat_client_note"};
  h.run(cs.add_note(chat, n));
  BOOST_TEST((h.run(cs.notes(chat, "0001-a")) == std::vector<xmppd::LivechatClientNoteRecord>{n}));
  xmppd::LivechatAuditRecord a1{"anna@example.org", "search", "0001-a", 8000, "audit"};
  xmppd::LivechatAuditRecord a2{"boss@example.org", "history", "0001-a", 9000, "audit"};
  h.run(cs.audit(chat, a1));
  h.run(cs.audit(chat, a2));
  BOOST_TEST((h.run(cs.audit_of(chat, "0001-a")) == std::vector<xmppd::LivechatAuditRecord>{a1, a2}));
  BOOST_TEST(h.run(cs.audit_of(chat, "0003-c")).empty());
}

STORAGE_TEST(muc_rooms_put_replace_list_and_remove) {
  const std::string rooms = "conference.example.org";
  BOOST_TEST(h.run(h.s().muc().rooms(rooms)).empty());
  xmppd::MucRoomRecord lobby{"lobby", "{\"name\":\"Łódź\"}", "Nabór", "anna",
                             {{"anna@example.org", "owner"}, {"bob@example.org", "member"}}};
  xmppd::MucRoomRecord zeta{"zeta", "{}", "", "", {{"eve@example.org", "outcast"}}};
  h.run(h.s().muc().put_room(rooms, zeta));
  h.run(h.s().muc().put_room(rooms, lobby));
  h.run(h.s().muc().put_room("conference.other.org", lobby));
  auto listed = h.run(h.s().muc().rooms(rooms));
  BOOST_REQUIRE_EQUAL(listed.size(), 2u);
  auto by_jid = [](std::vector<std::pair<std::string, std::string>> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  listed[0].affiliations = by_jid(listed[0].affiliations);
  BOOST_TEST((listed[0] == lobby));
  BOOST_TEST((listed[1] == zeta));
  // Replacing keeps one row and replaces the affiliations.
  lobby.subject = "Nowy temat";
  lobby.affiliations = {{"anna@example.org", "owner"}};
  h.run(h.s().muc().put_room(rooms, lobby));
  listed = h.run(h.s().muc().rooms(rooms));
  BOOST_REQUIRE_EQUAL(listed.size(), 2u);
  BOOST_TEST((listed[0] == lobby));
  h.run(h.s().muc().remove_room(rooms, "lobby"));
  listed = h.run(h.s().muc().rooms(rooms));
  BOOST_REQUIRE_EQUAL(listed.size(), 1u);
  BOOST_TEST(listed[0].name == "zeta");
  BOOST_TEST(h.run(h.s().muc().rooms("conference.other.org")).size() == 1u);
}

// --- text ---------------------------------------------------------------------------------------

STORAGE_TEST(polish_utf8_round_trips_everywhere) {
  const std::string text = "Zażółć gęślą jaźń";
  const std::string user = "łucja";
  const std::string jid = "józef@łódź.example";
  auto a = make_account(user);
  BOOST_TEST(h.run(h.s().accounts().create(a)));
  BOOST_TEST(h.run(h.s().accounts().find(kHost, user)).has_value());
  BOOST_TEST(h.run(h.s().accounts().list(kHost)) == std::vector<std::string>{user},
             boost::test_tools::per_element());

  auto item = make_item(jid, Subscription::both);
  item.name = text;
  item.groups = {text, "Łódź", "Zespół \"A\" / [x]"};
  h.run(h.s().roster().put(kHost, user, item));
  BOOST_TEST((*h.run(h.s().roster().item(kHost, user, jid)) == item));

  auto xml = "<message><body>" + text + "</body></message>";
  h.run(h.s().offline().push(kHost, user, 1, xml));
  BOOST_TEST(h.run(h.s().offline().list(kHost, user)).at(0).xml == xml);

  h.run(h.s().xml().set(kHost, user, "vcard-temp", "<vCard><FN>" + text + "</FN></vCard>"));
  BOOST_TEST(*h.run(h.s().xml().get(kHost, user, "vcard-temp")) ==
             "<vCard><FN>" + text + "</FN></vCard>");

  h.run(h.s().blocks().add(kHost, user, {jid}));
  BOOST_TEST(h.run(h.s().blocks().list(kHost, user)) == std::vector<std::string>{jid},
             boost::test_tools::per_element());
}

// --- concurrency and group commit ---------------------------------------------------------------

STORAGE_TEST(concurrent_writes_all_resolve_and_are_durable) {
  constexpr int kPushes = 200, kPuts = 50;
  auto before = xmppd::storage_stats(h.s());
  std::set<std::int64_t> ids;
  std::set<std::uint64_t> versions;
  int resolved = 0;
  std::vector<std::string> errors;
  auto on_done = [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      errors.push_back(x.what());
    }
  };
  auto io_thread = std::this_thread::get_id();
  for (int i = 0; i < kPushes; ++i) {
    asio::co_spawn(
        h.io(),
        [&, i]() -> Task<void> {
          auto id = co_await h.s().offline().push(kHost, "bulk", i,
                                                  "<message id='" + std::to_string(i) + "'/>");
          BOOST_TEST((std::this_thread::get_id() == io_thread));
          ids.insert(id);
          ++resolved;
        },
        on_done);
  }
  for (int i = 0; i < kPuts; ++i) {
    asio::co_spawn(
        h.io(),
        [&, i]() -> Task<void> {
          auto v = co_await h.s().roster().put(kHost, "bulk",
                                               make_item("c" + std::to_string(i) + "@example.net"));
          versions.insert(v);
          ++resolved;
        },
        on_done);
  }
  h.drain();
  BOOST_TEST(errors.empty(), (errors.empty() ? "" : errors.front()));
  BOOST_TEST(resolved == kPushes + kPuts);
  BOOST_TEST(ids.size() == static_cast<std::size_t>(kPushes));
  // every put got its own version: 1..kPuts
  BOOST_TEST(versions.size() == static_cast<std::size_t>(kPuts));
  BOOST_TEST(*versions.rbegin() == static_cast<std::uint64_t>(kPuts));

  auto after = xmppd::storage_stats(h.s());
  auto jobs = after.write_jobs - before.write_jobs;
  auto transactions = after.write_transactions - before.write_transactions;
  BOOST_TEST(jobs == static_cast<std::uint64_t>(kPushes + kPuts));
  BOOST_TEST_MESSAGE(h.backend() << ": " << jobs << " writes in " << transactions
                                 << " transactions");
  BOOST_TEST(transactions < jobs / 10);  // group commit, not a transaction per write

  h.reopen();
  BOOST_TEST(h.run(h.s().offline().count(kHost, "bulk")) == kPushes);
  BOOST_TEST(h.run(h.s().roster().items(kHost, "bulk")).size() == static_cast<std::size_t>(kPuts));
  BOOST_TEST(h.run(h.s().roster().version(kHost, "bulk")) == static_cast<std::uint64_t>(kPuts));
}

STORAGE_TEST(a_failing_write_does_not_fail_its_batch_mates) {
  int ok = 0, refused = 0, other = 0;
  for (int i = 0; i < 20; ++i) {
    bool bad = i % 5 == 2;
    asio::co_spawn(
        h.io(),
        [&h, i, bad]() -> Task<std::uint64_t> {
          co_return co_await h.s().roster().put(
              kHost, "alice",
              make_item("c" + std::to_string(i) + "@example.net",
                        bad ? Subscription::remove : Subscription::none));
        },
        [&, bad](std::exception_ptr e, std::uint64_t) {
          if (!e && !bad) {
            ++ok;
            return;
          }
          try {
            if (e) std::rethrow_exception(e);
            ++other;
          } catch (const StorageError& x) {
            (bad && !x.transient()) ? ++refused : ++other;
          } catch (...) {
            ++other;
          }
        });
  }
  h.drain();
  BOOST_TEST(ok == 16);
  BOOST_TEST(refused == 4);
  BOOST_TEST(other == 0);
  BOOST_TEST(h.run(h.s().roster().items(kHost, "alice")).size() == 16u);
  BOOST_TEST(h.run(h.s().roster().version(kHost, "alice")) == 16u);
}

STORAGE_TEST(calls_after_stop_fail_as_transient) {
  h.s().stop();
  try {
    h.run(h.s().accounts().create(make_account("late")));
    BOOST_FAIL("a write after stop succeeded");
  } catch (const StorageError& e) {
    BOOST_TEST(e.transient());
  }
  try {
    h.run(h.s().accounts().list(kHost));
    BOOST_FAIL("a read after stop succeeded");
  } catch (const StorageError& e) {
    BOOST_TEST(e.transient());
  }
  h.s().stop();  // idempotent
}

// --- XEP-0363 uploads ----------------------------------------------------------------------------

STORAGE_TEST(upload_slots_quota_single_claim_and_expiry) {
  auto& up = h.s().uploads();
  auto slot = [](std::string id, std::string owner, std::int64_t size, std::int64_t slot_expires, std::int64_t expires) {
    return UploadRecord{"upload.example.org", std::move(id), std::move(owner), "plan ż.pdf", "application/pdf", size,
                        std::string("\0\x01hash", 6), UploadState::slot, 10, slot_expires, expires};
  };
  BOOST_TEST(h.run(up.create_slot(slot("a1", "alice@example.org", 600, 100, 100), 1000)));
  BOOST_TEST(!h.run(up.create_slot(slot("a2", "alice@example.org", 500, 100, 100), 1000)));  // 1100 > quota
  BOOST_TEST(h.run(up.create_slot(slot("a3", "alice@example.org", 400, 100, 100), 1000)));   // exactly 1000
  BOOST_TEST(h.run(up.create_slot(slot("b1", "bob@example.org", 900, 100, 100), 1000)));     // per owner
  auto found = h.run(up.find("upload.example.org", "a1"));
  BOOST_REQUIRE(found);
  BOOST_TEST((*found == slot("a1", "alice@example.org", 600, 100, 100)));
  BOOST_TEST(!h.run(up.find("upload.example.org", "a2")));
  BOOST_TEST(!h.run(up.find("other.example.org", "a1")));
  // Claimed once, only before the slot expires.
  BOOST_TEST(!h.run(up.claim("upload.example.org", "a1", 100, 5000)));  // expired at 100
  BOOST_TEST(h.run(up.claim("upload.example.org", "a1", 99, 5000)));
  BOOST_TEST(!h.run(up.claim("upload.example.org", "a1", 99, 5000)));
  BOOST_TEST((h.run(up.find("upload.example.org", "a1"))->state == UploadState::uploading));
  h.run(up.set_state("upload.example.org", "a1", UploadState::stored));
  BOOST_TEST((h.run(up.find("upload.example.org", "a1"))->state == UploadState::stored));
  // Expired records, oldest first: the unused slots at 100, the file at 5000.
  auto due = h.run(up.expired("upload.example.org", 200, 10));
  BOOST_REQUIRE_EQUAL(due.size(), 2u);
  BOOST_TEST(due[0].id != "a1");
  due = h.run(up.expired("upload.example.org", 5000, 10));
  BOOST_TEST(due.size() == 3u);
  BOOST_TEST(h.run(up.expired("upload.example.org", 5000, 1)).size() == 1u);
  h.run(up.remove("upload.example.org", "a3"));
  BOOST_TEST(!h.run(up.find("upload.example.org", "a3")));
  BOOST_TEST(h.run(up.create_slot(slot("a4", "alice@example.org", 400, 100, 100), 1000)));  // room again
}

// --- migrations ---------------------------------------------------------------------------------

STORAGE_TEST(migrate_applies_each_version_once) {
  BOOST_TEST(h.s().migrate().empty());  // open_storage migrated already
  h.reopen();
  BOOST_TEST(h.s().migrate().empty());
}

STORAGE_TEST(migrate_on_an_empty_database_applies_all_then_nothing) {
  // A second, empty database: the harness's one was migrated when it opened.
  if (h.backend() == "sqlite") {
    h.config().sqlite_path += ".fresh";
  } else {
    AdminConnection admin(h.env());
    admin.query("DROP DATABASE IF EXISTS `" + h.env().database + "`");
    admin.query("CREATE DATABASE `" + h.env().database + "` CHARACTER SET utf8mb4");
  }
  h.reopen([](StorageConfig& c) { c.migrate = false; });
  auto applied = h.s().migrate();
  BOOST_TEST(applied == versions_of(h.backend()), boost::test_tools::per_element());
  BOOST_TEST(h.s().migrate().empty());
  BOOST_TEST(h.run(h.s().accounts().create(make_account("alice"))));
}

// --- the MariaDB backend's own cases -------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(mariadb)

BOOST_AUTO_TEST_CASE(reconnects_and_prepares_again_after_its_connections_are_killed,
                     *utf::precondition(MariadbWanted{})) {
  Harness h("mariadb");
  BOOST_TEST(h.run(h.s().accounts().create(make_account("alice"))));
  for (int i = 0; i < 4; ++i) BOOST_TEST(h.run(h.s().accounts().find(kHost, "alice")).has_value());
  auto before = xmppd::storage_stats(h.s());

  int killed = kill_other_connections(h.env());
  BOOST_TEST(killed >= 3);  // the writer and both readers

  BOOST_TEST(h.run(h.s().accounts().create(make_account("bob"))));
  for (int i = 0; i < 4; ++i) BOOST_TEST(h.run(h.s().accounts().find(kHost, "bob")).has_value());
  BOOST_TEST(h.run(h.s().accounts().list(kHost)) == (std::vector<std::string>{"alice", "bob"}),
             boost::test_tools::per_element());
  BOOST_TEST(xmppd::storage_stats(h.s()).retries > before.retries);

  // And once more, while writes are queued.
  kill_other_connections(h.env());
  int done = 0;
  for (int i = 0; i < 10; ++i) {
    asio::co_spawn(
        h.io(),
        [&h, i]() -> Task<std::int64_t> {
          co_return co_await h.s().offline().push(kHost, "alice", i, "<message/>");
        },
        [&](std::exception_ptr e, std::int64_t) { done += e ? 0 : 1; });
  }
  h.drain();
  BOOST_TEST(done == 10);
  BOOST_TEST(h.run(h.s().offline().count(kHost, "alice")) == 10);
}

BOOST_AUTO_TEST_CASE(retries_a_write_after_a_lock_wait_timeout_then_gives_up_as_transient,
                     *utf::precondition(MariadbWanted{})) {
  Harness h("mariadb", [](StorageConfig& c) {
    c.mariadb_lock_wait_timeout = 1s;
    c.max_attempts = 3;
  });
  BOOST_TEST(h.run(h.s().accounts().create(make_account("carol"))));
  const std::string lock_row =
      "SELECT * FROM accounts WHERE host = 'example.org' AND username = 'carol' FOR UPDATE";

  {  // held for 1.5 s: the first attempt times out after 1 s, the second gets the row
    AdminConnection holder(h.env(), true);
    holder.query("START TRANSACTION");
    holder.query(lock_row);
    std::thread release([&] {
      std::this_thread::sleep_for(1500ms);
      holder.query("COMMIT");
    });
    auto before = xmppd::storage_stats(h.s());
    bool updated = false;
    try {
      updated = h.run(h.s().accounts().set_credentials(make_account("carol", 'q')));
    } catch (...) {
      release.join();
      throw;
    }
    release.join();
    BOOST_TEST(updated);
    BOOST_TEST(xmppd::storage_stats(h.s()).retries > before.retries);
  }
  {  // held throughout: every attempt times out, and the caller learns it may retry later
    AdminConnection holder(h.env(), true);
    holder.query("START TRANSACTION");
    holder.query(lock_row);
    try {
      h.run(h.s().accounts().set_credentials(make_account("carol", 'r')));
      BOOST_FAIL("the write went through a held lock");
    } catch (const StorageError& e) {
      BOOST_TEST(e.transient());
      BOOST_TEST_MESSAGE("gave up with: " << e.what());
    }
    holder.query("ROLLBACK");
  }
  BOOST_TEST(same(*h.run(h.s().accounts().find(kHost, "carol")), make_account("carol", 'q')));
}

BOOST_AUTO_TEST_SUITE_END()

// --- configuration and values -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(open_storage_refuses_a_bad_configuration_precisely) {
  auto message_of = [](StorageConfig c) -> std::string {
    try {
      xmppd::open_storage(c);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(opened)";
  };
  StorageConfig c;
  c.backend = "oracle";
  BOOST_TEST(message_of(c).find("backend") != std::string::npos);
  c.backend = "sqlite";
  BOOST_TEST(message_of(c).find("sqlite_path") != std::string::npos);
  c.sqlite_path = "/nonexistent-dir/xmppd.db";
  BOOST_TEST(message_of(c).find("cannot open SQLite database '/nonexistent-dir/xmppd.db'") !=
             std::string::npos);
  c = {};
  c.backend = "mariadb";
  c.mariadb_host = "127.0.0.1";
  c.mariadb_user = "root";
  BOOST_TEST(message_of(c).find("mariadb_database") != std::string::npos);
  c.mariadb_database = "xmppd_test";
  c.mariadb_port = 1;  // nothing listens there
  auto m = message_of(c);
  BOOST_TEST(m.find("cannot connect to MariaDB at 127.0.0.1:1") != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(subscription_names_round_trip) {
  for (auto s : {Subscription::none, Subscription::to, Subscription::from, Subscription::both,
                 Subscription::remove}) {
    BOOST_TEST((xmppd::subscription_from_string(xmppd::to_string(s)) == s));
  }
  BOOST_TEST(!xmppd::subscription_from_string("None"));
  BOOST_TEST(!xmppd::subscription_from_string(""));
}

// --- the message archive (issue 5: XEP-0313, XEP-0431) -----------------------------------------

namespace {

using xmppd::ArchivePage;
using xmppd::ArchiveQuery;
using xmppd::ArchiveRecord;

// Ids as the archive service makes them: microseconds, increasing.
constexpr std::int64_t kBaseId = 1'700'000'000'000'000;

ArchiveRecord make_record(const std::string& owner, std::int64_t id, const std::string& text,
                          const std::string& with = "bob@example.org") {
  ArchiveRecord r;
  r.id = id;
  r.owner = owner;
  r.with = with;
  r.with_resource = "phone";
  r.direction = xmppd::ArchiveDirection::incoming;
  r.stamp_us = id;
  r.xml = "<message xmlns='jabber:client' type='chat'><body>" + text + "</body></message>";
  r.text = text;
  return r;
}

std::vector<std::int64_t> ids_of(const ArchivePage& p) {
  std::vector<std::int64_t> ids;
  for (const auto& r : p.records) ids.push_back(r.id);
  return ids;
}

// Appends n records for `owner` (ids kBaseId + first .. + first + n - 1), in batches.
void fill(Harness& h, const std::string& owner, std::int64_t first, std::int64_t n,
          std::optional<std::string> queue = std::nullopt) {
  std::vector<ArchiveRecord> batch;
  for (std::int64_t i = first; i < first + n; ++i) {
    batch.push_back(make_record(owner, kBaseId + i, "wiadomość numer " + std::to_string(i)));
    batch.back().queue = queue;
    if (batch.size() == 500) h.run(h.s().archive().append(std::move(batch))), batch.clear();
  }
  if (!batch.empty()) h.run(h.s().archive().append(std::move(batch)));
}

// Pages `base` (its archives, search and bounds) newest-first and oldest-first, max 3 a page,
// through every result, and checks each page against `all_ids` (the ids the search should find,
// in order, before the bounds): no gap, no duplicate, and the exact XEP-0059 count and index of
// the page's first item (§2.2) on every page.
void check_search_pages(Harness& h, const ArchiveQuery& base, const std::vector<std::int64_t>& all_ids) {
  std::vector<std::int64_t> expected;
  for (auto id : all_ids)
    if ((!base.start_us || id >= *base.start_us) && (!base.end_us || id <= *base.end_us)) expected.push_back(id);
  for (bool backwards : {true, false}) {
    ArchiveQuery q = base;
    q.max = 3;
    q.from_end = backwards;
    std::vector<std::int64_t> seen;
    for (int pages = 0; pages < 40; ++pages) {
      auto page = h.run(h.s().archive().query(q));
      BOOST_TEST_CONTEXT(*base.fulltext << (backwards ? " backwards" : " forwards") << " page " << pages) {
        BOOST_TEST(*page.count == static_cast<std::int64_t>(expected.size()));
        if (page.records.empty()) break;
        auto at = std::find(expected.begin(), expected.end(), page.records.front().id);
        BOOST_REQUIRE(at != expected.end());
        BOOST_TEST(*page.first_index == at - expected.begin());
        std::vector<std::int64_t> ids;
        for (const auto& r : page.records) ids.push_back(r.id);
        BOOST_TEST((ids == std::vector<std::int64_t>(at, at + static_cast<std::ptrdiff_t>(ids.size()))));
        seen.insert(backwards ? seen.begin() : seen.end(), ids.begin(), ids.end());
        if (page.complete) break;
        if (backwards) q.page_before = ids.front();
        else q.page_after = ids.back();
      }
    }
    BOOST_TEST(seen == expected);
  }
}

}  // namespace

STORAGE_TEST(archive_keeps_a_record_whole_and_reads_only_its_owners_archive) {
  auto r = make_record("alice@example.org", kBaseId + 1, "Zażółć gęślą jaźń");
  r.conversation = "c1";
  r.data_class = "message";
  h.run(h.s().archive().append({r, make_record("carol@example.org", kBaseId + 2, "secret of carol")}));
  ArchiveQuery q;
  q.owner = "alice@example.org";
  auto page = h.run(h.s().archive().query(q));
  BOOST_TEST_REQUIRE(page.records.size() == 1u);
  BOOST_TEST((page.records[0] == [&] { auto e = r; e.text.clear(); return e; }()));
  BOOST_TEST(page.complete);
  BOOST_TEST(*page.count == 1);
  q.owner = "mallory@example.org";
  q.fulltext = "secret";
  BOOST_TEST(h.run(h.s().archive().query(q)).records.empty());
}

STORAGE_TEST(archive_pages_10000_records_forwards_and_backwards_without_gaps_or_duplicates) {
  fill(h, "alice@example.org", 0, 10000);
  fill(h, "bob@example.org", 20000, 300);  // someone else's, interleaved in id order below
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 0; i < 10000; ++i) expected.push_back(kBaseId + i);

  // Forwards: XEP-0059 §2.2 <after/> the last id of the previous page.
  std::vector<std::int64_t> seen;
  ArchiveQuery q;
  q.owner = "alice@example.org";
  q.max = 333;
  for (int pages = 0;; ++pages) {
    BOOST_TEST_REQUIRE(pages < 100);
    auto page = h.run(h.s().archive().query(q));
    BOOST_TEST(*page.count == 10000);
    if (!page.records.empty()) BOOST_TEST(*page.first_index == static_cast<std::int64_t>(seen.size()));
    auto ids = ids_of(page);
    seen.insert(seen.end(), ids.begin(), ids.end());
    if (page.complete) break;
    q.page_after = ids.back();
  }
  BOOST_TEST(seen == expected, boost::test_tools::per_element());

  // Backwards: §2.5 <before/> empty for the last page, then <before/> the first id.
  seen.clear();
  q = ArchiveQuery{};
  q.owner = "alice@example.org";
  q.max = 250;
  q.from_end = true;
  for (int pages = 0;; ++pages) {
    BOOST_TEST_REQUIRE(pages < 100);
    auto page = h.run(h.s().archive().query(q));
    auto ids = ids_of(page);
    BOOST_TEST(std::is_sorted(ids.begin(), ids.end()));  // a page is in time order either way
    seen.insert(seen.begin(), ids.begin(), ids.end());
    if (page.complete) break;
    q.page_before = ids.front();
  }
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

STORAGE_TEST(archive_paging_forwards_misses_nothing_while_records_are_committed_meanwhile) {
  fill(h, "alice@example.org", 0, 1000);
  // A writer appends 40 more batches while a reader pages forwards: every committed id is below
  // every later one (ids are committed in order), so <after/> never skips one.
  bool writer_done = false;
  int batches_committed = 0;
  // The reader, once it has caught up, waits for the writer's next commit (never a sleep).
  asio::steady_timer wake(h.io(), asio::steady_timer::time_point::max());
  std::vector<std::int64_t> seen;
  auto writer = [&]() -> Task<void> {
    for (int b = 0; b < 40; ++b) {
      std::vector<ArchiveRecord> batch;
      for (int i = 0; i < 25; ++i) {
        std::int64_t n = 1000 + b * 25 + i;
        batch.push_back(make_record("alice@example.org", kBaseId + n, "later " + std::to_string(n)));
      }
      co_await h.s().archive().append(std::move(batch));
      ++batches_committed;
      wake.cancel();
    }
    writer_done = true;
  };
  auto reader = [&]() -> Task<void> {
    ArchiveQuery q;
    q.owner = "alice@example.org";
    q.max = 70;
    q.want_count = false;
    for (;;) {
      bool done_before = writer_done;
      int committed_before = batches_committed;
      auto page = co_await h.s().archive().query(q);
      for (const auto& r : page.records) seen.push_back(r.id);
      if (!page.records.empty()) q.page_after = page.records.back().id;
      if (!page.complete) continue;
      if (done_before) break;
      if (batches_committed == committed_before) {
        boost::system::error_code ec;
        wake.expires_at(asio::steady_timer::time_point::max());
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    }
  };
  asio::co_spawn(h.io(), writer(), asio::detached);
  asio::co_spawn(h.io(), reader(), asio::detached);
  h.drain();
  BOOST_TEST_REQUIRE(writer_done);
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 0; i < 2000; ++i) expected.push_back(kBaseId + i);
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

STORAGE_TEST(archive_filters_by_with_time_form_ids_and_the_ids_list) {
  std::vector<ArchiveRecord> rs;
  for (int i = 0; i < 20; ++i)
    rs.push_back(make_record("alice@example.org", kBaseId + i, "m" + std::to_string(i),
                             i % 2 ? "bob@example.org" : "carol@example.org"));
  rs[3].with_resource = "desk";
  h.run(h.s().archive().append(rs));
  ArchiveQuery q;
  q.owner = "alice@example.org";
  q.with = "bob@example.org";
  auto page = h.run(h.s().archive().query(q));
  BOOST_TEST(page.records.size() == 10u);
  q.with_resource = "desk";  // XEP-0313 §4.1.1: a full JID matches that resource only
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) == std::vector<std::int64_t>{kBaseId + 3}));
  q = ArchiveQuery{};
  q.owner = "alice@example.org";
  q.start_us = kBaseId + 5;  // inclusive
  q.end_us = kBaseId + 7;
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) ==
              std::vector<std::int64_t>{kBaseId + 5, kBaseId + 6, kBaseId + 7}));
  q = ArchiveQuery{};
  q.owner = "alice@example.org";
  q.after_id = kBaseId + 5;  // exclusive
  q.before_id = kBaseId + 8;
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) == std::vector<std::int64_t>{kBaseId + 6, kBaseId + 7}));
  q = ArchiveQuery{};
  q.owner = "alice@example.org";
  q.ids = {kBaseId + 2, kBaseId + 9, kBaseId + 99};
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) == std::vector<std::int64_t>{kBaseId + 2, kBaseId + 9}));
}

STORAGE_TEST(archive_search_folds_words_prefixes_and_phrases) {
  h.run(h.s().archive().append({
      make_record("alice@example.org", kBaseId + 1, "Zażółć gęślą jaźń"),
      make_record("alice@example.org", kBaseId + 2, "Dofinansowanie ze środków UE dla firm"),
      make_record("alice@example.org", kBaseId + 3, "jaźń gęślą, na odwrót", "carol@example.org"),
      make_record("bob@example.org", kBaseId + 4, "Zażółć gęślą jaźń u Boba"),
  }));
  auto find = [&](const std::string& text, std::optional<std::string> with = std::nullopt) {
    ArchiveQuery q;
    q.owner = "alice@example.org";
    q.fulltext = text;
    q.with = with;
    return ids_of(h.run(h.s().archive().query(q)));
  };
  using V = std::vector<std::int64_t>;
  BOOST_TEST((find("zazolc gesla jazn") == V{kBaseId + 1}));
  BOOST_TEST((find("ZAŻÓŁĆ") == V{kBaseId + 1}));
  BOOST_TEST((find("gęślą") == V{kBaseId + 1, kBaseId + 3}));
  BOOST_TEST((find("dofin*") == V{kBaseId + 2}));
  BOOST_TEST((find("UE") == V{kBaseId + 2}));  // two letters: innodb_ft_min_token_size=2
  BOOST_TEST((find("\"gesla jazn\"") == V{kBaseId + 1}));
  BOOST_TEST((find("\"jazn gesla\"") == V{kBaseId + 3}));
  BOOST_TEST((find("gesla", "carol@example.org") == V{kBaseId + 3}));
  BOOST_TEST(find("nieobecne").empty());
  BOOST_TEST(find("*").empty());
  ArchiveQuery q;
  q.owner = "alice@example.org";
  q.fulltext = "gesla";
  q.max = 1;
  auto page = h.run(h.s().archive().query(q));
  BOOST_TEST((ids_of(page) == V{kBaseId + 1}));
  BOOST_TEST(!page.complete);
  BOOST_TEST(*page.count == 2);
}

STORAGE_TEST(archive_reads_several_owners_as_one_ordered_result) {
  // "3 of 10 rooms": ArchiveQuery::more_owners, with and without a search, paged and counted.
  std::vector<ArchiveRecord> rs;
  for (int i = 0; i < 10; ++i)
    rs.push_back(make_record("room" + std::to_string(i % 5) + "@conference.example.org", kBaseId + i,
                             i % 2 ? "Łódź raport" : "inny temat"));
  h.run(h.s().archive().append(rs));
  ArchiveQuery q;
  q.owner = "room0@conference.example.org";
  q.more_owners = {"room1@conference.example.org", "room3@conference.example.org"};
  using V = std::vector<std::int64_t>;
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) ==
              V{kBaseId + 0, kBaseId + 1, kBaseId + 3, kBaseId + 5, kBaseId + 6, kBaseId + 8}));
  q.fulltext = "lodz";
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) == V{kBaseId + 1, kBaseId + 3, kBaseId + 5}));
  q.fulltext.reset();
  q.max = 2;
  q.from_end = true;
  auto page = h.run(h.s().archive().query(q));
  BOOST_TEST((ids_of(page) == V{kBaseId + 6, kBaseId + 8}));
  BOOST_TEST(*page.count == 6);
  BOOST_TEST(*page.first_index == 4);
}

// Migration 0019: the index holds each record's archive tag, and a search reads only the
// reader's archives from the index itself: another archive's matches, even one whose text spells
// the reader's tag, never come back, and pages, counts and indexes (XEP-0059 §2.2) stay exact
// when paging backwards from the newest match through the middle of the result set.
STORAGE_TEST(archive_search_is_scoped_by_the_index_and_pages_with_exact_counts) {
  std::string alice_tag = xmppd::storage::archive_search_tag('o', "alice@example.org");
  std::vector<ArchiveRecord> rs;
  for (int i = 0; i < 30; ++i) {
    std::string owner = i % 3 == 0 ? "alice@example.org" : i % 3 == 1 ? "carol@example.org" : "dave@example.org";
    std::string text = i % 2 ? "fundusze europejskie" : "inny temat";
    if (owner == "carol@example.org") text += " " + alice_tag + " under_score";
    rs.push_back(make_record(owner, kBaseId + i, text));
  }
  h.run(h.s().archive().append(rs));
  using V = std::vector<std::int64_t>;
  ArchiveQuery q;
  q.owner = "alice@example.org";
  q.fulltext = "fundusze";
  // alice: ids 3, 9, 15, 21, 27 hold the word (i % 3 == 0 and odd).
  auto page = h.run(h.s().archive().query(q));
  BOOST_TEST((ids_of(page) == V{kBaseId + 3, kBaseId + 9, kBaseId + 15, kBaseId + 21, kBaseId + 27}));
  BOOST_TEST(*page.count == 5);
  BOOST_TEST(*page.first_index == 0);
  q.max = 2;
  q.from_end = true;
  page = h.run(h.s().archive().query(q));
  BOOST_TEST((ids_of(page) == V{kBaseId + 21, kBaseId + 27}));
  BOOST_TEST(!page.complete);
  BOOST_TEST(*page.count == 5);
  BOOST_TEST(*page.first_index == 3);
  q.page_before = page.records.front().id;
  page = h.run(h.s().archive().query(q));
  BOOST_TEST((ids_of(page) == V{kBaseId + 9, kBaseId + 15}));
  BOOST_TEST(*page.count == 5);
  BOOST_TEST(*page.first_index == 1);
  q.page_before.reset();
  q.from_end = false;
  q.page_after = kBaseId + 9;
  page = h.run(h.s().archive().query(q));
  BOOST_TEST((ids_of(page) == V{kBaseId + 15, kBaseId + 21}));
  BOOST_TEST(*page.first_index == 2);
  // The tag, searched for as text, is two words ('_' separates words in text and queries) and
  // only carol's archive holds them.
  q = ArchiveQuery{};
  q.owner = "alice@example.org";
  q.fulltext = alice_tag;
  BOOST_TEST(h.run(h.s().archive().query(q)).records.empty());
  q.owner = "carol@example.org";
  BOOST_TEST(h.run(h.s().archive().query(q)).records.size() == 10u);
  q.fulltext = "under_score";
  BOOST_TEST(*h.run(h.s().archive().query(q)).count == 10);
  q.fulltext = "\"under score\"";
  BOOST_TEST(*h.run(h.s().archive().query(q)).count == 10);
  // One-letter words are found on both backends (MariaDB: a tagged word is long enough for
  // innodb_ft_min_token_size).
  h.run(h.s().archive().append({make_record("alice@example.org", kBaseId + 100, "plan B")}));
  q.owner = "alice@example.org";
  q.fulltext = "b";
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) == V{kBaseId + 100}));
}

// Migration 0024 (MariaDB: words indexed per time bucket, counted in archive_terms): a search
// whose matches spread over many buckets, some empty, pages newest-first and oldest-first with
// max 3 through every match without gaps or duplicates, with the exact XEP-0059 count and
// index (§2.2) on every page, for a counted word, a prefix and a phrase, also within start/end
// bounds that cut buckets in two; a purged record leaves the count. The expected pages are
// computed here from the records themselves.
STORAGE_TEST(archive_search_spread_over_time_buckets_pages_and_counts_exactly) {
  constexpr std::int64_t kHalfBucket = std::int64_t{1} << 39;  // 2^40 us: one bucket (~12.7 days)
  std::vector<ArchiveRecord> rs;
  std::vector<std::int64_t> word_ids;
  for (int i = 0; i < 40; ++i) {
    // Buckets 8 to 13 hold nothing: the page must widen past them.
    std::int64_t id = kBaseId + (i < 16 ? i : i + 12) * kHalfBucket + i;
    bool has = i % 3 != 1;
    std::string text = has ? "fundusze europejskie numer " + std::to_string(i) : "inny temat";
    auto r = make_record(i % 4 == 3 ? "carol@example.org" : "alice@example.org", id, text);
    r.data_class = i < 4 ? "old" : "message";
    if (has && r.owner == "alice@example.org") word_ids.push_back(id);
    rs.push_back(std::move(r));
  }
  h.run(h.s().archive().append(rs));
  auto check = [&](const std::string& text, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
                   const std::vector<std::int64_t>& all_ids) {
    ArchiveQuery q;
    q.owner = "alice@example.org";
    q.fulltext = text;
    q.start_us = start;
    q.end_us = end;
    check_search_pages(h, q, all_ids);
  };
  check("fundusze", std::nullopt, std::nullopt, word_ids);
  check("fundu*", std::nullopt, std::nullopt, word_ids);
  check("\"fundusze europejskie\"", std::nullopt, std::nullopt, word_ids);
  // Bounds in the middle of a bucket.
  check("fundusze", kBaseId + 3 * kHalfBucket + 1, kBaseId + 33 * kHalfBucket, word_ids);
  check("europejskie", kBaseId + 5 * kHalfBucket, std::nullopt, word_ids);
  // A purge takes its records out of the count (archive_terms follows deletes).
  h.run(h.s().archive().purge("old", kBaseId + 100 * kHalfBucket, "example.org"));
  std::vector<std::int64_t> kept;
  for (auto id : word_ids)
    if (id >= kBaseId + 4 * kHalfBucket) kept.push_back(id);
  check("fundusze", std::nullopt, std::nullopt, kept);
}

// A prefix covers several words, and a record may hold two of them (MariaDB counts a prefix from
// archive_terms: per archive and bucket the counter of its main word plus the index for the
// records without it; a counter counts a record once however often it holds the word): pages,
// counts and indexes stay exact in two archives read as one ("3 of 10 rooms"), also with bounds
// that cut buckets, after a purge, and after an account's removal deleted one of the archives.
STORAGE_TEST(archive_prefix_search_counts_a_record_holding_two_of_its_words_once) {
  constexpr std::int64_t kBucket = std::int64_t{1} << 40;  // MariaDB's time bucket (~12.7 days)
  const std::int64_t base = ((kBaseId >> 40) + 1) << 40;  // the start of a bucket
  const std::vector<std::string> texts = {
      "fundusze funduszy",                       // two words of the prefix
      "funduszy tylko",                          // one word of the prefix
      "fundusze unijne",                         // another
      "inny temat",                              // none
      "Fundusz, fundusze i funduszy, fundusze",  // three, one of them twice
  };
  // 20 buckets; in each, two records of each of three archives, with two texts that follow each
  // other in the list: an archive's bucket may hold several words of the prefix, in one record
  // or in two, or a record without the bucket's most frequent one ("funduszy tylko" beside
  // "fundusze unijne"), which the counters alone would miss.
  std::vector<ArchiveRecord> rs;
  std::vector<std::int64_t> prefix_ids, word_ids, alice_prefix_ids;
  const std::string owners[] = {"alice@example.org", "carol@example.org", "dave@example.org"};
  for (int k = 0; k < 20; ++k)
    for (int slot = 0; slot < 6; ++slot) {
      int o = slot / 2;
      std::int64_t id = base + k * kBucket + slot * (kBucket / 8) + 1;
      const std::string& text = texts[static_cast<std::size_t>(k + o + slot % 2) % texts.size()];
      auto r = make_record(owners[o], id, text);
      r.data_class = k < 2 ? "old" : "message";
      bool has_prefix = text.find("undusz") != std::string::npos;
      if (o < 2 && has_prefix) prefix_ids.push_back(id);
      if (o < 2 && text.find("fundusze") != std::string::npos) word_ids.push_back(id);
      if (o == 0 && has_prefix) alice_prefix_ids.push_back(id);
      rs.push_back(std::move(r));
    }
  h.run(h.s().archive().append(rs));
  ArchiveQuery q;
  q.owner = "alice@example.org";
  q.more_owners = {"carol@example.org"};
  q.fulltext = "fundu*";
  check_search_pages(h, q, prefix_ids);
  q.fulltext = "fundusze";
  check_search_pages(h, q, word_ids);
  q.fulltext = "FUNDUSZ*";
  q.start_us = base + 3 * kBucket + 3 * (kBucket / 8);  // inside buckets
  q.end_us = base + 15 * kBucket + 2 * (kBucket / 8) + 5;
  check_search_pages(h, q, prefix_ids);
  q.start_us.reset();
  q.end_us.reset();
  // The purge (counters follow deletes).
  h.run(h.s().archive().purge("old", base + 100 * kBucket, "example.org"));
  auto kept = [&](std::vector<std::int64_t> ids) {
    std::erase_if(ids, [&](std::int64_t id) { return id < base + 2 * kBucket; });
    return ids;
  };
  prefix_ids = kept(prefix_ids);
  alice_prefix_ids = kept(alice_prefix_ids);
  q.fulltext = "fundu*";
  check_search_pages(h, q, prefix_ids);
  // An account's removal deletes its archive, and its records leave the counters.
  BOOST_TEST(h.run(h.s().accounts().create(make_account("carol"))));
  BOOST_TEST(h.run(h.s().accounts().remove(kHost, "carol")));
  check_search_pages(h, q, alice_prefix_ids);
  q.owner = "carol@example.org";
  q.more_owners.clear();
  check_search_pages(h, q, {});
}

STORAGE_TEST(archive_purge_deletes_by_class_and_age_and_the_words_leave_the_index) {
  auto old_one = make_record("alice@example.org", kBaseId + 1, "przeterminowane słowo");
  auto other_class = make_record("alice@example.org", kBaseId + 2, "przeterminowane notatki");
  other_class.data_class = "note";
  auto fresh = make_record("alice@example.org", kBaseId + 3, "świeże");
  fresh.stamp_us = kBaseId + 1'000'000;
  // Another host's archive, as old: each host purges with its own period.
  auto other_host = make_record("room@conference.example.org", kBaseId + 4, "przeterminowany pokój");
  h.run(h.s().archive().append({old_one, other_class, fresh, other_host}));
  BOOST_TEST(h.run(h.s().archive().purge("message", kBaseId + 500'000, "example.org")) == 1);
  ArchiveQuery room;
  room.owner = "room@conference.example.org";
  BOOST_TEST((ids_of(h.run(h.s().archive().query(room))) == std::vector<std::int64_t>{kBaseId + 4}));
  ArchiveQuery q;
  q.owner = "alice@example.org";
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) == std::vector<std::int64_t>{kBaseId + 2, kBaseId + 3}));
  q.fulltext = "slowo";
  BOOST_TEST(h.run(h.s().archive().query(q)).records.empty());
  if (h.backend() == "sqlite") {
    // FTS5 'optimize' merged the index: the purged word is no longer in its vocabulary.
    xmppd::storage::SqliteConnection c(h.config().sqlite_path, xmppd::storage::SqliteConnection::Mode::writer);
    c.exec_script("CREATE VIRTUAL TABLE IF NOT EXISTS temp.archive_vocab USING fts5vocab(main, archive_fts, row)");
    std::int64_t n = -1;
    c.query("SELECT COUNT(*) FROM temp.archive_vocab WHERE term = 'slowo'", {}, [&](const xmppd::storage::Row& r) { n = r.i64(0); });
    BOOST_TEST(n == 0);
  }
}

// Issue 5, per-room archive periods (migration 0026): an archive with a period of its own is
// purged by it, not by its host's: a shorter one goes earlier, a longer one outlives the host's
// period (up to the cap the purge is given); a record of a client under legal hold stays; another
// host's archives are not touched; an ended period covers only the records of its range (a room of
// the same name created later has its own), and goes once they are gone. Without `now_us` (the
// host's purge alone) archives with their own period are left alone.
STORAGE_TEST(archive_own_periods_shorten_and_lengthen_the_hosts_period) {
  using xmppd::ArchiveOwnPeriod;
  using xmppd::ArchivePurge;
  constexpr std::int64_t kDay = 86'400'000'000;
  const std::int64_t now = kBaseId + 400 * kDay;
  const std::string rooms = "conference.example.org";
  std::int64_t n = 0;  // ids are unique: a few microseconds apart
  auto old = [&](std::string owner, std::int64_t days) {
    return make_record(std::move(owner) + "@" + rooms, now - days * kDay + ++n, "wiadomość");
  };
  auto held_client = h.run(h.s().livechat_clients().link(
      "chat.example.org", {xmppd::LivechatClientKey{"token", std::string(64, 'h')}},
      xmppd::LivechatClientRecord{"0001-held", 1000, 1000, "livechat_client"}));
  BOOST_TEST(h.run(h.s().livechat_clients().set_legal_hold("chat.example.org", held_client, true)));
  auto held = old("short", 10);
  held.client = held_client;
  auto other_host = make_record("short@conference.other.org", now - 100 * kDay, "wiadomość");
  h.run(h.s().archive().append({old("short", 10), old("short", 3), held,
                                old("long", 70), old("long", 55), old("long", 40),
                                old("plain", 40), old("plain", 10),
                                old("ended", 25), old("ended", 10), other_host}));
  auto in = [&](const std::string& room) { return room + "@" + rooms; };
  h.run(h.s().archive().set_own_periods({
      ArchiveOwnPeriod{in("short"), "message", kBaseId, std::nullopt, 7 * kDay},
      ArchiveOwnPeriod{in("long"), "message", kBaseId, std::nullopt, 60 * kDay},
      // A room that had 7 days and was destroyed 20 days ago; its successor has none.
      ArchiveOwnPeriod{in("ended"), "message", kBaseId, now - 20 * kDay, 7 * kDay},
      ArchiveOwnPeriod{"short@conference.other.org", "message", kBaseId, std::nullopt, 1 * kDay},
      // Set and removed again: the host's period.
      ArchiveOwnPeriod{in("plain"), "message", kBaseId, std::nullopt, 1 * kDay},
  }));
  h.run(h.s().archive().set_own_periods({ArchiveOwnPeriod{in("plain"), "message", kBaseId, std::nullopt, std::nullopt}}));
  auto ids = [&](const std::string& owner) {
    ArchiveQuery q;
    q.owner = owner;
    std::vector<std::int64_t> days;
    for (auto id : ids_of(h.run(h.s().archive().query(q)))) days.push_back((now - id) / kDay);
    return days;
  };

  // The host's period (30 days) alone: only the archives without their own period.
  BOOST_TEST(h.run(h.s().archive().purge("message", now - 30 * kDay, rooms)) == 1);
  BOOST_TEST((ids("plain@" + rooms) == std::vector<std::int64_t>{9}));
  BOOST_TEST((ids(in("long")) == std::vector<std::int64_t>{69, 54, 39}));

  ArchivePurge p{"message", rooms, now - 30 * kDay, now, 50 * kDay};
  BOOST_TEST(h.run(h.s().archive().purge(p)) == 4);
  BOOST_TEST((ids(in("short")) == std::vector<std::int64_t>{9, 2}));  // the 10-day one held
  BOOST_TEST((ids(in("long")) == std::vector<std::int64_t>{39}));     // 60 days, capped at 50
  BOOST_TEST((ids(in("plain")) == std::vector<std::int64_t>{9}));
  BOOST_TEST((ids(in("ended")) == std::vector<std::int64_t>{9}));     // after its range: the host's
  BOOST_TEST((ids("short@conference.other.org") == std::vector<std::int64_t>{100}));
  // The ended period had nothing left: it went too, so a record of its range is the host's now.
  h.run(h.s().archive().append({old("ended", 21)}));
  BOOST_TEST(h.run(h.s().archive().purge(p)) == 0);
  BOOST_TEST((ids(in("ended")) == std::vector<std::int64_t>{20, 9}));
  // The held record goes once its client is released.
  BOOST_TEST(h.run(h.s().livechat_clients().set_legal_hold("chat.example.org", held_client, false)));
  BOOST_TEST(h.run(h.s().archive().purge(p)) == 1);
  BOOST_TEST((ids(in("short")) == std::vector<std::int64_t>{2}));

}

// After a restart the open periods of a host's archives end (a temporary room did not survive
// it) unless set again (the rooms still there): the records before keep the period, later ones
// of an owner not set again are the host's.
STORAGE_TEST(archive_own_periods_end_at_a_restart_unless_set_again) {
  using xmppd::ArchiveOwnPeriod;
  using xmppd::ArchivePurge;
  constexpr std::int64_t kDay = 86'400'000'000;
  const std::string rooms = "conference.example.org";
  const std::string kept = "kept@" + rooms, gone = "gone@" + rooms;
  const std::int64_t restart = kBaseId + 2 * kDay;
  h.run(h.s().archive().append({make_record(kept, kBaseId + kDay, "a"), make_record(gone, kBaseId + kDay + 1, "b")}));
  h.run(h.s().archive().set_own_periods({ArchiveOwnPeriod{kept, "message", kBaseId, std::nullopt, 7 * kDay},
                                         ArchiveOwnPeriod{gone, "message", kBaseId, std::nullopt, 7 * kDay}}));
  h.run(h.s().archive().reset_own_periods(rooms, restart, {ArchiveOwnPeriod{kept, "message", kBaseId, std::nullopt, 7 * kDay}}));
  h.run(h.s().archive().append({make_record(kept, restart + 1, "c"), make_record(gone, restart + 2, "d")}));
  const std::int64_t now = restart + 10 * kDay;
  BOOST_TEST(h.run(h.s().archive().purge(ArchivePurge{"message", rooms, now - 30 * kDay, now, INT64_MAX})) == 3);
  ArchiveQuery q;
  q.owner = gone;
  BOOST_TEST((ids_of(h.run(h.s().archive().query(q))) == std::vector<std::int64_t>{restart + 2}));
  q.owner = kept;
  BOOST_TEST(h.run(h.s().archive().query(q)).records.empty());
}

// DESIGN.md privacy: each livechat data class goes after its period, counted from when the
// record finished; open work stays; a client under legal hold keeps everything, in the livechat
// tables and in the archive; another host is not touched.
STORAGE_TEST(livechat_retention_purges_finished_records_and_skips_legal_hold) {
  const std::string chat = "chat.example.org";
  auto& lc = h.s().livechat();
  auto& cs = h.s().livechat_clients();
  auto& fb = h.s().livechat_feedback();
  auto fresh = [](std::string id, std::int64_t t) { return xmppd::LivechatClientRecord{id, t, t, "livechat_client"}; };
  using Key = xmppd::LivechatClientKey;
  BOOST_TEST(h.run(cs.link(chat, {Key{"token", std::string(64, 'a')}}, fresh("0001-held", 1000))) == "0001-held");
  BOOST_TEST(h.run(cs.link(chat, {Key{"token", std::string(64, 'b')}}, fresh("0002-b", 1000))) == "0002-b");
  BOOST_TEST(h.run(cs.link(chat, {Key{"email", std::string(64, 'd')}}, fresh("0004-gone", 1000))) == "0004-gone");
  BOOST_TEST(h.run(cs.link(chat, {Key{"email", std::string(64, 'e')}}, fresh("0005-recent", 9000))) == "0005-recent");
  h.run(cs.add_note(chat, {"0004-gone", "anna@example.org", "Dzwonił w sprawie faktury", 1000, "livechat_client_note"}));
  BOOST_TEST(!h.run(cs.set_legal_hold(chat, "0009-nobody", true)));
  BOOST_TEST(h.run(cs.set_legal_hold(chat, "0001-held", true)));
  BOOST_TEST(h.run(cs.set_legal_hold(chat, "0001-held", true)));  // again: still there
  BOOST_TEST(h.run(cs.client(chat, "0001-held"))->legal_hold);
  BOOST_TEST(!h.run(cs.client(chat, "0002-b"))->legal_hold);

  auto conversation = [&](std::string id, std::string client, std::string state, std::int64_t closed) {
    xmppd::LivechatConversationRecord c{id, "general", "web", client, "ab12", state, "Dotacje", "", "Visitor",
                                        "2026-01", "anna@example.org", 100, 200, 300, closed, "livechat_conversation"};
    h.run(lc.put_conversation(chat, c, {state, state == "closed" ? "closed" : "joined", "visitor", 100}));
    h.run(lc.put_offer(chat, {id + "-o", id, "anna@example.org", "accepted", 200, 300, 300}));
    h.run(lc.add_note(chat, {id, client, "anna@example.org", "Notatka", 250, "livechat_note"}));
    h.run(lc.set_tag(chat, id, "nabór", "anna@example.org", true));
    h.run(fb.put_feedback(chat, {id, client, "", "consultant", 5, "", 0, "none", 0, "livechat_feedback"}));
  };
  conversation("c-old", "0002-b", "closed", 1000);
  conversation("c-recent", "0002-b", "closed", 9000);
  conversation("c-held", "0001-held", "closed", 1000);
  conversation("c-open", "0002-b", "queued", 0);
  h.run(lc.put_conversation("chat.other.org",
                            {"c-old", "general", "web", "0002-b", "ab12", "closed", "", "", "Visitor", "", "", 100, 0,
                             0, 1000, "livechat_conversation"},
                            {"closed", "closed", "visitor", 1000}));
  auto ticket = [&](std::string id, std::string client, std::string state) {
    h.run(lc.put_ticket(chat, {id, "general", client, state, "", "Ola", "ola@example.pl", "Pytanie", "", "2026-01",
                               1000, 1000, "livechat_ticket"}));
  };
  ticket("t-answered", "0002-b", "answered");
  ticket("t-closed-held", "0001-held", "closed");
  ticket("t-open", "0002-b", "open");
  auto callback = [&](std::string id, std::string state) {
    h.run(lc.put_callback(chat, {id, "general", "0002-b", state, "", "", "+48601234567", "Dotacje", "2026-01", 500,
                                 600, 0, 0, 400, 1000, "livechat_callback"}));
  };
  callback("b-done", "done");
  callback("b-requested", "requested");
  h.run(cs.audit(chat, {"anna@example.org", "search", "0002-b", 1000, "audit"}));
  h.run(cs.audit(chat, {"anna@example.org", "search", "0001-held", 1000, "audit"}));
  h.run(cs.audit(chat, {"anna@example.org", "history", "0002-b", 9000, "audit"}));

  xmppd::LivechatRetentionCutoffs cut{5000, 5000, 5000, 5000, 5000};
  auto& retention = h.s().livechat_retention();
  // One of a kind per call: called again until a call finds less than its maximum.
  BOOST_TEST((h.run(retention.purge(chat, cut, 1)) == xmppd::LivechatPurged{1, 1, 1, 1, 1}));
  BOOST_TEST((h.run(retention.purge(chat, cut, 1)) == xmppd::LivechatPurged{}));

  BOOST_TEST(!h.run(lc.conversation(chat, "c-old")));
  BOOST_TEST(h.run(lc.transitions(chat, "c-old")).empty());
  BOOST_TEST(h.run(lc.notes(chat, "c-old")).empty());
  BOOST_TEST(h.run(lc.tags(chat, "c-old")).empty());
  BOOST_TEST(!h.run(fb.feedback(chat, "c-old")));
  for (const char* kept : {"c-recent", "c-held", "c-open"}) {
    BOOST_TEST(h.run(lc.conversation(chat, kept)).has_value(), kept);
    BOOST_TEST(h.run(lc.notes(chat, kept)).size() == 1u, kept);
    BOOST_TEST(h.run(lc.tags(chat, kept)).size() == 1u, kept);
    BOOST_TEST(h.run(fb.feedback(chat, kept)).has_value(), kept);
  }
  BOOST_TEST(h.run(lc.conversation("chat.other.org", "c-old")).has_value());
  std::vector<std::string> tickets, callbacks;
  for (const auto& t : h.run(cs.tickets_of(chat, "0002-b"))) tickets.push_back(t.id);
  for (const auto& t : h.run(cs.tickets_of(chat, "0001-held"))) tickets.push_back(t.id);
  BOOST_TEST((tickets == std::vector<std::string>{"t-open", "t-closed-held"}));
  for (const auto& c : h.run(cs.callbacks_of(chat, "0002-b"))) callbacks.push_back(c.id);
  BOOST_TEST((callbacks == std::vector<std::string>{"b-requested"}));
  BOOST_TEST(h.run(cs.audit_of(chat, "0002-b")).size() == 1u);
  BOOST_TEST(h.run(cs.audit_of(chat, "0001-held")).size() == 1u);
  // The client with nothing left went with its keys and notes; the others stay.
  BOOST_TEST(!h.run(cs.client(chat, "0004-gone")));
  BOOST_TEST(h.run(cs.notes(chat, "0004-gone")).empty());
  BOOST_TEST(h.run(cs.link(chat, {Key{"email", std::string(64, 'd')}}, fresh("0006-new", 9500))) == "0006-new");
  for (const char* kept : {"0001-held", "0002-b", "0005-recent"})
    BOOST_TEST(h.run(cs.client(chat, kept)).has_value(), kept);

  // The archive's purge skips the held client's records too.
  auto held = make_record("c-held@chat.example.org", kBaseId + 1, "wiadomość");
  held.client = "0001-held";
  auto other = make_record("c-old@chat.example.org", kBaseId + 2, "wiadomość");
  other.client = "0002-b";
  auto account = make_record("alice@example.org", kBaseId + 3, "wiadomość");
  h.run(h.s().archive().append({held, other, account}));
  BOOST_TEST(h.run(h.s().archive().purge("message", kBaseId + 10, "example.org")) == 1);
  BOOST_TEST(h.run(h.s().archive().purge("message", kBaseId + 10, "chat.example.org")) == 1);
  ArchiveQuery q;
  q.owner = "c-held@chat.example.org";
  BOOST_TEST(h.run(h.s().archive().query(q)).records.size() == 1u);
  // Released, it goes at the next purge.
  BOOST_TEST(h.run(cs.set_legal_hold(chat, "0001-held", false)));
  BOOST_TEST(h.run(h.s().archive().purge("message", kBaseId + 10, "chat.example.org")) == 1);
  // Its conversation, ticket and audit row go, and then the client, with nothing left.
  BOOST_TEST((h.run(retention.purge(chat, cut, 10)) == xmppd::LivechatPurged{1, 1, 0, 1, 1}));
}

// Livechat staff search (issue 6): records of the given queues, whatever archive holds them (a
// room, a queue's JID), with words and paging; other queues' and queue-less records never.
STORAGE_TEST(archive_reads_by_livechat_queue_across_archives) {
  auto rec = [](std::string owner, std::int64_t id, std::string text, std::optional<std::string> queue) {
    auto r = make_record(std::move(owner), kBaseId + id, std::move(text));
    r.queue = std::move(queue);
    r.conversation = "c" + std::to_string(id);
    return r;
  };
  h.run(h.s().archive().append({rec("c-1@chat.example.org", 1, "kredyt ekologiczny", "general"),
                                rec("general@chat.example.org", 2, "notatka o kredycie", "general"),
                                rec("c-2@chat.example.org", 3, "kredyt dla firmy", "dotacje"),
                                rec("alice@example.org", 4, "kredyt prywatny", std::nullopt),
                                rec("c-1@chat.example.org", 5, "drugi kredyt", "general")}));
  ArchiveQuery q;
  q.owner = "chat.example.org";
  q.queues = {"general"};
  auto ids = [&](const ArchiveQuery& query) {
    std::vector<std::int64_t> out;
    for (const auto& r : h.run(h.s().archive().query(query)).records) out.push_back(r.id - kBaseId);
    return out;
  };
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{1, 2, 5}));
  q.fulltext = "kredyt";
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{1, 5}));
  q.queues = {"general", "dotacje"};
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{1, 3, 5}));
  q.max = 2;
  auto page = h.run(h.s().archive().query(q));
  BOOST_TEST(!page.complete);
  BOOST_TEST(*page.count == 3);
  q.page_after = page.records.back().id;
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{5}));
  q = ArchiveQuery{};
  q.owner = "chat.example.org";
  q.queues = {"lodz"};
  BOOST_TEST(ids(q).empty());
}

// Staff search filters (issue 6, docs/protocol.md "Staff search"): a tag by the conversations
// tagged now, a channel, `with` within the queues, time bounds; combined with words.
STORAGE_TEST(archive_staff_search_filters_by_tag_channel_with_and_time) {
  auto rec = [](std::string owner, std::int64_t id, std::string text, std::string conversation, std::string channel,
                std::string with) {
    auto r = make_record(std::move(owner), kBaseId + id, std::move(text), std::move(with));
    r.queue = "general";
    r.conversation = std::move(conversation);
    r.channel = std::move(channel);
    return r;
  };
  h.run(h.s().archive().append({rec("c-1@chat.example.org", 1, "kredyt ekologiczny", "c1", "web", "c-1@chat.example.org"),
                                rec("general@chat.example.org", 2, "notatka o kredycie", "c1", "web", "anna@example.org"),
                                rec("c-2@chat.example.org", 3, "kredyt z facebooka", "c2", "facebook", "c-2@chat.example.org"),
                                rec("c-3@chat.example.org", 4, "inny kredyt", "c3", "web", "c-3@chat.example.org")}));
  auto& lc = h.s().livechat();
  h.run(lc.set_tag("chat.example.org", "c1", "ekologia", "anna@example.org", true));
  h.run(lc.set_tag("chat.example.org", "c2", "ekologia", "anna@example.org", true));
  h.run(lc.set_tag("other.example.org", "c3", "ekologia", "anna@example.org", true));  // another host's tag
  ArchiveQuery q;
  q.owner = "chat.example.org";
  q.queues = {"general"};
  auto ids = [&](const ArchiveQuery& query) {
    std::vector<std::int64_t> out;
    auto page = h.run(h.s().archive().query(query));
    for (const auto& r : page.records) out.push_back(r.id - kBaseId);
    BOOST_TEST(*page.count == static_cast<std::int64_t>(out.size()));
    return out;
  };
  q.tag = "ekologia";
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{1, 2, 3}));
  q.fulltext = "kredyt";
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{1, 3}));
  q.channel = "web";
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{1}));
  q.tag.reset();
  q.fulltext.reset();
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{1, 2, 4}));
  q.channel.reset();
  q.with = "anna@example.org";
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{2}));
  q.with = "c-2@chat.example.org";
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{3}));
  q.with.reset();
  q.start_us = kBaseId + 2;
  q.end_us = kBaseId + 3;
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{2, 3}));
  h.run(lc.set_tag("chat.example.org", "c1", "ekologia", "anna@example.org", false));
  q.start_us.reset();
  q.end_us.reset();
  q.tag = "ekologia";
  BOOST_TEST((ids(q) == std::vector<std::int64_t>{3}));
}

STORAGE_TEST(archive_queries_read_through_indexes_never_a_table_scan) {
  // Some archives are livechat queues' (room records carry their queue), as in production.
  for (int o = 0; o < 20; ++o)
    fill(h, "user" + std::to_string(o) + "@example.org", o * 1000, 150,
         o == 0 ? std::optional<std::string>("dotacje") : o == 10 ? std::optional<std::string>("general") : std::nullopt);
  // Tagged conversations, as in production (a tag filter reads livechat_tags (host, tag) first).
  for (int i = 0; i < 200; ++i)
    h.run(h.s().livechat().set_tag("chat.example.org", "c" + std::to_string(i), i % 4 ? "inne" : "ekologia",
                                   "anna@example.org", true));
  using xmppd::storage::SqlBackend;
  SqlBackend backend = h.backend() == "sqlite" ? SqlBackend::sqlite : SqlBackend::mariadb;
  std::unique_ptr<xmppd::storage::Connection> c;
  if (backend == SqlBackend::sqlite) {
    auto w = std::make_unique<xmppd::storage::SqliteConnection>(h.config().sqlite_path,
                                                                xmppd::storage::SqliteConnection::Mode::writer);
    w->exec_script("ANALYZE");
    c = std::move(w);
  } else {
    AdminConnection(h.env(), true).query("ANALYZE TABLE archive, livechat_tags");
    xmppd::storage::MariadbParams p;
    p.host = h.env().host, p.socket = h.env().socket, p.user = h.env().user,
    p.password = h.env().password, p.database = h.env().database, p.port = h.env().port;
    c = std::make_unique<xmppd::storage::MariadbConnection>(p);
  }
  std::vector<ArchiveQuery> queries;
  ArchiveQuery base;
  base.owner = "user3@example.org";
  queries.push_back(base);
  auto q = base;
  q.with = "bob@example.org";
  q.with_resource = "phone";
  queries.push_back(q);
  q = base;
  q.start_us = kBaseId + 3010;
  q.end_us = kBaseId + 3100;
  q.from_end = true;
  queries.push_back(q);
  q = base;
  q.after_id = kBaseId + 3010;
  q.page_before = kBaseId + 3100;
  queries.push_back(q);
  q = base;
  q.ids = {kBaseId + 3001, kBaseId + 3002};
  queries.push_back(q);
  q = base;
  q.fulltext = "wiadomosc numer";
  queries.push_back(q);
  q.with = "bob@example.org";
  q.start_us = kBaseId + 3010;
  q.from_end = true;
  queries.push_back(q);
  // Livechat staff search: by queue (archive_queue), with and without words.
  q = base;
  q.queues = {"general", "dotacje"};
  queries.push_back(q);
  q.from_end = true;
  q.page_before = kBaseId + 3100;
  queries.push_back(q);
  q.fulltext = "wiadomosc";
  queries.push_back(q);
  // Staff search filters (migration 0023): tag, with, channel, each with and without words.
  for (int filter = 0; filter < 3; ++filter) {
    for (bool words : {false, true}) {
      q = base;
      q.owner = "chat.example.org";
      q.queues = {"general", "dotacje"};
      if (words) q.fulltext = "wiadomosc";
      if (filter == 0) q.tag = "ekologia";
      if (filter == 1) q.with = "bob@example.org";
      if (filter == 2) q.channel = "web";
      queries.push_back(q);
    }
  }
  for (const auto& query : queries) {
    // MariaDB: the bucket of the records (migration 0024), as the search asks for it.
    std::string search = query.fulltext ? xmppd::storage::scoped_search(query, xmppd::storage::parse_search(*query.fulltext), backend,
                                                                        {xmppd::storage::search_bucket(kBaseId + 3000)})
                                        : "";
    for (auto what : {xmppd::storage::ArchiveSelect::page, xmppd::storage::ArchiveSelect::count,
                      xmppd::storage::ArchiveSelect::before, xmppd::storage::ArchiveSelect::count_and_before}) {
      auto st = xmppd::storage::archive_select(query, search, backend, what, kBaseId + 3050);
      auto params = st.params();
      std::vector<std::string> plan;
      if (backend == SqlBackend::sqlite) {
        c->query_params("EXPLAIN QUERY PLAN " + st.sql, params, [&](const xmppd::storage::Row& r) {
          std::string detail = r.str(3);
          plan.push_back(detail);
          // "SCAN a" alone reads the whole table; FTS5's "VIRTUAL TABLE INDEX" is its index.
          bool scan = detail.rfind("SCAN ", 0) == 0 && detail.find("VIRTUAL TABLE") == std::string::npos &&
                      detail.find("USING") == std::string::npos;
          BOOST_TEST(!scan, st.sql << " => " << detail);
        });
      } else {
        c->query_params("EXPLAIN " + st.sql, params, [&](const xmppd::storage::Row& r) {
          std::string table = r.is_null(2) ? "" : r.str(2);
          std::string type = r.is_null(3) ? "" : r.str(3);
          plan.push_back(type);
          // A derived table is the search's first max + 1 ids, not the archive.
          BOOST_TEST((type != "ALL" || table.rfind("<derived", 0) == 0), st.sql << " => " << table << " type " << type);
        });
      }
      BOOST_TEST(!plan.empty());
    }
  }
}
