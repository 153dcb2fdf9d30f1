// xmppctl: the operator's tool. Passwords are read from standard input, never taken from the
// command line (which every user of the machine can read in the process list).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "config.hpp"
#include "control.hpp"
#include "net/tls.hpp"
#include "sasl/scram.hpp"
#include "server.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/module.hpp"
#include "xmppd/storage.hpp"

namespace fs = std::filesystem;
using namespace xmppd;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: xmppctl --config FILE adduser USER@HOST   (password on standard input)\n"
               "       xmppctl --config FILE passwd USER@HOST    (password on standard input)\n"
               "       xmppctl --config FILE deluser USER@HOST\n"
               "       xmppctl --config FILE online\n"
               "       xmppctl --config FILE migrate\n"
               "       xmppctl init --domain D --dir DIR [--c2s-port P] [--tls-port P] [--http-port P]\n"
               "                    [--component-port P]\n");
  return 2;
}

// Runs one storage call to completion on a private event loop.
template <class T>
T wait_for(Task<T> task) {
  asio::io_context io;
  std::optional<T> result;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

std::string read_password() {
  if (isatty(STDIN_FILENO)) std::fprintf(stderr, "Password: ");
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

std::optional<Account> make_account(const Jid& jid, const std::string& password, std::uint32_t iterations) {
  auto prepared = precis::saslprep(password);
  if (!prepared || prepared->empty()) return std::nullopt;
  Account a;
  a.host = jid.domain();
  a.username = jid.local();
  auto fill = [&](sasl::Hash h, ScramCredentials& c) {
    std::string salt = sasl::random_salt();
    auto k = sasl::derive_keys(h, *prepared, salt, iterations);
    c = ScramCredentials{k.salt, k.iterations, k.stored_key, k.server_key};
  };
  fill(sasl::Hash::sha1, a.sha1);
  fill(sasl::Hash::sha256, a.sha256);
  return a;
}

std::optional<Jid> account_jid(const Config& config, const std::string& text) {
  auto jid = Jid::parse(text);
  if (!jid || jid->local().empty() || !jid->is_bare()) {
    std::fprintf(stderr, "xmppctl: \"%s\" is not an account address (user@host)\n", text.c_str());
    return std::nullopt;
  }
  const HostConfig* host = config.host(jid->domain());
  if (!host || host->anonymous) {
    std::fprintf(stderr, "xmppctl: %s is not an account host of this server\n", jid->domain().c_str());
    return std::nullopt;
  }
  return jid;
}

std::string modules_for(const std::string& kind) {
  std::string out;
  for (const auto& m : registered_modules()) {
    if (std::find(m.default_hosts.begin(), m.default_hosts.end(), kind) == m.default_hosts.end()) continue;
    if (!out.empty()) out += ", ";
    out += "\"" + m.name + "\"";
  }
  return out;
}

int init(int argc, char** argv) {
  std::string domain, dir;
  int c2s = 5222, tls_port = 5223, http = 5443, component = 5347;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--domain") domain = next();
    else if (a == "--dir") dir = next();
    else if (a == "--c2s-port") c2s = std::stoi(next());
    else if (a == "--tls-port") tls_port = std::stoi(next());
    else if (a == "--http-port") http = std::stoi(next());
    else if (a == "--component-port") component = std::stoi(next());
    else return usage();
  }
  auto prepared = precis::prepare_domainpart(domain);
  if (!prepared || dir.empty()) return usage();
  domain = *prepared;
  fs::create_directories(fs::path(dir) / "tls");
  fs::path config_path = fs::absolute(fs::path(dir) / "xmppd.toml");
  if (fs::exists(config_path)) {
    std::fprintf(stderr, "xmppctl: %s exists; not overwriting it\n", config_path.c_str());
    return 1;
  }
  std::string guest = "guest." + domain;
  tls::write_self_signed((fs::path(dir) / "tls/cert.pem").string(), (fs::path(dir) / "tls/key.pem").string(),
                         {domain, "upload." + domain});  // XEP-0363 files are served from upload.D
  fs::permissions(fs::path(dir) / "tls/key.pem", fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream out(config_path);
  out << "# xmppd configuration written by `xmppctl init` for " << domain << ".\n"
      << "# Every key is documented in docs/configuration.md; unknown keys stop the start.\n\n"
      << "[server]\nlog_level = \"info\"\ndata_dir = \".\"\nscram_iterations = 10000\n\n"
      << "[storage]\nbackend = \"sqlite\"\nsqlite_path = \"xmppd.sqlite\"\n\n"
      << "[tls]\ncertificate = \"tls/cert.pem\"\nkey = \"tls/key.pem\"\n\n"
      << "# c2s with STARTTLS required (RFC 6120 §5) and direct TLS (XEP-0368).\n"
      << "[[listeners]]\ntype = \"c2s\"\naddress = \"0.0.0.0\"\nport = " << c2s << "\n\n"
      << "[[listeners]]\ntype = \"c2s_tls\"\naddress = \"0.0.0.0\"\nport = " << tls_port << "\n\n"
      << "# XEP-0114 components (the mail and Facebook bridges) connect on loopback only.\n"
      << "[[listeners]]\ntype = \"component\"\naddress = \"127.0.0.1\"\nport = " << component << "\n\n"
      << "# HTTPS with the same certificate: WebSocket XMPP (RFC 7395) at /xmpp-websocket, XEP-0156\n"
      << "# discovery at /.well-known/host-meta, /healthz, /metrics (from metrics_from only).\n"
      << "[[listeners]]\ntype = \"http\"\naddress = \"0.0.0.0\"\nport = " << http << "\n"
      << "# Pages allowed to open WebSocket sessions and read host-meta (CORS), e.g.\n"
      << "# origins = [\"https://www." << domain << "\"]\n"
      << "# Behind a TLS-terminating reverse proxy: tls = \"none\", trusted_proxies = [\"10.0.0.2\"]\n\n"
      << "[hosts.\"" << domain << "\"]\nmodules = [" << modules_for("accounts") << "]\n\n"
      << "# Visitors of the website: SASL ANONYMOUS only (XEP-0175).\n"
      << "[hosts.\"" << guest << "\"]\nanonymous = true\nmodules = [" << modules_for("visitors") << "]\n";
  if (std::string rooms = modules_for("conference"); !rooms.empty())
    out << "\n# Chat rooms (XEP-0045).\n[hosts.\"conference." << domain << "\"]\nmodules = [" << rooms << "]\n";
  if (std::string service = modules_for("service"); !service.empty())
    out << "\n# The livechat service: queues and conversation rooms (modules/livechat/README.md).\n[hosts.\"chat."
        << domain << "\"]\nmodules = [" << service << "]\n";
  if (std::string upload = modules_for("upload"); !upload.empty())
    out << "\n# File upload (XEP-0363): files are served from this host name on the HTTP(S) listener, so\n"
        << "# it must resolve to this server (or set module.upload.public_url).\n[hosts.\"upload." << domain
        << "\"]\nmodules = [" << upload << "]\n";
  out.close();
  Config config = load_config(config_path.string());
  open_configured_storage(config, true)->stop();
  std::printf("%s\n", config_path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "init") {
    try {
      return init(argc, argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "xmppctl: %s\n", e.what());
      return 1;
    }
  }
  if (argc < 4 || std::string(argv[1]) != "--config") return usage();
  std::string command = argv[3];
  try {
    Config config = load_config(argv[2]);
    if (command == "online") {
      std::string reply = control_request(config, "online");
      std::fputs(reply.c_str(), stdout);
      return 0;
    }
    auto storage = open_configured_storage(config, command == "migrate");
    if (command == "migrate") {
      std::printf("schema is up to date\n");
      storage->stop();
      return 0;
    }
    if (argc != 5) return usage();
    auto jid = account_jid(config, argv[4]);
    if (!jid) return 1;
    if (command == "adduser" || command == "passwd") {
      auto account = make_account(*jid, read_password(), config.scram_iterations);
      if (!account) {
        std::fprintf(stderr, "xmppctl: the password is empty or not allowed (RFC 4013)\n");
        return 1;
      }
      bool ok = command == "adduser" ? wait_for(storage->accounts().create(*account))
                                     : wait_for(storage->accounts().set_credentials(*account));
      storage->stop();
      if (!ok) {
        std::fprintf(stderr, "xmppctl: %s %s\n", jid->bare_str().c_str(),
                     command == "adduser" ? "already exists" : "does not exist");
        return 1;
      }
      std::printf("%s %s\n", jid->bare_str().c_str(), command == "adduser" ? "created" : "password changed");
      return 0;
    }
    if (command == "deluser") {
      // A running server deletes it itself: it ends the account's sessions and tells the
      // contacts who are online (roster pushes, RFC 6121 §3.2, §3.3).
      std::optional<std::string> reply;
      try {
        reply = control_request(config, "deluser " + jid->bare_str());
      } catch (const std::exception&) {
      }
      bool ok;
      if (reply) {
        if (reply->starts_with("error: storage")) throw std::runtime_error("the server could not delete it: " + *reply);
        ok = reply->starts_with("deleted");
      } else {
        // No server runs: nobody is online to tell; the contacts' rosters just lose the account.
        ok = wait_for(storage->accounts().remove(jid->domain(), jid->local()));
        if (ok)
          for (const RosterOwner& owner : wait_for(storage->roster().owners_of(jid->bare_str())))
            wait_for(storage->roster().remove(owner.host, owner.user, jid->bare_str()));
      }
      storage->stop();
      if (!ok) {
        std::fprintf(stderr, "xmppctl: %s does not exist\n", jid->bare_str().c_str());
        return 1;
      }
      std::printf("%s deleted\n", jid->bare_str().c_str());
      return 0;
    }
    return usage();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xmppctl: %s\n", e.what());
    return 1;
  }
}
