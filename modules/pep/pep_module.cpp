// XEP-0163 Personal Eventing Protocol on accounts, with XEP-0084 avatars converted to and from
// vCard photos (XEP-0398), XEP-0402 bookmarks and XEP-0223 private data as PEP nodes, and the
// Bookmarks service (xmppd/bookmarks.hpp) for modules that manage users' rooms.
#include "avatar_conversion.hpp"
#include "pep_service.hpp"
#include "pubsub_ns.hpp"
#include "xmppd/module.hpp"
#include "xmppd/peer_caps.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/vcard_events.hpp"

namespace xmppd::pep {
namespace {

// Below the caps module's hook (kRewrite), which must see the presence first.
constexpr int kAvatarHashPriority = priority::kRewrite - 10;

class PepModule final : public Module {
 public:
  explicit PepModule(ModuleContext& ctx) {
    const Options& o = ctx.options();
    service_ = std::make_shared<PepService>(
        ctx.server(), ctx.host(),
        PepLimits{o.bytes("max_item_size"), o.bytes("quota"), o.integer("max_nodes")});
    auto svc = service_;
    for (IqType t : {IqType::get, IqType::set}) {
      ctx.on_iq(t, kPubsub, IqScope::account, [svc](const IqRequest& req) { return svc->handle_pubsub(req); });
      ctx.on_iq(t, kPubsubOwner, IqScope::account, [svc](const IqRequest& req) { return svc->handle_owner(req); });
    }
    // XEP-0163 §6.1: the account is a pubsub service of type pep, with the XEP-0060 features
    // it supports (XEP-0060 §10).
    ctx.add_account_identity("pubsub", "pep");
    for (const char* f : {"access-open", "access-presence", "access-whitelist", "auto-create", "auto-subscribe",
                          "config-node", "create-and-configure", "create-nodes", "delete-items", "delete-nodes",
                          "filtered-notifications", "item-ids", "last-published", "persistent-items", "presence-notifications",
                          "publish", "publish-options", "retract-items", "retrieve-items"})
      ctx.add_account_feature(std::string(kPubsub) + "#" + f);
    ctx.on<PeerCapsChanged>(priority::kNormal, [svc](PeerCapsChanged& ev) { svc->caps_known(ev.session); });
    ctx.provide<Bookmarks>(*service_);  // the module keeps service_ until it stops

    if (o.boolean("vcard_conversion")) {
      ctx.add_account_feature(kVCardConversion);  // XEP-0398 §2
      avatars_ = std::make_shared<AvatarConversion>(ctx.server(), ctx.host(), service_, o.bytes("max_item_size"));
      std::weak_ptr<AvatarConversion> weak = avatars_;  // the service must not keep it alive
      service_->on_published = [weak](const Jid& owner, const std::string& node, const Element& payload) {
        if (auto a = weak.lock()) a->pep_published(owner, node, payload);
      };
      auto av = avatars_;
      ctx.on<VCardStored>(priority::kNormal, [av](VCardStored& ev) { av->vcard_stored(ev); });
      ctx.on<SessionBound>(priority::kNormal, [av](SessionBound& ev) { av->session_bound(ev.session); });
      ctx.on<SessionClosed>(priority::kNormal, [av](SessionClosed& ev) { av->session_closed(ev.session); });
      for (Target t : {Target::host, Target::bare, Target::full})
        ctx.on_stanza({StanzaKind::presence, Hop::outgoing, t}, kAvatarHashPriority,
                      [av](StanzaEvent& ev) { return av->on_presence(ev); });
    }
  }
  ~PepModule() override {
    if (service_) service_->on_published = nullptr;
  }

 private:
  std::shared_ptr<PepService> service_;
  std::shared_ptr<AvatarConversion> avatars_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "pep";
  m.summary = "XEP-0163 personal eventing (avatars, bookmarks, private data) on accounts";
  m.xeps = {"XEP-0163 1.2 complete for local contacts (no explicit subscriptions)",
            "XEP-0060 1.24 partial (publish, publish-options, retract, items, create, configure, delete)",
            "XEP-0084 1.1 complete (server side)", "XEP-0398 0.2 complete", "XEP-0402 1.1 server side",
            "XEP-0223 1.1 complete (server side)"};
  m.options = {
      {"max_item_size", OptionType::bytes, "192KiB", 1024, 16 * 1024 * 1024,
       "largest item payload (serialised XML, avatar image included); larger: payload-too-big"},
      {"quota", OptionType::bytes, "1MiB", 1024, INT64_MAX, "all PEP items of one account together"},
      {"max_nodes", OptionType::integer, "64", 1, 100000, "PEP nodes one account may have"},
      {"vcard_conversion", OptionType::boolean, "true", 0, INT64_MAX,
       "convert between PEP avatars and vCard photos, with the photo hash in presence (XEP-0398)"},
  };
  m.default_hosts = {"accounts"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<PepModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd::pep
