// BOSH at /http-bind: HTTP handling and the session table (see bosh_service.hpp).
#include "http/bosh_service.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "core.hpp"
#include "http/bosh_session.hpp"
#include "net/limiter.hpp"
#include "xml/stream_parser.hpp"
#include "xmppd/log.hpp"
#include "xmppd/random.hpp"

namespace xmppd {

namespace {

// The request body as one <body/> element (XEP-0124 §6), parsed as restricted XML under `max_bytes`
// (RFC 6120 §11: no DTD, comments, PIs or entity references); nullopt when it is anything else.
std::optional<Element> parse_body(std::string_view text, std::size_t max_bytes) {
  std::optional<Element> out;
  int count = 0;
  StreamParser::Callbacks cb;
  cb.stanza = [&](Element&& e) {
    if (count++ == 0) out = std::move(e);
  };
  ParserLimits limits;
  limits.max_stanza_bytes = max_bytes;
  limits.max_depth += 1;  // the wrapper is one level above the stanzas
  limits.max_unreported_bytes = std::max<std::size_t>(max_bytes, limits.max_unreported_bytes);
  StreamParser parser(limits, std::move(cb), /*stream_framed=*/false);
  if (parser.feed(text.data(), text.size()) != ParseError::none || count != 1) return std::nullopt;
  if (out->name() != "body" || out->ns() != bosh::kHttpBindNs) return std::nullopt;
  return out;
}

// 128 bits from OpenSSL's CSPRNG: a sid is the session's only credential (XEP-0124 §7.2, §15.1).
std::optional<std::string> new_sid() {
  try {
    return random_hex(16);  // 128 bits (XEP-0124 §7.1: unpredictable)
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

HttpResponse xml_response(std::string body) {
  HttpResponse res;
  // XEP-0124 §7.1 lets the client choose the Content-Type ('content'); we do not: another type
  // (text/html) would make the payloads of other users a page on our origin.
  res.content_type = "text/xml; charset=utf-8";
  res.body = std::move(body);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace

BoshService::BoshService(Core& core, ConnectionLimiter& limiter, asio::thread_pool& cpu)
    : core_(core), limiter_(limiter), cpu_(cpu), sessions_(std::make_shared<Table>()) {}

BoshService::~BoshService() {
  auto sessions = std::move(*sessions_);
  sessions_->clear();
  for (auto& [sid, s] : sessions) s->shutdown();
}

std::size_t BoshService::max_body() const {
  const Limits& l = core_.config().limits;
  return std::max({l.stanza_bytes, l.stanza_bytes_anonymous, l.preauth_stanza_bytes}) + bosh::kWrapperAllowance;
}

Task<HttpResponse> BoshService::handle(const HttpRequest& request, const std::vector<std::string>& origins) {
  // Like the WebSocket upgrade: a page from an Origin not on the list may not open or drive a
  // session (no cross-site use of visitor sessions); no Origin is not a browser page.
  std::string_view origin = request.header("origin");
  if (!origin.empty() && std::find(origins.begin(), origins.end(), origin) == origins.end())
    co_return HttpResponse::text(403, "origin not allowed\n");
  auto cors = [&](HttpResponse& res) {
    if (origin.empty()) return;
    res.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    res.headers.emplace_back("Vary", "Origin");
  };
  if (request.method == "OPTIONS") {
    // A CORS pre-flight (Fetch standard): BOSH clients POST with Content-Type text/xml.
    HttpResponse res;
    res.status = 204;
    cors(res);
    res.headers.emplace_back("Access-Control-Allow-Methods", "POST, OPTIONS");
    res.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
    res.headers.emplace_back("Access-Control-Max-Age", "86400");
    co_return res;
  }
  if (request.method != "POST") {
    HttpResponse res = HttpResponse::text(405, "BOSH (XEP-0124): POST a <body/>\n");
    res.headers.emplace_back("Allow", "POST, OPTIONS");
    co_return res;
  }
  // XEP-0124 §17.2: binding errors are HTTP 200 with a terminate body (since version 1.6).
  std::string answer;
  std::shared_ptr<BoshSession> session;  // alive while the request waits
  std::optional<Element> body = parse_body(request.body, max_body());
  if (!body) {
    answer = bosh::terminate_body("bad-request");
  } else if (body->attr("sid").empty()) {
    answer = create(request, *body);
  } else if (auto it = sessions_->find(std::string(body->attr("sid"))); it == sessions_->end()) {
    answer = bosh::terminate_body("item-not-found");  // an unknown sid
  } else {
    session = it->second;
  }
  if (session) answer = co_await session->request(std::move(*body), request.body.size());
  HttpResponse res = xml_response(std::move(answer));
  cors(res);
  co_return res;
}

std::string BoshService::create(const HttpRequest& request, const Element& body) {
  const Limits& l = core_.config().limits;
  if (request.body.size() > l.preauth_stanza_bytes + bosh::kWrapperAllowance)
    return bosh::terminate_body("policy-violation");
  // A session is a client connection: it counts against max_connections and, until it is
  // bound, against the unauthenticated connections of its address (bad-input.md rule 17).
  if (!limiter_.try_open()) {
    log::warn("bosh", "session refused: max_connections reached");
    return bosh::terminate_body("policy-violation");
  }
  if (!limiter_.try_preauth(request.client_ip)) {
    limiter_.closed();
    return bosh::terminate_body("policy-violation");
  }
  auto sid = new_sid();
  while (sid && sessions_->count(*sid)) sid = new_sid();
  if (!sid) {
    log::error("bosh", "RAND_bytes failed; session refused");
    limiter_.preauth_done(request.client_ip);
    limiter_.closed();
    return bosh::terminate_body("internal-server-error");
  }
  std::weak_ptr<Table> table = sessions_;
  auto session = std::make_shared<BoshSession>(BoshSession::Params{
      core_, limiter_, cpu_, core_.config().bosh, request.client_ip, request.secure, [table, id = *sid] {
        if (auto t = table.lock()) t->erase(id);
      }});
  sessions_->emplace(*sid, session);
  return session->create(body, *sid);
}

}  // namespace xmppd
