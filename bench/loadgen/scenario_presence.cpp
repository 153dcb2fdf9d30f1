// Scenario 4: presence with rosters.
#include <set>

#include "bench.hpp"

namespace loadgen {

awaitable<void> Bench::presence() {
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
  co_await end_streams(cl);
}

}  // namespace loadgen
