// XEP-0115 capabilities of the local client sessions (§6.3 "server processing"): the <c/> in a
// session's broadcast presence names a 'ver'; a known 'ver' gives its features at once, an
// unknown one is asked for with disco#info to the client (§6.2) and kept once the answer hashes
// to that 'ver' (§5.4 — an answer that does not is ignored, so nobody can poison the cache).
// The features go into Session::state<PeerCaps>() and PeerCapsChanged is emitted
// (xmppd/peer_caps.hpp), which PEP uses for "+notify" filtering (XEP-0163 §4.2).
//
// Memory is bounded: at most `max_cached` verification strings are kept (the cache is emptied
// when full: 'ver's are shared by every session of a client version, so it refills cheaply),
// and one query per session is outstanding at a time.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "xmppd/element.hpp"
#include "xmppd/events.hpp"
#include "xmppd/jid.hpp"

namespace xmppd {
class ModuleContext;
class Server;
}

namespace xmppd::caps {

class PeerCapsTracker {
 public:
  PeerCapsTracker(ModuleContext& ctx, std::size_t max_cached);

 private:
  Flow on_presence(StanzaEvent& ev);
  Flow on_reply(StanzaEvent& ev);
  void learned(const Jid& session_jid, const std::string& ver,
               const std::shared_ptr<const std::vector<std::string>>& features);

  Server& server_;
  std::string host_;
  std::size_t max_cached_;
  std::map<std::string, std::shared_ptr<const std::vector<std::string>>> by_ver_;
  struct Pending {
    Jid session;
    std::string ver;
  };
  std::map<std::string, Pending> pending_;  // query id -> what it asks
};

}  // namespace xmppd::caps
