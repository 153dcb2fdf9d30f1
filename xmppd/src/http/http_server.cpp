// The HTTP(S) listeners on Boost.Beast: request loop, limits, client address, routes. See
// http_server.hpp.
#include "http/http_server.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "core.hpp"
#include "http/beast.hpp"
#include "http/bosh_service.hpp"
#include "http/body_stream.hpp"
#include "http/builtin_routes.hpp"
#include "http/static_files.hpp"
#include "http/websocket_connection.hpp"
#include "net/limiter.hpp"
#include "net/tls.hpp"
#include "xmppd/log.hpp"

namespace xmppd {

namespace {

constexpr std::size_t kHeaderLimit = 8 * 1024;  // request line and headers (issue 4: ~8 KiB)

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool listed(const std::vector<std::string>& list, const std::string& ip) {
  error_code ec;
  auto a = asio::ip::make_address(ip, ec);
  if (ec) return false;
  for (const auto& s : list) {
    auto b = asio::ip::make_address(s, ec);
    if (!ec && a == b) return true;
  }
  return false;
}

// The address a trusted proxy says it forwarded for: the right-most entry, which that proxy
// appended (RFC 7239 §5.2 Forwarded "for=", else X-Forwarded-For). Empty when unusable.
std::string forwarded_client(const HttpRequestMessage& req) {
  auto clean = [](std::string v) {
    auto trim = [](std::string& s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.erase(s.begin());
      while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.pop_back();
    };
    trim(v);
    if (!v.empty() && v.front() == '[') {  // "[2001:db8::1]:4711"
      auto close = v.find(']');
      v = close == std::string::npos ? std::string() : v.substr(1, close - 1);
    } else if (std::count(v.begin(), v.end(), ':') == 1) {
      v = v.substr(0, v.find(':'));  // "192.0.2.1:8080"
    }
    error_code ec;
    asio::ip::make_address(v, ec);
    return ec ? std::string() : v;
  };
  auto fwd = req.find(http::field::forwarded);
  if (fwd != req.end()) {
    std::string value(sv(fwd->value()));
    std::string last = value.substr(value.rfind(',') == std::string::npos ? 0 : value.rfind(',') + 1);
    for (std::size_t pos = 0; pos < last.size();) {
      std::size_t end = last.find(';', pos);
      std::string pair = last.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      auto eq = pair.find('=');
      if (eq != std::string::npos) {
        std::string key = lower(pair.substr(0, eq));
        std::erase(key, ' ');
        if (key == "for") return clean(pair.substr(eq + 1));
      }
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  auto xff = req.find("X-Forwarded-For");
  if (xff != req.end()) {
    std::string value(sv(xff->value()));
    auto comma = value.rfind(',');
    return clean(comma == std::string::npos ? value : value.substr(comma + 1));
  }
  return {};
}

bool token_listed(std::string_view header, std::string_view token) {
  // A comma-separated header (Sec-WebSocket-Protocol, Connection): is `token` one of them?
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t end = header.find(',', pos);
    std::string_view item = header.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == token) return true;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return false;
}

std::unique_ptr<asio::ssl::context> make_https_context(const Config& config) {
  return tls::make_server_context(config.tls_certificate, config.tls_key, tls::kAlpnHttp11);
}

}  // namespace

struct HttpServer::Impl {
  Core& core;
  ConnectionLimiter& limiter;
  asio::thread_pool& cpu;
  const Config& config;
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<BoshService> bosh;
  StaticFiles static_files;

  Task<void> accept_loop(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, const ListenerConfig& l);
};

namespace {

template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, HttpServer::Impl& server, const ListenerConfig& listener, std::string peer_ip,
              bool peer_loopback, bool peer_trusted)
      : stream_(std::move(stream)),
        server_(server),
        listener_(listener),
        peer_ip_(std::move(peer_ip)),
        peer_loopback_(peer_loopback),
        peer_trusted_(peer_trusted) {}

  void start() {
    asio::co_spawn(server_.core.io(), run(), [self = this->shared_from_this()](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("http", "connection failed: ", ex.what());
      }
      self->finish();
    });
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Task<void> run() {
    auto self = this->shared_from_this();
    error_code ec;
    auto& tcp = beast::get_lowest_layer(stream_);
    if constexpr (kTls) {
      tcp.expires_after(listener_.request_timeout);
      co_await stream_.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return finish();
    }
    for (bool first = true;; first = false) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      // No limit until the route is known: its max_body is checked against Content-Length
      // below and then set for the body read. (Not boost::none: Boost 1.74 compares the length
      // with the empty optional and refuses every body.)
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      // The first request must come within the request timeout; later ones within the idle one.
      tcp.expires_after(first ? listener_.request_timeout : listener_.idle_timeout);
      co_await http::async_read_header(stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::header_limit) {
        co_await reply_and_close(HttpResponse::text(431, "request header too large (limit 8 KiB)\n"));
        co_return finish();
      }
      if (ec == http::error::body_limit) {
        co_await reply_and_close(HttpResponse::text(413, "request body too large\n"));
        co_return finish();
      }
      if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
          ec == asio::ssl::error::stream_truncated)
        co_return finish();
      if (ec) {
        co_await reply_and_close(HttpResponse::text(400, "malformed HTTP request\n"));
        co_return finish();
      }
      tcp.expires_after(listener_.request_timeout);
      HttpRequest request = describe(parser.get());

      if (websocket::is_upgrade(parser.get())) {
        if (auto refusal = check_websocket(request, parser.get())) {
          co_await reply_and_close(*refusal);
          co_return finish();
        }
        handed_off_ = true;
        WebSocketParams p{server_.core, server_.limiter, server_.cpu, listener_, request.client_ip, request.secure};
        run_websocket(std::move(stream_), parser.release(), std::move(p));
        co_return;
      }

      std::size_t max_body = 0;
      const HttpRoute* route = server_.core.http_route(request.host, request.path);
      if (route) max_body = route->max_body;
      if (request.path == BoshService::kPath) max_body = server_.bosh->max_body();
      auto length = parser.content_length();
      if ((length && *length > max_body) || (parser.chunked() && max_body == 0)) {
        co_await reply_and_close(HttpResponse::text(413, "request body too large\n"));
        co_return finish();
      }
      if (route && route->stream_handler &&
          std::find(route->stream_methods.begin(), route->stream_methods.end(), request.method) !=
              route->stream_methods.end()) {
        // The handler reads the body itself (uploads to disk); see body_stream.hpp.
        http::request_parser<http::buffer_body> body_parser(std::move(parser));
        body_parser.body_limit(max_body);
        if (!co_await stream_request(request, *route, body_parser)) co_return finish();
        continue;
      }
      parser.body_limit(max_body);
      if (!parser.is_done()) {
        co_await http::async_read(stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::body_limit) {
          co_await reply_and_close(HttpResponse::text(413, "request body too large\n"));
          co_return finish();
        }
        if (ec) {
          if (ec != beast::error::timeout && ec != asio::error::eof)
            co_await reply_and_close(HttpResponse::text(400, "malformed HTTP request body\n"));
          co_return finish();
        }
      }
      request.body = std::move(parser.get().body());
      HttpResponse response = co_await dispatch(request, route);
      bool keep_alive = parser.get().keep_alive() && response.status < 400;
      if (!co_await write(std::move(response), parser.get().version(), keep_alive, request.method == "HEAD"))
        co_return finish();
      if (!keep_alive) break;
      if (buffer_.size() == 0 && buffer_.capacity() > 16384) buffer_.shrink_to_fit();
    }
    co_await graceful_close();
    finish();
  }

  // A request whose route reads the body as it arrives. false: the connection is to be closed.
  Task<bool> stream_request(const HttpRequest& request, const HttpRoute& route,
                            http::request_parser<http::buffer_body>& parser) {
    BodyStream<Stream> body(stream_, buffer_, parser, listener_.request_timeout);
    HttpResponse response;
    try {
      response = co_await route.stream_handler(request, body);
    } catch (const HttpBodyError& e) {
      response = HttpResponse::text(std::string_view(e.what()).find("too large") != std::string_view::npos ? 413 : 400,
                                    std::string(e.what()) + "\n");
    } catch (const std::exception& e) {
      response = internal_error(route, e);
    }
    unsigned version = parser.get().version();
    bool keep_alive = parser.get().keep_alive() && response.status < 400 && body.done();
    bool head = request.method == "HEAD";
    if (!co_await write(std::move(response), version, keep_alive, head)) co_return false;
    if (keep_alive) co_return true;
    if (!body.done()) co_await drain(parser);
    co_await graceful_close();
    co_return false;
  }

  // Reads what is left of a refused request body (bounded in bytes and time) before closing,
  // so the client, still sending, gets the answer instead of a connection reset.
  Task<void> drain(http::request_parser<http::buffer_body>& parser) {
    error_code ec;
    std::array<char, 16 * 1024> sink;
    std::size_t left = 4u << 20;
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.expires_after(std::chrono::seconds(2));
    while (!parser.is_done() && left > 0) {
      parser.get().body().data = sink.data();
      parser.get().body().size = sink.size();
      co_await http::async_read(stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) break;
      std::size_t n = sink.size() - parser.get().body().size;
      left = n >= left ? 0 : left - n;
    }
  }

  HttpResponse internal_error(const HttpRoute& route, const std::exception& e) {
    unsigned char id[4];
    RAND_bytes(id, sizeof id);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
    log::error("http", "error ", hex, " in the handler of ", route.path, ": ", e.what());
    return HttpResponse::text(500, std::string("internal error ") + hex + "\n");
  }

  HttpRequest describe(const HttpRequestMessage& m) {
    HttpRequest r;
    r.method = std::string(sv(m.method_string()));
    std::string_view target = sv(m.target());
    auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    std::string host = lower(sv(m[http::field::host]));
    if (!host.empty() && host.front() == '[') host = host.substr(0, host.find(']') + 1);
    else host = host.substr(0, host.find(':'));
    r.host = host;
    raw_host_ = std::string(sv(m[http::field::host]));
    for (const auto& f : m) r.headers.emplace_back(lower(sv(f.name_string())), std::string(sv(f.value())));
    r.client_ip = peer_ip_;
    if (peer_trusted_) {
      std::string fwd = forwarded_client(m);
      if (!fwd.empty()) r.client_ip = fwd;
    }
    r.secure = kTls || peer_trusted_ || peer_loopback_;
    std::string_view origin = sv(m[http::field::origin]);
    r.origin_allowed = !origin.empty() && std::find(listener_.origins.begin(), listener_.origins.end(), origin) !=
                                              listener_.origins.end();
    return r;
  }

  // RFC 6455 §4.2.1 and RFC 7395 §3.1 checks before a WebSocket is accepted.
  std::optional<HttpResponse> check_websocket(const HttpRequest& r, const HttpRequestMessage& m) {
    if (r.path != "/xmpp-websocket") return HttpResponse::text(404, "not found\n");
    std::string_view origin = sv(m[http::field::origin]);
    // No Origin: not a browser (RFC 6455 §10.2), so no cross-site risk; allowed.
    if (!origin.empty() &&
        std::find(listener_.origins.begin(), listener_.origins.end(), origin) == listener_.origins.end())
      return HttpResponse::text(403, "origin not allowed\n");
    if (!token_listed(sv(m[http::field::sec_websocket_protocol]), "xmpp"))
      return HttpResponse::text(400, "the WebSocket subprotocol must be xmpp (RFC 7395)\n");
    if (!server_.limiter.try_preauth(r.client_ip))
      return HttpResponse::text(429, "too many unauthenticated connections\n");
    return std::nullopt;
  }

  Task<HttpResponse> dispatch(const HttpRequest& r, const HttpRoute* route) {
    if (r.path == BoshService::kPath) co_return co_await server_.bosh->handle(r, listener_.origins);
    BuiltinContext ctx{server_.core, server_.limiter, listener_, raw_host_, peer_trusted_};
    if (auto builtin = builtin_route(ctx, r)) co_return std::move(*builtin);
    if (!route) {
      if (auto file = server_.static_files.serve(r, server_.core.http_route_hosts())) co_return std::move(*file);
      co_return HttpResponse::text(404, "not found\n");
    }
    if (std::find(route->methods.begin(), route->methods.end(), r.method) == route->methods.end()) {
      HttpResponse res = HttpResponse::text(405, "method not allowed\n");
      std::string allow;
      for (const auto& m : route->methods) allow += (allow.empty() ? "" : ", ") + m;
      res.headers.emplace_back("Allow", allow);
      co_return res;
    }
    if (!route->handler) co_return HttpResponse::text(405, "method not allowed\n");
    std::optional<HttpResponse> failed;
    try {
      co_return co_await route->handler(r);
    } catch (const std::exception& e) {
      failed = internal_error(*route, e);
    }
    co_return std::move(*failed);
  }

  Task<bool> write(HttpResponse r, unsigned version, bool keep_alive, bool head) {
    // The response may come long after the request (a held BOSH request): a fresh deadline.
    beast::get_lowest_layer(stream_).expires_after(listener_.request_timeout);
    if (!r.file.empty()) co_return co_await write_file(std::move(r), version, keep_alive, head);
    http::response<http::string_body> res{http::status(r.status), version};
    res.set(http::field::server, "xmppd");
    res.set(http::field::content_type, r.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    // RFC 9110 §8.6: no Content-Length on 204, nor a wrong one on 304.
    if (r.status != 204 && r.status != 304) res.content_length(r.body.size());
    if (r.content_type.empty()) res.erase(http::field::content_type);
    if (!head) res.body() = std::move(r.body);
    error_code ec;
    http::serializer<false, http::string_body> sr{res};
    if (head) sr.split(true);
    if (head)
      co_await http::async_write_header(stream_, sr, asio::redirect_error(asio::use_awaitable, ec));
    else
      co_await http::async_write(stream_, sr, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  // A response whose body is a file, streamed from disk (HttpResponse::file).
  Task<bool> write_file(HttpResponse r, unsigned version, bool keep_alive, bool head) {
    http::response<http::file_body> res{http::status(r.status), version};
    beast::error_code ec;
    res.body().open(r.file.c_str(), beast::file_mode::scan, ec);
    if (ec) co_return co_await write(HttpResponse::text(404, "not found\n"), version, keep_alive, head);
    res.set(http::field::server, "xmppd");
    res.set(http::field::content_type, r.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.content_length(res.body().size());
    // A large file takes longer than one request timeout to send: the timer restarts with
    // every piece the serializer writes.
    auto& tcp = beast::get_lowest_layer(stream_);
    http::serializer<false, http::file_body> sr{res};
    if (head) {
      tcp.expires_after(listener_.request_timeout);
      co_await http::async_write_header(stream_, sr, asio::redirect_error(asio::use_awaitable, ec));
      co_return !ec;
    }
    while (!sr.is_done()) {
      tcp.expires_after(listener_.request_timeout);
      co_await http::async_write_some(stream_, sr, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return false;
    }
    co_return true;
  }

  Task<void> reply_and_close(HttpResponse r) {
    co_await write(std::move(r), 11, false, false);
    co_await graceful_close();
  }

  Task<void> graceful_close() {
    error_code ec;
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      co_await stream_.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
    beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }

  void finish() {
    if (finished_ || handed_off_) return;
    finished_ = true;
    error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
    server_.limiter.closed();
  }

  Stream stream_;
  HttpServer::Impl& server_;
  const ListenerConfig& listener_;
  std::string peer_ip_;  // for limits only; never logged
  bool peer_loopback_, peer_trusted_;
  std::string raw_host_;
  beast::flat_buffer buffer_;
  bool handed_off_ = false, finished_ = false;
};

}  // namespace

Task<void> HttpServer::Impl::accept_loop(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, const ListenerConfig& l) {
  for (;;) {
    error_code ec;
    asio::ip::tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      log::warn("http", "accept failed: ", ec.message());
      asio::steady_timer t(core.io(), std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto ep = socket.remote_endpoint(ec);
    if (ec) continue;
    auto address = ep.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    std::string ip = address.to_string();
    bool loopback = address.is_loopback();
    bool trusted = listed(l.trusted_proxies, ip);
    // DESIGN.md: plain HTTP only from loopback or a trusted TLS-terminating proxy.
    if ((l.tls == "none" && !loopback && !trusted) || !limiter.try_open()) {
      socket.close(ec);
      continue;
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (l.tls == "none") {
      std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)), *this, l, ip, loopback, trusted)
          ->start();
    } else {
      std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), *tls), *this, l, ip, loopback, trusted)
          ->start();
    }
  }
}

HttpServer::HttpServer(Core& core, ConnectionLimiter& limiter, asio::thread_pool& cpu, const Config& config)
    : impl_(std::make_unique<Impl>(
          Impl{core, limiter, cpu, config, nullptr, nullptr, StaticFiles(config.http.webroot)})) {
  if (!config.http.webroot.empty() && !impl_->static_files.enabled())
    log::info("http", "no web root at ", config.http.webroot, ": no static files served");
  if (!config.tls_certificate.empty()) impl_->tls = make_https_context(config);
  impl_->bosh = std::make_unique<BoshService>(core, limiter, cpu);
}

HttpServer::~HttpServer() = default;

void HttpServer::serve(std::shared_ptr<asio::ip::tcp::acceptor> acceptor, const ListenerConfig& listener) {
  if (listener.tls != "none" && !impl_->tls)
    throw std::runtime_error("listener " + listener.address + ":" + std::to_string(listener.port) + " needs [tls]");
  asio::co_spawn(impl_->core.io(), impl_->accept_loop(std::move(acceptor), listener), asio::detached);
}

}  // namespace xmppd
