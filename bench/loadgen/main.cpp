// xmppd-loadgen: bounded XMPP load on loopback for the benchmark scenarios of issue 3 (login
// storm, idle connections, one-to-one messages, presence with rosters, room fan-out) against any
// server, and the livechat day (xmppd's livechat service, docs/protocol.md).
// Prints one JSON object per measured phase on standard output; progress goes to stderr.
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "client.hpp"
#include "proc_stats.hpp"
#include "sasl.hpp"

namespace loadgen {
namespace {

struct Args {
  std::string scenario;
  std::string address = "127.0.0.1";
  unsigned short port = 0;
  std::string domain = "localhost", anon_domain = "guest.localhost";
  std::string mech = "scram";  // anonymous | plain | scram
  bool starttls = false;
  std::string websocket;  // a path such as /xmpp-websocket: RFC 7395 instead of TCP
  std::string user_prefix = "u", password = "bench-password";
  int first = 0, users = 100, count = 1000, concurrency = 50;
  double duration = 10, drain = 10, settle = 3;
  int pairs = 50, window = 4, groups = 4, contacts = 50;
  std::vector<double> rates{2000, 10000, 0};
  double presence_rate = 200;
  int rooms = 20, occupants = 10;
  std::string room_domain = "conference.localhost";
  pid_t server_pid = 0;
  std::string label;
  int source_addresses = 1;  // spread connections over 127.0.0.1 … 127.0.0.N
  // Scenario 6 (livechat): visitors over --port (--websocket), consultants over --c2s-port (TCP).
  int visitors = 1000, consultants = 50, exchanges = 5;
  double think_ms = 0;  // a consultant's pause before each exchange (not before the first answer)
  double arrival_rate = 20;  // visitors per second, open loop
  unsigned short c2s_port = 0;
  std::string chat_domain, queues = "q0,q1,q2", notice_version = "bench-1";
  double max_seconds = 120;  // hard bound on the whole run
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: xmppd-loadgen --scenario login|idle|messages|presence|rooms|livechat|register --port P [options]\n"
               "  --address A (loopback only) --domain D --anon-domain D --server-pid PID --label L\n"
               "  --mech anonymous|plain|scram --starttls | --websocket PATH --user-prefix u --password pw --first N --users N\n"
               "  --count N --concurrency K --duration S --drain S --settle S --source-addresses N\n"
               "  --pairs P --rates 2000,10000,0 (0 = closed loop) --window W\n"
               "  --groups G --contacts M --presence-rate R --max-seconds S\n"
               "  --rooms R --occupants K --room-domain D (rooms: --rates are groupchat messages/s)\n"
               "  livechat: --visitors V --consultants C --arrival-rate R --exchanges K --think-ms T\n"
               "            --c2s-port P (consultants)\n"
               "            --chat-domain D --queues a,b,c --notice-version S (consultants log in as <user-prefix>N)\n");
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto v = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (k == "--scenario") a.scenario = v();
    else if (k == "--address") a.address = v();
    else if (k == "--port") a.port = static_cast<unsigned short>(std::stoi(v()));
    else if (k == "--domain") a.domain = v();
    else if (k == "--anon-domain") a.anon_domain = v();
    else if (k == "--mech") a.mech = v();
    else if (k == "--starttls") a.starttls = true;
    else if (k == "--websocket") a.websocket = v();
    else if (k == "--user-prefix") a.user_prefix = v();
    else if (k == "--password") a.password = v();
    else if (k == "--first") a.first = std::stoi(v());
    else if (k == "--users") a.users = std::stoi(v());
    else if (k == "--count") a.count = std::stoi(v());
    else if (k == "--concurrency") a.concurrency = std::stoi(v());
    else if (k == "--duration") a.duration = std::stod(v());
    else if (k == "--drain") a.drain = std::stod(v());
    else if (k == "--settle") a.settle = std::stod(v());
    else if (k == "--pairs") a.pairs = std::stoi(v());
    else if (k == "--window") a.window = std::stoi(v());
    else if (k == "--groups") a.groups = std::stoi(v());
    else if (k == "--contacts") a.contacts = std::stoi(v());
    else if (k == "--presence-rate") a.presence_rate = std::stod(v());
    else if (k == "--rooms") a.rooms = std::stoi(v());
    else if (k == "--occupants") a.occupants = std::stoi(v());
    else if (k == "--room-domain") a.room_domain = v();
    else if (k == "--server-pid") a.server_pid = static_cast<pid_t>(std::stoi(v()));
    else if (k == "--label") a.label = v();
    else if (k == "--source-addresses") a.source_addresses = std::stoi(v());
    else if (k == "--max-seconds") a.max_seconds = std::stod(v());
    else if (k == "--visitors") a.visitors = std::stoi(v());
    else if (k == "--consultants") a.consultants = std::stoi(v());
    else if (k == "--exchanges") a.exchanges = std::stoi(v());
    else if (k == "--think-ms") a.think_ms = std::stod(v());
    else if (k == "--arrival-rate") a.arrival_rate = std::stod(v());
    else if (k == "--c2s-port") a.c2s_port = static_cast<unsigned short>(std::stoi(v()));
    else if (k == "--chat-domain") a.chat_domain = v();
    else if (k == "--queues") a.queues = v();
    else if (k == "--notice-version") a.notice_version = v();
    else if (k == "--rates") {
      a.rates.clear();
      std::stringstream ss(v());
      std::string r;
      while (std::getline(ss, r, ',')) a.rates.push_back(std::stod(r));
    } else usage();
  }
  if (a.scenario.empty() || a.port == 0) usage();
  if (a.chat_domain.empty()) a.chat_domain = "chat." + a.domain;
  if (a.c2s_port == 0) a.c2s_port = a.port;
  // Load goes to this machine only (loopback); anything else is refused.
  error_code ec;
  auto addr = asio::ip::make_address(a.address, ec);
  if (ec || !addr.is_loopback()) {
    std::fprintf(stderr, "refusing non-loopback address %s\n", a.address.c_str());
    std::exit(2);
  }
  if (a.mech != "anonymous" && a.mech != "plain" && a.mech != "scram") usage();
  return a;
}

// A small JSON object writer (flat values and nested objects are all we print).
class Json {
 public:
  Json& num(const std::string& k, double v) {
    key(k);
    char buf[64];
    if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e15)
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else
      std::snprintf(buf, sizeof buf, "%.6g", v);
    s_ += buf;
    return *this;
  }
  Json& str(const std::string& k, const std::string& v) {
    key(k);
    s_ += quote(v);
    return *this;
  }
  Json& boolean(const std::string& k, bool v) {
    key(k);
    s_ += v ? "true" : "false";
    return *this;
  }
  Json& raw(const std::string& k, const std::string& json) {
    key(k);
    s_ += json;
    return *this;
  }
  std::string done() const { return s_ + "}"; }

 private:
  void key(const std::string& k) {
    s_ += first_ ? "" : ",";
    first_ = false;
    s_ += quote(k) + ":";
  }
  static std::string quote(const std::string& v) {
    std::string o = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') o += '\\', o += c;
      else if (static_cast<unsigned char>(c) < 0x20) {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", c);
        o += b;
      } else o += c;
    }
    return o + "\"";
  }
  std::string s_ = "{";
  bool first_ = true;
};

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0, mean = 0;
  std::size_t n = 0;
};
// What every measured stanza carries in its body (or status): phase, sender, sequence number
// and the send time, so the receiver counts each (sender, sequence) once and times it.
struct Stamp {
  int phase = 0, sender = 0;
  long long seq = 0, sent_ns = 0;
};
std::optional<Stamp> parse_stamp(std::string_view text) {
  Stamp st;
  if (std::sscanf(std::string(text).c_str(), "%d %d %lld %lld", &st.phase, &st.sender, &st.seq, &st.sent_ns) != 4 ||
      st.seq < 0)
    return std::nullopt;
  return st;
}
// Marks `seq` seen; false when it was already (a duplicate).
bool first_sight(std::vector<std::uint8_t>& seen, long long seq) {
  auto q = static_cast<std::size_t>(seq);
  if (q >= seen.size()) seen.resize(std::max<std::size_t>(q + 1, seen.size() * 2));
  if (seen[q]) return false;
  seen[q] = 1;
  return true;
}

Percentiles percentiles_ms(std::vector<std::int64_t> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5))] / 1e6; };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = v.back() / 1e6;
  double sum = 0;
  for (auto x : v) sum += static_cast<double>(x);
  p.mean = sum / static_cast<double>(v.size()) / 1e6;
  return p;
}
void put_latency(Json& j, const std::string& prefix, const Percentiles& p) {
  j.num(prefix + "_p50_ms", p.p50).num(prefix + "_p99_ms", p.p99).num(prefix + "_max_ms", p.max);
}

// Server CPU/RSS (process tree), the generator's CPU and wall time between start() and stop().
struct Meter {
  explicit Meter(pid_t p) : pid(p) {}
  pid_t pid;
  TreeSample s0, s1;
  double self0 = 0, self1 = 0;
  std::int64_t t0 = 0, t1 = 0;
  void start() {
    s0 = sample_tree(pid);
    self0 = self_cpu_seconds();
    t0 = now_ns();
  }
  void stop() {
    t1 = now_ns();
    s1 = sample_tree(pid);
    self1 = self_cpu_seconds();
  }
  double server_cpu() const { return s1.cpu_s - s0.cpu_s; }
  double wall() const { return (t1 - t0) / 1e9; }
  void put(Json& j) const {
    j.num("server_cpu_s", server_cpu())
        .num("loadgen_cpu_s", self1 - self0)
        .num("wall_s", wall())
        .num("server_rss_kib", s1.rss_kib)
        .num("server_processes", s1.processes);
  }
};

class Bench {
 public:
  Bench(asio::io_context& io, Args args) : io_(io), a_(std::move(args)), tls_ctx_(asio::ssl::context::tls_client) {
    tls_ctx_.set_verify_mode(asio::ssl::verify_none);  // the servers' self-signed test certificate
    SSL_CTX_set_mode(tls_ctx_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  }

  awaitable<void> run() {
    if (a_.scenario == "login") co_await login_storm();
    else if (a_.scenario == "idle") co_await idle();
    else if (a_.scenario == "messages") co_await messages();
    else if (a_.scenario == "presence") co_await presence();
    else if (a_.scenario == "rooms") co_await rooms();
    else if (a_.scenario == "register") co_await register_accounts();
    else if (a_.scenario == "livechat") co_await livechat();
    else usage();
  }

 private:
  Json base(const std::string& phase) {
    Json j;
    j.str("scenario", a_.scenario).str("phase", phase);
    if (!a_.label.empty()) j.str("label", a_.label);
    j.boolean("starttls", a_.starttls);
    j.str("transport", a_.websocket.empty() ? "tcp" : "websocket");
    return j;
  }
  void emit(const Json& j) {
    std::cout << j.done() << std::endl;
  }
  void note(const std::string& s) { std::cerr << "[loadgen] " << s << std::endl; }

  std::string user(int i) const { return a_.user_prefix + std::to_string(i); }

  ClientOptions options(int i, const std::string& resource, Mech mech) {
    ClientOptions o;
    o.address = a_.address;
    o.port = a_.port;
    o.mech = mech;
    o.domain = mech == Mech::anonymous ? a_.anon_domain : a_.domain;
    o.user = user(i);
    o.password = a_.password;
    o.resource = resource;
    o.starttls = a_.starttls;
    o.websocket_path = a_.websocket;
    o.tls_ctx = &tls_ctx_;
    if (a_.source_addresses > 1) o.source_address = "127.0.0." + std::to_string(1 + (i % a_.source_addresses));
    return o;
  }
  Mech mech() const {
    return a_.mech == "anonymous" ? Mech::anonymous : a_.mech == "plain" ? Mech::plain : Mech::scram;
  }

  awaitable<void> sleep(double seconds) {
    asio::steady_timer t(io_, std::chrono::microseconds(static_cast<long long>(seconds * 1e6)));
    error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  awaitable<void> drain(std::function<std::int64_t()> got, std::int64_t expected) {
    std::int64_t last = got(), last_change = now_ns(), hard_end = now_ns() + 60'000'000'000;
    while (got() < expected && now_ns() < hard_end) {
      co_await sleep(0.005);
      if (got() != last) last = got(), last_change = now_ns();
      if (now_ns() - last_change > static_cast<std::int64_t>(a_.drain * 1e9)) break;
    }
  }
  bool out_of_time() const { return (now_ns() - started_) / 1e9 > a_.max_seconds; }

  // Open loop: the schedule is fixed by the clock, whatever the server does. `send_next` is
  // called until rate × elapsed time have been sent, for `seconds`.
  awaitable<void> paced(double rate, double seconds, std::function<void()> send_next) {
    asio::steady_timer tick(io_);
    std::int64_t t0 = now_ns(), t_end = t0 + static_cast<std::int64_t>(seconds * 1e9), sent = 0;
    while (now_ns() < t_end) {
      auto due = static_cast<std::int64_t>(rate * (now_ns() - t0) / 1e9);
      for (; sent < due; ++sent) send_next();
      tick.expires_after(std::chrono::microseconds(500));
      error_code ec;
      co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // Runs `n` logins with at most `k` at once; `make(i)` gives the options, `after(client)` runs
  // once a login succeeded (it may keep the client). Stops starting new ones after `limit_s`.
  struct LoginStats {
    int ok = 0, failed = 0;
    std::vector<std::int64_t> latency_ns;
    std::map<std::string, int> errors;
    std::string mechanism;
  };
  awaitable<LoginStats> logins(int n, int k, std::function<ClientOptions(int)> make,
                               std::function<awaitable<void>(std::shared_ptr<Client>)> after, double limit_s) {
    LoginStats st;
    st.latency_ns.reserve(n);
    int next = 0, running = 0;
    std::int64_t t_end = now_ns() + static_cast<std::int64_t>(limit_s * 1e9);
    auto worker = [&]() -> awaitable<void> {
      while (next < n && now_ns() < t_end && !out_of_time()) {
        int i = next++;
        auto c = std::make_shared<Client>(io_, make(i));
        c->index = i;
        bool ok = co_await c->login();
        if (ok) {
          ++st.ok;
          st.latency_ns.push_back(c->login_ns());
          if (st.mechanism.empty()) st.mechanism = c->mechanism();
          co_await after(c);
        } else {
          ++st.failed;
          std::string e = c->error().substr(0, 120);
          if (st.errors.size() < 5 || st.errors.count(e)) ++st.errors[e];
        }
      }
      --running;
    };
    running = std::max(1, std::min(k, n));
    int workers = running;
    for (int w = 0; w < workers; ++w) asio::co_spawn(io_, worker(), asio::detached);
    // Polled, so that workers finishing before this wait starts cannot be missed.
    while (running > 0) co_await sleep(0.02);
    co_return st;
  }
  static std::string errors_json(const std::map<std::string, int>& errors) {
    Json j;
    for (const auto& [e, n] : errors) j.num(e, n);
    return j.done();
  }

  static awaitable<void> close_later(std::shared_ptr<Client> c) {
    co_await c->close_gracefully(std::chrono::milliseconds(2000));
  }

  // ---- scenario 1: login storm ------------------------------------------------------------
  awaitable<void> login_storm() {
    Mech m = mech();
    int users = m == Mech::anonymous ? 1 : a_.users;
    auto make = [&](int i) { return options(a_.first + i % users, "s" + std::to_string(i), m); };
    auto after = [this](std::shared_ptr<Client> c) -> awaitable<void> {
      c->send("<presence/>");
      // The stream is closed in the background: a server slow to answer </stream:stream> does
      // not hold a login slot (ejabberd takes ~100 ms).
      asio::co_spawn(io_, close_later(c), asio::detached);
      co_return;
    };
    // Warm-up, not measured: fills the generator's SCRAM cache (one PBKDF2 per user) and lets
    // the server load whatever it loads lazily.
    int warm = m == Mech::anonymous ? 200 : users;
    auto w = co_await logins(warm, a_.concurrency, make, after, 60);
    note("warm-up: " + std::to_string(w.ok) + " ok, " + std::to_string(w.failed) + " failed");
    co_await sleep(1);
    std::size_t pbkdf2_before = sasl::ScramClient::pbkdf2_count();
    Meter meter(a_.server_pid);
    meter.start();
    auto st = co_await logins(a_.count, a_.concurrency, make, after, a_.duration);
    meter.stop();
    auto lat = percentiles_ms(st.latency_ns);
    Json j = base("login");
    j.str("mechanism", st.mechanism.empty() ? a_.mech : st.mechanism)
        .num("concurrency", a_.concurrency)
        .num("logins_ok", st.ok)
        .num("logins_failed", st.failed)
        .num("logins_per_server_cpu_s", meter.server_cpu() > 0 ? st.ok / meter.server_cpu() : 0)
        .num("logins_per_s", st.ok / meter.wall())
        .num("loadgen_pbkdf2_runs", static_cast<double>(sasl::ScramClient::pbkdf2_count() - pbkdf2_before));
    put_latency(j, "login", lat);
    meter.put(j);
    j.raw("errors", errors_json(st.errors));
    emit(j);
  }

  // ---- scenario 2: idle connections --------------------------------------------------------
  awaitable<void> idle() {
    Mech m = mech();
    std::vector<std::shared_ptr<Client>> held;
    auto ignore = [](Client&, std::string_view) {};
    auto make = [&](int i) { return options(a_.first + i, "idle", m); };
    auto keep = [&](std::shared_ptr<Client> c) -> awaitable<void> {
      c->send("<presence/>");
      c->start_reader(ignore);
      held.push_back(c);
      co_return;
    };
    auto drop = [](std::shared_ptr<Client> c) -> awaitable<void> {
      c->send("<presence/>");
      co_await c->close_gracefully(std::chrono::milliseconds(2000));
    };
    // Warm-up with other accounts' numbers past the measured ones (not held).
    auto w = co_await logins(std::min(50, a_.count), a_.concurrency,
                             [&](int i) { return options(a_.first + a_.count + i, "warm", m); }, drop, 60);
    note("warm-up: " + std::to_string(w.ok) + " ok");
    co_await sleep(a_.settle);
    Meter meter(a_.server_pid);
    meter.start();
    auto st = co_await logins(a_.count, a_.concurrency, make, keep, 90);
    co_await sleep(a_.settle);
    meter.stop();
    int alive = 0;
    for (auto& c : held) alive += !c->closed();
    double delta = meter.s1.rss_kib - meter.s0.rss_kib;
    Json j = base("idle");
    j.str("mechanism", st.mechanism)
        .num("connections", alive)
        .num("logins_failed", st.failed)
        .num("server_rss_before_kib", meter.s0.rss_kib)
        .num("server_rss_after_kib", meter.s1.rss_kib)
        .num("rss_per_connection_kib", alive ? delta / alive : 0);
    meter.put(j);
    j.raw("errors", errors_json(st.errors));
    emit(j);
    for (auto& c : held) c->send("</stream:stream>");
    co_await sleep(1);
    for (auto& c : held) c->close_now();
  }

  // ---- scenario 3: one-to-one messages -----------------------------------------------------
  struct MsgPhase {
    int id = 0;
    bool closed_loop = false, sending = false;
    std::int64_t sent = 0, received = 0, dup = 0, errors = 0, stale = 0;
    std::vector<std::int64_t> seq;                // next sequence number per sender
    std::vector<std::vector<std::uint8_t>> seen;  // per sender, per sequence number
    std::vector<std::int64_t> latency_ns;
  };

  std::string message_to(int s, std::int64_t seq, int phase, const std::string& to) {
    std::string m = "<message type='chat' id='m";
    m += std::to_string(seq);
    m += "' to='";
    m += to;
    m += "'><body>";
    m += std::to_string(phase) + " " + std::to_string(s) + " " + std::to_string(seq) + " " +
         std::to_string(now_ns());
    m += "</body></message>";
    return m;
  }

  awaitable<void> messages() {
    int n = 2 * a_.pairs;
    std::vector<std::shared_ptr<Client>> cl(n);
    MsgPhase* ph = nullptr;
    auto send_one = [&](int s) {
      auto& c = cl[s];
      std::int64_t q = ph->seq[s]++;
      c->send(message_to(s, q, ph->id, cl[s ^ 1]->jid()));
      ++ph->sent;
    };
    auto on_element = [&](Client& self, std::string_view el) {
      if (xml::name(el) != "message" || !ph) return;
      if (xml::attr(el, "type") == "error") {
        ++ph->errors;
        return;
      }
      std::string_view body = xml::child_text(el, "body");
      auto st = parse_stamp(body);
      if (!st) return;
      if (st->phase != ph->id || st->sender < 0 || st->sender >= n) {
        ++ph->stale;
        return;
      }
      if (!first_sight(ph->seen[st->sender], st->seq)) {
        ++ph->dup;
        return;
      }
      ++ph->received;
      ph->latency_ns.push_back(now_ns() - st->sent_ns);
      if (ph->closed_loop && ph->sending) send_one(st->sender);
    };
    auto keep = [&](std::shared_ptr<Client> c) -> awaitable<void> {
      c->send("<presence/>");
      c->start_reader(on_element);
      cl[c->index] = c;
      co_return;
    };
    auto st = co_await logins(n, a_.concurrency, [&](int i) { return options(a_.first + i, "m" + std::to_string(i), mech()); },
                              keep, 60);
    if (st.ok != n) {
      Json j = base("setup");
      j.str("status", "failed").num("logins_ok", st.ok).num("logins_failed", st.failed).raw("errors", errors_json(st.errors));
      emit(j);
      co_return;
    }
    co_await sleep(1);
    int phase_id = 0;
    for (double rate : a_.rates) {
      MsgPhase phase;
      phase.id = ++phase_id;
      phase.closed_loop = rate <= 0;
      phase.seq.assign(n, 0);
      phase.seen.assign(n, {});
      phase.latency_ns.reserve(static_cast<std::size_t>(rate > 0 ? rate * a_.duration * 1.1 : 1 << 20));
      ph = &phase;
      Meter meter(a_.server_pid);
      meter.start();
      phase.sending = true;
      std::int64_t t0 = now_ns();
      if (phase.closed_loop) {
        for (int w = 0; w < a_.window; ++w)
          for (int s = 0; s < n; ++s) send_one(s);
        co_await sleep(a_.duration);
      } else {
        std::int64_t next_sender = 0;
        co_await paced(rate, a_.duration, [&] { send_one(static_cast<int>(next_sender++ % n)); });
      }
      phase.sending = false;
      double send_wall = (now_ns() - t0) / 1e9;
      // Drain: wait while deliveries progress (a saturated server works off its backlog), at
      // most 60 s; what has not arrived after `drain` seconds without progress counts as lost.
      co_await drain([&] { return phase.received; }, phase.sent);
      meter.stop();
      int alive = 0;
      for (auto& c : cl) alive += !c->closed();
      auto lat = percentiles_ms(phase.latency_ns);
      Json j = base(phase.closed_loop ? "closed" : "open");
      j.num("pairs", a_.pairs)
          .num("offered_rate", rate)
          .num("window", phase.closed_loop ? a_.window : 0)
          .num("sent", static_cast<double>(phase.sent))
          .num("delivered", static_cast<double>(phase.received))
          .num("lost", static_cast<double>(phase.sent - phase.received))
          .num("duplicated", static_cast<double>(phase.dup))
          .num("errors", static_cast<double>(phase.errors))
          .num("stale", static_cast<double>(phase.stale))
          .num("send_rate", phase.sent / send_wall)
          .num("delivered_per_s", phase.received / meter.wall())
          .num("delivered_per_server_cpu_s", meter.server_cpu() > 0 ? phase.received / meter.server_cpu() : 0)
          .num("connections_alive", alive);
      put_latency(j, "latency", lat);
      meter.put(j);
      emit(j);
      ph = nullptr;
      co_await sleep(1);
      if (out_of_time()) break;
    }
    for (auto& c : cl) c->send("</stream:stream>");
    co_await sleep(0.5);
    for (auto& c : cl) c->close_now();
  }

  // ---- scenario 4: presence with rosters ---------------------------------------------------
  awaitable<void> presence() {
    int m = a_.contacts, gsize = m + 1, n = a_.groups * gsize;
    std::vector<std::shared_ptr<Client>> cl(n);
    std::vector<std::string> bare(n);
    for (int i = 0; i < n; ++i) bare[i] = user(a_.first + i) + "@" + a_.domain;
    std::map<std::string, int> index_of;
    for (int i = 0; i < n; ++i) index_of[bare[i]] = i;
    std::vector<int> roster_both(n, -1), roster_errors(n, 0);
    std::vector<std::set<int>> subscribed_from(n), subscribe_sent(n);
    struct PresencePhase {
      int id = 0;
      std::int64_t updates = 0, delivered = 0, dup = 0, errors = 0;
      std::vector<std::vector<std::int64_t>> last;  // per receiver, per group member: last seq
      std::vector<std::int64_t> latency_ns;
    };
    PresencePhase* ph = nullptr;
    auto bare_of = [](std::string_view jid) { return jid.substr(0, jid.find('/')); };
    auto on_element = [&](Client& self, std::string_view el) {
      int me = self.index;
      std::string_view name = xml::name(el);
      if (name == "iq" && xml::attr(el, "id") == "roster1") {
        if (xml::attr(el, "type") != "result") {
          roster_errors[me] = 1;
          roster_both[me] = 0;
          return;
        }
        int both = 0;
        for (std::size_t p = 0; (p = el.find("subscription='both'", p)) != std::string_view::npos; ++p) ++both;
        for (std::size_t p = 0; (p = el.find("subscription=\"both\"", p)) != std::string_view::npos; ++p) ++both;
        roster_both[me] = both;
        return;
      }
      if (name != "presence") return;
      std::string_view type = xml::attr(el, "type");
      std::string from(bare_of(xml::attr(el, "from")));
      auto it = index_of.find(from);
      if (it == index_of.end() || it->second == me) return;
      int other = it->second;
      if (type == "subscribe") {
        self.send("<presence type='subscribed' to='" + from + "'/>");
        if (!subscribe_sent[me].count(other)) {
          subscribe_sent[me].insert(other);
          self.send("<presence type='subscribe' to='" + from + "'/>");
        }
      } else if (type == "subscribed") {
        subscribed_from[me].insert(other);
      } else if (type.empty() && ph) {
        std::string_view status = xml::child_text(el, "status");
        auto st = parse_stamp(status);
        if (!st || st->phase != ph->id || st->sender != other) return;
        auto& last = ph->last[me][other % gsize];
        if (st->seq <= last) {
          ++ph->dup;
          return;
        }
        last = st->seq;
        ++ph->delivered;
        ph->latency_ns.push_back(now_ns() - st->sent_ns);
      } else if (type == "error") {
        if (ph) ++ph->errors;
      }
    };
    auto keep = [&](std::shared_ptr<Client> c) -> awaitable<void> {
      cl[c->index] = c;
      c->start_reader(on_element);
      c->send("<iq type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>");
      co_return;
    };
    auto st = co_await logins(n, a_.concurrency, [&](int i) { return options(a_.first + i, "p", Mech::scram); }, keep, 60);
    if (st.ok != n) {
      Json j = base("setup");
      j.str("status", "failed").num("logins_ok", st.ok).raw("errors", errors_json(st.errors));
      emit(j);
      co_return;
    }
    std::int64_t wait_end = now_ns() + 10'000'000'000;
    while (std::count(roster_both.begin(), roster_both.end(), -1) && now_ns() < wait_end) co_await sleep(0.01);
    if (std::count(roster_errors.begin(), roster_errors.end(), 1) || std::count(roster_both.begin(), roster_both.end(), -1)) {
      Json j = base("setup");
      j.str("status", "unsupported").str("reason", "roster get refused or unanswered (no roster module)");
      emit(j);
      for (auto& c : cl) c->close_now();
      co_return;
    }
    for (auto& c : cl) c->send("<presence/>");
    bool complete = std::all_of(roster_both.begin(), roster_both.end(), [&](int b) { return b >= m; });
    Meter setup(a_.server_pid);
    setup.start();
    if (!complete) {
      // RFC 6121 §3: i asks j; j approves and asks back; i approves. Every pair in a group.
      for (int g = 0; g < a_.groups; ++g)
        for (int i = 0; i < gsize; ++i)
          for (int k = i + 1; k < gsize; ++k) {
            int a = g * gsize + i, b = g * gsize + k;
            subscribe_sent[a].insert(b);
            cl[a]->send("<presence type='subscribe' to='" + bare[b] + "'/>");
          }
      std::int64_t end = now_ns() + static_cast<std::int64_t>(150e9);
      while (now_ns() < end) {
        bool all = true;
        for (int i = 0; i < n && all; ++i) all = static_cast<int>(subscribed_from[i].size()) >= m;
        if (all) break;
        co_await sleep(0.05);
      }
    }
    setup.stop();
    int ready = 0;
    for (int i = 0; i < n; ++i) ready += complete || static_cast<int>(subscribed_from[i].size()) >= m;
    {
      Json j = base("setup");
      // The setup is a measurement too: subscription handshakes (RFC 6121 §3: subscribe,
      // subscribed, both ways, with the roster pushes) per server CPU-second.
      double handshakes = complete ? 0 : a_.groups * gsize * (gsize - 1) / 2.0;
      j.str("status", ready == n ? "ok" : "incomplete")
          .boolean("rosters_existed", complete)
          .num("clients", n)
          .num("clients_with_full_roster", ready)
          .num("subscription_handshakes", handshakes)
          .num("handshakes_per_server_cpu_s",
               setup.server_cpu() > 0 && ready == n ? handshakes / setup.server_cpu() : 0);
      setup.put(j);
      emit(j);
    }
    if (ready != n) co_return;
    co_await sleep(a_.settle);
    PresencePhase phase;
    phase.id = 1;
    phase.last.assign(n, std::vector<std::int64_t>(gsize, -1));
    phase.latency_ns.reserve(static_cast<std::size_t>(a_.presence_rate * a_.duration * m * 1.1));
    ph = &phase;
    std::vector<std::int64_t> seq(n, 0);
    Meter meter(a_.server_pid);
    meter.start();
    std::int64_t t0 = now_ns(), next = 0;
    static const char* kShow[] = {"away", "chat", "dnd", "xa"};
    co_await paced(a_.presence_rate, a_.duration, [&] {
      int s = static_cast<int>(next++ % n);
      std::int64_t q = seq[s]++;
      cl[s]->send(std::string("<presence><show>") + kShow[q % 4] + "</show><status>1 " + std::to_string(s) + " " +
                  std::to_string(q) + " " + std::to_string(now_ns()) + "</status></presence>");
      ++phase.updates;
    });
    double send_wall = (now_ns() - t0) / 1e9;
    std::int64_t expected = phase.updates * m;
    co_await drain([&] { return phase.delivered; }, expected);
    meter.stop();
    auto lat = percentiles_ms(phase.latency_ns);
    Json j = base("broadcast");
    j.num("clients", n)
        .num("contacts", m)
        .num("offered_updates_per_s", a_.presence_rate)
        .num("updates", static_cast<double>(phase.updates))
        .num("update_rate", phase.updates / send_wall)
        .num("expected_deliveries", static_cast<double>(expected))
        .num("delivered", static_cast<double>(phase.delivered))
        .num("lost", static_cast<double>(expected - phase.delivered))
        .num("duplicated", static_cast<double>(phase.dup))
        .num("errors", static_cast<double>(phase.errors))
        .num("delivered_per_server_cpu_s", meter.server_cpu() > 0 ? phase.delivered / meter.server_cpu() : 0);
    put_latency(j, "latency", lat);
    meter.put(j);
    emit(j);
    ph = nullptr;
    for (auto& c : cl) c->send("</stream:stream>");
    co_await sleep(0.5);
    for (auto& c : cl) c->close_now();
  }

  // ---- scenario 5: room fan-out (XEP-0045) --------------------------------------------------
  // R rooms of K occupants. Occupant 0 of each room creates it and unlocks it as an instant room
  // (§10.1.2), then the others join without history (§7.2.15: maxstanzas='0'). Each phase sends
  // groupchat messages at an offered rate, round robin over all occupants; every occupant,
  // the sender too (§7.4), must receive each message of its room exactly once.
  awaitable<void> rooms() {
    const int k = a_.occupants, n = a_.rooms * k;
    std::vector<std::shared_ptr<Client>> cl(n);
    std::vector<int> joined(n, 0);  // 1: self-presence (status 110) seen; -1: refused
    std::vector<int> unlocked(a_.rooms, 0);
    auto room_of = [&](int i) { return "bench-room-" + std::to_string(i / k) + "@" + a_.room_domain; };
    struct RoomPhase {
      int id = 0;
      std::int64_t sent = 0, delivered = 0, dup = 0, errors = 0;
      std::vector<std::vector<std::uint8_t>> seen;  // per receiver x sender in its room: by seq
      std::vector<std::int64_t> latency_ns;
    };
    RoomPhase* ph = nullptr;
    auto on_element = [&](Client& self, std::string_view el) {
      int me = self.index;
      std::string_view name = xml::name(el);
      if (name == "presence") {
        if (xml::attr(el, "type") == "error") joined[me] = -1;
        else if (xml::has(el, "code='110'") || xml::has(el, "code=\"110\"")) joined[me] = 1;
        return;
      }
      if (name == "iq" && xml::attr(el, "id") == "unlock") {
        unlocked[me / k] = xml::attr(el, "type") == "result" ? 1 : -1;
        return;
      }
      if (name != "message" || !ph) return;
      if (xml::attr(el, "type") == "error") {
        ++ph->errors;
        return;
      }
      auto st = parse_stamp(xml::child_text(el, "body"));
      if (!st || st->phase != ph->id || st->sender < 0 || st->sender >= n || st->sender / k != me / k) return;
      if (!first_sight(ph->seen[static_cast<std::size_t>(me) * k + st->sender % k], st->seq)) {
        ++ph->dup;
        return;
      }
      ++ph->delivered;
      ph->latency_ns.push_back(now_ns() - st->sent_ns);
    };
    auto join = [&](int i) {
      cl[i]->send("<presence to='" + room_of(i) + "/n" + std::to_string(i % k) +
                  "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
    };
    auto keep = [&](std::shared_ptr<Client> c) -> awaitable<void> {
      cl[c->index] = c;
      c->start_reader(on_element);
      c->send("<presence/>");
      co_return;
    };
    auto st = co_await logins(n, a_.concurrency, [&](int i) { return options(a_.first + i, "r", mech()); }, keep, 60);
    auto setup_failed = [&](const std::string& why) {
      Json j = base("setup");
      j.str("status", "failed").str("reason", why).num("logins_ok", st.ok).raw("errors", errors_json(st.errors));
      emit(j);
      for (auto& c : cl)
        if (c) c->close_now();
    };
    if (st.ok != n) co_return setup_failed("logins");
    Meter setup(a_.server_pid);
    setup.start();
    auto wait_until = [&](auto done) -> awaitable<bool> {
      std::int64_t end = now_ns() + 30'000'000'000;
      while (!done() && now_ns() < end) co_await sleep(0.01);
      co_return done();
    };
    for (int r = 0; r < a_.rooms; ++r) join(r * k);
    bool owners = co_await wait_until([&] {
      for (int r = 0; r < a_.rooms; ++r)
        if (joined[r * k] == 0) return false;
      return true;
    });
    if (!owners || std::count(joined.begin(), joined.end(), -1)) co_return setup_failed("room creation");
    for (int r = 0; r < a_.rooms; ++r)
      cl[r * k]->send("<iq type='set' id='unlock' to='" + room_of(r * k) +
                      "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
                      "type='submit'/></query></iq>");
    bool open = co_await wait_until([&] { return std::count(unlocked.begin(), unlocked.end(), 0) == 0; });
    if (!open || std::count(unlocked.begin(), unlocked.end(), -1)) co_return setup_failed("instant room configuration");
    for (int i = 0; i < n; ++i)
      if (i % k) join(i);
    bool all = co_await wait_until([&] { return std::count(joined.begin(), joined.end(), 0) == 0; });
    setup.stop();
    if (!all || std::count(joined.begin(), joined.end(), -1)) co_return setup_failed("joins");
    {
      Json j = base("setup");
      j.str("status", "ok").num("rooms", a_.rooms).num("occupants", k).num("joins_per_server_cpu_s",
                                                                          setup.server_cpu() > 0 ? n / setup.server_cpu() : 0);
      setup.put(j);
      emit(j);
    }
    co_await sleep(a_.settle);
    int phase_id = 0;
    std::vector<std::int64_t> seq(n, 0);
    for (double rate : a_.rates) {
      if (rate <= 0) continue;  // open loop only: a closed loop over fan-out measures the client
      RoomPhase phase;
      phase.id = ++phase_id;
      phase.seen.assign(static_cast<std::size_t>(n) * k, {});
      phase.latency_ns.reserve(static_cast<std::size_t>(rate * a_.duration * k * 1.1));
      ph = &phase;
      Meter meter(a_.server_pid);
      meter.start();
      std::int64_t t0 = now_ns(), next = 0;
      co_await paced(rate, a_.duration, [&] {
        // Round robin over rooms first, so every room is busy at any rate.
        int room = static_cast<int>(next % a_.rooms), member = static_cast<int>((next / a_.rooms) % k);
        int s = room * k + member;
        ++next;
        cl[s]->send("<message type='groupchat' to='" + room_of(s) + "'><body>" + std::to_string(phase.id) + " " +
                    std::to_string(s) + " " + std::to_string(seq[s]++) + " " + std::to_string(now_ns()) +
                    "</body></message>");
        ++phase.sent;
      });
      double send_wall = (now_ns() - t0) / 1e9;
      std::int64_t expected = phase.sent * k;
      co_await drain([&] { return phase.delivered; }, expected);
      meter.stop();
      auto lat = percentiles_ms(phase.latency_ns);
      Json j = base("fanout");
      j.num("rooms", a_.rooms)
          .num("occupants", k)
          .num("offered_rate", rate)
          .num("sent", static_cast<double>(phase.sent))
          .num("send_rate", phase.sent / send_wall)
          .num("expected_deliveries", static_cast<double>(expected))
          .num("delivered", static_cast<double>(phase.delivered))
          .num("lost", static_cast<double>(expected - phase.delivered))
          .num("duplicated", static_cast<double>(phase.dup))
          .num("errors", static_cast<double>(phase.errors))
          .num("messages_per_server_cpu_s", meter.server_cpu() > 0 ? phase.sent / meter.server_cpu() : 0)
          .num("delivered_per_server_cpu_s", meter.server_cpu() > 0 ? phase.delivered / meter.server_cpu() : 0);
      put_latency(j, "latency", lat);
      meter.put(j);
      emit(j);
      for (int i = 0; i < n; ++i) seq[i] = 0;
      ph = nullptr;
      co_await sleep(1);
      if (out_of_time()) break;
    }
    for (auto& c : cl) c->send("</stream:stream>");
    co_await sleep(0.5);
    for (auto& c : cl) c->close_now();
  }

  // ---- scenario 6: the livechat day (xmppd's livechat service, docs/protocol.md) ------------
  // C consultants (accounts, SCRAM over TCP) make themselves available with directed presence to
  // chat.D (RFC 6121 §4.6) and accept every offer (a XEP-0249 invitation from chat.D) by joining
  // the offered room (XEP-0045 §7.2). V anonymous visitors (XEP-0175, over WebSocket, RFC 7395)
  // arrive at an offered rate, round robin over the queues; each joins with the XEP-0004 form,
  // posts its question in its room and waits. The consultant answers the question (stamped
  // seq 0: the time to first answer runs from the visitor's join IQ to this message), then K
  // times the visitor replies and the consultant writes again (stamped 1..K: consultant→visitor
  // latency), then the consultant sends !close and the visitor sees the room destroyed (§10.9)
  // and the service's <closed/>. Every stamped message must reach its visitor exactly once.
  static std::string_view resource_of(std::string_view jid) {
    auto slash = jid.find('/');
    return slash == std::string_view::npos ? std::string_view{} : jid.substr(slash + 1);
  }
  static std::string_view bare_of(std::string_view jid) { return jid.substr(0, jid.find('/')); }
  // The attribute `key` of the first element whose start tag holds `marker` (e.g. a namespace).
  static std::string_view attr_of(std::string_view el, std::string_view marker, std::string_view key) {
    auto pos = el.find(marker);
    if (pos == std::string_view::npos) return {};
    auto lt = el.rfind('<', pos);
    return lt == std::string_view::npos ? std::string_view{} : xml::attr(el.substr(lt), key);
  }

  struct LivechatVisitor {
    std::shared_ptr<Client> client;
    std::string room, nick;
    std::int64_t join_sent_ns = 0;
    bool answered = false, closed = false, failed = false, destroyed = false;
    std::vector<std::uint8_t> seen;
  };
  struct LivechatRoom {  // a conversation as its consultant sees it
    int visitor = -1;
    int next_seq = 0;
    bool joined = false, closing = false, thinking = false;
  };
  struct LivechatConsultant {
    std::shared_ptr<Client> client;
    std::string nick;
    std::map<std::string, LivechatRoom> rooms;
  };
  struct LivechatCounts {
    std::int64_t offers = 0, accept_refused = 0, sent = 0, received = 0, dup = 0, late_history = 0, errors = 0;
    std::int64_t progress = 0;  // anything that moved a conversation on (for the stall bound)
    std::vector<std::int64_t> first_answer_ns, latency_ns;
    std::map<std::string, int> visitor_errors;
  };

  std::string livechat_stamp(int visitor, int seq) {
    return "6 " + std::to_string(visitor) + " " + std::to_string(seq) + " " + std::to_string(now_ns());
  }

  awaitable<void> livechat() {
    const int nc = a_.consultants, nv = a_.visitors, k = a_.exchanges;
    std::vector<std::string> queues;
    {
      std::stringstream ss(a_.queues);
      std::string q;
      while (std::getline(ss, q, ','))
        if (!q.empty()) queues.push_back(q);
    }
    if (queues.empty() || a_.arrival_rate <= 0 || nc <= 0 || nv <= 0) usage();
    std::vector<LivechatConsultant> cons(nc);
    std::vector<LivechatVisitor> vis(nv);
    LivechatCounts n;
    const std::string chat = a_.chat_domain;
    auto groupchat = [](const std::string& room, const std::string& body) {
      return "<message type='groupchat' to='" + room + "'><body>" + xml::escape(body) + "</body></message>";
    };

    // The consultant's next message in `room`: the answer or an exchange (stamped), or !close
    // after the last one.
    auto write_next = [&](int index, const std::string& room) {
      auto& me = cons[index];
      auto it = me.rooms.find(room);
      if (it == me.rooms.end() || it->second.closing) return;
      auto& r = it->second;
      r.thinking = false;
      ++n.progress;
      if (r.next_seq > k) {
        r.closing = true;
        me.client->send(groupchat(room, "!close"));
        return;
      }
      me.client->send(groupchat(room, livechat_stamp(r.visitor, r.next_seq++)));
      ++n.sent;
    };
    // A named lambda living as long as the scenario: its coroutines keep their arguments.
    auto write_later = [&](int index, std::string room) -> awaitable<void> {
      co_await sleep(a_.think_ms / 1000);
      write_next(index, room);
    };
    auto on_consultant = [&](Client& self, std::string_view el) {
      auto& me = cons[self.index];
      std::string_view name = xml::name(el), from = xml::attr(el, "from");
      if (name == "message" && from == chat) {
        std::string room(attr_of(el, "jabber:x:conference", "jid"));
        if (room.empty() || me.rooms.count(room)) return;  // an expiry notice, or an offer again
        ++n.offers;
        me.rooms[room];
        // XEP-0045 §7.2: joining the offered room accepts the offer (docs/protocol.md "Offers").
        self.send("<presence to='" + room + "/" + me.nick + "'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        return;
      }
      std::string room(bare_of(from));
      auto it = me.rooms.find(room);
      if (it == me.rooms.end()) return;
      auto& r = it->second;
      if (name == "presence") {
        if (xml::attr(el, "type") == "error") {
          ++n.accept_refused;  // expired, or a colleague was first
          me.rooms.erase(it);
        } else if (resource_of(from) == me.nick && xml::attr(el, "type") == "unavailable") {
          me.rooms.erase(it);  // §10.9: destroyed after !close
        } else if (resource_of(from) == me.nick) {
          r.joined = true;
        }
        return;
      }
      if (name != "message" || xml::attr(el, "type") != "groupchat") return;
      std::string_view nick = resource_of(from), body = xml::child_text(el, "body");
      if (nick.empty() || nick == me.nick || r.closing) return;  // the service's answers; our own echo
      int v = -1, seq = -1;
      std::string text(body);
      if (r.visitor < 0 && std::sscanf(text.c_str(), "Q %d", &v) == 1 && v >= 0 && v < nv) {
        r.visitor = v;  // the question (as history, §7.2.15, or live): answer it
        write_next(self.index, room);
      } else if (r.visitor >= 0 && !r.thinking && !xml::has(el, "urn:xmpp:delay") &&
                 std::sscanf(text.c_str(), "R %d %d", &v, &seq) == 2 && v == r.visitor && seq == r.next_seq - 1) {
        // Live replies only: the join's history (XEP-0203 delay) may come after live messages.
        if (a_.think_ms <= 0) return write_next(self.index, room);
        r.thinking = true;
        // The consultant reads and types: a pause, so that conversations overlap as in a day's
        // work. The stamp is taken when the message is sent: latency is the server's alone.
        asio::co_spawn(io_, write_later(self.index, room), asio::detached);
      }
    };

    auto on_visitor = [&](Client& self, std::string_view el) {
      auto& me = vis[self.index];
      std::string_view name = xml::name(el), from = xml::attr(el, "from");
      if (name == "iq" && xml::attr(el, "id") == "join") {
        me.room = std::string(attr_of(el, "<joined", "room"));
        me.nick = std::string(attr_of(el, "<joined", "nick"));
        if (xml::attr(el, "type") != "result" || me.room.empty()) {
          me.failed = true;
          std::string e = "join: " + std::string(el.substr(0, 200));
          if (n.visitor_errors.size() < 5 || n.visitor_errors.count(e)) ++n.visitor_errors[e];
          return;
        }
        self.send(groupchat(me.room, "Q " + std::to_string(self.index)));
        return;
      }
      if (me.room.empty()) return;
      if (name == "message" && xml::has(el, "<closed") && xml::has(el, "urn:xmppd:livechat:0")) {
        me.closed = true;
        ++n.progress;
        asio::co_spawn(io_, close_later(me.client), asio::detached);
        return;
      }
      if (bare_of(from) != me.room) return;
      if (name == "presence") {
        if (xml::has(el, "<destroy")) me.destroyed = true;
        return;
      }
      if (name != "message") return;
      if (xml::attr(el, "type") == "error") {
        ++n.errors;
        return;
      }
      if (resource_of(from) == me.nick || resource_of(from).empty()) return;
      auto st = parse_stamp(xml::child_text(el, "body"));
      if (!st || st->phase != 6 || st->sender != self.index) return;
      std::int64_t now = now_ns();
      if (!first_sight(me.seen, st->seq)) {
        // A copy with a XEP-0203 delay came in the join's history (§7.2.15) after the live one:
        // the history was read late and held messages sent since the join (a widget that
        // deduplicates by XEP-0359 stanza-id hides it). One without a delay is a true duplicate.
        ++(xml::has(el, "urn:xmpp:delay") ? n.late_history : n.dup);
        return;
      }
      ++n.received;
      n.latency_ns.push_back(now - st->sent_ns);
      if (st->seq == 0) {
        me.answered = true;
        n.first_answer_ns.push_back(now - me.join_sent_ns);
      }
      self.send(groupchat(me.room, "R " + std::to_string(self.index) + " " + std::to_string(st->seq)));
    };

    // Consultants: log in, then available to the service (directed presence, RFC 6121 §4.6)
    // and to their own server (initial presence: offers go to the bare JID, §8.5.2.1.1).
    auto consultant_options = [&](int i) {
      ClientOptions o = options(a_.first + i, "desk", Mech::scram);
      o.port = a_.c2s_port;
      o.websocket_path.clear();
      return o;
    };
    auto keep = [&](std::shared_ptr<Client> c) -> awaitable<void> {
      auto& me = cons[c->index];
      me.client = c;
      me.nick = user(a_.first + c->index);
      c->start_reader(on_consultant);
      c->send("<presence/>");
      c->send("<presence to='" + chat + "'/>");
      co_return;
    };
    auto st = co_await logins(nc, a_.concurrency, consultant_options, keep, 60);
    if (st.ok != nc) {
      Json j = base("setup");
      j.str("status", "failed").str("reason", "consultant logins").num("logins_ok", st.ok).raw("errors",
                                                                                              errors_json(st.errors));
      emit(j);
      for (auto& c : cons)
        if (c.client) c.client->close_now();
      co_return;
    }
    co_await sleep(a_.settle);

    // Visitors arrive on the clock (open loop), whatever the service does.
    Meter meter(a_.server_pid);
    meter.start();
    int started = 0, login_failed = 0, logged_in = 0;
    auto visit = [&](int i) -> awaitable<void> {
      ClientOptions o = options(i, "w", Mech::anonymous);
      auto c = std::make_shared<Client>(io_, o);
      c->index = i;
      vis[i].client = c;
      if (!co_await c->login()) {
        ++login_failed;
        vis[i].failed = true;
        std::string e = "login: " + c->error().substr(0, 120);
        if (n.visitor_errors.size() < 5 || n.visitor_errors.count(e)) ++n.visitor_errors[e];
        co_return;
      }
      ++logged_in;
      c->start_reader(on_visitor);
      c->send("<presence/>");
      vis[i].join_sent_ns = now_ns();
      const std::string& queue = queues[static_cast<std::size_t>(i) % queues.size()];
      c->send("<iq type='set' id='join' to='" + chat + "'><join xmlns='urn:xmppd:livechat:0' queue='" + queue +
              "'><x xmlns='jabber:x:data' type='submit'>"
              "<field var='FORM_TYPE'><value>urn:xmppd:livechat:0#join</value></field>"
              "<field var='topic'><value>Benchmark question " + std::to_string(i) + "</value></field>"
              "<field var='notice_version'><value>" + xml::escape(a_.notice_version) + "</value></field>"
              "<field var='notice_acknowledged'><value>true</value></field></x></join></iq>");
    };
    double arrival_s = nv / a_.arrival_rate;
    co_await paced(a_.arrival_rate, std::min(arrival_s + 0.01, a_.max_seconds), [&] {
      if (started >= nv) return;
      int i = started++;
      asio::co_spawn(io_, visit(i), asio::detached);
    });
    // Until every visitor is done (closed or failed), bounded by --max-seconds and by a stall:
    // nothing moving for longer than an offer timeout plus --drain.
    auto done = [&] {
      int d = 0;
      for (int i = 0; i < started; ++i) d += vis[i].closed || vis[i].failed;
      return d;
    };
    std::int64_t last = n.progress, last_change = now_ns();
    while (done() < started && !out_of_time()) {
      co_await sleep(0.02);
      if (n.progress != last) last = n.progress, last_change = now_ns();
      if (now_ns() - last_change > static_cast<std::int64_t>((30 + a_.drain) * 1e9)) break;
    }
    meter.stop();
    int answered = 0, closed = 0, failed = 0, destroyed = 0;
    for (int i = 0; i < started; ++i) {
      answered += vis[i].answered;
      closed += vis[i].closed;
      destroyed += vis[i].destroyed;
      failed += vis[i].failed || !vis[i].closed;
    }
    {
      std::string unanswered;
      for (int i = 0, shown = 0; i < started && shown < 10; ++i)
        if (!vis[i].answered) unanswered += " " + std::to_string(i), ++shown;
      if (!unanswered.empty()) note("visitors without an answer (first 10):" + unanswered);
    }
    auto first = percentiles_ms(n.first_answer_ns);
    auto lat = percentiles_ms(n.latency_ns);
    Json j = base("day");
    j.num("visitors", nv)
        .num("consultants", nc)
        .num("queues", static_cast<double>(queues.size()))
        .num("exchanges", k)
        .num("think_ms", a_.think_ms)
        .num("arrival_rate", a_.arrival_rate)
        .num("visitors_started", started)
        .num("visitor_logins_failed", login_failed)
        .num("visitors_answered", answered)
        .num("visitors_closed", closed)
        .num("visitors_saw_destroy", destroyed)
        .num("visitors_failed", failed)
        .num("offers_accepted", static_cast<double>(n.offers))
        .num("accepts_refused", static_cast<double>(n.accept_refused))
        .num("sent", static_cast<double>(n.sent))
        .num("delivered", static_cast<double>(n.received))
        .num("lost", static_cast<double>(n.sent - n.received))
        .num("duplicated", static_cast<double>(n.dup))
        .num("late_history_copies", static_cast<double>(n.late_history))
        .num("errors", static_cast<double>(n.errors))
        .num("server_cpu_s_per_conversation", closed ? meter.server_cpu() / closed : 0)
        .num("server_rss_mib", meter.s1.rss_kib / 1024);
    put_latency(j, "first_answer", first);
    put_latency(j, "latency", lat);
    meter.put(j);
    j.raw("errors_seen", errors_json(n.visitor_errors));
    emit(j);
    for (auto& c : cons) c.client->send("</stream:stream>");
    for (int i = 0; i < started; ++i)
      if (vis[i].client && !vis[i].closed) vis[i].client->send("</stream:stream>");
    co_await sleep(0.5);
    for (auto& c : cons) c.client->close_now();
    for (int i = 0; i < started; ++i)
      if (vis[i].client) vis[i].client->close_now();
  }

  // ---- accounts by in-band registration (XEP-0077), for the peers ---------------------------
  awaitable<void> register_accounts() {
    int ok = 0, exists = 0, failed = 0;
    std::map<std::string, int> errors;
    int next = 0, running = std::max(1, std::min(a_.concurrency, a_.count));
    auto worker = [&]() -> awaitable<void> {
      while (next < a_.count && !out_of_time()) {
        int i = a_.first + next++;
        tcp::socket s(io_);
        error_code ec;
        co_await s.async_connect(tcp::endpoint(asio::ip::make_address(a_.address), a_.port),
                                 asio::redirect_error(asio::use_awaitable, ec));
        std::string out = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                          "xmlns:stream='http://etherx.jabber.org/streams' to='" + a_.domain + "' version='1.0'>"
                          "<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>" + user(i) +
                          "</username><password>" + xml::escape(a_.password) + "</password></query></iq>";
        if (!ec) co_await asio::async_write(s, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
        StreamScanner sc;
        std::array<char, 4096> buf;
        std::string result;
        while (!ec && result.empty()) {
          std::string_view el;
          auto k = sc.next(el);
          if (k == StreamScanner::Event::element && xml::name(el) == "iq") result = std::string(el);
          else if (k == StreamScanner::Event::stream_close) break;
          else if (k == StreamScanner::Event::none) {
            std::size_t got = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
            if (!ec) sc.feed(buf.data(), got);
          }
        }
        if (xml::attr(result, "type") == "result") ++ok;
        else if (xml::has(result, "<conflict")) ++exists;
        else {
          ++failed;
          std::string e = ec ? ec.message() : result.substr(0, 160);
          if (errors.size() < 5) ++errors[e];
        }
        std::string bye = "</stream:stream>";
        co_await asio::async_write(s, asio::buffer(bye), asio::redirect_error(asio::use_awaitable, ec));
        s.set_option(asio::socket_base::linger(true, 0), ec);
        s.close(ec);
      }
      --running;
    };
    int workers = running;
    for (int w = 0; w < workers; ++w) asio::co_spawn(io_, worker(), asio::detached);
    while (running > 0) co_await sleep(0.02);
    Json j = base("register");
    j.num("registered", ok).num("existed", exists).num("failed", failed).raw("errors", errors_json(errors));
    emit(j);
  }

  asio::io_context& io_;
  Args a_;
  asio::ssl::context tls_ctx_;
  std::int64_t started_ = now_ns();
};

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) {
  using namespace loadgen;
  signal(SIGPIPE, SIG_IGN);
  Args args = parse(argc, argv);
  // Use every descriptor the machine allows this process (idle scenario).
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  asio::io_context io(1);
  Bench bench(io, args);
  int rc = 0;
  asio::co_spawn(io, bench.run(), [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "loadgen: %s\n", ex.what());
        rc = 1;
      }
    }
    io.stop();  // end the run: clients still open are closed with the process
  });
  // The whole run is bounded in time whatever happens.
  asio::steady_timer guard(io, std::chrono::seconds(static_cast<long long>(args.max_seconds + 60)));
  guard.async_wait([&](error_code ec) {
    if (!ec) {
      std::fprintf(stderr, "loadgen: time limit reached\n");
      rc = 3;
      io.stop();
    }
  });
  io.run();
  return rc;
}
