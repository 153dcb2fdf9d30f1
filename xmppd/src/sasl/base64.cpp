// Base64 (RFC 4648 §4) as SASL in XMPP carries it (RFC 6120 §6.4.2), strictly validated.
#include <array>
#include <cstdint>

#include "sasl/scram.hpp"

namespace xmppd::sasl {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

std::string base64_encode(std::string_view raw) {
  // RFC 6120 §6.4.2 and §6.4.6: data of zero length is sent as "=", since an empty element
  // means "no data" rather than "empty data".
  if (raw.empty()) return "=";
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(static_cast<unsigned char>(raw[i])) << 16) |
                            (std::uint32_t(static_cast<unsigned char>(raw[i + 1])) << 8) |
                            std::uint32_t(static_cast<unsigned char>(raw[i + 2]));
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = raw.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t(static_cast<unsigned char>(raw[i])) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t(static_cast<unsigned char>(raw[i])) << 16) |
                            (std::uint32_t(static_cast<unsigned char>(raw[i + 1])) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text == "=") return std::string();
  // RFC 6120 §6.4.2 forbids whitespace and line breaks, and RFC 4648 §3.3 lets us reject
  // anything outside the alphabet; padding is mandatory (§3.2), so the length is exact.
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    pad = text[text.size() - 2] == '=' ? 2 : 1;
  }
  const std::size_t body = text.size() - pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < body; ++i) {
    const int v = kDecode[static_cast<unsigned char>(text[i])];
    if (v < 0) return std::nullopt;  // includes a stray "=" before the end
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // RFC 4648 §3.5: the bits left over must be zero, or two texts would decode to the same data
  // and a message could be altered without its decoded value changing.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace xmppd::sasl
