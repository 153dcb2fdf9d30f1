// What carries a client stream (RFC 6120 §4) for the transport-independent engine in
// client_stream.hpp: TCP (stream header and byte stream), WebSocket (RFC 7395 framing, one
// element per message) and BOSH (XEP-0124/0206: body wrappers over many requests).
//
// The engine never sees bytes: a transport parses its framing, hands complete elements to
// ClientStream::handle() and tells it about stream opens, closes and the end of the transport.
// The engine writes through the calls below; every `element` call carries exactly one complete
// top-level element serialised with jabber:client as the default namespace (no xmlns on
// stanzas), so a transport that needs a namespace on each element (RFC 7395 §3.3.3) can add it.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

namespace xmppd {

class StreamTransport {
 public:
  virtual ~StreamTransport() = default;

  // "tcp", "websocket", "bosh": what sessions report as their transport (metrics, modules).
  virtual std::string_view name() const = 0;

  // The response stream header (RFC 6120 §4.7) or its framed form (<open/>, RFC 7395 §3.4).
  virtual void send_open(std::string_view from, std::string_view id) = 0;
  // The stream features, children already serialised (RFC 6120 §4.3.2).
  virtual void send_features(std::string children) = 0;
  // One complete top-level element.
  virtual void send_element(std::string xml) = 0;
  // Ends the stream: the stream error's children (empty: a clean close), then the end of the
  // stream (</stream:stream> or <close/>); the transport closes once that is written.
  virtual void send_close(std::string error_children) = 0;
  // False while a TLS handshake owns the connection and nothing can be written.
  virtual bool writable() const { return true; }
  // Closes without writing anything more (timeouts, a peer that never reads).
  virtual void abort() = 0;

  // Bytes queued and not yet written (XEP-0198 and back-pressure decisions).
  virtual std::size_t queued_bytes() const = 0;
  // Keeps the transport (and so the engine it owns) alive across an engine coroutine.
  virtual std::shared_ptr<void> keep_alive() = 0;

  // Security of the channel as the client reached us: TLS here, or a trusted TLS-terminating
  // proxy / loopback for HTTP (DESIGN.md: encryption in transit).
  virtual bool secure() const = 0;
  // The TLS connection xmppd terminates, for channel binding (RFC 9266, RFC 5929); null when
  // there is none (plain, or TLS ended at a proxy).
  virtual SSL* tls_handle() const = 0;
  // TCP only: the listener requires TLS before anything else (RFC 6120 §5.3.1).
  virtual bool tls_required() const { return false; }
  // TCP only: STARTTLS (RFC 6120 §5) can be offered now.
  virtual bool starttls_available() const { return false; }
  // TCP only: <proceed/> was written; the handshake starts once it is flushed.
  virtual void begin_starttls() {}
  // XEP-0198 is offered on TCP and WebSocket; BOSH acknowledges with its request ids.
  virtual bool stream_management() const { return true; }

  // After SASL success (RFC 6120 §6.4.6) the client opens a new stream; the stanza budget
  // changes from the pre-authentication one to the session's.
  virtual void restart(std::size_t max_stanza_bytes) = 0;
  // A bound, quiet session: the transport may free per-connection buffers (parser parking).
  // True when it holds nothing it could free now.
  virtual bool idle() { return true; }
};

}  // namespace xmppd
