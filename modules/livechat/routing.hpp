// Routing (issue 6): which consultant of a queue gets the next offer. Among the consultants
// that are available and below their limit of open conversations (pending offers count as open,
// so two offers at once do not both go to one person), the least busy first, then the one idle
// longest (the oldest last accepted offer, or since they became available), then the bare JID
// so the choice is deterministic. With equal limits and availability, this keeps the
// accepted-offer counts of any two consultants within one of each other (unit-tested).
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace xmppd::livechat {

struct Candidate {
  std::string jid;  // bare
  bool available = false;
  int open = 0;     // active conversations plus pending offers
  int limit = 1;    // maximum concurrent conversations
  std::int64_t idle_since_us = 0;
};

// The consultant for the next offer, skipping `excluded` (those who already declined or let
// this conversation's offer expire); nothing when no one can take it.
std::optional<std::string> pick_consultant(const std::vector<Candidate>& candidates,
                                           const std::set<std::string>& excluded);

}  // namespace xmppd::livechat
