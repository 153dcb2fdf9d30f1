// XEP-0054 vcard-temp: an account stores its own vCard and others read it, answered by the
// server on the account's behalf (RFC 6120 §10.3.3); kept in the XmlStore under "vcard-temp".
#include "xmppd/log.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/storage.hpp"
#include "xmppd/vcard_events.hpp"

namespace xmppd {
namespace {

constexpr const char* kStoreKey = kVCardStoreKey;

// What a handler needs, copied into it: a handler may still run after the module stopped.
struct VCardConfig {
  Server* server;
  std::string host;
  std::uint64_t max_size;
  bool readable_from_other_hosts;
};

Element empty_vcard() { return Element("vCard", ns::kVCard); }

Task<IqResult> get_vcard(VCardConfig cfg, const IqRequest& req) {
  if (req.payload.name() != "vCard") co_return StanzaError::bad_request();
  bool own = req.from.bare() == req.to.bare();
  // Visitors (guest.D) see a consultant's full name and photo only through the livechat's
  // consent rules (DESIGN.md, privacy), never by asking for the vCard directly.
  if (!own && req.from.domain() != cfg.host && !cfg.readable_from_other_hosts) co_return StanzaError::forbidden();
  auto stored = co_await cfg.server->storage().xml().get(cfg.host, req.to.local(), kStoreKey);
  if (stored) {
    if (auto vcard = parse_element(*stored)) co_return IqResult::ok(std::move(*vcard));
    log::error("vcard", "stored vCard does not parse; answering as if there were none");
  }
  // XEP-0054 §3.1: for one's own vCard either item-not-found or an empty <vCard/>; clients
  // (Gajim, Conversations, Dino) treat both as "no vCard", and the empty result is what
  // ejabberd and Openfire send, so a client never shows an error for a fresh account.
  if (own) co_return IqResult::ok(empty_vcard());
  // XEP-0054 §3.3: another user's missing vCard MUST be an error. The same one whether the
  // account exists or not, so the answer does not reveal which accounts exist.
  co_return StanzaError::item_not_found();
}

Task<IqResult> set_vcard(VCardConfig cfg, const IqRequest& req) {
  // XEP-0054 §3.2: only one's own vCard (no 'to', or one's own bare JID).
  if (req.from.bare() != req.to.bare()) co_return StanzaError::forbidden();
  if (req.payload.name() != "vCard") co_return StanzaError::bad_request();
  // Stored as re-serialised from the parsed tree, never as the bytes the client sent.
  std::string xml = req.payload.to_string();
  if (xml.size() > cfg.max_size) co_return StanzaError::not_acceptable("vCard too large");
  // The SM ack of this IQ waits until the vCard is written (Session::defer_ack()).
  auto hold_ack = req.origin ? req.origin->defer_ack() : nullptr;
  auto& store = cfg.server->storage().xml();
  // An empty <vCard/> clears it: nothing is kept for an account that published nothing.
  if (req.payload.element_count() == 0 && req.payload.attributes().empty())
    co_await store.remove(cfg.host, req.from.local(), kStoreKey);
  else
    co_await store.set(cfg.host, req.from.local(), kStoreKey, std::move(xml));
  // Other modules may follow it (XEP-0398: the photo becomes the PEP avatar).
  VCardStored stored{cfg.host, req.from.local(), req.payload};
  cfg.server->emit(cfg.host, stored);
  co_return IqResult::ok();
}

class VCardModule final : public Module {
 public:
  explicit VCardModule(ModuleContext& ctx) {
    VCardConfig cfg{&ctx.server(), ctx.host(), ctx.options().bytes("max_size"),
                    ctx.options().boolean("readable_from_other_hosts")};
    ctx.add_feature(ns::kVCard);  // XEP-0054 §4
    ctx.on_iq(IqType::get, ns::kVCard, IqScope::account,
              [cfg](const IqRequest& req) { return get_vcard(cfg, req); });
    ctx.on_iq(IqType::set, ns::kVCard, IqScope::account,
              [cfg](const IqRequest& req) { return set_vcard(cfg, req); });
  }
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "vcard";
  m.summary = "XEP-0054 vcard-temp";
  m.xeps = {"XEP-0054 1.2 complete"};
  m.options = {
      {"max_size", OptionType::bytes, "64KiB", 1024, 16 * 1024 * 1024,
       "largest vCard an account may store (serialised XML, photo included)"},
      {"readable_from_other_hosts", OptionType::boolean, "false", 0, INT64_MAX,
       "let users of other hosts (e.g. visitors on guest.D) read this host's vCards"},
  };
  m.default_hosts = {"accounts"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<VCardModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd
