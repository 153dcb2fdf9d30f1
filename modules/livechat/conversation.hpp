// The livechat conversation and offer state machines (issue 6), plain C++ with the time given
// by the caller, so the rules are unit-tested without a server.
//
// A conversation is created `queued` when a visitor joins a queue. Routing makes an offer to
// one consultant: `offered`. The offer is accepted (the consultant joins the room, or replies
// !accept): `active`; it is declined or expires: back to `queued`, at its old place (the queue
// is ordered by conversation id, which is time-ordered), and routing offers it to the next
// consultant. A visitor may leave, and a consultant closes: `closed`, final. A consultant of the
// queue may pick a waiting conversation (`queued` or `offered` -> `active`; a pending offer to
// someone else is withdrawn). A transfer to a queue (`transferred`) and the end of a
// disconnected consultant's grace period (`returned`) put an active conversation back to
// `queued`, at the head of its queue (handoff_rules.hpp); a transfer to a consultant is an offer
// while the conversation stays `active` with its consultant until the offer is accepted.
//
// An offer is `pending` until accepted, declined, expired (its deadline passed; an accept at or
// after the deadline is refused) or withdrawn (the conversation closed or went elsewhere).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xmppd::livechat {

enum class ConversationState { queued, offered, active, closed };
enum class ConversationEvent { offer_made, offer_lost, accepted, closed, picked, transferred, returned };
enum class OfferState { pending, accepted, declined, expired, withdrawn };

const char* to_string(ConversationState s);
const char* to_string(ConversationEvent e);
const char* to_string(OfferState s);
std::optional<ConversationState> conversation_state_from(std::string_view s);
std::optional<OfferState> offer_state_from(std::string_view s);

struct Conversation {
  std::string id;  // time-ordered; the room is c-<id>
  std::string queue;
  std::string channel = "web";
  std::string client;      // the client record; today the token hash
  std::string token_hash;  // SHA-256 of the visitor's token, hex
  ConversationState state = ConversationState::queued;
  std::string topic, visitor_name, visitor_nick, notice_version;
  // The bare JID of the one who answered; while `queued` again after a transfer to a queue or a
  // disconnect, the previous consultant (which puts the conversation at the head of the queue).
  std::string consultant;
  std::int64_t created_us = 0, offered_us = 0, answered_us = 0, closed_us = 0;
};

struct Offer {
  std::string id, conversation, consultant;
  OfferState state = OfferState::pending;
  std::int64_t offered_us = 0, expires_us = 0, decided_us = 0;
};

// Applies `event` at `now_us`; false (and nothing changed) when the state does not allow it.
bool apply(Conversation& c, ConversationEvent event, std::int64_t now_us);

// The outcome of a consultant's answer to an offer.
enum class OfferAnswer { accepted, declined, late, not_pending };
// Accept or decline at `now_us`. An accept at or after the deadline expires the offer (late).
OfferAnswer answer(Offer& o, bool accept, std::int64_t now_us);
// Expires a pending offer whose deadline has passed; false otherwise.
bool expire(Offer& o, std::int64_t now_us);
// Withdraws a pending offer (the conversation closed or was taken); false otherwise.
bool withdraw(Offer& o, std::int64_t now_us);

}  // namespace xmppd::livechat
