// Namespaces and error conditions of the XEP-0060 subset PEP (XEP-0163) uses, and of the PEP
// payloads this module knows about (XEP-0084 avatars, XEP-0402 bookmarks).
#pragma once
#include <string>

#include "xmppd/stanza_error.hpp"

namespace xmppd::pep {

inline constexpr char kPubsub[] = "http://jabber.org/protocol/pubsub";
inline constexpr char kPubsubOwner[] = "http://jabber.org/protocol/pubsub#owner";
inline constexpr char kPubsubEvent[] = "http://jabber.org/protocol/pubsub#event";
inline constexpr char kPubsubErrors[] = "http://jabber.org/protocol/pubsub#errors";
inline constexpr char kPublishOptions[] = "http://jabber.org/protocol/pubsub#publish-options";
inline constexpr char kNodeConfig[] = "http://jabber.org/protocol/pubsub#node_config";
inline constexpr char kAvatarData[] = "urn:xmpp:avatar:data";          // XEP-0084 §4.1
inline constexpr char kAvatarMetadata[] = "urn:xmpp:avatar:metadata";  // XEP-0084 §4.2
inline constexpr char kBookmarks[] = "urn:xmpp:bookmarks:1";           // XEP-0402 §3
inline constexpr char kVCardUpdate[] = "vcard-temp:x:update";          // XEP-0153 §3.1
inline constexpr char kVCardConversion[] = "urn:xmpp:pep-vcard-conversion:0";  // XEP-0398 §2

// A stanza error with a XEP-0060 §7.x pubsub#errors condition, e.g. precondition-not-met.
inline StanzaError pubsub_error(StanzaError base, const char* condition) {
  base.app_specific = Element(condition, kPubsubErrors);
  return base;
}

}  // namespace xmppd::pep
