// RFC 6121 §2.1.2.5 subscription attribute values, as stored and as sent.
#include <string_view>

#include "xmppd/storage.hpp"

namespace xmppd {

const char* to_string(Subscription s) {
  switch (s) {
    case Subscription::none:
      return "none";
    case Subscription::to:
      return "to";
    case Subscription::from:
      return "from";
    case Subscription::both:
      return "both";
    case Subscription::remove:
      return "remove";
  }
  return "none";
}

std::optional<Subscription> subscription_from_string(std::string_view s) {
  if (s == "none") return Subscription::none;
  if (s == "to") return Subscription::to;
  if (s == "from") return Subscription::from;
  if (s == "both") return Subscription::both;
  if (s == "remove") return Subscription::remove;
  return std::nullopt;
}

}  // namespace xmppd
