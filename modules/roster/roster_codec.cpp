// Roster items as XML (RFC 6121 §2.1.2) and the validation of a roster set (§2.3.3).
#include "roster_codec.hpp"

#include <algorithm>

#include "xmppd/namespaces.hpp"

namespace xmppd::roster {

Element item_to_xml(const RosterItem& item) {
  Element e("item", ns::kRoster);
  e.set_attr("jid", item.jid);
  if (!item.name.empty()) e.set_attr("name", item.name);
  e.set_attr("subscription", to_string(item.subscription));
  if (item.pending_out) e.set_attr("ask", "subscribe");
  if (item.preapproved) e.set_attr("approved", "true");
  for (const auto& g : item.groups) e.add_child("group", ns::kRoster).add_text(g);
  return e;
}

Element removed_item_xml(const std::string& jid) {
  Element e("item", ns::kRoster);
  e.set_attr("jid", jid);
  e.set_attr("subscription", "remove");
  return e;
}

std::variant<RosterSet, StanzaError> parse_roster_set(const Element& query) {
  std::vector<const Element*> items = query.elements("item", ns::kRoster);
  if (items.size() != 1 || query.element_count() != 1)
    return StanzaError::bad_request("a roster set carries exactly one item");
  const Element& item = *items.front();

  const std::string* jid_text = item.find_attr("jid");
  if (!jid_text) return StanzaError::bad_request("the item has no jid");
  auto jid = Jid::parse(*jid_text);
  if (!jid) return StanzaError::jid_malformed();
  if (!jid->is_bare()) return StanzaError::bad_request("roster items are bare JIDs");

  if (item.attr("subscription") == "remove") return RosterRemoval{*jid};

  RosterUpdate update{*jid, std::string(item.attr("name")), {}};
  if (update.name.size() > kMaxNameBytes) return StanzaError::not_acceptable("the name is too long");
  for (const Element* g : item.elements("group", ns::kRoster)) {
    std::string name = g->text();
    // §2.3.3: an empty group is not how an item leaves its groups (that is no <group/>).
    if (name.empty()) return StanzaError::not_acceptable("empty group name");
    if (name.size() > kMaxGroupBytes) return StanzaError::not_acceptable("the group name is too long");
    if (std::find(update.groups.begin(), update.groups.end(), name) != update.groups.end())
      return StanzaError::bad_request("duplicate group");
    update.groups.push_back(std::move(name));
  }
  if (update.groups.size() > kMaxGroups) return StanzaError::not_acceptable("too many groups");
  return RosterSet{std::move(update)};
}

}  // namespace xmppd::roster
