// Least busy, then longest idle (see routing.hpp).
#include "routing.hpp"

#include <tuple>

namespace xmppd::livechat {

std::optional<std::string> pick_consultant(const std::vector<Candidate>& candidates,
                                           const std::set<std::string>& excluded) {
  const Candidate* best = nullptr;
  for (const auto& c : candidates) {
    if (!c.available || c.open >= c.limit || excluded.count(c.jid)) continue;
    if (!best || std::tie(c.open, c.idle_since_us, c.jid) < std::tie(best->open, best->idle_since_us, best->jid))
      best = &c;
  }
  if (!best) return std::nullopt;
  return best->jid;
}

RouteChoice route(const std::vector<Candidate>& candidates, std::set<std::string>& tried,
                  const std::set<std::string>& declined) {
  if (auto pick = pick_consultant(candidates, tried)) return {pick, false};
  auto free = pick_consultant(candidates, {});
  if (!free) return {std::nullopt, true};
  bool colleague_busy = false;  // available, has not had it, at the limit
  for (const auto& c : candidates) colleague_busy = colleague_busy || (c.available && !tried.count(c.jid));
  if (colleague_busy) {
    free = pick_consultant(candidates, declined);
    if (!free) return {};
  }
  tried.clear();
  return {free, false};
}

}  // namespace xmppd::livechat
