// The registry behind xmppd/services.hpp. Modules run on the I/O thread, and so do lookups.
#include "xmppd/services.hpp"

#include <map>
#include <tuple>

namespace xmppd::detail {
namespace {

using Key = std::tuple<Server*, std::string, std::type_index>;

std::map<Key, std::weak_ptr<void>>& registry() {
  static std::map<Key, std::weak_ptr<void>> all;
  return all;
}

}  // namespace

void provide_service(Server& server, const std::string& host, std::type_index type, std::weak_ptr<void> service) {
  auto& all = registry();
  std::erase_if(all, [](const auto& kv) { return kv.second.expired(); });  // stopped providers
  all[Key{&server, host, type}] = std::move(service);
}

std::shared_ptr<void> find_service(Server& server, const std::string& host, std::type_index type) {
  auto& all = registry();
  auto it = all.find(Key{&server, host, type});
  return it == all.end() ? nullptr : it->second.lock();
}

}  // namespace xmppd::detail
