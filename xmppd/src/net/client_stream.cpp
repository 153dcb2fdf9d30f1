// The client stream engine: features, SASL, binding, XEP-0198, stanza checks (RFC 6120 §4-§8,
// §11; XEP-0198; XEP-0440), whatever the transport. See client_stream.hpp for the states.
#include "net/client_stream.hpp"


#include <cmath>

#include "core.hpp"
#include "net/limiter.hpp"
#include "net/sm_registry.hpp"
#include "net/tls.hpp"
#include "offload.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/storage.hpp"
#include "xmppd/random.hpp"

namespace xmppd {

namespace {
std::atomic<std::uint64_t> g_next_id{1};


Element sasl_element(const char* name, const std::string& data) {
  Element e(name, ns::kSasl);
  // RFC 6120 §6.4.6: success with additional data carries it base64; "=" for empty data is
  // only for challenges/responses that must be distinguished from no data.
  if (!data.empty()) e.add_text(sasl::base64_encode(data));
  return e;
}

bool is_stanza_name(const std::string& n) { return n == "message" || n == "presence" || n == "iq"; }

}  // namespace

ClientStream::ClientStream(Core& core, StreamTransport& transport, ConnectionLimiter& limiter,
                           asio::thread_pool& cpu, std::string peer_ip, bool channel_binding)
    : core_(core),
      transport_(transport),
      limiter_(limiter),
      cpu_(cpu),
      peer_ip_(std::move(peer_ip)),
      channel_binding_(channel_binding),
      id_(g_next_id++),
      auth_timer_(core.io()),
      idle_timer_(core.io()) {
  tokens_ = core.config().limits.stanzas_per_second;
  tokens_at_ = std::chrono::steady_clock::now();
}

ClientStream::~ClientStream() = default;

void ClientStream::start() {
  last_read_ = std::chrono::steady_clock::now();
  auth_timer_.expires_after(core_.config().limits.auth_timeout);
  auth_timer_.async_wait([this, keep = transport_.keep_alive()](error_code ec) {
    // RFC 6120 §4.9.3.4: a stream that does not authenticate in time is closed.
    if (ec || finished_ || state_ == State::bound || state_ == State::closing) return;
    if (!header_received_ && !transport_.writable()) return transport_.abort();  // TLS handshake
    close_stream("connection-timeout", "");
  });
}

void ClientStream::on_input() {
  auto now = std::chrono::steady_clock::now();
  // A bound session that was quiet (its transport has likely parked its parser) reads again:
  // the idle timer parks it a second after it goes quiet again. Parking right after this read
  // instead put a parser free and a re-creation on the second read of every burst: 100
  // connections waking at once delayed their first messages by up to 8 ms (bench/latency-tail).
  bool woke = state_ == State::bound && now - last_read_ >= std::chrono::seconds(1);
  last_read_ = now;
  ping_outstanding_ = false;
  if (woke) arm_idle_timer(kFastIdleTicks);
}

void ClientStream::release_preauth() {
  if (!preauth_held_) return;
  preauth_held_ = false;
  limiter_.preauth_done(peer_ip_);
}

void ClientStream::finish() {
  if (finished_) return;
  finished_ = true;
  auth_timer_.cancel();
  idle_timer_.cancel();
  release_preauth();
  if (session_ && session_->link() == this) {
    session_->attach(nullptr);
    if (state_ == State::closing)
      session_->end(close_condition_);  // XEP-0198: a closed stream is not resumable
    else
      session_->link_lost("");
  }
  session_.reset();
}

void ClientStream::write(std::string data) {
  // Nothing follows the end of the stream (RFC 6120 §4.4): replies that finish after the stream
  // was closed (an IQ answered by storage, say) are dropped.
  if (finished_ || end_written_) return;
  transport_.send_element(std::move(data));
}

void ClientStream::send_header() {
  stream_id_ = random_hex(16);
  transport_.send_open(host_name_, stream_id_);
  header_sent_ = true;
}

void ClientStream::close_stream(std::string_view condition, std::string_view text) {
  end_stream(condition, text, "");
}

std::string ClientStream::handled_count_too_high(std::uint32_t h, const ClientSession* of) const {
  const ClientSession* s = of ? of : session_.get();
  auto sent = s ? s->sm().sent_out : 0;
  return "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='" + std::to_string(h) + "' send-count='" +
         std::to_string(sent) + "'/>";
}

void ClientStream::end_stream(std::string_view condition, std::string_view text, std::string_view extra) {
  if (state_ == State::closing || finished_) return;
  if (!header_sent_) send_header();  // RFC 6120 §4.9.1.3: an error needs an open stream
  std::string x;
  if (!condition.empty()) {
    x = "<" + std::string(condition) + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>";
    if (!text.empty()) {
      x += "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>";
      append_escaped(x, text, false);
      x += "</text>";
    }
    x += extra;  // application-specific condition (RFC 6120 §4.9.4)
    log::debug("c2s", "connection ", id_, " closed with ", condition);
  }
  transport_.send_close(std::move(x));
  end_written_ = true;
  state_ = State::closing;
  close_condition_ = std::string(condition);
  // The transport closes after the flush; a peer that never reads gets cut off after a grace period.
  idle_timer_.expires_after(std::chrono::seconds(5));
  idle_timer_.async_wait([this, keep = transport_.keep_alive()](error_code ec) {
    if (!ec) transport_.abort();
  });
  // When the reader is not running (e.g. a session closed by another), end the session now.
  if (session_ && session_->link() == this && close_condition_ == "conflict") {
    auto s = session_;
    s->attach(nullptr);
    s->end("conflict");
  }
}

void ClientStream::on_peer_close() {
  // RFC 6120 §4.4: the peer closed its stream; close ours too.
  if (state_ != State::closing) close_stream("", "");
}

void ClientStream::on_open(const Element& header, const std::string& content_ns) {
  header_received_ = true;
  // RFC 6120 §4.3.3: every stream the client opens (again after STARTTLS and SASL) gets a new
  // response stream, so an error on the restarted header also needs our header first (§4.9.1.3).
  header_sent_ = false;
  auto to = precis::prepare_domainpart(header.attr("to"));
  if (content_ns != ns::kClient) return close_stream("invalid-namespace", "");
  if (!to || !core_.serves_host(*to)) return close_stream("host-unknown", "");  // §4.9.3.6
  if (!host_name_.empty() && *to != host_name_) return close_stream("host-unknown", "");
  host_name_ = *to;
  anonymous_host_ = core_.host(host_name_)->config.anonymous;
  // RFC 6120 §4.7.5: only version 1.0 streams have features.
  std::string_view version = header.attr("version");
  if (version.empty() || version[0] < '1') {
    send_header();
    return close_stream("unsupported-version", "");
  }
  send_header();
  send_features();
}

std::vector<std::string> ClientStream::offered_mechanisms() const {
  if (anonymous_host_) return {"ANONYMOUS"};  // XEP-0175: the visitor host
  std::vector<std::string> m;
  SSL* tls = transport_.tls_handle();
  if (tls && channel_binding_ && !tls::binding_types(tls).empty())
    m = {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"};
  m.push_back("SCRAM-SHA-256");
  m.push_back("SCRAM-SHA-1");
  if (secure()) m.push_back("PLAIN");  // never in the clear
  return m;
}

void ClientStream::send_features() {
  Element f("features", ns::kStream);
  bool tls_possible = transport_.starttls_available();
  if (!authenticated_) {
    if (tls_possible) {
      Element& st = f.add_child("starttls", ns::kTls);
      if (transport_.tls_required()) st.add_child("required", ns::kTls);
    }
    // RFC 6120 §5.3.1: with TLS mandatory, nothing else is offered before it.
    if (!(tls_possible && transport_.tls_required())) {
      Element& mechs = f.add_child("mechanisms", ns::kSasl);
      for (const auto& m : offered_mechanisms()) mechs.add_child("mechanism", ns::kSasl).add_text(m);
      if (transport_.tls_handle() && !anonymous_host_ && channel_binding_) {
        // XEP-0440: the channel-binding types this connection supports.
        Element& cb = f.add_child("sasl-channel-binding", ns::kChannelBinding);
        for (const auto& t : tls::binding_types(transport_.tls_handle()))
          cb.add_child("channel-binding", ns::kChannelBinding).set_attr("type", t);
      }
    }
  } else {
    f.add_child("bind", ns::kBind);
    // RFC 6121 / draft-cridland-xmpp-session: advertised as optional for older clients.
    f.add_child("session", ns::kSession).add_child("optional", ns::kSession);
    if (transport_.stream_management()) f.add_child("sm", ns::kStreamManagement);
    core_.add_stream_features(host_name_, nullptr, true, f);
  }
  // The transport writes the features element with the stream: prefix (RFC 6120 §4.3.2).
  std::string body;
  for (const auto& c : f.children()) c.append_to(body, ns::kClient);
  transport_.send_features(std::move(body));
}

Task<void> ClientStream::handle(Element e) {
  if (!header_received_) co_return;  // elements of a stream being restarted
  const std::string& n = e.ns();
  if (n == ns::kTls) {
    if (e.name() == "starttls") handle_starttls(e);
    else close_stream("unsupported-stanza-type", "");
    co_return;
  }
  if (n == ns::kSasl) {
    co_await handle_sasl(e);
    co_return;
  }
  if (!authenticated_) {
    // RFC 6120 §4.9.3.12: stanzas (and stream management) before authentication, before TLS
    // too: the condition is about authentication, of which TLS is a step. Other first-level
    // elements (dialback on c2s, <foo/>) are not supported in any state (§4.9.3.24).
    if (is_stanza_name(e.name()) || n == ns::kStreamManagement) co_return close_stream("not-authorized", "");
    co_return close_stream("unsupported-stanza-type", "");
  }
  if (!secure() && transport_.tls_required()) co_return close_stream("policy-violation", "TLS is required");
  if (n == ns::kStreamManagement) {
    handle_sm(e);
    co_return;
  }
  if (is_stanza_name(e.name()) && n != ns::kClient) co_return close_stream("invalid-namespace", "");
  if (state_ == State::bind) {
    const Element* bind = e.name() == "iq" && e.attr("type") == "set" ? e.child("bind", ns::kBind) : nullptr;
    if (bind) co_return handle_bind(e);
    if (e.name() == "iq" && e.child("session", ns::kSession)) {
      // Session establishment before bind: out of order (RFC 3921 §3); refuse it politely.
      Element r = make_error_reply(e, StanzaError{"wait", "unexpected-request", {}, {}});
      co_return write(r.to_string(ns::kClient));
    }
    co_return close_stream("not-authorized", "bind a resource first");
  }
  if (state_ != State::bound) co_return;
  if (is_stanza_name(e.name())) {
    co_await handle_stanza(std::move(e));
    co_return;
  }
  NonzaReceived ev{*session_, e};
  core_.emit(host_name_, ev);
  if (!ev.handled) close_stream("unsupported-stanza-type", "");  // RFC 6120 §4.9.3.24
}

void ClientStream::handle_starttls(const Element&) {
  if (!transport_.starttls_available() || authenticated_) {
    // RFC 6120 §5.4.2.2: failure, then close.
    write("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    close_condition_ = "failure";
    transport_.send_close("");
    end_written_ = true;
    state_ = State::closing;
    return;
  }
  write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  transport_.begin_starttls();
}

Task<void> ClientStream::handle_sasl(const Element& e) {
  if (authenticated_) co_return close_stream("policy-violation", "already authenticated");
  if (!secure() && transport_.tls_required()) co_return close_stream("policy-violation", "TLS is required");
  if (e.name() == "abort") {
    scram_.reset();
    sasl_mechanism_.clear();
    co_return sasl_failure(sasl::Failure::aborted);
  }
  std::string text = e.text();
  std::optional<std::string> data;
  if (text == "=") data = std::string();  // RFC 6120 §6.4.2: an empty response
  else data = sasl::base64_decode(text);
  if (!data) co_return sasl_failure(sasl::Failure::incorrect_encoding);

  if (e.name() == "auth") {
    std::string mech(e.attr("mechanism"));
    auto offered = offered_mechanisms();
    if (std::find(offered.begin(), offered.end(), mech) == offered.end()) {
      write("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><invalid-mechanism/></failure>");
      co_return;
    }
    sasl_mechanism_ = mech;
    if (mech == "ANONYMOUS") co_return sasl_anonymous();
    if (mech == "PLAIN") {
      if (text.empty()) co_return write("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
      co_return co_await sasl_plain(*data);
    }
    scram_.reset();
    if (text.empty()) {  // no initial response: an empty challenge asks for it (§6.4.2)
      co_return write("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    }
    co_return co_await sasl_scram_step(*data, true);
  }
  if (e.name() == "response") {
    if (sasl_mechanism_.empty()) co_return sasl_failure(sasl::Failure::malformed_request);
    if (sasl_mechanism_ == "PLAIN") co_return co_await sasl_plain(*data);
    if (sasl_mechanism_ == "ANONYMOUS") co_return sasl_anonymous();
    co_return co_await sasl_scram_step(*data, scram_ == nullptr);
  }
  sasl_failure(sasl::Failure::malformed_request);
}

Task<void> ClientStream::sasl_scram_step(const std::string& message, bool first) {
  auto keep = transport_.keep_alive();
  if (first) {
    sasl::ScramServer::Options opt;
    bool plus = sasl_mechanism_.ends_with("-PLUS");
    opt.hash = sasl_mechanism_.starts_with("SCRAM-SHA-256") ? sasl::Hash::sha256 : sasl::Hash::sha1;
    opt.plus = plus;
    auto offered = offered_mechanisms();
    opt.plus_advertised = std::find(offered.begin(), offered.end(), "SCRAM-SHA-256-PLUS") != offered.end();
    if (SSL* ssl = transport_.tls_handle()) {
      opt.binding_data = [ssl](std::string_view type) -> std::optional<std::string> {
        auto types = tls::binding_types(ssl);
        if (std::find(types.begin(), types.end(), type) == types.end()) return std::nullopt;
        return tls::binding_data(ssl, type);
      };
    }
    opt.default_iterations = core_.config().scram_iterations;
    scram_ = std::make_unique<sasl::ScramServer>(opt);
    auto r = scram_->client_first(message);
    if (auto* f = std::get_if<sasl::Failure>(&r)) co_return sasl_failure(*f);
    std::string username = std::get<std::string>(r);
    auto local = precis::prepare_localpart(username);
    if (locked_out(local.value_or(""))) co_return sasl_failure(sasl::Failure::temporary_auth_failure);
    std::optional<sasl::ScramKeys> keys;
    if (local) {
      std::optional<Account> account;
      try {
        account = co_await core_.storage().accounts().find(host_name_, *local);
      } catch (const StorageError& e) {
        log::warn("c2s", "account lookup failed: ", e.what());
        co_return sasl_failure(sasl::Failure::temporary_auth_failure);
      }
      if (finished_ || state_ == State::closing) co_return;
      if (account) {
        const ScramCredentials& c = opt.hash == sasl::Hash::sha256 ? account->sha256 : account->sha1;
        if (c.iterations) keys = sasl::ScramKeys{c.salt, c.iterations, c.stored_key, c.server_key};
      }
    }
    authenticated_user_ = local.value_or("");
    std::string server_first = scram_->server_first(keys);
    if (server_first.empty()) co_return sasl_failure(sasl::Failure::temporary_auth_failure);
    write(sasl_element("challenge", server_first).to_string());
    co_return;
  }
  auto r = scram_->client_final(message);
  if (auto* f = std::get_if<sasl::Failure>(&r)) {
    if (*f == sasl::Failure::not_authorized) login_failed(authenticated_user_);
    co_return sasl_failure(*f);
  }
  if (!scram_->authzid().empty() && scram_->authzid() != authenticated_user_ + "@" + host_name_)
    co_return sasl_failure(sasl::Failure::invalid_authzid);
  sasl_success(std::get<std::string>(r), authenticated_user_);
}

Task<void> ClientStream::sasl_plain(const std::string& message) {
  auto keep = transport_.keep_alive();
  auto msg = sasl::parse_plain(message);
  if (!msg) co_return sasl_failure(sasl::Failure::malformed_request);
  auto local = precis::prepare_localpart(msg->authcid);
  auto password = precis::saslprep(msg->password);
  if (!local || !password) co_return sasl_failure(sasl::Failure::not_authorized);
  if (!msg->authzid.empty() && msg->authzid != *local + "@" + host_name_)
    co_return sasl_failure(sasl::Failure::invalid_authzid);
  if (locked_out(*local)) co_return sasl_failure(sasl::Failure::temporary_auth_failure);
  std::optional<Account> account;
  try {
    account = co_await core_.storage().accounts().find(host_name_, *local);
  } catch (const StorageError& e) {
    log::warn("c2s", "account lookup failed: ", e.what());
    co_return sasl_failure(sasl::Failure::temporary_auth_failure);
  }
  bool ok = false;
  if (account && account->sha256.iterations) {
    sasl::ScramKeys keys{account->sha256.salt, account->sha256.iterations, account->sha256.stored_key,
                         account->sha256.server_key};
    // PBKDF2 runs on the CPU pool: one login must not stall every other session.
    auto verify = [keys, pw = *password] { return sasl::verify_password(sasl::Hash::sha256, pw, keys); };
    ok = co_await offload(cpu_, std::move(verify));
  }
  if (finished_ || state_ == State::closing) co_return;
  if (!ok) {
    login_failed(*local);
    co_return sasl_failure(sasl::Failure::not_authorized);
  }
  sasl_success("", *local);
}

void ClientStream::sasl_anonymous() {
  if (!anonymous_host_) return sasl_failure(sasl::Failure::not_authorized);
  if (!limiter_.try_anonymous_login(peer_ip_))
    return close_stream("policy-violation", "too many anonymous logins; try again later");
  sasl_success("", random_hex(16));  // XEP-0175: an unguessable, throwaway localpart
}

// Bad-input row 13: the per-address and per-account lockout (net/auth_lockout.hpp), keyed by the
// bare JID so the same name on two hosts is two accounts.
bool ClientStream::locked_out(const std::string& local) const {
  return limiter_.auth().locked(peer_ip_, local.empty() ? "" : local + "@" + host_name_,
                                AuthLockout::Clock::now());
}

void ClientStream::login_failed(const std::string& local) {
  limiter_.auth().failed(peer_ip_, local.empty() ? "" : local + "@" + host_name_, AuthLockout::Clock::now());
}

void ClientStream::sasl_failure(sasl::Failure f) {
  scram_.reset();
  sasl_mechanism_.clear();
  write(std::string("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><") + sasl::failure_name(f) + "/></failure>");
  // RFC 6120 §6.4.5: a few retries, then the stream ends.
  if (f != sasl::Failure::aborted && ++sasl_attempts_ >= core_.config().limits.sasl_attempts)
    close_stream("policy-violation", "too many failed authentication attempts");
}

void ClientStream::sasl_success(std::string additional, std::string username) {
  write(sasl_element("success", additional).to_string());
  authenticated_ = true;
  authenticated_user_ = std::move(username);
  if (!anonymous_host_) limiter_.auth().succeeded(authenticated_user_ + "@" + host_name_);
  scram_.reset();
  state_ = State::bind;
  // RFC 6120 §6.4.6: the client restarts the stream; stanzas after auth get the full budget.
  // Our next output opens a new response stream too, even an error sent before the client's
  // new header arrives (§4.9.1.3), e.g. the auth deadline passing in between.
  header_sent_ = false;
  const Limits& l = core_.config().limits;
  transport_.restart(anonymous_host_ ? l.stanza_bytes_anonymous : l.stanza_bytes);
  header_received_ = false;
  tokens_ = anonymous_host_ ? l.stanzas_per_second_anonymous : l.stanzas_per_second;
  // The mechanism name is not secret and lets tests check what a real client chose (e.g.
  // Profanity picking SCRAM-SHA-256, RFC 7677); no account name or address goes to the log.
  log::debug("c2s", "connection ", id_, " authenticated with ", sasl_mechanism_);
}

void ClientStream::handle_bind(const Element& iq) {
  const Element* bind = iq.child("bind", ns::kBind);
  // RFC 6120 §7.6.1: at most one resourcepart is asked for; a request with more cannot be
  // processed (§7.7.2.1), rather than one of them being picked silently.
  int asked = 0;
  for (const Element& c : bind->children()) asked += c.name() == "resource" && c.ns() == ns::kBind;
  if (asked > 1) {
    write(make_error_reply(iq, StanzaError::bad_request("one resource at most")).to_string(ns::kClient));
    return;
  }
  std::string wanted = bind->child_text("resource", ns::kBind);
  std::string resource;
  if (wanted.empty()) {
    resource = random_hex(8);  // RFC 6120 §7.6: the server generates one
  } else {
    auto prepared = precis::prepare_resourcepart(wanted);
    if (!prepared) {
      write(make_error_reply(iq, StanzaError::bad_request("resource not allowed")).to_string(ns::kClient));
      return;  // RFC 6120 §7.7.2.1
    }
    resource = *prepared;
  }
  auto jid = Jid::from_parts(authenticated_user_, host_name_, resource);
  if (!jid) {
    write(make_error_reply(iq, StanzaError::bad_request()).to_string(ns::kClient));
    return;
  }
  session_ = std::make_shared<ClientSession>(core_, *jid, anonymous_host_, id_);
  session_->attach(this);
  state_ = State::bound;
  release_preauth();
  auth_timer_.cancel();
  Element reply("iq", ns::kClient);
  reply.set_attr("type", "result").set_attr("id", std::string(iq.attr("id")));
  reply.add_child("bind", ns::kBind).add_child("jid", ns::kBind).add_text(jid->str());
  write(reply.to_string(ns::kClient));
  // RFC 6120 §7.7.2.2: a new session with the same resource replaces the old one.
  if (Session* old = core_.bind(*session_)) old->close("conflict", "replaced by a new connection");
  // The first ticks come every second: a client that has just logged in usually goes quiet
  // after its initial burst (roster, presence), and its parser is then parked (freed) within
  // seconds rather than after a whole keepalive interval.
  arm_idle_timer(kFastIdleTicks);
}

void ClientStream::arm_idle_timer(int fast_ticks) {
  const Limits& l = core_.config().limits;
  auto tick = std::min({l.ping_interval, l.ping_timeout, std::chrono::milliseconds(30'000)});
  if (fast_ticks > 0) tick = std::min<std::chrono::milliseconds>(tick, std::chrono::seconds(1));
  idle_timer_.expires_after(tick);
  idle_timer_.async_wait([self = this, keep = transport_.keep_alive(), fast_ticks](error_code ec) {
    if (ec || self->finished_ || self->state_ != State::bound) return;
    const Limits& l = self->core_.config().limits;
    auto idle = std::chrono::steady_clock::now() - self->last_read_;
    if (self->ping_outstanding_ && idle >= l.ping_interval + l.ping_timeout) {
      self->close_stream("connection-timeout", "");  // XEP-0199 §4.1: the client is gone
      return;
    }
    bool parked = idle >= std::chrono::seconds(1) && self->transport_.idle();
    if (!self->ping_outstanding_ && idle >= l.ping_interval) {
      std::string id = "ping-" + random_hex(6);
      self->write("<iq type='get' id='" + id + "' from='" + self->host_name_ +
                  "'><ping xmlns='urn:xmpp:ping'/></iq>");
      self->ping_outstanding_ = true;
    }
    self->arm_idle_timer(parked ? 0 : fast_ticks - 1);
  });
}

void ClientStream::handle_sm(const Element& e) {
  auto failed = [&](const char* condition) {
    write(std::string("<failed xmlns='urn:xmpp:sm:3'><") + condition +
          " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
  };
  // Not offered on this transport (BOSH: its request ids already acknowledge, issue 4): a client
  // that enables or resumes anyway is told so (XEP-0198 §3, §5) instead of getting a second
  // acknowledgement scheme, or taking a session over from a transport that has one.
  if (!transport_.stream_management() && (e.name() == "enable" || e.name() == "resume"))
    return failed("feature-not-implemented");
  if (e.name() == "enable") {
    if (state_ != State::bound || session_->sm().enabled) return failed("unexpected-request");
    auto& sm = session_->sm();
    sm.enabled = true;
    std::string_view resume = e.attr("resume");
    std::string reply = "<enabled xmlns='urn:xmpp:sm:3'";
    if (resume == "true" || resume == "1") {
      sm.resumable = true;
      sm.resume_id = random_hex(16);  // 128 bits: unguessable
      SmRegistry::instance().add(sm.resume_id, session_);
      reply += " id='" + sm.resume_id + "' resume='true' max='" +
               std::to_string(core_.config().limits.smacks_resume_timeout.count() / 1000) + "'";
    }
    write(reply + "/>");
    return;
  }
  if (e.name() == "r") {
    if (state_ != State::bound || !session_->sm().enabled) return failed("unexpected-request");
    session_->answer_ack_request();
    return;
  }
  if (e.name() == "a") {
    if (state_ != State::bound || !session_->sm().enabled) return;
    std::uint32_t h = 0;
    try {
      h = std::uint32_t(std::stoul(std::string(e.attr("h"))));
    } catch (const std::exception&) {
      return close_stream("bad-format", "invalid h");
    }
    if (!session_->acknowledge(h)) {
      // XEP-0198 §6: an h higher than what was sent ends the stream with undefined-condition
      // and <handled-count-too-high/>.
      return end_stream("undefined-condition", "", handled_count_too_high(h));
    }
    return;
  }
  if (e.name() == "resume") {
    if (state_ != State::bind) return failed("unexpected-request");
    auto old = SmRegistry::instance().find(std::string(e.attr("previd")));
    // XEP-0198 §5: only the same authenticated entity resumes. An anonymous login (XEP-0175)
    // gets a new throwaway localpart on every stream, so on the visitor host the entity is
    // proven by the unguessable SM-ID the old stream was given instead (issue 7: a visitor's
    // dropped WebSocket resumes); the old session must be an anonymous one of this host.
    bool same_entity = anonymous_host_ ? old && old->anonymous() : old && old->jid().local() == authenticated_user_;
    if (!old || old->ended() || !same_entity || old->jid().domain() != host_name_) {
      write("<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>");
      return;
    }
    std::uint32_t h = 0;
    try {
      h = std::uint32_t(std::stoul(std::string(e.attr("h"))));
    } catch (const std::exception&) {
      return close_stream("bad-format", "invalid h");
    }
    if (!old->acknowledgeable(h)) {
      // XEP-0198 §5/§6: an h higher than what the old stream sent cannot resume it. This
      // stream gets <failed/> with undefined-condition and <handled-count-too-high/>, and may
      // bind a new resource (§5: "SHOULD allow the client to bind"); the old session is not
      // touched: a live one stays live, a detached one waits out its resumption window and
      // then handles its unacknowledged stanzas as §5 says (offline storage or bounce).
      write("<failed xmlns='urn:xmpp:sm:3' h='" + std::to_string(old->sm().handled_in) +
            "'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>" + handled_count_too_high(h, &*old) +
            "</failed>");
      return;
    }
    if (Link* prev = old->link()) {
      // XEP-0198 §5: the old stream, if still open, is closed with conflict.
      old->attach(nullptr);
      prev->close_stream("conflict", "resumed elsewhere");
    }
    session_ = old;
    session_->attach(this);
    state_ = State::bound;
    release_preauth();
    auth_timer_.cancel();
    session_->acknowledge(h);
    write("<resumed xmlns='urn:xmpp:sm:3' previd='" + session_->sm().resume_id + "' h='" +
          std::to_string(session_->sm().handled_in) + "'/>");
    session_->resend_unacked();
    arm_idle_timer();
    return;
  }
  close_stream("unsupported-stanza-type", "");
}

Task<void> ClientStream::handle_stanza(Element stanza) {
  auto keep = transport_.keep_alive();
  const Jid& me = session_->jid();
  // RFC 6120 §8.1.2.1: a 'from' that is not the session's own JID closes the stream.
  if (const std::string* from = stanza.find_attr("from")) {
    auto parsed = Jid::parse(*from);
    if (!parsed || !(*parsed == me || *parsed == me.bare())) {
      // bad-input.md row 18: refused and noted (who, not what they claimed: it is unchecked input).
      log::warn("c2s", "audit: session ", me.str(), " (connection ", id_, ") sent a stanza with a 'from' not its own;"
                " closed with invalid-from");
      co_return close_stream("invalid-from", "");
    }
  }
  stanza.set_attr("from", me.str());
  std::optional<Jid> to_jid;
  if (const std::string* to = stanza.find_attr("to")) {
    to_jid = Jid::parse(*to);
    if (!to_jid) {
      if (session_->sm().enabled) ++session_->sm().handled_in;
      co_return session_->send(make_error_reply(stanza, StanzaError::jid_malformed()));
    }
    stanza.set_attr("to", to_jid->str());  // route on the prepared form
  }
  std::string_view type = stanza.attr("type");
  if (stanza.name() == "iq") {
    // RFC 6120 §8.2.3: id required; get/set carry exactly one payload, result at most one.
    std::size_t children = stanza.element_count();
    bool ok = !stanza.attr("id").empty() &&
              (((type == "get" || type == "set") && children == 1) || (type == "result" && children <= 1) ||
               type == "error");
    if (!ok) {
      if (session_->sm().enabled) ++session_->sm().handled_in;
      // §8.2.3: a response (result or error), however malformed, never gets a response.
      if (type != "error" && type != "result") session_->send(make_error_reply(stanza, StanzaError::bad_request()));
      co_return;
    }
    if (type == "result" && stanza.attr("id").starts_with("ping-") &&
        (stanza.attr("to").empty() || stanza.attr("to") == host_name_)) {
      if (session_->sm().enabled) ++session_->sm().handled_in;
      co_return;  // the answer to our keepalive (XEP-0199 §4.1)
    }
    if (type == "set" && stanza.child("session", ns::kSession)) {
      // RFC 3921 §3 session establishment: nothing left to do (RFC 6121 dropped it).
      if (session_->sm().enabled) ++session_->sm().handled_in;
      Element r("iq", ns::kClient);
      r.set_attr("type", "result").set_attr("id", std::string(stanza.attr("id")));
      co_return session_->send(r);
    }
  } else if (stanza.name() == "presence") {
    static const std::array<std::string_view, 8> kTypes = {"",         "unavailable", "subscribe", "subscribed",
                                                          "unsubscribe", "unsubscribed", "probe", "error"};
    if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
      if (session_->sm().enabled) ++session_->sm().handled_in;
      co_return session_->send(make_error_reply(stanza, StanzaError::bad_request("unknown presence type")));
    }
  }
  // The mod_limits idea: a token bucket per session; delayed, not dropped.
  const Limits& l = core_.config().limits;
  double rate = anonymous_host_ ? l.stanzas_per_second_anonymous : l.stanzas_per_second;
  auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(2 * rate, tokens_ + rate * std::chrono::duration<double>(now - tokens_at_).count());
  tokens_at_ = now;
  if (tokens_ < 1) {
    asio::steady_timer wait(core_.io(), std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                            std::chrono::duration<double>((1 - tokens_) / rate)));
    error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    tokens_ = 1;
    tokens_at_ = std::chrono::steady_clock::now();
    if (finished_ || state_ != State::bound) co_return;
  }
  tokens_ -= 1;
  if (session_->sm().enabled) ++session_->sm().handled_in;
  ++core_.counters().stanzas_in;
  try {
    core_.route_from_client(std::move(stanza), *session_, INT32_MAX, to_jid ? &*to_jid : nullptr);
  } catch (const std::exception& e) {
    std::string error_id = random_hex(4);
    log::error("c2s", "error ", error_id, " routing a stanza: ", e.what());
  }
}

}  // namespace xmppd
