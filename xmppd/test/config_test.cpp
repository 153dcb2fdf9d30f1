// The configuration loader: valid files load; every mistake stops the start naming the key.
#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "config.hpp"

using namespace xmppd;

namespace {
struct TempConfig {
  std::string path;
  explicit TempConfig(const std::string& text) {
    char tmpl[] = "/tmp/xmppd-config-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempConfig() { std::remove(path.c_str()); }
};

const std::string kMinimal = R"(
[[listeners]]
type = "c2s"
address = "127.0.0.1"
port = 0
tls = "none"

[hosts."example.org"]
modules = []
)";

std::string error_of(const std::string& text) {
  TempConfig c(text);
  try {
    load_config(c.path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(minimal_configuration_loads_with_defaults) {
  TempConfig c(kMinimal);
  Config cfg = load_config(c.path);
  BOOST_TEST(cfg.hosts.size() == 1u);
  BOOST_TEST(cfg.hosts[0].name == "example.org");
  BOOST_TEST(cfg.scram_iterations == 10000u);
  BOOST_TEST(cfg.storage.backend == "sqlite");
  BOOST_TEST(cfg.limits.stanza_bytes == 256u * 1024);
}

BOOST_AUTO_TEST_CASE(unknown_top_level_key_is_named) {
  BOOST_TEST(error_of(kMinimal + "\n[servre]\nx = 1\n").find("servre: unknown key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_key_in_a_listener_is_named_with_its_index) {
  std::string text = kMinimal;
  text.replace(text.find("tls = \"none\""), 12, "tls = \"none\"\ncolour = \"red\"");
  BOOST_TEST(error_of(text).find("listeners[0].colour: unknown key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_module_is_named_with_its_host) {
  std::string text = kMinimal;
  text.replace(text.find("modules = []"), 12, "modules = [\"no_such_module\"]");
  std::string e = error_of(text);
  BOOST_TEST(e.find("hosts.\"example.org\".modules") != std::string::npos);
  BOOST_TEST(e.find("no_such_module") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_duration_is_refused) {
  BOOST_TEST(error_of(kMinimal + "\n[limits]\nauth_timeout = \"soon\"\n").find("limits.auth_timeout") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(out_of_range_iterations_are_refused) {
  BOOST_TEST(error_of("[server]\nscram_iterations = 10\n" + kMinimal).find("server.scram_iterations") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(plaintext_listener_is_refused_off_loopback) {
  std::string text = kMinimal;
  text.replace(text.find("127.0.0.1"), 9, "0.0.0.0");
  BOOST_TEST(error_of(text).find("listeners[0].tls") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(toml_syntax_error_reports_line_and_column) {
  std::string e = error_of("[server\n");
  BOOST_TEST(e.find(":1:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(configuration_without_hosts_is_refused) {
  BOOST_TEST(error_of("[server]\nlog_level = \"info\"\n").find("hosts") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(units_parse_as_documented) {
  std::chrono::milliseconds d;
  BOOST_TEST(parse_duration("250ms", d));
  BOOST_TEST(d.count() == 250);
  BOOST_TEST(parse_duration("5m", d));
  BOOST_TEST(d.count() == 300000);
  BOOST_TEST(!parse_duration("5 parsecs", d));
  std::uint64_t b;
  BOOST_TEST(parse_bytes("256KiB", b));
  BOOST_TEST(b == 262144u);
  BOOST_TEST(!parse_bytes("1GB", b));
}

// The roster size cap is the roster module's option only; the old duplicate in [limits] is
// refused with a message pointing at it.
BOOST_AUTO_TEST_CASE(limits_roster_max_items_is_refused_naming_the_module_option) {
  std::string e = error_of(kMinimal + "\n[limits]\nroster_max_items = 10\n");
  BOOST_TEST(e.find("limits.roster_max_items") != std::string::npos);
  BOOST_TEST(e.find("module.roster.max_items") != std::string::npos);
}

// Issue 2, database outages: the MariaDB timeouts and the bound on pending storage work.
BOOST_AUTO_TEST_CASE(storage_outage_settings_load_and_bad_ones_are_named) {
  TempConfig c("[storage]\nbackend = \"mariadb\"\nmariadb_connect_timeout = \"2s\"\n"
               "mariadb_read_timeout = \"1m\"\n\n[limits]\nstorage_pending_max = 7\n"
               "storage_pending_bytes = \"1MiB\"\n" + kMinimal);
  Config cfg = load_config(c.path);
  BOOST_TEST(cfg.storage.mariadb_connect_timeout.count() == 2);
  BOOST_TEST(cfg.storage.mariadb_read_timeout.count() == 60);
  BOOST_TEST(cfg.storage.mariadb_write_timeout.count() == 30);  // the default
  BOOST_TEST(cfg.limits.storage_pending_max == 7);
  BOOST_TEST(cfg.limits.storage_pending_bytes == 1024u * 1024);
  // Connector/C counts whole seconds: 1500ms would be rounded behind the operator's back.
  BOOST_TEST(error_of("[storage]\nmariadb_read_timeout = \"1500ms\"\n" + kMinimal)
                 .find("storage.mariadb_read_timeout") != std::string::npos);
  BOOST_TEST(error_of("[limits]\nstorage_pending_max = 0\n" + kMinimal).find("limits.storage_pending_max") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(bosh_settings_load_and_bad_ones_are_named) {
  {
    TempConfig c(kMinimal);
    Config cfg = load_config(c.path);
    BOOST_TEST(cfg.bosh.max_wait.count() == 60);  // XEP-0124 §7.1's recommended 'wait'
    BOOST_TEST(cfg.bosh.max_hold == 1);
    BOOST_TEST(cfg.bosh.inactivity.count() == 60);
  }
  {
    TempConfig c(kMinimal + "\n[bosh]\nmax_wait = \"30s\"\nmax_hold = 2\ninactivity = \"2m\"\npolling = \"0s\"\n"
                            "max_pause = \"0s\"\n");
    Config cfg = load_config(c.path);
    BOOST_TEST(cfg.bosh.max_wait.count() == 30);
    BOOST_TEST(cfg.bosh.max_hold == 2);
    BOOST_TEST(cfg.bosh.inactivity.count() == 120);
    BOOST_TEST(cfg.bosh.polling.count() == 0);
    BOOST_TEST(cfg.bosh.max_pause.count() == 0);
  }
  BOOST_TEST(error_of(kMinimal + "\n[bosh]\nhold = 1\n").find("bosh.hold: unknown key") != std::string::npos);
  BOOST_TEST(error_of(kMinimal + "\n[bosh]\nmax_wait = \"1500ms\"\n").find("bosh.max_wait: expected whole seconds") !=
             std::string::npos);
  BOOST_TEST(error_of(kMinimal + "\n[bosh]\nmax_wait = \"0s\"\n").find("bosh.max_wait: must be between") !=
             std::string::npos);
  BOOST_TEST(error_of(kMinimal + "\n[bosh]\nmax_hold = 3\n").find("bosh.max_hold: must be between") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(http_webroot_is_relative_to_the_file_and_its_table_strict) {
  TempConfig c(kMinimal + "\n[http]\nwebroot = \"www/site\"\n");
  Config cfg = load_config(c.path);
  std::string dir = c.path.substr(0, c.path.rfind('/'));
  BOOST_TEST(cfg.http.webroot == dir + "/www/site");
  TempConfig d(kMinimal);
  BOOST_TEST(!load_config(d.path).http.webroot.empty());  // the installed webclient/ by default
  BOOST_TEST(error_of(kMinimal + "\n[http]\nwebrot = \"x\"\n").find("http.webrot: unknown key") != std::string::npos);
}
