// Consultants' public profiles in conversations (consultant_profile.hpp; docs/protocol.md
// "The consultant's public profile"): the consultant grants or revokes the consent to show the
// full name, title and photo with <consent/> (stored with its time, every change logged); the
// visitor gets <profile/> by message when the consultant answers and by IQ (after a rejoin).
// The photo is the consultant's XEP-0084 avatar: the newest metadata item's <info/> names the
// data item (XEP-0084 §4.2, §4.1), read from the PEP store of the consultant's host.
#include "livechat_service.hpp"
#include "service_util.hpp"

#include <algorithm>

#include "xmppd/datetime.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"

namespace xmppd::livechat {
namespace {

constexpr char kAvatarMetadata[] = "urn:xmpp:avatar:metadata";  // XEP-0084 §4.2
constexpr char kAvatarData[] = "urn:xmpp:avatar:data";          // XEP-0084 §4.1

// Raster images only: an SVG may carry script.
bool shown_type(std::string_view type) {
  return type == "image/png" || type == "image/jpeg" || type == "image/webp" || type == "image/gif";
}

bool base64_text(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '=' || c == '\n' || c == '\r' || c == ' ';
  });
}

// The payload of a stored PEP item (the store keeps the payload; an <item/> wrapper is taken off).
std::optional<Element> payload_of(const std::string& item_xml) {
  auto e = parse_element(item_xml);
  if (!e || e->name() != "item") return e;
  const Element* first = e->first_child_element();
  if (!first) return std::nullopt;
  return *first;
}

}  // namespace

bool Service::consented(const std::string& bare) const {
  auto it = consents_.find(bare);
  return it != consents_.end() && it->second.granted;
}

Task<void> Service::restore_consents() {
  auto self = shared_from_this();
  for (auto& c : co_await server_.storage().livechat_feedback().consents(settings_.host))
    consents_[c.consultant] = c;
}

// <consent granted='true|false'/> (set) by a consultant; get reads the current answer.
Task<IqResult> Service::on_consent(const IqRequest& req) {
  std::string bare = req.from.bare_str();
  if (!is_consultant(bare) && !settings_.profiles.count(bare)) co_return StanzaError::forbidden();
  if (req.type == IqType::set) {
    std::string_view g = req.payload.attr("granted");
    if (g != "true" && g != "false" && g != "1" && g != "0")
      co_return StanzaError::bad_request("granted is true or false");
    LivechatConsentRecord r{bare, g == "true" || g == "1", server_.now_us()};
    consents_[bare] = r;
    server_.spawn(server_.storage().livechat_feedback().put_consent(settings_.host, r),
                  "livechat: storing a profile consent");
  }
  Element out("consent", kNs);
  auto it = consents_.find(bare);
  out.set_attr("granted", it != consents_.end() && it->second.granted ? "true" : "false");
  if (it != consents_.end()) out.set_attr("changed", xep0082_stamp(it->second.changed_us));
  co_return IqResult::ok(std::move(out));
}

// The <profile/> of the consultant who answered `c`, as the visitor may see it.
Task<Element> Service::profile_element(Conversation c) {
  auto self = shared_from_this();
  Element e("profile", kNs);
  e.set_attr("conversation", c.id);
  auto it = settings_.profiles.find(c.consultant);
  if (it == settings_.profiles.end()) co_return e;  // no profile: the nick in the room is all
  PublicProfile v = public_view(it->second, consented(c.consultant));
  e.set_attr("first_name", v.first_name).set_attr("initials", v.initials);
  if (!v.workplace.empty()) e.set_attr("workplace", v.workplace);
  if (!v.full_name.empty()) e.set_attr("full_name", v.full_name);
  if (!v.title.empty()) e.set_attr("title", v.title);
  if (!v.photo) co_return e;
  auto jid = Jid::parse(c.consultant);
  if (!jid) co_return e;
  auto& pep = server_.storage().pep();
  std::vector<std::string> newest;  // no ids: the newest item
  auto meta = co_await pep.items(jid->domain(), jid->local(), std::string(kAvatarMetadata), newest, 1);
  if (meta.empty()) co_return e;
  auto metadata = payload_of(meta.front().xml);
  const Element* info = metadata ? metadata->child("info", kAvatarMetadata) : nullptr;
  if (!info || !shown_type(info->attr("type"))) co_return e;
  std::string type(info->attr("type"));
  std::vector<std::string> ids{std::string(info->attr("id"))};
  auto data = co_await pep.items(jid->domain(), jid->local(), std::string(kAvatarData), ids, 1);
  if (data.empty()) co_return e;
  auto payload = payload_of(data.front().xml);
  if (!payload || !payload->is("data", kAvatarData)) co_return e;
  std::string base64 = payload->text();
  if (!base64_text(base64) || base64.size() > settings_.max_photo_bytes * 4 / 3 + 4) co_return e;
  e.add_child("photo", kNs).set_attr("type", type).add_text(std::move(base64));
  co_return e;
}

// When the consultant answers: the visitor's header shows who it is talking to.
void Service::send_profile(const Conversation& c) {
  auto v = visitors_.find(c.id);
  if (v == visitors_.end()) return;
  server_.spawn([](std::shared_ptr<Service> self, Conversation c, Jid to) -> Task<void> {
    Element profile = co_await self->profile_element(c);
    Element m("message", ns::kClient);
    m.set_attr("from", self->settings_.host).set_attr("to", to.str()).set_attr("type", "normal");
    m.add(std::move(profile));
    self->server_.route(std::move(m));
  }(shared_from_this(), c, v->second), "livechat: sending the consultant's profile");
}

// <profile token='…'/> (get): the visitor's conversation's consultant; item-not-found before
// someone has answered.
Task<IqResult> Service::on_profile(const IqRequest& req) {
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Visitors ask for their consultant's profile");
  std::string token(req.payload.attr("token"));
  auto c = token.size() == 32 ? state_->by_token_hash(token_hash(token)) : std::nullopt;
  if (!c || c->consultant.empty()) co_return StanzaError::item_not_found();
  co_return IqResult::ok(co_await profile_element(*c));
}

}  // namespace xmppd::livechat
