// The one way into Boost.Beast for xmppd/src/http/ (Asio first, see xmppd/asio.hpp).
#pragma once
#include "xmppd/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace xmppd {
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using HttpRequestMessage = http::request<http::string_body>;
}  // namespace xmppd
