// HTTP routes modules add to the server's HTTP(S) listeners (upload, static webclient files,
// livechat documents) without seeing the HTTP library: a request in, a response out.
// The listener does the parsing, limits, TLS, client address and CORS pre-flight; see
// docs/configuration.md ([[listeners]] type = "http").
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
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
  // The Origin header names one of the listener's configured `origins` (for CORS answers).
  bool origin_allowed = false;

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
  // When set, the body is this file's contents, streamed from disk (`body` is ignored): large
  // files are never held in memory whole.
  std::string file;

  static HttpResponse text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

using HttpHandler = std::function<Task<HttpResponse>(const HttpRequest&)>;

// The body of a request, read piece by piece as it arrives (HttpRoute::stream_handler): an
// upload is written to disk as it comes, never held in memory whole.
class HttpBodyReader {
 public:
  virtual ~HttpBodyReader() = default;
  // The next piece (at most about 64 KiB), or an empty string once the body has ended. Throws
  // HttpBodyError when the client breaks off, is too slow, or sends more than the route allows.
  virtual Task<std::string> read() = 0;
  // The Content-Length the client declared; -1 for a chunked body.
  virtual std::int64_t declared_length() const = 0;
};

class HttpBodyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A handler that reads the body itself. It may answer before reading (e.g. 403): the listener
// then closes the connection instead of reading the rest. With `Expect: 100-continue` the
// listener sends 100 Continue at the first read(), so a refused client never sends its body.
using HttpStreamHandler = std::function<Task<HttpResponse>(const HttpRequest&, HttpBodyReader&)>;

struct HttpRoute {
  std::string path;            // "/upload/" with prefix = true matches everything below it
  bool prefix = false;
  std::string host;            // only requests for this Host; empty: any host
  std::vector<std::string> methods = {"GET", "HEAD"};
  std::size_t max_body = 0;    // a longer body is refused with 413 before the handler runs
  HttpHandler handler;
  // When set, requests with a method in `stream_methods` go here, the body unread (max_body
  // still bounds it); other methods go to `handler`.
  HttpStreamHandler stream_handler;
  std::vector<std::string> stream_methods = {"PUT"};
};

}  // namespace xmppd
