// The conversation and offer state machines (see conversation.hpp).
#include "conversation.hpp"

namespace xmppd::livechat {

const char* to_string(ConversationState s) {
  constexpr const char* names[] = {"queued", "offered", "active", "closed"};
  return names[static_cast<int>(s)];
}
const char* to_string(ConversationEvent e) {
  constexpr const char* names[] = {"offered", "offer_lost", "accepted", "closed", "picked", "transferred", "returned"};
  return names[static_cast<int>(e)];
}
const char* to_string(OfferState s) {
  constexpr const char* names[] = {"pending", "accepted", "declined", "expired", "withdrawn"};
  return names[static_cast<int>(s)];
}
std::optional<ConversationState> conversation_state_from(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(ConversationState::closed); ++i)
    if (s == to_string(static_cast<ConversationState>(i))) return static_cast<ConversationState>(i);
  return std::nullopt;
}
std::optional<OfferState> offer_state_from(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(OfferState::withdrawn); ++i)
    if (s == to_string(static_cast<OfferState>(i))) return static_cast<OfferState>(i);
  return std::nullopt;
}

bool apply(Conversation& c, ConversationEvent event, std::int64_t now_us) {
  using S = ConversationState;
  switch (event) {
    case ConversationEvent::offer_made:
      if (c.state != S::queued) return false;
      c.state = S::offered;
      c.offered_us = now_us;
      return true;
    case ConversationEvent::offer_lost:
      if (c.state != S::offered) return false;
      c.state = S::queued;
      return true;
    case ConversationEvent::accepted:
      if (c.state != S::offered) return false;
      c.state = S::active;
      c.answered_us = now_us;
      return true;
    case ConversationEvent::picked:
      if (c.state != S::queued && c.state != S::offered) return false;
      c.state = S::active;
      c.answered_us = now_us;
      return true;
    case ConversationEvent::transferred:
    case ConversationEvent::returned:
      if (c.state != S::active) return false;
      c.state = S::queued;
      return true;
    case ConversationEvent::closed:
      if (c.state == S::closed) return false;
      c.state = S::closed;
      c.closed_us = now_us;
      return true;
  }
  return false;
}

OfferAnswer answer(Offer& o, bool accept, std::int64_t now_us) {
  if (o.state != OfferState::pending) return OfferAnswer::not_pending;
  if (accept && now_us >= o.expires_us) {
    o.state = OfferState::expired;
    o.decided_us = now_us;
    return OfferAnswer::late;
  }
  o.state = accept ? OfferState::accepted : OfferState::declined;
  o.decided_us = now_us;
  return accept ? OfferAnswer::accepted : OfferAnswer::declined;
}

bool expire(Offer& o, std::int64_t now_us) {
  if (o.state != OfferState::pending || now_us < o.expires_us) return false;
  o.state = OfferState::expired;
  o.decided_us = now_us;
  return true;
}

bool withdraw(Offer& o, std::int64_t now_us) {
  if (o.state != OfferState::pending) return false;
  o.state = OfferState::withdrawn;
  o.decided_us = now_us;
  return true;
}

}  // namespace xmppd::livechat
