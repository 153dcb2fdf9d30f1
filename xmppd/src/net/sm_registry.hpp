// Resumable sessions by their XEP-0198 resumption id (unguessable, 128 bits).
#pragma once
#include <memory>
#include <string>
#include <unordered_map>

namespace xmppd {

class ClientSession;

class SmRegistry {
 public:
  static SmRegistry& instance();
  void add(const std::string& id, std::weak_ptr<ClientSession> session) { by_id_[id] = std::move(session); }
  void remove(const std::string& id) { by_id_.erase(id); }
  std::shared_ptr<ClientSession> find(const std::string& id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.lock();
  }

 private:
  std::unordered_map<std::string, std::weak_ptr<ClientSession>> by_id_;
};

}  // namespace xmppd
