// The TCP transport of a client stream: STARTTLS and direct TLS, stream header framing, parser
// parking, coalesced writes (RFC 6120 §4-§5, XEP-0368). See tcp_connection.hpp.
#include "net/tcp_connection.hpp"

#include "core.hpp"
#include "memory_return.hpp"
#include "net/limiter.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd {

namespace {
std::string remote_ip(const asio::ip::tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

// Parked parsers free their memory into the allocator's free lists; giving whole free pages
// back to the system at most once a second turns that into a smaller RSS for idle servers.
void release_parked_memory() {
  static auto last = std::chrono::steady_clock::time_point();
  auto now = std::chrono::steady_clock::now();
  if (now - last < std::chrono::seconds(1)) return;
  last = now;
  return_free_memory();
}

// Every connection reads into this one buffer and hands the bytes to its parser before it
// awaits anything, so an idle connection holds no read buffer of its own (one I/O thread).
char g_read_buffer[16384];
}  // namespace

TcpConnection::TcpConnection(Core& core, asio::ip::tcp::socket socket, const ListenerConfig& listener,
                             asio::ssl::context* tls, ConnectionLimiter& limiter, asio::thread_pool& cpu)
    : core_(core),
      socket_(std::move(socket)),
      listener_(listener),
      tls_ctx_(tls),
      limiter_(limiter),
      stream_(core, *this, limiter, cpu, remote_ip(socket_), listener.channel_binding),
      parser_(ParserLimits{}, StreamParser::Callbacks{}) {
  error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);  // stanzas are small and latency-bound
  ParserLimits pre;
  pre.max_stanza_bytes = core.config().limits.preauth_stanza_bytes;
  parser_.set_limits(pre);
}

TcpConnection::~TcpConnection() = default;

void TcpConnection::start() {
  // The parser's callbacks capture `this`; the connection outlives the parser (a member).
  parser_.set_callbacks(StreamParser::Callbacks{
      [this](const Element& h, const std::string& ns) { stream_.on_open(h, ns); },
      [this](Element&& e) { inbox_.push_back(std::move(e)); },
      [this] { stream_.on_peer_close(); }});
  asio::co_spawn(core_.io(), run(), [self = shared_from_this()](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("c2s", "connection ", self->stream_.id(), " failed: ", ex.what());
    }
    self->shutdown();
    self->stream_.finish();
  });
}

Task<std::size_t> TcpConnection::read_some(error_code& ec) {
  for (;;) {
    std::size_t n = 0;
    bool would_block = false;
    if (tls_) {
      n = tls_->read_now(g_read_buffer, sizeof g_read_buffer, would_block, ec);
    } else {
      n = socket_.read_some(asio::buffer(g_read_buffer), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) would_block = true, ec.clear();
    }
    if (ec || n > 0) co_return n;
    if (!would_block) {
      ec = asio::error::eof;
      co_return 0;
    }
    if (tls_) {
      ec = co_await tls_->wait_readable();
    } else {
      co_await socket_.async_wait(asio::socket_base::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return 0;
  }
}

Task<void> TcpConnection::run() {
  auto self = shared_from_this();
  stream_.start();
  error_code ec;
  socket_.non_blocking(true, ec);
  if (listener_.type == "c2s_tls") {
    // XEP-0368: TLS from the first byte.
    tls_ = std::make_unique<TlsSocket>(socket_, tls_ctx_->native_handle());
    ec = co_await tls_->handshake();
    if (ec) {
      // A failed or abandoned handshake still gives back its places in the connection
      // budgets, or every such connection would hold one for good.
      shutdown();
      stream_.finish();
      limiter_.closed();
      co_return;
    }
  }

  auto last_read = std::chrono::steady_clock::now();
  for (;;) {
    std::size_t n = co_await read_some(ec);
    if (ec) break;
    auto now = std::chrono::steady_clock::now();
    // A connection that was quiet before this read is likely quiet after it: park its parser
    // once the read is handled (below). Busy connections keep theirs.
    bool was_quiet = now - last_read > std::chrono::seconds(1);
    last_read = now;
    stream_.on_input();
    ParseError pe = parser_.feed(g_read_buffer, n);
    while (!inbox_.empty() && !stream_.closing()) {
      Element e = std::move(inbox_.front());
      inbox_.pop_front();
      co_await stream_.handle(std::move(e));
      if (tls_requested_) break;
    }
    if (pe != ParseError::none && !stream_.closing())
      stream_.close_stream(stream_error_name(pe), parser_.error_text());
    if (was_quiet && stream_.bound()) idle();
    if (stream_.closing()) break;
    if (tls_requested_) {
      // RFC 6120 §5.4.3.3: bytes after <starttls/> are discarded (no plaintext injection).
      inbox_.clear();
      while (!closed_ && (writing_ || !out_.empty())) {
        asio::steady_timer wait(core_.io(), std::chrono::milliseconds(1));
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (closed_) break;
      // From here the socket is not writable in plaintext (writable() is false until the
      // handshake is done), so an auth deadline passing during the handshake cuts the
      // connection off instead of sending a stream error in the clear.
      tls_ = std::make_unique<TlsSocket>(socket_, tls_ctx_->native_handle());
      tls_requested_ = false;
      stream_.expect_restart();  // RFC 6120 §5.4.3.3: both sides open new streams over TLS
      ec = co_await tls_->handshake();
      if (ec) break;
      parser_.reset();
      flush();
    }
  }
  // A closing stream reads nothing more; the flush closes the socket. Wait for it, bounded, so
  // the session ends after its last stanza went out.
  if (stream_.closing()) {
    for (int i = 0; i < 500 && (writing_ || !out_.empty()) && socket_.is_open(); ++i) {
      asio::steady_timer wait(core_.io(), std::chrono::milliseconds(10));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  shutdown();
  stream_.finish();
  limiter_.closed();
}

void TcpConnection::restart(std::size_t max_stanza_bytes) {
  // RFC 6120 §6.4.6: the client restarts the stream; stanzas after auth get the full budget.
  inbox_.clear();
  parser_.reset();
  ParserLimits lim;
  lim.max_stanza_bytes = max_stanza_bytes;
  parser_.set_limits(lim);
}

bool TcpConnection::idle() {
  // The reader may be awaiting the rate limiter with elements still queued: not idle then.
  if (!inbox_.empty() || !parser_.park()) return false;
  inbox_.release();
  if (!writing_ && out_.empty()) {
    std::string().swap(out_);
    std::string().swap(inflight_);
  }
  release_parked_memory();
  return true;
}

void TcpConnection::send_open(std::string_view from, std::string_view id) {
  std::string h = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams' id='";
  h += id;
  h += "'";
  if (!from.empty()) {
    h += " from='";
    append_escaped(h, from, true);
    h += "'";
  }
  h += " version='1.0' xml:lang='en'>";
  queue(h);
}

void TcpConnection::send_features(std::string children) {
  queue("<stream:features>");
  queue(children);
  queue("</stream:features>");
}

void TcpConnection::send_element(std::string xml) { queue(xml); }

void TcpConnection::send_close(std::string error_children) {
  if (!error_children.empty()) {
    queue("<stream:error>");
    queue(error_children);
    queue("</stream:error>");
  }
  queue("</stream:stream>");
  closing_ = true;
  parser_.stop();
}

void TcpConnection::queue(std::string_view data) {
  if (closed_) return;
  out_ += data;
  flush();
}

void TcpConnection::flush() {
  if (writing_ || out_.empty() || closed_) return;
  writing_ = true;
  asio::co_spawn(core_.io(), flush_loop(), [self = shared_from_this()](std::exception_ptr e) {
    if (e) self->shutdown();
  });
}

Task<void> TcpConnection::flush_loop() {
  auto self = shared_from_this();
  // Coalesce: let everything queued in this turn of the event loop go out in one write.
  co_await asio::post(core_.io(), asio::use_awaitable);
  while (!out_.empty() && !closed_) {
    if (tls_ && !tls_->established()) break;  // the handshake owns the socket; it flushes after
    inflight_.swap(out_);
    out_.clear();
    error_code ec;
    if (tls_)
      ec = co_await tls_->write_all(inflight_.data(), inflight_.size());
    else
      co_await asio::async_write(socket_, asio::buffer(inflight_), asio::redirect_error(asio::use_awaitable, ec));
    inflight_.clear();
    if (inflight_.capacity() > 16384) std::string().swap(inflight_);
    if (ec) {
      writing_ = false;
      shutdown();
      co_return;
    }
  }
  writing_ = false;
  if (out_.capacity() > 16384 && out_.empty()) std::string().swap(out_);
  if (closing_ && out_.empty()) shutdown();
}

void TcpConnection::shutdown() {
  if (closed_) return;
  closed_ = true;
  if (tls_) tls_->shutdown();
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace xmppd
