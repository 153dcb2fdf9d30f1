// Offline tickets and callback requests of the livechat service (issue 6): plain C++ with the
// time given by the caller, unit-tested without a server.
//
// A ticket is what a visitor leaves when a queue is offline (closed, or nobody can answer): it is
// `open` until a consultant takes it (`assigned`), answers it (`answered`; the answer goes to the
// visitor by e-mail through the mail bridge) and closes it (`closed`, final). Staff may close a
// ticket in any state; answering assigns it to whoever answers.
//
// A callback request books a slot within business hours: `requested` until a consultant takes it
// (`assigned`), then the call ends `done`, or `no_answer`: the attempt is counted and, while
// attempts are below the retry limit, the request can be taken again (a retry); at the limit
// `no_answer` is final. `cancelled` (by staff) is final from any open state.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xmppd::livechat {

enum class TicketState { open, assigned, answered, closed };
enum class CallbackState { requested, assigned, done, no_answer, cancelled };

const char* to_string(TicketState s);
const char* to_string(CallbackState s);
std::optional<TicketState> ticket_state_from(std::string_view s);
std::optional<CallbackState> callback_state_from(std::string_view s);

struct Ticket {
  std::string id, queue, client;
  TicketState state = TicketState::open;
  std::string assignee, name, email, question, answer, notice_version;
  std::int64_t created_us = 0, updated_us = 0;
};

struct Callback {
  std::string id, queue, client;
  CallbackState state = CallbackState::requested;
  std::string assignee, name, phone, topic, notice_version;  // phone in E.164
  std::int64_t slot_start_us = 0, slot_end_us = 0;
  int attempts = 0;
  std::int64_t reminded_us = 0, created_us = 0, updated_us = 0;
};

// Each returns false (and changes nothing) when the state does not allow the step.
bool assign(Ticket& t, const std::string& who, std::int64_t now_us);
bool answer(Ticket& t, const std::string& who, const std::string& text, std::int64_t now_us);
bool close(Ticket& t, std::int64_t now_us);

bool assign(Callback& c, const std::string& who, std::int64_t now_us);
bool done(Callback& c, std::int64_t now_us);
// Counts an attempt; `max_attempts` reached makes no_answer final.
bool no_answer(Callback& c, int max_attempts, std::int64_t now_us);
bool cancel(Callback& c, std::int64_t now_us);
// Still to be dealt with (not done, cancelled, or out of retries).
bool is_open(const Callback& c, int max_attempts);

}  // namespace xmppd::livechat
