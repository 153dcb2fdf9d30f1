// XEP-0280 Message Carbons (urn:xmpp:carbons:2): a session that enables carbons gets a copy of
// the IM messages its account's other resources send (<sent/>) and of those addressed to the
// account that another resource received (<received/>), wrapped in XEP-0297 <forwarded/>.
//
// Sent copies come from an outgoing-message hook. Received copies need to know which
// resources got the original (§5: only the others get a copy), so the incoming hook runs below
// offline storage, computes the RFC 6121 §8.5 recipients as the core will, lets delivery
// continue below it (Server::deliver), and then sends the copies.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd {
namespace {

constexpr char kMucUser[] = "http://jabber.org/protocol/muc#user";
constexpr char kReceipts[] = "urn:xmpp:receipts";              // XEP-0184
constexpr char kChatMarkers[] = "urn:xmpp:chat-markers:0";     // XEP-0333
constexpr char kOmemo[] = "eu.siacs.conversations.axolotl";   // XEP-0384
constexpr char kOpenPgp[] = "urn:xmpp:openpgp:0";              // XEP-0373

// Below offline storage (kNormal), which takes messages no resource can receive: copies are
// only made of messages being delivered now.
constexpr int kReceivedPriority = priority::kNormal - 100;

struct CarbonsState {
  bool enabled = false;
};

bool enabled(Session& s) {
  // XEP-0280 is for the IM clients of accounts: anonymous visitors never get copies.
  if (s.anonymous()) return false;
  auto* st = s.find_state<CarbonsState>();
  return st && st->enabled;
}

// XEP-0280 §6, "Messages Eligible for Carbons Delivery", with the general intent the section
// asks for: IM payloads of a normal message (receipts, markers, encrypted bodies) count too.
bool eligible(const Element& m, bool incoming) {
  // Never a copy of a copy (§6 note), nor what the user or the sender excluded (§7, XEP-0334).
  if (m.child("sent", ns::kCarbons) || m.child("received", ns::kCarbons)) return false;
  if (m.child("private", ns::kCarbons) || m.child("no-copy", ns::kHints)) return false;
  // §6: not what a MUC room or service sent, private messages of its participants included.
  if (incoming && m.child("x", kMucUser)) return false;
  std::string_view type = m.attr("type");
  if (type == "chat") return true;
  if (!type.empty() && type != "normal") return false;  // groupchat, headline, error
  return m.child("body", ns::kClient) || m.child("received", kReceipts) ||
         m.child("displayed", kChatMarkers) || m.child("received", kChatMarkers) ||
         m.child("encrypted", kOmemo) || m.child("openpgp", kOpenPgp);
}

// §5/§6: <message from=bare to=full type=same><{sent|received}><forwarded>original…
Element wrap(const char* direction, const Element& original, const Jid& account, const Jid& to) {
  Element m("message", ns::kClient);
  m.set_attr("from", account.bare_str()).set_attr("to", to.str());
  if (original.has_attr("type")) m.set_attr("type", std::string(original.attr("type")));
  m.add_child(direction, ns::kCarbons).add_child("forwarded", ns::kForward).add(original);
  return m;
}

class CarbonsModule final : public Module {
 public:
  explicit CarbonsModule(ModuleContext& ctx) : ctx_(ctx), server_(ctx.server()) {
    ctx.add_feature(ns::kCarbons);
    ctx.on_iq(IqType::set, ns::kCarbons, IqScope::host, [this](const IqRequest& req) { return toggle(req); });
    for (Target t : {Target::bare, Target::full}) {
      ctx.on_stanza({StanzaKind::message, Hop::outgoing, t}, priority::kNormal,
                    [this](StanzaEvent& ev) { return on_sent(ev); });
      ctx.on_stanza({StanzaKind::message, Hop::incoming, t}, kReceivedPriority,
                    [this](StanzaEvent& ev) { return on_received(ev); });
    }
  }

 private:
  // §4 enabling, §5 disabling; §10.1: repeating either is not an error.
  Task<IqResult> toggle(const IqRequest& req) {
    bool enable = req.payload.name() == "enable";
    if (!enable && req.payload.name() != "disable") co_return StanzaError::bad_request();
    // §4.1: not-allowed for a client that is not hosted here.
    if (!req.origin || req.from.domain() != ctx_.host()) co_return StanzaError::not_allowed();
    // §4.1: forbidden by local policy: anonymous visitors never get copies.
    if (enable && req.origin->anonymous()) co_return StanzaError::forbidden();
    req.origin->state<CarbonsState>().enabled = enable;
    co_return IqResult::ok();
  }

  // §6 "Sending Messages": a copy to each other carbons-enabled resource of the sender,
  // whether or not the sending client has carbons enabled.
  Flow on_sent(StanzaEvent& ev) {
    if (!ev.origin || ev.origin->anonymous()) return Flow::next;
    // To one's own account: the incoming side gives the other resources <received/> copies.
    if (ev.to.bare() == ev.from.bare()) return Flow::next;
    if (!eligible(ev.stanza, false)) return Flow::next;
    for (Session* s : server_.sessions(ev.from.bare())) {
      if (s == ev.origin || !enabled(*s)) continue;
      server_.send_to_session(*s, wrap("sent", ev.stanza, ev.from, s->jid()));
    }
    return Flow::next;
  }

  // §5 "Receiving Messages": delivered by RFC 6121 §8.5, then a copy to each carbons-enabled
  // resource that did not receive it.
  Flow on_received(StanzaEvent& ev) {
    if (ev.to.local().empty()) return Flow::next;
    if (ev.stanza.child("private", ns::kCarbons)) {
      // §7: no copies; the receiving server SHOULD remove <private/> before delivering.
      ev.stanza.remove_children("private", ns::kCarbons);
      return Flow::next;
    }
    if (!eligible(ev.stanza, true)) return Flow::next;
    std::vector<Session*> direct = direct_recipients(ev.to);
    if (direct.empty()) return Flow::next;  // bounced (or dropped) by the core: nothing to copy
    std::vector<Jid> others;
    for (Session* s : server_.sessions(ev.to.bare()))
      if (s != ev.origin && enabled(*s) && std::find(direct.begin(), direct.end(), s) == direct.end())
        others.push_back(s->jid());
    if (others.empty()) return Flow::next;
    Element original = ev.stanza;
    Jid account = ev.to.bare();
    server_.deliver(ev.stanza, kReceivedPriority, ev.origin);
    // Delivery may have ended sessions (a failed write closes one): look them up again.
    for (const Jid& full : others)
      if (Session* s = server_.session(full); s && enabled(*s))
        server_.send_to_session(*s, wrap("received", original, account, full));
    return Flow::stop;
  }

  // The resources the core delivers a message to (RFC 6121 §8.5.3.1 / §8.5.2.1.1): the
  // addressed resource if it is connected, else the available resources of the highest
  // non-negative priority.
  std::vector<Session*> direct_recipients(const Jid& to) {
    if (!to.is_bare())
      if (Session* s = server_.session(to)) return {s};
    std::vector<Session*> best;
    int top = -1;
    for (Session* s : server_.sessions(to.bare())) {
      if (!s->available || s->priority < 0) continue;
      if (s->priority > top) best.clear(), top = s->priority;
      if (s->priority == top) best.push_back(s);
    }
    return best;
  }

  ModuleContext& ctx_;
  Server& server_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "carbons";
  m.summary = "XEP-0280 Message Carbons";
  m.xeps = {"XEP-0280 1.0.1 complete", "XEP-0297 1.0 (forwarded copies)", "XEP-0334 0.3 (no-copy)"};
  m.default_hosts = {"accounts"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<CarbonsModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
