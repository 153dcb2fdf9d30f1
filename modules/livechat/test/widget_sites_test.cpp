// The visitor widget's site document (widget_sites.hpp, issue 7) through the real router: it
// follows the service's <queues/> answer (a consultant's directed presence makes the queue
// available), carries the upload limit and the notice, is never cached, names only the site's
// origins in CORS, refuses other origins and unknown keys; bad `widget_*` options stop the start.
#define BOOST_TEST_MODULE widget_sites
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "test_host.hpp"

using namespace xmppd;
using namespace xmppd::testing;

namespace {

constexpr char kSite[] = "https://rpo.example.org";

HostSpec chat_host(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> o = {{"queues", "general | Pytania ogólne | anna | 30s"},
                                          {"notice_version", "2026-01"},
                                          {"widget_site_key", "fundusze"},
                                          {"widget_origins", kSite},
                                          {"widget_invite_after", "10s"},
                                          {"widget_url_rules", std::string("-/admin/*\x1f+/fundusze/*")},
                                          {"widget_notice_url", "https://rpo.example.org/rodo"}};
  for (auto& [k, v] : extra) o[k] = v;
  return {"chat.example.org", {"livechat", "muc"}, {{"livechat", o}}, false};
}

struct Fixture {
  TestHost host{std::vector<HostSpec>{{"example.org", {}, {}, false},
                                      {"guest.example.org", {}, {}, true},
                                      chat_host(),
                                      {"upload.example.org", {"upload"}, {{"upload", {{"max_file_size", "5000"}}}}, false}}};
  Fixture() {
    host.create_account("anna@example.org");
    host.settle();
  }
  HttpResponse get(const std::string& path, const std::string& origin) {
    const HttpRoute* route = host.core().http_route("example.org", path);
    BOOST_REQUIRE(route);
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.host = "example.org";
    r.headers = {{"host", "example.org:5443"}};
    r.secure = true;
    if (!origin.empty()) r.headers.emplace_back("origin", origin);
    return host.wait(route->handler(r));
  }
  static std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(document_follows_the_queue_answer_and_is_never_cached, Fixture) {
  HttpResponse r = get("/livechat/v0/site/fundusze.json", kSite);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.content_type == "application/json");
  BOOST_TEST(header(r, "Cache-Control") == "no-store");
  BOOST_TEST(header(r, "Access-Control-Allow-Origin") == kSite);
  BOOST_TEST(header(r, "Set-Cookie").empty());
  auto doc = nlohmann::json::parse(r.body);
  BOOST_TEST(doc["service"] == "chat.example.org");
  BOOST_TEST(doc["visitor_host"] == "guest.example.org");
  BOOST_TEST(doc["queues"].size() == 1u);
  BOOST_TEST(doc["queues"][0]["name"] == "general");
  BOOST_TEST(doc["queues"][0]["available"] == false);
  BOOST_TEST(doc["chat_queue"] == "general");
  BOOST_TEST(doc["invite_after_ms"] == 10000);
  BOOST_TEST(doc["rules"].size() == 2u);
  BOOST_TEST(doc["notice"]["version"] == "2026-01");
  BOOST_TEST(doc["notice"]["url"] == "https://rpo.example.org/rodo");
  BOOST_TEST(doc["websocket"] == "/xmpp-websocket");
  BOOST_TEST(doc["bosh"] == "/http-bind");
  BOOST_TEST(doc["upload"]["host"] == "upload.example.org");
  BOOST_TEST(doc["upload"]["max_bytes"] == 5000);

  // RFC 6121 §4.6 directed presence: anna is available, and the next document says so.
  FakeSession& anna = host.connect("anna@example.org/desk");
  host.send(anna, "<presence to='chat.example.org'/>");
  host.settle();
  doc = nlohmann::json::parse(get("/livechat/v0/site/fundusze.json", kSite).body);
  BOOST_TEST(doc["queues"][0]["available"] == true);
}

BOOST_FIXTURE_TEST_CASE(other_origins_and_unknown_keys_are_refused, Fixture) {
  HttpResponse foreign = get("/livechat/v0/site/fundusze.json", "https://evil.example");
  BOOST_TEST(foreign.status == 403);
  BOOST_TEST(header(foreign, "Access-Control-Allow-Origin").empty());
  // Same origin (no Origin header): answered, without CORS headers.
  HttpResponse plain = get("/livechat/v0/site/fundusze.json", "");
  BOOST_TEST(plain.status == 200);
  BOOST_TEST(header(plain, "Access-Control-Allow-Origin").empty());
  BOOST_TEST(get("/livechat/v0/site/other.json", kSite).status == 404);
}

BOOST_AUTO_TEST_CASE(bad_widget_options_stop_the_start_saying_where) {
  auto start = [](std::map<std::string, std::string> extra) {
    TestHost host{std::vector<HostSpec>{{"example.org", {}, {}, false}, chat_host(std::move(extra))}};
  };
  auto says = [](const std::string& what) {
    return [what](const std::exception& e) { return std::string(e.what()).find(what) != std::string::npos; };
  };
  BOOST_CHECK_EXCEPTION(start({{"widget_origins", "rpo.example.org"}}), std::exception,
                        says("chat.example.org/livechat/widget_origins"));
  BOOST_CHECK_EXCEPTION(start({{"widget_origins", "https://rpo.example.org/path"}}), std::exception,
                        says("widget_origins"));
  BOOST_CHECK_EXCEPTION(start({{"widget_url_rules", "/fundusze/*"}}), std::exception, says("widget_url_rules"));
  BOOST_CHECK_EXCEPTION(start({{"widget_site_key", "a b"}}), std::exception, says("widget_site_key"));
}
