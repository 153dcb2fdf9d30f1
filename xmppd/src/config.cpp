// Loads and validates the TOML configuration (toml++). Every error names the file, the key path
// and what was expected; nothing unknown is silently ignored.
#include "config.hpp"

#include <arpa/inet.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include "xmppd/module.hpp"

namespace xmppd {
namespace fs = std::filesystem;

const HostConfig* Config::host(const std::string& name) const {
  for (const auto& h : hosts)
    if (h.name == name) return &h;
  return nullptr;
}

namespace {

bool is_ip_address(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw ConfigError(file_ + ": " + where + ": " + what);
  }

  void only_keys(const toml::table& t, const std::string& where, std::set<std::string> allowed) const {
    for (const auto& [k, v] : t)
      if (!allowed.count(std::string(k.str())))
        fail(where.empty() ? std::string(k.str()) : where + "." + std::string(k.str()), "unknown key");
  }

  const toml::table* table(const toml::table& t, const std::string& key, const std::string& where) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(join(where, key), "expected a table");
    return n->as_table();
  }

  std::string string(const toml::table& t, const std::string& key, const std::string& where,
                     std::string def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (!n->is_string()) fail(join(where, key), "expected a string");
    return n->as_string()->get();
  }
  std::int64_t integer(const toml::table& t, const std::string& key, const std::string& where,
                       std::int64_t def, std::int64_t min, std::int64_t max) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (!n->is_integer()) fail(join(where, key), "expected an integer");
    std::int64_t v = n->as_integer()->get();
    if (v < min || v > max)
      fail(join(where, key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
  }
  bool boolean(const toml::table& t, const std::string& key, const std::string& where, bool def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    if (!n->is_boolean()) fail(join(where, key), "expected true or false");
    return n->as_boolean()->get();
  }
  std::vector<std::string> strings(const toml::table& t, const std::string& key, const std::string& where) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    if (!n->is_array()) fail(join(where, key), "expected a list of strings");
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) fail(join(where, key), "expected a list of strings");
      out.push_back(e.as_string()->get());
    }
    return out;
  }
  std::chrono::milliseconds duration(const toml::table& t, const std::string& key,
                                     const std::string& where, std::chrono::milliseconds def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    std::chrono::milliseconds v;
    if (!n->is_string() || !parse_duration(n->as_string()->get(), v))
      fail(join(where, key), "expected a duration such as \"30s\", \"5m\", \"250ms\"");
    return v;
  }
  std::uint64_t bytes(const toml::table& t, const std::string& key, const std::string& where,
                      std::uint64_t def) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    std::uint64_t v;
    if (n->is_integer() && n->as_integer()->get() >= 0) return std::uint64_t(n->as_integer()->get());
    if (!n->is_string() || !parse_bytes(n->as_string()->get(), v))
      fail(join(where, key), "expected a size such as \"256KiB\"");
    return v;
  }
  std::string path(const toml::table& t, const std::string& key, const std::string& where,
                   const fs::path& base, bool required) const {
    std::string p = string(t, key, where, "");
    if (p.empty()) {
      if (required) fail(join(where, key), "required");
      return p;
    }
    fs::path fp(p);
    if (fp.is_relative()) fp = base / fp;
    return fp.lexically_normal().string();
  }

  static std::string join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  std::string file_;
};

std::string read_secret_file(const Reader& r, const std::string& where, const std::string& file) {
  std::ifstream in(file);
  if (!in) r.fail(where, "cannot read secret file " + file);
  std::string secret;
  std::getline(in, secret);
  if (secret.empty()) r.fail(where, "secret file " + file + " is empty");
  return secret;
}

}  // namespace

Options validate_module_options(const std::string& where, const std::vector<OptionSpec>& specs,
                                const std::map<std::string, std::string>& given) {
  std::map<std::string, OptionValue> values;
  for (const auto& [k, v] : given) {
    bool known = false;
    for (const auto& s : specs) known |= s.key == k;
    if (!known) throw ConfigError(where + "." + k + ": unknown option");
  }
  for (const auto& spec : specs) {
    auto it = given.find(spec.key);
    std::string text = it == given.end() ? spec.default_value : it->second;
    std::string at = where + "." + spec.key;
    auto range = [&](std::int64_t v) {
      if (v < spec.min || v > spec.max)
        throw ConfigError(at + ": must be between " + std::to_string(spec.min) + " and " +
                          std::to_string(spec.max));
      return v;
    };
    switch (spec.type) {
      case OptionType::boolean:
        if (text != "true" && text != "false") throw ConfigError(at + ": expected true or false");
        values[spec.key] = text == "true";
        break;
      case OptionType::integer: {
        std::int64_t v;
        try {
          std::size_t used;
          v = std::stoll(text, &used);
          if (used != text.size()) throw std::invalid_argument("");
        } catch (const std::exception&) {
          throw ConfigError(at + ": expected an integer");
        }
        values[spec.key] = range(v);
        break;
      }
      case OptionType::string: values[spec.key] = text; break;
      case OptionType::string_list: {
        std::vector<std::string> list;
        std::stringstream ss(text);
        std::string item;
        while (std::getline(ss, item, '\x1f'))
          if (!item.empty()) list.push_back(item);
        values[spec.key] = list;
        break;
      }
      case OptionType::duration: {
        std::chrono::milliseconds d;
        if (!parse_duration(text, d)) throw ConfigError(at + ": expected a duration such as \"30s\"");
        values[spec.key] = range(d.count());
        break;
      }
      case OptionType::bytes: {
        std::uint64_t b;
        if (!parse_bytes(text, b)) throw ConfigError(at + ": expected a size such as \"256KiB\"");
        values[spec.key] = range(std::int64_t(b));
        break;
      }
    }
  }
  return Options(std::move(values));
}

namespace {
// A TOML value as the text form validate_module_options() reads (lists joined with \x1f).
std::string option_text(const Reader& r, const std::string& where, const toml::node& n) {
  if (n.is_string()) return n.as_string()->get();
  if (n.is_integer()) return std::to_string(n.as_integer()->get());
  if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
  if (n.is_array()) {
    std::string out;
    for (const auto& e : *n.as_array()) {
      if (!e.is_string()) r.fail(where, "expected a list of strings");
      out += e.as_string()->get();
      out += '\x1f';
    }
    return out;
  }
  r.fail(where, "unsupported value type");
}
}  // namespace

Config load_config(const std::string& file) {
  Reader r(file);
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << file << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw ConfigError(msg.str());
  }
  Config c;
  c.path = fs::absolute(file).lexically_normal().string();
  fs::path base = fs::path(c.path).parent_path();
  r.only_keys(root, "", {"server", "storage", "tls", "limits", "bosh", "listeners", "http", "hosts", "components"});

  if (auto* s = r.table(root, "server", "")) {
    r.only_keys(*s, "server", {"log_level", "data_dir", "scram_iterations"});
    c.log_level = r.string(*s, "log_level", "server", "info");
    if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error")
      r.fail("server.log_level", "expected debug, info, warn or error");
    c.data_dir = r.path(*s, "data_dir", "server", base, false);
    c.scram_iterations = std::uint32_t(r.integer(*s, "scram_iterations", "server", 10'000, 4'096, 10'000'000));
  }
  if (c.data_dir.empty()) c.data_dir = base.string();

  if (auto* s = r.table(root, "storage", "")) {
    r.only_keys(*s, "storage", {"backend", "sqlite_path", "mariadb_host", "mariadb_port",
                                "mariadb_socket", "mariadb_user", "mariadb_password_file",
                                "mariadb_database", "mariadb_connect_timeout",
                                "mariadb_read_timeout", "mariadb_write_timeout"});
    c.storage.backend = r.string(*s, "backend", "storage", "sqlite");
    if (c.storage.backend != "sqlite" && c.storage.backend != "mariadb")
      r.fail("storage.backend", "expected \"sqlite\" or \"mariadb\"");
    c.storage.sqlite_path = r.path(*s, "sqlite_path", "storage", c.data_dir, false);
    c.storage.mariadb_host = r.string(*s, "mariadb_host", "storage", "127.0.0.1");
    c.storage.mariadb_port = unsigned(r.integer(*s, "mariadb_port", "storage", 3306, 1, 65535));
    c.storage.mariadb_socket = r.string(*s, "mariadb_socket", "storage", "");
    c.storage.mariadb_user = r.string(*s, "mariadb_user", "storage", "xmppd");
    c.storage.mariadb_database = r.string(*s, "mariadb_database", "storage", "xmppd");
    std::string pw = r.path(*s, "mariadb_password_file", "storage", base, false);
    if (!pw.empty()) c.storage.mariadb_password = read_secret_file(r, "storage.mariadb_password_file", pw);
    // Connector/C counts whole seconds: refuse what it would silently round.
    auto seconds = [&](const char* key, std::chrono::seconds def) {
      auto ms = r.duration(*s, key, "storage", def);
      if (ms.count() < 1000 || ms.count() > 3'600'000 || ms.count() % 1000 != 0)
        r.fail(std::string("storage.") + key, "must be whole seconds between 1s and 1h");
      return std::chrono::duration_cast<std::chrono::seconds>(ms);
    };
    c.storage.mariadb_connect_timeout = seconds("mariadb_connect_timeout", c.storage.mariadb_connect_timeout);
    c.storage.mariadb_read_timeout = seconds("mariadb_read_timeout", c.storage.mariadb_read_timeout);
    c.storage.mariadb_write_timeout = seconds("mariadb_write_timeout", c.storage.mariadb_write_timeout);
  }
  if (c.storage.sqlite_path.empty()) c.storage.sqlite_path = (fs::path(c.data_dir) / "xmppd.sqlite").string();

  if (auto* s = r.table(root, "tls", "")) {
    r.only_keys(*s, "tls", {"certificate", "key"});
    c.tls_certificate = r.path(*s, "certificate", "tls", base, true);
    c.tls_key = r.path(*s, "key", "tls", base, true);
  }

  // The installed webclient/ files unless configured (a missing directory serves nothing).
  c.http.webroot = XMPPD_DEFAULT_WEBROOT;
  if (auto* s = r.table(root, "http", "")) {
    r.only_keys(*s, "http", {"webroot"});
    if (s->get("webroot")) c.http.webroot = r.path(*s, "webroot", "http", base, false);
  }

  if (auto* s = r.table(root, "limits", "")) {
    Limits& l = c.limits;
    const std::string w = "limits";
    // Was a duplicate of the roster module's option, which alone is read: say where it went.
    if (s->get("roster_max_items"))
      r.fail("limits.roster_max_items", "unknown key: the roster size cap is the roster module's option "
                                        "hosts.\"D\".module.roster.max_items");
    r.only_keys(*s, w, {"stanza_size", "stanza_size_anonymous", "preauth_stanza_size", "auth_timeout",
                        "ping_interval", "ping_timeout", "max_connections", "max_preauth_per_ip",
                        "sasl_attempts", "auth_failures_per_ip", "auth_failures_per_account",
                        "auth_lockout", "anonymous_logins_per_ip_per_minute",
                        "anonymous_logins_per_minute", "stanzas_per_second",
                        "stanzas_per_second_anonymous",
                        "smacks_resume_timeout", "smacks_max_unacked", "storage_pending_max",
                        "storage_pending_bytes"});
    l.stanza_bytes = r.bytes(*s, "stanza_size", w, l.stanza_bytes);
    l.stanza_bytes_anonymous = r.bytes(*s, "stanza_size_anonymous", w, l.stanza_bytes_anonymous);
    l.preauth_stanza_bytes = r.bytes(*s, "preauth_stanza_size", w, l.preauth_stanza_bytes);
    l.auth_timeout = r.duration(*s, "auth_timeout", w, l.auth_timeout);
    l.ping_interval = r.duration(*s, "ping_interval", w, l.ping_interval);
    l.ping_timeout = r.duration(*s, "ping_timeout", w, l.ping_timeout);
    l.max_connections = int(r.integer(*s, "max_connections", w, l.max_connections, 1, 1'000'000));
    l.max_preauth_per_ip = int(r.integer(*s, "max_preauth_per_ip", w, l.max_preauth_per_ip, 1, 1'000'000));
    l.sasl_attempts = int(r.integer(*s, "sasl_attempts", w, l.sasl_attempts, 1, 5));
    l.auth_failures_per_ip = int(r.integer(*s, "auth_failures_per_ip", w, l.auth_failures_per_ip, 0, 1'000'000));
    l.auth_failures_per_account =
        int(r.integer(*s, "auth_failures_per_account", w, l.auth_failures_per_account, 0, 1'000'000));
    l.auth_lockout = std::chrono::duration_cast<std::chrono::seconds>(
        r.duration(*s, "auth_lockout", w, std::chrono::milliseconds(l.auth_lockout)));
    if (l.auth_lockout.count() < 1) r.fail("limits.auth_lockout", "must be at least 1s");
    l.anonymous_logins_per_ip_per_minute =
        int(r.integer(*s, "anonymous_logins_per_ip_per_minute", w, l.anonymous_logins_per_ip_per_minute, 1, 1'000'000));
    l.anonymous_logins_per_minute =
        int(r.integer(*s, "anonymous_logins_per_minute", w, l.anonymous_logins_per_minute, 1, 10'000'000));
    l.stanzas_per_second = int(r.integer(*s, "stanzas_per_second", w, l.stanzas_per_second, 1, 1'000'000));
    l.stanzas_per_second_anonymous =
        int(r.integer(*s, "stanzas_per_second_anonymous", w, l.stanzas_per_second_anonymous, 1, 1'000'000));
    l.smacks_resume_timeout = r.duration(*s, "smacks_resume_timeout", w, l.smacks_resume_timeout);
    l.smacks_max_unacked = int(r.integer(*s, "smacks_max_unacked", w, l.smacks_max_unacked, 1, 1'000'000));
    l.storage_pending_max = int(r.integer(*s, "storage_pending_max", w, l.storage_pending_max, 1, 10'000'000));
    l.storage_pending_bytes = r.bytes(*s, "storage_pending_bytes", w, l.storage_pending_bytes);
    if (l.storage_pending_bytes < 64 * 1024) r.fail("limits.storage_pending_bytes", "must be at least 64KiB");
  }

  if (auto* s = r.table(root, "bosh", "")) {
    BoshSettings& b = c.bosh;
    const std::string w = "bosh";
    r.only_keys(*s, w, {"max_wait", "max_hold", "inactivity", "polling", "max_pause"});
    // XEP-0124 states these in whole seconds.
    auto whole_seconds = [&](const char* key, std::chrono::seconds def, std::chrono::seconds min,
                             std::chrono::seconds max) {
      auto ms = r.duration(*s, key, w, def);
      if (ms.count() % 1000 != 0) r.fail(w + "." + key, "expected whole seconds");
      auto v = std::chrono::duration_cast<std::chrono::seconds>(ms);
      if (v < min || v > max)
        r.fail(w + "." + key, "must be between " + std::to_string(min.count()) + "s and " +
                                  std::to_string(max.count()) + "s");
      return v;
    };
    using std::chrono::seconds;
    b.max_wait = whole_seconds("max_wait", b.max_wait, seconds(1), seconds(300));
    b.max_hold = int(r.integer(*s, "max_hold", w, b.max_hold, 1, 2));
    b.inactivity = whole_seconds("inactivity", b.inactivity, seconds(5), seconds(600));
    b.polling = whole_seconds("polling", b.polling, seconds(0), seconds(60));
    b.max_pause = whole_seconds("max_pause", b.max_pause, seconds(0), seconds(3600));
  }

  if (const toml::node* n = root.get("listeners")) {
    if (!n->is_array_of_tables()) r.fail("listeners", "expected [[listeners]] tables");
    int i = 0;
    for (const auto& item : *n->as_array()) {
      std::string w = "listeners[" + std::to_string(i++) + "]";
      const toml::table& t = *item.as_table();
      r.only_keys(t, w, {"type", "address", "port", "tls", "channel_binding", "trusted_proxies", "origins",
                         "metrics_from", "request_timeout", "idle_timeout", "public_url"});
      ListenerConfig l;
      l.type = r.string(t, "type", w, "");
      if (l.type != "c2s" && l.type != "c2s_tls" && l.type != "component" && l.type != "http")
        r.fail(w + ".type", "expected c2s, c2s_tls, component or http");
      l.address = r.string(t, "address", w, "127.0.0.1");
      l.port = std::uint16_t(r.integer(t, "port", w, 0, 0, 65535));
      l.tls = r.string(t, "tls", w, l.type == "component" ? "none" : "required");
      if (l.tls != "required" && l.tls != "optional" && l.tls != "none")
        r.fail(w + ".tls", "expected required, optional or none");
      l.channel_binding = r.boolean(t, "channel_binding", w, true);
      bool loopback = l.address == "127.0.0.1" || l.address == "::1" || l.address == "localhost";
      // DESIGN.md: encryption in transit on every listener except loopback test setups.
      if (l.type == "c2s" && l.tls != "required" && !loopback)
        r.fail(w + ".tls", "TLS may be relaxed only on a loopback address");
      if ((l.type == "c2s" || l.type == "c2s_tls") && c.tls_certificate.empty() && l.tls != "none")
        r.fail(w, "needs [tls] certificate and key");
      if (l.type != "http") {
        for (const char* k : {"trusted_proxies", "origins", "metrics_from", "request_timeout", "idle_timeout",
                              "public_url"})
          if (t.get(k)) r.fail(w + "." + k, "only for type = \"http\"");
      } else {
        if (l.tls == "optional") r.fail(w + ".tls", "expected required (HTTPS) or none (plain HTTP)");
        l.trusted_proxies = r.strings(t, "trusted_proxies", w);
        for (const auto& a : l.trusted_proxies)
          if (!is_ip_address(a)) r.fail(w + ".trusted_proxies", "\"" + a + "\" is not an IP address");
        l.origins = r.strings(t, "origins", w);
        l.metrics_from = r.strings(t, "metrics_from", w);
        if (!t.get("metrics_from")) l.metrics_from = {"127.0.0.1", "::1"};
        for (const auto& a : l.metrics_from)
          if (!is_ip_address(a)) r.fail(w + ".metrics_from", "\"" + a + "\" is not an IP address");
        l.request_timeout = r.duration(t, "request_timeout", w, l.request_timeout);
        l.idle_timeout = r.duration(t, "idle_timeout", w, l.idle_timeout);
        l.public_url = r.string(t, "public_url", w, "");
        // DESIGN.md: encryption in transit; plain HTTP only on loopback or behind a configured
        // TLS-terminating proxy.
        if (l.tls == "none" && !loopback && l.trusted_proxies.empty())
          r.fail(w + ".tls", "plain HTTP needs a loopback address or trusted_proxies");
        if (l.tls != "none" && c.tls_certificate.empty()) r.fail(w, "needs [tls] certificate and key");
      }
      c.listeners.push_back(l);
    }
  }

  if (auto* hosts = r.table(root, "hosts", "")) {
    for (const auto& [name, node] : *hosts) {
      std::string w = "hosts.\"" + std::string(name.str()) + "\"";
      if (!node.is_table()) r.fail(w, "expected a table");
      const toml::table& t = *node.as_table();
      r.only_keys(t, w, {"anonymous", "modules", "module"});
      HostConfig h;
      h.name = std::string(name.str());
      h.anonymous = r.boolean(t, "anonymous", w, false);
      if (const toml::node* m = t.get("modules")) {
        if (!m->is_array()) r.fail(w + ".modules", "expected a list of module names");
        for (const auto& e : *m->as_array()) {
          if (!e.is_string()) r.fail(w + ".modules", "expected a list of module names");
          std::string mod = e.as_string()->get();
          if (!find_module(mod)) r.fail(w + ".modules", "no module named \"" + mod + "\"");
          h.modules.push_back(mod);
        }
      }
      const toml::table* opts = r.table(t, "module", w);
      if (opts) {
        for (const auto& [mod, _] : *opts)
          if (std::find(h.modules.begin(), h.modules.end(), std::string(mod.str())) == h.modules.end())
            r.fail(w + ".module." + std::string(mod.str()), "options for a module not enabled on this host");
      }
      for (const auto& mod : h.modules) {
        std::map<std::string, std::string> given;
        std::string mw = w + ".module." + mod;
        if (opts) {
          if (const toml::table* mt = r.table(*opts, mod, w + ".module")) {
            for (const auto& [k, v] : *mt) given[std::string(k.str())] = option_text(r, mw + "." + std::string(k.str()), v);
          }
        }
        try {
          h.module_options[mod] = validate_module_options(mw, find_module(mod)->options, given);
        } catch (const ConfigError& e) {
          throw ConfigError(file + ": " + e.what());
        }
        if (const auto& check = find_module(mod)->check) {
          try {
            check(h.name, h.module_options[mod]);
          } catch (const std::exception& e) {
            throw ConfigError(file + ": " + mw + ": " + e.what());
          }
        }
      }
      c.hosts.push_back(std::move(h));
    }
  }
  if (c.hosts.empty()) r.fail("hosts", "at least one host is required");

  if (auto* comps = r.table(root, "components", "")) {
    for (const auto& [name, node] : *comps) {
      std::string w = "components.\"" + std::string(name.str()) + "\"";
      if (!node.is_table()) r.fail(w, "expected a table");
      const toml::table& t = *node.as_table();
      r.only_keys(t, w, {"secret_file"});
      ComponentConfig cc;
      cc.domain = std::string(name.str());
      cc.secret = read_secret_file(r, w + ".secret_file", r.path(t, "secret_file", w, base, true));
      c.components.push_back(cc);
    }
  }
  return c;
}

}  // namespace xmppd
