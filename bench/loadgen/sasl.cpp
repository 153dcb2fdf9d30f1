// SASL client mechanisms for the load generator; see sasl.hpp.
#include "sasl.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>

namespace loadgen::sasl {

namespace {
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const EVP_MD* md(Hash h) { return h == Hash::sha1 ? EVP_sha1() : EVP_sha256(); }

std::string hmac(Hash h, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md(h), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string digest(Hash h, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md(h), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

struct Keys {
  std::string client_key, stored_key, server_key;
};
using CacheKey = std::tuple<int, std::string, std::string, std::string, unsigned>;
std::map<CacheKey, Keys>& cache() {
  static std::map<CacheKey, Keys> c;
  return c;
}
std::size_t g_pbkdf2 = 0;

const Keys& keys_for(Hash h, const std::string& user, const std::string& password, const std::string& salt,
                     unsigned iterations) {
  CacheKey k{static_cast<int>(h), user, password, salt, iterations};
  auto it = cache().find(k);
  if (it != cache().end()) return it->second;
  ++g_pbkdf2;
  unsigned char salted[EVP_MAX_MD_SIZE];
  int len = EVP_MD_get_size(md(h));
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    static_cast<int>(iterations), md(h), len, salted);
  std::string sp(reinterpret_cast<char*>(salted), len);
  Keys keys;
  keys.client_key = hmac(h, sp, "Client Key");
  keys.stored_key = digest(h, keys.client_key);
  keys.server_key = hmac(h, sp, "Server Key");
  return cache().emplace(k, std::move(keys)).first->second;
}

// "a=b,c=d" → value of `key`.
std::string_view field(std::string_view msg, char key) {
  std::size_t pos = 0;
  while (pos < msg.size()) {
    std::size_t comma = msg.find(',', pos);
    std::string_view part = msg.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return {};
}
}  // namespace

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    const char* p = std::strchr(kB64, c);
    if (!p || !c) return std::nullopt;
    v = v << 6 | static_cast<unsigned>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

std::string plain_message(std::string_view user, std::string_view password) {
  std::string m;
  m += '\0';
  m += user;
  m += '\0';
  m += password;
  return m;
}

ScramClient::ScramClient(Hash hash, std::string user, std::string password)
    : hash_(hash), user_(std::move(user)), password_(std::move(password)) {}

std::string ScramClient::client_first() {
  if (!fixed_nonce_.empty()) {
    nonce_ = fixed_nonce_;
  } else {
    unsigned char raw[18];
    RAND_bytes(raw, sizeof raw);
    nonce_ = base64_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  }
  client_first_bare_ = "n=" + user_ + ",r=" + nonce_;  // bench user names need no =2C/=3D escaping
  return "n,," + client_first_bare_;
}

std::optional<std::string> ScramClient::client_final(std::string_view server_first) {
  std::string_view r = field(server_first, 'r'), s = field(server_first, 's'), i = field(server_first, 'i');
  if (r.substr(0, nonce_.size()) != nonce_ || s.empty() || i.empty()) return std::nullopt;
  auto salt = base64_decode(s);
  if (!salt) return std::nullopt;
  unsigned iterations = static_cast<unsigned>(std::stoul(std::string(i)));
  const Keys& k = keys_for(hash_, user_, password_, *salt, iterations);
  std::string without_proof = "c=biws,r=" + std::string(r);
  std::string auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
  std::string signature = hmac(hash_, k.stored_key, auth_message);
  std::string proof = k.client_key;
  for (std::size_t n = 0; n < proof.size(); ++n) proof[n] ^= signature[n];
  server_signature_ = hmac(hash_, k.server_key, auth_message);
  return without_proof + ",p=" + base64_encode(proof);
}

bool ScramClient::verify_server_final(std::string_view server_final) const {
  auto v = field(server_final, 'v');
  auto sig = base64_decode(v);
  return sig && *sig == server_signature_;
}

std::size_t ScramClient::pbkdf2_count() { return g_pbkdf2; }

}  // namespace loadgen::sasl
