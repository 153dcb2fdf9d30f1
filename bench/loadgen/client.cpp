// See client.hpp.
#include "client.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "sasl.hpp"

namespace loadgen {

namespace {
constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view kFramingNs = "urn:ietf:params:xml:ns:xmpp-framing";  // RFC 7395 §3.3
// What the scanner is given at the start of each WebSocket "stream": it cuts a stream into
// top-level elements, and over WebSocket every message is one (RFC 7395 §3.3.3).
constexpr std::string_view kScannerHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

// RFC 7395 §3.3.3: without a stream wrapper every element declares its namespace; stanzas the
// scenarios write as on TCP get xmlns='jabber:client'.
std::string qualified(std::string_view el) {
  for (std::string_view stanza : {"<message", "<presence", "<iq"}) {
    if (!el.starts_with(stanza) || el.size() == stanza.size()) continue;
    char next = el[stanza.size()];
    if (next != ' ' && next != '>' && next != '/') continue;
    std::string_view start = el.substr(0, el.find('>'));
    if (start.find("xmlns=") != std::string_view::npos) break;
    return std::string(stanza) + " xmlns='jabber:client'" + std::string(el.substr(stanza.size()));
  }
  return std::string(el);
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string sasl_element(std::string_view name, std::string_view payload, std::string_view mechanism = {}) {
  std::string out = "<" + std::string(name) + " xmlns='" + std::string(kSaslNs) + "'";
  if (!mechanism.empty()) out += " mechanism='" + std::string(mechanism) + "'";
  // RFC 6120 §6.4.2: an empty initial response is "="; an empty response is an empty element.
  if (payload.empty()) return out + (name == "auth" ? ">=</auth>" : "/>");
  return out + ">" + sasl::base64_encode(payload) + "</" + std::string(name) + ">";
}
}  // namespace

Client::Client(asio::io_context& io, ClientOptions options) : io_(io), opt_(std::move(options)), sock_(io) {}

Client::~Client() = default;

bool Client::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  close_now();
  return false;
}

void Client::close_now() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  // Abortive close: a bench opens tens of thousands of connections from one address and must
  // not leave them in TIME_WAIT.
  sock_.set_option(asio::socket_base::linger(true, 0), ec);
  sock_.close(ec);
}

void Client::begin_stream() {
  scanner_.reset();
  if (ws_) {
    scanner_.feed(kScannerHeader.data(), kScannerHeader.size());
    send("<open xmlns='" + std::string(kFramingNs) + "' to='" + opt_.domain + "' version='1.0'/>");  // §3.3.1
    return;
  }
  send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='" +
       opt_.domain + "' version='1.0'>");
}

void Client::send(std::string_view data) {
  if (closed_) return;
  if (ws_) {
    // §3.3.3: one complete element per message; §3.3.4: <close/> ends the stream.
    if (data == "</stream:stream>") ws_out_.push_back("<close xmlns='" + std::string(kFramingNs) + "'/>");
    else ws_out_.push_back(qualified(data));
  } else {
    out_.append(data);
  }
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(io_, [self = shared_from_this()]() { return self->write_loop(); }, asio::detached);
  }
}

awaitable<void> Client::write_loop() {
  error_code ec;
  while (ws_ && !ws_out_.empty() && !closed_) {
    inflight_ = std::move(ws_out_.front());
    ws_out_.pop_front();
    co_await ws_->async_write(asio::buffer(inflight_), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      fail("write: " + ec.message());
      break;
    }
  }
  while (!out_.empty() && !closed_) {
    inflight_.swap(out_);
    out_.clear();
    if (tls_)
      co_await asio::async_write(*tls_, asio::buffer(inflight_), asio::redirect_error(asio::use_awaitable, ec));
    else
      co_await asio::async_write(sock_, asio::buffer(inflight_), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      fail("write: " + ec.message());
      break;
    }
  }
  writing_ = false;
}

awaitable<bool> Client::fill(error_code& ec) {
  if (ws_) {
    ws_in_.clear();
    co_await ws_->async_read(ws_in_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    std::string_view msg(static_cast<const char*>(ws_in_.data().data()), ws_in_.size());
    static const bool debug = std::getenv("LOADGEN_DEBUG") != nullptr;
    if (debug) std::fprintf(stderr, "[%d] ws<< %.*s\n", index, static_cast<int>(msg.size()), msg.data());
    // The server's <open/> is its stream header (nothing for the scanner); its <close/> ends the
    // stream as </stream:stream> would.
    if (msg.starts_with("<close")) scanner_.feed("</stream:stream>", 16);
    else if (!msg.starts_with("<open")) scanner_.feed(msg.data(), msg.size());
    co_return true;
  }
  std::size_t n = tls_ ? co_await tls_->async_read_some(asio::buffer(rbuf_), asio::redirect_error(asio::use_awaitable, ec))
                       : co_await sock_.async_read_some(asio::buffer(rbuf_), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  scanner_.feed(rbuf_.data(), n);
  co_return true;
}

awaitable<Client::Event> Client::next_event() {
  Event ev;
  while (!closed_) {
    std::string_view el;
    ev.kind = scanner_.next(el);
    if (ev.kind != StreamScanner::Event::none) {
      ev.element.assign(el);
      co_return ev;
    }
    error_code ec;
    if (!co_await fill(ec)) {
      fail("read: " + ec.message());
      break;
    }
  }
  ev.kind = StreamScanner::Event::stream_close;
  co_return ev;
}

awaitable<bool> Client::expect_features(std::string& features) {
  while (true) {
    Event ev = co_await next_event();
    if (ev.kind == StreamScanner::Event::stream_close) co_return fail("stream closed before features");
    if (ev.kind == StreamScanner::Event::stream_open) continue;
    std::string_view name = xml::name(ev.element);
    if (ends_with(name, "features")) {
      features = std::move(ev.element);
      co_return true;
    }
    if (ends_with(name, "error")) co_return fail("stream error: " + ev.element);
  }
}

awaitable<bool> Client::login() {
  auto self = shared_from_this();
  std::int64_t t0 = now_ns();
  // The whole negotiation is bounded: a stuck server closes the socket and fails the login.
  auto deadline = std::make_shared<asio::steady_timer>(io_, opt_.login_timeout);
  auto done = std::make_shared<bool>(false);
  deadline->async_wait([self, done](error_code ec) {
    if (!ec && !*done) self->fail("login timed out");
  });
  struct Disarm {
    std::shared_ptr<bool> done;
    std::shared_ptr<asio::steady_timer> t;
    ~Disarm() {
      *done = true;
      t->cancel();
    }
  } disarm{done, deadline};

  error_code ec;
  tcp::endpoint ep(asio::ip::make_address(opt_.address, ec), opt_.port);
  if (ec) co_return fail("bad address");
  sock_.open(ep.protocol(), ec);
  if (!opt_.source_address.empty()) {
    sock_.bind(tcp::endpoint(asio::ip::make_address(opt_.source_address, ec), 0), ec);
    if (ec) co_return fail("bind: " + ec.message());
  }
  co_await sock_.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("connect: " + ec.message());
  sock_.set_option(tcp::no_delay(true), ec);
  if (!opt_.websocket_path.empty()) {
    // RFC 7395 §3.1: the opening handshake asks for the "xmpp" subprotocol.
    ws_ = std::make_unique<websocket::stream<tcp::socket&>>(sock_);
    ws_->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, "xmpp");
    }));
    websocket::response_type res;
    co_await ws_->async_handshake(res, opt_.domain, opt_.websocket_path, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("WebSocket handshake: " + ec.message());
    if (res[beast::http::field::sec_websocket_protocol] != "xmpp") co_return fail("WebSocket: no xmpp subprotocol");
    ws_->text(true);
  }

  begin_stream();
  std::string features;
  if (!co_await expect_features(features)) co_return false;
  if (opt_.starttls && !ws_) {
    if (!xml::has(features, "<starttls")) co_return fail("no STARTTLS offered");
    send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    Event ev = co_await next_event();
    if (ev.kind != StreamScanner::Event::element || xml::name(ev.element) != "proceed")
      co_return fail("STARTTLS refused");
    if (!opt_.tls_ctx) co_return fail("no TLS context");
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(sock_, *opt_.tls_ctx);
    SSL_set_tlsext_host_name(tls_->native_handle(), opt_.domain.c_str());
    co_await tls_->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("TLS handshake: " + ec.message());
    begin_stream();
    if (!co_await expect_features(features)) co_return false;
  }
  if (!co_await authenticate(features)) co_return false;
  begin_stream();
  if (!co_await expect_features(features)) co_return false;
  if (!co_await bind(features)) co_return false;
  login_ns_ = now_ns() - t0;
  co_return !closed_;
}

awaitable<bool> Client::authenticate(const std::string& features) {
  auto offered = xml::child_texts(features, "mechanism");
  auto has = [&](std::string_view m) { return std::find(offered.begin(), offered.end(), m) != offered.end(); };
  auto outcome = [&]() -> awaitable<Event> {
    while (true) {
      Event ev = co_await next_event();
      if (ev.kind != StreamScanner::Event::element) co_return ev;
      std::string_view n = xml::name(ev.element);
      if (n == "success" || n == "failure" || n == "challenge" || ends_with(n, "error")) co_return ev;
    }
  };
  if (opt_.mech == Mech::anonymous || opt_.mech == Mech::plain) {
    mechanism_ = opt_.mech == Mech::anonymous ? "ANONYMOUS" : "PLAIN";
    if (!has(mechanism_)) co_return fail(mechanism_ + " not offered");
    send(sasl_element("auth",
                      opt_.mech == Mech::plain ? sasl::plain_message(opt_.user, opt_.password) : std::string(),
                      mechanism_));
    Event ev = co_await outcome();
    if (ev.kind != StreamScanner::Event::element || xml::name(ev.element) != "success")
      co_return fail(mechanism_ + " failed: " + ev.element);
    co_return true;
  }
  sasl::Hash hash;
  if (has("SCRAM-SHA-256")) {
    hash = sasl::Hash::sha256;
    mechanism_ = "SCRAM-SHA-256";
  } else if (has("SCRAM-SHA-1")) {
    hash = sasl::Hash::sha1;
    mechanism_ = "SCRAM-SHA-1";
  } else {
    co_return fail("no SCRAM offered");
  }
  sasl::ScramClient scram(hash, opt_.user, opt_.password);
  send(sasl_element("auth", scram.client_first(), mechanism_));
  Event ev = co_await outcome();
  if (ev.kind != StreamScanner::Event::element || xml::name(ev.element) != "challenge")
    co_return fail("SCRAM: no challenge: " + ev.element);
  auto server_first = sasl::base64_decode(xml::child_text("<x>" + ev.element + "</x>", "challenge"));
  if (!server_first) co_return fail("SCRAM: bad challenge");
  auto final_msg = scram.client_final(*server_first);
  if (!final_msg) co_return fail("SCRAM: bad server-first");
  send(sasl_element("response", *final_msg));
  ev = co_await outcome();
  if (ev.kind == StreamScanner::Event::element && xml::name(ev.element) == "challenge") {
    // RFC 6120 §6.4.6: a server may send its final data as a challenge, then an empty success.
    auto v = sasl::base64_decode(xml::child_text("<x>" + ev.element + "</x>", "challenge"));
    if (!v || !scram.verify_server_final(*v)) co_return fail("SCRAM: bad server signature");
    send(sasl_element("response", ""));
    ev = co_await outcome();
    if (ev.kind != StreamScanner::Event::element || xml::name(ev.element) != "success")
      co_return fail("SCRAM failed: " + ev.element);
    co_return true;
  }
  if (ev.kind != StreamScanner::Event::element || xml::name(ev.element) != "success")
    co_return fail("SCRAM failed: " + ev.element);
  auto v = sasl::base64_decode(xml::child_text("<x>" + ev.element + "</x>", "success"));
  if (!v || !scram.verify_server_final(*v)) co_return fail("SCRAM: bad server signature");
  co_return true;
}

awaitable<bool> Client::bind(const std::string& features) {
  if (!xml::has(features, "urn:ietf:params:xml:ns:xmpp-bind")) co_return fail("no bind offered");
  std::string iq = "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>";
  if (!opt_.resource.empty()) iq += "<resource>" + xml::escape(opt_.resource) + "</resource>";
  send(iq + "</bind></iq>");
  while (true) {
    Event ev = co_await next_event();
    if (ev.kind != StreamScanner::Event::element) co_return fail("closed during bind");
    if (xml::name(ev.element) != "iq" || xml::attr(ev.element, "id") != "bind1") continue;
    if (xml::attr(ev.element, "type") != "result") co_return fail("bind refused: " + ev.element);
    jid_ = std::string(xml::child_text(ev.element, "jid"));
    break;
  }
  // RFC 3921 sessions, only where a server still requires them.
  if (xml::has(features, "urn:ietf:params:xml:ns:xmpp-session")) {
    if (!xml::has(features, "<optional")) {
      send("<iq type='set' id='sess1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
      while (true) {
        Event ev = co_await next_event();
        if (ev.kind != StreamScanner::Event::element) co_return fail("closed during session");
        if (xml::name(ev.element) == "iq" && xml::attr(ev.element, "id") == "sess1") break;
      }
    }
  }
  co_return true;
}

void Client::answer_server_iq(std::string_view el) {
  // Keepalive pings (XEP-0199) and roster pushes (RFC 6121 §2.1.6) get a result; other
  // requests an error, as any client would.
  std::string_view type = xml::attr(el, "type");
  if (type != "get" && type != "set") return;
  std::string id(xml::attr(el, "id")), from(xml::attr(el, "from"));
  std::string reply = "<iq type='";
  bool ok = xml::has(el, "urn:xmpp:ping") || xml::has(el, "jabber:iq:roster");
  reply += ok ? "result" : "error";
  reply += "' id='" + xml::escape(id) + "'";
  if (!from.empty()) reply += " to='" + xml::escape(from) + "'";
  if (ok)
    reply += "/>";
  else
    reply +=
        "><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
  send(reply);
}

void Client::start_reader(ElementHandler handler, std::function<void(Client&)> on_close) {
  asio::co_spawn(
      io_,
      [self = shared_from_this(), h = std::move(handler), c = std::move(on_close)]() mutable {
        return self->read_loop(std::move(h), std::move(c));
      },
      asio::detached);
}

awaitable<void> Client::read_loop(ElementHandler handler, std::function<void(Client&)> on_close) {
  // What arrived with the last login read is still in the scanner: take it first.
  while (!closed_) {
    std::string_view el;
    auto kind = scanner_.next(el);
    if (kind == StreamScanner::Event::element) {
      static const bool debug = std::getenv("LOADGEN_DEBUG") != nullptr;
      if (debug) std::fprintf(stderr, "[%d] << %.*s\n", index, static_cast<int>(el.size()), el.data());
      if (xml::name(el) == "iq") answer_server_iq(el);
      handler(*this, el);
      continue;
    }
    if (kind == StreamScanner::Event::stream_close) {
      stream_closed_ = true;
      break;
    }
    if (kind == StreamScanner::Event::stream_open) continue;
    error_code ec;
    if (!co_await fill(ec)) break;
  }
  close_now();
  if (on_close) on_close(*this);
}

awaitable<void> Client::close_gracefully(std::chrono::milliseconds wait) {
  if (closed_) co_return;
  send("</stream:stream>");
  asio::steady_timer t(io_, wait);
  // Wait for the server's </stream:stream> or the end of the connection, at most `wait`.
  auto self = shared_from_this();
  t.async_wait([self](error_code ec) {
    if (!ec) self->close_now();
  });
  while (!closed_) {
    std::string_view el;
    auto kind = scanner_.next(el);
    if (kind == StreamScanner::Event::stream_close) break;
    if (kind != StreamScanner::Event::none) continue;
    error_code ec;
    if (!co_await fill(ec)) break;
  }
  t.cancel();
  close_now();
}

}  // namespace loadgen
