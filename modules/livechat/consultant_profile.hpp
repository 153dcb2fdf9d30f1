// A consultant's public profile (issue 6 "Consultants", issue 7 conversation header): what a
// visitor sees of the consultant who answers. By default the first name, the initials and the
// workplace; the full name, the title and the photo only with the consultant's recorded,
// revocable consent (an employer may not require an employee's image). The profile comes from
// the `consultant_profiles` option; the photo is the consultant's XEP-0084 avatar in PEP.
#pragma once
#include <string>
#include <string_view>

namespace xmppd::livechat {

struct ConsultantProfile {
  std::string jid;  // bare
  std::string full_name, title, workplace;
};

// "user-or-bare-JID | full name | title | workplace" (title and workplace may be empty); throws
// std::invalid_argument saying what is wrong.
ConsultantProfile parse_profile(const std::string& entry, const std::string& account_domain);

// What the visitor is shown. `photo` says the avatar may be shown (consent given).
struct PublicProfile {
  std::string first_name, initials, workplace;
  std::string full_name, title;  // empty without consent
  bool photo = false;
};
PublicProfile public_view(const ConsultantProfile& p, bool consent);

// The first letter of each word of `full_name`, upper case for ASCII, UTF-8 kept whole
// ("Łucja Żak" -> "ŁŻ"); at most 3.
std::string initials_of(std::string_view full_name);

}  // namespace xmppd::livechat
