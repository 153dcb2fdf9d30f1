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

RouteChoice route(const std::vector<Candidate>& candidates, std::set<std::string>& tried) {
  if (auto pick = pick_consultant(candidates, tried)) return {pick, false};
  auto free = pick_consultant(candidates, {});
  if (!free) return {std::nullopt, true};
  for (const auto& c : candidates)
    if (c.available && !tried.count(c.jid)) return {};  // a colleague who has not had it is busy
  tried.clear();
  return {free, false};
}

}  // namespace xmppd::livechat
