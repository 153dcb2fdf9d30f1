// The visitor host's routing policy (DESIGN.md "Hosts", issue 4): a visitor reaches only its
// host, the service hosts (livechat, upload) and its own account, and receives only from them.
// A blocked message or IQ gets service-unavailable (RFC 6120 §8.3.3.19), the answer an address
// that does not exist gets (RFC 6121 §8.5.2.2.1, §8.5.3.2.1), so nothing leaks about who is
// there; blocked presence is dropped silently (RFC 6121 §8.5.2.2.2, §8.5.3.2.2: no error for
// presence).
#include <memory>

#include "visitor_routes.hpp"
#include "xmppd/module.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd::visitor_policy {
namespace {

// RFC 6120 §8.3.1: never answer an error with an error; an IQ result needs no answer (§8.2.3).
bool deserves_error(const Element& stanza, StanzaKind kind) {
  if (kind == StanzaKind::presence || is_error_stanza(stanza)) return false;
  return !(kind == StanzaKind::iq && stanza.attr("type") == "result");
}

class VisitorPolicyModule final : public Module {
 public:
  explicit VisitorPolicyModule(ModuleContext& ctx)
      : server_(ctx.server()), routes_(std::make_shared<VisitorRoutes>(ctx.host(), ctx.options().strings("allowed_hosts"))) {
    // Before every other hook of the host, policy ones included: a stanza the policy refuses
    // is seen by no module (no carbons, no offline storage, no presence bookkeeping).
    constexpr int kFirst = priority::kPolicy + 100;
    for (StanzaKind kind : {StanzaKind::message, StanzaKind::presence, StanzaKind::iq}) {
      for (Target target : {Target::host, Target::bare, Target::full}) {
        ctx.on_stanza({kind, Hop::outgoing, target}, kFirst, [this, kind](StanzaEvent& ev) { return outgoing(ev, kind); });
        if (target != Target::host)  // the host itself may be asked (disco, ping) by anyone
          ctx.on_stanza({kind, Hop::incoming, target}, kFirst, [this, kind](StanzaEvent& ev) { return incoming(ev, kind); });
      }
    }
  }

 private:
  // What a visitor sends. The error goes straight back to its session: routed, it would come
  // from an address the incoming rule below does not let through.
  Flow outgoing(StanzaEvent& ev, StanzaKind kind) {
    if (routes_->may_send(ev.from, ev.to)) return Flow::next;
    if (ev.origin && deserves_error(ev.stanza, kind))
      server_.send_to_session(*ev.origin, make_error_reply(ev.stanza, StanzaError::service_unavailable()));
    return Flow::stop;
  }

  // What is addressed to a visitor.
  Flow incoming(StanzaEvent& ev, StanzaKind kind) {
    if (routes_->may_receive(ev.from, ev.to)) return Flow::next;
    if (deserves_error(ev.stanza, kind)) server_.bounce(ev.stanza, StanzaError::service_unavailable());
    return Flow::stop;
  }

  Server& server_;
  std::shared_ptr<VisitorRoutes> routes_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "visitor_policy";
  m.summary = "routing policy of the visitor host: only its host, the service hosts and itself";
  m.xeps = {"RFC 6120 §8.3.3.19 service-unavailable for refused messages and IQs",
            "RFC 6121 §8.5 presence to refused addresses dropped silently"};
  m.options = {
      {"allowed_hosts", OptionType::string_list, "chat.{domain}\x1fupload.{domain}", 0, INT64_MAX,
       "hosts (and every address on them) a visitor may exchange stanzas with besides its own host; "
       "{domain} is the visitor host without its first label (D for guest.D)"},
  };
  m.default_hosts = {"visitors"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<VisitorPolicyModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd::visitor_policy
