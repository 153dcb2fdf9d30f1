// Where the livechat service keeps its state (issue 6). The service reads and changes it only
// through LivechatState, so a shared implementation (e.g. over Redis, when several xmppd nodes
// serve one installation) can replace the single-node one without touching the service.
//
// StoredLivechatState is the single-node implementation: the open conversations and pending
// offers in memory, every change written through to the database (LivechatStore) in the order
// made, with a transition row for each step of a conversation; load() rebuilds it at start.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conversation.hpp"
#include "offline_requests.hpp"
#include "xmppd/awaitable.hpp"

namespace xmppd {
class Server;
}

namespace xmppd::livechat {

class LivechatState {
 public:
  virtual ~LivechatState() = default;
  // Reads what was stored: open conversations, pending offers, open tickets and callbacks.
  virtual Task<void> load() = 0;
  // Open conversations (not closed) in id order, which is the order visitors joined in.
  virtual std::vector<Conversation> open_conversations() const = 0;
  virtual std::optional<Conversation> conversation(const std::string& id) const = 0;
  virtual std::optional<Conversation> by_token_hash(const std::string& token_hash) const = 0;
  // Records `c` after `event` (a word such as "joined", "offered", "accepted") by `actor`.
  virtual void save(const Conversation& c, const std::string& event, const std::string& actor) = 0;
  virtual std::vector<Offer> pending_offers() const = 0;
  virtual std::optional<Offer> offer(const std::string& id) const = 0;
  virtual void save(const Offer& o) = 0;
  virtual void add_note(const Conversation& c, const std::string& author, const std::string& text) = 0;
  virtual void set_tag(const Conversation& c, const std::string& tag, const std::string& author, bool present) = 0;
  // Tickets not closed and callbacks not finished (done, cancelled), in id order.
  virtual std::vector<Ticket> open_tickets() const = 0;
  virtual std::optional<Ticket> ticket(const std::string& id) const = 0;
  virtual void save(const Ticket& t) = 0;
  virtual std::vector<Callback> open_callbacks() const = 0;
  virtual std::optional<Callback> callback(const std::string& id) const = 0;
  virtual void save(const Callback& c) = 0;
};

std::unique_ptr<LivechatState> make_stored_state(Server& server, std::string host);

}  // namespace xmppd::livechat
