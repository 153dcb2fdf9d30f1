// XMPP over WebSocket (RFC 7395) on Boost.Beast: see websocket_connection.hpp.
#include "http/websocket_connection.hpp"

#include <deque>

#include "core.hpp"
#include "http/client_namespace.hpp"
#include "net/client_stream.hpp"
#include "net/limiter.hpp"
#include "net/stream_transport.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd {

namespace {

constexpr std::string_view kFraming = "urn:ietf:params:xml:ns:xmpp-framing";  // RFC 7395 §3.3.2

// RFC 7395 §3.3.3: each message is one complete element that declares its namespaces. Anything
// else (two elements, a fragment, text) is refused like bad XML on a TCP stream.
ParseError parse_message(std::string_view text, std::size_t max_bytes, std::optional<Element>& out,
                         std::string& error_text) {
  ParserLimits limits;
  limits.max_stanza_bytes = max_bytes;
  limits.max_unreported_bytes = std::max<std::size_t>(max_bytes, limits.max_unreported_bytes);
  int count = 0;
  ParseError pe = parse_elements(text, limits, out, count, error_text);
  if (pe != ParseError::none) return pe;
  if (count != 1) {
    error_text = "a WebSocket message carries exactly one complete element (RFC 7395 §3.3.3)";
    return ParseError::not_well_formed;
  }
  return ParseError::none;
}

template <class Stream>
class WebSocketConnection final : public StreamTransport,
                                  public std::enable_shared_from_this<WebSocketConnection<Stream>> {
 public:
  WebSocketConnection(Stream stream, WebSocketParams p)
      : ws_(std::move(stream)),
        params_(std::move(p)),
        stream_(params_.core, *this, params_.limiter, params_.cpu, params_.client_ip, params_.listener.channel_binding) {
    max_message_ = params_.core.config().limits.preauth_stanza_bytes;
  }

  void start(HttpRequestMessage request) {
    asio::co_spawn(params_.core.io(), run(std::move(request)),
                   [self = this->shared_from_this()](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log::error("websocket", "connection ", self->stream_.id(), " failed: ", ex.what());
                     }
                     self->abort();
                     self->end();
                   });
  }

  // StreamTransport
  std::string_view name() const override { return "websocket"; }
  void send_open(std::string_view from, std::string_view id) override {
    // RFC 7395 §3.4: the response <open/> in the framing namespace.
    std::string o = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='";
    o += id;
    o += "'";
    if (!from.empty()) {
      o += " from='";
      append_escaped(o, from, true);
      o += "'";
    }
    o += " version='1.0' xml:lang='en'/>";
    queue(std::move(o));
  }
  void send_features(std::string children) override {
    queue("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>" + children + "</stream:features>");
  }
  void send_element(std::string xml) override { queue(with_client_namespace(std::move(xml))); }
  void send_close(std::string error_children) override {
    // RFC 7395 §3.6: a stream error, then <close/>; then the WebSocket closes.
    if (!error_children.empty())
      queue("<stream:error xmlns:stream='http://etherx.jabber.org/streams'>" + error_children + "</stream:error>");
    queue("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    closing_ = true;
    flush();
  }
  void abort() override {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }
  std::size_t queued_bytes() const override {
    std::size_t n = 0;
    for (const auto& m : out_) n += m.size();
    return n;
  }
  std::shared_ptr<void> keep_alive() override { return this->shared_from_this(); }
  bool secure() const override { return params_.secure; }
  SSL* tls_handle() const override {
    if constexpr (std::is_same_v<Stream, TlsStream>)
      return const_cast<TlsStream&>(ws_.next_layer()).native_handle();
    else
      return nullptr;
  }
  void restart(std::size_t max_stanza_bytes) override {
    // RFC 7395 §3.5: after SASL success the client sends a new <open/>; the session's budget
    // now bounds each message (the WebSocket limit is the stanza limit).
    max_message_ = max_stanza_bytes;
  }
  bool idle() override {
    // Nothing parses between messages; give back a large read buffer.
    if (buffer_.size() == 0 && buffer_.capacity() > 4096) buffer_.shrink_to_fit();
    return true;
  }

 private:
  Task<void> run(HttpRequestMessage request) {
    auto self = this->shared_from_this();
    const Limits& limits = params_.core.config().limits;
    websocket::stream_base::timeout t;
    t.handshake_timeout = params_.listener.request_timeout;
    // A client that stops answering WebSocket pings is gone; XEP-0199 pings run above this.
    t.idle_timeout = limits.ping_interval + limits.ping_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    // permessage-deflate stays off: memory per connection, and a compression oracle over
    // secrets and attacker-chosen text in one stream (CRIME/BREACH).
    websocket::permessage_deflate pmd;
    pmd.server_enable = false;
    pmd.client_enable = false;
    ws_.set_option(pmd);
    ws_.read_message_max(0);  // the stanza budget is enforced in read_message()
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::sec_websocket_protocol, "xmpp");  // RFC 7395 §3.1
      res.set(http::field::server, "xmppd");
    }));
    error_code ec;
    co_await ws_.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      end();
      co_return;
    }
    ws_.text(true);
    stream_.start();
    for (;;) {
      bool too_big = false;
      co_await read_message(ec, too_big);
      if (ec) break;  // closed, timed out, or a protocol error Beast answered with a close frame
      stream_.on_input();
      if (too_big) {
        // RFC 6120 §13.12 and bad-input.md row 24: a message over the stanza budget is a
        // policy violation, answered in XMPP before the WebSocket closes.
        buffer_.consume(buffer_.size());
        stream_.close_stream("policy-violation", "message larger than " + std::to_string(max_message_) + " bytes");
        break;
      }
      if (!ws_.got_text()) {
        // RFC 7395 §3.3.3: XMPP messages are UTF-8 text; binary data is not XML.
        buffer_.consume(buffer_.size());
        stream_.close_stream("unsupported-encoding", "binary WebSocket messages are not XMPP");
        break;
      }
      std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      std::optional<Element> element;
      std::string error_text;
      ParseError pe = parse_message(text, max_message_, element, error_text);
      buffer_.consume(buffer_.size());
      if (pe != ParseError::none) {
        stream_.close_stream(stream_error_name(pe), error_text);
        break;
      }
      if (element->ns() == kFraming && element->name() == "open") {
        // RFC 7395 §3.4/§3.5: <open/> starts the stream, and again only after SASL success.
        if (stream_.header_received()) stream_.close_stream("not-well-formed", "the stream is already open");
        else stream_.on_open(*element, std::string(ns::kClient));
      } else if (element->ns() == kFraming && element->name() == "close") {
        peer_closed_ = true;
        stream_.on_peer_close();  // RFC 7395 §3.6: answered with <close/>
      } else if (!stream_.header_received()) {
        // RFC 7395 §3.4: the stream starts with <open/>.
        stream_.close_stream("not-well-formed", "expected <open/>");
      } else {
        co_await stream_.handle(std::move(*element));
      }
      if (stream_.closing()) break;
      if (buffer_.capacity() > 16384) buffer_.shrink_to_fit();
    }
    // A closing stream: let the queued messages and the close handshake finish, bounded by the
    // engine's grace timer.
    while (stream_.closing() && !closed_ && (writing_ || !out_.empty() || !ws_closed_)) {
      asio::steady_timer wait(params_.core.io(), std::chrono::milliseconds(10));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (++waited_ > 500) break;
    }
    abort();
    end();
  }

  // Reads one message into buffer_, at most max_message_ bytes of it: past that `too_big` is
  // set and the rest is left unread. Beast's own read_message_max is off (0) because Beast
  // answers an oversized frame with a bare 1009 close before we could say why; this loop
  // enforces the same stanza budget and keeps memory at the budget plus one chunk.
  Task<void> read_message(error_code& ec, bool& too_big) {
    for (;;) {
      std::size_t room = max_message_ + 1 - std::min(buffer_.size(), max_message_);
      co_await ws_.async_read_some(buffer_, std::min<std::size_t>(room, 16384),
                                   asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (buffer_.size() > max_message_) {
        too_big = true;
        co_return;
      }
      if (ws_.is_message_done()) co_return;
    }
  }

  void end() {
    if (ended_) return;
    ended_ = true;
    stream_.finish();
    params_.limiter.closed();
  }

  void queue(std::string message) {
    if (closed_ || ws_closed_) return;
    out_.push_back(std::move(message));
    flush();
  }

  void flush() {
    if (writing_ || closed_) return;
    if (out_.empty() && !(closing_ && !ws_closed_)) return;
    writing_ = true;
    asio::co_spawn(params_.core.io(), flush_loop(), [self = this->shared_from_this()](std::exception_ptr e) {
      if (e) self->abort();
    });
  }

  Task<void> flush_loop() {
    auto self = this->shared_from_this();
    // One message per element (RFC 7395 §3.3.3): Beast writes each as its own frame. Queued
    // messages of one turn of the event loop go out back to back.
    co_await asio::post(params_.core.io(), asio::use_awaitable);
    error_code ec;
    while (!out_.empty() && !closed_) {
      std::string message = std::move(out_.front());
      out_.pop_front();
      co_await ws_.async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    if (!ec && closing_ && !closed_ && !ws_closed_) {
      ws_closed_ = true;
      co_await ws_.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
    }
    writing_ = false;
    if (ec) abort();
  }

  websocket::stream<Stream> ws_;
  WebSocketParams params_;
  ClientStream stream_;
  beast::flat_buffer buffer_;
  std::size_t max_message_;
  std::deque<std::string> out_;
  bool writing_ = false, closing_ = false, closed_ = false, ws_closed_ = false, peer_closed_ = false;
  bool ended_ = false;
  int waited_ = 0;
};

template <class Stream>
void start(Stream stream, HttpRequestMessage request, WebSocketParams params) {
  // Beast's WebSocket timeouts replace the HTTP request timer (Beast documentation: the
  // tcp_stream's own expiry must be off).
  beast::get_lowest_layer(stream).expires_never();
  auto c = std::make_shared<WebSocketConnection<Stream>>(std::move(stream), std::move(params));
  c->start(std::move(request));
}

}  // namespace

void run_websocket(PlainStream stream, HttpRequestMessage request, WebSocketParams params) {
  start(std::move(stream), std::move(request), std::move(params));
}
void run_websocket(TlsStream stream, HttpRequestMessage request, WebSocketParams params) {
  start(std::move(stream), std::move(request), std::move(params));
}

}  // namespace xmppd
