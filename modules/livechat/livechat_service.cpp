// The livechat service on chat.D (see livechat_service.hpp; protocol in docs/protocol.md).
#include "livechat_service.hpp"
#include "service_util.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "xmppd/adhoc.hpp"
#include "xmppd/asio.hpp"
#include "xmppd/bookmarks.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/session.hpp"
#include "xmppd/stanza_error.hpp"
#include "xmppd/random.hpp"

namespace xmppd::livechat {
namespace {


constexpr char kConference[] = "jabber:x:conference";  // XEP-0249 direct invitation
constexpr char kHelp[] =
    "Commands (the visitor never sees them): !note <text> keeps a note; !tag <name> and !untag <name> "
    "tag the conversation; !transfer <consultant JID or queue> hands it over (to a consultant when accepted, or to "
    "the head of a queue); !invite <consultant JID> adds a colleague; !close ends it and removes the room; !help "
    "shows this. '/' works as well as '!'.";


// The room of a conversation: persistent, hidden, members-only, semi-anonymous (real JIDs to
// moderators, i.e. staff), no private messages, and the whole conversation as history on join
// (XEP-0045 §10.2; capped by the muc module's history_max).
MucRoomConfig room_config(const std::string& queue_description) {
  MucRoomConfig c;
  c.name = queue_description;
  c.persistent = true;
  c.public_room = false;
  c.members_only = true;
  c.non_anonymous = false;
  c.allow_pm = MucPmPolicy::none;
  c.allow_invites = false;
  c.change_subject = false;
  c.logging = true;
  c.history_fetch = 100000;
  return c;
}

// "!tag x" / "/tag x" -> ("tag", "x"); not a command -> ("", "").
std::pair<std::string, std::string> command_of(const std::string& body) {
  if (body.size() < 2 || (body[0] != '!' && body[0] != '/')) return {};
  auto space = body.find_first_of(" \t\n");
  std::string word = body.substr(1, space == std::string::npos ? std::string::npos : space - 1);
  std::string rest;
  if (space != std::string::npos) {
    auto b = body.find_first_not_of(" \t\n", space);
    if (b != std::string::npos) rest = body.substr(b);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\n' || rest.back() == '\t')) rest.pop_back();
  }
  static const std::set<std::string> known = {"note", "tag", "untag", "close", "help", "transfer", "invite"};
  if (!known.count(word)) return {};
  return {word, rest};
}

}  // namespace

// 128 bits from OpenSSL's CSPRNG (DESIGN.md: the visitor's identity is a random token).
std::string new_token() { return random_hex(16); }

// Only the hash is stored: a database read does not give anyone a visitor's conversation.
std::string token_hash(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

// Time-ordered ids: microseconds since the epoch, then randomness against collisions.
std::string new_id(std::int64_t now_us) {
  char stamp[24];
  std::snprintf(stamp, sizeof stamp, "%016llx", static_cast<unsigned long long>(now_us));
  return stamp + random_hex(4);
}

// XEP-0004 §3.4: the value of a submitted field, "" when absent.
std::string field(const Element& form, std::string_view var) {
  for (const Element* f : form.elements("field", ns::kDataForms))
    if (f->attr("var") == var) return f->child_text("value", ns::kDataForms);
  return {};
}

StanzaError error_with(std::string type, std::string condition, std::string text) {
  return {std::move(type), std::move(condition), std::move(text), {}};
}

// A visitor is a session of an anonymous host (SASL ANONYMOUS, XEP-0175).
bool Service::from_visitor(const IqRequest& req) {
  Session* s = req.origin ? req.origin : server_.session(req.from);
  return s && s->anonymous();
}

Settings read_settings(const std::string& host, const Options& o) {
  Settings s;
  s.host = host;
  auto dot = s.host.find('.');
  s.account_domain = dot == std::string::npos ? s.host : s.host.substr(dot + 1);
  auto timeout = o.duration("offer_timeout");
  std::set<std::string> names;
  for (const auto& entry : o.strings("queues")) {
    try {
      auto q = parse_queue(entry, s.account_domain, timeout);
      if (!names.insert(q.name).second) throw std::invalid_argument("queue " + q.name + " is given twice");
      s.queues.push_back(std::move(q));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("queues: " + std::string(e.what()));
    }
  }
  std::map<std::string, WeeklyHours> hours;
  for (const auto& entry : o.strings("hours")) {
    try {
      auto [name, h] = parse_hours_entry(entry);
      if (!names.count(name)) throw std::invalid_argument("hours of queue " + name + ": no such queue in queues");
      if (!hours.emplace(name, std::move(h)).second) throw std::invalid_argument("hours of queue " + name + " are given twice");
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("hours: " + std::string(e.what()));
    }
  }
  std::map<std::string, std::set<std::chrono::sys_days>> closures;
  for (const auto& entry : o.strings("closures")) {
    try {
      auto [name, dates] = parse_closures_entry(entry);
      if (name != "*" && !names.count(name)) throw std::invalid_argument("closures of " + name + ": no such queue in queues");
      closures[name].insert(dates.begin(), dates.end());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("closures: " + std::string(e.what()));
    }
  }
  for (auto& q : s.queues) {
    bool has_hours = hours.count(q.name);
    bool has_closures = closures.count(q.name) || (closures.count("*") && !q.recipients.empty());
    if (!has_hours && !has_closures) {
      // Always open; with recipients it still takes tickets and callbacks (slots at all hours).
      if (!q.recipients.empty()) q.hours = std::make_shared<const BusinessHours>(WeeklyHours::always());
      continue;
    }
    // Closing hours put a queue in offline mode, which hands requests to its recipients.
    if (q.recipients.empty())
      throw std::invalid_argument("queues: queue " + q.name +
                                  " has hours or closures but no recipients (the sixth field): a queue that can be "
                                  "offline needs someone to receive its tickets and callbacks");
    WeeklyHours h = has_hours ? hours[q.name] : WeeklyHours::always();
    for (const auto* key : {q.name.c_str(), "*"}) {
      auto it = closures.find(key);
      if (it != closures.end()) h.closures.insert(it->second.begin(), it->second.end());
    }
    q.hours = std::make_shared<const BusinessHours>(std::move(h));
  }
  s.max_chats = static_cast<int>(o.integer("max_chats"));
  s.visitor_nick = o.string("visitor_nick");
  s.notice_version = o.string("notice_version");
  s.callback_days = static_cast<int>(o.integer("callback_days"));
  s.max_slots = static_cast<int>(o.integer("callback_slots_max"));
  s.submissions_per_session = static_cast<int>(o.integer("submissions_per_session"));
  s.callback_attempts = static_cast<int>(o.integer("callback_attempts"));
  s.roles = read_staff_roles(o, s.account_domain);
  s.feedback_window = o.duration("feedback_window");
  s.disconnect_grace = o.duration("disconnect_grace");
  s.idle.warn_after = o.duration("inactivity_warning");
  s.idle.close_after = o.duration("inactivity_close");
  s.texts = AutomationTexts{o.string("greeting"), o.string("busy_message"), o.string("busy_message_no_estimate"),
                            o.string("inactivity_warning_message"), o.string("inactivity_closed_message")};
  for (const auto& entry : o.strings("consultant_profiles")) {
    try {
      auto p = parse_profile(entry, s.account_domain);
      s.profiles[p.jid] = std::move(p);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("consultant_profiles: " + std::string(e.what()));
    }
  }
  return s;
}

Service::Service(Server& server, Settings settings)
    : server_(server),
      settings_(std::move(settings)),
      notifier_(make_message_notifier(server, settings_.host)),
      state_(make_stored_state(server, settings_.host)),
      mailer_(make_message_transcript_mailer(server, settings_.host)) {}

MucRooms* Service::rooms() { return server_.service<MucRooms>(settings_.host); }

Jid Service::room_of(const Conversation& c) const { return *Jid::from_parts("c-" + c.id, settings_.host); }

const QueueConfig* Service::queue(const std::string& name) const {
  for (const auto& q : settings_.queues)
    if (q.name == name) return &q;
  return nullptr;
}

bool Service::is_consultant(const std::string& bare) const {
  for (const auto& q : settings_.queues)
    if (std::find(q.members.begin(), q.members.end(), bare) != q.members.end()) return true;
  return false;
}

void Service::start(ModuleContext& ctx) {
  auto self = shared_from_this();
  ctx.add_feature(kNs);
  ctx.provide<ArchiveLabels>(*this);
  ctx.provide<HostArchiveSearch>(*this);
  ctx.provide<VisitorConversations>(*this);
  ctx.on_iq(IqType::set, kNs, IqScope::host, [self](const IqRequest& req) -> Task<IqResult> {
    if (req.payload.name() == "join") return self->on_join(req);
    if (req.payload.name() == "rejoin") return self->on_rejoin(req);
    if (req.payload.name() == "leave") return self->on_leave(req);
    if (req.payload.name() == "rate") return self->on_rate(req);
    if (req.payload.name() == "transcript") return self->on_transcript(req);
    if (req.payload.name() == "consent") return self->on_consent(req);
    if (req.payload.name() == "ticket")
      return req.payload.attr("action").empty() ? self->on_ticket(req) : self->on_ticket_action(req);
    if (req.payload.name() == "callback")
      return req.payload.attr("action").empty() ? self->on_callback(req) : self->on_callback_action(req);
    if (req.payload.name() == "client") return self->on_client(req);
    if (req.payload.name() == "agent-status") return self->on_agent_status(req);
    if (req.payload.name() == "pick") return self->on_pick(req);
    if (req.payload.name() == "transfer") return self->on_transfer(req);
    if (req.payload.name() == "invite") return self->on_invite(req);
    if (req.payload.name() == "watch") return self->on_watch(req);
    return [](StanzaError e) -> Task<IqResult> { co_return e; }(StanzaError::feature_not_implemented());
  });
  ctx.on_iq(IqType::get, kNs, IqScope::host, [self](const IqRequest& req) -> Task<IqResult> {
    if (req.payload.name() == "slots") return self->on_slots(req);
    if (req.payload.name() == "tickets" || req.payload.name() == "callbacks") return self->on_list(req);
    if (req.payload.name() == "client") return self->on_client(req);
    if (req.payload.name() == "feedback") return self->on_feedback(req);
    if (req.payload.name() == "consent") return self->on_consent(req);
    if (req.payload.name() == "profile") return self->on_profile(req);
    if (req.payload.name() == "agent-status") return self->on_agent_status(req);
    if (req.payload.name() == "conversations") return self->on_live(req);
    return self->on_queues(req);
  });
  add_commands(ctx);
  // Before the muc module (kNormal): the service decides who may enter a conversation's room.
  for (Target t : {Target::host, Target::bare, Target::full})
    ctx.on_stanza({StanzaKind::presence, Hop::incoming, t}, priority::kRewrite,
                  [self](StanzaEvent& ev) { return self->on_presence(ev); });
  for (Target t : {Target::host, Target::bare})
    ctx.on_stanza({StanzaKind::message, Hop::incoming, t}, priority::kRewrite,
                  [self](StanzaEvent& ev) { return self->on_message(ev); });
  events_.subscribe([weak = weak_from_this()](const Event& e) {
    if (auto s = weak.lock()) s->on_event(e);
  });
  server_.spawn(restore(), "livechat: restoring conversations");
  server_.spawn(idle_sweep(), "livechat: inactivity");
}

void Service::stop() {
  *alive_ = false;
  if (auto* r = rooms()) {
    r->set_groupchat_observer({});
    r->set_room_features({});
  }
}

// At start: the stored state, the rooms of open conversations (made again if the room host lost
// them), and offers whose deadline passed while the server was down are passed on.
Task<void> Service::restore() {
  auto alive = alive_;
  auto self = shared_from_this();
  co_await state_->load();
  if (!*alive) co_return;
  co_await restore_feedback();
  co_await restore_consents();
  if (!*alive) co_return;
  // The muc module loads its rooms in the background too: wait for it (bounded) before asking
  // whether a room exists, or a room being loaded would be made again, empty.
  asio::steady_timer wait(co_await asio::this_coro::executor);
  for (int i = 0; i < 200 && *alive && rooms() && !rooms()->rooms_loaded(); ++i) {
    wait.expires_after(std::chrono::milliseconds(25));
    boost::system::error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!*alive) co_return;
  auto* muc = rooms();
  if (!muc) {
    log::error("livechat", "no muc module on ", settings_.host, ": conversations need its rooms");
    co_return;
  }
  muc->set_groupchat_observer([weak = weak_from_this()](const MucGroupchat& g) {
    auto s = weak.lock();
    return s && s->on_groupchat(g);
  });
  // XEP-0045 §6.4 with XEP-0050 §2.1: the room's disco#info says it has commands to the staff who
  // may run them there (adhoc_commands.cpp), not to the visitor.
  muc->set_room_features([weak = weak_from_this()](const Jid& room, const Jid& asker) {
    auto s = weak.lock();
    if (s && s->staff_in(asker, room)) return std::vector<std::string>{ns::kCommands};
    return std::vector<std::string>{};
  });
  for (const auto& c : state_->open_conversations()) {
    Jid room = room_of(c);
    if (!muc->room_config(room)) {
      const auto* q = queue(c.queue);
      muc->create_room(room, room_config(q ? q->description : c.queue));
      if (!c.consultant.empty()) {
        if (auto j = Jid::parse(c.consultant)) muc->set_affiliation(room, *j, MucAffiliation::admin);
      }
    }
  }
  std::int64_t now = server_.now_us();
  for (auto o : state_->pending_offers()) {
    if (expire(o, now)) offer_lost(o, "expired while the service was down");
    else start_timer(o);
  }
  for (const auto& c : state_->open_callbacks())
    if (c.reminded_us == 0) start_reminder(c);
  co_await restore_handoff();
  if (!*alive) co_return;
  loaded_ = true;
  dispatch();
}


// XEP-0004 form in <join/>: FORM_TYPE, topic (required), name (optional), notice_version and
// notice_acknowledged (required: the visitor was shown the operator's information notice).
Task<IqResult> Service::on_join(const IqRequest& req) {
  if (!loaded_) co_return StanzaError::resource_constraint();
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Only visitors join a queue");
  const QueueConfig* q = queue(std::string(req.payload.attr("queue")));
  if (!q) co_return StanzaError::item_not_found();
  const Element* form = req.payload.child("x", ns::kDataForms);
  if (!form || form->attr("type") != "submit" || field(*form, "FORM_TYPE") != kJoinFormType)
    co_return StanzaError::bad_request("a submitted form of type " + std::string(kJoinFormType) + " is needed");
  std::string topic = field(*form, "topic");
  std::string ack = field(*form, "notice_acknowledged");
  std::string version = field(*form, "notice_version");
  if (topic.empty() || topic.size() > 1000) co_return StanzaError::bad_request("topic is required (at most 1000 bytes)");
  if ((ack != "true" && ack != "1") || version.empty())
    co_return StanzaError::not_acceptable("the information notice must be acknowledged with its version");
  if (!settings_.notice_version.empty() && version != settings_.notice_version)
    co_return StanzaError::not_acceptable("the information notice has changed: show version " +
                                          settings_.notice_version);
  // Offline mode: no conversation, the widget offers a ticket or a callback instead.
  if (auto offline = offline_answer(*q)) co_return IqResult::ok(std::move(*offline));
  auto* muc = rooms();
  if (!muc) co_return StanzaError::service_unavailable();

  std::int64_t now = server_.now_us();
  Conversation c;
  c.id = new_id(now);
  c.queue = q->name;
  std::string token = new_token();
  c.token_hash = token_hash(token);
  std::vector<LivechatClientKey> keys{token_key(c.token_hash)};
  std::string email = field(*form, "email");
  if (!email.empty()) {
    auto key = email_key(email);
    if (!key) co_return StanzaError::bad_request("email: not a valid address");
    keys.push_back(*key);  // the client key is only its hash (the transcript keeps the address: take_email)
  }
  c.client = co_await link_client(std::move(keys), c.token_hash);
  c.topic = topic;
  c.visitor_name = field(*form, "name").substr(0, 200);
  c.visitor_nick = settings_.visitor_nick;
  c.notice_version = version;
  c.created_us = now;
  if (auto bad = take_email(*form, c)) co_return *bad;
  Jid room = room_of(c);
  if (!muc->create_room(room, room_config(q->description))) co_return StanzaError::internal_server_error();
  state_->save(c, "joined", "visitor");
  if (auto f = feedback_.find(c.id); f != feedback_.end()) save_feedback(f->second);
  put_visitor(c, req.from);
  dispatch();
  auto current = state_->conversation(c.id);
  emit(EventKind::queued, current ? *current : c, "visitor");
  Element joined("joined", kNs);
  joined.set_attr("conversation", c.id).set_attr("token", token).set_attr("room", room.bare_str());
  joined.set_attr("nick", c.visitor_nick).set_attr("state", to_string(current ? current->state : c.state));
  co_return IqResult::ok(std::move(joined));
}

// <rejoin token='…'/> from any anonymous session: the conversation moves to it, under the same
// nick, and the room sends it the whole conversation as history (XEP-0045 §7.2.15).
Task<IqResult> Service::on_rejoin(const IqRequest& req) {
  if (!loaded_) co_return StanzaError::resource_constraint();
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Only visitors rejoin");
  std::string token(req.payload.attr("token"));
  auto c = token.size() == 32 ? state_->by_token_hash(token_hash(token)) : std::nullopt;
  // RFC 6120 §8.3.3.5 <gone/>: the conversation of this token is over; the widget forgets it.
  if (!c && token.size() == 32 && ended_.count(token_hash(token)))
    co_return error_with("cancel", "gone", "This conversation has ended");
  if (!c) co_return StanzaError::item_not_found();
  put_visitor(*c, req.from);
  Element joined("joined", kNs);
  joined.set_attr("conversation", c->id).set_attr("room", room_of(*c).bare_str());
  joined.set_attr("nick", c->visitor_nick).set_attr("state", to_string(c->state));
  co_return IqResult::ok(std::move(joined));
}

// <queues/>: the queues and whether someone can answer now (the widget offers a chat only then).
Task<IqResult> Service::on_queues(const IqRequest& req) {
  if (req.payload.name() != "queues") co_return StanzaError::feature_not_implemented();
  Element out("queues", kNs);
  for (const auto& q : settings_.queues) {
    Element& e = out.add_child("queue", kNs);
    e.set_attr("name", q.name).set_attr("jid", q.name + "@" + settings_.host);
    e.set_attr("description", q.description);
    bool now_available = available(q);
    bool open = !q.hours || q.hours->open_at(server_.now_us());
    e.set_attr("available", now_available ? "true" : "false").set_attr("open", open ? "true" : "false");
    e.set_attr("mode", q.takes_requests() && !(open && now_available) ? "offline" : "chat");
  }
  co_return IqResult::ok(std::move(out));
}

// The visitor of `c` is now `visitor` (a full JID on the visitor host): the previous session, if
// any, leaves the room and loses its membership; the new one becomes a member and is put in.
void Service::put_visitor(const Conversation& c, const Jid& visitor) {
  auto* muc = rooms();
  if (!muc) return;
  Jid room = room_of(c);
  auto it = visitors_.find(c.id);
  if (it != visitors_.end() && it->second != visitor) {
    muc->remove_occupant(room, it->second, "The conversation continues in another window");
    if (it->second.bare() != visitor.bare()) muc->set_affiliation(room, it->second.bare(), MucAffiliation::none);
  }
  // An occupant left behind by a session that ended (a reload) still holds the nick.
  for (const auto& [nick, jid] : muc->occupants(room))
    if (nick == c.visitor_nick && jid != visitor) muc->remove_occupant(room, jid);
  visitors_[c.id] = visitor;
  muc->set_affiliation(room, visitor.bare(), MucAffiliation::member);
  muc->add_occupant(room, visitor, c.visitor_nick);
}

// Each consultant's load: active conversations plus pending offers.
std::map<std::string, int> Service::consultant_load(const std::vector<Conversation>& open) const {
  std::map<std::string, int> load;
  for (const auto& c : open)
    if (c.state == ConversationState::active && !c.consultant.empty()) ++load[c.consultant];
  for (const auto& o : state_->pending_offers()) ++load[o.consultant];
  return load;
}

std::vector<Candidate> Service::candidates(const QueueConfig& q, const std::map<std::string, int>& load) const {
  std::vector<Candidate> out;
  for (const auto& m : q.members) {
    Candidate cand;
    cand.jid = m;
    cand.limit = settings_.max_chats;
    auto l = load.find(m);
    cand.open = l == load.end() ? 0 : l->second;
    auto it = consultants_.find(m);
    if (it != consultants_.end()) {
      cand.available = routable(!it->second.resources.empty(), agent_status(m));
      cand.idle_since_us = it->second.idle_since_us;
    }
    out.push_back(std::move(cand));
  }
  return out;
}

void Service::dispatch() {
  if (!loaded_) return;
  // One snapshot per dispatch, not one per queue and per waiting visitor (perf of the livechat
  // day, docs/benchmarks.md): each conversation is in one queue, so an offer made below never
  // changes a conversation this loop still has to look at; the load is counted as offers go.
  // Conversations back in a queue after a transfer or a disconnect first (handoff_rules.hpp).
  const auto open = serving_order(state_->open_conversations());
  auto load = consultant_load(open);
  for (const auto& q : settings_.queues) {
    for (const auto& c : open) {
      if (c.queue != q.name || c.state != ConversationState::queued) continue;
      auto choice = route(candidates(q, load), tried_[c.id], declined_[c.id]);
      if (choice.queue_full) break;     // nobody free for this queue: later conversations wait too (order)
      if (!choice.consultant) continue;  // only those who let it go are free: it waits for a colleague
      if (make_offer(c, *choice.consultant)) ++load[*choice.consultant];
    }
  }
  send_positions();
}

// XEP-0249 §2 direct invitation from the service to the consultant's bare JID (RFC 6121 §8.5.2:
// every available resource of a type-normal message's ... highest priority gets it), with a body
// for clients that do not show invitations, and our <offer/> for the web console.
bool Service::make_offer(Conversation c, const std::string& consultant) {
  const QueueConfig* q = queue(c.queue);
  std::int64_t now = server_.now_us();
  Offer o;
  o.id = new_id(now);
  o.conversation = c.id;
  o.consultant = consultant;
  o.offered_us = now;
  o.expires_us = now + std::chrono::duration_cast<std::chrono::microseconds>(q->offer_timeout).count();
  if (!apply(c, ConversationEvent::offer_made, now)) return false;
  state_->save(o);
  state_->save(c, "offered", consultant);
  Jid room = room_of(c);
  long seconds = static_cast<long>(q->offer_timeout.count() / 1000);
  std::string body = "New conversation in " + q->description + ": \"" + c.topic + "\". Join " + room.bare_str() +
                     " to answer, or reply !accept / !decline within " + std::to_string(seconds) + " s.";
  Element m("message", ns::kClient);
  m.set_attr("from", settings_.host).set_attr("to", consultant).set_attr("type", "normal");
  m.set_attr("id", "offer-" + o.id);
  m.add_child("body", ns::kClient).add_text(body);
  Element& x = m.add_child("x", kConference);
  x.set_attr("jid", room.bare_str()).set_attr("reason", body);
  Element& offer = m.add_child("offer", kNs);
  offer.set_attr("id", o.id).set_attr("conversation", c.id).set_attr("queue", c.queue);
  offer.set_attr("room", room.bare_str()).set_attr("seconds", std::to_string(seconds));
  server_.route(std::move(m));
  start_timer(o);
  emit(EventKind::offered, c, consultant);
  return true;
}

void Service::start_timer(const Offer& o) {
  server_.spawn(offer_timer(o.id, o.expires_us), "livechat: offer deadline");
}

Task<void> Service::offer_timer(std::string offer_id, std::int64_t expires_us) {
  auto alive = alive_;
  auto self = shared_from_this();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  // Wake at least every second so a stopped service does not hold the event loop for long.
  while (*alive) {
    std::int64_t left = expires_us - server_.now_us();
    if (left <= 0) break;
    timer.expires_after(std::chrono::microseconds(std::min<std::int64_t>(left, 1000000)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!*alive) co_return;
  auto o = state_->offer(offer_id);
  if (o && expire(*o, server_.now_us())) offer_lost(*o, "expired");
}

// An offer declined or expired: the conversation is waiting again, at its place, and routing
// offers it to the next consultant.
void Service::offer_lost(Offer o, const std::string& why) {
  state_->save(o);
  auto c = state_->conversation(o.conversation);
  if (c && c->state == ConversationState::active) {  // a transfer offer (handoff.cpp)
    transfer_lost(*c, o, why);
    return;
  }
  if (c && apply(*c, ConversationEvent::offer_lost, server_.now_us())) {
    state_->save(*c, o.state == OfferState::declined ? "declined" : "offer_expired", o.consultant);
    tried_[c->id].insert(o.consultant);
    if (o.state == OfferState::declined) declined_[c->id].insert(o.consultant);
  }
  if (auto j = Jid::parse(o.consultant))
    tell(*j, settings_.host, "The offer of conversation " + o.conversation + " " + why + ".");
  dispatch();
}

void Service::accept(Conversation c, Offer o, const std::string& consultant) {
  state_->save(o);
  if (c.state == ConversationState::active) {  // a transfer offer (handoff.cpp)
    accept_transfer(std::move(c), consultant);
    return;
  }
  apply(c, ConversationEvent::accepted, server_.now_us());
  take(std::move(c), consultant, "accepted");  // handoff.cpp: also hands over from a previous consultant
  if (auto answered = state_->conversation(o.conversation))
    emit(EventKind::answered, *answered, consultant);
}

// Presence to chat.D, a queue JID or a room of ours.
Flow Service::on_presence(StanzaEvent& ev) {
  const std::string type(ev.stanza.attr("type"));
  if (!ev.to.local().empty() && ev.to.local().rfind("c-", 0) == 0) {
    auto c = state_->conversation(ev.to.local().substr(2));
    if (c) return on_room_presence(ev, *c);
    if (type == "unavailable" || type == "error") return Flow::next;
    // Rooms on chat.D are made by the service only (XEP-0045 §10.1.1 allows refusing creation).
    server_.bounce(ev.stanza, error_with("cancel", "not-allowed", "This conversation is over or does not exist"));
    return Flow::stop;
  }
  if (!ev.to.local().empty() && !queue(ev.to.local())) {
    if (type == "unavailable" || type == "error") return Flow::next;
    server_.bounce(ev.stanza, error_with("cancel", "not-allowed", "Rooms here are the service's conversations"));
    return Flow::stop;
  }
  // Availability (RFC 6121 §4.6 directed presence, or the broadcast a subscription brings) of a
  // consultant's resource.
  std::string bare = ev.from.bare_str();
  if (ev.to.local().empty() && on_subscription(ev, type, is_consultant(bare))) return Flow::stop;
  if (!is_consultant(bare)) return Flow::stop;
  if (type.empty()) {
    auto& cons = consultants_[bare];
    bool back = cons.resources.empty();
    if (back) cons.idle_since_us = server_.now_us();
    cons.resources.insert(ev.from.resource());
    log::debug("livechat", "a consultant is available");
    if (back) consultant_back(bare);           // within its grace period: keeps its conversations
    agent_status_in_presence(bare, ev.stanza);  // dispatches when the status changes
    dispatch();
  } else if (type == "unavailable") {
    auto it = consultants_.find(bare);
    if (it != consultants_.end() && it->second.resources.erase(ev.from.resource()) && it->second.resources.empty() &&
        loaded_)
      consultant_gone(bare);  // the grace period starts (handoff.cpp)
  }
  return Flow::stop;
}

// A subscription to chat.D (RFC 6121 §3) for clients that cannot send directed presence (§4.6),
// e.g. Profanity: the service approves a consultant's request and asks back, so the consultant's
// server broadcasts every presence of the consultant to chat.D from then on (§4.2.2, §4.4.2),
// including at each login. Others are refused (§3.2: unsubscribed). Probes (§4.3) get the
// service's own presence. True when the stanza was one of these.
bool Service::on_subscription(const StanzaEvent& ev, const std::string& type, bool consultant) {
  auto reply = [&](const char* reply_type) {
    Element p("presence", ns::kClient);
    if (reply_type) p.set_attr("type", reply_type);
    p.set_attr("from", settings_.host).set_attr("to", ev.from.bare_str());
    server_.route(std::move(p));
  };
  if (type == "subscribe") {
    if (!consultant) {
      reply("unsubscribed");
      return true;
    }
    reply("subscribed");
    reply(nullptr);  // the service is there (§3.1.5 lets the contact's side send presence now)
    reply("subscribe");
    return true;
  }
  if (type == "probe") {
    if (consultant) reply(nullptr);
    return true;
  }
  if (type == "unsubscribe") {
    reply("unsubscribed");  // §3.3.3: acknowledged; the service stops being told
    return true;
  }
  return type == "subscribed" || type == "unsubscribed";
}

// Who may enter a conversation's room: its visitor (under the service's nick), the consultant who
// answered, and a consultant joining to accept an offer (joining accepts). A join after the offer
// expired or went elsewhere gets not-allowed with an explanation (XEP-0045 §7.2.1 error presence).
Flow Service::on_room_presence(StanzaEvent& ev, const Conversation& c) {
  const std::string type(ev.stanza.attr("type"));
  if (!type.empty()) return Flow::next;  // unavailable, errors: the muc module's business
  std::string bare = ev.from.bare_str();
  auto refuse = [&](std::string condition, std::string text) {
    server_.bounce(ev.stanza, error_with("cancel", std::move(condition), std::move(text)));
    return Flow::stop;
  };
  auto v = visitors_.find(c.id);
  if (v != visitors_.end() && v->second.bare() == ev.from.bare()) {
    if (ev.to.resource() != c.visitor_nick) return refuse("not-acceptable", "Your nick in this conversation is " + c.visitor_nick);
    return Flow::next;
  }
  if (c.consultant == bare && c.state == ConversationState::active) return Flow::next;
  if (auto admitted = admit_staff(c, bare)) return *admitted;  // invited colleagues, silent supervisors
  if (!is_consultant(bare)) return refuse("not-allowed", "This is not your conversation");
  for (auto o : state_->pending_offers()) {
    if (o.conversation != c.id || o.consultant != bare) continue;
    switch (answer(o, true, server_.now_us())) {
      case OfferAnswer::accepted:
        accept(c, o, bare);
        return Flow::next;
      case OfferAnswer::late:
        offer_lost(o, "expired before it was accepted");
        return refuse("not-allowed", "The offer expired before you joined");
      default:
        break;
    }
  }
  // The previous consultant of a conversation back in a queue stays until a colleague takes it.
  if (c.consultant == bare) return Flow::next;
  return refuse("not-allowed", c.state == ConversationState::active
                                   ? "A colleague has taken this conversation"
                                   : "This conversation is not offered to you (the offer expired)");
}

// Messages to chat.D or a queue JID: a consultant's !accept / !decline of its newest offer.
Flow Service::on_message(StanzaEvent& ev) {
  if (!ev.to.local().empty() && !queue(ev.to.local())) return Flow::next;
  if (is_error_stanza(ev.stanza)) return Flow::stop;
  std::string bare = ev.from.bare_str();
  std::string body = ev.stanza.child_text("body", ns::kClient);
  if (!is_consultant(bare)) {
    if (!body.empty()) server_.bounce(ev.stanza, StanzaError::service_unavailable());
    return Flow::stop;
  }
  bool acc = body == "!accept" || body == "/accept";
  bool dec = body == "!decline" || body == "/decline";
  if (!acc && !dec && service_command(ev.from, body)) return Flow::stop;  // !status, !pick (handoff.cpp)
  if (!acc && !dec) {
    if (!body.empty())
      tell(ev.from, settings_.host, "Reply !accept or !decline to an offer, !pick [queue] to take the next waiting "
                                    "conversation, !status available | break | after-call-work; in a conversation, "
                                    "!help lists the commands.");
    return Flow::stop;
  }
  std::optional<Offer> newest;
  for (auto& o : state_->pending_offers())
    if (o.consultant == bare && (!newest || o.offered_us >= newest->offered_us)) newest = o;
  if (!newest) {
    tell(ev.from, settings_.host, "You have no offer waiting (it may have expired).");
    return Flow::stop;
  }
  auto c = state_->conversation(newest->conversation);
  if (!c) return Flow::stop;
  Offer o = *newest;
  switch (answer(o, acc, server_.now_us())) {
    case OfferAnswer::accepted: {
      accept(*c, o, bare);
      Jid room = room_of(*c);
      Element m("message", ns::kClient);
      m.set_attr("from", settings_.host).set_attr("to", ev.from.str()).set_attr("type", "normal");
      m.add_child("body", ns::kClient).add_text("Accepted. Join " + room.bare_str() + " to answer.");
      m.add_child("x", kConference).set_attr("jid", room.bare_str());
      server_.route(std::move(m));
      break;
    }
    case OfferAnswer::declined:
      offer_lost(o, "was declined");
      break;
    case OfferAnswer::late:
      offer_lost(o, "expired before it was accepted");
      break;
    case OfferAnswer::not_pending:
      break;
  }
  return Flow::stop;
}

// A groupchat message in one of our rooms, before the room broadcasts it. A consultant's command
// is taken (never relayed, never kept in the room's history) and answered to that consultant.
bool Service::on_groupchat(const MucGroupchat& g) {
  if (g.room.domain() != settings_.host || g.room.local().rfind("c-", 0) != 0) return false;
  auto c = state_->conversation(g.room.local().substr(2));
  if (!c) return false;
  std::string bare = g.real_jid.bare_str();
  bool staff = role_of(bare) != StaffRole::none;  // consultants, and silent supervisors too
  auto [word, rest] = staff ? command_of(g.message.child_text("body", ns::kClient))
                            : std::pair<std::string, std::string>{};  // the visitor's "!…" is just text
  if (word.empty()) {
    if (!g.nick.empty()) emit(EventKind::message, *c, staff ? bare : "visitor", !staff);
    return false;
  }
  Jid room = room_of(*c);
  if (handoff_command(*c, g.real_jid, word, rest)) return true;  // !transfer, !invite (handoff.cpp)
  if (word == "help") tell_in_room(room, g.real_jid, kHelp);
  else if (word == "note") tell_in_room(room, g.real_jid, note_action(*c, bare, rest).second);
  else if (word == "tag" || word == "untag") tell_in_room(room, g.real_jid, tag_action(*c, bare, rest, word == "tag").second);
  else if (word == "close") tell_in_room(room, g.real_jid, close_action(*c, bare));
  return true;
}

// The room actions, for the !commands above and the XEP-0050 commands on the room
// (adhoc_commands.cpp): each does what it says and returns what its actor is told.
std::pair<bool, std::string> Service::note_action(const Conversation& c, const std::string& actor,
                                                  const std::string& text) {
  if (text.empty()) return {false, "Usage: !note <text>"};
  state_->add_note(c, actor, text);
  archive_annotation(c, actor, "note", text);
  return {true, "Note kept (the visitor does not see it)."};
}

std::pair<bool, std::string> Service::tag_action(const Conversation& c, const std::string& actor,
                                                 const std::string& name, bool tag) {
  std::string word = tag ? "tag" : "untag";
  if (name.empty() || name.size() > 100) return {false, "Usage: !" + word + " <name>"};
  state_->set_tag(c, name, actor, tag);
  archive_annotation(c, actor, word, name);
  return {true, (tag ? "Tagged: " : "Tag removed: ") + name};
}

std::string Service::close_action(const Conversation& c, const std::string& actor) {
  // Not from inside the room's broadcast (a !close): the room is destroyed once that returns.
  server_.spawn([](std::shared_ptr<Service> s, Conversation conv, std::string actor) -> Task<void> {
    s->close(std::move(conv), actor);
    co_return;
  }(shared_from_this(), c, actor), "livechat: closing a conversation");
  return "Closing the conversation.";
}

// Closed: offers withdrawn (their consultants told), the room destroyed (XEP-0045 §10.9) and
// removed from the consultants' bookmarks (XEP-0402) so their clients do not join it again; `by`
// is recorded and opens the visitor's feedback window (visitor_end.cpp).
void Service::close(Conversation c, const std::string& actor, ClosedBy by) {
  std::int64_t now = server_.now_us();
  for (auto o : state_->pending_offers())
    if (o.conversation == c.id && withdraw(o, now)) {
      state_->save(o);
      if (auto j = Jid::parse(o.consultant))
        tell(*j, settings_.host, "The offer of conversation " + c.id + " is withdrawn: " +
                                     (by == ClosedBy::visitor_cancelled ? "the visitor cancelled." : "it was closed."));
    }
  std::set<std::string> staff;
  if (!c.consultant.empty()) staff.insert(c.consultant);
  if (!apply(c, ConversationEvent::closed, now)) return;
  state_->save(c, "closed", actor);
  Jid room = room_of(c);
  auto* muc = rooms();
  if (muc) {
    for (const auto& [nick, jid] : muc->occupants(room))
      if (is_consultant(jid.bare_str())) {
        staff.insert(jid.bare_str());
        // Told in the room before it goes, so the consultant's client shows why.
        if (by == ClosedBy::visitor_ended) tell_in_room(room, jid, "The visitor ended the conversation.");
      }
    muc->destroy_room(room, "The conversation has ended");
  }
  ended(c, by);
  auto v = visitors_.find(c.id);
  if (v != visitors_.end()) {
    // The visitor who left has its <left/> answer instead.
    if (by != ClosedBy::visitor_cancelled && by != ClosedBy::visitor_ended) {
      Element m("message", ns::kClient);
      m.set_attr("from", settings_.host).set_attr("to", v->second.str()).set_attr("type", "normal");
      m.add(closed_notice("closed", c));
      server_.route(std::move(m));
    }
    visitors_.erase(v);
  }
  tried_.erase(c.id);
  declined_.erase(c.id);
  positions_sent_.erase(c.id);
  emit(EventKind::closed, c, actor);
  server_.spawn(forget_bookmarks({staff.begin(), staff.end()}, room), "livechat: removing bookmarks");
  dispatch();
}

Task<void> Service::forget_bookmarks(std::vector<std::string> accounts, Jid room) {
  for (const auto& a : accounts) {
    auto j = Jid::parse(a);
    if (!j) continue;
    auto* bookmarks = server_.service<Bookmarks>(j->domain());
    if (bookmarks) co_await bookmarks->remove_room(*j, room);
  }
}

// XEP-0045-style queue position for each waiting visitor, sent when it changes, from the queue JID.
void Service::send_positions() {
  std::map<std::string, int> next;
  for (const auto& c : serving_order(state_->open_conversations())) {  // returned ones are at the head
    if (c.state == ConversationState::active) continue;
    int pos = ++next[c.queue];
    auto v = visitors_.find(c.id);
    auto sent = positions_sent_.find(c.id);
    if (v == visitors_.end() || (sent != positions_sent_.end() && sent->second == pos)) continue;
    positions_sent_[c.id] = pos;
    Element m("message", ns::kClient);
    m.set_attr("from", c.queue + "@" + settings_.host).set_attr("to", v->second.str()).set_attr("type", "normal");
    m.add_child("queue", kNs).set_attr("conversation", c.id).set_attr("position", std::to_string(pos));
    server_.route(std::move(m));
  }
}

void Service::tell(const Jid& to, const std::string& from, const std::string& body, const char* type) {
  Element m("message", ns::kClient);
  m.set_attr("from", from).set_attr("to", to.str()).set_attr("type", type);
  m.add_child("body", ns::kClient).add_text(body);
  server_.route(std::move(m));
}

// XEP-0045 §7.2.21-style message from the room itself, to one occupant only.
void Service::tell_in_room(const Jid& room, const Jid& to, const std::string& body) {
  tell(to, room.bare_str(), body, "groupchat");
}

}  // namespace xmppd::livechat
