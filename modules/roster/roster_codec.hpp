// Roster items as XML (RFC 6121 §2.1.2) and the validation of a roster set (§2.1.5, §2.3.3).
#pragma once
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/stanza_error.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::roster {

// Server-configured limits of §2.3.3 (in bytes of UTF-8).
inline constexpr std::size_t kMaxNameBytes = 1024;
inline constexpr std::size_t kMaxGroupBytes = 1024;
inline constexpr std::size_t kMaxGroups = 64;

// <item jid name subscription ask approved><group/>…</item> as a roster result or push shows
// it: 'ask' for a pending outbound request, 'approved' for a pre-approval (§2.1.2.1-2).
Element item_to_xml(const RosterItem& item);
// The item of a roster push announcing a removal (§2.5.2).
Element removed_item_xml(const std::string& jid);

// What a valid roster set asks for: add or update an item, or remove one.
struct RosterUpdate {
  Jid jid;  // bare
  std::string name;
  std::vector<std::string> groups;  // in the client's order
};
struct RosterRemoval {
  Jid jid;
};
using RosterSet = std::variant<RosterUpdate, RosterRemoval>;

// Parses the <query/> of a roster set, or returns the §2.3.3 error. 'ask', 'approved' and a
// subscription other than "remove" are ignored, as §2.1.2.1, §2.1.2.2 and §2.1.2.5 require.
std::variant<RosterSet, StanzaError> parse_roster_set(const Element& query);

}  // namespace xmppd::roster
