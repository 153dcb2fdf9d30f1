// Interfaces modules offer each other (e.g. the bookmarks of xmppd/bookmarks.hpp), looked up by
// interface type and host, so a module uses another without either naming it and without the
// core knowing either. The provider keeps the shared_ptr; when it stops (and drops it) the
// lookup returns nullptr, so a registration is undone with the module that made it.
#pragma once
#include <memory>
#include <string>
#include <typeindex>

namespace xmppd {

class Server;

namespace detail {
void provide_service(Server& server, const std::string& host, std::type_index type, std::weak_ptr<void> service);
std::shared_ptr<void> find_service(Server& server, const std::string& host, std::type_index type);
}  // namespace detail

// Offers `service` as interface `T` on `host` of `server` while the caller keeps it alive.
template <class T>
void provide_service(Server& server, const std::string& host, const std::shared_ptr<T>& service) {
  detail::provide_service(server, host, std::type_index(typeid(T)), std::static_pointer_cast<void>(service));
}

// The `T` offered on `host`, or nullptr when no running module offers it.
template <class T>
std::shared_ptr<T> find_service(Server& server, const std::string& host) {
  return std::static_pointer_cast<T>(detail::find_service(server, host, std::type_index(typeid(T))));
}

}  // namespace xmppd
