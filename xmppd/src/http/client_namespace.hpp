// The engine serialises stanzas with jabber:client as the default namespace in scope (no xmlns
// on stanzas, stream_transport.hpp); the web transports carry each element on its own, where
// that namespace must be declared: RFC 7395 §3.3.3 (WebSocket) and XEP-0206 §4 (BOSH, inside a
// <body/> whose default namespace is httpbind).
#pragma once
#include <string>

namespace xmppd {

// `xml` (one element of our own serialisation) with xmlns='jabber:client' on its start tag,
// unless it already declares a default namespace.
std::string with_client_namespace(std::string xml);

}  // namespace xmppd
