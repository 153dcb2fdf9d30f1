// Availability (RFC 6121 §4): broadcasts, probes, directed and unavailable presence.
#include "availability.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <string>

#include "../roster/roster_service.hpp"
#include "../roster/subscription_machine.hpp"
#include "xmppd/events.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd::presence {

using roster::has_from;
using roster::has_to;
using roster::state_of;

std::optional<int> parse_priority(const Element& presence) {
  const Element* p = presence.child("priority", ns::kClient);
  if (!p) return 0;
  std::string text = p->text();
  std::string_view digits = text;
  while (!digits.empty() && std::isspace(static_cast<unsigned char>(digits.front()))) digits.remove_prefix(1);
  while (!digits.empty() && std::isspace(static_cast<unsigned char>(digits.back()))) digits.remove_suffix(1);
  if (digits.starts_with('+')) digits.remove_prefix(1);
  long value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || end != digits.data() + digits.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range)
    value = digits.starts_with('-') ? -128 : 127;
  else if (ec != std::errc())
    return std::nullopt;
  return static_cast<int>(std::clamp(value, -128L, 127L));
}

namespace {

Element addressed(Element stanza, const std::string& to) {
  stanza.set_attr("to", to);
  return stanza;
}

// §4.2.2, §4.4.2, §4.5.2: a user is implicitly subscribed to its own presence: every available
// resource of the account gets it, the one that sent it included.
void deliver_to_own(const Env& env, const Jid& account, const Element& presence) {
  for (Session* s : env.server.sessions(account))
    if (s->available) env.server.send_to_session(*s, addressed(presence, s->jid().str()));
}

// The available part that needs the roster: contacts with a subscription to the user (§4.2.2,
// §4.4.2); at initial presence also probes to the contacts the user is subscribed to (§4.3.1)
// and the subscription requests still waiting for an answer (§3.1.3).
Task<void> broadcast_available(Env env, Jid full, Element presence, bool initial) {
  Jid account = full.bare();
  auto lock = co_await env.rosters->lock(account);
  auto roster = co_await env.rosters->snapshot(account);
  const std::vector<RosterItem>& items = *roster;
  Session* session = env.server.session(full);
  const PresenceState* state = session ? session->find_state<PresenceState>() : nullptr;
  for (const RosterItem& item : items) {
    if (item.hidden || !has_from(state_of(item).state)) continue;
    if (state && state->errored.count(item.jid)) continue;
    env.server.route(addressed(presence, item.jid));
  }
  if (!initial) co_return;
  for (const RosterItem& item : items) {
    if (item.hidden || !has_to(state_of(item).state)) continue;
    Element probe("presence", ns::kClient);
    probe.set_attr("type", "probe").set_attr("from", full.str()).set_attr("to", item.jid);
    env.server.route(std::move(probe));
  }
  if (!session || !session->available) co_return;
  for (const RosterItem& item : items) {
    if (!item.pending_in || item.pending_in_stanza.empty()) continue;
    if (auto request = parse_element(item.pending_in_stanza)) env.server.send_to_session(*session, *request);
  }
}

// The unavailable part: contacts with a subscription to the user (unless the session had not
// been available), and every entity that got directed presence and is not one of them (§4.6.3).
Task<void> broadcast_unavailable(Env env, Jid full, Element presence, bool to_contacts, std::set<std::string> directed,
                                 std::set<std::string> errored) {
  std::set<std::string> reached;
  if (to_contacts) {
    auto lock = co_await env.rosters->lock(full.bare());
    auto roster = co_await env.rosters->snapshot(full.bare());
    for (const RosterItem& item : *roster) {
      if (item.hidden || !has_from(state_of(item).state)) continue;
      reached.insert(item.jid);
      if (!errored.count(item.jid)) env.server.route(addressed(presence, item.jid));
    }
  }
  for (const std::string& to : directed) {
    auto jid = Jid::parse(to);
    if (!jid) continue;
    // A bare JID reaches every resource: the full JIDs under it need nothing more.
    if (reached.count(jid->bare_str()) || (!jid->is_bare() && directed.count(jid->bare_str()))) continue;
    env.server.route(addressed(presence, to));
  }
}

void go_unavailable(const Env& env, Session& session, Element presence) {
  bool was_available = session.available;
  bool has_roster = !session.anonymous();
  if (was_available && has_roster) deliver_to_own(env, session.jid().bare(), presence);
  PresenceState& state = session.state<PresenceState>();
  std::set<std::string> directed = std::move(state.directed);
  state.directed.clear();
  session.available = false;
  session.last_presence.reset();
  if (!(was_available && has_roster) && directed.empty()) return;
  env.server.spawn(broadcast_unavailable(env, session.jid(), std::move(presence), was_available && has_roster,
                                         std::move(directed), state.errored),
                   "unavailable presence");
}

}  // namespace

void broadcast(const Env& env, Session& session, const Element& stanza) {
  Element presence = stanza;
  presence.remove_attr("to");
  presence.set_attr("from", session.jid().str());
  if (stanza.attr("type") == "unavailable") return go_unavailable(env, session, std::move(presence));

  auto stated = parse_priority(stanza);
  if (!stated) {
    env.server.send_to_session(
        session, make_error_reply(stanza, StanzaError::bad_request("the priority is an integer from -128 to 127")));
    return;
  }
  bool initial = !session.available;
  session.available = true;
  session.priority = *stated;
  session.last_presence = presence;
  if (session.anonymous()) return;

  Jid account = session.jid().bare();
  deliver_to_own(env, account, presence);
  if (initial) {
    // The new resource learns about the user's other available resources, as a probe of its
    // own account would tell it.
    for (Session* other : env.server.sessions(account))
      if (other != &session && other->available && other->last_presence)
        env.server.send_to_session(session, addressed(*other->last_presence, session.jid().str()));
  }
  env.server.spawn(broadcast_available(env, session.jid(), std::move(presence), initial), "presence broadcast");
}

void track_directed(Session& session, const Jid& to, std::string_view type) {
  auto& directed = session.state<PresenceState>().directed;
  if (!type.empty())
    directed.erase(to.str());  // unavailable or error: nothing to follow up
  else if (directed.size() < kMaxDirected)
    directed.insert(to.str());
}

void session_closed(const Env& env, Session& session) {
  Element presence("presence", ns::kClient);
  presence.set_attr("type", "unavailable").set_attr("from", session.jid().str());
  go_unavailable(env, session, std::move(presence));
}

Task<void> answer_probe(Env env, Jid account, Jid prober) {
  auto lock = co_await env.rosters->lock(account);
  if (!(prober.bare() == account)) {
    auto item = co_await env.rosters->item(account, prober.bare());
    // §4.3.2: only a contact with a subscription learns anything, even that the user exists.
    if (!item || item->hidden || !has_from(state_of(*item).state)) co_return;
  }
  bool any = false;
  for (Session* s : env.server.sessions(account)) {
    if (!s->available || !s->last_presence) continue;
    env.server.route(addressed(*s->last_presence, prober.str()));
    any = true;
  }
  if (!any) {
    Element unavailable("presence", ns::kClient);
    unavailable.set_attr("type", "unavailable").set_attr("from", account.str()).set_attr("to", prober.str());
    env.server.route(std::move(unavailable));
  }
}

Task<void> deliver_presence(Env env, Jid account, Element stanza) {
  auto from = Jid::parse(stanza.attr("from"));
  if (!from) co_return;
  auto lock = co_await env.rosters->lock(account);
  if (stanza.attr("type") != "unavailable") {
    bool anyone = false;
    for (Session* s : env.server.sessions(account)) anyone |= s->available;
    if (!anyone) co_return;
    auto item = co_await env.rosters->item(account, from->bare());
    if (!item || !has_to(state_of(*item).state)) co_return;
  }
  // Unavailable presence is delivered from anyone: it reveals nothing, and it is what follows a
  // cancelled subscription (§3.2.2, §3.3.3), when the roster no longer allows it.
  env.server.deliver(std::move(stanza), priority::kNormal);
}

}  // namespace xmppd::presence
