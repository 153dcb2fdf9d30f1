// Small helpers the livechat service's files share (defined in livechat_service.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "xmppd/element.hpp"
#include "xmppd/stanza_error.hpp"

namespace xmppd::livechat {

// A random 128-bit token, hex (OpenSSL's CSPRNG).
std::string new_token();
// SHA-256, hex: what is stored instead of a token (or, as a client key, of an address).
std::string token_hash(const std::string& token);
// Time-ordered ids: microseconds since the epoch, then randomness against collisions.
std::string new_id(std::int64_t now_us);
// XEP-0004 §3.4: the value of a submitted field, "" when absent.
std::string field(const Element& form, std::string_view var);
StanzaError error_with(std::string type, std::string condition, std::string text);

}  // namespace xmppd::livechat
