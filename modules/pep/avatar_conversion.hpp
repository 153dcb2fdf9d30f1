// XEP-0398: the account's XEP-0084 PEP avatar and its XEP-0054 vCard photo kept as one.
//  - PEP to vCard (§3.1): a publish to urn:xmpp:avatar:metadata copies the image its <info/>
//    (the one without a url) names from urn:xmpp:avatar:data into the vCard's PHOTO, once its
//    SHA-1 matches the id; an empty <metadata/> (XEP-0084 §4.5, avatar disabled) removes it.
//  - vCard to PEP (§3.2): a vCard stored with a PHOTO publishes the image to avatar:data (id:
//    its SHA-1) and then its <info/> to avatar:metadata, which notifies the subscribers.
//  - Presence (§4): the SHA-1 of the vCard photo goes into the account's available presence as
//    XEP-0153 <x xmlns='vcard-temp:x:update'><photo/></x>, unless the client put a <photo/>
//    there itself. The hash is kept in memory only while the account has sessions here.
// Neither direction triggers the other: the PEP side writes the vCard through storage (no
// VCardStored), and the vCard side skips an image the metadata already names.
#pragma once
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>

#include "xmppd/awaitable.hpp"

#include "xmppd/element.hpp"
#include "xmppd/events.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/vcard_events.hpp"

namespace xmppd {
class Server;
class Session;
}

namespace xmppd::pep {

class PepService;

class AvatarConversion : public std::enable_shared_from_this<AvatarConversion> {
 public:
  AvatarConversion(Server& server, std::string host, std::shared_ptr<PepService> pep, std::uint64_t max_vcard_bytes);

  void pep_published(const Jid& owner, const std::string& node, const Element& payload);
  void vcard_stored(const VCardStored& ev);
  // An outgoing presence hook: adds the photo hash (see the .cpp for a presence
  // that comes before the hash is loaded).
  Flow on_presence(StanzaEvent& ev);
  void session_bound(Session& session);
  void session_closed(Session& session);

 private:
  Task<void> copy_to_vcard(Jid owner, Element metadata);
  Task<void> publish_from_vcard(Jid owner, Element vcard);
  Task<void> load_hash(Jid account);
  void rebroadcast(const Jid& account);
  void inject(Element& presence, const std::string& hash);

  Server& server_;
  std::string host_;
  std::shared_ptr<PepService> pep_;
  std::uint64_t max_vcard_bytes_;
  std::map<std::string, std::string> hashes_;  // account (bare) -> hex SHA-1 of its photo, "" none
  std::set<std::string> awaiting_;  // sessions (full JIDs) that broadcast presence before it was known
};

// Base64 (RFC 4648 §4) without the line breaks vCards often carry; nullopt when not base64.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);
std::string sha1_hex(std::string_view bytes);

}  // namespace xmppd::pep
