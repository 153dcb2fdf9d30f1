// Unguessable values from OpenSSL's CSPRNG, for everything whose secrecy protects someone:
// session ids (BOSH), stream ids, anonymous JIDs (XEP-0175), visitors' conversation tokens,
// upload paths. A failure of the generator throws std::runtime_error: never a predictable value.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace xmppd {

std::string random_bytes(std::size_t n);
// `bytes` random bytes as 2 × bytes lowercase hex digits (16 bytes: a 128-bit id).
std::string random_hex(std::size_t bytes);
std::string to_hex(std::string_view bytes);

}  // namespace xmppd
