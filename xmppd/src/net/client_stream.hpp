// The transport-independent client stream engine (RFC 6120 §4-§8, §11): stream opens and closes,
// features, SASL (§6), resource binding (§7), stream management (XEP-0198), the per-session rate
// limit and the checks every stanza passes before it reaches the router. The same engine runs
// behind every transport (stream_transport.hpp: TCP, WebSocket, BOSH), so a session is
// the same session to every module whatever carried it.
//
// States: header → sasl → header → bind → bound; any state → closing. (STARTTLS, where the
// transport offers it, is a step before sasl.) The transport feeds elements one at a time
// through handle(), awaiting each (SASL lookups and the rate limiter back-pressure its input);
// it calls finish() exactly once when it is gone.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "config.hpp"
#include "net/client_session.hpp"
#include "net/stream_transport.hpp"
#include "sasl/scram.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/element.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;

class ClientStream final : public Link {
 public:
  // The stream holds one pre-authentication place for `peer_ip` in `limiter` (taken by whoever
  // accepted the client) and gives it back when bound or finished.
  ClientStream(Core& core, StreamTransport& transport, ConnectionLimiter& limiter, asio::thread_pool& cpu,
               std::string peer_ip, bool channel_binding);
  ~ClientStream() override;

  // Arms the authentication deadline (RFC 6120 §4.9.3.4).
  void start();
  // The client opened a stream: a stream header, or <open/> (RFC 7395 §3.4). `content_ns` is
  // the default namespace of the stream (jabber:client).
  void on_open(const Element& header, const std::string& content_ns);
  // One complete top-level element of the client's stream.
  Task<void> handle(Element element);
  // The client closed its stream (</stream:stream>, <close/>): close ours too (RFC 6120 §4.4).
  void on_peer_close();
  // Input arrived (for the keepalive: XEP-0199 pings only quiet clients).
  void on_input();
  // The transport expects a new stream header (after a TLS handshake, RFC 6120 §5.4.3.3).
  // A new stream follows (after STARTTLS): the client's header is awaited, and whatever we
  // send next opens our new stream first (RFC 6120 §4.3.3, §4.9.1.3).
  void expect_restart() {
    header_received_ = false;
    header_sent_ = false;
  }
  // The transport is gone (closed, error or timeout). Idempotent.
  void finish();

  bool closing() const { return state_ == State::closing; }
  bool bound() const { return state_ == State::bound; }
  bool header_received() const { return header_received_; }
  std::uint64_t id() const { return id_; }

  // Link
  void write(std::string data) override;
  void close_stream(std::string_view condition, std::string_view text) override;
  std::string_view transport() const override { return transport_.name(); }
  std::size_t queued_bytes() const override { return transport_.queued_bytes(); }

 private:
  enum class State { header, sasl, bind, bound, closing };

  void send_header();
  // close_stream() with an application-specific condition element after the defined one.
  void end_stream(std::string_view condition, std::string_view text, std::string_view extra);
  // XEP-0198 §6: <handled-count-too-high/> for an h beyond what `of` (default: ours) sent.
  std::string handled_count_too_high(std::uint32_t h, const ClientSession* of = nullptr) const;
  void send_features();
  void handle_starttls(const Element& e);
  Task<void> handle_sasl(const Element& e);
  Task<void> sasl_scram_step(const std::string& message, bool first);
  Task<void> sasl_plain(const std::string& message);
  void sasl_anonymous();
  void sasl_failure(sasl::Failure f);
  bool locked_out(const std::string& local) const;
  void login_failed(const std::string& local);
  void sasl_success(std::string additional, std::string username);
  void handle_bind(const Element& iq);
  void handle_sm(const Element& e);
  Task<void> handle_stanza(Element stanza);
  // Keepalive and parking ticks; the first `fast_ticks` come every second until the transport parks.
  void arm_idle_timer(int fast_ticks = 0);
  static constexpr int kFastIdleTicks = 5;
  void release_preauth();
  bool secure() const { return transport_.secure(); }
  std::vector<std::string> offered_mechanisms() const;

  Core& core_;
  StreamTransport& transport_;
  ConnectionLimiter& limiter_;
  asio::thread_pool& cpu_;
  std::string peer_ip_;  // for limits only; never logged, never stored
  bool channel_binding_;

  State state_ = State::header;
  bool header_received_ = false, header_sent_ = false;
  bool preauth_held_ = true;
  bool finished_ = false;
  std::string host_name_, stream_id_;
  bool anonymous_host_ = false;
  std::string authenticated_user_;
  bool authenticated_ = false;
  int sasl_attempts_ = 0;
  std::string sasl_mechanism_;
  std::unique_ptr<sasl::ScramServer> scram_;
  std::shared_ptr<ClientSession> session_;
  std::uint64_t id_;

  bool end_written_ = false;  // the end of the stream is queued: nothing more may follow
  std::string close_condition_;
  asio::steady_timer auth_timer_, idle_timer_;
  std::chrono::steady_clock::time_point last_read_;
  bool ping_outstanding_ = false;
  double tokens_;  // stanza rate limit (token bucket)
  std::chrono::steady_clock::time_point tokens_at_;
};

}  // namespace xmppd
