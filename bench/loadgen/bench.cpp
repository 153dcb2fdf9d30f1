#include "bench.hpp"

#include <openssl/ssl.h>

#include <algorithm>

namespace loadgen {

Bench::Bench(asio::io_context& io, Args args)
    : io_(io), a_(std::move(args)), tls_ctx_(asio::ssl::context::tls_client) {
  tls_ctx_.set_verify_mode(asio::ssl::verify_none);  // the servers' self-signed test certificate
  SSL_CTX_set_mode(tls_ctx_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
}

awaitable<void> Bench::run() {
  if (a_.scenario == "login") co_await login_storm();
  else if (a_.scenario == "idle") co_await idle();
  else if (a_.scenario == "messages") co_await messages();
  else if (a_.scenario == "presence") co_await presence();
  else if (a_.scenario == "rooms") co_await rooms();
  else if (a_.scenario == "register") co_await register_accounts();
  else if (a_.scenario == "livechat") co_await livechat();
  else usage();
}

Json Bench::base(const std::string& phase) const {
  Json j;
  j.str("scenario", a_.scenario).str("phase", phase);
  if (!a_.label.empty()) j.str("label", a_.label);
  j.boolean("starttls", a_.starttls);
  j.str("transport", a_.websocket.empty() ? "tcp" : "websocket");
  return j;
}

ClientOptions Bench::options(int i, const std::string& resource, Mech mech) {
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
Mech Bench::mech() const {
  return a_.mech == "anonymous" ? Mech::anonymous : a_.mech == "plain" ? Mech::plain : Mech::scram;
}

awaitable<void> Bench::sleep(double seconds) {
  asio::steady_timer t(io_, std::chrono::microseconds(static_cast<long long>(seconds * 1e6)));
  error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}
awaitable<void> Bench::drain(std::function<std::int64_t()> got, std::int64_t expected) {
  std::int64_t last = got(), last_change = now_ns(), hard_end = now_ns() + 60'000'000'000;
  while (got() < expected && now_ns() < hard_end) {
    co_await sleep(0.005);
    if (got() != last) last = got(), last_change = now_ns();
    if (now_ns() - last_change > static_cast<std::int64_t>(a_.drain * 1e9)) break;
  }
}
awaitable<void> Bench::paced(double rate, double seconds, std::function<void()> send_next) {
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

awaitable<Bench::LoginStats> Bench::logins(int n, int k, std::function<ClientOptions(int)> make,
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
std::string Bench::errors_json(const std::map<std::string, int>& errors) {
  Json j;
  for (const auto& [e, n] : errors) j.num(e, n);
  return j.done();
}

awaitable<void> Bench::close_later(std::shared_ptr<Client> c) {
  co_await c->close_gracefully(std::chrono::milliseconds(2000));
}

awaitable<void> Bench::end_streams(const std::vector<std::shared_ptr<Client>>& clients) {
  for (auto& c : clients) c->send("</stream:stream>");
  co_await sleep(0.5);
  for (auto& c : clients) c->close_now();
}

}  // namespace loadgen
