// The configuration file (TOML, toml++): one file, strictly validated; unknown keys and bad
// values stop the start with the path of the key (e.g. hosts."example.org".modules.offline.max).
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "xmppd/options.hpp"

namespace xmppd {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ListenerConfig {
  std::string type;     // "c2s" (STARTTLS), "c2s_tls" (XEP-0368 direct TLS), "component", "http"
  std::string address;  // e.g. "127.0.0.1", "::", "0.0.0.0"
  std::uint16_t port = 0;  // 0: any free port (tests); the bound port is logged
  std::string tls = "required";  // c2s: "required" | "optional" | "none" (none: loopback only)
  bool channel_binding = true;   // offer SCRAM-*-PLUS where xmppd terminates TLS
  // http only (docs/configuration.md):
  std::vector<std::string> trusted_proxies;  // peers whose Forwarded/X-Forwarded-For is believed
  std::vector<std::string> origins;          // browser Origins allowed (WebSocket, CORS)
  std::vector<std::string> metrics_from;     // client addresses allowed to read /metrics
  std::chrono::milliseconds request_timeout{10'000};  // to read a request's header and body
  std::chrono::milliseconds idle_timeout{60'000};     // a keep-alive connection between requests
  std::string public_url;  // e.g. "https://chat.example.org": the base of the URLs in host-meta
};

struct HostConfig {
  std::string name;
  bool anonymous = false;  // the visitor host: SASL ANONYMOUS only
  std::vector<std::string> modules;
  std::map<std::string, Options> module_options;
};

struct ComponentConfig {
  std::string domain;
  std::string secret;  // read from secret_file, never written in the configuration itself
};

struct Limits {
  std::uint64_t stanza_bytes = 256 * 1024;
  std::uint64_t stanza_bytes_anonymous = 64 * 1024;
  std::uint64_t preauth_stanza_bytes = 16 * 1024;
  std::chrono::milliseconds auth_timeout{30'000};
  std::chrono::milliseconds ping_interval{300'000};  // XEP-0199 to idle clients
  std::chrono::milliseconds ping_timeout{60'000};
  int max_connections = 18'000;
  int max_preauth_per_ip = 64;
  int sasl_attempts = 3;  // RFC 6120 §6.4.5
  // Lockout after failed logins (net/auth_lockout.hpp); 0 turns one off.
  int auth_failures_per_ip = 20;
  int auth_failures_per_account = 5;
  std::chrono::seconds auth_lockout{300};
  int anonymous_logins_per_ip_per_minute = 30;
  int anonymous_logins_per_minute = 3'000;
  int stanzas_per_second = 200;        // token bucket per session, burst = 2x
  int stanzas_per_second_anonymous = 20;
  std::chrono::milliseconds smacks_resume_timeout{300'000};
  int smacks_max_unacked = 1'000;
  // Issue 2, durability during a database outage: stanzas waiting for storage (and writes
  // queued to the database) beyond these get wait/resource-constraint (RFC 6120 §8.3.3.18).
  int storage_pending_max = 10'000;
  std::uint64_t storage_pending_bytes = 64ull << 20;
};

// BOSH (XEP-0124, XEP-0206) at /http-bind on the HTTP listeners: what the session creation
// response offers (XEP-0124 §7.2); docs/configuration.md [bosh].
struct BoshSettings {
  std::chrono::seconds max_wait{60};     // 'wait': the longest a request is held
  int max_hold = 1;                      // 'hold': requests held at once ('requests' is hold + 1)
  std::chrono::seconds inactivity{60};   // 'inactivity': no request held for this long ends the session
  std::chrono::seconds polling{2};       // 'polling': the shortest interval between empty polls
  std::chrono::seconds max_pause{120};   // 'maxpause' (XEP-0124 §10)
};

struct StorageSettings {
  std::string backend = "sqlite";
  std::string sqlite_path;
  std::string mariadb_host = "127.0.0.1", mariadb_socket, mariadb_user, mariadb_password,
              mariadb_database = "xmppd";
  unsigned mariadb_port = 3306;
  // Connector/C timeouts (whole seconds): a hung or unreachable server fails a call within
  // them, and xmppd reconnects or holds its writes until the server is back.
  std::chrono::seconds mariadb_connect_timeout{5}, mariadb_read_timeout{10}, mariadb_write_timeout{30};
};

// [http]: what every HTTP(S) listener serves besides its own routes.
struct HttpSettings {
  // The static files of webclient/ (widget, console, demo page); empty or missing: none.
  std::string webroot;
};

struct Config {
  std::string path;       // the file it was read from
  std::string log_level = "info";
  std::string data_dir;   // absolute
  std::uint32_t scram_iterations = 10'000;
  std::string tls_certificate, tls_key;  // absolute paths
  StorageSettings storage;
  Limits limits;
  BoshSettings bosh;
  std::vector<ListenerConfig> listeners;
  HttpSettings http;
  std::vector<HostConfig> hosts;
  std::vector<ComponentConfig> components;

  const HostConfig* host(const std::string& name) const;
};

Config load_config(const std::string& path);
// Validates one module's options table against its declared specs.
Options validate_module_options(const std::string& where, const std::vector<OptionSpec>& specs,
                                const std::map<std::string, std::string>& given);

}  // namespace xmppd
