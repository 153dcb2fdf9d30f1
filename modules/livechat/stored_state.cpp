// The single-node LivechatState: memory plus write-through to LivechatStore (see
// livechat_state.hpp). Writes are queued in the order they are made (the storage engine has one
// writer), so the stored rows never go back in time; a failed write is logged by Server::spawn.
#include <utility>

#include "livechat_state.hpp"
#include "xmppd/log.hpp"
#include "xmppd/server.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::livechat {
namespace {

constexpr char kConversationClass[] = "livechat_conversation";
constexpr char kNoteClass[] = "livechat_note";
// Personal data with the conversations' retention (DESIGN.md, privacy).
constexpr char kTicketClass[] = "livechat_ticket";
constexpr char kCallbackClass[] = "livechat_callback";

LivechatTicketRecord to_record(const Ticket& t) {
  return {t.id, t.queue, t.client, to_string(t.state), t.assignee, t.name, t.email, t.question, t.answer,
          t.notice_version, t.created_us, t.updated_us, kTicketClass};
}

std::optional<Ticket> from_record(const LivechatTicketRecord& r) {
  auto state = ticket_state_from(r.state);
  if (!state) return std::nullopt;
  return Ticket{r.id, r.queue, r.client, *state, r.assignee, r.name, r.email, r.question, r.answer,
                r.notice_version, r.created_us, r.updated_us};
}

LivechatCallbackRecord to_record(const Callback& c) {
  return {c.id, c.queue, c.client, to_string(c.state), c.assignee, c.name, c.phone, c.topic, c.notice_version,
          c.slot_start_us, c.slot_end_us, c.attempts, c.reminded_us, c.created_us, c.updated_us, kCallbackClass};
}

std::optional<Callback> from_record(const LivechatCallbackRecord& r) {
  auto state = callback_state_from(r.state);
  if (!state) return std::nullopt;
  return Callback{r.id, r.queue, r.client, *state, r.assignee, r.name, r.phone, r.topic, r.notice_version,
                  r.slot_start_us, r.slot_end_us, static_cast<int>(r.attempts), r.reminded_us, r.created_us,
                  r.updated_us};
}

LivechatConversationRecord to_record(const Conversation& c) {
  return {c.id, c.queue, c.channel, c.client, c.token_hash, to_string(c.state), c.topic, c.visitor_name,
          c.visitor_nick, c.notice_version, c.consultant, c.created_us, c.offered_us, c.answered_us,
          c.closed_us, kConversationClass};
}

std::optional<Conversation> from_record(const LivechatConversationRecord& r) {
  auto state = conversation_state_from(r.state);
  if (!state) return std::nullopt;
  Conversation c;
  c.id = r.id;
  c.queue = r.queue;
  c.channel = r.channel;
  c.client = r.client;
  c.token_hash = r.token_hash;
  c.state = *state;
  c.topic = r.topic;
  c.visitor_name = r.visitor_name;
  c.visitor_nick = r.visitor_nick;
  c.notice_version = r.notice_version;
  c.consultant = r.consultant;
  c.created_us = r.created_us;
  c.offered_us = r.offered_us;
  c.answered_us = r.answered_us;
  c.closed_us = r.closed_us;
  return c;
}

class StoredLivechatState final : public LivechatState {
 public:
  StoredLivechatState(Server& server, std::string host) : server_(server), host_(std::move(host)) {}

  Task<void> load() override {
    auto& store = server_.storage().livechat();
    auto rows = co_await store.open_conversations(host_);
    auto offers = co_await store.pending_offers(host_);
    for (const auto& r : rows)
      if (auto c = from_record(r)) {
        tokens_[c->token_hash] = c->id;
        conversations_[c->id] = std::move(*c);
      }
    for (const auto& r : offers)
      if (auto state = offer_state_from(r.state))
        offers_[r.id] = Offer{r.id, r.conversation, r.consultant, *state, r.offered_us, r.expires_us, r.decided_us};
    for (const auto& r : co_await store.open_tickets(host_))
      if (auto t = from_record(r)) tickets_[t->id] = std::move(*t);
    for (const auto& r : co_await store.open_callbacks(host_))
      if (auto c = from_record(r)) callbacks_[c->id] = std::move(*c);
    log::info("livechat", "loaded on ", host_, ": ", conversations_.size(), " open conversations, ",
              offers_.size(), " pending offers, ", tickets_.size(), " open tickets, ", callbacks_.size(),
              " open callbacks");
  }

  std::vector<Conversation> open_conversations() const override {
    std::vector<Conversation> out;
    out.reserve(conversations_.size());
    for (const auto& [id, c] : conversations_) out.push_back(c);
    return out;
  }

  std::optional<Conversation> conversation(const std::string& id) const override {
    auto it = conversations_.find(id);
    if (it == conversations_.end()) return std::nullopt;
    return it->second;
  }

  std::optional<Conversation> by_token_hash(const std::string& token_hash) const override {
    auto it = tokens_.find(token_hash);
    return it == tokens_.end() ? std::nullopt : conversation(it->second);
  }

  void save(const Conversation& c, const std::string& event, const std::string& actor) override {
    if (c.state == ConversationState::closed) {
      conversations_.erase(c.id);
      tokens_.erase(c.token_hash);
    } else {
      conversations_[c.id] = c;
      tokens_[c.token_hash] = c.id;
    }
    LivechatTransitionRecord t{to_string(c.state), event, actor, server_.now_us()};
    server_.spawn(server_.storage().livechat().put_conversation(host_, to_record(c), std::move(t)),
                  "livechat: storing a conversation");
  }

  std::vector<Offer> pending_offers() const override {
    std::vector<Offer> out;
    for (const auto& [id, o] : offers_) out.push_back(o);
    return out;
  }

  std::optional<Offer> offer(const std::string& id) const override {
    auto it = offers_.find(id);
    if (it == offers_.end()) return std::nullopt;
    return it->second;
  }

  void save(const Offer& o) override {
    if (o.state == OfferState::pending) offers_[o.id] = o;
    else offers_.erase(o.id);
    LivechatOfferRecord r{o.id, o.conversation, o.consultant, to_string(o.state), o.offered_us, o.expires_us,
                          o.decided_us};
    server_.spawn(server_.storage().livechat().put_offer(host_, std::move(r)), "livechat: storing an offer");
  }

  void add_note(const Conversation& c, const std::string& author, const std::string& text) override {
    LivechatNoteRecord n{c.id, c.client, author, text, server_.now_us(), kNoteClass};
    server_.spawn(server_.storage().livechat().add_note(host_, std::move(n)), "livechat: storing a note");
  }

  void set_tag(const Conversation& c, const std::string& tag, const std::string& author, bool present) override {
    server_.spawn(server_.storage().livechat().set_tag(host_, c.id, tag, author, present),
                  "livechat: storing a tag");
  }

  std::vector<Ticket> open_tickets() const override { return values(tickets_); }
  std::optional<Ticket> ticket(const std::string& id) const override { return find(tickets_, id); }
  void save(const Ticket& t) override {
    if (t.state == TicketState::closed) tickets_.erase(t.id);
    else tickets_[t.id] = t;
    server_.spawn(server_.storage().livechat().put_ticket(host_, to_record(t)), "livechat: storing a ticket");
  }

  std::vector<Callback> open_callbacks() const override { return values(callbacks_); }
  std::optional<Callback> callback(const std::string& id) const override { return find(callbacks_, id); }
  void save(const Callback& c) override {
    if (c.state == CallbackState::done || c.state == CallbackState::cancelled) callbacks_.erase(c.id);
    else callbacks_[c.id] = c;
    server_.spawn(server_.storage().livechat().put_callback(host_, to_record(c)), "livechat: storing a callback");
  }

 private:
  template <class T>
  static std::vector<T> values(const std::map<std::string, T>& m) {
    std::vector<T> out;
    for (const auto& [id, v] : m) out.push_back(v);
    return out;
  }
  template <class T>
  static std::optional<T> find(const std::map<std::string, T>& m, const std::string& id) {
    auto it = m.find(id);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }

  Server& server_;
  std::string host_;
  std::map<std::string, Conversation> conversations_;  // open ones, by id (= join order)
  std::map<std::string, std::string> tokens_;          // token hash -> conversation id
  std::map<std::string, Offer> offers_;                // pending ones, by id
  std::map<std::string, Ticket> tickets_;              // not closed, by id
  std::map<std::string, Callback> callbacks_;          // not done or cancelled, by id
};

}  // namespace

std::unique_ptr<LivechatState> make_stored_state(Server& server, std::string host) {
  return std::make_unique<StoredLivechatState>(server, std::move(host));
}

}  // namespace xmppd::livechat
