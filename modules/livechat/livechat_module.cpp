// Registers the livechat service (issue 6) on chat.D: queues, routing, conversations in rooms,
// notes and tags. See livechat_service.hpp for who calls what, docs/protocol.md for the protocol.
#include <memory>

#include "legal_hold.hpp"
#include "livechat_service.hpp"
#include "retention.hpp"
#include "widget_sites.hpp"

namespace xmppd::livechat {
namespace {

class LivechatModule final : public Module {
 public:
  explicit LivechatModule(ModuleContext& ctx)
      : settings_(read_settings(ctx.host(), ctx.options())),
        service_(std::make_shared<Service>(ctx.server(), settings_)),
        retention_(ctx.server(), ctx.host(), read_retention(ctx.options())) {
    service_->start(ctx);
    ctx.add_command(legal_hold_command(ctx.server(), ctx.host(), settings_.roles.administrators));
    ctx.add_metrics([weak = std::weak_ptr<Service>(service_)](MetricsWriter& out) {
      if (auto s = weak.lock()) s->write_metrics(out);
    });
    serve_widget_site(ctx, read_widget_site(ctx.host(), ctx.options()));
  }
  ~LivechatModule() override { service_->stop(); }

 private:
  Settings settings_;
  std::shared_ptr<Service> service_;
  RetentionJob retention_;
};

ModuleInfo describe() {
  ModuleInfo m;
  m.name = "livechat";
  m.summary = "livechat service: queues, routing to consultants, conversations in rooms, notes and tags, "
              "business hours, offline tickets and callbacks";
  m.xeps = {"urn:xmppd:livechat:0 (docs/protocol.md): join, rejoin by token, queue positions, offers",
            "XEP-0004 2.13 join form", "XEP-0045 1.34 conversation rooms through the muc module of the same host",
            "XEP-0249 1.2 offers as direct invitations", "XEP-0402 1.2 bookmarks removed on close",
            "urn:xmppd:livechat:0 offline mode: business hours, tickets, callback slots (XEP-0004 forms)",
            "urn:xmppd:livechat:0 clients and their history; staff search as XEP-0313 1.1 + XEP-0431 0.2 + "
            "XEP-0059 1.0 on chat.D, filtered by role and queue",
            "urn:xmppd:livechat:0 the visitor leaves or cancels, rates once, asks for the transcript by e-mail once",
            "XEP-0050 1.3 commands: note, tag, untag, close on a conversation room; queue status, tickets, "
            "callbacks on chat.D (docs/protocol.md \"XEP-0050 commands\")",
            "retention per data class with a purge job; XEP-0050 command legal-hold for administrators",
            "urn:xmppd:livechat:0 agent status, pick, transfer, invite, supervisors' silent join (hidden occupants "
            "of XEP-0045 1.34 rooms), a disconnected consultant's grace period"};
  m.options = {
      {"queues", OptionType::string_list, "general | General questions |  | 30s | least_busy", 0, INT64_MAX,
       "queues, one string each: \"name | description | members (bare JIDs or usernames of D, comma-separated) "
       "| offer timeout | routing (least_busy) | recipients of tickets and callbacks (comma-separated)\"; a queue "
       "with recipients answers joins with <offline/> when closed or when nobody is available"},
      {"hours", OptionType::string_list, "", 0, INT64_MAX,
       "business hours in Europe/Warsaw, one string per queue: \"queue | mon-fri 09:00-17:00, sat 10:00-14:00 "
       "| holidays closed | slot 30m\" (days mon..sun, ranges, daily; end up to 24:00; Polish public holidays "
       "closed unless \"holidays open\"; slot: callback slot length); a queue without hours is always open"},
      {"closures", OptionType::string_list, "", 0, INT64_MAX,
       "closure dates of a queue or of every queue (*): \"queue-or-* | 2026-12-31, 2027-01-02..2027-01-05\""},
      {"callback_days", OptionType::integer, "5", 1, 60, "working days of callback slots offered"},
      {"callback_slots_max", OptionType::integer, "200", 1, 5000, "callback slots listed at most"},
      {"callback_attempts", OptionType::integer, "3", 1, 20, "calls without an answer before a callback gives up"},
      {"submissions_per_session", OptionType::integer, "5", 1, 1000,
       "tickets and callback requests one visitor session may submit (against flooding the recipients)"},
      {"offer_timeout", OptionType::duration, "30s", 1000, 3600000,
       "how long a consultant has to accept an offer when the queue does not say"},
      {"feedback_window", OptionType::duration, "30m", 60000, 604800000,
       "how long after a conversation ends its visitor may still rate it and ask for the transcript by e-mail"},
      {"consultant_profiles", OptionType::string_list, "", 0, INT64_MAX,
       "consultants' public profiles, one string each: \"user-or-bare-JID | full name | title | workplace\"; "
       "visitors see the first name, initials and workplace, the full name, title and XEP-0084 avatar only "
       "with the consultant's consent (<consent/>)"},
      {"disconnect_grace", OptionType::duration, "60s", 0, 3600000,
       "how long a consultant whose last resource went unavailable keeps its conversations before they go back to "
       "the head of their queue"},
      // The texts are the operator's (configurable per site, issue 7): none by default;
      // docs/configuration.md and scripts/demo.sh show Polish ones.
      {"greeting", OptionType::string, "", 0, INT64_MAX, "said in the room when a visitor joins a queue"},
      {"busy_message", OptionType::string, "", 0, INT64_MAX,
       "said when nobody is free at the join and the queue's recent pace gives an estimate ({wait})"},
      {"busy_message_no_estimate", OptionType::string, "", 0, INT64_MAX,
       "the same without an estimate (fewer than two recent answers in the queue)"},
      {"inactivity_warning", OptionType::duration, "10m", 0, 86400000,
       "an active conversation waiting this long for the visitor gets the warning (0: never)"},
      {"inactivity_close", OptionType::duration, "5m", 0, 86400000,
       "and is closed this long after the warning (0: never)"},
      {"inactivity_warning_message", OptionType::string, "", 0, INT64_MAX,
       "the warning ({minutes}: minutes left)"},
      {"inactivity_closed_message", OptionType::string, "", 0, INT64_MAX,
       "said before the close"},
      {"max_chats", OptionType::integer, "3", 1, 100, "open conversations per consultant at most"},
      {"supervisors", OptionType::string_list, "", 0, INT64_MAX,
       "supervisors (bare JIDs or usernames of D): read the conversations, notes, tags, tickets, callbacks and "
       "clients of every queue (staff search, client history); consultants read those of their queues only"},
      {"administrators", OptionType::string_list, "", 0, INT64_MAX,
       "administrators (bare JIDs or usernames of D): read everything, as supervisors"},
      {"visitor_nick", OptionType::string, "Visitor", 0, INT64_MAX, "the nick visitors have in conversation rooms"},
      {"notice_version", OptionType::string, "", 0, INT64_MAX,
       "version of the operator's information notice a join must acknowledge; empty: any version, recorded"},
  };
  for (auto& o : widget_site_options()) m.options.push_back(std::move(o));  // the visitor widget's site
  for (auto& o : retention_options()) m.options.push_back(std::move(o));
  m.default_hosts = {"service"};
  m.create = [](ModuleContext& ctx) { return std::make_unique<LivechatModule>(ctx); };
  m.check = [](const std::string& host, const Options& options) {
    read_settings(host, options);
    read_widget_site(host, options);
    read_retention(options);
  };
  return m;
}

XMPPD_REGISTER_MODULE(describe);

}  // namespace
}  // namespace xmppd::livechat
