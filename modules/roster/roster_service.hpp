// The rosters of local accounts as the roster and presence modules change them (RFC 6121 §2,
// §3), with the roster pushes of §2.1.6 and the XEP-0237 versions they carry.
//
// Both modules change an account's roster: a roster set, a subscription stanza the user sends,
// one a contact sends to the user. Each change reads the item, decides, and writes it back
// across storage awaits, so two of them interleaving would lose one. A FIFO lock per account
// runs them one at a time, in the order their stanzas arrived (which also keeps a contact's
// presence stanzas to the user in order). Nothing ever holds two accounts' locks, so there is
// no lock order to respect. One service per Server, shared by both modules on every host.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "xmppd/awaitable.hpp"
#include "xmppd/element.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/storage.hpp"

namespace xmppd {
class Server;
}

namespace xmppd::roster {

inline constexpr std::int64_t kDefaultMaxItems = 2000;

class RosterService : public std::enable_shared_from_this<RosterService> {
 public:
  // The service of `server`, made on first use; it lives while a module holds it.
  static std::shared_ptr<RosterService> of(Server& server);
  explicit RosterService(Server& server);
  ~RosterService();
  RosterService(const RosterService&) = delete;
  RosterService& operator=(const RosterService&) = delete;

  // Holds one account's roster; released when destroyed.
  class Lock {
   public:
    Lock() = default;
    Lock(std::shared_ptr<RosterService> service, std::string key);
    Lock(Lock&& other) noexcept;
    Lock& operator=(Lock&& other) noexcept;
    ~Lock();

   private:
    std::shared_ptr<RosterService> service_;
    std::string key_;
  };
  // Waits (first come, first served) until the account's roster is free.
  Task<Lock> lock(const Jid& account);

  // An account's items. While the account has a session they come from memory: presence asks
  // the roster for every stanza it routes (RFC 6121 §4.2.2, §4.3.2, §4.4.2), and a storage
  // round trip each time cost more than the routing itself. Loaded on first use, dropped on
  // every change (save, remove) and when the account's last session ends (forget).
  using Items = std::shared_ptr<const std::vector<RosterItem>>;
  Task<Items> snapshot(Jid account);
  Task<std::vector<RosterItem>> items(Jid account);
  Task<std::optional<RosterItem>> item(Jid account, Jid contact);
  // Drops the account's roster from memory (its last session ended, or it was deleted).
  void forget(const Jid& account);
  Task<std::uint64_t> version(const Jid& account);

  // Stores `item` for the account (with the account locked) and pushes it to the interested
  // resources when the user can see it. A hidden row becomes visible once the user has a
  // subscription, a request or a pre-approval with the contact, and is deleted when it no
  // longer holds a pending request.
  Task<void> save(const Jid& account, RosterItem item);
  // Removes the item and pushes the removal (§2.5.2); false when there was none.
  Task<bool> remove(const Jid& account, const Jid& contact);

  // §2.1.6: the item, in a roster push, to each interested resource of the account. The push
  // is written after the handler that caused it has finished (so a roster set's result comes
  // first, as in the RFC's examples).
  void push(const Jid& account, Element item, std::uint64_t version);

  // The item cap of a host (the roster module's max_items option).
  void set_max_items(const std::string& host, std::int64_t max_items);
  std::int64_t max_items(const std::string& host) const;

 private:
  struct Waiter;
  struct Entry {
    std::deque<std::shared_ptr<Waiter>> waiters;
  };
  void release(const std::string& key);
  // Around every write: drops the cached roster, and keeps a load that overlapped the write
  // from caching what it read before the write.
  void invalidate(const std::string& key);

  Server& server_;
  std::map<std::string, Entry> held_;  // account -> waiters, present while held
  std::unordered_map<std::string, Items> cached_;  // account -> items, while it has sessions
  std::uint64_t writes_ = 0;                       // invalidations so far
  std::map<std::string, std::int64_t> max_items_;
};

// Routes to `contact` the last presence of each available resource of `account`, or
// "unavailable" from each of them (when a subscription is approved, §3.1.5, or cancelled,
// §3.2.2, §3.3.3, §2.5.2).
void send_presence_of_resources(Server& server, const Jid& account, const Jid& contact, bool unavailable);

}  // namespace xmppd::roster
