// Scenario 6: the livechat day (xmppd's livechat service, docs/protocol.md).
#include <algorithm>

#include <random>

#include "bench.hpp"
#include "livechat_requests.hpp"

namespace loadgen {
namespace {

// C consultants (accounts, SCRAM over TCP) make themselves available with directed presence to
// chat.D (RFC 6121 §4.6) and accept every offer (a XEP-0249 invitation from chat.D) by joining
// the offered room (XEP-0045 §7.2). V anonymous visitors (XEP-0175, over WebSocket, RFC 7395)
// arrive at an offered rate, round robin over the queues; each joins with the XEP-0004 form,
// posts its question in its room and waits. The consultant answers the question (stamped
// seq 0: the time to first answer runs from the visitor's join IQ to this message), then K
// times the visitor replies and the consultant writes again (stamped 1..K: consultant→visitor
// latency), then the consultant sends !close and the visitor sees the room destroyed (§10.9)
// and the service's <closed/>. Every stamped message must reach its visitor exactly once.
// With --tickets/--callbacks, offline requests arrive among the visitors (livechat_requests.cpp).
std::string_view resource_of(std::string_view jid) {
  auto slash = jid.find('/');
  return slash == std::string_view::npos ? std::string_view{} : jid.substr(slash + 1);
}
std::string_view bare_of(std::string_view jid) { return jid.substr(0, jid.find('/')); }

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

}  // namespace

awaitable<void> Bench::livechat() {
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
  LivechatRequests requests(chat, a_.notice_version);
  const int nr = a_.tickets + a_.callbacks;
  std::vector<std::shared_ptr<Client>> requesters(nr);
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
    if (requests.on_consultant(self, el)) return;
    std::string_view name = xml::name(el), from = xml::attr(el, "from");
    if (name == "message" && from == chat) {
      std::string room(xml::attr_of(el, "jabber:x:conference", "jid"));
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
      me.room = std::string(xml::attr_of(el, "<joined", "room"));
      me.nick = std::string(xml::attr_of(el, "<joined", "nick"));
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
  // A requester: an anonymous visitor who leaves a ticket or books a callback, round robin over
  // the queues.
  auto request = [&](int r, LivechatRequests::Kind kind) -> awaitable<void> {
    auto c = std::make_shared<Client>(io_, options(r, "w", Mech::anonymous));
    c->index = r;
    requesters[r] = c;
    if (!co_await c->login()) co_return requests.login_failed(r, c->error());
    c->start_reader([&requests](Client& self, std::string_view el) { requests.on_requester(self, el); });
    requests.start(*c, kind, queues[static_cast<std::size_t>(r) % queues.size()]);
  };
  // The arrivals in a fixed shuffled order: chats, tickets ('t') and callbacks ('c') mixed.
  std::string arrivals = std::string(nv, 'v') + std::string(a_.tickets, 't') + std::string(a_.callbacks, 'c');
  std::shuffle(arrivals.begin(), arrivals.end(), std::mt19937(6));
  std::size_t next_arrival = 0;
  int requests_started = 0;
  double arrival_s = arrivals.size() / a_.arrival_rate;
  co_await paced(a_.arrival_rate, std::min(arrival_s + 0.01, a_.max_seconds), [&] {
    if (next_arrival >= arrivals.size()) return;
    char kind = arrivals[next_arrival++];
    if (kind == 'v') asio::co_spawn(io_, visit(started++), asio::detached);
    else
      asio::co_spawn(io_,
                     request(requests_started++,
                             kind == 't' ? LivechatRequests::Kind::ticket : LivechatRequests::Kind::callback),
                     asio::detached);
  });
  // Until every visitor is done (closed or failed), bounded by --max-seconds and by a stall:
  // nothing moving for longer than an offer timeout plus --drain.
  auto done = [&] {
    int d = 0;
    for (int i = 0; i < started; ++i) d += vis[i].closed || vis[i].failed;
    return d;
  };
  auto progress = [&] { return n.progress + requests.progress(); };
  std::int64_t last = progress(), last_change = now_ns();
  while ((done() < started || requests.finished() < requests_started) && !out_of_time()) {
    co_await sleep(0.02);
    if (progress() != last) last = progress(), last_change = now_ns();
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
  if (nr > 0) requests.put(j);
  emit(j);
  for (auto& c : cons) c.client->send("</stream:stream>");
  for (int i = 0; i < started; ++i)
    if (vis[i].client && !vis[i].closed) vis[i].client->send("</stream:stream>");
  co_await sleep(0.5);
  for (auto& c : cons) c.client->close_now();
  for (int i = 0; i < started; ++i)
    if (vis[i].client) vis[i].client->close_now();
  for (auto& c : requesters)
    if (c) c->close_now();
}

}  // namespace loadgen
