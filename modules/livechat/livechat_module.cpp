// Registers the livechat service (issue 6) on chat.D: queues, routing, conversations in rooms,
// notes and tags. See livechat_service.hpp for who calls what, docs/protocol.md for the protocol.
#include <memory>

#include "livechat_service.hpp"
#include "widget_sites.hpp"

namespace xmppd::livechat {
namespace {

class LivechatModule final : public Module {
 public:
  explicit LivechatModule(ModuleContext& ctx)
      : service_(std::make_shared<Service>(ctx.server(), read_settings(ctx))) {
    service_->start(ctx);
    serve_widget_site(ctx, read_widget_site(ctx, ctx.options().string("notice_version")));
  }
  ~LivechatModule() override { service_->stop(); }

 private:
  std::shared_ptr<Service> service_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "livechat";
  m.summary = "livechat service: queues, routing to consultants, conversations in rooms, notes and tags";
  m.xeps = {"urn:xmppd:livechat:0 (docs/protocol.md): join, rejoin by token, queue positions, offers",
            "XEP-0004 2.13 join form", "XEP-0045 1.34 conversation rooms through the muc module of the same host",
            "XEP-0249 1.2 offers as direct invitations", "XEP-0402 1.2 bookmarks removed on close"};
  m.options = {
      {"queues", OptionType::string_list, "general | General questions |  | 30s | least_busy", 0, INT64_MAX,
       "queues, one string each: \"name | description | members (bare JIDs or usernames of D, comma-separated) "
       "| offer timeout | routing (least_busy)\""},
      {"offer_timeout", OptionType::duration, "30s", 1000, 3600000,
       "how long a consultant has to accept an offer when the queue does not say"},
      {"max_chats", OptionType::integer, "3", 1, 100, "open conversations per consultant at most"},
      {"visitor_nick", OptionType::string, "Visitor", 0, INT64_MAX, "the nick visitors have in conversation rooms"},
      {"notice_version", OptionType::string, "", 0, INT64_MAX,
       "version of the operator's information notice a join must acknowledge; empty: any version, recorded"},
  };
  for (auto& o : widget_site_options()) m.options.push_back(std::move(o));  // the visitor widget's site
  m.default_hosts = {"service"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<LivechatModule>(ctx); };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd::livechat
