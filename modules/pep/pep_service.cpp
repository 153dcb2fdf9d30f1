// XEP-0163 PEP over a XEP-0060 subset (see pep_service.hpp).
#include "pep_service.hpp"

#include <ctime>

#include "pubsub_ns.hpp"
#include "xmppd/log.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/peer_caps.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd::pep {
namespace {

// Node names and item ids are kept in 128-character columns (schema 0009).
constexpr std::size_t kMaxNameBytes = 128;

bool subscribed_from(const RosterItem& item) {
  // RFC 6121 §2.1.2.1: 'from' and 'both' mean the contact receives the user's presence.
  return !item.hidden && (item.subscription == Subscription::from || item.subscription == Subscription::both);
}
bool subscribed_to(const RosterItem& item) {
  return !item.hidden && (item.subscription == Subscription::to || item.subscription == Subscription::both);
}

const Element* only_child_element(const Element& e) {
  const Element* found = nullptr;
  for (const auto& c : e.children()) {
    if (c.is_text()) continue;
    if (found) return nullptr;
    found = &c;
  }
  return found;
}

Element item_element(const PepItem& item, const char* ns) {
  Element e("item", ns);
  e.set_attr("id", item.id);
  if (auto payload = parse_element(item.xml)) e.add(std::move(*payload));
  return e;
}

// XEP-0163 §4.2: a resource wants a node's notifications when its caps list "<node>+notify";
// the owner's and subscribers' resources alike, available with a non-negative priority (§4.3.2).
bool wants(Session& s, const std::string& node) {
  return s.available && s.priority >= 0 && peer_has_feature(s, node + "+notify");
}

bool valid_name(std::string_view n) { return !n.empty() && n.size() <= kMaxNameBytes; }

// Runs `task` while holding the service, so a notification in flight outlives a module stop.
Task<void> holding(std::shared_ptr<PepService> self, Task<void> task) { co_await std::move(task); }

}  // namespace

PepService::PepService(Server& server, std::string host, PepLimits limits)
    : server_(server), host_(std::move(host)), limits_(limits) {}

Task<IqResult> PepService::handle_pubsub(const IqRequest& req) {
  const Element& pubsub = req.payload;
  if (!pubsub.is("pubsub", kPubsub)) co_return StanzaError::bad_request();
  if (req.type == IqType::get) {
    if (const Element* items = pubsub.child("items", kPubsub)) co_return co_await items_iq(req, *items);
    co_return StanzaError::feature_not_implemented();
  }
  if (pubsub.child("publish", kPubsub)) co_return co_await publish_iq(req, pubsub);
  if (const Element* retract = pubsub.child("retract", kPubsub)) co_return co_await retract_iq(req, *retract);
  if (pubsub.child("create", kPubsub)) co_return co_await create_iq(req, pubsub);
  // Explicit subscriptions are not offered: PEP subscribes through presence (XEP-0163 §4.1).
  co_return pubsub_error(StanzaError::feature_not_implemented(), "unsupported");
}

Task<IqResult> PepService::handle_owner(const IqRequest& req) {
  const Element& pubsub = req.payload;
  if (!pubsub.is("pubsub", kPubsubOwner)) co_return StanzaError::bad_request();
  // XEP-0060 §8: only the owner, i.e. the account itself (XEP-0163 §2.2).
  if (req.from.bare() != req.to.bare()) co_return StanzaError::forbidden();
  if (const Element* del = pubsub.child("delete", kPubsubOwner)) co_return co_await delete_iq(req, *del);
  if (const Element* conf = pubsub.child("configure", kPubsubOwner)) co_return co_await configure_iq(req, *conf);
  co_return pubsub_error(StanzaError::feature_not_implemented(), "unsupported");
}

// XEP-0060 §7.1: publish, with §7.1.5 publish-options; XEP-0163 §3: auto-create.
Task<IqResult> PepService::publish_iq(const IqRequest& req, const Element& pubsub) {
  if (req.from.bare() != req.to.bare()) co_return StanzaError::forbidden();  // XEP-0163 §2.2
  const Element& publish = *pubsub.child("publish", kPubsub);
  std::string node(publish.attr("node"));
  if (node.empty()) co_return pubsub_error(StanzaError::bad_request(), "nodeid-required");  // §7.1.3.3
  auto items = publish.elements("item", kPubsub);
  // §7.1.3.6: one item per publish here; §7.1.3.5: a persistent node needs an item.
  if (items.size() != 1) co_return pubsub_error(StanzaError::bad_request(), items.empty() ? "item-required" : "invalid-payload");
  const Element* payload = only_child_element(*items.front());
  if (!payload) co_return pubsub_error(StanzaError::bad_request(), "invalid-payload");
  ConfigRequest options;
  if (const Element* po = pubsub.child("publish-options", kPubsub)) {
    if (const Element* x = po->child("x", ns::kDataForms)) {
      auto parsed = parse_config_form(*x, kPublishOptions);
      if (auto* e = std::get_if<StanzaError>(&parsed)) co_return *e;
      auto& form = std::get<ParsedForm>(parsed);
      // §7.1.5: an option this service cannot satisfy is a precondition that is not met.
      if (form.unsupported) co_return pubsub_error(StanzaError::conflict(), "precondition-not-met");
      options = form.request;
    }
  }
  auto hold_ack = req.origin ? req.origin->defer_ack() : nullptr;  // ack once it is stored
  auto outcome = co_await this->publish(req.from.bare(), node, std::string(items.front()->attr("id")), *payload, options);
  if (auto* e = std::get_if<StanzaError>(&outcome)) co_return *e;
  Element result("pubsub", kPubsub);
  result.add_child("publish", kPubsub).set_attr("node", node).add_child("item", kPubsub).set_attr("id", std::get<std::string>(outcome));
  co_return IqResult::ok(std::move(result));
}

Task<std::variant<std::string, StanzaError>> PepService::publish(Jid owner, std::string node, std::string item_id,
                                                                 Element payload, ConfigRequest options) {
  if (!valid_name(node)) co_return StanzaError::not_acceptable("node name too long");
  if (item_id.empty()) item_id = server_.random_id();
  if (item_id.size() > kMaxNameBytes) co_return StanzaError::not_acceptable("item id too long");
  std::string xml = payload.to_string();
  if (xml.size() > limits_.max_item_bytes)  // XEP-0060 §7.1.3.4
    co_return pubsub_error(StanzaError::not_acceptable(), "payload-too-big");
  auto& store = server_.storage().pep();
  const std::string& user = owner.local();
  auto existing = co_await store.node(host_, user, node);
  PepNodeConfig config;
  if (existing) {
    if (!satisfies(*existing, options)) co_return pubsub_error(StanzaError::conflict(), "precondition-not-met");
    config = *existing;
  } else {
    auto nodes = co_await store.nodes(host_, user);
    if (static_cast<std::int64_t>(nodes.size()) >= limits_.max_nodes)
      co_return pubsub_error(StanzaError::not_allowed(), "max-nodes-exceeded");
    config = apply(PepNodeConfig{}, options);
  }
  PepItem item{item_id, xml, server_.now_us()};
  if (!co_await store.publish(host_, user, node, config, item, limits_.quota_bytes))
    co_return StanzaError::resource_constraint();  // the account's PEP quota is full
  Element items("items", kPubsubEvent);
  items.set_attr("node", node);
  items.add(item_element(item, kPubsubEvent));
  server_.spawn(holding(shared_from_this(), notify(owner, node, config, std::move(items))), "pep notify");
  if (on_published) on_published(owner, node, payload);
  co_return item_id;
}

Task<std::vector<PepItem>> PepService::newest(Jid owner, std::string node, std::int64_t max) {
  co_return co_await server_.storage().pep().items(host_, owner.local(), std::move(node), {}, max);
}

Task<std::optional<StanzaError>> PepService::may_read(const Jid& owner, const PepNodeConfig& config, const Jid& requester) {
  if (requester.bare() == owner) co_return std::nullopt;
  if (config.access_model == "open") co_return std::nullopt;
  if (config.access_model == "presence") {
    auto item = co_await server_.storage().roster().item(host_, owner.local(), requester.bare_str());
    if (item && subscribed_from(*item)) co_return std::nullopt;
    co_return pubsub_error(StanzaError::not_authorized(), "presence-subscription-required");  // §6.5.9.3
  }
  co_return pubsub_error(StanzaError::not_allowed(), "closed-node");  // §6.5.9.5 whitelist
}

// XEP-0060 §6.5: items, all or the newest max_items (§6.5.7) or by id (§6.5.8).
Task<IqResult> PepService::items_iq(const IqRequest& req, const Element& items) {
  std::string node(items.attr("node"));
  if (node.empty()) co_return pubsub_error(StanzaError::bad_request(), "nodeid-required");
  Jid owner = req.to.bare();
  auto& store = server_.storage().pep();
  auto config = co_await store.node(host_, owner.local(), node);
  if (!config) co_return StanzaError::item_not_found();  // §6.5.9.11
  if (auto denied = co_await may_read(owner, *config, req.from)) co_return *denied;
  std::int64_t max = 0;
  if (!items.attr("max_items").empty()) {
    try {
      max = std::stoll(std::string(items.attr("max_items")));
    } catch (const std::exception&) {
      co_return StanzaError::bad_request("max_items is a positive integer");
    }
    if (max < 1) co_return StanzaError::bad_request("max_items is a positive integer");
  }
  std::vector<std::string> ids;
  for (const Element* i : items.elements("item", kPubsub)) ids.emplace_back(i->attr("id"));
  auto found = co_await store.items(host_, owner.local(), node, ids, max);
  Element result("pubsub", kPubsub);
  Element& list = result.add_child("items", kPubsub);
  list.set_attr("node", node);
  // Oldest first, as published (the newest `max` of them when limited).
  for (auto it = found.rbegin(); it != found.rend(); ++it) list.add(item_element(*it, kPubsub));
  co_return IqResult::ok(std::move(result));
}

// XEP-0060 §7.2: retract; notified when notify='true' (§7.2.2.1) — always to the owner's own
// resources here too, so that a second client of the owner stays in step (XEP-0402 §5.3).
Task<IqResult> PepService::retract_iq(const IqRequest& req, const Element& retract) {
  if (req.from.bare() != req.to.bare()) co_return StanzaError::forbidden();
  std::string node(retract.attr("node"));
  if (node.empty()) co_return pubsub_error(StanzaError::bad_request(), "nodeid-required");
  const Element* item = retract.child("item", kPubsub);
  if (!item || item->attr("id").empty()) co_return pubsub_error(StanzaError::bad_request(), "item-required");
  Jid owner = req.to.bare();
  auto& store = server_.storage().pep();
  auto config = co_await store.node(host_, owner.local(), node);
  if (!config) co_return StanzaError::item_not_found();
  auto hold_ack = req.origin ? req.origin->defer_ack() : nullptr;
  std::string id(item->attr("id"));
  if (!co_await store.retract(host_, owner.local(), node, id)) co_return StanzaError::item_not_found();
  std::string_view notify_attr = retract.attr("notify");
  if (notify_attr == "true" || notify_attr == "1") {
    Element items("items", kPubsubEvent);
    items.set_attr("node", node);
    items.add_child("retract", kPubsubEvent).set_attr("id", id);
    server_.spawn(holding(shared_from_this(), notify(owner, node, *config, std::move(items))), "pep notify");
  }
  co_return IqResult::ok();
}

// XEP-0060 §8.1: create, with §8.1.3 create-and-configure.
Task<IqResult> PepService::create_iq(const IqRequest& req, const Element& pubsub) {
  if (req.from.bare() != req.to.bare()) co_return StanzaError::forbidden();
  std::string node(pubsub.child("create", kPubsub)->attr("node"));
  if (node.empty()) co_return pubsub_error(StanzaError::not_acceptable(), "nodeid-required");  // no instant nodes
  if (!valid_name(node)) co_return StanzaError::not_acceptable("node name too long");
  ConfigRequest request;
  if (const Element* conf = pubsub.child("configure", kPubsub)) {
    if (const Element* x = conf->child("x", ns::kDataForms)) {
      auto parsed = parse_config_form(*x, kNodeConfig);
      if (auto* e = std::get_if<StanzaError>(&parsed)) co_return *e;
      if (std::get<ParsedForm>(parsed).unsupported) co_return StanzaError::not_acceptable("unsupported configuration");
      request = std::get<ParsedForm>(parsed).request;
    }
  }
  auto& store = server_.storage().pep();
  const std::string& user = req.from.local();
  if (co_await store.node(host_, user, node)) co_return StanzaError::conflict();  // §8.1.3.3
  auto nodes = co_await store.nodes(host_, user);
  if (static_cast<std::int64_t>(nodes.size()) >= limits_.max_nodes)
    co_return pubsub_error(StanzaError::not_allowed(), "max-nodes-exceeded");
  co_await store.put_node(host_, user, node, apply(PepNodeConfig{}, request));
  co_return IqResult::ok();
}

// XEP-0060 §8.4: delete, notified to those who could see the node (§8.4.2).
Task<IqResult> PepService::delete_iq(const IqRequest& req, const Element& del) {
  std::string node(del.attr("node"));
  if (node.empty()) co_return pubsub_error(StanzaError::bad_request(), "nodeid-required");
  Jid owner = req.to.bare();
  auto& store = server_.storage().pep();
  auto config = co_await store.node(host_, owner.local(), node);
  if (!config) co_return StanzaError::item_not_found();  // §8.4.3.2
  auto hold_ack = req.origin ? req.origin->defer_ack() : nullptr;
  co_await store.remove_node(host_, owner.local(), node);
  Element event("delete", kPubsubEvent);
  event.set_attr("node", node);
  server_.spawn(holding(shared_from_this(), notify(owner, node, *config, std::move(event))), "pep notify");
  co_return IqResult::ok();
}

// XEP-0060 §8.2: the configuration form (get) and its submission (set).
Task<IqResult> PepService::configure_iq(const IqRequest& req, const Element& configure) {
  std::string node(configure.attr("node"));
  if (node.empty()) co_return pubsub_error(StanzaError::bad_request(), "nodeid-required");
  Jid owner = req.to.bare();
  auto& store = server_.storage().pep();
  auto config = co_await store.node(host_, owner.local(), node);
  if (!config) co_return StanzaError::item_not_found();  // §8.2.3.4
  if (req.type == IqType::get) {
    Element result("pubsub", kPubsubOwner);
    Element& c = result.add_child("configure", kPubsubOwner);
    c.set_attr("node", node);
    c.add(config_form(*config));
    co_return IqResult::ok(std::move(result));
  }
  const Element* x = configure.child("x", ns::kDataForms);
  if (!x) co_return StanzaError::bad_request("no form");
  if (x->attr("type") == "cancel") co_return IqResult::ok();  // §8.2.6
  auto parsed = parse_config_form(*x, kNodeConfig);
  if (auto* e = std::get_if<StanzaError>(&parsed)) co_return *e;
  if (std::get<ParsedForm>(parsed).unsupported) co_return StanzaError::not_acceptable("unsupported configuration");
  co_await store.put_node(host_, owner.local(), node, apply(*config, std::get<ParsedForm>(parsed).request));
  co_return IqResult::ok();
}

Task<void> PepService::notify(Jid owner, std::string node, PepNodeConfig config, Element event_child) {
  // XEP-0163 §4.3.1: from the owner's bare JID, to the full JIDs of interested resources.
  std::vector<Jid> to;
  for (Session* s : server_.sessions(owner))
    if (wants(*s, node)) to.push_back(s->jid());
  // Whitelisted nodes (bookmarks, private data) reach only the owner; presence and open nodes
  // the contacts that receive the owner's presence (XEP-0163 §4, 2.), when they are served
  // here and so their caps are known (federation is off).
  if (config.access_model != "whitelist") {
    auto roster = co_await server_.storage().roster().items(host_, owner.local());
    for (const RosterItem& item : roster) {
      if (!subscribed_from(item)) continue;
      auto contact = Jid::parse(item.jid);
      if (!contact || !server_.serves_host(contact->domain())) continue;
      for (Session* s : server_.sessions(*contact))
        if (wants(*s, node)) to.push_back(s->jid());
    }
  }
  for (const Jid& full : to) {
    Element message("message", ns::kClient);
    message.set_attr("from", owner.bare_str()).set_attr("to", full.str());
    message.set_attr("type", "headline").set_attr("id", server_.random_id());
    message.add_child("event", kPubsubEvent).add(event_child);
    server_.route(std::move(message));
  }
}

void PepService::caps_known(Session& session) {
  server_.spawn(holding(shared_from_this(), send_last_items(session.jid())), "pep last items");
}

// XEP-0163 §4.3.3 (2) and §4.3.4: the last item of each node a newly available resource is
// interested in: its own account's nodes and those of the contacts it is subscribed to.
Task<void> PepService::send_last_items(Jid session_jid) {
  auto& store = server_.storage().pep();
  std::vector<Jid> owners{session_jid.bare()};
  auto roster = co_await server_.storage().roster().items(session_jid.domain(), session_jid.local());
  for (const RosterItem& item : roster) {
    if (!subscribed_to(item)) continue;
    auto contact = Jid::parse(item.jid);
    if (contact && contact->domain() == host_ && !contact->local().empty()) owners.push_back(contact->bare());
  }
  for (const Jid& owner : owners) {
    if (owner.domain() != host_) continue;
    bool own = owner == session_jid.bare();
    auto nodes = co_await store.nodes(host_, owner.local());
    for (const PepNode& node : nodes) {
      if (!node.config.send_last || !node.config.persist_items) continue;
      if (!own && node.config.access_model == "whitelist") continue;
      Session* s = server_.session(session_jid);
      if (!s) co_return;  // gone meanwhile
      if (!wants(*s, node.name)) continue;
      if (!own) {  // the subscription may have been cancelled meanwhile
        auto item = co_await server_.storage().roster().item(host_, owner.local(), session_jid.bare_str());
        if (!item || !subscribed_from(*item)) break;
      }
      auto last = co_await store.items(host_, owner.local(), node.name, {}, 1);
      if (last.empty()) continue;
      Element message("message", ns::kClient);
      message.set_attr("from", owner.bare_str()).set_attr("to", session_jid.str());
      message.set_attr("type", "headline").set_attr("id", server_.random_id());
      Element& items = message.add_child("event", kPubsubEvent).add_child("items", kPubsubEvent);
      items.set_attr("node", node.name);
      items.add(item_element(last.front(), kPubsubEvent));
      // §4.3.4: marked as sent earlier (XEP-0203).
      message.add_child("delay", ns::kDelay).set_attr("stamp", xep0082_stamp(last.front().stamp_us)).set_attr("from", owner.bare_str());
      server_.route(std::move(message));
    }
  }
}

Task<bool> PepService::remove_room(Jid account, Jid room) {
  auto self = shared_from_this();  // the caller may outlive the module
  auto& store = server_.storage().pep();
  std::string id = room.bare_str();
  auto config = co_await store.node(host_, account.local(), kBookmarks);
  if (!config) co_return false;
  if (!co_await store.retract(host_, account.local(), kBookmarks, id)) co_return false;
  Element items("items", kPubsubEvent);
  items.set_attr("node", kBookmarks);
  items.add_child("retract", kPubsubEvent).set_attr("id", id);
  co_await notify(account.bare(), std::string(kBookmarks), *config, std::move(items));
  co_return true;
}

}  // namespace xmppd::pep
