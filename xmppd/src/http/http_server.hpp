// The HTTP(S) listeners (Boost.Beast, kept out of this header): WebSocket XMPP (RFC 7395) at
// /xmpp-websocket, BOSH (XEP-0124/0206) at /http-bind, XEP-0156 discovery at
// /.well-known/host-meta(.json), /healthz, /metrics (Prometheus text format) and the routes
// modules add (xmppd/http.hpp).
//
// Per connection: optional TLS handshake, then requests one at a time (keep-alive) under a
// header limit of 8 KiB, a body limit per route and request/idle timeouts. Plain HTTP is served
// only to loopback peers and configured trusted proxies; the client address is the peer's, or
// from Forwarded / X-Forwarded-For when the peer is a trusted proxy (never logged).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "xmppd/asio.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;

class HttpServer {
 public:
  HttpServer(Core& core, ConnectionLimiter& limiter, asio::thread_pool& cpu, const Config& config);
  ~HttpServer();

  // Serves `listener` on an accepted, bound acceptor.
  void serve(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, const ListenerConfig& listener);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmppd
