// The event vocabulary modules hook into. Stanza events are keyed by kind, hop and target
// (Prosody's "message/bare", "pre-presence/bare" …, as typed values); the other events are one
// struct each. Handlers run by priority, higher first; the first to return Flow::stop ends it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"

namespace xmppd {

class Session;

enum class Flow { next, stop };

// Named priority bands: policy (may refuse), rewrite (may change), normal, fallback.
namespace priority {
inline constexpr int kPolicy = 1000;
inline constexpr int kRewrite = 500;
inline constexpr int kNormal = 0;
inline constexpr int kFallback = -1000;
}  // namespace priority

enum class StanzaKind { message, presence, iq };
// outgoing: sent by a local client session, before routing (the "pre-" events);
// incoming: addressed to a local host or account, about to be delivered.
enum class Hop { outgoing, incoming };
// host: to a domain we serve; bare: to account@domain; full: to account@domain/resource.
enum class Target { host, bare, full };

struct StanzaHook {
  StanzaKind kind;
  Hop hop;
  Target target;
  friend bool operator==(const StanzaHook&, const StanzaHook&) = default;
};

struct StanzaEvent {
  Element& stanza;  // 'from' already stamped by the core for local senders
  Jid from;
  Jid to;           // for outgoing stanzas without 'to': the sender's bare JID (RFC 6120 §10.3)
  Session* origin;  // the local client session it came from, or nullptr
};

// A session has bound a resource (RFC 6120 §7) and is in the session table.
struct SessionBound {
  Session& session;
};
// A session ended; `condition` is the stream error it ended with, empty for a clean close.
struct SessionClosed {
  Session& session;
  std::string condition;
};
// Stream features offered after authentication (RFC 6120 §4.3.2).
struct StreamFeatures {
  Session* session;  // nullptr before bind
  std::string host;
  bool authenticated;
  Element& features;
};
// An account was deleted (xmppctl deluser, XEP-0077 cancel): drop what you keep for it. Emitted
// on the account's host first, then on every other host (uploads, room affiliations, …).
struct AccountDeleted {
  std::string host, username;
};
// A top-level element that is not a stanza (a "nonza", e.g. XEP-0352 <active/>) arrived on a
// bound session; a module that understands it sets `handled`, otherwise the stream is closed
// with <unsupported-stanza-type/> (RFC 6120 §4.9.3.24).
struct NonzaReceived {
  Session& session;
  const Element& element;
  bool handled = false;
};
// A stanza is about to be written to a session; a handler may hold it back (XEP-0352) by
// setting `held` (the handler then owns delivering it later).
struct DeliverToSession {
  Session& session;
  const Element& stanza;
  bool held = false;
};

}  // namespace xmppd
