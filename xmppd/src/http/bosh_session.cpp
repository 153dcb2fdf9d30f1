// One BOSH session (XEP-0124, XEP-0206) carrying a client stream: see bosh_session.hpp.
#include "http/bosh_session.hpp"

#include <charconv>

#include "config.hpp"
#include "core.hpp"
#include "http/client_namespace.hpp"
#include "net/limiter.hpp"
#include "xmppd/jid.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"

namespace xmppd {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxRid = 9007199254740991ull;  // XEP-0124 §14.1: 2^53 - 1
constexpr std::string_view kVersion = "1.11";           // the XEP-0124 version implemented
// A response carries queued payloads up to about this much; the rest waits for the next
// request (bounds the memory of a response and of the replay buffer).
constexpr std::size_t kResponseBytes = 256 * 1024;

const std::string kXmppVersion = std::string(bosh::kXboshNs) + '\xff' + "version";  // XEP-0206 §3
const std::string kXmppRestart = std::string(bosh::kXboshNs) + '\xff' + "restart";  // XEP-0206 §5

std::optional<std::uint64_t> number(std::string_view s, std::uint64_t max) {
  std::uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

bool is_true(std::string_view v) { return v == "true" || v == "1"; }

bool has_payloads(const Element& body) {
  for (const Element& c : body.children())
    if (!c.is_text()) return true;
  return false;
}

// "1.6" < "1.11": major and minor are separate integers (XEP-0124 §7.1).
bool version_below(std::string_view a, std::string_view b) {
  auto split = [](std::string_view v) {
    auto dot = v.find('.');
    auto major = number(v.substr(0, dot), 1000).value_or(0);
    auto minor = dot == std::string_view::npos ? 0 : number(v.substr(dot + 1), 1000).value_or(0);
    return std::pair{major, minor};
  };
  return split(a) < split(b);
}

std::string attr(std::string_view name, std::string_view value) {
  std::string out = " ";
  out += name;
  out += "='";
  append_escaped(out, value, true);
  out += "'";
  return out;
}

std::string body_start() { return "<body xmlns='" + std::string(bosh::kHttpBindNs) + "'"; }

}  // namespace

std::string bosh::terminate_body(std::string_view condition) {
  std::string b = body_start() + " type='terminate'";
  if (!condition.empty()) b += attr("condition", condition);
  return b + "/>";
}

BoshSession::BoshSession(Params p)
    : params_(std::move(p)),
      stream_(params_.core, *this, params_.limiter, params_.cpu, params_.client_ip, false),
      budget_(params_.core.config().limits.preauth_stanza_bytes),
      inactivity_timer_(params_.core.io()) {}

BoshSession::~BoshSession() = default;

std::string BoshSession::create(const Element& body, const std::string& sid) {
  auto rid = number(body.attr("rid"), kMaxRid);
  if (!rid || *rid == 0) return fail("bad-request");
  // XEP-0124 §7.1: 'to' names the domain of the stream; we serve only our own hosts.
  if (body.attr("to").empty()) return fail("improper-addressing");
  auto to = precis::prepare_domainpart(body.attr("to"));
  if (!to || !params_.core.serves_host(*to)) return fail("host-unknown");
  const BoshSettings& s = params_.settings;
  std::optional<std::uint64_t> wait = std::uint64_t(s.max_wait.count()), hold = 1;
  if (body.has_attr("wait")) wait = number(body.attr("wait"), UINT32_MAX);
  if (body.has_attr("hold")) hold = number(body.attr("hold"), UINT32_MAX);
  if (!wait || !hold) return fail("bad-request");
  // §7.2: 'wait' and 'hold' no more than the client asked for; either at 0 asks for a polling
  // session (§12), where every request is answered at once.
  wait_ = std::chrono::seconds(std::min<std::uint64_t>(*wait, s.max_wait.count()));
  hold_ = int(std::min<std::uint64_t>(*hold, s.max_hold));
  if (wait_.count() == 0) hold_ = 0;
  requests_ = std::size_t(hold_) + 1;  // §7.2: RECOMMENDED
  // §12: a polling session gets an inactivity period longer by the polling interval.
  inactivity_ = s.inactivity + (hold_ == 0 ? s.polling : std::chrono::seconds(0));
  acks_ = body.attr("ack") == "1";
  // XEP-0206 §3: without xmpp:version the client speaks pre-1.0 XMPP, which the engine refuses
  // with unsupported-version (RFC 6120 §4.7.5).
  version_ = std::string(body.attr(kXmppVersion));
  next_rid_ = *rid + 1;
  host_ = *to;

  stream_.start();
  open_stream(host_);
  if (terminal_) {
    // The engine refused the stream (e.g. xmpp:version missing: unsupported-version).
    std::string r = body_start() + " type='terminate'" + attr("condition", terminal_->condition) + ">" +
                    take_payloads() + terminal_->children + "</body>";
    end_session(terminal_->condition);
    return r;
  }
  std::string r = body_start() + " xmlns:xmpp='" + std::string(bosh::kXboshNs) + "'";
  r += attr("sid", sid) + attr("wait", std::to_string(wait_.count())) + attr("hold", std::to_string(hold_)) +
       attr("requests", std::to_string(requests_)) + attr("inactivity", std::to_string(inactivity_.count())) +
       attr("polling", std::to_string(s.polling.count()));
  if (s.max_pause.count() > 0) r += attr("maxpause", std::to_string(s.max_pause.count()));
  std::string_view ver = body.attr("ver");
  r += attr("ver", !ver.empty() && version_below(ver, kVersion) ? ver : kVersion);
  if (acks_) r += attr("ack", std::to_string(*rid));  // §9.1
  // 'secure': the stream from here to the XMPP server does not leave this process.
  r += attr("from", host_) + attr("authid", stream_id_) + " secure='true'";
  // XEP-0206 §3: the XMPP version, and that this server restarts streams on xmpp:restart.
  r += " xmpp:version='1.0' xmpp:restartlogic='true'>" + take_payloads() + "</body>";
  answered_.emplace_back(*rid, r);
  last_arrival_ = Clock::now();
  arm_inactivity();
  return r;
}

void BoshSession::open_stream(std::string_view to) {
  // The <body/> attributes stand for the stream header (XEP-0206 §3, §5).
  Element header("stream", ns::kStream);
  header.set_attr("to", std::string(to));
  header.set_attr("version", version_);
  stream_.on_open(header, ns::kClient);
}

Task<std::string> BoshSession::request(Element body, std::size_t body_bytes) {
  auto self = shared_from_this();
  if (ended_) co_return bosh::terminate_body("item-not-found");
  auto rid = number(body.attr("rid"), kMaxRid);
  if (!rid) co_return fail("bad-request");  // §6: every request has a rid

  // §14.3: a rid seen before gets the same response again, or item-not-found when that is no
  // longer kept; a request still in flight is being re-sent after a broken connection.
  if (*rid < next_rid_) {
    for (const auto& [answered_rid, text] : answered_)
      if (answered_rid == *rid) co_return text;
    auto it = inflight_.find(*rid);
    if (it == inflight_.end()) co_return fail("item-not-found");
    co_return co_await replace(it->second, std::move(body));
  }
  // §14.2: a rid beyond the window of 'requests' (one more for a pause or terminate, §11).
  if (*rid > next_rid_ + requests_) co_return fail("item-not-found");
  if (auto it = inflight_.find(*rid); it != inflight_.end()) co_return co_await replace(it->second, std::move(body));

  // RFC 6120 §13.12 / bad-input.md: the stanza budget of the stream's phase bounds a body.
  if (body_bytes > budget_ + bosh::kWrapperAllowance) co_return fail("policy-violation");
  // §6: the wrapper holds elements only.
  for (const Element& c : body.children())
    if (c.is_text() && c.raw_text().find_first_not_of(" \t\r\n") != std::string::npos)
      co_return fail("bad-request");

  // §11: no more than 'requests' at once; a pause or terminate request may be one more.
  bool pause_or_terminate = body.has_attr("pause") || body.attr("type") == "terminate";
  std::size_t outstanding = inflight_.size();
  if (outstanding >= requests_ && !(pause_or_terminate && outstanding == requests_))
    co_return fail("policy-violation");
  bool empty = !pause_or_terminate && !is_true(body.attr(kXmppRestart)) && !has_payloads(body);
  auto now = Clock::now();
  bool quick = params_.settings.polling.count() > 0 && now - last_arrival_ < params_.settings.polling;
  if (empty && quick && hold_ == 0) {
    // §12: two empty polls within 'polling' seconds, the first answered with nothing.
    if (last_was_empty_ && !last_answer_had_payloads_) co_return fail("policy-violation");
  } else if (empty && quick && outstanding + 1 == requests_) {
    // §11: 'requests' unanswered requests, the newest empty and within 'polling' seconds of the
    // one before. One is let through: a reloaded page's first poll arrives while the old
    // page's is still held. Two in a row are a client polling in a loop.
    if (++quick_empty_polls_ >= 2) co_return fail("policy-violation");
  } else {
    quick_empty_polls_ = 0;
  }
  last_arrival_ = now;
  last_was_empty_ = empty;

  // §9.2: the client has every response up to 'ack'; they need not be kept for a replay.
  if (auto ack = number(body.attr("ack"), kMaxRid))
    while (!answered_.empty() && answered_.front().first <= *ack) answered_.pop_front();
  stream_.on_input();
  pause_ = std::chrono::seconds(0);  // §10: the next request ends a pause
  inactivity_timer_.cancel();

  auto r = std::make_shared<Request>(params_.core.io());
  r->rid = *rid;
  r->body = std::move(body);
  // Waiting for a lower rid: the client re-sends a lost request after about 'wait' seconds.
  r->deadline = now + wait_ + inactivity_;
  inflight_.emplace(*rid, r);
  pump();
  co_return co_await await_answer(std::move(r));
}

Task<std::string> BoshSession::replace(std::shared_ptr<Request> old, Element body) {
  // The same rid again while the first is in flight: its connection broke (§14.3), so the new
  // request takes its place; the old one, if anyone still reads it, gets an empty body.
  auto r = std::make_shared<Request>(params_.core.io());
  r->rid = old->rid;
  r->processed = old->processed;
  r->deadline = old->deadline;
  if (!old->processed) r->body = std::move(body);
  inflight_[r->rid] = r;
  old->response = body_start() + "/>";
  old->wake.cancel();
  co_return co_await await_answer(std::move(r));
}

Task<std::string> BoshSession::await_answer(std::shared_ptr<Request> r) {
  auto self = shared_from_this();
  for (;;) {
    if (r->response) co_return std::move(*r->response);
    r->wake.expires_at(r->deadline);
    error_code ec;
    co_await r->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (r->response || ec) continue;  // answered, or the deadline moved
    if (r->processed) {
      answer_through(r->rid);  // §8: after 'wait' seconds, an empty response
    } else {
      co_return fail("item-not-found");  // §14.2: the lower rid it waits for never came
    }
  }
}

void BoshSession::pump() {
  if (pumping_ || ended_) return;
  pumping_ = true;
  asio::co_spawn(params_.core.io(), run_pump(), [self = shared_from_this()](std::exception_ptr e) {
    self->pumping_ = false;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("bosh", "session ", self->stream_.id(), " failed: ", ex.what());
    }
    self->fail("internal-server-error");
  });
}

Task<void> BoshSession::run_pump() {
  auto self = shared_from_this();
  // §14.2: payloads go to the engine in rid order, one request after the other.
  while (!ended_) {
    auto it = inflight_.find(next_rid_);
    if (it == inflight_.end()) break;
    std::uint64_t rid = next_rid_++;
    Element body = std::move(it->second->body);
    auto pause = number(body.attr("pause"), UINT32_MAX);
    co_await process(std::move(body));
    if (ended_) break;
    it = inflight_.find(rid);
    if (it == inflight_.end()) continue;
    Request& r = *it->second;
    r.processed = true;
    r.deadline = Clock::now() + wait_;
    r.wake.cancel();
    const auto max_pause = params_.settings.max_pause;
    if (pause && max_pause.count() > 0 && *pause <= std::uint64_t(max_pause.count()) && !terminal_) {
      // §10: a pause answers every held request at once, itself without payloads, and stretches
      // the inactivity period until the next request.
      while (!inflight_.empty() && inflight_.begin()->first != rid && inflight_.begin()->second->processed)
        answer(*inflight_.begin()->second, true, false);
      pause_ = std::chrono::seconds(*pause);
      answer(r, false, false);
    }
    flush();
  }
  pumping_ = false;
}

Task<void> BoshSession::process(Element body) {
  auto self = shared_from_this();
  if (terminal_) co_return;  // the stream has ended: nothing more goes to the engine
  if (is_true(body.attr(kXmppRestart))) {
    // XEP-0206 §5: after SASL success the client restarts the stream with this attribute.
    if (stream_.header_received()) {
      stream_.close_stream("not-well-formed", "xmpp:restart while the stream is open");
      co_return;
    }
    open_stream(body.attr("to").empty() ? std::string_view(host_) : body.attr("to"));
  }
  for (Element& child : body.children()) {
    if (child.is_text()) continue;
    if (ended_ || terminal_) co_return;
    co_await stream_.handle(std::move(child));
  }
  // XEP-0124 §13, XEP-0206 §7: type='terminate' closes the stream after its payloads.
  if (body.attr("type") == "terminate" && !ended_ && !terminal_) stream_.on_peer_close();
}

std::size_t BoshSession::held_count() const {
  std::size_t n = 0;
  for (const auto& [rid, r] : inflight_) {
    if (!r->processed) break;
    ++n;
  }
  return n;
}

void BoshSession::flush() {
  // §8: the oldest held request takes what is queued; no more than 'hold' wait at once.
  while (!ended_) {
    auto it = inflight_.begin();
    if (it == inflight_.end() || !it->second->processed) return;
    auto next = std::next(it);
    bool newest = next == inflight_.end() || !next->second->processed;
    if (out_.empty() && !terminal_ && held_count() <= std::size_t(hold_)) return;
    // The end of the stream goes to the newest held request, after everything queued.
    answer(*it->second, true, newest);
    if (terminal_ && !out_.empty() && newest) return;  // the rest waits for the next request
  }
}

void BoshSession::schedule_flush() {
  // Elements the engine writes in one turn of the event loop go out in one response.
  if (flush_posted_ || ended_) return;
  flush_posted_ = true;
  asio::post(params_.core.io(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void BoshSession::answer_through(std::uint64_t rid) {
  while (!ended_ && !inflight_.empty() && inflight_.begin()->first <= rid && inflight_.begin()->second->processed) {
    auto next = std::next(inflight_.begin());
    bool newest = next == inflight_.end() || !next->second->processed;
    answer(*inflight_.begin()->second, true, newest);
  }
}

std::string BoshSession::take_payloads() {
  std::string inner;
  while (!out_.empty() && (inner.empty() || inner.size() + out_.front().size() <= kResponseBytes)) {
    out_bytes_ -= out_.front().size();
    inner += out_.front();
    out_.pop_front();
  }
  return inner;
}

void BoshSession::answer(Request& r, bool payloads, bool terminal_allowed) {
  std::uint64_t rid = r.rid;
  std::string inner = payloads ? take_payloads() : std::string();
  bool had_payloads = !inner.empty();
  bool terminal = terminal_allowed && terminal_ && out_.empty();
  std::string b = body_start();
  if (terminal) {
    b += " type='terminate'";
    if (!terminal_->condition.empty()) b += attr("condition", terminal_->condition);
    inner += terminal_->children;
  }
  // §9.1: the highest rid received with all below it, unless it is this request's own.
  if (acks_ && next_rid_ - 1 != rid) b += attr("ack", std::to_string(next_rid_ - 1));
  b += inner.empty() ? "/>" : ">" + inner + "</body>";

  auto keep = inflight_.at(rid);
  inflight_.erase(rid);
  if (!terminal) {
    // §14.3: kept for a replay, as many as may be in flight (fewer once acknowledged, §9.2).
    answered_.emplace_back(rid, b);
    while (answered_.size() > requests_ + 1) answered_.pop_front();
  }
  last_answer_had_payloads_ = had_payloads;
  keep->response = std::move(b);
  keep->wake.cancel();
  if (terminal) {
    end_session(terminal_->condition);
    return;
  }
  if (inflight_.empty()) arm_inactivity();
}

void BoshSession::arm_inactivity() {
  if (ended_) return;
  inactivity_timer_.expires_after(pause_.count() > 0 ? pause_ : inactivity_);
  inactivity_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->ended_ || !self->inflight_.empty()) return;
    // §10: no request for the inactivity period: the client is gone; no one to tell.
    log::debug("bosh", "session ", self->stream_.id(), " inactive; ended");
    self->end_session("");
  });
}

std::string BoshSession::fail(std::string_view condition) {
  log::debug("bosh", "session ", stream_.id(), " terminated: ", condition);
  std::string c(condition);
  end_session(c);
  return bosh::terminate_body(c);
}

void BoshSession::end_session(std::string_view condition) {
  if (ended_) return;
  ended_ = true;
  // Whatever is still in flight learns of the end too.
  std::string t = bosh::terminate_body(condition);
  auto inflight = std::move(inflight_);
  inflight_.clear();
  for (auto& [rid, r] : inflight) {
    r->response = t;
    r->wake.cancel();
  }
  inactivity_timer_.cancel();
  answered_.clear();
  out_.clear();
  out_bytes_ = 0;
  stream_.finish();
  params_.limiter.closed();
  if (params_.on_end) {
    auto on_end = std::move(params_.on_end);
    params_.on_end = nullptr;
    on_end();
  }
}

void BoshSession::send_open(std::string_view from, std::string_view id) {
  // XEP-0206 §3: the stream header's 'from' and id are the creation response's 'from' and
  // 'authid'; a restarted stream's header has no counterpart in the wrapper.
  if (!from.empty()) host_ = std::string(from);
  stream_id_ = std::string(id);
}

void BoshSession::send_features(std::string children) {
  // XEP-0206 §3, §5: the features as a payload, with the prefix declared on them.
  std::string f = "<stream:features xmlns:stream='" + std::string(ns::kStream) + "'>" + children + "</stream:features>";
  out_bytes_ += f.size();
  out_.push_back(std::move(f));
  schedule_flush();
}

void BoshSession::send_element(std::string xml) {
  if (ended_ || terminal_) return;
  xml = with_client_namespace(std::move(xml));  // XEP-0206 §4: stanzas qualified by jabber:client
  out_bytes_ += xml.size();
  out_.push_back(std::move(xml));
  schedule_flush();
}

void BoshSession::send_close(std::string error_children) {
  if (ended_ || terminal_) return;
  // XEP-0206 §7: a stream error ends the session with remote-stream-error and the error inside.
  Terminal t;
  if (!error_children.empty()) {
    t.condition = "remote-stream-error";
    t.children = "<stream:error xmlns:stream='" + std::string(ns::kStream) + "'>" + error_children + "</stream:error>";
  }
  terminal_ = std::move(t);
  schedule_flush();
}

void BoshSession::abort() {
  // The engine's grace period after the end of the stream ran out with no request to carry it.
  end_session(terminal_ ? terminal_->condition : std::string());
}

}  // namespace xmppd
