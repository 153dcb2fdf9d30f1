// The end of a conversation from the visitor's side (issues 6 and 7; rules in
// conversation_end.hpp, protocol in docs/protocol.md): <leave/> cancels a waiting conversation or
// ends an active one, <rate/> once after the close, <transcript/> once to the join form's
// address, and staff read both with <feedback/>. The token authenticates the visitor: after the
// close it no longer rejoins (<gone/>) but still rates and asks for the transcript until the
// feedback window ends.
#include "livechat_service.hpp"
#include "service_util.hpp"

#include <charconv>

#include "xmppd/datetime.hpp"
#include "xmppd/log.hpp"
#include "xmppd/namespaces.hpp"
#include "xmppd/server.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::livechat {
namespace {

// Personal data (the e-mail address, the comment) with the conversations' retention.
constexpr char kFeedbackClass[] = "livechat_feedback";

std::int64_t window_us(const Settings& s) {
  return std::chrono::duration_cast<std::chrono::microseconds>(s.feedback_window).count();
}

LivechatFeedbackRecord to_record(const Feedback& f) {
  return {f.conversation, f.client, f.email, to_string(f.closed_by), f.rating, f.comment, f.rated_us,
          to_string(f.transcript), f.transcript_us, kFeedbackClass};
}

Feedback from_record(const LivechatFeedbackRecord& r) {
  Feedback f;
  f.conversation = r.conversation;
  f.client = r.client;
  f.email = r.email;
  f.closed_by = closed_by_from(r.closed_by).value_or(ClosedBy::none);
  f.rating = static_cast<int>(r.rating);
  f.comment = r.comment;
  f.rated_us = r.rated_us;
  f.transcript = transcript_state_from(r.transcript).value_or(TranscriptState::none);
  f.transcript_us = r.transcript_us;
  return f;
}

// What the widget may still offer: "unavailable" when the form gave no address.
std::string transcript_offer(const Feedback& f) {
  if (f.email.empty()) return "unavailable";
  return f.transcript == TranscriptState::none ? "available" : to_string(f.transcript);
}

// Until the mail bridge exists: the consultant is told, the request stays `requested`.
class MessageTranscriptMailer final : public TranscriptMailer {
 public:
  MessageTranscriptMailer(Server& server, std::string host) : server_(server), host_(std::move(host)) {}
  void requested(const Conversation& c, const Feedback&, std::function<void(TranscriptState)>) override {
    if (c.consultant.empty()) return;  // nobody answered it: staff see it with <feedback/>
    Element m("message", ns::kClient);
    m.set_attr("from", host_).set_attr("to", c.consultant).set_attr("type", "chat");
    m.add_child("body", ns::kClient)
        .add_text("The visitor of conversation " + c.id +
                  " asked for the transcript by e-mail (to the address given in the form). The request is "
                  "stored; it will be sent once the mail bridge is connected.");
    m.add_child("transcript", kNs).set_attr("conversation", c.id).set_attr("state", "requested");
    server_.route(std::move(m));
  }

 private:
  Server& server_;
  std::string host_;
};

}  // namespace

std::unique_ptr<TranscriptMailer> make_message_transcript_mailer(Server& server, std::string host) {
  return std::make_unique<MessageTranscriptMailer>(server, std::move(host));
}

Feedback& Service::feedback_of(const Conversation& c) {
  auto& f = feedback_[c.id];
  f.conversation = c.id;
  f.client = c.client;
  return f;
}

void Service::save_feedback(const Feedback& f) {
  server_.spawn(server_.storage().livechat_feedback().put_feedback(settings_.host, to_record(f)),
                "livechat: storing feedback");
}

// The join form's optional e-mail field (XEP-0004 §3.4), kept only to send the transcript to.
std::optional<StanzaError> Service::take_email(const Element& form, const Conversation& c) {
  std::string email = field(form, "email");
  if (email.empty()) return std::nullopt;
  if (!plausible_email(email)) return StanzaError::bad_request("the e-mail address is not valid");
  feedback_of(c).email = std::move(email);
  return std::nullopt;
}

// <closed/> to the visitor (or <left/> as the answer to its <leave/>): who closed, until when it
// may be rated, and whether the transcript can still be asked for.
Element Service::closed_notice(const char* name, const Conversation& c) {
  const Feedback& f = feedback_of(c);
  Element e(name, kNs);
  e.set_attr("conversation", c.id).set_attr("by", to_string(f.closed_by));
  e.set_attr("feedback_until", xep0082_stamp(feedback_until(c, window_us(settings_))));
  e.set_attr("rating", f.rating ? std::to_string(f.rating) : "none");
  e.set_attr("transcript", transcript_offer(f));
  return e;
}

// After close(): the token stops rejoining but may rate and ask for the transcript until the
// window ends.
void Service::ended(const Conversation& c, ClosedBy by) {
  std::int64_t now = server_.now_us();
  forget_ended(now);
  Feedback& f = feedback_of(c);
  record_close(f, by);
  save_feedback(f);
  ended_[c.token_hash] = c;
}

void Service::forget_ended(std::int64_t now_us) {
  for (auto it = ended_.begin(); it != ended_.end();) {
    if (now_us >= feedback_until(it->second, window_us(settings_))) {
      feedback_.erase(it->second.id);
      it = ended_.erase(it);
    } else {
      ++it;
    }
  }
}

// At start: the feedback of open conversations (the join form's address), and conversations
// closed within the window, so their tokens still rate and are refused a rejoin with <gone/>.
Task<void> Service::restore_feedback() {
  auto self = shared_from_this();
  auto& store = server_.storage().livechat_feedback();
  for (const auto& c : state_->open_conversations())
    if (auto r = co_await store.feedback(settings_.host, c.id)) feedback_[c.id] = from_record(*r);
  std::int64_t since = server_.now_us() - window_us(settings_);
  for (const auto& r : co_await store.closed_since(settings_.host, since)) {
    Conversation c;
    c.id = r.id;
    c.queue = r.queue;
    c.client = r.client;
    c.token_hash = r.token_hash;
    c.state = ConversationState::closed;
    c.consultant = r.consultant;
    c.closed_us = r.closed_us;
    ended_[c.token_hash] = c;
    if (auto f = co_await store.feedback(settings_.host, c.id)) feedback_[c.id] = from_record(*f);
    else feedback_of(c);
  }
}

// <leave token='…'/>: RFC 6120 §8.3.3.5 <gone/> once the conversation is over.
Task<IqResult> Service::on_leave(const IqRequest& req) {
  if (!loaded_) co_return StanzaError::resource_constraint();
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Only visitors leave a conversation");
  std::string token(req.payload.attr("token"));
  if (token.size() != 32) co_return StanzaError::item_not_found();
  std::string hash = token_hash(token);
  auto c = state_->by_token_hash(hash);
  if (!c) {
    if (ended_.count(hash)) co_return error_with("cancel", "gone", "This conversation has ended");
    co_return StanzaError::item_not_found();
  }
  close(*c, "visitor", leaving(*c));
  auto it = ended_.find(hash);
  if (it == ended_.end()) co_return StanzaError::internal_server_error();
  co_return IqResult::ok(closed_notice("left", it->second));
}

// <rate token='…' rating='1..5'><comment>…</comment></rate>, once, after the close.
Task<IqResult> Service::on_rate(const IqRequest& req) {
  if (!loaded_) co_return StanzaError::resource_constraint();
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Only the visitor rates a conversation");
  std::string token(req.payload.attr("token"));
  if (token.size() != 32) co_return StanzaError::item_not_found();
  std::string hash = token_hash(token);
  auto it = ended_.find(hash);
  if (it == ended_.end()) {
    if (state_->by_token_hash(hash)) co_return error_with("cancel", "not-allowed", "Rate the conversation once it has ended");
    co_return StanzaError::item_not_found();
  }
  const Conversation& c = it->second;
  std::string_view text = req.payload.attr("rating");
  int rating = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rating);
  if (ec != std::errc() || end != text.data() + text.size()) rating = 0;
  Feedback& f = feedback_of(c);
  switch (rate(c, f, rating, req.payload.child_text("comment", kNs), server_.now_us(), window_us(settings_))) {
    case RateResult::rated:
      break;
    case RateResult::already_rated:
      co_return error_with("cancel", "conflict", "This conversation has been rated already");
    case RateResult::too_late:
      co_return error_with("cancel", "not-allowed", "The time to rate this conversation has passed");
    case RateResult::not_closed:
      co_return error_with("cancel", "not-allowed", "Rate the conversation once it has ended");
    case RateResult::bad_rating:
      co_return StanzaError::bad_request("rating is a whole number from 1 to 5");
    case RateResult::bad_comment:
      co_return StanzaError::bad_request("the comment is longer than 2000 bytes");
  }
  save_feedback(f);
  // The consultant learns the rating by message: the room is gone by now.
  if (auto j = Jid::parse(c.consultant)) {
    std::string body = "The visitor rated conversation " + c.id + ": " + std::to_string(f.rating) + "/5";
    body += f.comment.empty() ? "." : " — \"" + f.comment + "\"";
    Element m("message", ns::kClient);
    m.set_attr("from", settings_.host).set_attr("to", j->bare_str()).set_attr("type", "chat");
    m.add_child("body", ns::kClient).add_text(body);
    m.add_child("rating", kNs).set_attr("conversation", c.id).set_attr("rating", std::to_string(f.rating));
    server_.route(std::move(m));
  }
  Element rated("rated", kNs);
  rated.set_attr("conversation", c.id).set_attr("rating", std::to_string(f.rating));
  co_return IqResult::ok(std::move(rated));
}

// <transcript token='…'/>: once, to the join form's address; while open or within the window.
Task<IqResult> Service::on_transcript(const IqRequest& req) {
  if (!loaded_) co_return StanzaError::resource_constraint();
  if (!from_visitor(req)) co_return error_with("cancel", "not-allowed", "Only the visitor asks for its transcript");
  std::string token(req.payload.attr("token"));
  if (token.size() != 32) co_return StanzaError::item_not_found();
  std::string hash = token_hash(token);
  std::optional<Conversation> c = state_->by_token_hash(hash);
  if (!c) {
    auto it = ended_.find(hash);
    if (it == ended_.end()) co_return StanzaError::item_not_found();
    c = it->second;
  }
  Feedback& f = feedback_of(*c);
  switch (request_transcript(*c, f, server_.now_us(), window_us(settings_))) {
    case TranscriptRequest::requested:
      break;
    case TranscriptRequest::no_email:
      co_return StanzaError::not_acceptable("No e-mail address was given in the form");
    case TranscriptRequest::already_requested:
      co_return error_with("cancel", "conflict", "The transcript has been asked for already");
    case TranscriptRequest::too_late:
      co_return error_with("cancel", "not-allowed", "The time to ask for the transcript has passed");
  }
  save_feedback(f);
  std::string id = c->id;
  auto weak = weak_from_this();
  mailer_->requested(*c, f, [weak, id](TranscriptState outcome) {
    auto self = weak.lock();
    if (!self) return;
    auto it = self->feedback_.find(id);
    if (it == self->feedback_.end()) return;
    it->second.transcript = outcome;
    self->save_feedback(it->second);
  });
  Element out("transcript", kNs);
  out.set_attr("conversation", c->id).set_attr("state", to_string(f.transcript));
  co_return IqResult::ok(std::move(out));
}

// <feedback conversation='…'/> (get) by staff of the conversation's queue or its consultant: who
// closed it, the rating and comment, the transcript request. The address is not shown.
Task<IqResult> Service::on_feedback(const IqRequest& req) {
  auto self = shared_from_this();
  std::string bare = req.from.bare_str();
  std::string id(req.payload.attr("conversation"));
  if (id.empty() || id.size() > 64) co_return StanzaError::bad_request("conversation is required");
  std::optional<Conversation> c = state_->conversation(id);
  if (!c)
    for (const auto& [hash, e] : ended_)
      if (e.id == id) c = e;
  std::optional<Feedback> f;
  if (auto it = feedback_.find(id); it != feedback_.end()) f = it->second;
  std::string queue_name = c ? c->queue : "", consultant = c ? c->consultant : "";
  if (!c) {
    auto r = co_await server_.storage().livechat().conversation(settings_.host, id);
    if (!r) co_return StanzaError::item_not_found();
    queue_name = r->queue;
    consultant = r->consultant;
  }
  if (consultant != bare && !may_work_on(bare, queue_name)) co_return StanzaError::forbidden();
  if (!f) {
    if (auto r = co_await server_.storage().livechat_feedback().feedback(settings_.host, id)) f = from_record(*r);
    else f = Feedback{};
  }
  Element out("feedback", kNs);
  out.set_attr("conversation", id).set_attr("closed_by", to_string(f->closed_by));
  out.set_attr("rating", f->rating ? std::to_string(f->rating) : "none");
  if (f->rated_us) out.set_attr("rated", xep0082_stamp(f->rated_us));
  out.set_attr("transcript", to_string(f->transcript));
  if (f->transcript_us) out.set_attr("transcript_requested", xep0082_stamp(f->transcript_us));
  if (!f->comment.empty()) out.add_child("comment", kNs).add_text(f->comment);
  co_return IqResult::ok(std::move(out));
}

}  // namespace xmppd::livechat
