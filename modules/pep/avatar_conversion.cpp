// XEP-0398 User Avatar to vCard-Based Avatars Conversion (see avatar_conversion.hpp).
#include "avatar_conversion.hpp"

#include <openssl/evp.h>

#include <cctype>

#include "pep_service.hpp"
#include "pubsub_ns.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::pep {

std::optional<std::string> decode_base64(std::string_view text) {
  std::string clean;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = clean.ends_with("==") ? 2 : clean.ends_with("=") ? 1 : 0;  // EVP counts it as data
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string encode_base64(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string sha1_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha1(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

namespace {

struct Photo {
  std::string type, bytes;
};

// XEP-0153 §3.1 / XEP-0054: the vCard's PHOTO with inline BINVAL, if any.
std::optional<Photo> vcard_photo(const Element& vcard) {
  const Element* photo = vcard.child("PHOTO", ns::kVCard);
  if (!photo) return std::nullopt;
  auto bytes = decode_base64(photo->child_text("BINVAL", ns::kVCard));
  if (!bytes || bytes->empty()) return std::nullopt;
  return Photo{photo->child_text("TYPE", ns::kVCard), std::move(*bytes)};
}

Task<std::optional<Element>> read_vcard(Server& server, const std::string& host, const std::string& user) {
  auto stored = co_await server.storage().xml().get(host, user, std::string(kVCardStoreKey));
  if (!stored) co_return std::nullopt;
  co_return parse_element(*stored);
}

// Holds a coroutine's object alive while it runs (the module may stop meanwhile).
Task<void> holding(std::shared_ptr<AvatarConversion> self, Task<void> task) { co_await std::move(task); }

// The image in a stored <data xmlns='urn:xmpp:avatar:data'/> payload (XEP-0084 §4.1).
std::optional<std::string> payload_bytes(const std::string& xml) {
  auto data = parse_element(xml);
  if (!data) return std::nullopt;
  return decode_base64(data->text());
}

}  // namespace

AvatarConversion::AvatarConversion(Server& server, std::string host, std::shared_ptr<PepService> pep,
                                   std::uint64_t max_vcard_bytes)
    : server_(server), host_(std::move(host)), pep_(std::move(pep)), max_vcard_bytes_(max_vcard_bytes) {}

void AvatarConversion::pep_published(const Jid& owner, const std::string& node, const Element& payload) {
  if (node != kAvatarMetadata || !payload.is("metadata", kAvatarMetadata)) return;
  server_.spawn(holding(shared_from_this(), copy_to_vcard(owner, payload)), "avatar to vcard");
}

namespace {

// §3.1: the <info/> that does not point to an external URL.
const Element* local_info(const Element& metadata) {
  const Element* info = nullptr;
  for (const Element* i : metadata.elements("info", kAvatarMetadata))
    if (i->attr("url").empty()) info = i;
  return info;
}

void set_photo(Element& vcard, const std::string& type, const std::string& bytes) {
  vcard.remove_children("PHOTO", ns::kVCard);
  Element& photo = vcard.add_child("PHOTO", ns::kVCard);
  if (!type.empty()) photo.add_child("TYPE", ns::kVCard).add_text(type);
  photo.add_child("BINVAL", ns::kVCard).add_text(encode_base64(bytes));
}

bool has_photo(const Element& vcard) { return vcard.child("PHOTO", ns::kVCard) != nullptr; }
void remove_photo(Element& vcard) { vcard.remove_children("PHOTO", ns::kVCard); }
Element empty_vcard() { return Element("vCard", ns::kVCard); }

}  // namespace

// §3.1: PEP to vCard.
Task<void> AvatarConversion::copy_to_vcard(Jid owner, Element metadata) {
  const std::string& user = owner.local();
  std::optional<Element> vcard = co_await read_vcard(server_, host_, user);
  if (!vcard) vcard = empty_vcard();
  const Element* info = local_info(metadata);
  std::string hash;
  if (!info) {
    if (!has_photo(*vcard)) co_return;
    remove_photo(*vcard);  // XEP-0084 §4.5: avatar disabled
  } else {
    hash = std::string(info->attr("id"));
    std::string type(info->attr("type"));
    auto current = vcard_photo(*vcard);
    if (current && sha1_hex(current->bytes) == hash) {  // already there (it came from the vCard)
      hashes_[owner.bare_str()] = hash;
      co_return;
    }
    std::vector<std::string> ids{hash};
    auto items = co_await server_.storage().pep().items(host_, user, std::string(kAvatarData), std::move(ids), 1);
    if (items.empty()) co_return;
    std::optional<std::string> bytes = payload_bytes(items.front().xml);
    // §3.1: SHOULD verify the hash; an image that does not match is not copied.
    if (!bytes || sha1_hex(*bytes) != hash) co_return;
    set_photo(*vcard, type, *bytes);
  }
  std::string xml = vcard->to_string();
  if (xml.size() > max_vcard_bytes_) co_return;  // too large for a vCard: left as it was
  co_await server_.storage().xml().set(host_, user, std::string(kVCardStoreKey), std::move(xml));
  if (auto it = hashes_.find(owner.bare_str()); it != hashes_.end()) it->second = hash;
}

void AvatarConversion::vcard_stored(const VCardStored& ev) {
  auto account = Jid::from_parts(ev.username, ev.host);
  if (!account) return;
  auto photo = vcard_photo(ev.vcard);
  if (auto it = hashes_.find(account->bare_str()); it != hashes_.end())
    it->second = photo ? sha1_hex(photo->bytes) : "";
  if (photo) server_.spawn(holding(shared_from_this(), publish_from_vcard(*account, ev.vcard)), "vcard to avatar");
}

// §3.2: vCard to PEP: the data first, then the metadata naming it.
Task<void> AvatarConversion::publish_from_vcard(Jid owner, Element vcard) {
  auto photo = vcard_photo(vcard);
  if (!photo) co_return;
  std::string id = sha1_hex(photo->bytes);
  auto current = co_await pep_->newest(owner, std::string(kAvatarMetadata), 1);
  if (!current.empty() && current.front().id == id) co_return;  // already published
  Element data("data", kAvatarData);
  data.add_text(encode_base64(photo->bytes));
  auto stored = co_await pep_->publish(owner, std::string(kAvatarData), id, std::move(data), {});
  if (std::holds_alternative<StanzaError>(stored)) {
    log::info("pep", "vCard photo not published as avatar: ", std::get<StanzaError>(stored).condition);
    co_return;
  }
  Element metadata("metadata", kAvatarMetadata);
  Element& info = metadata.add_child("info", kAvatarMetadata);
  info.set_attr("id", id).set_attr("bytes", std::to_string(photo->bytes.size()));
  info.set_attr("type", photo->type.empty() ? "image/png" : photo->type);  // XEP-0084 §4.2.1: type required
  co_await pep_->publish(owner, std::string(kAvatarMetadata), id, std::move(metadata), {});
}

void AvatarConversion::session_bound(Session& session) {
  if (session.anonymous()) return;
  std::string key = session.jid().bare_str();
  if (hashes_.count(key)) return;
  server_.spawn(holding(shared_from_this(), load_hash(session.jid().bare())), "avatar hash");
}

Task<void> AvatarConversion::load_hash(Jid account) {
  auto vcard = co_await read_vcard(server_, host_, account.local());
  std::optional<Photo> photo = vcard ? vcard_photo(*vcard) : std::nullopt;
  if (server_.sessions(account).empty()) co_return;  // gone meanwhile: keep nothing
  hashes_.emplace(account.bare_str(), photo ? sha1_hex(photo->bytes) : "");
  rebroadcast(account);
}

void AvatarConversion::session_closed(Session& session) {
  awaiting_.erase(session.jid().str());
  if (server_.sessions(session.jid().bare()).empty()) hashes_.erase(session.jid().bare_str());
}

void AvatarConversion::inject(Element& presence, const std::string& hash) {
  Element* x = presence.child("x", kVCardUpdate);
  if (!x) x = &presence.add_child("x", kVCardUpdate);
  Element& photo = x->add_child("photo", kVCardUpdate);
  if (!hash.empty()) photo.add_text(hash);  // XEP-0153 §3.2: empty <photo/>: no avatar
}

// §4: every available presence (broadcast or directed, e.g. a MUC join) of the account. The
// hash is loaded when the session binds; a presence that comes before it is loaded is not held
// (the session would not be available meanwhile): it goes with an empty <x/> (XEP-0153 §4.1:
// "not ready yet"), and once the hash is known the session's presence is broadcast again with it.
Flow AvatarConversion::on_presence(StanzaEvent& ev) {
  Session* session = ev.origin;
  if (!session || session->anonymous() || !ev.stanza.attr("type").empty()) return Flow::next;
  if (const Element* x = ev.stanza.child("x", kVCardUpdate); x && x->child("photo", kVCardUpdate))
    return Flow::next;  // the client said it itself (§4: an empty <photo/> is left as it is)
  auto it = hashes_.find(session->jid().bare_str());
  if (it != hashes_.end()) {
    inject(ev.stanza, it->second);
    return Flow::next;
  }
  if (!ev.stanza.child("x", kVCardUpdate)) ev.stanza.add_child("x", kVCardUpdate);
  if (!ev.stanza.has_attr("to")) awaiting_.insert(session->jid().str());
  return Flow::next;
}

void AvatarConversion::rebroadcast(const Jid& account) {
  auto it = hashes_.find(account.bare_str());
  for (Session* s : server_.sessions(account)) {
    if (!awaiting_.erase(s->jid().str())) continue;
    if (it == hashes_.end() || it->second.empty() || !s->available || !s->last_presence) continue;
    Element presence = *s->last_presence;
    presence.remove_attr("to");
    presence.remove_children("x", kVCardUpdate);
    server_.resume_outgoing(std::move(presence), *s, INT32_MAX);
  }
}

}  // namespace xmppd::pep
