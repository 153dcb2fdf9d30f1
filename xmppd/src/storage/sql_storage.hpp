// The stores of xmppd/storage.hpp written once over storage::Connection; the SQL that differs
// between SQLite and MariaDB (upserts) comes from a Dialect.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storage/archive_store.hpp"
#include "storage/db.hpp"
#include "storage/engine.hpp"
#include "xmppd/storage.hpp"

namespace xmppd::storage {

struct Dialect {
  const char* backend;  // "sqlite" | "mariadb": the schema/<backend>/ folder
  // Inserts an account; changes 0 rows when it exists.
  const char* account_insert;
  // Inserts or replaces a roster item (created_us kept on replace).
  const char* roster_upsert;
  // Creates the user's roster version at 1 or raises it by one.
  const char* roster_version_bump;
  const char* xml_upsert;
  // Inserts a blocked JID; nothing when it is there.
  const char* block_insert;
  const char* pep_node_upsert;
};

extern const Dialect kSqliteDialect;
extern const Dialect kMariadbDialect;

// Applies, in version order, the embedded migrations of `dialect.backend` not yet recorded in
// schema_version, each in a transaction where the backend allows it (SQLite: yes; MariaDB: DDL
// commits implicitly, so its migrations are written to be run again). Returns the versions
// applied. Throws std::runtime_error naming the migration that failed.
std::vector<std::string> run_migrations(Connection& c, const Dialect& dialect);

// The XEP-0163 PEP store over `engine` (pep_storage.cpp).
std::unique_ptr<PepStore> make_pep_store(Engine& engine, const Dialect& dialect);
// The livechat service's store over `engine` (livechat_storage.cpp).
std::unique_ptr<LivechatStore> make_livechat_store(Engine& engine);
// A conversation row read with these columns in this order (livechat_storage.cpp), for the
// clients store's history.
extern const char* const kLivechatConversationColumns;
LivechatConversationRecord livechat_conversation_from(const Row& r);
// The livechat clients and audit store over `engine` (livechat_client_storage.cpp).
std::unique_ptr<LivechatClientStore> make_livechat_client_store(Engine& engine);
// Ratings, transcript requests and profile consents (livechat_feedback_storage.cpp).
std::unique_ptr<LivechatFeedbackStore> make_livechat_feedback_store(Engine& engine);
// The retention purge of the livechat rows (livechat_retention_storage.cpp).
std::unique_ptr<LivechatRetentionStore> make_livechat_retention_store(Engine& engine);
// The XEP-0363 upload records over `engine` (upload_storage.cpp).
std::unique_ptr<UploadStore> make_upload_store(Engine& engine);

class SqlStorage final : public Storage {
 public:
  using ConnectionFactory = std::function<std::unique_ptr<Connection>()>;

  SqlStorage(const Dialect& dialect, ConnectionFactory migration_connection,
             std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers,
             Engine::Options options);
  ~SqlStorage() override;

  AccountStore& accounts() override;
  RosterStore& roster() override;
  OfflineStore& offline() override;
  XmlStore& xml() override;
  BlockStore& blocks() override;
  PepStore& pep() override;
  MucStore& muc() override;
  LivechatStore& livechat() override;
  LivechatClientStore& livechat_clients() override;
  LivechatFeedbackStore& livechat_feedback() override;
  LivechatRetentionStore& livechat_retention() override;
  UploadStore& uploads() override;
  ArchiveStore& archive() override;
  std::vector<std::string> migrate() override;
  void stop() override;
  std::shared_ptr<void> admit(std::size_t bytes) override;

  EngineStats stats() const { return engine_.stats(); }

 private:
  class Accounts;
  class Roster;
  class Offline;
  class Xml;
  class Blocks;
  class Pep;
  class Muc;

  const Dialect& dialect_;
  ConnectionFactory migration_connection_;
  Engine engine_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Roster> roster_;
  std::unique_ptr<Offline> offline_;
  std::unique_ptr<Xml> xml_;
  std::unique_ptr<Blocks> blocks_;
  std::unique_ptr<PepStore> pep_;
  std::unique_ptr<Muc> muc_;
  std::unique_ptr<LivechatStore> livechat_;
  std::unique_ptr<LivechatClientStore> livechat_clients_;
  std::unique_ptr<LivechatFeedbackStore> livechat_feedback_;
  std::unique_ptr<LivechatRetentionStore> livechat_retention_;
  std::unique_ptr<UploadStore> uploads_;
  std::unique_ptr<SqlArchiveStore> archive_;
};

}  // namespace xmppd::storage
