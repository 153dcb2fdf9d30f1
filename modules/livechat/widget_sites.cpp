// The widget's site options and its availability document (see widget_sites.hpp, issue 7).
#include "widget_sites.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "xmppd/asio.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/random.hpp"
#include "xmppd/server.hpp"

namespace xmppd::livechat {
namespace {

constexpr char kLivechatNs[] = "urn:xmppd:livechat:0";
constexpr char kDataNs[] = "jabber:x:data";
constexpr char kDocumentPath[] = "/livechat/v0/site/";
constexpr char kIdPrefix[] = "widget-site-";
// How long the document waits for the service's answer (it is in-process: only a service still
// loading at start is slower); then every queue is reported unavailable.
constexpr auto kAnswerWait = std::chrono::seconds(2);

// One <queues/> question in flight: the answer lands here and wakes the HTTP handler.
struct Pending {
  std::optional<Element> answer;
  std::shared_ptr<asio::steady_timer> wake;
};

struct SiteState {
  WidgetSite site;
  std::string host;  // chat.D
  Server* server = nullptr;
  std::map<std::string, std::shared_ptr<Pending>> pending;  // IQ id -> waiting handler
};

bool valid_origin(const std::string& o) {
  auto scheme = o.find("://");
  if (scheme == std::string::npos || (o.compare(0, scheme, "https") != 0 && o.compare(0, scheme, "http") != 0))
    return false;
  // An origin has no path, query or trailing slash (RFC 6454 §6.2 serialisation).
  return o.size() > scheme + 3 && o.find('/', scheme + 3) == std::string::npos;
}

// XEP-0363 §2: the upload service's max-file-size from its XEP-0128 disco#info form.
std::int64_t upload_limit(Server& server, const std::string& upload_host) {
  if (upload_host.empty() || !server.serves_host(upload_host)) return 0;
  Element info = server.disco_info(upload_host);
  for (const Element* x : info.elements("x", kDataNs))
    for (const Element* f : x->elements("field", kDataNs))
      if (f->attr("var") == "max-file-size") {
        try {
          return std::stoll(f->child_text("value", kDataNs));
        } catch (const std::exception&) {
          return 0;
        }
      }
  return 0;
}

// Asks chat.D's own <queues/> handler (docs/protocol.md "Queues") and waits for its answer.
Task<std::optional<Element>> ask_queues(std::shared_ptr<SiteState> st) {
  auto pending = std::make_shared<Pending>();
  pending->wake = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  pending->wake->expires_after(kAnswerWait);
  std::string id = kIdPrefix + random_hex(8);
  st->pending[id] = pending;
  Element iq("iq", ns::kClient);
  iq.set_attr("type", "get").set_attr("id", id).set_attr("from", st->host).set_attr("to", st->host);
  iq.add_child("queues", kLivechatNs);
  st->server->route(std::move(iq));
  if (!pending->answer) {
    boost::system::error_code ec;
    co_await pending->wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  st->pending.erase(id);
  co_return std::move(pending->answer);
}

nlohmann::json document(const SiteState& st, const std::optional<Element>& queues) {
  const WidgetSite& s = st.site;
  nlohmann::json list = nlohmann::json::array();
  auto offered = [&](std::string_view name) {
    return std::find(s.queues.begin(), s.queues.end(), name) != s.queues.end() || name == s.callback_queue;
  };
  if (queues) {
    for (const Element* q : queues->elements("queue", kLivechatNs)) {
      std::string name(q->attr("name"));
      if (!s.queues.empty() && !offered(name)) continue;
      nlohmann::json e = {{"name", name},
                          {"description", std::string(q->attr("description"))},
                          {"available", q->attr("available") == "true"}};
      // `open` and `mode` come with business hours (offline tickets, callbacks); until the
      // service says, a queue is open and its mode is chat.
      e["open"] = q->has_attr("open") ? q->attr("open") == "true" : true;
      e["mode"] = q->has_attr("mode") ? std::string(q->attr("mode")) : std::string("chat");
      if (q->has_attr("next_open")) e["next_open"] = std::string(q->attr("next_open"));
      list.push_back(std::move(e));
    }
  }
  // No queues named: the service's first queue.
  std::string chat_queue = !s.queues.empty() ? s.queues.front()
                           : list.empty()    ? std::string()
                                             : list.front()["name"].get<std::string>();
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : s.url_rules) rules.push_back(rule);
  nlohmann::json doc = {
      {"version", 0},
      {"service", st.host},
      {"visitor_host", s.visitor_host},
      {"queues", std::move(list)},
      {"chat_queue", chat_queue},
      {"callback_queue", s.callback_queue.empty() ? chat_queue : s.callback_queue},
      {"greeting", {{"pl", s.greeting_pl}, {"en", s.greeting_en}}},
      {"invite_after_ms", s.invite_after.count()},
      {"rules", std::move(rules)},
      {"notice", {{"version", s.notice_version}, {"url", s.notice_url}}},
      // Paths on the origin that served the widget (the browser knows its scheme and port; a
      // module does not see whether TLS ends at a proxy in front).
      {"websocket", "/xmpp-websocket"},
      {"bosh", "/http-bind"},
      {"upload", {{"host", s.upload_host}, {"max_bytes", upload_limit(*st.server, s.upload_host)}}},
  };
  if (!queues) doc["queues_unknown"] = true;  // the service did not answer in time
  return doc;
}

Task<HttpResponse> serve(std::shared_ptr<SiteState> st, const HttpRequest& r) {
  std::string_view origin = r.header("origin");
  bool allowed = !origin.empty() && std::find(st->site.origins.begin(), st->site.origins.end(), origin) !=
                                        st->site.origins.end();
  // A browser on another site: refused, so it cannot even tell whether someone is available.
  // No Origin at all is a same-origin GET or not a browser, with no cross-site risk.
  if (!origin.empty() && !allowed) co_return HttpResponse::text(403, "origin not allowed\n");
  std::string name = r.path.substr(sizeof(kDocumentPath) - 1);
  HttpResponse res;
  if (name != st->site.key + ".json") {
    res = HttpResponse::text(404, "no such site\n");
  } else if (r.method == "OPTIONS") {
    res.status = 204;
    res.content_type.clear();
    res.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD");
    res.headers.emplace_back("Access-Control-Max-Age", "600");
  } else {
    auto queues = co_await ask_queues(st);
    res.content_type = "application/json";
    res.body = document(*st, queues).dump();
  }
  res.headers.emplace_back("Cache-Control", "no-store");
  res.headers.emplace_back("Vary", "Origin");
  if (allowed) res.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  co_return res;
}

}  // namespace

std::vector<OptionSpec> widget_site_options() {
  return {
      {"widget_site_key", OptionType::string, "", 0, INT64_MAX,
       "the site key of the visitor widget's embed snippet (data-site); empty: no widget document"},
      {"widget_origins", OptionType::string_list, "", 0, INT64_MAX,
       "origins (scheme://host[:port]) of the pages embedding the widget; CORS answers name only these "
       "(the HTTP listener's `origins` must list them too, for WebSocket and BOSH)"},
      {"widget_queues", OptionType::string_list, "", 0, INT64_MAX,
       "queues the chat widget offers, the first by default; empty: all queues, the first by default"},
      {"widget_callback_queue", OptionType::string, "", 0, INT64_MAX,
       "the queue of the handset (callback) widget; empty: the chat widget's first queue"},
      {"widget_greeting_pl", OptionType::string, "Dzień dobry! W czym możemy pomóc?", 0, INT64_MAX,
       "the invitation's greeting in Polish"},
      {"widget_greeting_en", OptionType::string, "Hello! How can we help you?", 0, INT64_MAX,
       "the invitation's greeting in English"},
      {"widget_invite_after", OptionType::duration, "30s", 0, 3600000,
       "time on a page before the invitation opens by itself (when a consultant is available)"},
      {"widget_url_rules", OptionType::string_list, "", 0, INT64_MAX,
       "pages where the invitation may open by itself: \"+pattern\" or \"-pattern\" on the page's path, "
       "'*' any characters, first match decides; no rule matching: allowed; empty list: every page"},
      {"widget_notice_url", OptionType::string, "", 0, INT64_MAX,
       "URL of the operator's information notice (GDPR Art. 13) the forms link to"},
      {"widget_visitor_host", OptionType::string, "", 0, INT64_MAX, "the visitors' host; empty: guest.D"},
      {"widget_upload_host", OptionType::string, "", 0, INT64_MAX, "the XEP-0363 upload host; empty: upload.D"},
  };
}

WidgetSite read_widget_site(const std::string& host, const Options& o) {
  auto fail = [&](const std::string& key, const std::string& what) {
    return std::runtime_error(host + "/livechat/" + key + ": " + what);
  };
  auto dot = host.find('.');
  std::string domain = dot == std::string::npos ? host : host.substr(dot + 1);
  WidgetSite s;
  s.key = o.string("widget_site_key");
  for (char c : s.key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      throw fail("widget_site_key", "letters, digits, '-' and '_' only");
  s.origins = o.strings("widget_origins");
  for (const auto& origin : s.origins)
    if (!valid_origin(origin)) throw fail("widget_origins", "\"" + origin + "\" is not an origin (scheme://host[:port])");
  s.queues = o.strings("widget_queues");
  s.callback_queue = o.string("widget_callback_queue");
  s.greeting_pl = o.string("widget_greeting_pl");
  s.greeting_en = o.string("widget_greeting_en");
  s.invite_after = o.duration("widget_invite_after");
  s.url_rules = o.strings("widget_url_rules");
  for (const auto& rule : s.url_rules)
    if (rule.size() < 2 || (rule[0] != '+' && rule[0] != '-'))
      throw fail("widget_url_rules", "\"" + rule + "\" does not start with + or -");
  s.notice_url = o.string("widget_notice_url");
  s.notice_version = o.string("notice_version");
  s.visitor_host = o.string("widget_visitor_host").empty() ? "guest." + domain : o.string("widget_visitor_host");
  s.upload_host = o.string("widget_upload_host").empty() ? "upload." + domain : o.string("widget_upload_host");
  return s;
}

void serve_widget_site(ModuleContext& ctx, WidgetSite site) {
  if (site.key.empty()) return;
  auto st = std::make_shared<SiteState>();
  st->host = ctx.host();
  st->server = &ctx.server();
  if (site.callback_queue.empty() && !site.queues.empty()) site.callback_queue = site.queues.front();
  st->site = std::move(site);

  // The service's answer to our own question, caught before anything else sees it.
  ctx.on_stanza({StanzaKind::iq, Hop::incoming, Target::host}, priority::kPolicy, [st](StanzaEvent& ev) {
    std::string_view type = ev.stanza.attr("type");
    if ((type != "result" && type != "error") || ev.from.str() != st->host) return Flow::next;
    auto it = st->pending.find(std::string(ev.stanza.attr("id")));
    if (it == st->pending.end()) return Flow::next;
    if (type == "result")
      if (const Element* q = ev.stanza.child("queues", kLivechatNs)) it->second->answer = *q;
    it->second->wake->cancel();
    return Flow::stop;
  });

  HttpRoute route;
  route.path = kDocumentPath;
  route.prefix = true;
  route.methods = {"GET", "HEAD", "OPTIONS"};
  route.handler = [st](const HttpRequest& r) { return serve(st, r); };
  ctx.add_http_route(std::move(route));
}

}  // namespace xmppd::livechat
