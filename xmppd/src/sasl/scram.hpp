// SCRAM server side (RFC 5802, RFC 7677) with channel binding (RFC 5929, RFC 9266; XEP-0440).
//
// Pure protocol logic, no I/O: the session feeds client messages in and sends what comes out.
// The credential lookup happens between client_first() and server_first(), so the caller may
// fetch the account from storage asynchronously. Only salted keys are ever handled here.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xmppd::sasl {

enum class Hash { sha1, sha256 };

// What is stored for one account and one hash (RFC 5802 §3): never the password.
struct ScramKeys {
  std::string salt;        // raw bytes
  std::uint32_t iterations = 0;
  std::string stored_key;  // H(ClientKey), raw bytes
  std::string server_key;  // HMAC(SaltedPassword, "Server Key"), raw bytes
};

// Derives the stored keys from a password that is already SASLprep'ed. Costs PBKDF2: call it
// off the I/O threads. Uses exactly `iterations` (the caller's policy, e.g. 4096 or more);
// throws std::invalid_argument when it is 0 or above INT_MAX.
ScramKeys derive_keys(Hash hash, std::string_view prepared_password, std::string_view salt,
                      std::uint32_t iterations);
// A fresh random salt of 16 bytes. Throws std::runtime_error if the RNG fails.
std::string random_salt();
// True when `prepared_password` matches `keys` (for SASL PLAIN). Costs PBKDF2. Stored keys
// with fewer than 4096 iterations are still honoured; unusable ones (0 iterations, wrong key
// sizes) never match.
bool verify_password(Hash hash, std::string_view prepared_password, const ScramKeys& keys);

// Failure conditions of RFC 6120 §6.5 used by the mechanisms.
enum class Failure {
  aborted,
  incorrect_encoding,
  invalid_authzid,
  malformed_request,
  not_authorized,
  account_disabled,
  temporary_auth_failure,
};
const char* failure_name(Failure f);  // e.g. "not-authorized"

class ScramServer {
 public:
  struct Options {
    Hash hash = Hash::sha256;
    bool plus = false;  // the -PLUS variant was selected by the client
    // The server advertised -PLUS variants on this connection (RFC 5802 §6: a client sending
    // gs2 flag 'y' must then be refused).
    bool plus_advertised = false;
    // Channel binding types this connection supports, and how to get their data.
    std::function<std::optional<std::string>(std::string_view type)> binding_data;
    // Nonce source (injected in tests); default: 24 random bytes, base64.
    std::function<std::string()> nonce;
    // The iteration count new accounts get; an unknown user is shown this one, so that the
    // exchange looks like a real account's.
    std::uint32_t default_iterations = 4096;
  };

  explicit ScramServer(Options options);

  // Step 1: the client-first-message. Returns the SASLprep'ed username (authcid) to look up.
  // Every failure ends the exchange; later calls fail with malformed_request.
  std::variant<Failure, std::string> client_first(std::string_view message);
  // The authzid the client asked for (empty when none).
  const std::string& authzid() const { return authzid_; }
  // Step 2: the server-first-message. With nullopt (unknown user) a plausible fake is made
  // so the exchange goes on and fails at the proof, as RFC 5802 §5.1 suggests.
  // Returns "" when called out of order or when the RNG fails: answer temporary-auth-failure.
  std::string server_first(const std::optional<ScramKeys>& keys);
  // Step 3: verifies the client-final-message; on success returns the server-final-message
  // ("v=..."), which goes into <success/>.
  std::variant<Failure, std::string> client_final(std::string_view message);

 private:
  Options opt_;
  std::string authzid_, username_, client_first_bare_, gs2_header_, nonce_, server_first_;
  std::string cb_type_;
  std::string cb_data_;  // the channel binding data fetched at client_first() (-PLUS only)
  ScramKeys keys_;
  bool user_known_ = false;
  int step_ = 0;
};

// SASL PLAIN (RFC 4616) message parsing: authzid, authcid, password. nullopt when malformed.
struct PlainMessage {
  std::string authzid, authcid, password;
};
std::optional<PlainMessage> parse_plain(std::string_view message);

// Base64 as SASL in XMPP uses it (RFC 6120 §6.4.2: "=" alone is an empty response).
std::string base64_encode(std::string_view raw);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace xmppd::sasl
