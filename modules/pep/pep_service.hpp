// The PEP service of one host (XEP-0163): every account on it is a virtual pubsub service
// (§2.1) with nodes auto-created on publish (§3), a compact XEP-0060 subset (publish with
// publish-options §7.1, retract §7.2, items §6.5, create §8.1, configure §8.2, delete §8.4),
// and notifications to the owner's resources and to contacts with a presence subscription,
// filtered by the "+notify" features of their XEP-0115 caps (§4.2, §4.3).
//
// Nothing is kept in memory per account: node configurations and items are read from the
// PepStore when needed (a few rows; items only as many as asked for). Who gets a notification
// is decided when it is sent, from the owner's roster and the sessions bound at that moment.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "node_config_form.hpp"
#include "xmppd/bookmarks.hpp"
#include "xmppd/iq.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
class Server;
class Session;
}

namespace xmppd::pep {

struct PepLimits {
  std::uint64_t max_item_bytes;   // one item's payload, serialised
  std::uint64_t quota_bytes;      // all items of one account
  std::int64_t max_nodes;         // nodes of one account
};

class PepService final : public Bookmarks, public std::enable_shared_from_this<PepService> {
 public:
  PepService(Server& server, std::string host, PepLimits limits);

  Task<IqResult> handle_pubsub(const IqRequest& req);
  Task<IqResult> handle_owner(const IqRequest& req);

  // Publishes `payload` as item `item_id` (a fresh id when empty) on `owner`'s `node`, creating
  // the node with `options` applied to the defaults, and notifies (§4.3). An error when the
  // node exists with another configuration (XEP-0060 §7.1.5), or the item is too large or over
  // the quota. Used by the IQ handler and by the server on the owner's behalf (XEP-0398).
  Task<std::variant<std::string, StanzaError>> publish(Jid owner, std::string node, std::string item_id,
                                                       Element payload, ConfigRequest options);
  // The newest items of `owner`'s node (newest first), without access checks.
  Task<std::vector<PepItem>> newest(Jid owner, std::string node, std::int64_t max);

  // Called after an item was published on `owner`'s `node` (e.g. for XEP-0398).
  std::function<void(const Jid& owner, const std::string& node, const Element& payload)> on_published;

  // XEP-0163 §4.3.3 (2): a session's caps became known: the last items it is interested in.
  void caps_known(Session& session);

  // Bookmarks (xmppd/bookmarks.hpp): XEP-0402 §5.3 retraction on the server's initiative.
  Task<bool> remove_room(Jid account, Jid room) override;

 private:
  Task<IqResult> publish_iq(const IqRequest& req, const Element& pubsub);
  Task<IqResult> items_iq(const IqRequest& req, const Element& items);
  Task<IqResult> retract_iq(const IqRequest& req, const Element& retract);
  Task<IqResult> create_iq(const IqRequest& req, const Element& pubsub);
  Task<IqResult> delete_iq(const IqRequest& req, const Element& del);
  Task<IqResult> configure_iq(const IqRequest& req, const Element& configure);

  // May `requester` read `owner`'s node with `config`? nullopt when it may (XEP-0060 §6.5.9).
  Task<std::optional<StanzaError>> may_read(const Jid& owner, const PepNodeConfig& config, const Jid& requester);
  // §4.3: `event` (a pubsub#event child: <items/>, <delete/>) to each interested resource of
  // the owner and, unless the node is whitelisted, of the contacts subscribed to the owner.
  Task<void> notify(Jid owner, std::string node, PepNodeConfig config, Element event_child);
  Task<void> send_last_items(Jid session_jid);

  Server& server_;
  std::string host_;
  PepLimits limits_;
};

}  // namespace xmppd::pep
