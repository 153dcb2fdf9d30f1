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

// The routing of one waiting conversation, whose `tried` are the consultants who had it (declined
// it, let its offer expire, handed it over) and `declined` those of them who said no:
// - `consultant`: the next offer goes there (pick_consultant, skipping `tried`);
// - nobody below the limit at all: `queue_full`, the conversations behind it wait too (order);
// - only consultants who had it are free while a colleague who has not is available but busy:
//   one who let it expire gets it again (a new round); one who declined does not get the same
//   offer back at once: nobody, it keeps its place for the colleague, and later conversations
//   may go to the free consultant;
// - every available consultant has had it: `tried` is cleared and a new round starts, rather
//   than leave the visitor waiting.
struct RouteChoice {
  std::optional<std::string> consultant;
  bool queue_full = false;
};
RouteChoice route(const std::vector<Candidate>& candidates, std::set<std::string>& tried,
                  const std::set<std::string>& declined);

}  // namespace xmppd::livechat
