// Scenario 3: one-to-one messages, open and closed loop.
#include <fstream>

#include "bench.hpp"

namespace loadgen {
namespace {

struct MsgPhase {
  int id = 0;
  bool closed_loop = false, sending = false;
  std::int64_t sent = 0, received = 0, dup = 0, errors = 0, stale = 0;
  std::vector<std::int64_t> seq;                // next sequence number per sender
  std::vector<std::vector<std::uint8_t>> seen;  // per sender, per sequence number
  std::vector<std::int64_t> latency_ns;
  std::vector<std::int64_t> received_at_ns;  // --latency-log only
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

}  // namespace

awaitable<void> Bench::messages() {
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
    std::int64_t t = now_ns();
    ph->latency_ns.push_back(t - st->sent_ns);
    if (!a_.latency_log.empty()) ph->received_at_ns.push_back(t);
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
    if (!a_.latency_log.empty()) phase.received_at_ns.reserve(phase.latency_ns.capacity());
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
    if (!a_.latency_log.empty()) {
      std::ofstream log(a_.latency_log, std::ios::app);
      for (std::size_t i = 0; i < phase.received_at_ns.size(); ++i)
        log << phase.id << ' ' << phase.received_at_ns[i] - phase.latency_ns[i] << ' ' << phase.received_at_ns[i] << '\n';
    }
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
  co_await end_streams(cl);
}

}  // namespace loadgen
