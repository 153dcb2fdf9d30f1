// XEP-0313 §6 archiving preferences: default always/never/roster, and JIDs always or never
// archived.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"

namespace xmppd::mam {

enum class DefaultMode { always, never, roster };

struct Prefs {
  DefaultMode mode = DefaultMode::always;
  std::vector<std::string> always, never;  // bare or full JIDs, prepared
};

// Reads <prefs xmlns='urn:xmpp:mam:2'/>; nullopt when it is malformed (bad default, bad JID).
std::optional<Prefs> read_prefs(const Element& prefs);
Element prefs_element(const Prefs& prefs);
std::optional<DefaultMode> mode_from_string(std::string_view s);

enum class Decision { archive, skip, when_in_roster };
// §6.1: a JID listed under never is not archived, one under always is (never wins when a JID is
// in both); otherwise the default mode decides. A listed bare JID covers its every resource.
Decision decide(const Prefs& prefs, const Jid& with);

}  // namespace xmppd::mam
