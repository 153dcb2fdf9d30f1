// Client side of SASL PLAIN (RFC 4616), ANONYMOUS (RFC 4505) and SCRAM-SHA-1/-256 (RFC 5802,
// RFC 7677) without channel binding (gs2 flag "n"). Salted passwords are derived once per
// (user, password, salt, iterations) and cached, as RFC 5802 §5.1 allows, so the generator's
// PBKDF2 does not cap login figures.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace loadgen::sasl {

std::string base64_encode(std::string_view in);
std::optional<std::string> base64_decode(std::string_view in);

std::string plain_message(std::string_view user, std::string_view password);

enum class Hash { sha1, sha256 };

class ScramClient {
 public:
  ScramClient(Hash hash, std::string user, std::string password);
  std::string client_first();
  void set_nonce(std::string nonce) { fixed_nonce_ = std::move(nonce); }  // for the RFC test vector
  // Returns the client-final message, or nothing when the server-first is malformed.
  std::optional<std::string> client_final(std::string_view server_first);
  bool verify_server_final(std::string_view server_final) const;

  static std::size_t pbkdf2_count();  // derivations actually run (cache misses)

 private:
  Hash hash_;
  std::string user_, password_, nonce_, client_first_bare_, server_signature_, fixed_nonce_;
};

}  // namespace loadgen::sasl
