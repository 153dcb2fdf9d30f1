// TLS contexts, channel-binding data (RFC 9266, RFC 5929) and self-signed certificates.
#include "net/tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <cstring>
#include <stdexcept>

namespace xmppd::tls {

std::unique_ptr<asio::ssl::context> make_server_context(const std::string& cert, const std::string& key,
                                                        const char* alpn) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections give their read/write buffers back to OpenSSL's pool (memory per session).
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_cipher_list(c, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!RC4");
  if (SSL_CTX_use_certificate_chain_file(c, cert.c_str()) != 1)
    throw std::runtime_error("cannot load TLS certificate " + cert);
  if (SSL_CTX_use_PrivateKey_file(c, key.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("cannot load TLS key " + key);
  if (SSL_CTX_check_private_key(c) != 1)
    throw std::runtime_error("TLS key " + key + " does not match certificate " + cert);
  // A client offering our protocol gets it; one offering others gets no ALPN (RFC 7301 §3.2).
  SSL_CTX_set_alpn_select_cb(
      c,
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
         void* arg) -> int {
        const auto* proto = static_cast<const unsigned char*>(arg);
        unsigned char* sel = nullptr;
        if (SSL_select_next_proto(&sel, outlen, proto, std::strlen(static_cast<const char*>(arg)), in, inlen) ==
            OPENSSL_NPN_NEGOTIATED) {
          *out = sel;
          return SSL_TLSEXT_ERR_OK;
        }
        return SSL_TLSEXT_ERR_NOACK;
      },
      const_cast<char*>(alpn));
  return ctx;
}

namespace {
bool exporter_allowed(SSL* ssl) {
  return SSL_version(ssl) >= TLS1_3_VERSION || SSL_get_extms_support(ssl) == 1;
}

const EVP_MD* end_point_hash(X509* cert) {
  int md_nid = NID_undef, pk_nid = NID_undef;
  if (!X509_get_signature_info(cert, &md_nid, &pk_nid, nullptr, nullptr)) return nullptr;
  if (md_nid == NID_undef) return nullptr;  // Ed25519/Ed448 sign without a separate hash
  if (md_nid == NID_md5 || md_nid == NID_sha1) return EVP_sha256();  // RFC 5929 §4.1
  return EVP_get_digestbynid(md_nid);
}
}  // namespace

std::vector<std::string> binding_types(SSL* ssl) {
  std::vector<std::string> out;
  if (exporter_allowed(ssl)) out.push_back("tls-exporter");
  if (X509* cert = SSL_get_certificate(ssl); cert && end_point_hash(cert)) out.push_back("tls-server-end-point");
  return out;
}

std::optional<std::string> binding_data(SSL* ssl, std::string_view type) {
  if (type == "tls-exporter") {
    if (!exporter_allowed(ssl)) return std::nullopt;
    unsigned char out[32];
    static const char label[] = "EXPORTER-Channel-Binding";  // RFC 9266 §2
    if (SSL_export_keying_material(ssl, out, sizeof out, label, sizeof label - 1, nullptr, 0, 0) != 1)
      return std::nullopt;
    return std::string(reinterpret_cast<char*>(out), sizeof out);
  }
  if (type == "tls-server-end-point") {
    X509* cert = SSL_get_certificate(ssl);
    if (!cert) return std::nullopt;
    const EVP_MD* md = end_point_hash(cert);
    if (!md) return std::nullopt;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (X509_digest(cert, md, out, &len) != 1) return std::nullopt;
    return std::string(reinterpret_cast<char*>(out), len);
  }
  return std::nullopt;
}

void write_self_signed(const std::string& cert_file, const std::string& key_file,
                       const std::vector<std::string>& domains) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("cannot generate a key");
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  X509_set_version(x.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 60L * 60 * 24 * 825);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(domains.front().c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  std::string san;
  for (const auto& d : domains) {
    if (!san.empty()) san += ",";
    san += "DNS:" + d + ",DNS:*." + d;
  }
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x.get(), x.get(), nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!X509_sign(x.get(), key.get(), EVP_sha256())) throw std::runtime_error("cannot sign certificate");
  FILE* kf = std::fopen(key_file.c_str(), "w");
  if (!kf) throw std::runtime_error("cannot write " + key_file);
  PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(kf);
  FILE* cf = std::fopen(cert_file.c_str(), "w");
  if (!cf) throw std::runtime_error("cannot write " + cert_file);
  PEM_write_X509(cf, x.get());
  std::fclose(cf);
}

}  // namespace xmppd::tls
