// The `legal-hold` XEP-0050 command of chat.D (legal_hold.cpp).
#pragma once
#include <set>
#include <string>

#include "xmppd/adhoc.hpp"

namespace xmppd {
class Server;
}

namespace xmppd::livechat {

// Offered to `administrators` (bare JIDs) on `host`.
AdhocCommand legal_hold_command(Server& server, std::string host, std::set<std::string> administrators);

}  // namespace xmppd::livechat
