// scram_plus_client: an independent client side of SCRAM-SHA-1/256(-PLUS) (RFC 5802, RFC 7677)
// with channel binding tls-exporter (RFC 9266) or tls-server-end-point (RFC 5929), over
// STARTTLS (RFC 6120 §5) or direct TLS (XEP-0368), for the integration tests. It shares no code
// with the server: OpenSSL only, so a bug in the server's SCRAM is not mirrored here.
//
// usage: scram_plus_client --port P --user U [--domain D] [--direct-tls] [--tls12]
//          [--no-ems] [--mechanism SCRAM-SHA-256-PLUS] [--cb tls-exporter|tls-server-end-point]
//          [--wrong-cb] [--gs2-y] [--resource R]
// The password is read from standard input (first line). Prints lines "tls: …", "mechanisms: …",
// "channel-binding: …", "ems: yes|no" (TLS 1.2 only), then "server-signature: verified" and "jid: …" on
// success (exit 0), or "failure: <condition>" (exit 1); other errors exit 2.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1", domain = "localhost", user, password, resource = "scram-plus";
  int port = 0;
  bool direct_tls = false, tls12 = false, no_ems = false, wrong_cb = false, gs2_y = false;
  std::string mechanism = "SCRAM-SHA-256-PLUS", cb = "tls-exporter";
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "scram_plus_client: %s\n", what.c_str());
  ERR_print_errors_fp(stderr);
  std::exit(2);
}

std::string b64encode(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
  out.resize(std::size_t(n));
  return out;
}

std::string b64decode(const std::string& in) {
  if (in.size() % 4) die("bad base64 from the server: " + in);
  std::string out(in.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
  if (n < 0) die("bad base64 from the server: " + in);
  std::size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(std::size_t(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

std::string hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
            &len))
    die("HMAC failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr)) die("digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

// RFC 5802 §5.1: "=" and "," in the username are escaped.
std::string sasl_name(const std::string& user) {
  std::string out;
  for (char c : user) {
    if (c == '=') out += "=3D";
    else if (c == ',') out += "=2C";
    else out += c;
  }
  return out;
}

// The value of attribute `key` ("r", "s", "i", "v", "e") in a SCRAM message.
std::string attr(const std::string& msg, char key) {
  std::size_t pos = 0;
  while (pos < msg.size()) {
    std::size_t end = msg.find(',', pos);
    if (end == std::string::npos) end = msg.size();
    if (end - pos >= 2 && msg[pos] == key && msg[pos + 1] == '=') return msg.substr(pos + 2, end - pos - 2);
    pos = end + 1;
  }
  return {};
}

class Connection {
 public:
  explicit Connection(const Options& o) : o_(o) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(std::uint16_t(o.port));
    if (inet_pton(AF_INET, o.host.c_str(), &sa.sin_addr) != 1) die("bad address " + o.host);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) die("cannot connect");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{10, 0};  // a stuck server fails the test instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Connection() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    ::close(fd_);
  }

  void start_tls() {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    if (o_.tls12) SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
    if (o_.no_ems) SSL_CTX_set_options(ctx_, SSL_OP_NO_EXTENDED_MASTER_SECRET);  // RFC 7627 off
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // the test certificate is self-signed
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, o_.domain.c_str());
    if (o_.direct_tls) {
      static const unsigned char alpn[] = "\x0bxmpp-client";  // XEP-0368 §3.1
      SSL_set_alpn_protos(ssl_, alpn, sizeof alpn - 1);
    }
    if (SSL_connect(ssl_) != 1) die("TLS handshake failed");
    buffer_.clear();
  }

  void send(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      int n = ssl_ ? SSL_write(ssl_, data.data() + done, int(data.size() - done))
                   : int(::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL));
      if (n <= 0) die("write failed");
      done += std::size_t(n);
    }
  }

  // Reads until one of `ends` appears; returns everything up to and including it.
  std::string read_until(const std::vector<std::string>& ends) {
    for (;;) {
      std::size_t best = std::string::npos, best_len = 0;
      for (const auto& e : ends) {
        std::size_t p = buffer_.find(e);
        if (p != std::string::npos && (best == std::string::npos || p < best)) best = p, best_len = e.size();
      }
      if (best != std::string::npos) {
        std::string out = buffer_.substr(0, best + best_len);
        buffer_.erase(0, best + best_len);
        return out;
      }
      char buf[16384];
      int n = ssl_ ? SSL_read(ssl_, buf, sizeof buf) : int(::recv(fd_, buf, sizeof buf, 0));
      if (n <= 0) die("connection closed or timed out while waiting; received: " + buffer_);
      buffer_.append(buf, std::size_t(n));
    }
  }

  // Opens a stream and returns the text of its <stream:features>.
  std::string open_stream() {
    send("<?xml version='1.0'?><stream:stream to='" + o_.domain +
         "' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
    std::string got = read_until({"</stream:features>", "</stream:stream>"});
    if (got.find("</stream:features>") == std::string::npos) die("no stream features: " + got);
    return got.substr(got.find("<stream:features"));
  }

  SSL* ssl() const { return ssl_; }

 private:
  const Options& o_;
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

// Every text between <tag> and </tag> (tag without attributes) in `xml`.
std::vector<std::string> texts(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t b = xml.find("<" + tag + ">", pos);
    if (b == std::string::npos) break;
    b += tag.size() + 2;
    std::size_t e = xml.find("</" + tag + ">", b);
    if (e == std::string::npos) break;
    out.push_back(xml.substr(b, e - b));
    pos = e;
  }
  return out;
}

// The channel-binding types of XEP-0440 <channel-binding type='…'/>.
std::vector<std::string> binding_types(const std::string& features) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = features.find("<channel-binding ", pos)) != std::string::npos) {
    std::size_t t = features.find("type=", pos);
    if (t == std::string::npos) break;
    char quote = features[t + 5];
    std::size_t e = features.find(quote, t + 6);
    out.push_back(features.substr(t + 6, e - t - 6));
    pos = e;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// The channel-binding data the client computes itself from its own view of the TLS session.
std::string binding_data(SSL* ssl, const std::string& type) {
  if (type == "tls-exporter") {
    // RFC 9266 §2: 32 bytes, label "EXPORTER-Channel-Binding", empty context.
    unsigned char out[32];
    static const char label[] = "EXPORTER-Channel-Binding";
    if (SSL_export_keying_material(ssl, out, sizeof out, label, sizeof label - 1, nullptr, 0, 0) != 1)
      die("SSL_export_keying_material failed");
    return std::string(reinterpret_cast<char*>(out), sizeof out);
  }
  if (type == "tls-server-end-point") {
    // RFC 5929 §4.1: the hash of the server's certificate, with the certificate's signature
    // hash, SHA-256 when that is MD5 or SHA-1.
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) die("no server certificate");
    int md_nid = NID_undef;
    if (!X509_get_signature_info(cert, &md_nid, nullptr, nullptr, nullptr)) die("unknown signature algorithm");
    const EVP_MD* md = (md_nid == NID_md5 || md_nid == NID_sha1) ? EVP_sha256() : EVP_get_digestbynid(md_nid);
    if (!md) die("no hash for tls-server-end-point");
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    X509_digest(cert, md, out, &len);
    X509_free(cert);
    return std::string(reinterpret_cast<char*>(out), len);
  }
  die("unknown channel-binding type " + type);
}

std::string failure_condition(const std::string& xml) {
  // <failure xmlns='…'><not-authorized/></failure> → not-authorized
  std::size_t f = xml.find("<failure");
  std::size_t b = xml.find('<', xml.find('>', f) + 1);
  std::size_t e = xml.find_first_of(" />", b + 1);
  return xml.substr(b + 1, e - b - 1);
}

std::string element_text(const std::string& xml, const std::string& name) {
  std::size_t b = xml.find("<" + name);
  if (b == std::string::npos) return {};
  std::size_t gt = xml.find('>', b);
  if (xml[gt - 1] == '/') return {};  // empty element
  std::size_t e = xml.find("</" + name + ">", gt);
  return xml.substr(gt + 1, e - gt - 1);
}

int run(const Options& o) {
  Connection c(o);
  std::string features;
  if (o.direct_tls) {
    c.start_tls();
    features = c.open_stream();
  } else {
    features = c.open_stream();
    if (features.find("<starttls") == std::string::npos) die("STARTTLS not offered");
    c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    std::string r = c.read_until({"/>", "</proceed>", "</failure>"});
    if (r.find("<proceed") == std::string::npos) die("STARTTLS refused: " + r);
    c.start_tls();
    features = c.open_stream();
  }
  std::printf("tls: %s\n", SSL_get_version(c.ssl()));
  // RFC 7627 extended master secret: what makes tls-exporter safe on TLS 1.2 (RFC 9266 §3).
  if (SSL_version(c.ssl()) < TLS1_3_VERSION)
    std::printf("ems: %s\n", SSL_get_extms_support(c.ssl()) == 1 ? "yes" : "no");
  std::printf("mechanisms: %s\n", join(texts(features, "mechanism")).c_str());
  std::printf("channel-binding: %s\n", join(binding_types(features)).c_str());
  std::fflush(stdout);

  const bool plus = o.mechanism.ends_with("-PLUS");
  const EVP_MD* md = o.mechanism.starts_with("SCRAM-SHA-256") ? EVP_sha256() : EVP_sha1();
  // RFC 5802 §7: gs2-cbind-flag. 'y': "I support channel binding but think you do not".
  std::string gs2 = plus ? "p=" + o.cb + ",," : o.gs2_y ? "y,," : "n,,";
  unsigned char raw[18];
  RAND_bytes(raw, sizeof raw);
  std::string cnonce = b64encode(std::string(reinterpret_cast<char*>(raw), sizeof raw));
  std::string client_first_bare = "n=" + sasl_name(o.user) + ",r=" + cnonce;
  c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + o.mechanism + "'>" +
         b64encode(gs2 + client_first_bare) + "</auth>");
  std::string r = c.read_until({"</challenge>", "</failure>", "</stream:stream>"});
  if (r.find("<failure") != std::string::npos) {
    std::printf("failure: %s\n", failure_condition(r).c_str());
    return 1;
  }
  std::string server_first = b64decode(element_text(r, "challenge"));
  std::string nonce = attr(server_first, 'r');
  std::string salt = b64decode(attr(server_first, 's'));
  int iterations = std::atoi(attr(server_first, 'i').c_str());
  if (nonce.compare(0, cnonce.size(), cnonce) != 0) die("server nonce does not start with ours");
  if (iterations < 4096) die("iteration count below RFC 7677's 4096");

  unsigned char salted[EVP_MAX_MD_SIZE];
  int hlen = EVP_MD_get_size(md);
  if (!PKCS5_PBKDF2_HMAC(o.password.data(), int(o.password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                         int(salt.size()), iterations, md, hlen, salted))
    die("PBKDF2 failed");
  std::string salted_password(reinterpret_cast<char*>(salted), std::size_t(hlen));
  std::string client_key = hmac(md, salted_password, "Client Key");
  std::string stored_key = digest(md, client_key);
  std::string server_key = hmac(md, salted_password, "Server Key");

  std::string cb_input = gs2;
  if (plus) {
    std::string data = binding_data(c.ssl(), o.cb);
    if (o.wrong_cb) data[0] ^= 0x5a;  // what a man in the middle with another TLS session would have
    cb_input += data;
  }
  std::string final_without_proof = "c=" + b64encode(cb_input) + ",r=" + nonce;
  std::string auth_message = client_first_bare + "," + server_first + "," + final_without_proof;
  std::string client_signature = hmac(md, stored_key, auth_message);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= client_signature[i];
  c.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
         b64encode(final_without_proof + ",p=" + b64encode(proof)) + "</response>");

  r = c.read_until({"</success>", "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", "</failure>",
                    "</stream:stream>"});
  if (r.find("<failure") != std::string::npos) {
    std::printf("failure: %s\n", failure_condition(r).c_str());
    return 1;
  }
  if (r.find("<success") == std::string::npos) die("unexpected answer: " + r);
  // RFC 5802 §5: the client must verify the server's signature (mutual authentication).
  std::string server_final = b64decode(element_text(r, "success"));
  if (!attr(server_final, 'e').empty()) die("server error in success: " + server_final);
  if (b64decode(attr(server_final, 'v')) != hmac(md, server_key, auth_message)) die("server signature is wrong");
  std::printf("server-signature: verified\n");

  features = c.open_stream();  // RFC 6120 §6.4.6: a new stream after SASL
  if (features.find("urn:ietf:params:xml:ns:xmpp-bind") == std::string::npos) die("bind not offered: " + features);
  c.send("<iq type='set' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + o.resource +
         "</resource></bind></iq>");
  r = c.read_until({"</iq>"});
  std::string jid = element_text(r, "jid");
  if (jid.empty()) die("bind failed: " + r);
  std::printf("jid: %s\n", jid.c_str());
  c.send("</stream:stream>");
  c.read_until({"</stream:stream>"});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--port") o.port = std::atoi(next().c_str());
    else if (a == "--host") o.host = next();
    else if (a == "--domain") o.domain = next();
    else if (a == "--user") o.user = next();
    else if (a == "--resource") o.resource = next();
    else if (a == "--mechanism") o.mechanism = next();
    else if (a == "--cb") o.cb = next();
    else if (a == "--direct-tls") o.direct_tls = true;
    else if (a == "--tls12") o.tls12 = true;
    else if (a == "--no-ems") o.no_ems = true;
    else if (a == "--wrong-cb") o.wrong_cb = true;
    else if (a == "--gs2-y") o.gs2_y = true;
    else die("unknown argument " + a);
  }
  if (!o.port || o.user.empty()) die("--port and --user are required");
  std::getline(std::cin, o.password);  // never on the command line
  return run(o);
}
