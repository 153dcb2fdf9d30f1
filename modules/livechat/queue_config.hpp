// Queues as the configuration gives them in this version (issue 6): one string per queue,
//   "name | description | member, member … | offer timeout | routing"
// e.g. "general | Pytania ogólne | anna, bob@example.org | 30s | least_busy". A member without
// '@' is an account of the service's domain (D for chat.D). Later versions keep queues as stored
// rows edited through ad-hoc commands; this parser then only seeds them.
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace xmppd::livechat {

enum class RoutingMode { least_busy };

struct QueueConfig {
  std::string name;  // the queue's JID is name@chat.D
  std::string description;
  std::vector<std::string> members;  // bare JIDs
  std::chrono::milliseconds offer_timeout{30000};
  RoutingMode routing = RoutingMode::least_busy;
};

// Parses one entry; throws std::invalid_argument saying what is wrong. `account_domain` completes
// members given without a domain; `default_timeout` is used when the field is empty.
QueueConfig parse_queue(const std::string& entry, const std::string& account_domain,
                        std::chrono::milliseconds default_timeout);

}  // namespace xmppd::livechat
