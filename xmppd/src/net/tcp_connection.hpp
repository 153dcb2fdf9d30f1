// The TCP transport of a client stream: plain with STARTTLS (RFC 6120 §5) or direct TLS
// (XEP-0368), the byte stream parsed with its stream header (RFC 6120 §4). The stream itself
// (SASL, binding, XEP-0198, stanza checks) is the engine in client_stream.hpp.
//
// One reader coroutine reads into a buffer shared by all connections, feeds the parser and
// hands each element to the engine in order; a quiet bound connection parks its parser
// (no per-connection parse state while idle). Writes are queued and flushed as one coalesced
// write per turn of the event loop.
#pragma once
#include <memory>
#include <string>

#include "compact_queue.hpp"
#include "config.hpp"
#include "net/client_stream.hpp"
#include "net/stream_transport.hpp"
#include "net/tls_socket.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/asio.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;

class TcpConnection final : public StreamTransport, public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(Core& core, asio::ip::tcp::socket socket, const ListenerConfig& listener, asio::ssl::context* tls,
                ConnectionLimiter& limiter, asio::thread_pool& cpu);
  ~TcpConnection() override;

  void start();

  // StreamTransport
  std::string_view name() const override { return "tcp"; }
  void send_open(std::string_view from, std::string_view id) override;
  void send_features(std::string children) override;
  void send_element(std::string xml) override;
  void send_close(std::string error_children) override;
  void abort() override { shutdown(); }
  bool writable() const override { return !tls_ || tls_->established(); }
  std::size_t queued_bytes() const override { return out_.size() + inflight_.size(); }
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }
  bool secure() const override { return tls_ != nullptr; }
  SSL* tls_handle() const override { return tls_ ? tls_->native_handle() : nullptr; }
  bool tls_required() const override { return listener_.tls == "required"; }
  bool starttls_available() const override { return tls_ctx_ && !tls_ && listener_.tls != "none"; }
  void begin_starttls() override { tls_requested_ = true; }
  void restart(std::size_t max_stanza_bytes) override;
  bool idle() override;

 private:
  Task<void> run();
  // Reads what is available into the shared buffer, waiting for readiness first when needed.
  Task<std::size_t> read_some(error_code& ec);
  void queue(std::string_view data);
  Task<void> flush_loop();
  void flush();
  void shutdown();

  Core& core_;
  asio::ip::tcp::socket socket_;
  std::unique_ptr<TlsSocket> tls_;
  const ListenerConfig& listener_;
  asio::ssl::context* tls_ctx_;
  ConnectionLimiter& limiter_;
  ClientStream stream_;

  StreamParser parser_;
  CompactQueue<Element> inbox_;
  bool tls_requested_ = false;  // <proceed/> sent: the handshake runs after the flush
  bool closing_ = false;        // the end of the stream is queued: close after the flush

  std::string out_, inflight_;
  bool writing_ = false, closed_ = false;
};

}  // namespace xmppd
