// Scenario 6's offline requests (docs/protocol.md "Tickets", "Callback slots and requests"):
// visitors who leave a ticket or book a callback while the chats go on, and the consultants who
// receive them and work them to their end (a ticket answered then closed, a callback assigned then
// done), all through the service's IQs and messages. Counts every request once and times
// submit → acknowledged and submit → first consultant notified.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "client.hpp"
#include "report.hpp"

namespace loadgen {

class LivechatRequests {
 public:
  enum class Kind { ticket, callback };

  LivechatRequests(std::string chat_domain, std::string notice_version)
      : chat_(std::move(chat_domain)), notice_(std::move(notice_version)) {}

  // Requester `c` (an anonymous visitor, c.index its number here) logged in: a ticket is
  // submitted at once; a callback first asks for the queue's free slots.
  void start(Client& c, Kind kind, const std::string& queue);
  void login_failed(int index, const std::string& why);
  // An element for a requester.
  void on_requester(Client& c, std::string_view el);
  // An element for a consultant; true when it was about a ticket or callback (then handled).
  bool on_consultant(Client& c, std::string_view el);

  // Requests started, and those at their end (closed, done, or failed): the run waits for them.
  int started() const { return static_cast<int>(requests_.size()); }
  int finished() const;
  std::int64_t progress() const { return progress_; }
  void put(Json& j) const;

 private:
  struct Request {
    Kind kind = Kind::ticket;
    std::string queue, id;
    std::int64_t submitted_ns = 0, acked_ns = 0;
    bool failed = false;
  };
  void submit_callback(Client& c, Request& r, std::string_view slots);
  void fail(Request& r, std::string why);
  void error(std::string why);

  std::string chat_, notice_;
  std::map<int, Request> requests_;                      // by requester number
  std::map<std::string, int> by_id_;                     // the service's id → requester number
  std::map<std::string, std::int64_t> first_notified_;   // id → when a consultant first heard of it
  std::set<std::string> handled_;                        // ids a consultant took on
  std::set<std::string> ended_;                          // ids closed (ticket) or done (callback)
  std::map<std::string, int> errors_;
  std::int64_t progress_ = 0, notifications_ = 0;
};

}  // namespace loadgen
