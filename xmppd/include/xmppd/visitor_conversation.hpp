// Which conversation a visitor's session is in (issue 4 on issue 6), for a service that must
// count or label per conversation rather than per anonymous JID: a visitor's JID changes at
// every reload, its conversation (and the client behind it) does not. The upload service counts
// a visitor's quota per conversation and labels the files with the client, so a reload cannot
// reset the quota and erasure finds the files.
//
// Who calls what: the livechat module offers it on its host (ModuleContext::provide); the upload
// module asks Server::service<VisitorConversations>(host) on the host its options name.
#pragma once
#include <optional>
#include <string>

#include "xmppd/jid.hpp"

namespace xmppd {

struct VisitorConversation {
  Jid room;            // the conversation's room (c-<id>@chat.D)
  std::string client;  // the client id (modules/livechat clients.hpp)
};

class VisitorConversations {
 public:
  virtual ~VisitorConversations() = default;
  // The open conversation the visitor session `visitor` (a full JID) is in now, if any.
  virtual std::optional<VisitorConversation> conversation_of(const Jid& visitor) const = 0;
};

}  // namespace xmppd
