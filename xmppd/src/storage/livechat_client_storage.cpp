// The livechat service's clients, their keys and notes, and the audit of staff reads, over SQL
// (schema/*/0015_livechat_clients.sql, 0016_livechat_audit.sql; issue 6). The same SQL on both
// backends; every read goes through an index on (host, client, …).
#include "storage/sql_storage.hpp"

namespace xmppd::storage {
namespace {

constexpr const char* kKeyLookup =
    "SELECT client FROM livechat_client_keys WHERE host = ? AND kind = ? AND key_hash = ?";
constexpr const char* kKeyInsert =
    "INSERT INTO livechat_client_keys (host, kind, key_hash, client, created_us) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kClientInsert =
    "INSERT INTO livechat_clients (host, id, created_us, last_seen_us, data_class) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kClientSeen = "UPDATE livechat_clients SET last_seen_us = ? WHERE host = ? AND id = ?";
constexpr const char* kClientById =
    "SELECT id, created_us, last_seen_us, data_class, legal_hold FROM livechat_clients WHERE host = ? AND id = ?";
constexpr const char* kClientHold = "UPDATE livechat_clients SET legal_hold = ? WHERE host = ? AND id = ?";
constexpr const char* kClientExists = "SELECT 1 FROM livechat_clients WHERE host = ? AND id = ?";
constexpr const char* kTicketsOf =
    "SELECT id, queue, client, state, assignee, name, email, question, answer, notice_version, created_us, "
    "updated_us, data_class FROM livechat_tickets WHERE host = ? AND client = ? ORDER BY id";
constexpr const char* kCallbacksOf =
    "SELECT id, queue, client, state, assignee, name, phone, topic, notice_version, slot_start_us, slot_end_us, "
    "attempts, reminded_us, created_us, updated_us, data_class FROM livechat_callbacks "
    "WHERE host = ? AND client = ? ORDER BY id";
constexpr const char* kNoteInsert =
    "INSERT INTO livechat_client_notes (host, client, author, text, created_us, data_class) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kNotes =
    "SELECT client, author, text, created_us, data_class FROM livechat_client_notes "
    "WHERE host = ? AND client = ? ORDER BY id";
constexpr const char* kAuditInsert =
    "INSERT INTO livechat_audit (host, actor, action, client, stamp_us, data_class) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kAuditOf =
    "SELECT actor, action, client, stamp_us, data_class FROM livechat_audit WHERE host = ? AND client = ? ORDER BY id";

class SqlLivechatClientStore final : public LivechatClientStore {
 public:
  explicit SqlLivechatClientStore(Engine& e) : engine_(e) {}

  Task<std::string> link(std::string host, std::vector<LivechatClientKey> keys, LivechatClientRecord fresh) override {
    return engine_.write([host = std::move(host), keys = std::move(keys), fresh = std::move(fresh)](Connection& db) {
      // Client ids are time-ordered, so the smallest one found is the oldest client.
      std::string found;
      std::vector<const LivechatClientKey*> unknown;
      for (const auto& k : keys) {
        std::string client;
        db.query(kKeyLookup, {host, k.kind, k.hash}, [&](const Row& r) { client = r.str(0); });
        if (client.empty()) unknown.push_back(&k);
        else if (found.empty() || client < found) found = client;
      }
      if (found.empty()) {
        found = fresh.id;
        db.exec(kClientInsert, {host, fresh.id, fresh.created_us, fresh.last_seen_us, fresh.data_class});
      } else {
        db.exec(kClientSeen, {fresh.last_seen_us, host, found});
      }
      for (const auto* k : unknown) db.exec(kKeyInsert, {host, k->kind, k->hash, found, fresh.last_seen_us});
      return found;
    });
  }

  Task<std::optional<LivechatClientRecord>> client(std::string host, std::string id) override {
    return engine_.read([host = std::move(host), id = std::move(id)](Connection& db) {
      std::optional<LivechatClientRecord> out;
      db.query(kClientById, {host, id},
               [&](const Row& r) { out = LivechatClientRecord{r.str(0), r.i64(1), r.i64(2), r.str(3), r.i64(4) != 0}; });
      return out;
    });
  }

  Task<std::vector<LivechatConversationRecord>> conversations_of(std::string host, std::string client) override {
    return engine_.read([host = std::move(host), client = std::move(client)](Connection& db) {
      std::vector<LivechatConversationRecord> out;
      std::string sql = std::string("SELECT ") + kLivechatConversationColumns +
                        " FROM livechat_conversations WHERE host = ? AND client = ? ORDER BY id";
      db.query(sql, {host, client}, [&](const Row& r) { out.push_back(livechat_conversation_from(r)); });
      return out;
    });
  }

  Task<std::vector<LivechatTicketRecord>> tickets_of(std::string host, std::string client) override {
    return engine_.read([host = std::move(host), client = std::move(client)](Connection& db) {
      std::vector<LivechatTicketRecord> out;
      db.query(kTicketsOf, {host, client}, [&](const Row& r) {
        out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.str(7), r.str(8),
                       r.str(9), r.i64(10), r.i64(11), r.str(12)});
      });
      return out;
    });
  }

  Task<std::vector<LivechatCallbackRecord>> callbacks_of(std::string host, std::string client) override {
    return engine_.read([host = std::move(host), client = std::move(client)](Connection& db) {
      std::vector<LivechatCallbackRecord> out;
      db.query(kCallbacksOf, {host, client}, [&](const Row& r) {
        out.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.str(7), r.str(8),
                       r.i64(9), r.i64(10), r.i64(11), r.i64(12), r.i64(13), r.i64(14), r.str(15)});
      });
      return out;
    });
  }

  Task<void> add_note(std::string host, LivechatClientNoteRecord n) override {
    return engine_.write([host = std::move(host), n = std::move(n)](Connection& db) {
      db.exec(kNoteInsert, {host, n.client, n.author, n.text, n.created_us, n.data_class});
    });
  }

  Task<std::vector<LivechatClientNoteRecord>> notes(std::string host, std::string client) override {
    return engine_.read([host = std::move(host), client = std::move(client)](Connection& db) {
      std::vector<LivechatClientNoteRecord> out;
      db.query(kNotes, {host, client},
               [&](const Row& r) { out.push_back({r.str(0), r.str(1), r.str(2), r.i64(3), r.str(4)}); });
      return out;
    });
  }

  Task<void> audit(std::string host, LivechatAuditRecord a) override {
    return engine_.write([host = std::move(host), a = std::move(a)](Connection& db) {
      db.exec(kAuditInsert, {host, a.actor, a.action, a.client, a.stamp_us, a.data_class});
    });
  }

  Task<std::vector<LivechatAuditRecord>> audit_of(std::string host, std::string client) override {
    return engine_.read([host = std::move(host), client = std::move(client)](Connection& db) {
      std::vector<LivechatAuditRecord> out;
      db.query(kAuditOf, {host, client},
               [&](const Row& r) { out.push_back({r.str(0), r.str(1), r.str(2), r.i64(3), r.str(4)}); });
      return out;
    });
  }

  Task<bool> set_legal_hold(std::string host, std::string client, bool held) override {
    return engine_.write([host = std::move(host), client = std::move(client), held](Connection& db) {
      // MariaDB counts only changed rows, so setting the hold twice would look like "no such
      // client": existence is its own question.
      bool exists = false;
      db.query(kClientExists, {host, client}, [&](const Row&) { exists = true; });
      if (exists) db.exec(kClientHold, {std::int64_t{held ? 1 : 0}, host, client});
      return exists;
    });
  }

 private:
  Engine& engine_;
};

}  // namespace

std::unique_ptr<LivechatClientStore> make_livechat_client_store(Engine& engine) {
  return std::make_unique<SqlLivechatClientStore>(engine);
}

}  // namespace xmppd::storage
