// The queue entries of the configuration (see queue_config.hpp).
#include "queue_config.hpp"

#include <stdexcept>

#include "xmppd/jid.hpp"
#include "xmppd/options.hpp"

namespace xmppd::livechat {
namespace {

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(trim(s.substr(start, at == std::string::npos ? std::string::npos : at - start)));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

}  // namespace

QueueConfig parse_queue(const std::string& entry, const std::string& account_domain,
                        std::chrono::milliseconds default_timeout) {
  auto fields = split(entry, '|');
  if (fields.size() < 3 || fields.size() > 5)
    throw std::invalid_argument("a queue is \"name | description | members | offer timeout | routing\"");
  QueueConfig q;
  auto name = precis::prepare_localpart(fields[0]);
  if (!name || name->empty() || name->rfind("c-", 0) == 0)
    throw std::invalid_argument("queue name \"" + fields[0] + "\" is not a JID localpart (or starts with c-)");
  q.name = *name;
  q.description = fields[1];
  for (const auto& m : split(fields[2], ',')) {
    if (m.empty()) continue;
    auto jid = Jid::parse(m.find('@') == std::string::npos ? m + "@" + account_domain : m);
    if (!jid || jid->local().empty() || !jid->is_bare())
      throw std::invalid_argument("queue " + q.name + ": member \"" + m + "\" is not a bare JID");
    q.members.push_back(jid->bare_str());
  }
  q.offer_timeout = default_timeout;
  if (fields.size() > 3 && !fields[3].empty() && !parse_duration(fields[3], q.offer_timeout))
    throw std::invalid_argument("queue " + q.name + ": offer timeout \"" + fields[3] + "\" is not a duration");
  if (q.offer_timeout.count() < 1000)
    throw std::invalid_argument("queue " + q.name + ": offer timeout below 1s");
  if (fields.size() > 4 && !fields[4].empty() && fields[4] != "least_busy")
    throw std::invalid_argument("queue " + q.name + ": routing \"" + fields[4] + "\" is not least_busy");
  return q;
}

}  // namespace xmppd::livechat
