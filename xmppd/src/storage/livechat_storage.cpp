// The livechat service's store over SQL (modules/livechat, issue 6): a conversation row and
// the transition that produced it are written in one transaction, so the history never lags
// the state; upserts are UPDATE-then-INSERT, the same SQL on both backends.
#include "storage/sql_storage.hpp"

namespace xmppd::storage {
namespace {


constexpr const char* kConversationUpdate =
    "UPDATE livechat_conversations SET queue = ?, channel = ?, client = ?, token_hash = ?, state = ?, topic = ?, "
    "visitor_name = ?, visitor_nick = ?, notice_version = ?, consultant = ?, created_us = ?, offered_us = ?, "
    "answered_us = ?, closed_us = ?, data_class = ?, updated_us = ? WHERE host = ? AND id = ?";
constexpr const char* kConversationInsert =
    "INSERT INTO livechat_conversations (queue, channel, client, token_hash, state, topic, visitor_name, "
    "visitor_nick, notice_version, consultant, created_us, offered_us, answered_us, closed_us, data_class, "
    "updated_us, host, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kConversationById =
    "SELECT id, queue, channel, client, token_hash, state, topic, visitor_name, visitor_nick, notice_version, "
    "consultant, created_us, offered_us, answered_us, closed_us, data_class FROM livechat_conversations "
    "WHERE host = ? AND id = ?";
constexpr const char* kConversationsOpen =
    "SELECT id, queue, channel, client, token_hash, state, topic, visitor_name, visitor_nick, notice_version, "
    "consultant, created_us, offered_us, answered_us, closed_us, data_class FROM livechat_conversations "
    "WHERE host = ? AND state <> 'closed' ORDER BY id";
constexpr const char* kTransitionInsert =
    "INSERT INTO livechat_transitions (host, conversation, state, event, actor, stamp_us) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kTransitions =
    "SELECT state, event, actor, stamp_us FROM livechat_transitions WHERE host = ? AND conversation = ? ORDER BY id";
constexpr const char* kOfferUpdate =
    "UPDATE livechat_offers SET conversation = ?, consultant = ?, state = ?, offered_us = ?, expires_us = ?, "
    "decided_us = ? WHERE host = ? AND id = ?";
constexpr const char* kOfferInsert =
    "INSERT INTO livechat_offers (conversation, consultant, state, offered_us, expires_us, decided_us, host, id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kOffersPending =
    "SELECT id, conversation, consultant, state, offered_us, expires_us, decided_us FROM livechat_offers "
    "WHERE host = ? AND state = 'pending' ORDER BY offered_us, id";
constexpr const char* kNoteInsert =
    "INSERT INTO livechat_notes (host, conversation, client, author, text, created_us, data_class) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kNotes =
    "SELECT conversation, client, author, text, created_us, data_class FROM livechat_notes "
    "WHERE host = ? AND conversation = ? ORDER BY id";
constexpr const char* kTagDelete = "DELETE FROM livechat_tags WHERE host = ? AND conversation = ? AND tag = ?";
constexpr const char* kTagInsert =
    "INSERT INTO livechat_tags (host, conversation, tag, author, created_us) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kTags = "SELECT tag FROM livechat_tags WHERE host = ? AND conversation = ? ORDER BY tag";

constexpr const char* kTicketUpdate =
    "UPDATE livechat_tickets SET queue = ?, client = ?, state = ?, assignee = ?, name = ?, email = ?, question = ?, "
    "answer = ?, notice_version = ?, created_us = ?, updated_us = ?, data_class = ? WHERE host = ? AND id = ?";
constexpr const char* kTicketInsert =
    "INSERT INTO livechat_tickets (queue, client, state, assignee, name, email, question, answer, notice_version, "
    "created_us, updated_us, data_class, host, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kTicketsOpen =
    "SELECT id, queue, client, state, assignee, name, email, question, answer, notice_version, created_us, "
    "updated_us, data_class FROM livechat_tickets WHERE host = ? AND state <> 'closed' ORDER BY id";
constexpr const char* kCallbackUpdate =
    "UPDATE livechat_callbacks SET queue = ?, client = ?, state = ?, assignee = ?, name = ?, phone = ?, topic = ?, "
    "notice_version = ?, slot_start_us = ?, slot_end_us = ?, attempts = ?, reminded_us = ?, created_us = ?, "
    "updated_us = ?, data_class = ? WHERE host = ? AND id = ?";
constexpr const char* kCallbackInsert =
    "INSERT INTO livechat_callbacks (queue, client, state, assignee, name, phone, topic, notice_version, "
    "slot_start_us, slot_end_us, attempts, reminded_us, created_us, updated_us, data_class, host, id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kCallbacksOpen =
    "SELECT id, queue, client, state, assignee, name, phone, topic, notice_version, slot_start_us, slot_end_us, "
    "attempts, reminded_us, created_us, updated_us, data_class FROM livechat_callbacks "
    "WHERE host = ? AND state NOT IN ('done', 'cancelled') ORDER BY id";

LivechatConversationRecord read_conversation(const Row& r) {
  LivechatConversationRecord c;
  c.id = r.str(0);
  c.queue = r.str(1);
  c.channel = r.str(2);
  c.client = r.str(3);
  c.token_hash = r.str(4);
  c.state = r.str(5);
  c.topic = r.str(6);
  c.visitor_name = r.str(7);
  c.visitor_nick = r.str(8);
  c.notice_version = r.str(9);
  c.consultant = r.str(10);
  c.created_us = r.i64(11);
  c.offered_us = r.i64(12);
  c.answered_us = r.i64(13);
  c.closed_us = r.i64(14);
  c.data_class = r.str(15);
  return c;
}

class SqlLivechatStore final : public LivechatStore {
 public:
  explicit SqlLivechatStore(Engine& e) : engine_(e) {}

  Task<void> put_conversation(std::string host, LivechatConversationRecord c, LivechatTransitionRecord t) override {
    return engine_.write([host = std::move(host), c = std::move(c), t = std::move(t)](Connection& db) {
      auto now = now_us();
      if (db.exec(kConversationUpdate, {c.queue, c.channel, c.client, c.token_hash, c.state, c.topic, c.visitor_name,
                                        c.visitor_nick, c.notice_version, c.consultant, c.created_us, c.offered_us,
                                        c.answered_us, c.closed_us, c.data_class, now, host, c.id}) == 0)
        db.exec(kConversationInsert, {c.queue, c.channel, c.client, c.token_hash, c.state, c.topic, c.visitor_name,
                                      c.visitor_nick, c.notice_version, c.consultant, c.created_us, c.offered_us,
                                      c.answered_us, c.closed_us, c.data_class, now, host, c.id});
      db.exec(kTransitionInsert, {host, c.id, t.state, t.event, t.actor, t.stamp_us});
    });
  }

  Task<std::optional<LivechatConversationRecord>> conversation(std::string host, std::string id) override {
    return engine_.read([host = std::move(host), id = std::move(id)](Connection& db) {
      std::optional<LivechatConversationRecord> found;
      db.query(kConversationById, {host, id}, [&](const Row& r) { found = read_conversation(r); });
      return found;
    });
  }

  Task<std::vector<LivechatConversationRecord>> open_conversations(std::string host) override {
    return engine_.read([host = std::move(host)](Connection& db) {
      std::vector<LivechatConversationRecord> out;
      db.query(kConversationsOpen, {host}, [&](const Row& r) { out.push_back(read_conversation(r)); });
      return out;
    });
  }

  Task<std::vector<LivechatTransitionRecord>> transitions(std::string host, std::string id) override {
    return engine_.read([host = std::move(host), id = std::move(id)](Connection& db) {
      std::vector<LivechatTransitionRecord> out;
      db.query(kTransitions, {host, id},
               [&](const Row& r) { out.push_back({r.str(0), r.str(1), r.str(2), r.i64(3)}); });
      return out;
    });
  }

  Task<void> put_offer(std::string host, LivechatOfferRecord o) override {
    return engine_.write([host = std::move(host), o = std::move(o)](Connection& db) {
      if (db.exec(kOfferUpdate, {o.conversation, o.consultant, o.state, o.offered_us, o.expires_us, o.decided_us,
                                 host, o.id}) == 0)
        db.exec(kOfferInsert,
                {o.conversation, o.consultant, o.state, o.offered_us, o.expires_us, o.decided_us, host, o.id});
    });
  }

  Task<std::vector<LivechatOfferRecord>> pending_offers(std::string host) override {
    return engine_.read([host = std::move(host)](Connection& db) {
      std::vector<LivechatOfferRecord> out;
      db.query(kOffersPending, {host}, [&](const Row& r) {
        out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.i64(4), r.i64(5), r.i64(6)});
      });
      return out;
    });
  }

  Task<void> add_note(std::string host, LivechatNoteRecord n) override {
    return engine_.write([host = std::move(host), n = std::move(n)](Connection& db) {
      db.exec(kNoteInsert, {host, n.conversation, n.client, n.author, n.text, n.created_us, n.data_class});
    });
  }

  Task<std::vector<LivechatNoteRecord>> notes(std::string host, std::string conversation) override {
    return engine_.read([host = std::move(host), conversation = std::move(conversation)](Connection& db) {
      std::vector<LivechatNoteRecord> out;
      db.query(kNotes, {host, conversation}, [&](const Row& r) {
        out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.i64(4), r.str(5)});
      });
      return out;
    });
  }

  Task<void> set_tag(std::string host, std::string conversation, std::string tag, std::string author,
                     bool present) override {
    return engine_.write([host = std::move(host), conversation = std::move(conversation), tag = std::move(tag),
                          author = std::move(author), present](Connection& db) {
      db.exec(kTagDelete, {host, conversation, tag});
      if (present) db.exec(kTagInsert, {host, conversation, tag, author, now_us()});
    });
  }

  Task<std::vector<std::string>> tags(std::string host, std::string conversation) override {
    return engine_.read([host = std::move(host), conversation = std::move(conversation)](Connection& db) {
      std::vector<std::string> out;
      db.query(kTags, {host, conversation}, [&](const Row& r) { out.push_back(r.str(0)); });
      return out;
    });
  }

  Task<void> put_ticket(std::string host, LivechatTicketRecord t) override {
    return engine_.write([host = std::move(host), t = std::move(t)](Connection& db) {
      if (db.exec(kTicketUpdate, {t.queue, t.client, t.state, t.assignee, t.name, t.email, t.question, t.answer,
                                  t.notice_version, t.created_us, t.updated_us, t.data_class, host, t.id}) == 0)
        db.exec(kTicketInsert, {t.queue, t.client, t.state, t.assignee, t.name, t.email, t.question, t.answer,
                                t.notice_version, t.created_us, t.updated_us, t.data_class, host, t.id});
    });
  }

  Task<void> put_callback(std::string host, LivechatCallbackRecord c) override {
    return engine_.write([host = std::move(host), c = std::move(c)](Connection& db) {
      if (db.exec(kCallbackUpdate, {c.queue, c.client, c.state, c.assignee, c.name, c.phone, c.topic,
                                    c.notice_version, c.slot_start_us, c.slot_end_us, c.attempts, c.reminded_us,
                                    c.created_us, c.updated_us, c.data_class, host, c.id}) == 0)
        db.exec(kCallbackInsert, {c.queue, c.client, c.state, c.assignee, c.name, c.phone, c.topic, c.notice_version,
                                  c.slot_start_us, c.slot_end_us, c.attempts, c.reminded_us, c.created_us,
                                  c.updated_us, c.data_class, host, c.id});
    });
  }

  Task<std::vector<LivechatTicketRecord>> open_tickets(std::string host) override {
    return engine_.read([host = std::move(host)](Connection& db) {
      std::vector<LivechatTicketRecord> out;
      db.query(kTicketsOpen, {host}, [&](const Row& r) {
        out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.str(7), r.str(8),
                       r.str(9), r.i64(10), r.i64(11), r.str(12)});
      });
      return out;
    });
  }

  Task<std::vector<LivechatCallbackRecord>> open_callbacks(std::string host) override {
    return engine_.read([host = std::move(host)](Connection& db) {
      std::vector<LivechatCallbackRecord> out;
      db.query(kCallbacksOpen, {host}, [&](const Row& r) {
        out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.str(7), r.str(8),
                       r.i64(9), r.i64(10), r.i64(11), r.i64(12), r.i64(13), r.i64(14), r.str(15)});
      });
      return out;
    });
  }

 private:
  Engine& engine_;
};

}  // namespace

const char* const kLivechatConversationColumns =
    "id, queue, channel, client, token_hash, state, topic, visitor_name, visitor_nick, notice_version, "
    "consultant, created_us, offered_us, answered_us, closed_us, data_class";

LivechatConversationRecord livechat_conversation_from(const Row& r) { return read_conversation(r); }

std::unique_ptr<LivechatStore> make_livechat_store(Engine& engine) {
  return std::make_unique<SqlLivechatStore>(engine);
}

}  // namespace xmppd::storage
