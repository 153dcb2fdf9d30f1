// Scenarios 1 (login storm) and 2 (idle connections), and accounts by in-band registration.
#include <algorithm>

#include "bench.hpp"
#include "sasl.hpp"

namespace loadgen {

// ---- scenario 1: login storm ------------------------------------------------------------
awaitable<void> Bench::login_storm() {
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
awaitable<void> Bench::idle() {
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


// ---- accounts by in-band registration (XEP-0077), for the peers ---------------------------
awaitable<void> Bench::register_accounts() {
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

}  // namespace loadgen
