// SCRAM server side (RFC 5802 §5 and §7, RFC 7677) with channel binding (RFC 5929, RFC 9266).
//
// A ScramServer lives for one exchange and moves through these states, each call once:
//   await-client-first --client_first()--> await-keys --server_first()--> await-client-final
//   --client_final()--> done
// The session calls client_first() with the client's first message, looks the returned
// username up in storage (possibly asynchronously), hands the keys (or nullopt) to
// server_first() and sends its result as the challenge, then calls client_final() with the
// response. Any failure and any call out of order move to "failed", where every later call
// fails with malformed-request: a new attempt needs a new ScramServer.
#include "sasl/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <exception>
#include <stdexcept>
#include <vector>

#include "sasl/utf8.hpp"
#include "xmppd/jid.hpp"

namespace xmppd::sasl {

namespace {

enum Step : int {
  kFailed = -1,
  kAwaitClientFirst = 0,
  kAwaitKeys = 1,
  kAwaitClientFinal = 2,
  kDone = 3,
};

constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kNonceBytes = 24;
constexpr std::uint32_t kFallbackIterations = 4096;  // RFC 7677 §4's minimum

const EVP_MD* digest(Hash hash) { return hash == Hash::sha1 ? EVP_sha1() : EVP_sha256(); }
std::size_t digest_size(Hash hash) { return hash == Hash::sha1 ? 20 : 32; }

// OpenSSL treats a null pointer differently from an empty buffer in places; never pass one.
const unsigned char* bytes(std::string_view s) {
  static const unsigned char empty = 0;
  return s.empty() ? &empty : reinterpret_cast<const unsigned char*>(s.data());
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::string hmac(Hash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(digest(hash), bytes(key), static_cast<int>(key.size()), bytes(data), data.size(), out,
           &len) == nullptr)
    throw std::runtime_error("HMAC failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string hash_of(Hash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes(data), data.size(), out, &len, digest(hash), nullptr) != 1)
    throw std::runtime_error("EVP_Digest failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

// Constant time, so that the time taken does not tell an attacker how much of a guess is right.
bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(bytes(a), bytes(b), a.size()) == 0;
}

// Keys the fake salts of unknown users: stable for the life of the process, so asking twice
// for the same unknown name gives the same salt, as a real account would.
const std::string& process_secret() {
  static const std::string secret = random_bytes(32);
  return secret;
}

// RFC 5802 §5.1 hints: answer an unknown user with a salt and iteration count that look like a
// real account's, so the exchange only fails at the proof and does not reveal which names exist.
ScramKeys fake_keys(Hash hash, std::string_view username, std::uint32_t iterations) {
  std::string label = hash == Hash::sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
  label += '\0';
  label += username;
  ScramKeys keys;
  keys.salt = hmac(Hash::sha256, process_secret(), label).substr(0, kSaltSize);
  keys.iterations = iterations == 0 ? kFallbackIterations : iterations;
  // The proof is still checked against these, so an unknown user costs the same work.
  keys.stored_key = random_bytes(digest_size(hash));
  keys.server_key = random_bytes(digest_size(hash));
  return keys;
}

bool usable(Hash hash, const ScramKeys& keys) {
  return keys.iterations > 0 && !keys.salt.empty() && keys.stored_key.size() == digest_size(hash) &&
         keys.server_key.size() == digest_size(hash);
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// saslname (RFC 5802 §7): "=2C" and "=3D" stand for "," and "="; §5.1 says any other "="
// must fail the exchange.
std::optional<std::string> decode_saslname(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
      continue;
    }
    const auto escape = s.substr(i + 1, 2);
    if (escape == "2C")
      out += ',';
    else if (escape == "3D")
      out += '=';
    else
      return std::nullopt;
    i += 2;
  }
  return out;
}

// c-nonce (RFC 5802 §7): printable ASCII except ",".
bool valid_nonce(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7E || c == ',') return false;
  return true;
}

// cb-name (RFC 5802 §7, RFC 5056 §7).
bool valid_cb_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-') return false;
  return true;
}

// attr-val (RFC 5802 §7); the caller has already excluded NUL and ",".
bool valid_attr_val(std::string_view s) { return s.size() >= 3 && is_alpha(s[0]) && s[1] == '='; }

using Result = std::variant<Failure, std::string>;

}  // namespace

const char* failure_name(Failure f) {
  switch (f) {
    case Failure::aborted:
      return "aborted";
    case Failure::incorrect_encoding:
      return "incorrect-encoding";
    case Failure::invalid_authzid:
      return "invalid-authzid";
    case Failure::malformed_request:
      return "malformed-request";
    case Failure::not_authorized:
      return "not-authorized";
    case Failure::account_disabled:
      return "account-disabled";
    case Failure::temporary_auth_failure:
      return "temporary-auth-failure";
  }
  return "not-authorized";
}

ScramKeys derive_keys(Hash hash, std::string_view prepared_password, std::string_view salt,
                      std::uint32_t iterations) {
  if (iterations == 0 || iterations > static_cast<std::uint32_t>(INT_MAX))
    throw std::invalid_argument("SCRAM iteration count out of range");
  if (prepared_password.size() > static_cast<std::size_t>(INT_MAX) ||
      salt.size() > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("SCRAM password or salt too long");
  // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i), Hi being PBKDF2 with HMAC.
  std::string salted(digest_size(hash), '\0');
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(bytes(prepared_password)),
                        static_cast<int>(prepared_password.size()), bytes(salt),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), digest(hash),
                        static_cast<int>(salted.size()),
                        reinterpret_cast<unsigned char*>(salted.data())) != 1)
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  ScramKeys keys;
  keys.salt = std::string(salt);
  keys.iterations = iterations;
  keys.stored_key = hash_of(hash, hmac(hash, salted, "Client Key"));
  keys.server_key = hmac(hash, salted, "Server Key");
  OPENSSL_cleanse(salted.data(), salted.size());
  return keys;
}

std::string random_salt() { return random_bytes(kSaltSize); }

bool verify_password(Hash hash, std::string_view prepared_password, const ScramKeys& keys) {
  if (!usable(hash, keys) || keys.iterations > static_cast<std::uint32_t>(INT_MAX)) return false;
  const auto derived = derive_keys(hash, prepared_password, keys.salt, keys.iterations);
  // Both, so that a record whose two keys disagree never lets anyone in.
  const bool stored_ok = equal_ct(derived.stored_key, keys.stored_key);
  const bool server_ok = equal_ct(derived.server_key, keys.server_key);
  return stored_ok && server_ok;
}

ScramServer::ScramServer(Options options) : opt_(std::move(options)) {}

Result ScramServer::client_first(std::string_view message) {
  const auto fail = [this](Failure f) -> Result {
    step_ = kFailed;
    return f;
  };
  if (step_ != kAwaitClientFirst) return fail(Failure::malformed_request);
  // No attribute may hold NUL (value-safe-char), and names are UTF-8; checking the whole
  // message once covers every field, escapes decoding only to ASCII.
  if (message.find('\0') != std::string_view::npos || !detail::valid_utf8(message))
    return fail(Failure::malformed_request);
  try {
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","
    const auto comma1 = message.find(',');
    if (comma1 == std::string_view::npos) return fail(Failure::malformed_request);
    const auto comma2 = message.find(',', comma1 + 1);
    if (comma2 == std::string_view::npos) return fail(Failure::malformed_request);
    const auto flag = message.substr(0, comma1);
    const auto authzid_attr = message.substr(comma1 + 1, comma2 - comma1 - 1);
    const auto bare = message.substr(comma2 + 1);

    char cbind = 0;
    std::string_view cb_name;
    if (flag == "n" || flag == "y") {
      cbind = flag[0];
    } else if (flag.starts_with("p=") && valid_cb_name(flag.substr(2))) {
      cbind = 'p';
      cb_name = flag.substr(2);
    } else {
      return fail(Failure::malformed_request);
    }

    std::string authzid;
    if (!authzid_attr.empty()) {
      if (!authzid_attr.starts_with("a=")) return fail(Failure::malformed_request);
      auto decoded = decode_saslname(authzid_attr.substr(2));
      if (!decoded) return fail(Failure::malformed_request);
      authzid = std::move(*decoded);
    }

    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    // No "m" extension is defined, and RFC 5802 §5.1 requires failing on one; a leading "m="
    // therefore fails the "n=" check below.
    const auto attrs = split_commas(bare);
    if (attrs.size() < 2 || !attrs[0].starts_with("n=") || !attrs[1].starts_with("r=") ||
        !valid_nonce(attrs[1].substr(2)))
      return fail(Failure::malformed_request);
    for (std::size_t i = 2; i < attrs.size(); ++i)
      if (!valid_attr_val(attrs[i]) || attrs[i][0] == 'm') return fail(Failure::malformed_request);
    const auto username = decode_saslname(attrs[0].substr(2));
    if (!username) return fail(Failure::malformed_request);

    switch (cbind) {
      case 'p': {
        // "p" promises a binding proof, which only the -PLUS mechanism names carry (RFC 5802 §6).
        if (!opt_.plus) return fail(Failure::malformed_request);
        auto data = opt_.binding_data ? opt_.binding_data(cb_name) : std::nullopt;
        if (!data) return fail(Failure::malformed_request);
        cb_type_ = std::string(cb_name);
        cb_data_ = std::move(*data);
        break;
      }
      case 'y':
        if (opt_.plus) return fail(Failure::malformed_request);
        // RFC 5802 §6: the client could bind but believes we cannot. We offered -PLUS, so
        // someone removed it from the list on the way: a downgrade attack.
        if (opt_.plus_advertised) return fail(Failure::not_authorized);
        break;
      default:  // 'n'
        if (opt_.plus) return fail(Failure::malformed_request);
        break;
    }

    // RFC 5802 §5.1: the username is prepared with SASLprep after the escapes are decoded.
    auto prepared = precis::saslprep(*username);
    if (!prepared || prepared->empty()) return fail(Failure::malformed_request);

    authzid_ = std::move(authzid);
    username_ = std::move(*prepared);
    gs2_header_ = std::string(message.substr(0, comma2 + 1));
    client_first_bare_ = std::string(bare);
    nonce_ = std::string(attrs[1].substr(2));
    step_ = kAwaitKeys;
    return username_;
  } catch (const std::exception&) {
    // The binding data callback or SASLprep failing is our problem, not the client's.
    return fail(Failure::temporary_auth_failure);
  }
}

std::string ScramServer::server_first(const std::optional<ScramKeys>& keys) {
  if (step_ != kAwaitKeys) {
    step_ = kFailed;
    return {};
  }
  try {
    // Unusable stored keys (corrupt record) are treated like an unknown user: the exchange
    // fails at the proof, as it would for a wrong password.
    user_known_ = keys && usable(opt_.hash, *keys);
    keys_ = user_known_ ? *keys : fake_keys(opt_.hash, username_, opt_.default_iterations);
    nonce_ += opt_.nonce ? opt_.nonce() : base64_encode(random_bytes(kNonceBytes));
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(keys_.salt) +
                    ",i=" + std::to_string(keys_.iterations);
    step_ = kAwaitClientFinal;
    return server_first_;
  } catch (const std::exception&) {
    step_ = kFailed;
    return {};
  }
}

Result ScramServer::client_final(std::string_view message) {
  const auto fail = [this](Failure f) -> Result {
    step_ = kFailed;
    return f;
  };
  if (step_ != kAwaitClientFinal) return fail(Failure::malformed_request);
  if (message.find('\0') != std::string_view::npos || !detail::valid_utf8(message))
    return fail(Failure::malformed_request);
  try {
    // client-final-message = channel-binding "," nonce ["," extensions] "," proof
    const auto last_comma = message.rfind(',');
    if (last_comma == std::string_view::npos) return fail(Failure::malformed_request);
    const auto without_proof = message.substr(0, last_comma);
    const auto proof_attr = message.substr(last_comma + 1);
    const auto attrs = split_commas(without_proof);
    if (!proof_attr.starts_with("p=") || proof_attr.size() == 2 || attrs.size() < 2 ||
        !attrs[0].starts_with("c=") || attrs[0].size() == 2 || !attrs[1].starts_with("r="))
      return fail(Failure::malformed_request);
    for (std::size_t i = 2; i < attrs.size(); ++i) {
      // A second c, r or p would make it ambiguous which one was checked.
      if (!valid_attr_val(attrs[i])) return fail(Failure::malformed_request);
      const char name = attrs[i][0];
      if (name == 'm' || name == 'c' || name == 'r' || name == 'p')
        return fail(Failure::malformed_request);
    }

    // RFC 4648 without RFC 6120's lone "=": these are SCRAM attributes, never empty.
    const auto cbind_input =
        attrs[0].substr(2) == "=" ? std::nullopt : base64_decode(attrs[0].substr(2));
    const auto proof =
        proof_attr.substr(2) == "=" ? std::nullopt : base64_decode(proof_attr.substr(2));
    if (!cbind_input || !proof) return fail(Failure::incorrect_encoding);

    if (attrs[1].substr(2) != nonce_) return fail(Failure::malformed_request);
    if (proof->size() != digest_size(opt_.hash)) return fail(Failure::malformed_request);
    // RFC 5802 §6: the gs2 header again, followed by the binding data for "p": the client
    // proves it sees the same TLS channel as we do.
    if (!equal_ct(*cbind_input, gs2_header_ + cb_data_)) return fail(Failure::not_authorized);

    // RFC 5802 §3: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); accept when
    // H(ClientKey) is StoredKey.
    std::string auth_message = client_first_bare_;
    auth_message += ',';
    auth_message += server_first_;
    auth_message += ',';
    auth_message += without_proof;
    const auto client_signature = hmac(opt_.hash, keys_.stored_key, auth_message);
    std::string client_key = *proof;
    for (std::size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= client_signature[i];
    const bool proof_ok = equal_ct(hash_of(opt_.hash, client_key), keys_.stored_key);
    OPENSSL_cleanse(client_key.data(), client_key.size());
    if (!proof_ok || !user_known_) return fail(Failure::not_authorized);

    step_ = kDone;
    return "v=" + base64_encode(hmac(opt_.hash, keys_.server_key, auth_message));
  } catch (const std::exception&) {
    return fail(Failure::temporary_auth_failure);
  }
}

}  // namespace xmppd::sasl
