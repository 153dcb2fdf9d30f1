// SASL PLAIN message parsing (RFC 4616 §2): [authzid] NUL authcid NUL passwd.
#include "sasl/scram.hpp"
#include "sasl/utf8.hpp"

namespace xmppd::sasl {

namespace {

// RFC 4616 §2: each field is 1 to 255 octets; the authzid may be absent altogether.
constexpr std::size_t kMaxField = 255;

bool acceptable(std::string_view field, bool may_be_empty) {
  if (field.empty()) return may_be_empty;
  return field.size() <= kMaxField && detail::valid_utf8(field);
}

}  // namespace

std::optional<PlainMessage> parse_plain(std::string_view message) {
  const auto first = message.find('\0');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto authzid = message.substr(0, first);
  const auto authcid = message.substr(first + 1, second - first - 1);
  const auto password = message.substr(second + 1);
  // A third NUL would end up inside the password, where RFC 4616's SAFE excludes it.
  if (password.find('\0') != std::string_view::npos) return std::nullopt;
  if (!acceptable(authzid, true) || !acceptable(authcid, false) || !acceptable(password, false))
    return std::nullopt;
  return PlainMessage{std::string(authzid), std::string(authcid), std::string(password)};
}

}  // namespace xmppd::sasl
