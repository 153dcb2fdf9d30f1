// Presence (RFC 6121 §3 subscriptions, §4 availability): the hooks that take every presence a
// local client sends and every presence addressed to a local account, and hand them to
// subscriptions.cpp and availability.cpp.
#include "../roster/roster_service.hpp"
#include "availability.hpp"
#include "subscriptions.hpp"
#include "xmppd/module.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd::presence {
namespace {

void refuse(const Env& env, Session& session, const Element& stanza, const StanzaError& error) {
  env.server.send_to_session(session, make_error_reply(stanza, error));
}

// What a client sends (RFC 6121 §3.1.2 etc., §4.2-§4.6).
Flow outgoing(const Env& env, StanzaEvent& ev) {
  Session* session = ev.origin;
  if (!session) return Flow::next;
  std::string_view type = ev.stanza.attr("type");
  if (!ev.stanza.has_attr("to")) {
    if (type.empty() || type == "unavailable") {
      broadcast(env, *session, ev.stanza);
    } else if (type != "error") {  // RFC 6120 §8.3.1: an error is never answered
      refuse(env, *session, ev.stanza, StanzaError::bad_request("this presence type needs a 'to'"));
    }
    return Flow::stop;
  }
  bool to_self = ev.to.bare() == session->jid().bare();
  if (auto sub = roster::sub_stanza_from(type)) {
    // Visitors have no roster to keep a subscription in.
    if (session->anonymous()) refuse(env, *session, ev.stanza, StanzaError::not_allowed());
    // One's own presence needs no subscription (the account is implicitly subscribed).
    else if (!to_self)
      env.server.spawn(outbound_subscription(env, session->jid(), ev.to.bare(), *sub, ev.stanza), "subscription");
    return Flow::stop;
  }
  // A probe from a client goes as sent; the contact's server decides what it may learn.
  if (type == "probe") return Flow::next;
  if (!to_self) track_directed(*session, ev.to, type);
  return Flow::next;  // §4.6.2: the core routes directed presence
}

// What arrives for a local account (RFC 6121 §3.1.3 etc., §4.3.2, §8.5.2.1.2, §8.5.3.1).
Flow incoming(const Env& env, StanzaEvent& ev) {
  std::string_view type = ev.stanza.attr("type");
  Jid account = ev.to.bare();
  // Subscriptions and probes are about the account, whichever resource they name.
  if (auto sub = roster::sub_stanza_from(type)) {
    env.server.spawn(inbound_subscription(env, account, ev.from.bare(), *sub, ev.stanza), "subscription");
    return Flow::stop;
  }
  if (type == "probe") {
    env.server.spawn(answer_probe(env, account, ev.from), "probe");
    return Flow::stop;
  }
  if (type == "error") {
    // §4.5.2: no more broadcasts from this session to a contact that answered with an error.
    if (!ev.to.is_bare())
      if (Session* s = env.server.session(ev.to)) s->state<PresenceState>().errored.insert(ev.from.bare_str());
    return Flow::next;
  }
  if (type != "unavailable" && !type.empty()) return Flow::stop;         // not a presence type
  if (!ev.to.is_bare() || ev.from.bare() == account) return Flow::next;  // directed, or one's own
  env.server.spawn(deliver_presence(env, account, ev.stanza), "presence delivery");
  return Flow::stop;
}

class PresenceModule final : public Module {
 public:
  explicit PresenceModule(ModuleContext& ctx) : env_{ctx.server(), roster::RosterService::of(ctx.server())} {
    Env env = env_;
    for (Target t : {Target::host, Target::bare, Target::full})
      ctx.on_stanza({StanzaKind::presence, Hop::outgoing, t}, priority::kNormal,
                    [env](StanzaEvent& ev) { return outgoing(env, ev); });
    for (Target t : {Target::bare, Target::full})
      ctx.on_stanza({StanzaKind::presence, Hop::incoming, t}, priority::kNormal,
                    [env](StanzaEvent& ev) { return incoming(env, ev); });
    ctx.on<SessionClosed>(priority::kNormal, [env](SessionClosed& ev) { session_closed(env, ev.session); });
  }

 private:
  Env env_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "presence";
  m.summary = "RFC 6121 presence: subscriptions, broadcast, probes, directed presence";
  m.xeps = {"RFC 6121 §3 complete (with §3.4 pre-approval)", "RFC 6121 §4 complete"};
  m.default_hosts = {"accounts", "visitors"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<PresenceModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd::presence
