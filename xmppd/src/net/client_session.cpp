// Client sessions and XEP-0198 stream management state (see client_session.hpp).
#include "net/client_session.hpp"

#include "core.hpp"
#include "net/sm_registry.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd {

ClientSession::ClientSession(Core& core, Jid jid, bool anonymous, std::uint64_t id)
    : core_(core), jid_(std::move(jid)), anonymous_(anonymous), id_(id) {}

ClientSession::~ClientSession() = default;

void ClientSession::attach(Link* link) {
  link_ = link;
  if (link_ && resume_timer_) resume_timer_->cancel();
}

std::string_view ClientSession::transport() const { return link_ ? link_->transport() : "detached"; }

void ClientSession::send(const Element& stanza) {
  if (ended_) return;
  ++core_.counters().stanzas_out;
  std::string xml = stanza.to_string(ns::kClient);
  if (sm_.enabled) {
    ++sm_.sent_out;
    sm_.unacked.push_back(xml);
    if (int(sm_.unacked.size()) > core_.config().limits.smacks_max_unacked && !link_) {
      // XEP-0198 §5: a detached session cannot queue without bound.
      end("resource-constraint");
      return;
    }
  }
  if (link_) {
    link_->write(std::move(xml));
    if (sm_.enabled) maybe_request_ack();
  }
}

void ClientSession::maybe_request_ack() {
  // Ask once a few stanzas are outstanding, not after each one.
  if (sm_.sent_out - sm_.acked_out == 5 || (sm_.sent_out - sm_.acked_out) % 32 == 0)
    link_->write("<r xmlns='urn:xmpp:sm:3'/>");
}

bool ClientSession::acknowledge(std::uint32_t h) {
  std::uint32_t newly = h - sm_.acked_out;  // mod 2^32 (XEP-0198 §4)
  if (newly > sm_.unacked.size()) return false;
  for (std::uint32_t i = 0; i < newly; ++i) sm_.unacked.pop_front();
  sm_.acked_out = h;
  return true;
}

std::shared_ptr<void> ClientSession::defer_ack() {
  if (!sm_.enabled) return nullptr;
  ++ack_holds_;
  std::weak_ptr<ClientSession> weak = weak_from_this();
  return std::shared_ptr<void>(nullptr, [weak](void*) {
    if (auto self = weak.lock()) {
      if (--self->ack_holds_ == 0 && self->ack_wanted_) self->answer_ack_request();
    }
  });
}

void ClientSession::answer_ack_request() {
  if (ack_holds_ > 0) {
    ack_wanted_ = true;  // XEP-0198 §4 + durability: answered when the writes are committed
    return;
  }
  ack_wanted_ = false;
  if (link_) link_->write("<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(sm_.handled_in) + "'/>");
}

void ClientSession::resend_unacked() {
  if (!link_) return;
  // XEP-0198 §5: the unacknowledged stanzas go out again, in order, after <resumed/>.
  for (const auto& xml : sm_.unacked) link_->write(xml);
}

void ClientSession::close(std::string_view condition, std::string_view text) {
  if (link_) {
    link_->close_stream(condition, text);  // the link reports back through link_lost()
  } else {
    end(std::string(condition));
  }
}

void ClientSession::link_lost(const std::string& condition) {
  link_ = nullptr;
  if (ended_) return;
  if (sm_.enabled && sm_.resumable && condition.empty()) {
    // Keep the session for the resumption window (XEP-0198 §5); presence stays as it was.
    resume_timer_ = std::make_unique<asio::steady_timer>(core_.io());
    resume_timer_->expires_after(core_.config().limits.smacks_resume_timeout);
    resume_timer_->async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && !self->link_) self->end("");
    });
    log::debug("c2s", "session ", id_, " detached, resumable");
    return;
  }
  end(condition);
}

void ClientSession::end(const std::string& condition) {
  if (ended_) return;
  ended_ = true;
  if (resume_timer_) resume_timer_->cancel();
  if (sm_.resumable) SmRegistry::instance().remove(sm_.resume_id);
  auto keep = shared_from_this();
  // XEP-0198 §5: stanzas never acknowledged are handled as undeliverable: messages go back
  // through the router (to offline storage, or bounced), the rest is dropped.
  CompactQueue<std::string> lost;
  lost.swap(sm_.unacked);
  core_.unbind(*this, condition);
  link_ = nullptr;
  for (const auto& xml : lost) core_.redeliver_unacked(xml, jid_);
}

}  // namespace xmppd
