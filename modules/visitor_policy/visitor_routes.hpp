// Which addresses a visitor on the visitor host may exchange stanzas with (DESIGN.md "Hosts",
// issue 4): its own host (ping, disco), the hosts of the services it uses (the livechat service
// with its conversations, the upload service), and its own account; nothing else.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "xmppd/jid.hpp"

namespace xmppd::visitor_policy {

class VisitorRoutes {
 public:
  // `visitor_host`: the host the module runs on (guest.D). `allowed_hosts`: the service hosts,
  // where "{domain}" stands for the visitor host without its first label (D for guest.D).
  VisitorRoutes(std::string visitor_host, const std::vector<std::string>& allowed_hosts);

  // A visitor `from` (on the visitor host) may send to `to`.
  bool may_send(const Jid& from, const Jid& to) const;
  // A visitor `to` (on the visitor host) may receive from `from`.
  bool may_receive(const Jid& from, const Jid& to) const { return may_send(to, from); }

  const std::set<std::string>& service_hosts() const { return service_hosts_; }

 private:
  std::string visitor_host_;
  std::set<std::string> service_hosts_;
};

// "{domain}" in `pattern` replaced by `visitor_host` without its first label.
std::string expand_host(const std::string& pattern, const std::string& visitor_host);

}  // namespace xmppd::visitor_policy
