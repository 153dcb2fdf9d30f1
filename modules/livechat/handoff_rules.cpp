// Hand-off rules (see handoff_rules.hpp).
#include "handoff_rules.hpp"

#include <algorithm>

namespace xmppd::livechat {

const char* to_string(AgentStatus s) {
  constexpr const char* names[] = {"available", "break", "after-call-work"};
  return names[static_cast<int>(s)];
}

std::optional<AgentStatus> agent_status_from(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(AgentStatus::after_call_work); ++i)
    if (s == to_string(static_cast<AgentStatus>(i))) return static_cast<AgentStatus>(i);
  return std::nullopt;
}

bool returned_to_queue(const Conversation& c) {
  return (c.state == ConversationState::queued || c.state == ConversationState::offered) && !c.consultant.empty();
}

std::vector<Conversation> serving_order(std::vector<Conversation> open) {
  std::stable_partition(open.begin(), open.end(), [](const Conversation& c) { return returned_to_queue(c); });
  return open;
}

std::optional<Conversation> pick_choice(const std::vector<Conversation>& open, const std::vector<std::string>& queues,
                                        const std::string& queue, const std::string& wanted) {
  auto member = [&](const std::string& q) { return std::find(queues.begin(), queues.end(), q) != queues.end(); };
  auto waiting = [](const Conversation& c) {
    return c.state == ConversationState::queued || c.state == ConversationState::offered;
  };
  if (!queue.empty() && !member(queue)) return std::nullopt;
  for (const auto& c : serving_order(open)) {
    if (!waiting(c) || !member(c.queue)) continue;
    if (!wanted.empty()) {
      if (c.id == wanted) return c;
      continue;
    }
    if (queue.empty() || c.queue == queue) return c;
  }
  return std::nullopt;
}

std::optional<std::int64_t> grace_deadline(const std::vector<TransitionStep>& steps, std::int64_t grace_us) {
  std::optional<std::int64_t> away;
  for (const auto& s : steps) {
    if (s.event == kConsultantAway) away = s.stamp_us;
    else if (s.event == kConsultantBack || s.event == "accepted" || s.event == "picked" ||
             s.event == "transfer_accepted" || s.event == "returned" || s.event == "transferred" ||
             s.event == "closed")
      away.reset();
  }
  if (!away) return std::nullopt;
  return *away + grace_us;
}

}  // namespace xmppd::livechat
