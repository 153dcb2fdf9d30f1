// A client-to-server connection over TCP: STARTTLS or direct TLS (RFC 6120 §5, XEP-0368), SASL
// (RFC 6120 §6), resource binding (§7), stream management (XEP-0198) and the checks every
// stanza passes before it reaches the router (§8, §11).
//
// States: header → (starttls → header) → sasl → header → bind → bound; any state → closing.
// One reader coroutine reads, feeds the parser and handles each element in order (awaiting
// SASL lookups and the rate limiter, so input is naturally back-pressured); writes are queued
// and flushed as one coalesced write per turn of the event loop.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "compact_queue.hpp"
#include "config.hpp"
#include "net/client_session.hpp"
#include "net/tls_socket.hpp"
#include "sasl/scram.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/asio.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;

class C2sConnection final : public Link, public std::enable_shared_from_this<C2sConnection> {
 public:
  C2sConnection(Core& core, asio::ip::tcp::socket socket, const ListenerConfig& listener,
                asio::ssl::context* tls, ConnectionLimiter& limiter, asio::thread_pool& cpu);
  ~C2sConnection() override;

  void start();

  // Link
  void write(std::string data) override;
  void close_stream(std::string_view condition, std::string_view text) override;
  std::string_view transport() const override { return "tcp"; }
  std::size_t queued_bytes() const override { return out_.size() + inflight_.size(); }

 private:
  enum class State { header, sasl, bind, bound, closing };

  Task<void> run();
  // Reads what is available into the shared buffer, waiting for readiness first when needed.
  Task<std::size_t> read_some(error_code& ec);
  Task<void> flush_loop();
  void flush();
  void shutdown();
  // Keepalive and parking ticks; the first `fast_ticks` come every second until the parser parks.
  void arm_idle_timer(int fast_ticks = 0);
  // Parks the parser and frees the buffers a quiet connection does not need; false if busy.
  bool park();
  static constexpr int kFastIdleTicks = 5;

  void on_stream_open(const Element& header, const std::string& content_ns);
  void send_header();
  void send_features();
  Task<void> handle(Element element);
  void handle_starttls(const Element& e);
  Task<void> handle_sasl(const Element& e);
  Task<void> sasl_scram_step(const std::string& message, bool first);
  Task<void> sasl_plain(const std::string& message);
  void sasl_anonymous();
  void sasl_failure(sasl::Failure f);
  void sasl_success(std::string additional, std::string username);
  void handle_bind(const Element& iq);
  void handle_sm(const Element& e);
  Task<void> handle_stanza(Element stanza);
  bool secure() const { return tls_ != nullptr; }
  std::vector<std::string> offered_mechanisms() const;

  Core& core_;
  asio::ip::tcp::socket socket_;
  std::unique_ptr<TlsSocket> tls_;
  const ListenerConfig& listener_;
  asio::ssl::context* tls_ctx_;
  ConnectionLimiter& limiter_;
  asio::thread_pool& cpu_;
  std::string peer_ip_;  // for limits only; never logged, never stored

  StreamParser parser_;
  CompactQueue<Element> inbox_;
  State state_ = State::header;
  bool header_received_ = false, header_sent_ = false;
  bool restart_pending_ = false;   // a new stream header is expected (after TLS or SASL)
  bool tls_requested_ = false;     // <proceed/> sent: the handshake runs after the flush
  std::string host_name_, stream_id_;
  bool anonymous_host_ = false;
  std::string authenticated_user_;
  bool authenticated_ = false;
  int sasl_attempts_ = 0;
  std::string sasl_mechanism_;
  std::unique_ptr<sasl::ScramServer> scram_;
  std::shared_ptr<ClientSession> session_;
  std::uint64_t id_;

  std::string out_, inflight_;
  bool writing_ = false, closed_ = false;
  bool end_written_ = false;  // </stream:stream> is queued: nothing more may follow
  std::string close_condition_;
  asio::steady_timer auth_timer_, idle_timer_;
  std::chrono::steady_clock::time_point last_read_;
  bool ping_outstanding_ = false;
  double tokens_;  // stanza rate limit (token bucket)
  std::chrono::steady_clock::time_point tokens_at_;
};

}  // namespace xmppd
