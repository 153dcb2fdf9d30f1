// A bound client session (RFC 6120 §7) with XEP-0198 stream management state. It outlives its
// connection while it may be resumed: the connection (TCP, WebSocket or BOSH) is a
// Link the session writes through, and a resumed stream attaches a new Link to the old session.
//
// States: attached (link set) → detached (link lost, SM enabled with resumption: stanzas
// queue, a timer runs) → attached again on <resume/>, or ended when the timer fires. Without
// resumption, losing the link ends the session at once.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "compact_queue.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/session.hpp"

namespace xmppd {

class Core;

// What a session writes through: one transport connection.
class Link {
 public:
  virtual ~Link() = default;
  virtual void write(std::string data) = 0;
  // Writes the stream error (empty: a clean close) and closes after flushing.
  virtual void close_stream(std::string_view condition, std::string_view text) = 0;
  virtual std::string_view transport() const = 0;
  // The serialisation namespace of the link's stream (jabber:client).
  virtual std::size_t queued_bytes() const = 0;
};

class ClientSession final : public Session, public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Core& core, Jid jid, bool anonymous, std::uint64_t id);
  ~ClientSession() override;

  // Session
  const Jid& jid() const override { return jid_; }
  void send(const Element& stanza) override;
  void close(std::string_view condition, std::string_view text = {}) override;
  bool anonymous() const override { return anonymous_; }
  std::string_view transport() const override;
  std::uint64_t id() const override { return id_; }
  std::shared_ptr<void> defer_ack() override;

  // Attaches a link; on resumption (XEP-0198 §5) this also stops the resumption timer.
  void attach(Link* link);
  Link* link() const { return link_; }
  // The link is gone (error or close). Keeps the session for resumption when SM allows it.
  void link_lost(const std::string& condition);
  // Ends the session: unbinds it and lets it go. Idempotent.
  void end(const std::string& condition);
  bool ended() const { return ended_; }

  // XEP-0198
  struct StreamManagement {
    bool enabled = false;
    bool resumable = false;
    std::string resume_id;
    std::uint32_t handled_in = 0;   // stanzas received from the client
    std::uint32_t sent_out = 0;     // stanzas sent to the client
    std::uint32_t acked_out = 0;    // last h the client acknowledged
    CompactQueue<std::string> unacked;  // serialised stanzas not yet acknowledged
  };
  StreamManagement& sm() { return sm_; }
  const StreamManagement& sm() const { return sm_; }
  // Whether <a h='…'/> (or <resume h='…'/>) acknowledges no more than was sent (XEP-0198 §4).
  bool acknowledgeable(std::uint32_t h) const { return std::uint32_t(h - sm_.acked_out) <= sm_.unacked.size(); }
  // Handles <a h='…'/> from the client (XEP-0198 §4); false when h is impossible.
  bool acknowledge(std::uint32_t h);
  // Re-sends what the client has not acknowledged (after resumption, XEP-0198 §5).
  void resend_unacked();
  // Requests an ack from the client when enough is outstanding.
  void maybe_request_ack();
  // The client sent <r/>: answer with <a h/>, once no stored stanza is still being written.
  void answer_ack_request();

 private:
  Core& core_;
  Jid jid_;
  bool anonymous_;
  std::uint64_t id_;
  Link* link_ = nullptr;
  bool ended_ = false;
  StreamManagement sm_;
  std::unique_ptr<asio::steady_timer> resume_timer_;
  int ack_holds_ = 0;
  bool ack_wanted_ = false;
};

}  // namespace xmppd
