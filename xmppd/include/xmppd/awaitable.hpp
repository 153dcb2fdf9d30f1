// The coroutine type of the module SDK, without the whole of Asio.
#pragma once
#include <utility>
#include <boost/asio/awaitable.hpp>

namespace xmppd {
template <class T = void>
using Task = boost::asio::awaitable<T>;
}  // namespace xmppd
