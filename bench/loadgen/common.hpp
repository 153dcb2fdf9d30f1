// The load generator's one way into Boost.Asio (xmppd's pattern: <utility> first for Boost 1.74).
#pragma once
#include <utility>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdint>

namespace loadgen {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;
using tcp = asio::ip::tcp;
template <typename T>
using awaitable = asio::awaitable<T>;

// Nanoseconds on the monotonic clock: send and receive stamps come from this one process.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace loadgen
