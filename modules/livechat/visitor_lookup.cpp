// VisitorConversations (xmppd/visitor_conversation.hpp): which open conversation a visitor
// session is in, for the upload service's per-conversation quota (issue 4). visitors_ holds the
// session each open conversation currently belongs to (a rejoin by token moves it); a scan is
// fine here: slot requests are rare next to messages, and open conversations number hundreds.
#include "livechat_service.hpp"

namespace xmppd::livechat {

std::optional<VisitorConversation> Service::conversation_of(const Jid& visitor) const {
  for (const auto& [id, jid] : visitors_) {
    if (jid != visitor) continue;
    auto c = state_->conversation(id);
    if (!c || c->state == ConversationState::closed) return std::nullopt;
    return VisitorConversation{room_of(*c), c->client};
  }
  return std::nullopt;
}

}  // namespace xmppd::livechat
