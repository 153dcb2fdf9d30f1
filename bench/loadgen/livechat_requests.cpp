#include "livechat_requests.hpp"

namespace loadgen {
namespace {

constexpr std::string_view kNs = "urn:xmppd:livechat:0";

std::string form(std::string_view type, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string x = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>";
  x += std::string(kNs) + "#" + std::string(type) + "</value></field>";
  for (const auto& [var, value] : fields)
    x += "<field var='" + var + "'><value>" + xml::escape(value) + "</value></field>";
  return x + "</x>";
}

// The starts of the <slot/>s of a <slots/> result, in order.
std::vector<std::string_view> slot_starts(std::string_view el) {
  std::vector<std::string_view> out;
  for (std::size_t pos = 0; (pos = el.find("<slot ", pos)) != std::string_view::npos; ++pos)
    out.push_back(xml::attr(el.substr(pos), "start"));
  return out;
}

}  // namespace

void LivechatRequests::start(Client& c, Kind kind, const std::string& queue) {
  auto& r = requests_[c.index];
  r.kind = kind;
  r.queue = queue;
  if (kind == Kind::callback) {
    c.send("<iq type='get' id='slots' to='" + chat_ + "'><slots xmlns='" + std::string(kNs) + "' queue='" + queue +
           "'/></iq>");
    return;
  }
  r.submitted_ns = now_ns();
  c.send("<iq type='set' id='ticket' to='" + chat_ + "'><ticket xmlns='" + std::string(kNs) + "' queue='" + queue +
         "'>" +
         form("ticket", {{"name", "Bench " + std::to_string(c.index)},
                         {"email", "bench" + std::to_string(c.index) + "@example.org"},
                         {"question", "Benchmark ticket " + std::to_string(c.index)},
                         {"notice_version", notice_},
                         {"notice_acknowledged", "true"}}) +
         "</ticket></iq>");
}

void LivechatRequests::submit_callback(Client& c, Request& r, std::string_view slots) {
  auto starts = slot_starts(slots);
  if (starts.empty()) return fail(r, "slots: none free");
  // Spread over the slots: each holds as many callbacks as the queue has people.
  std::string slot(starts[static_cast<std::size_t>(c.index) % starts.size()]);
  std::string national = std::to_string(601100000 + c.index % 100000);  // a Polish mobile number
  r.submitted_ns = now_ns();
  c.send("<iq type='set' id='callback' to='" + chat_ + "'><callback xmlns='" + std::string(kNs) + "' queue='" +
         r.queue + "'>" +
         form("callback", {{"name", "Bench " + std::to_string(c.index)},
                           {"phone", "+48 " + national},
                           {"slot", slot},
                           {"topic", "Benchmark callback"},
                           {"notice_version", notice_},
                           {"notice_acknowledged", "true"}}) +
         "</callback></iq>");
}

void LivechatRequests::login_failed(int index, const std::string& why) {
  fail(requests_[index], "login: " + why.substr(0, 120));
}

void LivechatRequests::on_requester(Client& c, std::string_view el) {
  auto it = requests_.find(c.index);
  if (it == requests_.end() || xml::name(el) != "iq") return;
  auto& r = it->second;
  std::string_view id = xml::attr(el, "id");
  if (xml::attr(el, "type") != "result") return fail(r, std::string(id) + ": " + std::string(el.substr(0, 200)));
  ++progress_;
  if (id == "slots") return submit_callback(c, r, el);
  if (id != "ticket" && id != "callback") return;
  r.id = std::string(xml::attr_of(el, id == "ticket" ? "<ticket" : "<callback", "id"));
  if (r.id.empty()) return fail(r, std::string(id) + ": result without an id");
  r.acked_ns = now_ns();
  by_id_[r.id] = c.index;
}

bool LivechatRequests::on_consultant(Client& c, std::string_view el) {
  std::string_view name = xml::name(el);
  if (xml::attr(el, "from") != chat_) return false;
  auto action = [&](std::string_view element, const std::string& id, std::string_view step, std::string inner = {}) {
    c.send("<iq type='set' id='" + std::string(step) + id + "' to='" + chat_ + "'><" + std::string(element) +
           " xmlns='" + std::string(kNs) + "' id='" + id + "' action='" +
           (step == "ta-" ? "answer" : step == "tc-" ? "close" : step == "ca-" ? "assign" : "done") + "'>" + inner +
           "</" + std::string(element) + "></iq>");
  };
  if (name == "message") {
    bool ticket = xml::has(el, "<ticket");
    if (!ticket && !xml::has(el, "<callback")) return false;
    std::string_view element = ticket ? "<ticket" : "<callback";
    if (xml::attr_of(el, element, "reminder") == "true") return true;
    std::string id(xml::attr_of(el, element, "id"));
    if (id.empty()) return true;
    ++notifications_;
    ++progress_;
    first_notified_.emplace(id, now_ns());
    // The first consultant to hear of a request takes it on; the others leave it.
    if (!handled_.insert(id).second) return true;
    if (ticket) action("ticket", id, "ta-", "<answer>Benchmark answer</answer>");
    else action("callback", id, "ca-");
    return true;
  }
  if (name != "iq") return false;
  std::string_view iq_id = xml::attr(el, "id");
  if (iq_id.size() < 4 || iq_id[2] != '-' || !(iq_id[0] == 't' || iq_id[0] == 'c')) return false;
  std::string step(iq_id.substr(0, 3)), id(iq_id.substr(3));
  if (xml::attr(el, "type") != "result") {
    error(step + " " + std::string(el.substr(0, 200)));
    auto found = by_id_.find(id);
    if (found != by_id_.end()) fail(requests_[found->second], step + "failed");
    return true;
  }
  ++progress_;
  if (step == "ta-") action("ticket", id, "tc-");
  else if (step == "ca-") action("callback", id, "cd-");
  else ended_.insert(id);  // closed or done: the request's end
  return true;
}

void LivechatRequests::fail(Request& r, std::string why) {
  if (!r.failed) error(std::move(why));
  r.failed = true;
  ++progress_;
}

void LivechatRequests::error(std::string why) {
  if (errors_.size() < 5 || errors_.count(why)) ++errors_[why];
}

int LivechatRequests::finished() const {
  int n = 0;
  for (const auto& [index, r] : requests_) n += r.failed || ended_.count(r.id);
  return n;
}

void LivechatRequests::put(Json& j) const {
  for (Kind kind : {Kind::ticket, Kind::callback}) {
    std::string p = kind == Kind::ticket ? "tickets" : "callbacks";
    int started = 0, acked = 0, notified = 0, ended = 0, failed = 0;
    std::vector<std::int64_t> ack_ns, notify_ns;
    for (const auto& [index, r] : requests_) {
      if (r.kind != kind) continue;
      ++started;
      failed += r.failed;
      if (r.id.empty()) continue;
      ended += static_cast<int>(ended_.count(r.id));
      ++acked;
      ack_ns.push_back(r.acked_ns - r.submitted_ns);
      auto n = first_notified_.find(r.id);
      if (n == first_notified_.end()) continue;
      ++notified;
      notify_ns.push_back(n->second - r.submitted_ns);
    }
    j.num(p + "_started", started)
        .num(p + "_acknowledged", acked)
        .num(p + "_notified", notified)
        .num(p + (kind == Kind::ticket ? "_closed" : "_done"), ended)
        .num(p + "_failed", failed);
    put_latency(j, p + "_ack", percentiles_ms(ack_ns));
    put_latency(j, p + "_notify", percentiles_ms(notify_ns));
  }
  j.num("request_notifications", static_cast<double>(notifications_));
  Json e;
  for (const auto& [why, n] : errors_) e.num(why, n);
  j.raw("request_errors", e.done());
}

}  // namespace loadgen
