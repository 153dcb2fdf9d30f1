// Built-in HTTP routes: XEP-0156 discovery, health and Prometheus metrics.
#include "http/builtin_routes.hpp"

#include <algorithm>
#include <map>

#include "config.hpp"
#include "core.hpp"
#include "http/bosh_service.hpp"
#include "net/limiter.hpp"
#include "xmppd/metrics.hpp"

namespace xmppd {

namespace {

// The connection methods a browser can use (XEP-0156 §3): WebSocket (RFC 7395) and BOSH
// (XEP-0206, served by http/bosh_service.hpp).
struct AltConnection {
  const char* rel;
  std::string_view path;
  const char* plain_scheme;  // the URL scheme without / with TLS
  const char* tls_scheme;
};
constexpr AltConnection kAltConnections[] = {
    {"urn:xmpp:alt-connections:websocket", "/xmpp-websocket", "ws://", "wss://"},
    {"urn:xmpp:alt-connections:xbosh", BoshService::kPath, "http://", "https://"},
};

bool host_header_ok(const std::string& h) {
  if (h.empty() || h.size() > 255) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

// scheme://host[:port] without a trailing slash, or empty when the request has no usable Host.
std::string authority(const BuiltinContext& ctx) {
  if (!ctx.listener.public_url.empty()) {
    std::string u = ctx.listener.public_url;
    auto p = u.find("://");
    u = p == std::string::npos ? u : u.substr(p + 3);
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }
  return host_header_ok(ctx.raw_host) ? ctx.raw_host : std::string();
}

bool public_tls(const BuiltinContext& ctx) {
  if (!ctx.listener.public_url.empty()) return ctx.listener.public_url.starts_with("https://");
  return ctx.listener.tls != "none" || ctx.via_proxy;  // a trusted proxy terminates TLS (DESIGN.md)
}

// CORS (Fetch standard): host-meta may be read by the configured origins' pages.
void add_cors(const BuiltinContext& ctx, const HttpRequest& r, HttpResponse& res) {
  std::string_view origin = r.header("origin");
  if (origin.empty()) return;
  const auto& allowed = ctx.listener.origins;
  if (std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) return;
  res.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  res.headers.emplace_back("Vary", "Origin");
}

HttpResponse host_meta(const BuiltinContext& ctx, const HttpRequest& r, bool json) {
  std::string host = authority(ctx);
  if (host.empty()) return HttpResponse::text(400, "missing or invalid Host header\n");
  bool tls = public_tls(ctx);
  HttpResponse res;
  if (json) {
    // XEP-0156 §3.2 (RFC 6415 JRD).
    res.content_type = "application/json";
    res.body = "{\"links\":[";
    bool first = true;
    for (const auto& a : kAltConnections) {
      res.body += std::string(first ? "" : ",") + "{\"rel\":\"" + a.rel + "\",\"href\":\"" +
                  (tls ? a.tls_scheme : a.plain_scheme) + host + std::string(a.path) + "\"}";
      first = false;
    }
    res.body += "]}";
  } else {
    // XEP-0156 §3.1 (RFC 6415 XRD).
    res.content_type = "application/xrd+xml; charset=utf-8";
    res.body = "<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n";
    for (const auto& a : kAltConnections)
      res.body += std::string("  <Link rel='") + a.rel + "' href='" + (tls ? a.tls_scheme : a.plain_scheme) + host +
                  std::string(a.path) + "'/>\n";
    res.body += "</XRD>\n";
  }
  res.headers.emplace_back("Cache-Control", "max-age=3600");
  add_cors(ctx, r, res);
  return res;
}

HttpResponse metrics(const BuiltinContext& ctx) {
  std::map<std::string, std::size_t> by_transport = {{"tcp", 0}, {"websocket", 0}, {"bosh", 0}};
  for (Session* s : ctx.core.all_sessions()) ++by_transport[std::string(s->transport())];
  const auto& c = ctx.core.counters();
  MetricsWriter out;
  for (const auto& [t, n] : by_transport)
    out.gauge("xmppd_sessions", "Bound client sessions by transport.", {{"transport", t}}, double(n));
  out.gauge("xmppd_connections", "Open client and HTTP connections.", {}, double(ctx.limiter.open()));
  out.counter("xmppd_stanzas_in_total", "Stanzas received from client sessions.", {}, double(c.stanzas_in));
  out.counter("xmppd_stanzas_out_total", "Stanzas sent to client sessions.", {}, double(c.stanzas_out));
  // The modules' own (e.g. livechat queue lengths), which the core does not know by name.
  ctx.core.collect_metrics(out);
  HttpResponse res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = out.text();
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

bool metrics_allowed(const BuiltinContext& ctx, const std::string& ip) {
  const auto& list = ctx.listener.metrics_from;
  return std::find(list.begin(), list.end(), ip) != list.end();
}

}  // namespace

std::optional<HttpResponse> builtin_route(const BuiltinContext& ctx, const HttpRequest& r) {
  bool get = r.method == "GET" || r.method == "HEAD";
  if (r.path == "/.well-known/host-meta" || r.path == "/.well-known/host-meta.json") {
    if (r.method == "OPTIONS") {
      // A CORS pre-flight (Fetch standard): GET only, no credentials.
      HttpResponse res;
      res.status = 204;
      add_cors(ctx, r, res);
      res.headers.emplace_back("Access-Control-Allow-Methods", "GET");
      res.headers.emplace_back("Access-Control-Max-Age", "86400");
      return res;
    }
    if (!get) return HttpResponse::text(405, "method not allowed\n");
    return host_meta(ctx, r, r.path.ends_with(".json"));
  }
  if (r.path == "/healthz") {
    if (!get) return HttpResponse::text(405, "method not allowed\n");
    return HttpResponse::text(200, "ok\n");
  }
  if (r.path == "/metrics") {
    if (!metrics_allowed(ctx, r.client_ip)) return HttpResponse::text(403, "forbidden\n");
    if (!get) return HttpResponse::text(405, "method not allowed\n");
    return metrics(ctx);
  }
  if (r.path == "/xmpp-websocket") {
    HttpResponse res = HttpResponse::text(426, "WebSocket only (RFC 7395)\n");
    res.headers.emplace_back("Upgrade", "websocket");
    return res;
  }
  return std::nullopt;
}

}  // namespace xmppd
