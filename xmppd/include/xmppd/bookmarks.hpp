// Server-side access to users' XEP-0402 bookmarks (urn:xmpp:bookmarks:1 in their PEP), for
// services that manage rooms for users (the livechat service closing a conversation). Offered
// by the module that keeps PEP, looked up with Server::service<Bookmarks>(account_host).
#pragma once
#include "xmppd/awaitable.hpp"
#include "xmppd/jid.hpp"

namespace xmppd {

class Bookmarks {
 public:
  virtual ~Bookmarks() = default;
  // Removes `room` (a bare JID) from `account`'s bookmarks and notifies the account's resources
  // of the retraction (XEP-0402 §5.3, XEP-0060 §7.2.2.1); false when it was not bookmarked.
  virtual Task<bool> remove_room(Jid account, Jid room) = 0;
};

}  // namespace xmppd
