// Typed events of the livechat service and the automation built on them (issue 6 "Events"): a
// greeting when a visitor joins, an "all consultants busy" message with the expected wait, and an
// inactivity warning followed by an automatic close. The rules here take the time as a parameter
// and are unit-tested; Service (automation.cpp) feeds them and acts.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xmppd::livechat {

struct Conversation;

// What happened to a conversation. `message`: a room message that is not a staff command, from
// the visitor or from staff. `idle`: the inactivity warning was given.
enum class EventKind { queued, offered, answered, message, idle, closed };
const char* to_string(EventKind k);

struct Event {
  EventKind kind;
  const Conversation& conversation;
  std::string actor;  // bare JID of the consultant, "visitor" or "service"
  bool from_visitor = false;  // for `message`
  std::int64_t at_us = 0;
};

// Subscribers are called in order, synchronously, on the service's thread.
class EventBus {
 public:
  using Handler = std::function<void(const Event&)>;
  void subscribe(Handler h) { handlers_.push_back(std::move(h)); }
  void emit(const Event& e) const {
    for (const auto& h : handlers_) h(e);
  }

 private:
  std::vector<Handler> handlers_;
};

// Expected wait from the queue's recent pace: the mean interval between its last answers
// (at most `window` of them) times the visitor's position. Nothing until two answers are known,
// or when the last answer is so old (more than `stale` ago) that the pace says nothing now.
class WaitEstimator {
 public:
  explicit WaitEstimator(std::size_t window = 20, std::chrono::minutes stale = std::chrono::minutes(60))
      : window_(window), stale_us_(std::chrono::duration_cast<std::chrono::microseconds>(stale).count()) {}
  void answered(const std::string& queue, std::int64_t at_us);
  std::optional<std::chrono::seconds> estimate(const std::string& queue, int position, std::int64_t now_us) const;

 private:
  std::size_t window_;
  std::int64_t stale_us_;
  std::map<std::string, std::deque<std::int64_t>> answers_;
};

// "około 4 min" ("about 4 min"): whole minutes, rounded up, at least 1.
std::string wait_text(std::chrono::seconds wait);

// Inactivity of an active conversation that waits for the visitor: staff wrote last (or nobody
// wrote since the answer) and the visitor has not written for `warn_after`: warn; then for
// `close_after` more: close. A visitor's message resets it; zero durations turn a step off.
struct IdlePolicy {
  std::chrono::milliseconds warn_after{std::chrono::minutes(10)};
  std::chrono::milliseconds close_after{std::chrono::minutes(5)};
};

struct IdleClock {
  std::int64_t waiting_since_us = 0;  // when the conversation started to wait for the visitor; 0: it does not
  std::int64_t warned_us = 0;         // when the warning was given; 0: not yet
};

enum class IdleStep { none, warn, close };
IdleStep idle_step(const IdlePolicy& p, const IdleClock& c, std::int64_t now_us);

// What the automation says, from the livechat options (Polish defaults: the visitors are the
// citizens of the Łódź region). Empty text: that message is not sent.
struct AutomationTexts {
  std::string greeting;
  std::string busy;          // "{wait}" is replaced by wait_text(); used when an estimate exists
  std::string busy_unknown;  // all busy, no estimate yet
  std::string idle_warning;  // "{minutes}" is replaced by the minutes left before the close
  std::string idle_closed;
};

std::string fill(std::string text, const std::string& key, const std::string& value);

}  // namespace xmppd::livechat
