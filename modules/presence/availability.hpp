// Availability (RFC 6121 §4): a user's presence broadcast to the contacts subscribed to it and
// to the user's own resources, probes and their answers, directed presence, unavailable
// presence on a clean or an abrupt end, and presence addressed to a local user's bare JID.
//
// A session becomes available with its first presence without 'to' (initial presence, §4.2)
// and stops being available with unavailable presence (§4.5) or when it ends. The synchronous
// part (Session::available, priority, last_presence; the user's own resources) happens in the
// hook, so message delivery sees the new state at once; what needs the roster runs in a
// coroutine holding the account's roster lock, so one user's broadcasts leave in order.
#pragma once
#include <string_view>

#include "presence_state.hpp"
#include "xmppd/awaitable.hpp"
#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"

namespace xmppd {
class Session;
}

namespace xmppd::presence {

// A client's presence without 'to': available (§4.2 initial, §4.4 subsequent) or unavailable
// (§4.5). Visitors have no roster: nothing is broadcast for them (§4.6 directed presence only).
void broadcast(const Env& env, Session& session, const Element& stanza);
// §4.6.2: directed presence from a client (available, unavailable or error) to `to`.
void track_directed(Session& session, const Jid& to, std::string_view type);
// §4.5.2: the session ended; the server sends unavailable presence on its behalf.
void session_closed(const Env& env, Session& session);

// §4.3.2: a probe from `prober` for the local `account` (bare).
Task<void> answer_probe(Env env, Jid account, Jid prober);
// §8.5.2.1.2: available or unavailable presence from a contact to `account`'s bare JID; to its
// available resources, available presence only when the account is subscribed to the sender.
Task<void> deliver_presence(Env env, Jid account, Element stanza);

}  // namespace xmppd::presence
