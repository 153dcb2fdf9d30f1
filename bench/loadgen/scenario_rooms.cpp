// Scenario 5: room fan-out (XEP-0045).
#include "bench.hpp"

namespace loadgen {

// R rooms of K occupants. Occupant 0 of each room creates it and unlocks it as an instant room
// (§10.1.2), then the others join without history (§7.2.15: maxstanzas='0'). Each phase sends
// groupchat messages at an offered rate, round robin over all occupants; every occupant,
// the sender too (§7.4), must receive each message of its room exactly once.
awaitable<void> Bench::rooms() {
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
  co_await end_streams(cl);
}

}  // namespace loadgen
