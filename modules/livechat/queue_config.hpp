// Queues as the configuration gives them in this version (issue 6): one string per queue,
//   "name | description | member, member … | offer timeout | routing | recipient, recipient …"
// e.g. "general | Pytania ogólne | anna, bob@example.org | 30s | least_busy | anna". A member without
// '@' (member or recipient) is an account of the service's domain (D for chat.D). Recipients
// receive the queue's offline tickets and callback requests; a queue with recipients is in
// offline mode when closed (business_hours.hpp) or when no member is available. Later versions keep queues as stored
// rows edited through ad-hoc commands; this parser then only seeds them.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "business_hours.hpp"

namespace xmppd::livechat {

enum class RoutingMode { least_busy };

struct QueueConfig {
  std::string name;  // the queue's JID is name@chat.D
  std::string description;
  std::vector<std::string> members;  // bare JIDs
  std::chrono::milliseconds offer_timeout{30000};
  RoutingMode routing = RoutingMode::least_busy;
  std::vector<std::string> recipients;  // bare JIDs of those who get tickets and callbacks
  // From the `hours` and `closures` options; a queue without them is always open.
  std::shared_ptr<const BusinessHours> hours;
  // Offline mode (tickets, callbacks) needs someone to hand them to.
  bool takes_requests() const { return !recipients.empty(); }
};

// The configuration's list strings: `s` cut at each `sep`, every piece without surrounding blanks
// (business hours and closures are written the same way).
std::string trim(std::string s);
std::vector<std::string> split(const std::string& s, char sep);

// Parses one entry; throws std::invalid_argument saying what is wrong. `account_domain` completes
// members given without a domain; `default_timeout` is used when the field is empty.
QueueConfig parse_queue(const std::string& entry, const std::string& account_domain,
                        std::chrono::milliseconds default_timeout);

// An `hours` entry: "queue | week | option …" with the week as parse_week() reads it and options
// "holidays open" / "holidays closed" (the default) and "slot 30m" (callback slot length).
// Returns the queue's name and its hours; throws std::invalid_argument.
std::pair<std::string, WeeklyHours> parse_hours_entry(const std::string& entry);
// A `closures` entry: "queue | date, date..date …", queue "*" for every queue.
std::pair<std::string, std::set<std::chrono::sys_days>> parse_closures_entry(const std::string& entry);

}  // namespace xmppd::livechat
