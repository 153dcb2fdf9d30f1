// TLS for c2s (RFC 6120 §5, XEP-0368) and the channel bindings SCRAM-*-PLUS uses
// (RFC 9266 tls-exporter, RFC 5929 tls-server-end-point; advertised per XEP-0440).
#pragma once
#include <openssl/ssl.h>

#include <optional>
#include <string>
#include <vector>

#include "xmppd/asio.hpp"

namespace xmppd::tls {

// ALPN protocol lists in wire format (RFC 7301 §3.1), for make_server_context.
inline constexpr const char* kAlpnXmppClient = "\x0bxmpp-client";  // XEP-0368
inline constexpr const char* kAlpnHttp11 = "\x08http/1.1";          // Beast serves HTTP/1.1 only

// A server context: TLS 1.2 and 1.3 only, the certificate chain and key from PEM files, and
// ALPN answering with `alpn` (a static wire-format list) or with no ALPN at all.
// Throws std::runtime_error naming the file on failure.
std::unique_ptr<asio::ssl::context> make_server_context(const std::string& certificate_file,
                                                        const std::string& key_file, const char* alpn);

// Channel binding types this TLS connection can offer (RFC 9266 §2: tls-exporter needs TLS 1.3
// or extended master secret; RFC 5929 §4: tls-server-end-point needs a certificate signature
// with a hash, so not Ed25519/Ed448).
std::vector<std::string> binding_types(SSL* ssl);
std::optional<std::string> binding_data(SSL* ssl, std::string_view type);

// Writes a self-signed certificate and key (EC P-256) for `domains` (first one as CN, all as
// subjectAltName, including wildcard for subdomains). For first runs and tests.
void write_self_signed(const std::string& certificate_file, const std::string& key_file,
                       const std::vector<std::string>& domains);

}  // namespace xmppd::tls
