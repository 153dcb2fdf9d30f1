// Starts and stops the server: storage, TLS, modules, listeners, signals.
#include "server.hpp"

#include <functional>
#include <sys/resource.h>

#include <csignal>

#include "control.hpp"
#include "core.hpp"
#include "memory_return.hpp"
#include "net/tcp_connection.hpp"
#include "http/http_server.hpp"
#include "net/component_connection.hpp"
#include "net/limiter.hpp"
#include "net/tls.hpp"
#include "storage/storage_factory.hpp"
#include "xmppd/log.hpp"

namespace xmppd {

std::unique_ptr<Storage> open_configured_storage(const Config& config, bool migrate) {
  StorageConfig sc;
  sc.backend = config.storage.backend;
  sc.sqlite_path = config.storage.sqlite_path;
  sc.mariadb_host = config.storage.mariadb_host;
  sc.mariadb_port = config.storage.mariadb_port;
  sc.mariadb_socket = config.storage.mariadb_socket;
  sc.mariadb_user = config.storage.mariadb_user;
  sc.mariadb_password = config.storage.mariadb_password;
  sc.mariadb_database = config.storage.mariadb_database;
  sc.mariadb_connect_timeout = config.storage.mariadb_connect_timeout;
  sc.mariadb_read_timeout = config.storage.mariadb_read_timeout;
  sc.mariadb_write_timeout = config.storage.mariadb_write_timeout;
  sc.pending_max = static_cast<std::size_t>(config.limits.storage_pending_max);
  sc.pending_bytes_max = config.limits.storage_pending_bytes;
  sc.migrate = migrate;
  return open_storage(sc);
}

XmppServer::XmppServer(Config config) : config_(std::move(config)) {}

XmppServer::~XmppServer() {
  http_.reset();
  core_.reset();
  if (storage_) storage_->stop();
  cpu_.join();
}

void XmppServer::check_file_limit() {
  // Every connection is a descriptor: raise the soft limit to the hard one, and lower the
  // connection cap below it, so a full table refuses politely instead of failing accept().
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
    int usable = rl.rlim_cur == RLIM_INFINITY ? INT32_MAX : int(rl.rlim_cur) - 64;
    if (config_.limits.max_connections > usable) {
      log::warn("server", "open-file limit ", rl.rlim_cur, " is below limits.max_connections ",
                config_.limits.max_connections, "; accepting at most ", usable);
      limiter_->set_max_connections(usable);
    }
  }
}

void XmppServer::start() {
  // OpenSSL writes to sockets itself (TlsSocket) without MSG_NOSIGNAL: a peer that went away
  // must give EPIPE, not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  log::set_level(config_.log_level == "debug"  ? log::Level::debug
                 : config_.log_level == "warn" ? log::Level::warn
                 : config_.log_level == "error" ? log::Level::error
                                                : log::Level::info);
  limiter_ = std::make_unique<ConnectionLimiter>(config_.limits);
  check_file_limit();
  storage_ = open_configured_storage(config_, true);
  if (!config_.tls_certificate.empty()) tls_ = tls::make_server_context(config_.tls_certificate, config_.tls_key, tls::kAlpnXmppClient);
  core_ = std::make_unique<Core>(io_, config_, *storage_);
  core_->start_modules();

  for (const auto& l : config_.listeners) {
    if ((l.type == "c2s_tls" || (l.type == "c2s" && l.tls != "none")) && !tls_)
      throw std::runtime_error("listener " + l.address + ":" + std::to_string(l.port) + " needs [tls]");
    auto acceptor = std::make_shared<asio::ip::tcp::acceptor>(io_);
    asio::ip::tcp::endpoint ep(asio::ip::make_address(l.address), l.port);
    error_code ec;
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + l.address + ":" + std::to_string(l.port) + " (" + l.type +
                               "): " + ec.message());
    unsigned short port = acceptor->local_endpoint().port();
    bound_.push_back({l.type, l.address, port});
    log::info("server", "listening on ", l.address, ":", port, " (", l.type, ")");
    acceptors_.push_back(acceptor);
    if (l.type == "http") {
      if (!http_) http_ = std::make_unique<HttpServer>(*core_, *limiter_, cpu_, config_);
      http_->serve(acceptor, l);
      continue;
    }
    asio::co_spawn(io_, accept_loop(acceptor, &l), asio::detached);
  }
  start_control_socket(io_, *core_, config_);
  asio::co_spawn(io_, return_memory_after_crowds(*limiter_), asio::detached);
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](error_code ec, int) {
    if (!ec) stop();
  });
}

Task<void> XmppServer::accept_loop(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, const ListenerConfig* l) {
  for (;;) {
    error_code ec;
    asio::ip::tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: wait a moment instead of spinning on the error.
      log::warn("server", "accept failed: ", ec.message());
      asio::steady_timer t(io_, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (l->type == "component") {
      std::make_shared<ComponentConnection>(*core_, std::move(socket))->start();
      continue;
    }
    std::string ip;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) ip = ep.address().to_string();
    const char* refusal = nullptr;
    if (!limiter_->try_open()) refusal = "resource-constraint";
    else if (!limiter_->try_preauth(ip)) {
      limiter_->closed();
      refusal = "policy-violation";
    }
    if (refusal) {
      auto s = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
      if (l->type == "c2s_tls") {
        // XEP-0368: nothing but TLS may be sent on this port, and a handshake is what the
        // refusal saves: just close.
        error_code ignored;
        s->close(ignored);
        continue;
      }
      // A full table refuses politely (RFC 6120 §4.9.3.17 / §4.9.3.18) and closes.
      auto msg = std::make_shared<std::string>(
          std::string("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:error><") +
          refusal + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
      asio::async_write(*s, asio::buffer(*msg), [s, msg](error_code, std::size_t) {
        error_code ignored;
        s->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        s->close(ignored);
      });
      continue;
    }
    std::make_shared<TcpConnection>(*core_, std::move(socket), *l, tls_.get(), *limiter_, cpu_)->start();
  }
}

void XmppServer::run() { io_.run(); }

// The loop ends 300 ms after the sessions were told, once the message archive has written what
// it holds (records of messages already delivered), for at most 5 s more.
Task<void> XmppServer::end_loop_after_archive() {
  asio::steady_timer t(io_);
  t.expires_after(std::chrono::milliseconds(300));
  error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  for (int i = 0; i < 50 && !core_->archive_idle(); ++i) {
    t.expires_after(std::chrono::milliseconds(100));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!core_->archive_idle()) log::error("server", "stopping with archive records not written");
  io_.stop();
}

void XmppServer::stop() {
  log::info("server", "stopping");
  for (auto& a : acceptors_) {
    error_code ec;
    a->close(ec);
  }
  signals_.cancel();
  // Sessions get </stream:stream> with system-shutdown (RFC 6120 §4.9.3.20), then the loop ends.
  for (Session* s : core_->all_sessions()) s->close("system-shutdown");
  asio::co_spawn(io_, end_loop_after_archive(), [](std::exception_ptr) {});
}

}  // namespace xmppd
