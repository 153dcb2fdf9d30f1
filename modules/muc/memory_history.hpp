// RoomHistory kept in memory (XEP-0045 §7.2.15 history on join): the newest `keep` messages of
// each room, serialised (a string is far smaller than an element tree). Used until the message
// archive (XEP-0313) provides a durable RoomHistory on the room host.
#pragma once
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "xmppd/muc.hpp"

namespace xmppd::muc {

class MemoryHistory final : public RoomHistory {
 public:
  MemoryHistory(std::size_t keep, std::function<std::string()> new_id)
      : keep_(keep), new_id_(std::move(new_id)) {}

  std::string assign_id(const Jid&) override { return new_id_(); }
  void append(const Jid& room, RoomMessage message) override;
  Task<std::vector<RoomMessage>> recent(Jid room, HistoryRequest request) override;
  void forget(const Jid& room) override { rooms_.erase(room.bare_str()); }

  // The selection itself, for tests and for recent().
  std::vector<RoomMessage> select(const Jid& room, const HistoryRequest& request) const;

 private:
  std::size_t keep_;
  std::function<std::string()> new_id_;
  std::unordered_map<std::string, std::deque<RoomMessage>> rooms_;
};

}  // namespace xmppd::muc
