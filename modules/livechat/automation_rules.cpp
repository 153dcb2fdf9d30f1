// The rules of automation.hpp: the wait estimate, the inactivity steps, the texts.
#include "automation.hpp"

namespace xmppd::livechat {

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::queued: return "queued";
    case EventKind::offered: return "offered";
    case EventKind::answered: return "answered";
    case EventKind::message: return "message";
    case EventKind::idle: return "idle";
    case EventKind::closed: return "closed";
  }
  return "?";
}

void WaitEstimator::answered(const std::string& queue, std::int64_t at_us) {
  auto& times = answers_[queue];
  times.push_back(at_us);
  while (times.size() > window_) times.pop_front();
}

std::optional<std::chrono::seconds> WaitEstimator::estimate(const std::string& queue, int position,
                                                            std::int64_t now_us) const {
  auto it = answers_.find(queue);
  if (it == answers_.end() || it->second.size() < 2 || position < 1) return std::nullopt;
  const auto& times = it->second;
  if (now_us - times.back() > stale_us_) return std::nullopt;
  double interval_us = double(times.back() - times.front()) / double(times.size() - 1);
  return std::chrono::seconds(static_cast<std::int64_t>(interval_us * position / 1e6 + 0.5));
}

std::string wait_text(std::chrono::seconds wait) {
  auto minutes = std::max<std::int64_t>(1, (wait.count() + 59) / 60);
  return "około " + std::to_string(minutes) + " min";
}

IdleStep idle_step(const IdlePolicy& p, const IdleClock& c, std::int64_t now_us) {
  if (c.waiting_since_us == 0) return IdleStep::none;
  auto us = [](std::chrono::milliseconds d) { return std::int64_t(d.count()) * 1000; };
  if (c.warned_us == 0) {
    if (p.warn_after.count() > 0 && now_us - c.waiting_since_us >= us(p.warn_after)) return IdleStep::warn;
    return IdleStep::none;
  }
  if (p.close_after.count() > 0 && now_us - c.warned_us >= us(p.close_after)) return IdleStep::close;
  return IdleStep::none;
}

std::string fill(std::string text, const std::string& key, const std::string& value) {
  std::string token = "{" + key + "}";
  for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
    text.replace(at, token.size(), value);
  return text;
}

}  // namespace xmppd::livechat
