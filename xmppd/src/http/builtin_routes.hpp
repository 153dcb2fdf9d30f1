// The routes the HTTP listener serves itself: XEP-0156 host-meta (XML and JSON), /healthz and
// /metrics (Prometheus text exposition format 0.0.4).
#pragma once
#include <optional>
#include <string>

#include "xmppd/http.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;
struct ListenerConfig;

struct BuiltinContext {
  Core& core;
  ConnectionLimiter& limiter;
  const ListenerConfig& listener;
  std::string raw_host;  // the Host header as sent (for URLs when no public_url is set)
  bool via_proxy;        // the peer is a trusted proxy
};

// The response when `request` is for a built-in route; nullopt otherwise.
std::optional<HttpResponse> builtin_route(const BuiltinContext& ctx, const HttpRequest& request);

}  // namespace xmppd
