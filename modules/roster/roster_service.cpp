// Rosters of local accounts: the per-account FIFO lock, storage and roster pushes (RFC 6121
// §2.1.6, XEP-0237 versions).
#include "roster_service.hpp"

#include "roster_codec.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd::roster {
namespace {

std::map<Server*, std::weak_ptr<RosterService>>& services() {
  static std::map<Server*, std::weak_ptr<RosterService>> all;
  return all;
}

Task<void> push_later(std::shared_ptr<RosterService> service, Server& server, Jid account, Element item,
                      std::uint64_t version) {
  for (Session* s : server.sessions(account)) {
    if (!s->interested) continue;
    Element iq("iq", ns::kClient);
    iq.set_attr("type", "set").set_attr("id", "push-" + server.random_id()).set_attr("to", s->jid().str());
    Element& q = iq.add_child("query", ns::kRoster);
    q.set_attr("ver", std::to_string(version));
    q.add(item);
    server.send_to_session(*s, iq);
  }
  co_return;
}

}  // namespace

struct RosterService::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool granted = false;  // release() handed the lock over
  bool gone = false;     // its coroutine was destroyed while waiting (shutdown)
};

std::shared_ptr<RosterService> RosterService::of(Server& server) {
  auto& all = services();
  if (auto existing = all[&server].lock()) return existing;
  auto made = std::make_shared<RosterService>(server);
  all[&server] = made;
  return made;
}

RosterService::RosterService(Server& server) : server_(server) {}

RosterService::~RosterService() {
  auto& all = services();
  auto it = all.find(&server_);
  if (it != all.end() && it->second.expired()) all.erase(it);
}

RosterService::Lock::Lock(std::shared_ptr<RosterService> service, std::string key)
    : service_(std::move(service)), key_(std::move(key)) {}

RosterService::Lock::Lock(Lock&& other) noexcept : service_(std::move(other.service_)), key_(std::move(other.key_)) {}

RosterService::Lock& RosterService::Lock::operator=(Lock&& other) noexcept {
  if (this != &other) {
    if (service_) service_->release(key_);
    service_ = std::move(other.service_);
    key_ = std::move(other.key_);
  }
  return *this;
}

RosterService::Lock::~Lock() {
  if (service_) service_->release(key_);
}

Task<RosterService::Lock> RosterService::lock(const Jid& account) {
  auto self = shared_from_this();
  std::string key = account.bare_str();
  auto [it, free] = held_.try_emplace(key);
  if (free) co_return Lock(self, key);

  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  waiter->timer.expires_at(asio::steady_timer::time_point::max());
  it->second.waiters.push_back(waiter);
  // Should this coroutine be destroyed while it waits, the lock must not stay with it.
  struct Leave {
    RosterService& service;
    std::shared_ptr<Waiter> waiter;
    const std::string& key;
    bool taken = false;
    ~Leave() {
      if (taken) return;
      if (waiter->granted)
        service.release(key);
      else
        waiter->gone = true;
    }
  } leave{*this, waiter, key};
  while (!waiter->granted) {
    error_code ec;  // release() wakes the waiter by cancelling its timer
    co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  leave.taken = true;
  co_return Lock(self, key);
}

void RosterService::release(const std::string& key) {
  auto it = held_.find(key);
  if (it == held_.end()) return;
  auto& waiters = it->second.waiters;
  while (!waiters.empty()) {
    auto next = std::move(waiters.front());
    waiters.pop_front();
    if (next->gone) continue;
    next->granted = true;
    next->timer.cancel();
    return;
  }
  held_.erase(it);
}

Task<RosterService::Items> RosterService::snapshot(Jid account) {
  std::string key = account.bare_str();
  if (auto it = cached_.find(key); it != cached_.end()) co_return it->second;
  std::uint64_t writes = writes_;
  std::vector<RosterItem> rows = co_await server_.storage().roster().items(account.domain(), account.local());
  auto items = std::make_shared<const std::vector<RosterItem>>(std::move(rows));
  // Only for accounts with a session (they are who presence is routed for), and only what no
  // write overlapped.
  if (writes == writes_ && !server_.sessions(account).empty()) cached_[key] = items;
  co_return items;
}

Task<std::vector<RosterItem>> RosterService::items(Jid account) {
  Items items = co_await snapshot(std::move(account));
  co_return *items;
}

Task<std::optional<RosterItem>> RosterService::item(Jid account, Jid contact) {
  std::string jid = contact.bare_str();
  if (server_.sessions(account).empty())
    co_return co_await server_.storage().roster().item(account.domain(), account.local(), jid);
  Items items = co_await snapshot(std::move(account));
  for (const RosterItem& i : *items)
    if (i.jid == jid) co_return i;
  co_return std::nullopt;
}

void RosterService::forget(const Jid& account) { cached_.erase(account.bare_str()); }

void RosterService::invalidate(const std::string& key) {
  ++writes_;
  cached_.erase(key);
}

Task<std::uint64_t> RosterService::version(const Jid& account) {
  return server_.storage().roster().version(account.domain(), account.local());
}

Task<void> RosterService::save(const Jid& account, RosterItem item) {
  if (item.hidden && (item.subscription != Subscription::none || item.pending_out || item.preapproved))
    item.hidden = false;
  auto& store = server_.storage().roster();
  std::string key = account.bare_str();
  invalidate(key);
  if (item.hidden && !item.pending_in) {
    co_await store.remove(account.domain(), account.local(), item.jid);
    invalidate(key);
    co_return;
  }
  bool visible = !item.hidden;
  Element xml = item_to_xml(item);
  std::uint64_t version = co_await store.put(account.domain(), account.local(), std::move(item));
  invalidate(key);
  if (visible) push(account, std::move(xml), version);
}

Task<bool> RosterService::remove(const Jid& account, const Jid& contact) {
  std::string key = account.bare_str();
  invalidate(key);
  std::uint64_t version =
      co_await server_.storage().roster().remove(account.domain(), account.local(), contact.bare_str());
  invalidate(key);
  if (version == 0) co_return false;
  push(account, removed_item_xml(contact.bare_str()), version);
  co_return true;
}

void RosterService::push(const Jid& account, Element item, std::uint64_t version) {
  server_.spawn(push_later(shared_from_this(), server_, account.bare(), std::move(item), version), "roster push");
}

void RosterService::set_max_items(const std::string& host, std::int64_t max_items) { max_items_[host] = max_items; }

std::int64_t RosterService::max_items(const std::string& host) const {
  auto it = max_items_.find(host);
  return it == max_items_.end() ? kDefaultMaxItems : it->second;
}

void send_presence_of_resources(Server& server, const Jid& account, const Jid& contact, bool unavailable) {
  for (Session* s : server.sessions(account)) {
    if (!s->available) continue;
    Element p("presence", ns::kClient);
    if (unavailable)
      p.set_attr("type", "unavailable");
    else if (s->last_presence)
      p = *s->last_presence;
    p.set_attr("from", s->jid().str());
    p.set_attr("to", contact.str());
    server.route(std::move(p));
  }
}

}  // namespace xmppd::roster
