// XMPP over BOSH (XEP-0124 1.11, XEP-0206): one BOSH session as the transport of a client
// stream. The stream itself (SASL, binding, limits) is the engine in net/client_stream.hpp, as
// on TCP and WebSocket; XEP-0198 is not offered (XEP-0124's request ids already acknowledge).
//
// A session is a series of HTTP requests, each a <body/> wrapper with a request id (rid):
//   pending  - arrived, waiting for the requests with lower rids (§14.2: payloads go to the
//              engine in rid order);
//   held     - its payloads handed to the engine; waiting for something to answer with, at most
//              'wait' seconds, at most 'hold' of them (the oldest is answered when one more comes);
//   answered - its response written and kept for a replay of the same rid (§14.3), a few deep.
// The engine writes into a queue; the oldest held request takes what is queued. When the engine
// ends the stream, the response after the last queued payload says type='terminate' (XEP-0206
// §7: a stream error as condition='remote-stream-error'). A request that breaks the rules ends
// the session with a terminal binding condition (§17.2): item-not-found (rid outside the window,
// a replay no longer kept), policy-violation (more than 'requests' at once, polling too fast, a
// body over the stanza budget), bad-request (a body that is not a valid <body/>). With no request
// held for 'inactivity' seconds the session ends silently (§10).
//
// BoshService (bosh_service.hpp) creates sessions and finds them by sid for each HTTP request.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/client_stream.hpp"
#include "net/stream_transport.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/element.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;
struct BoshSettings;

namespace bosh {
inline constexpr std::string_view kHttpBindNs = "http://jabber.org/protocol/httpbind";  // XEP-0124 §6
inline constexpr std::string_view kXboshNs = "urn:xmpp:xbosh";                          // XEP-0206 §3
// The <body/> wrapper's own bytes allowed beyond the stanza budget of the stream's phase.
inline constexpr std::size_t kWrapperAllowance = 1024;

// <body type='terminate' condition='…'/> (XEP-0124 §17.2); no condition: a clean end (§13).
std::string terminate_body(std::string_view condition);
}  // namespace bosh

class BoshSession final : public StreamTransport, public std::enable_shared_from_this<BoshSession> {
 public:
  struct Params {
    Core& core;
    ConnectionLimiter& limiter;  // one connection place and one pre-auth place, taken by the creator
    asio::thread_pool& cpu;
    const BoshSettings& settings;
    std::string client_ip;  // for limits only; never logged
    bool secure;            // created over TLS here or at a trusted proxy, or from loopback
    std::function<void()> on_end;  // forgets the session's sid (called once)
  };
  explicit BoshSession(Params p);
  ~BoshSession() override;

  // The session creation request (XEP-0124 §7.1, XEP-0206 §3): the creation response with the
  // stream features, or a terminate body.
  std::string create(const Element& body, const std::string& sid);
  // A later request of this session (XEP-0124 §8-§14): its response once it is due.
  Task<std::string> request(Element body, std::size_t body_bytes);
  // Ends the session quietly (server shutdown).
  void shutdown() { end_session(""); }

  // StreamTransport
  std::string_view name() const override { return "bosh"; }
  void send_open(std::string_view from, std::string_view id) override;
  void send_features(std::string children) override;
  void send_element(std::string xml) override;
  void send_close(std::string error_children) override;
  void abort() override;
  std::size_t queued_bytes() const override { return out_bytes_; }
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }
  bool secure() const override { return params_.secure; }
  // Requests come over many HTTP connections: nothing to bind a SCRAM exchange to.
  SSL* tls_handle() const override { return nullptr; }
  bool stream_management() const override { return false; }
  void restart(std::size_t max_stanza_bytes) override { budget_ = max_stanza_bytes; }

 private:
  struct Request {
    explicit Request(asio::io_context& io) : wake(io) {}
    std::uint64_t rid = 0;
    Element body;                  // until its payloads go to the engine
    bool processed = false;        // pending → held
    std::chrono::steady_clock::time_point deadline;  // held: 'wait'; pending: its predecessor's last chance
    asio::steady_timer wake;       // cancelled when the request is answered or its deadline changes
    std::optional<std::string> response;
  };
  struct Terminal {
    std::string condition;  // empty: a clean end
    std::string children;   // <stream:error/> for remote-stream-error
  };

  std::string fail(std::string_view condition);
  void end_session(std::string_view condition);
  Task<std::string> await_answer(std::shared_ptr<Request> r);
  Task<std::string> replace(std::shared_ptr<Request> old, Element body);
  void pump();
  Task<void> run_pump();
  Task<void> process(Element body);
  void open_stream(std::string_view to);
  void flush();
  void schedule_flush();
  void answer(Request& r, bool payloads, bool terminal_allowed);
  void answer_through(std::uint64_t rid);
  std::string take_payloads();
  void arm_inactivity();
  std::size_t held_count() const;

  Params params_;
  ClientStream stream_;
  std::string host_, stream_id_, version_;
  // Negotiated at creation (XEP-0124 §7.2).
  std::chrono::seconds wait_{0}, inactivity_{0}, pause_{0};
  int hold_ = 1;
  std::size_t requests_ = 2;
  bool acks_ = false;  // the client asked for 'ack' attributes (§9.1)
  std::size_t budget_;  // the stanza budget of the stream's phase (a body may be this plus the wrapper)

  std::uint64_t next_rid_ = 0;  // the rid whose payloads go to the engine next
  std::map<std::uint64_t, std::shared_ptr<Request>> inflight_;  // pending and held, by rid
  std::deque<std::pair<std::uint64_t, std::string>> answered_;  // §14.3: recent responses
  std::deque<std::string> out_;
  std::size_t out_bytes_ = 0;
  std::optional<Terminal> terminal_;
  bool pumping_ = false, flush_posted_ = false, ended_ = false;
  asio::steady_timer inactivity_timer_;

  // Overactivity (§11, §12).
  std::chrono::steady_clock::time_point last_arrival_{};
  bool last_was_empty_ = false, last_answer_had_payloads_ = true;
  int quick_empty_polls_ = 0;
};

}  // namespace xmppd
