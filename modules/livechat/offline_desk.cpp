// Offline mode of the livechat service (issue 6; protocol in docs/protocol.md, namespace
// urn:xmppd:livechat:0): a queue with recipients that is closed or has nobody available answers
// a join with <offline/>; visitors leave tickets (XEP-0004 form) and book callback slots; staff
// list them and move them through their states (offline_requests.hpp) with IQs in the livechat
// namespace, and with the XEP-0050 commands of adhoc_commands.cpp, which share ticket_action
// and callback_action; a callback's reminder reaches its assignee at the slot.
#include <algorithm>
#include <cctype>
#include <set>

#include "livechat_service.hpp"
#include "phone_number.hpp"
#include "service_util.hpp"
#include "xmppd/archive.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/datetime.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"

namespace xmppd::livechat {
namespace {

constexpr std::size_t kMaxQuestion = 4000;
constexpr std::size_t kMaxTopic = 1000;
constexpr std::size_t kMaxName = 200;

// An address as RFC 5321 §4.1.2 / §4.5.3.1 allows in practice: local@domain, the local part
// 1–64 bytes without spaces or specials, the domain labels of letters, digits, '-' (or UTF-8,
// for internationalised domains), at least two of them, at most 254 bytes in all.
bool valid_email(const std::string& e) {
  auto at = e.rfind('@');
  if (e.size() > 254 || at == std::string::npos || at == 0 || at > 64 || at + 1 >= e.size()) return false;
  for (std::size_t i = 0; i < at; ++i) {
    unsigned char ch = static_cast<unsigned char>(e[i]);
    if (ch <= ' ' || ch == 0x7f || std::string_view("()<>[]:;@\\,\"").find(static_cast<char>(ch)) != std::string_view::npos)
      return false;
  }
  std::string domain = e.substr(at + 1);
  if (domain.find('.') == std::string::npos) return false;
  std::size_t start = 0;
  for (;;) {
    auto dot = domain.find('.', start);
    std::string label = domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (unsigned char ch : label)
      if (!(std::isalnum(ch) || ch == '-' || ch >= 0x80)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

std::string lower_ascii(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The notice a visitor acknowledged, checked as for a join; an error text, or "" when fine.
std::string notice_problem(const Element& form, const std::string& current) {
  std::string ack = field(form, "notice_acknowledged"), version = field(form, "notice_version");
  if ((ack != "true" && ack != "1") || version.empty())
    return "the information notice must be acknowledged with its version";
  if (!current.empty() && version != current) return "the information notice has changed: show version " + current;
  return {};
}

// Hands tickets and callbacks to people by a message from chat.D to their bare JIDs (RFC 6121
// §8.5.2: every available resource gets it, or offline storage keeps it), with a body for any
// client and a <ticket/> or <callback/> element for the consultant application.
class MessageNotifier final : public TicketNotifier {
 public:
  MessageNotifier(Server& server, std::string host) : server_(server), host_(std::move(host)) {}

  void ticket(const QueueConfig& q, const Ticket& t, const std::vector<std::string>& to) override {
    std::string body = "New offline message in " + q.description + " (ticket " + t.id + ")" +
                       (t.name.empty() ? "" : " from " + t.name) + ", reply to " + t.email + ":\n" + t.question;
    for (const auto& r : to) {
      Element m = message(r, "ticket-" + t.id, body);
      m.add_child("ticket", kNs).set_attr("id", t.id).set_attr("queue", t.queue).set_attr("state", to_string(t.state));
      server_.route(std::move(m));
    }
  }

  void callback(const QueueConfig& q, const Callback& c, const std::string& slot,
                const std::vector<std::string>& to) override {
    std::string body = "Callback requested in " + q.description + " (callback " + c.id + ") for " + slot +
                       (c.name.empty() ? "" : ", " + c.name) + ", phone " + c.phone +
                       (c.topic.empty() ? "" : ":\n" + c.topic);
    for (const auto& r : to) {
      Element m = message(r, "callback-" + c.id, body);
      Element& e = m.add_child("callback", kNs);
      e.set_attr("id", c.id).set_attr("queue", c.queue).set_attr("state", to_string(c.state)).set_attr("slot", slot);
      server_.route(std::move(m));
    }
  }

 private:
  Element message(const std::string& to, const std::string& id, const std::string& body) {
    Element m("message", ns::kClient);
    m.set_attr("from", host_).set_attr("to", to).set_attr("type", "normal").set_attr("id", id);
    m.add_child("body", ns::kClient).add_text(body);
    return m;
  }

  Server& server_;
  std::string host_;
};

}  // namespace

std::unique_ptr<TicketNotifier> make_message_notifier(Server& server, std::string host) {
  return std::make_unique<MessageNotifier>(server, std::move(host));
}

bool Service::available(const QueueConfig& q) const {
  return std::any_of(q.members.begin(), q.members.end(),
                     [&](const std::string& m) { return routable_consultant(m); });  // presence and agent status
}

bool Service::may_work_on(const std::string& bare, const std::string& queue_name) const {
  const QueueConfig* q = queue(queue_name);
  if (!q) return false;
  return std::find(q->members.begin(), q->members.end(), bare) != q->members.end() ||
         std::find(q->recipients.begin(), q->recipients.end(), bare) != q->recipients.end();
}

// At most submissions_per_session tickets and callbacks per visitor session: a script cannot
// flood the recipients. A session's count goes when the map is pruned (its JID is random).
bool Service::count_submission(const Jid& from) {
  if (submissions_.size() > 100000) submissions_.clear();
  return ++submissions_[from.str()] <= settings_.submissions_per_session;
}

// The queue's offline answer to a join, or none when a conversation can start.
std::optional<Element> Service::offline_answer(const QueueConfig& q) {
  if (!q.takes_requests()) return std::nullopt;
  std::int64_t now = server_.now_us();
  Element e("offline", kNs);
  e.set_attr("queue", q.name);
  if (q.hours && !q.hours->open_at(now)) {
    e.set_attr("reason", "closed");
    if (auto next = q.hours->next_open(now)) e.set_attr("next_open", q.hours->format_local(*next));
    return e;
  }
  if (available(q)) return std::nullopt;
  e.set_attr("reason", "nobody");
  return e;
}

std::vector<Slot> Service::free_slots(const QueueConfig& q) const {
  std::vector<Slot> out;
  if (!q.hours) return out;
  std::map<std::int64_t, int> booked;
  for (const auto& c : state_->open_callbacks())
    if (c.queue == q.name && is_open(c, settings_.callback_attempts)) ++booked[c.slot_start_us];
  std::set<std::string> people(q.members.begin(), q.members.end());
  people.insert(q.recipients.begin(), q.recipients.end());
  int capacity = std::max<int>(1, static_cast<int>(people.size()));
  auto all = q.hours->slots(server_.now_us(), settings_.callback_days,
                            static_cast<std::size_t>(settings_.max_slots) + state_->open_callbacks().size());
  for (const auto& s : all) {
    if (booked[s.start_us] >= capacity) continue;
    out.push_back(s);
    if (out.size() >= static_cast<std::size_t>(settings_.max_slots)) break;
  }
  return out;
}

// Who hears of a callback request: the recipients and the queue's consultants available now.
std::vector<std::string> Service::callback_audience(const QueueConfig& q) const {
  std::set<std::string> to(q.recipients.begin(), q.recipients.end());
  for (const auto& m : q.members) {
    auto it = consultants_.find(m);
    if (it != consultants_.end() && !it->second.resources.empty()) to.insert(m);
  }
  return {to.begin(), to.end()};
}

// <ticket queue='…'><x type='submit'/></ticket> from a visitor: FORM_TYPE …#ticket, name
// (optional), email (required), question (required, ≤ 4000 bytes), notice_version and
// notice_acknowledged (XEP-0004 §3.4 submit form).
Task<IqResult> Service::on_ticket(const IqRequest& req) {
  if (!loaded_) co_return StanzaError::resource_constraint();
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Tickets are left by visitors");
  const QueueConfig* q = queue(std::string(req.payload.attr("queue")));
  if (!q) co_return StanzaError::item_not_found();
  if (!q->takes_requests()) co_return error_with("cancel", "not-allowed", "This queue takes no offline messages");
  const Element* form = req.payload.child("x", ns::kDataForms);
  if (!form || form->attr("type") != "submit" || field(*form, "FORM_TYPE") != kTicketFormType)
    co_return StanzaError::bad_request("a submitted form of type " + std::string(kTicketFormType) + " is needed");
  std::string email = field(*form, "email"), question = field(*form, "question"), name = field(*form, "name");
  if (email.empty() || !valid_email(email)) co_return StanzaError::bad_request("email: not a valid address");
  if (question.empty() || question.size() > kMaxQuestion)
    co_return StanzaError::bad_request("question: required, at most 4000 bytes");
  if (name.size() > kMaxName) co_return StanzaError::bad_request("name: at most 200 bytes");
  if (auto problem = notice_problem(*form, settings_.notice_version); !problem.empty())
    co_return StanzaError::not_acceptable(problem);
  if (!count_submission(req.from))
    co_return StanzaError::policy_violation("too many tickets and callback requests from this session");
  std::int64_t now = server_.now_us();
  Ticket t;
  t.id = new_id(now);
  t.queue = q->name;
  // The same client as the person's conversations and callbacks with this address (clients.hpp).
  auto key = email_key(email);
  t.client = token_hash(lower_ascii(email));
  if (key) {
    std::vector<LivechatClientKey> keys{*key};
    t.client = co_await link_client(std::move(keys), key->hash);
  }
  t.name = name;
  t.email = email;
  t.question = question;
  t.notice_version = field(*form, "notice_version");
  t.created_us = t.updated_us = now;
  state_->save(t);
  archive_ticket(t, req.from);
  notifier_->ticket(*q, t, q->recipients);
  log::info("livechat", "ticket ", t.id, " left in queue ", q->name);
  Element out("ticket", kNs);
  out.set_attr("id", t.id).set_attr("state", to_string(t.state));
  co_return IqResult::ok(std::move(out));
}

// The ticket's text goes into the one archive (xmppd/archive.hpp) under the queue's JID, with
// the ticket as its conversation, so full-text search over history finds offline messages too.
void Service::archive_ticket(const Ticket& t, const Jid& visitor) {
  std::string queue_jid = t.queue + "@" + settings_.host;
  Element m("message", ns::kClient);
  m.set_attr("from", visitor.bare_str()).set_attr("to", queue_jid).set_attr("type", "normal");
  m.add_child("body", ns::kClient).add_text(t.question);
  m.add_child("ticket", kNs).set_attr("id", t.id).set_attr("queue", t.queue);
  ArchiveRecord r;
  r.owner = queue_jid;
  r.with = visitor.bare_str();
  r.direction = ArchiveDirection::incoming;
  r.xml = m.to_string();
  r.text = t.question;
  r.conversation = t.id;
  r.client = t.client;
  r.queue = t.queue;
  r.channel = "web";
  r.data_class = "livechat_ticket";
  server_.archive().append(std::move(r));
}

// <slots queue='…'/>: the free callback slots of the next working days.
Task<IqResult> Service::on_slots(const IqRequest& req) {
  const QueueConfig* q = queue(std::string(req.payload.attr("queue")));
  if (!q || !q->takes_requests()) co_return StanzaError::item_not_found();
  Element out("slots", kNs);
  out.set_attr("queue", q->name);
  for (const auto& s : free_slots(*q))
    out.add_child("slot", kNs).set_attr("start", q->hours->format_local(s.start_us)).set_attr(
        "end", q->hours->format_local(s.end_us));
  co_return IqResult::ok(std::move(out));
}

// <callback queue='…'><x type='submit'/></callback> from a visitor: FORM_TYPE …#callback, name
// (optional), phone (required; libphonenumber, region PL by default, stored in E.164), slot (a
// free slot's start exactly as <slots/> lists it), topic (optional, ≤ 1000 bytes), notice.
Task<IqResult> Service::on_callback(const IqRequest& req) {
  if (!loaded_) co_return StanzaError::resource_constraint();
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Callbacks are requested by visitors");
  const QueueConfig* q = queue(std::string(req.payload.attr("queue")));
  if (!q) co_return StanzaError::item_not_found();
  if (!q->takes_requests()) co_return error_with("cancel", "not-allowed", "This queue takes no callback requests");
  const Element* form = req.payload.child("x", ns::kDataForms);
  if (!form || form->attr("type") != "submit" || field(*form, "FORM_TYPE") != kCallbackFormType)
    co_return StanzaError::bad_request("a submitted form of type " + std::string(kCallbackFormType) + " is needed");
  std::string name = field(*form, "name"), topic = field(*form, "topic"), slot = field(*form, "slot");
  auto phone = to_e164(field(*form, "phone"));
  if (!phone) co_return StanzaError::bad_request("phone: not a valid number");
  if (topic.size() > kMaxTopic) co_return StanzaError::bad_request("topic: at most 1000 bytes");
  if (name.size() > kMaxName) co_return StanzaError::bad_request("name: at most 200 bytes");
  if (auto problem = notice_problem(*form, settings_.notice_version); !problem.empty())
    co_return StanzaError::not_acceptable(problem);
  std::optional<Slot> chosen;
  for (const auto& s : free_slots(*q))
    if (q->hours->format_local(s.start_us) == slot) chosen = s;
  if (!chosen) co_return StanzaError::bad_request("slot: not one of the free slots (ask <slots/> again)");
  if (!count_submission(req.from))
    co_return StanzaError::policy_violation("too many tickets and callback requests from this session");
  std::int64_t now = server_.now_us();
  Callback c;
  c.id = new_id(now);
  c.queue = q->name;
  std::vector<LivechatClientKey> keys{phone_key(*phone)};
  c.client = co_await link_client(std::move(keys), token_hash(*phone));
  // Another request may have taken the slot while the client was being linked.
  bool still_free = false;
  for (const auto& s : free_slots(*q)) still_free = still_free || s.start_us == chosen->start_us;
  if (!still_free) co_return StanzaError::bad_request("slot: not one of the free slots (ask <slots/> again)");
  c.name = name;
  c.phone = *phone;
  c.topic = topic;
  c.notice_version = field(*form, "notice_version");
  c.slot_start_us = chosen->start_us;
  c.slot_end_us = chosen->end_us;
  c.created_us = c.updated_us = now;
  state_->save(c);
  notifier_->callback(*q, c, slot, callback_audience(*q));
  start_reminder(c);
  log::info("livechat", "callback ", c.id, " requested in queue ", q->name);
  Element out("callback", kNs);
  out.set_attr("id", c.id).set_attr("state", to_string(c.state)).set_attr("slot", slot);
  co_return IqResult::ok(std::move(out));
}

// <tickets queue='…'?/> and <callbacks queue='…'?/> from staff: the open ones of the queues the
// requester is a member or recipient of.
Task<IqResult> Service::on_list(const IqRequest& req) {
  std::string bare = req.from.bare_str(), only(req.payload.attr("queue"));
  if (!may_handle_any(bare)) co_return StanzaError::forbidden();
  bool tickets = req.payload.name() == "tickets";
  Element out(req.payload.name(), kNs);
  auto wanted = [&](const std::string& queue_name) {
    return may_handle(bare, queue_name) && (only.empty() || only == queue_name);
  };
  if (tickets) {
    for (const auto& t : state_->open_tickets()) {
      if (!wanted(t.queue)) continue;
      Element& e = out.add_child("ticket", kNs);
      e.set_attr("id", t.id).set_attr("queue", t.queue).set_attr("state", to_string(t.state));
      e.set_attr("assignee", t.assignee).set_attr("created", xep0082_stamp(t.created_us));
      e.set_attr("name", t.name).set_attr("email", t.email);
      e.add_child("question", kNs).add_text(t.question);
      if (!t.answer.empty()) e.add_child("answer", kNs).add_text(t.answer);
    }
  } else {
    for (const auto& c : state_->open_callbacks()) {
      const QueueConfig* q = queue(c.queue);
      if (!q || !q->hours || !wanted(c.queue)) continue;
      Element& e = out.add_child("callback", kNs);
      e.set_attr("id", c.id).set_attr("queue", c.queue).set_attr("state", to_string(c.state));
      e.set_attr("assignee", c.assignee).set_attr("slot", q->hours->format_local(c.slot_start_us));
      e.set_attr("name", c.name).set_attr("phone", c.phone).set_attr("attempts", std::to_string(c.attempts));
      if (!c.topic.empty()) e.add_child("topic", kNs).add_text(c.topic);
    }
  }
  co_return IqResult::ok(std::move(out));
}

bool Service::may_handle_any(const std::string& bare) const {
  return std::any_of(settings_.queues.begin(), settings_.queues.end(),
                     [&](const QueueConfig& q) { return may_handle(bare, q.name); });
}

bool Service::may_handle(const std::string& bare, const std::string& queue_name) const {
  if (may_work_on(bare, queue_name)) return true;
  StaffRole r = role_of(bare);
  return queue(queue_name) && (r == StaffRole::supervisor || r == StaffRole::administrator);
}

// The bare JID an assign action names (`named`, else the requester), when it may work on
// `queue`'s tickets and callbacks.
std::optional<std::string> Service::assignee_of(const std::string& staff, const std::string& named,
                                                const std::string& queue) const {
  auto j = Jid::parse(named.empty() ? staff : named);
  if (!j || !may_handle(j->bare_str(), queue)) return std::nullopt;
  return j->bare_str();
}

// A step of a ticket: assign, answer or close, by staff of the ticket's queue. The answer is kept
// with the ticket; it reaches the visitor by e-mail once the mail bridge implements it.
std::variant<Ticket, StanzaError> Service::ticket_action(const std::string& staff, const DeskAction& a) {
  auto t = state_->ticket(a.id);
  if (!t) return StanzaError::item_not_found();
  if (!may_handle(staff, t->queue)) return StanzaError::forbidden();
  std::int64_t now = server_.now_us();
  bool ok = false;
  if (a.action == "assign") {
    auto who = assignee_of(staff, a.assignee, t->queue);
    if (!who) return StanzaError::bad_request("assignee: not a member or recipient of the queue");
    ok = assign(*t, *who, now);
  } else if (a.action == "answer") {
    if (a.answer.empty() || a.answer.size() > 20000) return StanzaError::bad_request("answer: required, at most 20000 bytes");
    ok = answer(*t, staff, a.answer, now);
  } else if (a.action == "close") {
    ok = livechat::close(*t, now);
  } else {
    return StanzaError::bad_request("action: assign, answer or close");
  }
  if (!ok) return error_with("cancel", "not-allowed", std::string("The ticket is ") + to_string(t->state));
  state_->save(*t);
  log::info("livechat", "ticket ", t->id, " ", to_string(t->state));
  return *t;
}

// A step of a callback: assign, done, no_answer (a retry while attempts remain) or cancel.
std::variant<Callback, StanzaError> Service::callback_action(const std::string& staff, const DeskAction& a) {
  auto c = state_->callback(a.id);
  if (!c) return StanzaError::item_not_found();
  if (!may_handle(staff, c->queue)) return StanzaError::forbidden();
  std::int64_t now = server_.now_us();
  bool ok = false;
  if (a.action == "assign") {
    auto who = assignee_of(staff, a.assignee, c->queue);
    if (!who) return StanzaError::bad_request("assignee: not a member or recipient of the queue");
    ok = is_open(*c, settings_.callback_attempts) && assign(*c, *who, now);
  } else if (a.action == "done") {
    ok = done(*c, now);
  } else if (a.action == "no_answer") {
    ok = no_answer(*c, settings_.callback_attempts, now);
  } else if (a.action == "cancel") {
    ok = cancel(*c, now);
  } else {
    return StanzaError::bad_request("action: assign, done, no_answer or cancel");
  }
  if (!ok) return error_with("cancel", "not-allowed", std::string("The callback is ") + to_string(c->state));
  state_->save(*c);
  log::info("livechat", "callback ", c->id, " ", to_string(c->state));
  return *c;
}

// <ticket id='…' action='assign|answer|close' assignee='…'?><answer>…</answer></ticket> from staff.
Task<IqResult> Service::on_ticket_action(const IqRequest& req) {
  DeskAction a{std::string(req.payload.attr("id")), std::string(req.payload.attr("action")),
               std::string(req.payload.attr("assignee")), req.payload.child_text("answer", kNs)};
  auto r = ticket_action(req.from.bare_str(), a);
  if (auto* e = std::get_if<StanzaError>(&r)) co_return *e;
  const Ticket& t = std::get<Ticket>(r);
  Element out("ticket", kNs);
  out.set_attr("id", t.id).set_attr("state", to_string(t.state)).set_attr("assignee", t.assignee);
  co_return IqResult::ok(std::move(out));
}

// <callback id='…' action='assign|done|no_answer|cancel' assignee='…'?/> from staff of the queue.
Task<IqResult> Service::on_callback_action(const IqRequest& req) {
  DeskAction a{std::string(req.payload.attr("id")), std::string(req.payload.attr("action")),
               std::string(req.payload.attr("assignee")), {}};
  auto r = callback_action(req.from.bare_str(), a);
  if (auto* e = std::get_if<StanzaError>(&r)) co_return *e;
  const Callback& c = std::get<Callback>(r);
  Element out("callback", kNs);
  out.set_attr("id", c.id).set_attr("state", to_string(c.state)).set_attr("assignee", c.assignee);
  out.set_attr("attempts", std::to_string(c.attempts));
  co_return IqResult::ok(std::move(out));
}

void Service::start_reminder(const Callback& c) {
  server_.spawn(reminder_timer(c.id, c.slot_start_us), "livechat: callback reminder");
}

// At the slot's start the assignee is reminded (the recipients and available consultants when
// nobody has taken the callback yet). A slot that passed while the server was down is reminded
// at start. The reminder is recorded, so a restart does not send it twice.
Task<void> Service::reminder_timer(std::string callback_id, std::int64_t at_us) {
  auto alive = alive_;
  auto self = shared_from_this();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (*alive) {
    std::int64_t left = at_us - server_.now_us();
    if (left <= 0) break;
    timer.expires_after(std::chrono::microseconds(std::min<std::int64_t>(left, 1000000)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!*alive) co_return;
  auto c = state_->callback(callback_id);
  const QueueConfig* q = c ? queue(c->queue) : nullptr;
  if (!c || !q || !q->hours || c->reminded_us != 0 || !is_open(*c, settings_.callback_attempts)) co_return;
  std::vector<std::string> to;
  if (c->state == CallbackState::assigned) to.push_back(c->assignee);
  else to = callback_audience(*q);
  std::string slot = q->hours->format_local(c->slot_start_us);
  for (const auto& r : to) {
    Element m("message", ns::kClient);
    m.set_attr("from", settings_.host).set_attr("to", r).set_attr("type", "normal");
    m.set_attr("id", "reminder-" + c->id);
    m.add_child("body", ns::kClient)
        .add_text("Reminder: call " + c->phone + (c->name.empty() ? "" : " (" + c->name + ")") + " now, slot " + slot +
                  (c->topic.empty() ? "" : ": " + c->topic) + " (callback " + c->id + ").");
    Element& e = m.add_child("callback", kNs);
    e.set_attr("id", c->id).set_attr("queue", c->queue).set_attr("state", to_string(c->state));
    e.set_attr("slot", slot).set_attr("reminder", "true");
    server_.route(std::move(m));
  }
  c->reminded_us = server_.now_us();
  state_->save(*c);
  log::info("livechat", "callback ", c->id, " reminder sent");
}

}  // namespace xmppd::livechat
