// What the vcard module (XEP-0054) tells other modules: where a vCard is kept and when an
// account stored a new one (XEP-0398 converts its photo into a XEP-0084 avatar).
#pragma once
#include <string>

#include "xmppd/element.hpp"

namespace xmppd {

// The XmlStore key of an account's vCard.
inline constexpr char kVCardStoreKey[] = "vcard-temp";

// Emitted on the account's host after the account's own vCard set was stored; `vcard` is empty
// (no children) when it was cleared.
struct VCardStored {
  std::string host, username;
  const Element& vcard;
};

}  // namespace xmppd
