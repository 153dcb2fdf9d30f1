// Client keys and staff roles; see clients.hpp.
#include "clients.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "service_util.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/options.hpp"

namespace xmppd::livechat {

LivechatClientKey token_key(const std::string& token_hash) { return {"token", token_hash}; }

std::optional<LivechatClientKey> email_key(std::string_view email) {
  std::string e(trim(std::string(email)));
  auto at = e.find('@');
  if (e.empty() || e.size() > 254 || at == 0 || at == std::string::npos || at + 1 == e.size() ||
      e.find('@', at + 1) != std::string::npos)
    return std::nullopt;
  for (auto& ch : e) {
    if (std::isspace(static_cast<unsigned char>(ch))) return std::nullopt;
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return LivechatClientKey{"email", token_hash(e)};
}

LivechatClientKey phone_key(const std::string& e164) { return {"phone", token_hash(e164)}; }

LivechatClientRecord new_client(std::int64_t now_us) {
  return LivechatClientRecord{new_id(now_us), now_us, now_us, kClientDataClass};
}

const char* to_string(StaffRole r) {
  switch (r) {
    case StaffRole::consultant: return "consultant";
    case StaffRole::supervisor: return "supervisor";
    case StaffRole::administrator: return "administrator";
    case StaffRole::none: break;
  }
  return "none";
}

StaffRoles read_staff_roles(const Options& options, const std::string& account_domain) {
  auto read = [&](const char* option) {
    std::set<std::string> out;
    for (const auto& entry : options.strings(option)) {
      std::string m = trim(entry);
      auto jid = Jid::parse(m.find('@') == std::string::npos ? m + "@" + account_domain : m);
      if (m.empty() || !jid || jid->local().empty() || !jid->is_bare())
        throw std::invalid_argument(std::string(option) + ": \"" + entry + "\" is not a bare JID or a username");
      out.insert(jid->bare_str());
    }
    return out;
  };
  return StaffRoles{read("supervisors"), read("administrators")};
}

StaffRole role_of(const std::vector<QueueConfig>& queues, const StaffRoles& roles, const std::string& bare) {
  if (roles.administrators.count(bare)) return StaffRole::administrator;
  if (roles.supervisors.count(bare)) return StaffRole::supervisor;
  for (const auto& q : queues)
    if (std::find(q.members.begin(), q.members.end(), bare) != q.members.end()) return StaffRole::consultant;
  return StaffRole::none;
}

std::vector<std::string> readable_queues(const std::vector<QueueConfig>& queues, const StaffRoles& roles,
                                         const std::string& bare) {
  StaffRole role = role_of(queues, roles, bare);
  std::vector<std::string> out;
  for (const auto& q : queues) {
    bool member = std::find(q.members.begin(), q.members.end(), bare) != q.members.end();
    if (role == StaffRole::supervisor || role == StaffRole::administrator || member) out.push_back(q.name);
  }
  return out;
}

}  // namespace xmppd::livechat
