// Hand-offs in the livechat service (issue 6; docs/protocol.md "Agent status", "Pick",
// "Transfer and invite", "Supervisors", "Disconnect grace"); the rules are handoff_rules.hpp.
//
// - Agent status: <agent-status value='…'/> (IQ set to chat.D, or as a child of the presence a
//   consultant sends chat.D), or "!status break" to chat.D from any client; kept per bare JID in
//   the account's XmlStore row (host D, the consultant's username, key kAgentStatusKey) and read
//   back at start. Routing and pick count a consultant only when it is available by presence AND
//   by agent status.
// - Pick: <pick queue? conversation?/> or "!pick [queue]" to chat.D: the first waiting
//   conversation (or the one named) goes to the consultant at once, a pending offer to a
//   colleague is withdrawn.
// - Transfer: "!transfer <jid-or-queue>" in the room or <transfer conversation to/>: to a
//   consultant, an offer (XEP-0249, as routing makes them) while the conversation stays with its
//   consultant; to a queue, the conversation waits again at the head of that queue. The
//   consultant who accepts becomes the owner (room admin); the previous one loses its affiliation,
//   which removes it from the members-only room (XEP-0045 §9.4, status 321). The visitor gets a
//   neutral notice, never the reason.
// - Invite: "!invite <jid>" or <invite conversation jid/>: a colleague becomes a room admin and
//   gets a XEP-0249 invitation from the room; the visitor is told a colleague joined (public
//   profile only).
// - Supervisors: <conversations/> lists the live conversations of the queues they may read;
//   <watch conversation/> lets them join silently: the muc module hides them from everyone but
//   the room's staff (MucRooms::set_hidden), the step is a stored transition (re-hidden after a
//   restart) and an audit row (action silent_join).
// - Grace: when a consultant's last resource goes unavailable, each of its active conversations
//   gets a `consultant_away` transition and a timer; back within the grace period (option
//   disconnect_grace) it keeps them (`consultant_back`), otherwise the conversation returns to the
//   head of its queue. The transitions are the stored timer: at start the deadline is read from them.
#include "handoff_rules.hpp"
#include "livechat_service.hpp"
#include "service_util.hpp"

#include <algorithm>

#include "xmppd/asio.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd::livechat {
namespace {

constexpr char kConference[] = "jabber:x:conference";  // XEP-0249 direct invitation
constexpr char kAgentStatusKey[] = "livechat:agent-status";
// The one notice a visitor gets when its conversation changes hands, whatever the reason.
constexpr char kHandOverNotice[] = "Please wait a moment: a colleague will continue this conversation.";

std::string bare_of(const std::string& jid_or_name) {
  auto j = Jid::parse(jid_or_name);
  return j ? j->bare_str() : std::string();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Agent status

AgentStatus Service::agent_status(const std::string& bare) const {
  auto it = agent_status_.find(bare);
  return it == agent_status_.end() ? AgentStatus::available : it->second;
}

bool Service::online(const std::string& bare) const {
  auto it = consultants_.find(bare);
  return it != consultants_.end() && !it->second.resources.empty();
}

bool Service::routable_consultant(const std::string& bare) const { return routable(online(bare), agent_status(bare)); }

void Service::set_agent_status(const std::string& bare, AgentStatus s) {
  AgentStatus before = agent_status(bare);
  agent_status_[bare] = s;
  if (before == s) return;
  auto j = Jid::parse(bare);
  if (j) {
    Element stored("agent-status", kNs);
    stored.set_attr("value", to_string(s)).set_attr("changed", xep0082_stamp(server_.now_us()));
    server_.spawn(server_.storage().xml().set(j->domain(), j->local(), kAgentStatusKey, stored.to_string()),
                  "livechat: storing an agent status");
  }
  // Back from a break: the idle time starts now (routing: longest idle first among the least busy).
  if (s == AgentStatus::available) consultants_[bare].idle_since_us = server_.now_us();
  dispatch();
}

Task<void> Service::restore_agent_statuses() {
  auto self = shared_from_this();
  std::set<std::string> members;
  for (const auto& q : settings_.queues) members.insert(q.members.begin(), q.members.end());
  for (const auto& m : members) {
    auto j = Jid::parse(m);
    if (!j) continue;
    auto xml = co_await server_.storage().xml().get(j->domain(), j->local(), kAgentStatusKey);
    if (!xml) continue;
    auto e = parse_element(*xml);
    if (!e) continue;
    // A status set while this was read is newer than the stored one.
    if (auto s = agent_status_from(e->attr("value"))) agent_status_.emplace(m, *s);
  }
}

// <agent-status value='…'/>: set by a consultant, get reads its own.
Task<IqResult> Service::on_agent_status(const IqRequest& req) {
  std::string bare = req.from.bare_str();
  if (!is_consultant(bare)) co_return StanzaError::forbidden();
  if (!loaded_) co_return StanzaError::resource_constraint();  // the stored statuses are being read
  if (req.type == IqType::set) {
    auto s = agent_status_from(req.payload.attr("value"));
    if (!s) co_return StanzaError::bad_request("value is available, break or after-call-work");
    set_agent_status(bare, *s);
  }
  Element out("agent-status", kNs);
  out.set_attr("value", to_string(agent_status(bare)));
  out.set_attr("routable", routable_consultant(bare) ? "true" : "false");
  co_return IqResult::ok(std::move(out));
}

// An <agent-status/> child of a consultant's available presence to chat.D or a queue JID.
void Service::agent_status_in_presence(const std::string& bare, const Element& presence) {
  const Element* e = presence.child("agent-status", kNs);
  if (!e) return;
  if (auto s = agent_status_from(e->attr("value"))) set_agent_status(bare, *s);
}

// "!status …", "!pick …" to chat.D (any client). True when the body was one of them.
bool Service::service_command(const Jid& from, const std::string& body) {
  std::string bare = from.bare_str();
  auto word_and_rest = [&](const char* word) -> std::optional<std::string> {
    for (char lead : {'!', '/'}) {
      std::string w = std::string(1, lead) + word;
      if (body == w) return std::string();
      if (body.rfind(w + " ", 0) == 0) {
        std::string rest = body.substr(w.size() + 1);
        while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\n')) rest.pop_back();
        while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
        return rest;
      }
    }
    return std::nullopt;
  };
  if (auto rest = word_and_rest("status")) {
    if (rest->empty()) {
      tell(from, settings_.host, std::string("Your agent status is ") + to_string(agent_status(bare)) +
                                     (routable_consultant(bare) ? "; you get offers." : "; you get no offers."));
      return true;
    }
    auto s = agent_status_from(*rest);
    if (!s) {
      tell(from, settings_.host, "Usage: !status available | break | after-call-work");
      return true;
    }
    set_agent_status(bare, *s);
    tell(from, settings_.host, std::string("Agent status: ") + to_string(*s) +
                                   (*s == AgentStatus::available ? " (offers resume)." : " (no new offers)."));
    return true;
  }
  if (auto rest = word_and_rest("pick")) {
    auto outcome = pick(bare, *rest, "");
    if (!outcome.error.empty()) tell(from, settings_.host, outcome.error);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Pick

std::vector<std::string> Service::queues_of(const std::string& bare) const {
  std::vector<std::string> out;
  for (const auto& q : settings_.queues)
    if (std::find(q.members.begin(), q.members.end(), bare) != q.members.end()) out.push_back(q.name);
  return out;
}

Service::PickOutcome Service::pick(const std::string& bare, std::string queue_name, const std::string& wanted) {
  if (auto at = queue_name.find('@'); at != std::string::npos) queue_name.resize(at);  // general@chat.D
  auto mine = queues_of(bare);
  if (mine.empty()) return {"You are not a member of any queue.", {}};
  if (!queue_name.empty() && !queue(queue_name)) return {"There is no queue " + queue_name + ".", {}};
  auto open = state_->open_conversations();
  auto load = consultant_load(open);
  if (load[bare] >= settings_.max_chats)
    return {"You have " + std::to_string(load[bare]) + " conversations open (at most " +
                std::to_string(settings_.max_chats) + "): close one first.", {}};
  auto c = pick_choice(open, mine, queue_name, wanted);
  if (!c) return {wanted.empty() ? "Nobody is waiting in your queues." : "That conversation is not waiting in your queues.", {}};
  std::int64_t now = server_.now_us();
  // A pending offer of this conversation (to a colleague, or to the picker) is withdrawn.
  for (auto o : state_->pending_offers()) {
    if (o.conversation != c->id || !withdraw(o, now)) continue;
    state_->save(o);
    if (o.consultant != bare)
      if (auto j = Jid::parse(o.consultant))
        tell(*j, settings_.host, "The offer of conversation " + c->id + " is withdrawn: a colleague took it.");
  }
  if (!apply(*c, ConversationEvent::picked, now)) return {"That conversation is no longer waiting.", {}};
  take(*c, bare, "picked");
  if (auto answered = state_->conversation(c->id)) emit(EventKind::answered, *answered, bare);  // automation
  Jid room = room_of(*c);
  Element m("message", ns::kClient);
  m.set_attr("from", settings_.host).set_attr("to", bare).set_attr("type", "normal");
  m.add_child("body", ns::kClient).add_text("Picked conversation " + c->id + " (\"" + c->topic + "\"). Join " +
                                            room.bare_str() + " to answer.");
  m.add_child("x", kConference).set_attr("jid", room.bare_str());  // XEP-0249 §2
  server_.route(std::move(m));
  return {{}, *state_->conversation(c->id)};
}

// <pick queue='…'? conversation='…'?/> (set) by a queue member.
Task<IqResult> Service::on_pick(const IqRequest& req) {
  std::string bare = req.from.bare_str();
  if (!is_consultant(bare)) co_return StanzaError::forbidden();
  auto outcome = pick(bare, std::string(req.payload.attr("queue")), std::string(req.payload.attr("conversation")));
  if (!outcome.error.empty()) {
    if (outcome.error.rfind("You have", 0) == 0) co_return error_with("wait", "resource-constraint", outcome.error);
    co_return error_with("cancel", "item-not-found", outcome.error);
  }
  Element out("picked", kNs);
  out.set_attr("conversation", outcome.picked->id).set_attr("queue", outcome.picked->queue);
  out.set_attr("room", room_of(*outcome.picked).bare_str());
  co_return IqResult::ok(std::move(out));
}

// What accepting, picking and taking a transfer have in common: `consultant` owns `c` now.
void Service::take(Conversation c, const std::string& consultant, const std::string& event) {
  std::int64_t now = server_.now_us();
  std::string previous = c.consultant;
  c.consultant = consultant;
  state_->save(c, event, consultant);
  tried_.erase(c.id);
  positions_sent_.erase(c.id);
  grace_.erase(c.id);
  consultants_[consultant].idle_since_us = now;
  auto* muc = rooms();
  Jid room = room_of(c);
  // Admin: a moderator, who sees real JIDs in this semi-anonymous room (XEP-0045 §5.2, §7.2.4).
  if (muc)
    if (auto j = Jid::parse(consultant)) muc->set_affiliation(room, *j, MucAffiliation::admin);
  if (!previous.empty() && previous != consultant) {
    // XEP-0045 §9.4: no longer a member of the members-only room, removed with status 321.
    if (auto j = Jid::parse(previous)) {
      if (muc) muc->set_affiliation(room, *j, MucAffiliation::none, "The conversation was handed over");
      tell(*j, settings_.host, "Conversation " + c.id + " is now with " + consultant + ".");
    }
  }
  send_profile(c);
  send_positions();
}

// ---------------------------------------------------------------------------------------------
// Transfer and invite

std::string Service::transfer(Conversation c, const std::string& actor, const std::string& target) {
  if (c.state != ConversationState::active) return "Only an answered conversation can be transferred.";
  if (actor != c.consultant && role_of(actor) < StaffRole::supervisor)
    return "Only the consultant of this conversation or a supervisor transfers it.";
  for (const auto& o : state_->pending_offers())
    if (o.conversation == c.id) return "A transfer of this conversation to " + o.consultant + " is waiting for an answer.";
  std::int64_t now = server_.now_us();
  std::string queue_name = target.substr(0, target.find('@'));
  bool to_queue = queue(queue_name) &&
                  (target.find('@') == std::string::npos || target == queue_name + "@" + settings_.host);
  if (to_queue) {
    std::string previous = c.consultant;
    c.queue = queue_name;
    if (!apply(c, ConversationEvent::transferred, now)) return "This conversation cannot be transferred now.";
    state_->save(c, "transferred", actor);
    tried_[c.id] = {previous};  // the next offer goes to a colleague first
    if (auto* muc = rooms()) muc->send_message(room_of(c), "", kHandOverNotice);
    dispatch();
    return "Transferred to the head of queue " + queue_name + "; you stay in the room until a colleague takes it.";
  }
  std::string to = bare_of(target);
  if (to.empty()) return "Usage: !transfer <consultant JID or queue>";
  if (to == c.consultant) return "This conversation is already yours.";
  if (!is_consultant(to)) return to + " is neither a queue nor a consultant.";
  if (!routable_consultant(to)) return to + " is not available now.";
  auto load = consultant_load(state_->open_conversations());
  if (load[to] >= settings_.max_chats) return to + " has no room for another conversation now.";
  const QueueConfig* q = queue(c.queue);
  Offer o;
  o.id = new_id(now);
  o.conversation = c.id;
  o.consultant = to;
  o.offered_us = now;
  o.expires_us = now + std::chrono::duration_cast<std::chrono::microseconds>(q->offer_timeout).count();
  state_->save(o);
  state_->save(c, "transfer_offered", actor);
  Jid room = room_of(c);
  long seconds = static_cast<long>(q->offer_timeout.count() / 1000);
  std::string body = actor + " transfers a conversation in " + q->description + ": \"" + c.topic + "\". Join " +
                     room.bare_str() + " to take it, or reply !accept / !decline within " + std::to_string(seconds) +
                     " s.";
  // XEP-0249 §2, as routing's offers (make_offer); <offer transfer='true'/> for the web console.
  Element m("message", ns::kClient);
  m.set_attr("from", settings_.host).set_attr("to", to).set_attr("type", "normal").set_attr("id", "offer-" + o.id);
  m.add_child("body", ns::kClient).add_text(body);
  m.add_child("x", kConference).set_attr("jid", room.bare_str()).set_attr("reason", body);
  Element& offer = m.add_child("offer", kNs);
  offer.set_attr("id", o.id).set_attr("conversation", c.id).set_attr("queue", c.queue);
  offer.set_attr("room", room.bare_str()).set_attr("seconds", std::to_string(seconds)).set_attr("transfer", "true");
  server_.route(std::move(m));
  start_timer(o);
  return "Offered to " + to + "; the conversation stays with you until it is accepted.";
}

// The transfer offer was accepted: the conversation stays active, with its new consultant.
void Service::accept_transfer(Conversation c, const std::string& consultant) {
  if (auto* muc = rooms()) muc->send_message(room_of(c), "", kHandOverNotice);
  take(std::move(c), consultant, "transfer_accepted");
}

// The transfer offer was declined or expired: the conversation stays where it was.
void Service::transfer_lost(const Conversation& c, const Offer& o, const std::string& why) {
  state_->save(c, o.state == OfferState::declined ? "transfer_declined" : "transfer_expired", o.consultant);
  if (auto j = Jid::parse(o.consultant))
    tell(*j, settings_.host, "The transfer of conversation " + c.id + " " + why + ".");
  if (auto j = Jid::parse(c.consultant))
    tell(*j, settings_.host, "The transfer of conversation " + c.id + " to " + o.consultant + " " + why +
                                 "; the conversation stays with you.");
}

std::string Service::invite(const Conversation& c, const std::string& actor, const std::string& colleague) {
  if (c.state != ConversationState::active) return "Only an answered conversation takes a colleague.";
  if (actor != c.consultant && role_of(actor) < StaffRole::supervisor)
    return "Only the consultant of this conversation or a supervisor invites.";
  std::string to = bare_of(colleague);
  if (to.empty() || !is_consultant(to)) return "Usage: !invite <consultant JID>";
  if (to == c.consultant) return "This conversation is already yours.";
  auto* muc = rooms();
  if (!muc) return "The room is not there.";
  Jid room = room_of(c);
  muc->set_affiliation(room, *Jid::parse(to), MucAffiliation::admin);
  state_->save(c, "invited", to);
  muc->invite(room, *Jid::parse(to), actor + " asks you to join a conversation in " + c.queue);  // XEP-0249
  return "Invited " + to + ".";
}

// In a room: "!transfer …" and "!invite …". True when taken.
bool Service::handoff_command(const Conversation& c, const Jid& real, const std::string& word, const std::string& rest) {
  Jid room = room_of(c);
  std::string bare = real.bare_str();
  if (word == "transfer") {
    tell_in_room(room, real, rest.empty() ? "Usage: !transfer <consultant JID or queue>" : transfer(c, bare, rest));
    return true;
  }
  if (word == "invite") {
    tell_in_room(room, real, rest.empty() ? "Usage: !invite <consultant JID>" : invite(c, bare, rest));
    return true;
  }
  return false;
}

Task<IqResult> Service::on_transfer(const IqRequest& req) {
  auto c = state_->conversation(std::string(req.payload.attr("conversation")));
  std::string bare = req.from.bare_str();
  if (!c || (!is_consultant(bare) && role_of(bare) < StaffRole::supervisor)) co_return StanzaError::item_not_found();
  std::string to(req.payload.attr("to"));
  if (to.empty()) co_return StanzaError::bad_request("to: a consultant's JID or a queue");
  std::string said = transfer(*c, bare, to);
  if (said.rfind("Offered", 0) != 0 && said.rfind("Transferred", 0) != 0)
    co_return error_with("cancel", "not-acceptable", said);
  Element out("transfer", kNs);
  out.set_attr("conversation", c->id).set_attr("to", to).set_attr("state", said.rfind("Offered", 0) == 0 ? "offered" : "queued");
  co_return IqResult::ok(std::move(out));
}

Task<IqResult> Service::on_invite(const IqRequest& req) {
  auto c = state_->conversation(std::string(req.payload.attr("conversation")));
  std::string bare = req.from.bare_str();
  if (!c || (!is_consultant(bare) && role_of(bare) < StaffRole::supervisor)) co_return StanzaError::item_not_found();
  std::string said = invite(*c, bare, std::string(req.payload.attr("jid")));
  if (said.rfind("Invited", 0) != 0) co_return error_with("cancel", "not-acceptable", said);
  co_return IqResult::ok();
}

// A colleague (invited, room admin) or a silent supervisor joining the room; nothing: not one.
std::optional<Flow> Service::admit_staff(const Conversation& c, const std::string& bare) {
  auto* muc = rooms();
  if (!muc) return std::nullopt;
  Jid room = room_of(c);
  auto w = watchers_.find(c.id);
  if (w != watchers_.end() && w->second.count(bare)) {
    muc->set_hidden(room, *Jid::parse(bare), true);  // again: the muc module keeps it in memory only
    return Flow::next;
  }
  auto aff = muc->affiliation(room, *Jid::parse(bare));
  if (is_consultant(bare) && aff && *aff >= MucAffiliation::admin && c.state == ConversationState::active) {
    // The visitor is told who joined, as far as the public profile goes (consultant_profile.hpp).
    std::string who = "A colleague";
    if (auto p = settings_.profiles.find(bare); p != settings_.profiles.end()) {
      PublicProfile v = public_view(p->second, consented(bare));
      who = v.full_name.empty() ? v.first_name : v.full_name;
      if (!v.workplace.empty()) who += " (" + v.workplace + ")";
    }
    bool present = false;
    for (const auto& [nick, jid] : muc->occupants(room)) present = present || jid.bare_str() == bare;
    if (!present) muc->send_message(room, "", who + " joined the conversation.");
    return Flow::next;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Supervisors

// <conversations/> (get): the queues and live conversations the asker may read (supervisors and
// administrators: all). No topic or visitor name: who reads those is audited elsewhere.
Task<IqResult> Service::on_live(const IqRequest& req) {
  std::string bare = req.from.bare_str();
  if (from_visitor(req) || role_of(bare) < StaffRole::supervisor) co_return StanzaError::forbidden();
  auto readable = readable_queues(bare);
  auto open = serving_order(state_->open_conversations());
  Element out("conversations", kNs);
  for (const auto& q : settings_.queues) {
    if (std::find(readable.begin(), readable.end(), q.name) == readable.end()) continue;
    int waiting = 0, active = 0, ready = 0;
    for (const auto& c : open)
      if (c.queue == q.name) ++(c.state == ConversationState::active ? active : waiting);
    for (const auto& m : q.members) ready += routable_consultant(m) ? 1 : 0;
    Element& e = out.add_child("queue", kNs);
    e.set_attr("name", q.name).set_attr("waiting", std::to_string(waiting)).set_attr("active", std::to_string(active));
    e.set_attr("available", std::to_string(ready));
  }
  for (const auto& c : open) {
    if (std::find(readable.begin(), readable.end(), c.queue) == readable.end()) continue;
    Element& e = out.add_child("conversation", kNs);
    e.set_attr("id", c.id).set_attr("queue", c.queue).set_attr("state", to_string(c.state));
    e.set_attr("room", room_of(c).bare_str()).set_attr("created", xep0082_stamp(c.created_us));
    if (!c.consultant.empty()) e.set_attr("consultant", c.consultant);
    if (grace_.count(c.id)) e.set_attr("consultant-away", "true");
  }
  co_return IqResult::ok(std::move(out));
}

// <watch conversation='…'/> (set): a supervisor may now join the room silently.
Task<IqResult> Service::on_watch(const IqRequest& req) {
  std::string bare = req.from.bare_str();
  if (from_visitor(req) || role_of(bare) < StaffRole::supervisor) co_return StanzaError::forbidden();
  auto c = state_->conversation(std::string(req.payload.attr("conversation")));
  auto readable = readable_queues(bare);
  if (!c || std::find(readable.begin(), readable.end(), c->queue) == readable.end())
    co_return StanzaError::item_not_found();
  auto* muc = rooms();
  if (!muc) co_return StanzaError::service_unavailable();
  Jid room = room_of(*c);
  Jid who = *Jid::parse(bare);
  // Hidden first, then admitted (admin: a moderator who sees the real JIDs, as the consultants).
  muc->set_hidden(room, who, true);
  muc->set_affiliation(room, who, MucAffiliation::admin);
  watchers_[c->id].insert(bare);
  state_->save(*c, "silent_join", bare);
  audit(bare, "silent_join", c->client);  // DESIGN.md: every silent join is in the audit log
  Element out("watching", kNs);
  out.set_attr("conversation", c->id).set_attr("room", room.bare_str());
  co_return IqResult::ok(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Disconnect grace

void Service::consultant_gone(const std::string& bare) {
  std::int64_t now = server_.now_us();
  std::int64_t grace = std::chrono::duration_cast<std::chrono::microseconds>(settings_.disconnect_grace).count();
  for (const auto& c : state_->open_conversations()) {
    if (c.state != ConversationState::active || c.consultant != bare || grace_.count(c.id)) continue;
    state_->save(c, kConsultantAway, bare);
    grace_[c.id] = now + grace;
    start_grace(c.id, now + grace);
  }
}

void Service::consultant_back(const std::string& bare) {
  for (auto it = grace_.begin(); it != grace_.end();) {
    auto c = state_->conversation(it->first);
    if (c && c->consultant == bare && c->state == ConversationState::active) {
      state_->save(*c, kConsultantBack, bare);
      it = grace_.erase(it);
    } else {
      ++it;
    }
  }
}

void Service::start_grace(const std::string& conversation, std::int64_t deadline_us) {
  server_.spawn(grace_timer(conversation, deadline_us), "livechat: consultant grace period");
}

Task<void> Service::grace_timer(std::string conversation, std::int64_t deadline_us) {
  auto alive = alive_;
  auto self = shared_from_this();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (*alive) {  // wakes every second at least, so a stopped service is not held up
    auto it = grace_.find(conversation);
    if (it == grace_.end() || it->second != deadline_us) co_return;  // came back, or a newer timer
    std::int64_t left = deadline_us - server_.now_us();
    if (left <= 0) break;
    timer.expires_after(std::chrono::microseconds(std::min<std::int64_t>(left, 1000000)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!*alive) co_return;
  grace_.erase(conversation);
  auto c = state_->conversation(conversation);
  if (!c || c->state != ConversationState::active || online(c->consultant)) co_return;
  std::string previous = c->consultant;
  std::int64_t now = server_.now_us();
  // A transfer offer the absent consultant made is withdrawn: the queue decides now.
  for (auto o : state_->pending_offers())
    if (o.conversation == c->id && withdraw(o, now)) {
      state_->save(o);
      if (auto j = Jid::parse(o.consultant))
        tell(*j, settings_.host, "The offer of conversation " + c->id + " is withdrawn.");
    }
  if (!apply(*c, ConversationEvent::returned, now)) co_return;
  state_->save(*c, "returned", "service");
  tried_[c->id] = {previous};
  if (auto* muc = rooms()) muc->send_message(room_of(*c), "", kHandOverNotice);
  dispatch();
}

// At start: agent statuses, silent supervisors hidden again, grace periods from the stored
// transitions; an active conversation whose consultant is not here (nobody is, after a restart)
// starts its grace period now unless one was already running.
Task<void> Service::restore_handoff() {
  auto self = shared_from_this();
  co_await restore_agent_statuses();
  auto& store = server_.storage().livechat();
  std::int64_t grace = std::chrono::duration_cast<std::chrono::microseconds>(settings_.disconnect_grace).count();
  for (const auto& c : state_->open_conversations()) {
    std::vector<TransitionStep> steps;
    for (const auto& t : co_await store.transitions(settings_.host, c.id)) {
      steps.push_back({t.event, t.stamp_us});
      if (t.event == "silent_join") watchers_[c.id].insert(t.actor);
    }
    if (auto* muc = rooms())
      for (const auto& w : watchers_[c.id])
        if (auto j = Jid::parse(w)) muc->set_hidden(room_of(c), *j, true);
    if (c.state != ConversationState::active) continue;
    auto deadline = grace_deadline(steps, grace);
    if (!deadline) {
      if (online(c.consultant)) continue;
      state_->save(c, kConsultantAway, c.consultant);
      deadline = server_.now_us() + grace;
    }
    grace_[c.id] = *deadline;
    start_grace(c.id, *deadline);
  }
}

}  // namespace xmppd::livechat
