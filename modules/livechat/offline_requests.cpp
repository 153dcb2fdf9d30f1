// The ticket and callback state machines (see offline_requests.hpp).
#include "offline_requests.hpp"

namespace xmppd::livechat {

const char* to_string(TicketState s) {
  switch (s) {
    case TicketState::open: return "open";
    case TicketState::assigned: return "assigned";
    case TicketState::answered: return "answered";
    case TicketState::closed: return "closed";
  }
  return "open";
}

const char* to_string(CallbackState s) {
  switch (s) {
    case CallbackState::requested: return "requested";
    case CallbackState::assigned: return "assigned";
    case CallbackState::done: return "done";
    case CallbackState::no_answer: return "no_answer";
    case CallbackState::cancelled: return "cancelled";
  }
  return "requested";
}

std::optional<TicketState> ticket_state_from(std::string_view s) {
  for (auto t : {TicketState::open, TicketState::assigned, TicketState::answered, TicketState::closed})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

std::optional<CallbackState> callback_state_from(std::string_view s) {
  for (auto c : {CallbackState::requested, CallbackState::assigned, CallbackState::done, CallbackState::no_answer,
                 CallbackState::cancelled})
    if (s == to_string(c)) return c;
  return std::nullopt;
}

bool assign(Ticket& t, const std::string& who, std::int64_t now_us) {
  if (who.empty() || (t.state != TicketState::open && t.state != TicketState::assigned)) return false;
  t.state = TicketState::assigned;
  t.assignee = who;
  t.updated_us = now_us;
  return true;
}

bool answer(Ticket& t, const std::string& who, const std::string& text, std::int64_t now_us) {
  if (text.empty() || (t.state != TicketState::open && t.state != TicketState::assigned)) return false;
  t.state = TicketState::answered;
  t.assignee = who;
  t.answer = text;
  t.updated_us = now_us;
  return true;
}

bool close(Ticket& t, std::int64_t now_us) {
  if (t.state == TicketState::closed) return false;
  t.state = TicketState::closed;
  t.updated_us = now_us;
  return true;
}

bool assign(Callback& c, const std::string& who, std::int64_t now_us) {
  bool retry = c.state == CallbackState::no_answer;
  if (who.empty() || (c.state != CallbackState::requested && c.state != CallbackState::assigned && !retry))
    return false;
  c.state = CallbackState::assigned;
  c.assignee = who;
  c.updated_us = now_us;
  return true;
}

bool done(Callback& c, std::int64_t now_us) {
  if (c.state != CallbackState::assigned) return false;
  c.state = CallbackState::done;
  c.updated_us = now_us;
  return true;
}

bool no_answer(Callback& c, int max_attempts, std::int64_t now_us) {
  if (c.state != CallbackState::assigned || c.attempts >= max_attempts) return false;
  ++c.attempts;
  c.state = CallbackState::no_answer;
  c.updated_us = now_us;
  return true;
}

bool cancel(Callback& c, std::int64_t now_us) {
  if (c.state == CallbackState::done || c.state == CallbackState::cancelled) return false;
  c.state = CallbackState::cancelled;
  c.updated_us = now_us;
  return true;
}

bool is_open(const Callback& c, int max_attempts) {
  switch (c.state) {
    case CallbackState::requested:
    case CallbackState::assigned: return true;
    case CallbackState::no_answer: return c.attempts < max_attempts;
    default: return false;
  }
}

}  // namespace xmppd::livechat
