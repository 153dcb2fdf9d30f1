// What the presence module keeps per session beside Session::available/priority/last_presence
// (RFC 6121 §4.6 directed presence, §4.5.2 presence errors), and what it shares between files.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "xmppd/element.hpp"

namespace xmppd {
class Server;
namespace roster {
class RosterService;
}

namespace presence {

// More directed-presence recipients than any client needs; beyond it new ones are not tracked
// (they get no unavailable presence), so a session cannot grow the set without bound.
inline constexpr std::size_t kMaxDirected = 1000;

struct PresenceState {
  // §4.6.2: where this session sent directed available presence (full or bare JIDs as
  // addressed), so that its unavailable presence follows (§4.6.3).
  std::set<std::string> directed;
  // §4.5.2: contacts (bare) that answered this session's presence with an error; they get no
  // further broadcasts from it.
  std::set<std::string> errored;
};

// What the handlers need; copied into every coroutine so that one in flight keeps the roster
// service alive after the module stopped.
struct Env {
  Server& server;
  std::shared_ptr<roster::RosterService> rosters;
};

// §4.7.2.3: the <priority/> of a presence, 0 without one; an integer outside -128..127 is
// clamped; nullopt when it is not an integer.
std::optional<int> parse_priority(const Element& presence);

}  // namespace presence
}  // namespace xmppd
