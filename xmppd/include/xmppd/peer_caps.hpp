// XEP-0115 entity capabilities of local client sessions, as the caps module learns them from
// their presence (§4, §6.3) and, for an unknown 'ver', from a disco#info query (§6.2) whose
// answer is checked against the 'ver' (§5.4). Other modules read them to filter what they send
// (XEP-0163 §4.2 "+notify" features) without naming the caps module.
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xmppd/session.hpp"

namespace xmppd {

// Kept in Session::state<PeerCaps>() by the caps module.
struct PeerCaps {
  std::string ver;                                     // the last 'ver' the session announced
  std::shared_ptr<const std::vector<std::string>> features;  // sorted; null while not known
};

// The features a session announced, or nullptr when they are not known (no caps, or the
// disco#info answer has not arrived yet).
inline const std::vector<std::string>* peer_features(Session& session) {
  const PeerCaps* caps = session.find_state<PeerCaps>();
  return caps && caps->features ? caps->features.get() : nullptr;
}

inline bool peer_has_feature(Session& session, std::string_view feature) {
  const auto* f = peer_features(session);
  return f && std::binary_search(f->begin(), f->end(), feature, std::less<>());
}

// Emitted on the session's host when its features became known or changed.
struct PeerCapsChanged {
  Session& session;
};

}  // namespace xmppd
