// The rules of hand-offs (issue 6: agent status, pick, transfer, disconnect grace), plain C++
// with the time passed in, unit-tested without a server; handoff.cpp applies them.
//
// - Agent status: a consultant is available when at least one resource is available (presence)
//   AND its agent status is `available`; `break` and `after-call-work` keep it out of routing
//   while its client stays online.
// - Head of the queue: a conversation that goes back to waiting after it was answered (a transfer
//   to a queue, the end of a disconnected consultant's grace period) keeps its previous consultant
//   in Conversation::consultant and is offered before every conversation that never was answered.
// - Pick: a queue member takes the first waiting conversation of its queues (or of the queue
//   named), or the conversation named if it waits in one of them.
// - Grace: the stored transitions of a conversation say whether its consultant is away and since
//   when (`consultant_away`, `consultant_back`); the deadline is that time plus the grace period.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conversation.hpp"

namespace xmppd::livechat {

enum class AgentStatus { available, on_break, after_call_work };
const char* to_string(AgentStatus s);  // "available", "break", "after-call-work"
std::optional<AgentStatus> agent_status_from(std::string_view s);

// Whether routing and pick may count on a consultant.
inline bool routable(bool has_available_resource, AgentStatus s) {
  return has_available_resource && s == AgentStatus::available;
}

// True for a waiting conversation (queued or offered) that had been answered before.
bool returned_to_queue(const Conversation& c);

// `open` (in id order, the join order) in the order waiting conversations are served: those that
// went back to a queue first (in id order), then the others in id order. Stable otherwise.
std::vector<Conversation> serving_order(std::vector<Conversation> open);

// The conversation a consultant picks: `wanted` (an id) when it waits in one of `queues`;
// otherwise the first waiting conversation, in serving order, of `queue` (when not empty and
// among `queues`) or of any of `queues`. Nothing when none fits.
std::optional<Conversation> pick_choice(const std::vector<Conversation>& open, const std::vector<std::string>& queues,
                                        const std::string& queue, const std::string& wanted);

// A stored transition as far as the grace period cares: its event word and time.
struct TransitionStep {
  std::string event;
  std::int64_t stamp_us = 0;
};
inline constexpr char kConsultantAway[] = "consultant_away";
inline constexpr char kConsultantBack[] = "consultant_back";

// When the grace period of an active conversation ends: its consultant went away at the last
// `consultant_away` step and did not come back (no later `consultant_back`, `accepted`, `picked`
// or `transfer_accepted`); nothing otherwise.
std::optional<std::int64_t> grace_deadline(const std::vector<TransitionStep>& steps, std::int64_t grace_us);

}  // namespace xmppd::livechat
