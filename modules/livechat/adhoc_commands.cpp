// XEP-0050 Ad-Hoc Commands of the livechat service (issue 6: "the same actions are XEP-0050
// commands on the room JID. Queue, tickets and callbacks are XEP-0050 commands on chat.D"), run
// by the core's command sessions (xmppd/adhoc.hpp), with XEP-0004 forms:
// - on a conversation room c-…@chat.D, for staff in that conversation (its consultant or an
//   occupant with a staff role): note, tag, untag, close — the same actions as the room's
//   !note, !tag, !untag, !close (Service::note_action …);
// - on chat.D: queue status (for staff, the queues their role lets them read), tickets and
//   callbacks (list the open ones or the requester's, then assign, answer, close / record the
//   outcome; the same steps as the staff IQs, Service::ticket_action / callback_action).
// A visitor or a stranger sees none of them (§2.2) and is refused with forbidden (§4.6).
#include <algorithm>

#include "livechat_service.hpp"
#include "xmppd/data_form.hpp"
#include "xmppd/server.hpp"

namespace xmppd::livechat {
namespace {

constexpr char kNodePrefix[] = "urn:xmppd:livechat:0#";
constexpr std::size_t kMaxListed = 200;  // items a list field offers at most

std::string node(const char* name) { return std::string(kNodePrefix) + name; }

std::string shorten(std::string text, std::size_t max) {
  for (auto& ch : text)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return text.substr(0, cut) + "…";
}

// The first stage of the ticket and callback commands: which ones to list.
Element scope_form(const std::string& what) {
  Element x = form::make("form", what, "Choose which " + what + " to list; the next stage lists them.");
  Element& f = form::field(x, "show", "list-single", "Show", "open", true);
  form::option(f, "open", "All open ones of my queues");
  form::option(f, "mine", "Assigned to me");
  return x;
}

// The answer to a desk action (ticket_action, callback_action) that failed: a malformed field is
// bad-payload (§4.6); a refusal of the step itself (wrong state, bad assignee) ends the command
// with the reason, so the requester sees why, as with the IQs; anything else is the error itself.
AdhocStep desk_failure(const StanzaError& e) {
  if (e.condition == "bad-request") return AdhocStep::fail(adhoc_bad_payload(e.text));
  if (e.condition != "not-allowed") return AdhocStep::fail(e);
  return AdhocStep::done(e.text.empty() ? e.condition : e.text, AdhocNote::Type::error);
}

}  // namespace

std::optional<Conversation> Service::conversation_in(const Jid& room) const {
  if (room.domain() != settings_.host || room.local().rfind("c-", 0) != 0 || !room.resource().empty())
    return std::nullopt;
  auto c = state_->conversation(room.local().substr(2));
  if (!c || c->state == ConversationState::closed) return std::nullopt;
  return c;
}

// Staff in the conversation: its consultant, or an occupant of the room with a staff role.
bool Service::staff_in(const Jid& requester, const Jid& room) {
  auto c = conversation_in(room);
  std::string bare = requester.bare_str();
  if (!c || role_of(bare) == StaffRole::none) return false;
  if (c->consultant == bare) return true;
  auto* muc = rooms();
  if (!muc) return false;
  auto occ = muc->occupants(room);
  return std::any_of(occ.begin(), occ.end(), [&](const auto& o) { return o.second.bare_str() == bare; });
}

void Service::add_commands(ModuleContext& ctx) {
  std::weak_ptr<Service> weak = weak_from_this();
  auto serves_room = [weak](const Jid& room) {
    auto s = weak.lock();
    return s && s->conversation_in(room).has_value();
  };
  auto staff_here = [weak](const Jid& who, const Jid& room) {
    auto s = weak.lock();
    return s && s->staff_in(who, room);
  };
  // One room command: a form with one field, then the action with its value.
  auto room_command = [&](const char* name, std::string title, std::string var, std::string type,
                          std::string label,
                          std::function<std::pair<bool, std::string>(Service&, const Conversation&, const std::string&,
                                                                     const std::string&)> act) {
    AdhocCommand c;
    c.node = node(name);
    c.name = title;
    c.serves = serves_room;
    c.allowed = staff_here;
    c.run = [weak, title, var, type, label, act](AdhocRequest r) -> Task<AdhocStep> {
      auto s = weak.lock();
      if (!s) co_return AdhocStep::fail(StanzaError::service_unavailable());
      auto conv = s->conversation_in(r.target);
      if (!conv) co_return AdhocStep::fail(StanzaError::item_not_found());
      if (r.submitted.empty()) {
        Element x = form::make("form", title, "The visitor does not see this.");
        form::field(x, var, type, label, "", true);
        co_return AdhocStep::ask(std::move(x));
      }
      std::string value = form::value(r.submitted.back(), var);
      auto [ok, told] = act(*s, *conv, r.requester.bare_str(), value);
      if (!ok) co_return AdhocStep::fail(adhoc_bad_payload(told));
      co_return AdhocStep::done(told);
    };
    ctx.add_command(std::move(c));
  };
  room_command("note", "Add a note", "note", "text-multi", "Note",
               [](Service& s, const Conversation& c, const std::string& who, const std::string& v) {
                 return s.note_action(c, who, v);
               });
  room_command("tag", "Tag the conversation", "tag", "text-single", "Tag",
               [](Service& s, const Conversation& c, const std::string& who, const std::string& v) {
                 return s.tag_action(c, who, v, true);
               });
  room_command("untag", "Remove a tag", "tag", "text-single", "Tag",
               [](Service& s, const Conversation& c, const std::string& who, const std::string& v) {
                 return s.tag_action(c, who, v, false);
               });
  room_command("close", "Close the conversation", "confirm", "boolean", "Close it and remove the room",
               [](Service& s, const Conversation& c, const std::string& who, const std::string& v) {
                 if (v != "1" && v != "true") return std::pair<bool, std::string>{true, "Not closed."};
                 return std::pair<bool, std::string>{true, s.close_action(c, who)};
               });
  ctx.add_command(queue_status_command());
  ctx.add_command(tickets_command());
  ctx.add_command(callbacks_command());
}

// Queue status: for each queue the requester may read, the visitors waiting, the available
// consultants and whether it is open (XEP-0004 §3.4 result with <reported/> and items).
AdhocCommand Service::queue_status_command() {
  std::weak_ptr<Service> weak = weak_from_this();
  AdhocCommand c;
  c.node = node("queues");
  c.name = "Queue status";
  c.allowed = [weak](const Jid& who, const Jid&) {
    auto s = weak.lock();
    return s && s->role_of(who.bare_str()) != StaffRole::none;
  };
  c.run = [weak](AdhocRequest r) -> Task<AdhocStep> {
    auto s = weak.lock();
    if (!s) co_return AdhocStep::fail(StanzaError::service_unavailable());
    auto open = s->state_->open_conversations();
    Element x = form::make("result", "Queue status");
    Element& rep = x.add_child("reported", ns::kDataForms);
    static const std::pair<const char*, const char*> kColumns[] = {
        {"queue", "Queue"}, {"waiting", "Waiting"}, {"active", "In conversation"},
        {"available", "Available consultants"}, {"open", "Open"}};
    for (const auto& [var, label] : kColumns)
      rep.add_child("field", ns::kDataForms).set_attr("var", var).set_attr("label", label);
    for (const auto& name : s->readable_queues(r.requester.bare_str())) {
      const QueueConfig* q = s->queue(name);
      if (!q) continue;
      int waiting = 0, active = 0;
      for (const auto& conv : open) {
        if (conv.queue != name) continue;
        if (conv.state == ConversationState::active) ++active;
        else ++waiting;
      }
      std::string available;
      for (const auto& m : q->members) {
        auto it = s->consultants_.find(m);
        if (it != s->consultants_.end() && !it->second.resources.empty()) available += (available.empty() ? "" : ", ") + m;
      }
      bool is_open = !q->hours || q->hours->open_at(s->server_.now_us());
      Element& item = x.add_child("item", ns::kDataForms);
      auto cell = [&](const char* var, std::string v) {
        item.add_child("field", ns::kDataForms).set_attr("var", var).add_child("value", ns::kDataForms).add_text(std::move(v));
      };
      cell("queue", name);
      cell("waiting", std::to_string(waiting));
      cell("active", std::to_string(active));
      cell("available", available);
      cell("open", is_open ? "true" : "false");
    }
    co_return AdhocStep::result(std::move(x));
  };
  return c;
}

// Tickets: stage 1 which to list, stage 2 one ticket and the step (assign, answer, close).
AdhocCommand Service::tickets_command() {
  std::weak_ptr<Service> weak = weak_from_this();
  AdhocCommand c;
  c.node = node("tickets");
  c.name = "Tickets";
  c.allowed = [weak](const Jid& who, const Jid&) {
    auto s = weak.lock();
    return s && s->may_handle_any(who.bare_str());
  };
  c.run = [weak](AdhocRequest r) -> Task<AdhocStep> {
    auto s = weak.lock();
    if (!s) co_return AdhocStep::fail(StanzaError::service_unavailable());
    std::string bare = r.requester.bare_str();
    if (r.submitted.empty()) co_return AdhocStep::ask(scope_form("tickets"), false);
    if (r.submitted.size() == 1) {
      bool mine = form::value(r.submitted[0], "show") == "mine";
      Element x = form::make("form", "Tickets", "Choose a ticket and what to do with it.");
      Element& list = form::field(x, "ticket", "list-single", "Ticket", "", true);
      std::size_t n = 0;
      for (const auto& t : s->state_->open_tickets()) {
        if (!s->may_handle(bare, t.queue) || (mine && t.assignee != bare) || ++n > kMaxListed) continue;
        form::option(list, t.id,
                     t.id + " [" + t.queue + ", " + to_string(t.state) + (t.assignee.empty() ? "" : ", " + t.assignee) +
                         "] " + (t.name.empty() ? "" : t.name + ": ") + shorten(t.question, 120));
      }
      if (n == 0) co_return AdhocStep::done(mine ? "No open ticket is assigned to you." : "No open tickets.");
      Element& act = form::field(x, "action", "list-single", "Action", "assign", true);
      form::option(act, "assign", "Assign");
      form::option(act, "answer", "Answer");
      form::option(act, "close", "Close");
      form::field(x, "assignee", "jid-single", "Assign to (empty: me)");
      form::field(x, "answer", "text-multi", "Answer (sent to the visitor by e-mail)");
      co_return AdhocStep::ask(std::move(x), true);
    }
    const Element& f = r.submitted[1];
    DeskAction a{form::value(f, "ticket"), form::value(f, "action"), form::value(f, "assignee"), form::value(f, "answer")};
    if (a.id.empty() || a.action.empty()) co_return AdhocStep::fail(adhoc_bad_payload("ticket and action are required"));
    auto result = s->ticket_action(bare, a);
    if (auto* e = std::get_if<StanzaError>(&result)) co_return desk_failure(*e);
    const Ticket& t = std::get<Ticket>(result);
    co_return AdhocStep::done("Ticket " + t.id + " is " + to_string(t.state) +
                              (t.assignee.empty() ? "." : ", assigned to " + t.assignee + "."));
  };
  return c;
}

// Callbacks: stage 1 which to list, stage 2 one callback and the outcome (assign, done,
// no_answer — counted, taken again while attempts remain —, cancel).
AdhocCommand Service::callbacks_command() {
  std::weak_ptr<Service> weak = weak_from_this();
  AdhocCommand c;
  c.node = node("callbacks");
  c.name = "Callbacks";
  c.allowed = [weak](const Jid& who, const Jid&) {
    auto s = weak.lock();
    return s && s->may_handle_any(who.bare_str());
  };
  c.run = [weak](AdhocRequest r) -> Task<AdhocStep> {
    auto s = weak.lock();
    if (!s) co_return AdhocStep::fail(StanzaError::service_unavailable());
    std::string bare = r.requester.bare_str();
    if (r.submitted.empty()) co_return AdhocStep::ask(scope_form("callbacks"), false);
    if (r.submitted.size() == 1) {
      bool mine = form::value(r.submitted[0], "show") == "mine";
      Element x = form::make("form", "Callbacks", "Choose a callback and its outcome.");
      Element& list = form::field(x, "callback", "list-single", "Callback", "", true);
      std::size_t n = 0;
      for (const auto& cb : s->state_->open_callbacks()) {
        const QueueConfig* q = s->queue(cb.queue);
        if (!q || !q->hours || !s->may_handle(bare, cb.queue) || (mine && cb.assignee != bare) || ++n > kMaxListed)
          continue;
        form::option(list, cb.id,
                     cb.id + " [" + cb.queue + ", " + to_string(cb.state) + ", attempts " + std::to_string(cb.attempts) +
                         (cb.assignee.empty() ? "" : ", " + cb.assignee) + "] " + q->hours->format_local(cb.slot_start_us) +
                         " " + cb.phone + (cb.name.empty() ? "" : " " + cb.name) +
                         (cb.topic.empty() ? "" : ": " + shorten(cb.topic, 80)));
      }
      if (n == 0) co_return AdhocStep::done(mine ? "No open callback is assigned to you." : "No open callbacks.");
      Element& act = form::field(x, "action", "list-single", "Outcome", "assign", true);
      form::option(act, "assign", "Assign");
      form::option(act, "done", "Called: done");
      form::option(act, "no_answer", "No answer (try again later)");
      form::option(act, "cancel", "Cancel");
      form::field(x, "assignee", "jid-single", "Assign to (empty: me)");
      co_return AdhocStep::ask(std::move(x), true);
    }
    const Element& f = r.submitted[1];
    DeskAction a{form::value(f, "callback"), form::value(f, "action"), form::value(f, "assignee"), {}};
    if (a.id.empty() || a.action.empty()) co_return AdhocStep::fail(adhoc_bad_payload("callback and action are required"));
    auto result = s->callback_action(bare, a);
    if (auto* e = std::get_if<StanzaError>(&result)) co_return desk_failure(*e);
    const Callback& cb = std::get<Callback>(result);
    std::string told = "Callback " + cb.id + " is " + to_string(cb.state) + ", attempts " + std::to_string(cb.attempts);
    if (cb.state == CallbackState::no_answer && is_open(cb, s->settings_.callback_attempts))
      told += " of " + std::to_string(s->settings_.callback_attempts) + "; it can be taken again";
    co_return AdhocStep::done(told + ".");
  };
  return c;
}

}  // namespace xmppd::livechat
