// Presence subscriptions (RFC 6121 §3): a subscription stanza a user sends (outbound) and one
// sent to a local user (inbound), applied to the stored roster item with the state machine of
// Appendix A (modules/roster/subscription_machine.hpp), with the roster pushes and the presence
// that follow an approval or a cancellation.
#pragma once
#include "../roster/subscription_machine.hpp"
#include "presence_state.hpp"
#include "xmppd/awaitable.hpp"
#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"

namespace xmppd::presence {

// `user`: the sender's full JID; `contact`: bare. `stanza` keeps the client's payload (a
// <status/>, a XEP-0172 nick) for the contact; it is sent stamped with the bare JIDs (§3.1.2).
Task<void> outbound_subscription(Env env, Jid user, Jid contact, roster::SubStanza type, Element stanza);

// `account`: the local user (bare) it is for; `contact`: the sender (bare).
Task<void> inbound_subscription(Env env, Jid account, Jid contact, roster::SubStanza type, Element stanza);

}  // namespace xmppd::presence
