// HTTP routes modules add to the server's HTTP(S) listeners (upload, static webclient files,
// livechat documents) without seeing the HTTP library: a request in, a response out.
// The listener does the parsing, limits, TLS, client address and CORS pre-flight; see
// docs/configuration.md ([[listeners]] type = "http").
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "xmppd/awaitable.hpp"

namespace xmppd {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // decoded of nothing: as sent, without the query
  std::string query;   // after '?', as sent
  std::string host;    // the Host header without a port, lower case
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;    // at most the route's max_body bytes
  // The client's address: the peer, or from Forwarded/X-Forwarded-For when the peer is a
  // configured trusted proxy. For limits only: never log or store it.
  std::string client_ip;
  bool secure = false;  // reached over TLS (here or at a trusted proxy)

  // The first header of that name (lower case), or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static HttpResponse text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

using HttpHandler = std::function<Task<HttpResponse>(const HttpRequest&)>;

struct HttpRoute {
  std::string path;            // "/upload/" with prefix = true matches everything below it
  bool prefix = false;
  std::string host;            // only requests for this Host; empty: any host
  std::vector<std::string> methods = {"GET", "HEAD"};
  std::size_t max_body = 0;    // a longer body is refused with 413 before the handler runs
  HttpHandler handler;
};

}  // namespace xmppd
