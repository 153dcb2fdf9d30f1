// The visitor routing rules (see visitor_routes.hpp).
#include "visitor_routes.hpp"

namespace xmppd::visitor_policy {

std::string expand_host(const std::string& pattern, const std::string& visitor_host) {
  auto dot = visitor_host.find('.');
  std::string domain = dot == std::string::npos ? visitor_host : visitor_host.substr(dot + 1);
  std::string out = pattern;
  static const std::string kPlaceholder = "{domain}";
  for (auto at = out.find(kPlaceholder); at != std::string::npos; at = out.find(kPlaceholder, at + domain.size()))
    out.replace(at, kPlaceholder.size(), domain);
  return out;
}

VisitorRoutes::VisitorRoutes(std::string visitor_host, const std::vector<std::string>& allowed_hosts)
    : visitor_host_(std::move(visitor_host)) {
  for (const auto& pattern : allowed_hosts) service_hosts_.insert(expand_host(pattern, visitor_host_));
}

bool VisitorRoutes::may_send(const Jid& from, const Jid& to) const {
  // Its own account (RFC 6120 §10.3: a stanza without 'to' is addressed to it) and its host:
  // ping (XEP-0199 §4.2) and service discovery (XEP-0030) of guest.D. Other visitors: never.
  if (to.domain() == visitor_host_) return to.local().empty() || to.bare() == from.bare();
  // The services, and every address on them: the livechat service decides itself which
  // conversation (a room-like JID on chat.D) a visitor may take part in.
  return service_hosts_.count(to.domain()) != 0;
}

}  // namespace xmppd::visitor_policy
