// A consultant's public profile (see consultant_profile.hpp).
#include "consultant_profile.hpp"

#include <stdexcept>

#include "queue_config.hpp"
#include "xmppd/jid.hpp"

namespace xmppd::livechat {

ConsultantProfile parse_profile(const std::string& entry, const std::string& account_domain) {
  auto fields = split(entry, '|');
  if (fields.size() < 2 || fields.size() > 4 || fields[0].empty() || fields[1].empty())
    throw std::invalid_argument("\"" + entry + "\": expected \"user | full name | title | workplace\"");
  auto jid = Jid::parse(fields[0].find('@') == std::string::npos ? fields[0] + "@" + account_domain : fields[0]);
  if (!jid || jid->local().empty() || !jid->is_bare())
    throw std::invalid_argument("\"" + fields[0] + "\" is not a bare JID or a username");
  ConsultantProfile p;
  p.jid = jid->bare_str();
  p.full_name = fields[1];
  if (fields.size() > 2) p.title = fields[2];
  if (fields.size() > 3) p.workplace = fields[3];
  return p;
}

std::string initials_of(std::string_view name) {
  std::string out;
  int count = 0;
  bool at_word = true;
  for (std::size_t i = 0; i < name.size() && count < 3;) {
    unsigned char ch = static_cast<unsigned char>(name[i]);
    // The length of this UTF-8 sequence from its lead byte (RFC 3629 §3).
    std::size_t len = ch < 0x80 ? 1 : (ch >> 5) == 0x6 ? 2 : (ch >> 4) == 0xE ? 3 : (ch >> 3) == 0x1E ? 4 : 1;
    bool space = ch == ' ' || ch == '-' || ch == '\t';
    if (space) {
      at_word = true;
    } else if (at_word) {
      at_word = false;
      if (len == 1) out += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
      else out.append(name.substr(i, len));
      ++count;
    }
    i += len;
  }
  return out;
}

PublicProfile public_view(const ConsultantProfile& p, bool consent) {
  PublicProfile v;
  auto space = p.full_name.find(' ');
  v.first_name = p.full_name.substr(0, space);
  v.initials = initials_of(p.full_name);
  v.workplace = p.workplace;
  if (consent) {
    v.full_name = p.full_name;
    v.title = p.title;
    v.photo = true;
  }
  return v;
}

}  // namespace xmppd::livechat
