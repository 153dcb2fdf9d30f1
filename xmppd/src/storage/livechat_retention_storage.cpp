// Retention of the livechat service's rows over SQL (DESIGN.md privacy; the job is
// modules/livechat/retention.cpp). Each kind is one write of at most `max` records: the ids past
// their cut-off are read in the write (through the retention indexes of migrations 0012–0016),
// then deleted one by one with everything that belongs to them, so the writer is never held by
// one long DELETE and the same SQL runs on both backends (MariaDB refuses LIMIT in an IN
// subquery). A client under legal hold (migration 0025) keeps all of its records.
#include <span>
#include <string>
#include <vector>

#include "storage/sql_storage.hpp"

namespace xmppd::storage {
namespace {

// The clients under legal hold, as a filter on a `client` column.
#define XMPPD_NOT_HELD "client NOT IN (SELECT id FROM livechat_clients WHERE legal_hold = 1 AND host = ?)"

constexpr const char* kConversationsPast =
    "SELECT id FROM livechat_conversations WHERE data_class = 'livechat_conversation' AND closed_us < ? "
    "AND state = 'closed' AND host = ? AND " XMPPD_NOT_HELD " ORDER BY closed_us LIMIT ?";
constexpr const char* kConversationParts[] = {
    "DELETE FROM livechat_transitions WHERE host = ? AND conversation = ?",
    "DELETE FROM livechat_offers WHERE host = ? AND conversation = ?",
    "DELETE FROM livechat_notes WHERE host = ? AND conversation = ?",
    "DELETE FROM livechat_tags WHERE host = ? AND conversation = ?",
    "DELETE FROM livechat_feedback WHERE host = ? AND conversation = ?",
    "DELETE FROM livechat_conversations WHERE host = ? AND id = ?",
};
constexpr const char* kTicketsPast =
    "SELECT id FROM livechat_tickets WHERE data_class = 'livechat_ticket' AND updated_us < ? "
    "AND state IN ('answered', 'closed') AND host = ? AND " XMPPD_NOT_HELD " ORDER BY updated_us LIMIT ?";
constexpr const char* kTicketDelete = "DELETE FROM livechat_tickets WHERE host = ? AND id = ?";
constexpr const char* kCallbacksPast =
    "SELECT id FROM livechat_callbacks WHERE data_class = 'livechat_callback' AND updated_us < ? "
    "AND state IN ('done', 'no_answer', 'cancelled') AND host = ? AND " XMPPD_NOT_HELD
    " ORDER BY updated_us LIMIT ?";
constexpr const char* kCallbackDelete = "DELETE FROM livechat_callbacks WHERE host = ? AND id = ?";
constexpr const char* kAuditPast =
    "SELECT id FROM livechat_audit WHERE data_class = 'audit' AND stamp_us < ? AND host = ? AND " XMPPD_NOT_HELD
    " ORDER BY stamp_us LIMIT ?";
constexpr const char* kAuditDelete = "DELETE FROM livechat_audit WHERE host = ? AND id = ?";
// A client goes only when nothing of it is left: its conversations, tickets and callbacks have
// their own periods, and their purge comes first in the same run.
constexpr const char* kClientsPast =
    "SELECT k.id FROM livechat_clients k WHERE k.data_class = 'livechat_client' AND k.last_seen_us < ? "
    "AND k.host = ? AND k.legal_hold = 0 "
    "AND NOT EXISTS (SELECT 1 FROM livechat_conversations c WHERE c.host = k.host AND c.client = k.id) "
    "AND NOT EXISTS (SELECT 1 FROM livechat_tickets t WHERE t.host = k.host AND t.client = k.id) "
    "AND NOT EXISTS (SELECT 1 FROM livechat_callbacks b WHERE b.host = k.host AND b.client = k.id) "
    "ORDER BY k.last_seen_us LIMIT ?";
constexpr const char* kClientParts[] = {
    "DELETE FROM livechat_client_keys WHERE host = ? AND client = ?",
    "DELETE FROM livechat_client_notes WHERE host = ? AND client = ?",
    "DELETE FROM livechat_clients WHERE host = ? AND id = ?",
};

#undef XMPPD_NOT_HELD

// The ids past the cut-off: the held filter takes the host a second time.
std::vector<std::string> past(Connection& db, const char* sql, std::int64_t cutoff, const std::string& host,
                              std::int64_t max, bool held_filter) {
  std::vector<std::string> ids;
  auto collect = [&](const Row& r) { ids.push_back(r.str(0)); };
  if (held_filter) db.query(sql, {cutoff, host, host, max}, collect);
  else db.query(sql, {cutoff, host, max}, collect);
  return ids;
}

class SqlLivechatRetentionStore final : public LivechatRetentionStore {
 public:
  explicit SqlLivechatRetentionStore(Engine& e) : engine_(e) {}

  Task<LivechatPurged> purge(std::string host, LivechatRetentionCutoffs cut, std::int64_t max) override {
    LivechatPurged n;
    n.conversations = co_await remove(host, kConversationsPast, cut.conversations_us, max, true, kConversationParts);
    n.tickets = co_await remove(host, kTicketsPast, cut.tickets_us, max, true, {&kTicketDelete, 1});
    n.callbacks = co_await remove(host, kCallbacksPast, cut.callbacks_us, max, true, {&kCallbackDelete, 1});
    n.audit = co_await remove(host, kAuditPast, cut.audit_us, max, true, {&kAuditDelete, 1});
    n.clients = co_await remove(host, kClientsPast, cut.clients_us, max, false, kClientParts);
    co_return n;
  }

 private:
  // One write: the ids past the cut-off, then each statement of `parts` for each id (host, id).
  Task<std::int64_t> remove(std::string host, const char* select, std::int64_t cutoff, std::int64_t max,
                            bool held_filter, std::span<const char* const> parts) {
    return engine_.write([host = std::move(host), select, cutoff, max, held_filter, parts](Connection& db) {
      auto ids = past(db, select, cutoff, host, max, held_filter);
      for (const auto& id : ids)
        for (const char* sql : parts) db.exec(sql, {host, id});
      return static_cast<std::int64_t>(ids.size());
    });
  }

  Engine& engine_;
};

}  // namespace

std::unique_ptr<LivechatRetentionStore> make_livechat_retention_store(Engine& engine) {
  return std::make_unique<SqlLivechatRetentionStore>(engine);
}

}  // namespace xmppd::storage
