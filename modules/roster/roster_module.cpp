// Roster management (RFC 6121 §2): roster get, set and remove with pushes to interested
// resources, XEP-0237 roster versioning, and the stream features of versioning and of
// subscription pre-approval (§3.4, implemented with the presence module).
#include <variant>

#include "roster_codec.hpp"
#include "roster_service.hpp"
#include "subscription_machine.hpp"
#include "xmppd/log.hpp"
#include "xmppd/module.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd::roster {
namespace {

// What the IQ handlers need; they hold it by value, so a request in flight outlives a stop.
struct Handlers {
  Server& server;
  std::shared_ptr<RosterService> service;
  std::int64_t max_items;

  // §2.1.3 roster get; XEP-0237 §2.4: an unchanged version is answered with an empty result.
  Task<IqResult> get(const IqRequest& req) const {
    if (!(req.to.bare() == req.from.bare())) co_return StanzaError::service_unavailable();
    if (req.origin) req.origin->interested = true;  // §2.2: it now receives roster pushes
    Jid account = req.from.bare();
    const std::string* client_ver = req.payload.find_attr("ver");
    auto lock = co_await service->lock(account);
    std::string ver = std::to_string(co_await service->version(account));
    if (client_ver && *client_ver == ver) co_return IqResult::ok();
    Element query("query", ns::kRoster);
    query.set_attr("ver", ver);
    for (const RosterItem& item : co_await service->items(account))
      if (!item.hidden) query.add(item_to_xml(item));
    co_return IqResult::ok(std::move(query));
  }

  // §2.1.5 roster set: add or update (§2.3, §2.4) or remove (§2.5) one item.
  Task<IqResult> set(const IqRequest& req) const {
    if (!(req.to.bare() == req.from.bare())) co_return StanzaError::service_unavailable();
    auto parsed = parse_roster_set(req.payload);
    if (auto* error = std::get_if<StanzaError>(&parsed)) co_return *error;
    Jid account = req.from.bare();
    const RosterSet& request = std::get<RosterSet>(parsed);
    if (const auto* removal = std::get_if<RosterRemoval>(&request)) co_return co_await remove(account, removal->jid);
    co_return co_await update(account, std::get<RosterUpdate>(request));
  }

  Task<IqResult> update(const Jid& account, const RosterUpdate& u) const {
    if (u.jid == account) co_return StanzaError{"cancel", "not-allowed", "the account itself is not a contact", {}};
    auto lock = co_await service->lock(account);
    auto existing = co_await service->item(account, u.jid);
    if (!existing || existing->hidden) {
      std::int64_t count = 0;
      for (const RosterItem& item : co_await service->items(account)) count += item.hidden ? 0 : 1;
      if (count >= max_items) co_return StanzaError{"cancel", "not-allowed", "the roster is full", {}};
    }
    RosterItem item = existing.value_or(RosterItem{});
    item.jid = u.jid.bare_str();
    item.name = u.name;
    item.groups = u.groups;
    item.hidden = false;  // added by the user: a pending request from the contact stays pending
    co_await service->save(account, std::move(item));
    co_return IqResult::ok();
  }

  // §2.5.2: the item goes, and the contact hears that both directions of the subscription (and
  // any request still pending) are cancelled.
  Task<IqResult> remove(const Jid& account, const Jid& contact) const {
    auto lock = co_await service->lock(account);
    auto existing = co_await service->item(account, contact);
    if (!existing || existing->hidden) co_return StanzaError::item_not_found();  // §2.5.3
    co_await service->remove(account, contact);
    SubState state = state_of(*existing).state;
    auto tell = [&](const char* type) {
      Element p("presence", ns::kClient);
      p.set_attr("type", type).set_attr("from", account.str()).set_attr("to", contact.str());
      server.route(std::move(p));
    };
    if (has_to(state) || pending_out(state)) tell("unsubscribe");
    if (has_from(state) || pending_in(state)) tell("unsubscribed");
    if (has_from(state)) send_presence_of_resources(server, account, contact, true);
    co_return IqResult::ok();
  }
};

class RosterModule final : public Module {
 public:
  explicit RosterModule(ModuleContext& ctx) {
    Handlers h{ctx.server(), RosterService::of(ctx.server()), ctx.options().integer("max_items")};
    h.service->set_max_items(ctx.host(), h.max_items);
    ctx.on_iq(IqType::get, ns::kRoster, IqScope::host, [h](const IqRequest& r) { return h.get(r); });
    ctx.on_iq(IqType::set, ns::kRoster, IqScope::host, [h](const IqRequest& r) { return h.set(r); });
    // XEP-0237 §2.1 and RFC 6121 §3.4: offered with the features after authentication.
    ctx.on<StreamFeatures>(priority::kNormal, [](StreamFeatures& ev) {
      if (!ev.authenticated) return;
      ev.features.add_child("ver", ns::kRosterVer);
      ev.features.add_child("sub", ns::kPreApproval);
    });
    service_ = h.service;
    // The roster is kept in memory while the account has sessions (RosterService::snapshot).
    ctx.on<SessionClosed>(priority::kNormal, [&server = ctx.server(), service = h.service](SessionClosed& ev) {
      Jid account = ev.session.jid().bare();
      if (server.sessions(account).empty()) service->forget(account);
    });
    ctx.on<AccountDeleted>(priority::kNormal, [service = h.service](AccountDeleted& ev) {
      if (auto gone = Jid::from_parts(ev.username, ev.host)) service->forget(*gone);
    });
  }

 private:
  std::shared_ptr<RosterService> service_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "roster";
  m.summary = "RFC 6121 roster management with XEP-0237 versioning";
  m.xeps = {"RFC 6121 §2 complete", "XEP-0237 1.3 complete (versions, no incremental pushes)"};
  m.options = {
      {"max_items", OptionType::integer, "2000", 1, 100000,
       "most items one account's roster may hold; a roster set adding one more is refused"},
  };
  m.default_hosts = {"accounts"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<RosterModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd::roster
