// The one way into Boost.Asio: <utility> first (Boost 1.74 with GCC 12 needs it), then Asio.
// Asio is compiled once in xmppd/src/asio_impl.cpp (BOOST_ASIO_SEPARATE_COMPILATION).
#pragma once
#include <utility>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "xmppd/awaitable.hpp"

namespace xmppd {
namespace asio = boost::asio;
using boost::system::error_code;
}  // namespace xmppd
