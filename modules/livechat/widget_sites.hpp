// The visitor widget's site (issue 7): its configuration under [hosts."chat.D".module.livechat]
// (`widget_*` options) and the cookie-less availability document the widget's loader fetches,
// GET /livechat/v0/site/<key>.json (docs/protocol.md "The widget's site document").
//
// The document says which queues can take a conversation now. It is made from the service's own
// answer to the <queues/> IQ (docs/protocol.md "Queues"), asked of chat.D by chat.D itself, so the
// document and the protocol never disagree (and fields the service adds, such as `open` and
// `mode`, reach the widget without a change here). CORS answers name only the site's origins;
// no cookie is set or read, and the answer is never cached (availability changes by the second).
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xmppd/module.hpp"

namespace xmppd::livechat {

struct WidgetSite {
  std::string key;                    // the embed snippet's data-site; empty: no widget
  std::vector<std::string> origins;   // scheme://host[:port] of the pages that embed it
  std::vector<std::string> queues;    // offered by the chat widget, first one by default
  std::string callback_queue;         // the handset widget's queue; empty: the first queue
  std::string greeting_pl, greeting_en;
  std::chrono::milliseconds invite_after{30000};
  std::vector<std::string> url_rules;  // "+pattern" / "-pattern", first match decides
  std::string notice_url;
  std::string notice_version;
  std::string visitor_host;  // guest.D
  std::string upload_host;   // upload.D
};

// The `widget_*` options the livechat module declares.
std::vector<OptionSpec> widget_site_options();

// Reads the options of `host` (throws std::runtime_error "chat.D/livechat/widget_…: …" on a bad
// value; also run by `xmppd --check-config`).
WidgetSite read_widget_site(const std::string& host, const Options& o);

// Adds the HTTP route and the IQ result hook, when a site key is configured.
void serve_widget_site(ModuleContext& ctx, WidgetSite site);

}  // namespace xmppd::livechat
