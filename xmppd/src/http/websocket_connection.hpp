// XMPP over WebSocket (RFC 7395): the transport of a client stream for browsers. Subprotocol
// `xmpp`, one complete element per text message, <open/> and <close/> in the framing namespace
// instead of the stream header, a stream restart after SASL by a new <open/>. The stream itself
// (SASL, binding, XEP-0198, limits) is the engine in net/client_stream.hpp, as on TCP.
#pragma once
#include <memory>
#include <string>

#include "http/beast.hpp"

namespace xmppd {

class Core;
class ConnectionLimiter;
struct ListenerConfig;

struct WebSocketParams {
  Core& core;
  ConnectionLimiter& limiter;  // the connection holds one place and one pre-auth place in it
  asio::thread_pool& cpu;
  const ListenerConfig& listener;
  std::string client_ip;  // for limits only; never logged
  bool secure;            // TLS here or at a trusted proxy
};

// Accepts the upgrade `request` (already checked: path, Origin, subprotocol) on `stream` and
// runs the stream until it ends; gives back its limiter places then.
void run_websocket(PlainStream stream, HttpRequestMessage request, WebSocketParams params);
void run_websocket(TlsStream stream, HttpRequestMessage request, WebSocketParams params);

}  // namespace xmppd
