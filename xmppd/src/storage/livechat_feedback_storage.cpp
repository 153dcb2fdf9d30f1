// The livechat service's feedback rows over SQL (modules/livechat/conversation_end.hpp, issues 6
// and 7): ratings and transcript requests of conversations, and consultants' profile consents.
// Upserts are UPDATE-then-INSERT, the same SQL on both backends.
#include "storage/sql_storage.hpp"

namespace xmppd::storage {
namespace {

constexpr const char* kFeedbackUpdate =
    "UPDATE livechat_feedback SET client = ?, email = ?, closed_by = ?, rating = ?, comment = ?, rated_us = ?, "
    "transcript = ?, transcript_us = ?, updated_us = ?, data_class = ? WHERE host = ? AND conversation = ?";
constexpr const char* kFeedbackInsert =
    "INSERT INTO livechat_feedback (client, email, closed_by, rating, comment, rated_us, transcript, transcript_us, "
    "updated_us, data_class, host, conversation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kFeedbackById =
    "SELECT conversation, client, email, closed_by, rating, comment, rated_us, transcript, transcript_us, "
    "data_class FROM livechat_feedback WHERE host = ? AND conversation = ?";
constexpr const char* kClosedSince =
    "SELECT id, queue, channel, client, token_hash, state, topic, visitor_name, visitor_nick, notice_version, "
    "consultant, created_us, offered_us, answered_us, closed_us, data_class FROM livechat_conversations "
    "WHERE host = ? AND state = 'closed' AND closed_us >= ? ORDER BY closed_us, id";
constexpr const char* kConsentUpdate =
    "UPDATE livechat_profile_consents SET granted = ?, changed_us = ? WHERE host = ? AND consultant = ?";
constexpr const char* kConsentInsert =
    "INSERT INTO livechat_profile_consents (granted, changed_us, host, consultant) VALUES (?, ?, ?, ?)";
constexpr const char* kConsentLog =
    "INSERT INTO livechat_profile_consent_log (host, consultant, granted, stamp_us) VALUES (?, ?, ?, ?)";
constexpr const char* kConsents =
    "SELECT consultant, granted, changed_us FROM livechat_profile_consents WHERE host = ? ORDER BY consultant";

class SqlLivechatFeedbackStore final : public LivechatFeedbackStore {
 public:
  explicit SqlLivechatFeedbackStore(Engine& e) : engine_(e) {}

  Task<void> put_feedback(std::string host, LivechatFeedbackRecord f) override {
    return engine_.write([host = std::move(host), f = std::move(f)](Connection& db) {
      auto now = now_us();
      if (db.exec(kFeedbackUpdate, {f.client, f.email, f.closed_by, f.rating, f.comment, f.rated_us, f.transcript,
                                    f.transcript_us, now, f.data_class, host, f.conversation}) == 0)
        db.exec(kFeedbackInsert, {f.client, f.email, f.closed_by, f.rating, f.comment, f.rated_us, f.transcript,
                                  f.transcript_us, now, f.data_class, host, f.conversation});
    });
  }

  Task<std::optional<LivechatFeedbackRecord>> feedback(std::string host, std::string conversation) override {
    return engine_.read([host = std::move(host), conversation = std::move(conversation)](Connection& db) {
      std::optional<LivechatFeedbackRecord> found;
      db.query(kFeedbackById, {host, conversation}, [&](const Row& r) {
        found = LivechatFeedbackRecord{r.str(0), r.str(1), r.str(2), r.str(3), r.i64(4),
                                       r.str(5), r.i64(6), r.str(7), r.i64(8), r.str(9)};
      });
      return found;
    });
  }

  Task<std::vector<LivechatConversationRecord>> closed_since(std::string host, std::int64_t since_us) override {
    return engine_.read([host = std::move(host), since_us](Connection& db) {
      std::vector<LivechatConversationRecord> out;
      db.query(kClosedSince, {host, since_us}, [&](const Row& r) {
        out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.str(7), r.str(8),
                       r.str(9), r.str(10), r.i64(11), r.i64(12), r.i64(13), r.i64(14), r.str(15)});
      });
      return out;
    });
  }

  Task<void> put_consent(std::string host, LivechatConsentRecord c) override {
    return engine_.write([host = std::move(host), c = std::move(c)](Connection& db) {
      std::int64_t granted = c.granted ? 1 : 0;
      if (db.exec(kConsentUpdate, {granted, c.changed_us, host, c.consultant}) == 0)
        db.exec(kConsentInsert, {granted, c.changed_us, host, c.consultant});
      db.exec(kConsentLog, {host, c.consultant, granted, c.changed_us});
    });
  }

  Task<std::vector<LivechatConsentRecord>> consents(std::string host) override {
    return engine_.read([host = std::move(host)](Connection& db) {
      std::vector<LivechatConsentRecord> out;
      db.query(kConsents, {host}, [&](const Row& r) { out.push_back({r.str(0), r.i64(1) != 0, r.i64(2)}); });
      return out;
    });
  }

 private:
  Engine& engine_;
};

}  // namespace

std::unique_ptr<LivechatFeedbackStore> make_livechat_feedback_store(Engine& engine) {
  return std::make_unique<SqlLivechatFeedbackStore>(engine);
}

}  // namespace xmppd::storage
