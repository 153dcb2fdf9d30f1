// Presence subscriptions (RFC 6121 §3, Appendix A; pre-approval §3.4).
#include "subscriptions.hpp"

#include "../roster/roster_service.hpp"
#include "xmppd/events.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd::presence {

using roster::SubStanza;

namespace {

Element stamped(Element stanza, SubStanza type, const Jid& from, const Jid& to) {
  stanza.set_attr("type", roster::to_string(type));
  stanza.set_attr("from", from.str());
  stanza.set_attr("to", to.str());
  return stanza;
}

Element bare_presence(const char* type, const Jid& from, const Jid& to) {
  Element p("presence", ns::kClient);
  p.set_attr("type", type).set_attr("from", from.str()).set_attr("to", to.str());
  return p;
}

}  // namespace

Task<void> outbound_subscription(Env env, Jid user, Jid contact, SubStanza type, Element stanza) {
  Jid account = user.bare();
  auto lock = co_await env.rosters->lock(account);
  auto existing = co_await env.rosters->item(account, contact);
  RosterItem item = existing.value_or(RosterItem{});
  item.jid = contact.bare_str();
  roster::ItemState before = roster::state_of(item);
  roster::Transition t = roster::outbound(before, type);

  if (!(t.next == before)) {
    if (!existing || existing->hidden) {
      // A new item the user will see: the roster module's cap applies (RFC 6121 §2.3.3).
      std::int64_t count = 0;
      for (const RosterItem& i : co_await env.rosters->items(account)) count += i.hidden ? 0 : 1;
      if (count >= env.rosters->max_items(account.domain())) {
        if (Session* s = env.server.session(user))
          env.server.send_to_session(*s, make_error_reply(stanza, {"cancel", "not-allowed", "the roster is full", {}}));
        co_return;
      }
    }
    roster::apply(t.next, item);
    co_await env.rosters->save(account, item);  // pushed to the interested resources (§3.1.2 etc.)
  }
  if (!t.forward) co_return;
  // §3.1.2, §3.2.2, §3.3.2: stamped with the user's bare JID, to the contact's bare JID.
  env.server.route(stamped(std::move(stanza), type, account, contact));
  if (type == SubStanza::subscribed) {
    // §3.1.5: the new subscriber gets the user's current presence.
    roster::send_presence_of_resources(env.server, account, contact, false);
  } else if (type == SubStanza::unsubscribed && roster::has_from(before.state)) {
    // §3.2.2: the former subscriber sees the user go offline.
    roster::send_presence_of_resources(env.server, account, contact, true);
  }
}

Task<void> inbound_subscription(Env env, Jid account, Jid contact, SubStanza type, Element stanza) {
  // The lock first: it is taken in the order the stanzas arrived (a contact's "subscribed" and
  // the presence that follows it must be handled in that order).
  auto lock = co_await env.rosters->lock(account);
  // §3.1.3: no such user (a visitor included: visitors have no roster).
  if (!co_await env.server.storage().accounts().find(account.domain(), account.local())) {
    if (type == SubStanza::subscribe) env.server.route(bare_presence("unsubscribed", account, contact));
    co_return;
  }
  auto existing = co_await env.rosters->item(account, contact);
  RosterItem item = existing.value_or(RosterItem{});
  if (!existing) {
    item.jid = contact.bare_str();
    item.hidden = true;  // a request from someone the user never added is not a roster item
  }
  roster::ItemState before = roster::state_of(item);
  roster::Transition t = roster::inbound(before, type);
  Element delivered = stamped(std::move(stanza), type, contact, account);

  if (!(t.next == before)) {
    roster::apply(t.next, item);
    // §3.1.3: kept until answered, and delivered again at each initial presence until then.
    if (type == SubStanza::subscribe && roster::pending_in(t.next.state))
      item.pending_in_stanza = delivered.to_string();
    co_await env.rosters->save(account, item);
  }
  if (t.auto_subscribed) {
    // A.3.1 and §3.4.2: approved already; the server answers for the user, and the contact
    // gets the user's presence as after any approval (§3.1.5).
    env.server.route(bare_presence("subscribed", account, contact));
    roster::send_presence_of_resources(env.server, account, contact, false);
  }
  // §3.1.3, §3.2.3, §3.3.3: to the user's available resources (none: it waits, if stored).
  if (t.forward) env.server.deliver(std::move(delivered), priority::kNormal);
  if (type == SubStanza::unsubscribe && roster::has_from(before.state)) {
    // §3.3.3: the contact no longer receives the user's presence; tell it the user is gone.
    roster::send_presence_of_resources(env.server, account, contact, true);
  }
}

}  // namespace xmppd::presence
