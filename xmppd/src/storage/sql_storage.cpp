// The core stores over SQL: accounts (SCRAM, RFC 5802/7677), rosters with XEP-0237 versions
// (RFC 6121), XEP-0160 offline messages, XEP-0049/0054 XML, XEP-0191 blocking; and the
// migration runner. Reads go to the reader connections, writes to the group-committing writer.
#include "storage/sql_storage.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "storage/migrations.hpp"

namespace xmppd::storage {
namespace {

// The columns shared by find and create, in one order.
#define XMPPD_ACCOUNT_KEYS                                                                 \
  "sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key, sha256_salt, "            \
  "sha256_iterations, sha256_stored_key, sha256_server_key"
#define XMPPD_ACCOUNT_INSERT                                                               \
  "INSERT INTO accounts (host, username, " XMPPD_ACCOUNT_KEYS                              \
  ", created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define XMPPD_ROSTER_COLUMNS                                                               \
  "jid, name, subscription, pending_out, pending_in, preapproved, pending_in_stanza, "     \
  "group_names, hidden"
#define XMPPD_ROSTER_INSERT                                                                \
  "INSERT INTO roster_items (host, user, " XMPPD_ROSTER_COLUMNS                            \
  ", created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define XMPPD_VERSION_INSERT                                                               \
  "INSERT INTO roster_versions (host, user, version, created_us, updated_us) "             \
  "VALUES (?, ?, 1, ?, ?)"
#define XMPPD_XML_INSERT                                                                   \
  "INSERT INTO xml_store (host, user, item_key, xml, created_us, updated_us) "             \
  "VALUES (?, ?, ?, ?, ?, ?)"
#define XMPPD_BLOCK_INSERT "INSERT INTO blocklist (host, user, jid, created_us) VALUES (?, ?, ?, ?)"
#define XMPPD_PEP_NODE_INSERT                                                              \
  "INSERT INTO pep_nodes (host, user, node, access_model, persist_items, max_items, "      \
  "send_last, created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

constexpr const char* kAccountFind =
    "SELECT " XMPPD_ACCOUNT_KEYS " FROM accounts WHERE host = ? AND username = ?";
constexpr const char* kAccountExists = "SELECT 1 FROM accounts WHERE host = ? AND username = ?";
constexpr const char* kAccountUpdate =
    "UPDATE accounts SET sha1_salt = ?, sha1_iterations = ?, sha1_stored_key = ?, "
    "sha1_server_key = ?, sha256_salt = ?, sha256_iterations = ?, sha256_stored_key = ?, "
    "sha256_server_key = ?, updated_us = ? WHERE host = ? AND username = ?";
constexpr const char* kAccountDelete = "DELETE FROM accounts WHERE host = ? AND username = ?";
constexpr const char* kAccountList = "SELECT username FROM accounts WHERE host = ? ORDER BY username";
// What AccountStore::remove deletes with the account (every core table keyed by the user).
constexpr const char* kUserDeletes[] = {
    "DELETE FROM roster_items WHERE host = ? AND user = ?",
    "DELETE FROM roster_versions WHERE host = ? AND user = ?",
    "DELETE FROM offline_messages WHERE host = ? AND user = ?",
    "DELETE FROM xml_store WHERE host = ? AND user = ?",
    "DELETE FROM blocklist WHERE host = ? AND user = ?",
    "DELETE FROM pep_items WHERE host = ? AND user = ?",
    "DELETE FROM pep_nodes WHERE host = ? AND user = ?",
};

// The account's own message archive (rooms it took part in keep theirs).
constexpr const char* kArchiveDelete = "DELETE FROM archive WHERE owner = ?";

constexpr const char* kRosterItems = "SELECT " XMPPD_ROSTER_COLUMNS
                                     " FROM roster_items WHERE host = ? AND user = ? ORDER BY jid";
constexpr const char* kRosterItem =
    "SELECT " XMPPD_ROSTER_COLUMNS " FROM roster_items WHERE host = ? AND user = ? AND jid = ?";
constexpr const char* kRosterDelete =
    "DELETE FROM roster_items WHERE host = ? AND user = ? AND jid = ?";
constexpr const char* kRosterOwners = "SELECT host, user FROM roster_items WHERE jid = ? ORDER BY host, user";
constexpr const char* kRosterVersion =
    "SELECT version FROM roster_versions WHERE host = ? AND user = ?";

constexpr const char* kOfflineInsert =
    "INSERT INTO offline_messages (host, user, stamp_us, xml) VALUES (?, ?, ?, ?)";
constexpr const char* kOfflineList =
    "SELECT id, stamp_us, xml FROM offline_messages WHERE host = ? AND user = ? ORDER BY id";
constexpr const char* kOfflineDelete =
    "DELETE FROM offline_messages WHERE host = ? AND user = ? AND id = ?";
constexpr const char* kOfflineCount =
    "SELECT COUNT(*) FROM offline_messages WHERE host = ? AND user = ?";

constexpr const char* kXmlGet =
    "SELECT xml FROM xml_store WHERE host = ? AND user = ? AND item_key = ?";
constexpr const char* kXmlDelete =
    "DELETE FROM xml_store WHERE host = ? AND user = ? AND item_key = ?";

constexpr const char* kBlockList = "SELECT jid FROM blocklist WHERE host = ? AND user = ? ORDER BY jid";
constexpr const char* kBlockDelete = "DELETE FROM blocklist WHERE host = ? AND user = ? AND jid = ?";
constexpr const char* kBlockDeleteAll = "DELETE FROM blocklist WHERE host = ? AND user = ?";

constexpr const char* kMucRooms =
    "SELECT name, config, subject, subject_nick FROM muc_rooms WHERE host = ? ORDER BY name";
constexpr const char* kMucAffiliations =
    "SELECT room, jid, affiliation FROM muc_affiliations WHERE host = ? ORDER BY room, jid";
constexpr const char* kMucRoomUpdate =
    "UPDATE muc_rooms SET config = ?, subject = ?, subject_nick = ?, updated_us = ? "
    "WHERE host = ? AND name = ?";
constexpr const char* kMucRoomInsert =
    "INSERT INTO muc_rooms (host, name, config, subject, subject_nick, created_us, updated_us) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kMucRoomDelete = "DELETE FROM muc_rooms WHERE host = ? AND name = ?";
constexpr const char* kMucAffiliationsDelete = "DELETE FROM muc_affiliations WHERE host = ? AND room = ?";
constexpr const char* kMucAffiliationInsert =
    "INSERT INTO muc_affiliations (host, room, jid, affiliation) VALUES (?, ?, ?, ?)";

constexpr const char* kSchemaVersionCreate =
    "CREATE TABLE IF NOT EXISTS schema_version (version VARCHAR(255) NOT NULL PRIMARY KEY, "
    "applied_us BIGINT NOT NULL)";
constexpr const char* kSchemaVersions = "SELECT version FROM schema_version";
constexpr const char* kSchemaVersionApplied = "SELECT 1 FROM schema_version WHERE version = ?";
constexpr const char* kSchemaVersionInsert =
    "INSERT INTO schema_version (version, applied_us) VALUES (?, ?)";

std::int64_t as_i64(bool b) { return b ? 1 : 0; }

std::string groups_to_json(const std::vector<std::string>& groups) {
  return nlohmann::json(groups).dump();
}

std::vector<std::string> groups_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    throw StorageError("storage: roster item groups are not a JSON array", false);
  }
  std::vector<std::string> groups;
  for (const auto& g : j) {
    if (g.is_string()) groups.push_back(g.get<std::string>());
  }
  return groups;
}

RosterItem roster_item_from(const Row& r) {
  RosterItem item;
  item.jid = r.str(0);
  item.name = r.str(1);
  auto s = subscription_from_string(r.str(2));
  if (!s) throw StorageError("storage: roster item with subscription '" + r.str(2) + "'", false);
  item.subscription = *s;
  item.pending_out = r.i64(3) != 0;
  item.pending_in = r.i64(4) != 0;
  item.preapproved = r.i64(5) != 0;
  item.pending_in_stanza = r.str(6);
  item.groups = groups_from_json(r.str(7));
  item.hidden = r.i64(8) != 0;
  return item;
}

std::uint64_t bump_roster_version(Connection& c, const Dialect& d, const std::string& host,
                                  const std::string& user) {
  auto now = now_us();
  c.exec(d.roster_version_bump, {host, user, now, now});
  std::uint64_t version = 0;
  c.query(kRosterVersion, {host, user},
          [&](const Row& r) { version = static_cast<std::uint64_t>(r.i64(0)); });
  return version;
}

}  // namespace

const Dialect kSqliteDialect = {
    "sqlite",
    XMPPD_ACCOUNT_INSERT " ON CONFLICT (host, username) DO NOTHING",
    XMPPD_ROSTER_INSERT
    " ON CONFLICT (host, user, jid) DO UPDATE SET name = excluded.name, "
    "subscription = excluded.subscription, pending_out = excluded.pending_out, "
    "pending_in = excluded.pending_in, preapproved = excluded.preapproved, "
    "pending_in_stanza = excluded.pending_in_stanza, group_names = excluded.group_names, "
    "hidden = excluded.hidden, updated_us = excluded.updated_us",
    XMPPD_VERSION_INSERT
    " ON CONFLICT (host, user) DO UPDATE SET version = version + 1, "
    "updated_us = excluded.updated_us",
    XMPPD_XML_INSERT
    " ON CONFLICT (host, user, item_key) DO UPDATE SET xml = excluded.xml, "
    "updated_us = excluded.updated_us",
    XMPPD_BLOCK_INSERT " ON CONFLICT (host, user, jid) DO NOTHING",
    XMPPD_PEP_NODE_INSERT
    " ON CONFLICT (host, user, node) DO UPDATE SET access_model = excluded.access_model, "
    "persist_items = excluded.persist_items, max_items = excluded.max_items, "
    "send_last = excluded.send_last, "
    "updated_us = excluded.updated_us",
};

// ON DUPLICATE KEY UPDATE x = x changes 0 rows ("set to its current values"): the connection
// does not ask for CLIENT_FOUND_ROWS, so this tells a duplicate from an insert.
const Dialect kMariadbDialect = {
    "mariadb",
    XMPPD_ACCOUNT_INSERT " ON DUPLICATE KEY UPDATE host = host",
    XMPPD_ROSTER_INSERT
    " ON DUPLICATE KEY UPDATE name = VALUES(name), subscription = VALUES(subscription), "
    "pending_out = VALUES(pending_out), pending_in = VALUES(pending_in), "
    "preapproved = VALUES(preapproved), pending_in_stanza = VALUES(pending_in_stanza), "
    "group_names = VALUES(group_names), hidden = VALUES(hidden), updated_us = VALUES(updated_us)",
    XMPPD_VERSION_INSERT
    " ON DUPLICATE KEY UPDATE version = version + 1, updated_us = VALUES(updated_us)",
    XMPPD_XML_INSERT " ON DUPLICATE KEY UPDATE xml = VALUES(xml), updated_us = VALUES(updated_us)",
    XMPPD_BLOCK_INSERT " ON DUPLICATE KEY UPDATE jid = jid",
    XMPPD_PEP_NODE_INSERT
    " ON DUPLICATE KEY UPDATE access_model = VALUES(access_model), "
    "persist_items = VALUES(persist_items), max_items = VALUES(max_items), "
    "send_last = VALUES(send_last), "
    "updated_us = VALUES(updated_us)",
};

std::vector<std::string> run_migrations(Connection& c, const Dialect& dialect) {
  const std::string backend = dialect.backend;
  std::vector<const Migration*> mine;
  for (const Migration& m : embedded_migrations()) {
    if (backend == m.backend) mine.push_back(&m);
  }
  std::sort(mine.begin(), mine.end(), [](const Migration* a, const Migration* b) {
    return std::string_view(a->version) < std::string_view(b->version);
  });

  std::set<std::string> applied;
  try {
    c.exec_script(kSchemaVersionCreate);
    c.query(kSchemaVersions, {}, [&](const Row& r) { applied.insert(r.str(0)); });
  } catch (const std::exception& e) {
    throw std::runtime_error("storage: cannot read the schema_version table (" + backend +
                             "): " + e.what());
  }
  for (const std::string& v : applied) {
    bool known = std::any_of(mine.begin(), mine.end(),
                             [&](const Migration* m) { return v == m->version; });
    if (!known) {
      throw std::runtime_error("storage: the database has schema version '" + v +
                               "', which this xmppd does not know: it was migrated by a newer "
                               "xmppd (" + backend + ")");
    }
  }

  std::vector<std::string> done;
  for (const Migration* m : mine) {
    if (applied.count(m->version)) continue;
    try {
      c.begin();
      // Another process may have applied it since we looked (SQLite: we hold the write lock).
      bool already = false;
      c.query(kSchemaVersionApplied, {std::string_view(m->version)},
              [&](const Row&) { already = true; });
      if (!already) {
        c.exec_script(m->sql);
        c.exec(kSchemaVersionInsert, {std::string_view(m->version), now_us()});
      }
      c.commit();
      if (!already) done.emplace_back(m->version);
    } catch (const std::exception& e) {
      c.rollback();
      throw std::runtime_error("storage: migration schema/" + backend + "/" + m->version +
                               ".sql failed: " + e.what());
    }
  }
  return done;
}

class SqlStorage::Accounts final : public AccountStore {
 public:
  Accounts(Engine& e, const Dialect& d) : engine_(e), dialect_(d) {}

  Task<bool> create(const Account& account) override {
    return engine_.write([a = account, sql = dialect_.account_insert](Connection& c) {
      auto now = now_us();
      return c.exec(sql, {a.host, a.username, Blob(a.sha1.salt),
                          std::int64_t{a.sha1.iterations}, Blob(a.sha1.stored_key),
                          Blob(a.sha1.server_key), Blob(a.sha256.salt),
                          std::int64_t{a.sha256.iterations}, Blob(a.sha256.stored_key),
                          Blob(a.sha256.server_key), now, now}) == 1;
    });
  }

  Task<std::optional<Account>> find(std::string host, std::string username) override {
    return engine_.read([host = std::move(host), username = std::move(username)](Connection& c) {
      std::optional<Account> found;
      c.query(kAccountFind, {host, username}, [&](const Row& r) {
        Account a;
        a.host = host;
        a.username = username;
        a.sha1 = {r.str(0), static_cast<std::uint32_t>(r.i64(1)), r.str(2), r.str(3)};
        a.sha256 = {r.str(4), static_cast<std::uint32_t>(r.i64(5)), r.str(6), r.str(7)};
        found = std::move(a);
      });
      return found;
    });
  }

  Task<bool> set_credentials(const Account& account) override {
    return engine_.write([a = account](Connection& c) {
      auto changed = c.exec(
          kAccountUpdate,
          {Blob(a.sha1.salt), std::int64_t{a.sha1.iterations}, Blob(a.sha1.stored_key),
           Blob(a.sha1.server_key), Blob(a.sha256.salt), std::int64_t{a.sha256.iterations},
           Blob(a.sha256.stored_key), Blob(a.sha256.server_key), now_us(), a.host,
           a.username});
      if (changed > 0) return true;
      // MariaDB counts changed rows, not matched ones: same credentials also change 0 rows.
      bool exists = false;
      c.query(kAccountExists, {a.host, a.username}, [&](const Row&) { exists = true; });
      return exists;
    });
  }

  Task<bool> remove(std::string host, std::string username) override {
    return engine_.write([host = std::move(host), username = std::move(username)](Connection& c) {
      bool existed = c.exec(kAccountDelete, {host, username}) > 0;
      for (const char* sql : kUserDeletes) c.exec(sql, {host, username});
      c.exec(kArchiveDelete, {username + "@" + host});
      return existed;
    });
  }

  Task<std::vector<std::string>> list(std::string host) override {
    return engine_.read([host = std::move(host)](Connection& c) {
      std::vector<std::string> names;
      c.query(kAccountList, {host}, [&](const Row& r) { names.push_back(r.str(0)); });
      return names;
    });
  }

 private:
  Engine& engine_;
  const Dialect& dialect_;
};

class SqlStorage::Roster final : public RosterStore {
 public:
  Roster(Engine& e, const Dialect& d) : engine_(e), dialect_(d) {}

  Task<std::vector<RosterItem>> items(std::string host, std::string user) override {
    return engine_.read([host = std::move(host), user = std::move(user)](Connection& c) {
      std::vector<RosterItem> items;
      c.query(kRosterItems, {host, user},
              [&](const Row& r) { items.push_back(roster_item_from(r)); });
      return items;
    });
  }

  Task<std::optional<RosterItem>> item(std::string host, std::string user,
                                       std::string jid) override {
    return engine_.read(
        [host = std::move(host), user = std::move(user), jid = std::move(jid)](Connection& c) {
          std::optional<RosterItem> item;
          c.query(kRosterItem, {host, user, jid}, [&](const Row& r) { item = roster_item_from(r); });
          return item;
        });
  }

  Task<std::uint64_t> put(std::string host, std::string user, RosterItem item) override {
    return engine_.write([host = std::move(host), user = std::move(user), item = std::move(item),
                          &d = dialect_](Connection& c) {
      // subscription='remove' is a request, never a state: the table's CHECK refuses it.
      auto now = now_us();
      c.exec(d.roster_upsert,
             {host, user, item.jid, item.name, to_string(item.subscription),
              as_i64(item.pending_out), as_i64(item.pending_in), as_i64(item.preapproved),
              item.pending_in_stanza, groups_to_json(item.groups), as_i64(item.hidden), now, now});
      return bump_roster_version(c, d, host, user);
    });
  }

  Task<std::uint64_t> remove(std::string host, std::string user, std::string jid) override {
    return engine_.write([host = std::move(host), user = std::move(user), jid = std::move(jid),
                          &d = dialect_](Connection& c) -> std::uint64_t {
      if (c.exec(kRosterDelete, {host, user, jid}) == 0) return 0;
      return bump_roster_version(c, d, host, user);
    });
  }

  Task<std::uint64_t> version(std::string host, std::string user) override {
    return engine_.read([host = std::move(host), user = std::move(user)](Connection& c) {
      std::uint64_t version = 0;
      c.query(kRosterVersion, {host, user},
              [&](const Row& r) { version = static_cast<std::uint64_t>(r.i64(0)); });
      return version;
    });
  }

  Task<std::vector<RosterOwner>> owners_of(std::string jid) override {
    return engine_.read([jid = std::move(jid)](Connection& c) {
      std::vector<RosterOwner> owners;
      c.query(kRosterOwners, {jid}, [&](const Row& r) { owners.push_back({r.str(0), r.str(1)}); });
      return owners;
    });
  }

 private:
  Engine& engine_;
  const Dialect& dialect_;
};

class SqlStorage::Offline final : public OfflineStore {
 public:
  explicit Offline(Engine& e) : engine_(e) {}

  Task<std::int64_t> push(std::string host, std::string user, std::int64_t stamp_us,
                          std::string xml) override {
    return engine_.write([host = std::move(host), user = std::move(user), stamp_us,
                          xml = std::move(xml)](Connection& c) {
      c.exec(kOfflineInsert, {host, user, stamp_us, xml});
      return c.last_insert_id();
    });
  }

  Task<OfflineStored> store(std::string host, std::string user, std::int64_t stamp_us,
                            std::string xml, std::int64_t max_messages) override {
    return engine_.write([host = std::move(host), user = std::move(user), stamp_us,
                          xml = std::move(xml), max_messages](Connection& c) {
      bool exists = false;
      c.query(kAccountExists, {host, user}, [&](const Row&) { exists = true; });
      if (!exists) return OfflineStored::no_account;
      std::int64_t n = 0;
      c.query(kOfflineCount, {host, user}, [&](const Row& r) { n = r.i64(0); });
      if (n >= max_messages) return OfflineStored::full;
      c.exec(kOfflineInsert, {host, user, stamp_us, xml});
      return OfflineStored::stored;
    });
  }

  Task<std::vector<OfflineMessage>> list(std::string host, std::string user) override {
    return engine_.read([host = std::move(host), user = std::move(user)](Connection& c) {
      std::vector<OfflineMessage> messages;
      c.query(kOfflineList, {host, user}, [&](const Row& r) {
        messages.push_back({r.i64(0), r.i64(1), r.str(2)});
      });
      return messages;
    });
  }

  Task<void> remove(std::string host, std::string user, std::vector<std::int64_t> ids) override {
    return engine_.write(
        [host = std::move(host), user = std::move(user), ids = std::move(ids)](Connection& c) {
          for (std::int64_t id : ids) c.exec(kOfflineDelete, {host, user, id});
        });
  }

  Task<std::int64_t> count(std::string host, std::string user) override {
    return engine_.read([host = std::move(host), user = std::move(user)](Connection& c) {
      std::int64_t n = 0;
      c.query(kOfflineCount, {host, user}, [&](const Row& r) { n = r.i64(0); });
      return n;
    });
  }

 private:
  Engine& engine_;
};

class SqlStorage::Xml final : public XmlStore {
 public:
  Xml(Engine& e, const Dialect& d) : engine_(e), dialect_(d) {}

  Task<std::optional<std::string>> get(std::string host, std::string user,
                                      std::string key) override {
    return engine_.read(
        [host = std::move(host), user = std::move(user), key = std::move(key)](Connection& c) {
          std::optional<std::string> xml;
          c.query(kXmlGet, {host, user, key}, [&](const Row& r) { xml = r.str(0); });
          return xml;
        });
  }

  Task<void> set(std::string host, std::string user, std::string key, std::string xml) override {
    return engine_.write([host = std::move(host), user = std::move(user), key = std::move(key),
                          xml = std::move(xml), sql = dialect_.xml_upsert](Connection& c) {
      auto now = now_us();
      c.exec(sql, {host, user, key, xml, now, now});
    });
  }

  Task<void> remove(std::string host, std::string user, std::string key) override {
    return engine_.write(
        [host = std::move(host), user = std::move(user), key = std::move(key)](Connection& c) {
          c.exec(kXmlDelete, {host, user, key});
        });
  }

 private:
  Engine& engine_;
  const Dialect& dialect_;
};

class SqlStorage::Blocks final : public BlockStore {
 public:
  Blocks(Engine& e, const Dialect& d) : engine_(e), dialect_(d) {}

  Task<std::vector<std::string>> list(std::string host, std::string user) override {
    return engine_.read([host = std::move(host), user = std::move(user)](Connection& c) {
      std::vector<std::string> jids;
      c.query(kBlockList, {host, user}, [&](const Row& r) { jids.push_back(r.str(0)); });
      return jids;
    });
  }

  Task<std::vector<std::string>> list_through_outage(std::string host, std::string user) override {
    // Through the writer: its queue is what waits out an outage (engine.hpp).
    return engine_.write([host = std::move(host), user = std::move(user)](Connection& c) {
      std::vector<std::string> jids;
      c.query(kBlockList, {host, user}, [&](const Row& r) { jids.push_back(r.str(0)); });
      return jids;
    });
  }

  Task<void> add(std::string host, std::string user, std::vector<std::string> jids) override {
    return engine_.write([host = std::move(host), user = std::move(user), jids = std::move(jids),
                          sql = dialect_.block_insert](Connection& c) {
      auto now = now_us();
      for (const auto& jid : jids) c.exec(sql, {host, user, jid, now});
    });
  }

  Task<void> remove(std::string host, std::string user, std::vector<std::string> jids) override {
    return engine_.write(
        [host = std::move(host), user = std::move(user), jids = std::move(jids)](Connection& c) {
          if (jids.empty()) {
            c.exec(kBlockDeleteAll, {host, user});
            return;
          }
          for (const auto& jid : jids) c.exec(kBlockDelete, {host, user, jid});
        });
  }

 private:
  Engine& engine_;
  const Dialect& dialect_;
};

class SqlStorage::Muc final : public MucStore {
 public:
  explicit Muc(Engine& e) : engine_(e) {}

  Task<std::vector<MucRoomRecord>> rooms(std::string host) override {
    return engine_.read([host = std::move(host)](Connection& c) {
      std::vector<MucRoomRecord> rooms;
      c.query(kMucRooms, {host}, [&](const Row& r) {
        rooms.push_back({r.str(0), r.str(1), r.str(2), r.str(3), {}});
      });
      // Both lists are ordered by room name: merge them in one pass.
      auto room = rooms.begin();
      c.query(kMucAffiliations, {host}, [&](const Row& r) {
        std::string name = r.str(0);
        while (room != rooms.end() && room->name < name) ++room;
        if (room != rooms.end() && room->name == name) room->affiliations.emplace_back(r.str(1), r.str(2));
      });
      return rooms;
    });
  }

  Task<void> put_room(std::string host, MucRoomRecord room) override {
    return engine_.write([host = std::move(host), room = std::move(room)](Connection& c) {
      auto now = now_us();
      // MariaDB counts changed rows; updated_us always changes, so 0 means "no such room".
      if (c.exec(kMucRoomUpdate, {room.config, room.subject, room.subject_nick, now, host, room.name}) == 0)
        c.exec(kMucRoomInsert, {host, room.name, room.config, room.subject, room.subject_nick, now, now});
      c.exec(kMucAffiliationsDelete, {host, room.name});
      for (const auto& [jid, affiliation] : room.affiliations)
        c.exec(kMucAffiliationInsert, {host, room.name, jid, affiliation});
    });
  }

  Task<void> remove_room(std::string host, std::string name) override {
    return engine_.write([host = std::move(host), name = std::move(name)](Connection& c) {
      c.exec(kMucRoomDelete, {host, name});
      c.exec(kMucAffiliationsDelete, {host, name});
    });
  }

 private:
  Engine& engine_;
};

SqlStorage::SqlStorage(const Dialect& dialect, ConnectionFactory migration_connection,
                       std::unique_ptr<Connection> writer,
                       std::vector<std::unique_ptr<Connection>> readers, Engine::Options options)
    : dialect_(dialect),
      migration_connection_(std::move(migration_connection)),
      engine_(std::move(writer), std::move(readers), options),
      accounts_(std::make_unique<Accounts>(engine_, dialect_)),
      roster_(std::make_unique<Roster>(engine_, dialect_)),
      offline_(std::make_unique<Offline>(engine_)),
      xml_(std::make_unique<Xml>(engine_, dialect_)),
      blocks_(std::make_unique<Blocks>(engine_, dialect_)),
      pep_(make_pep_store(engine_, dialect_)),
      muc_(std::make_unique<Muc>(engine_)),
      livechat_(make_livechat_store(engine_)),
      livechat_clients_(make_livechat_client_store(engine_)),
      livechat_feedback_(make_livechat_feedback_store(engine_)),
      livechat_retention_(make_livechat_retention_store(engine_)),
      uploads_(make_upload_store(engine_)),
      archive_(std::make_unique<SqlArchiveStore>(
          engine_, std::string_view(dialect.backend) == "sqlite" ? SqlBackend::sqlite : SqlBackend::mariadb,
          migration_connection_)) {}

SqlStorage::~SqlStorage() { stop(); }

AccountStore& SqlStorage::accounts() { return *accounts_; }
RosterStore& SqlStorage::roster() { return *roster_; }
OfflineStore& SqlStorage::offline() { return *offline_; }
std::shared_ptr<void> SqlStorage::admit(std::size_t bytes) { return engine_.admit(bytes); }
XmlStore& SqlStorage::xml() { return *xml_; }
BlockStore& SqlStorage::blocks() { return *blocks_; }
PepStore& SqlStorage::pep() { return *pep_; }
UploadStore& SqlStorage::uploads() { return *uploads_; }
MucStore& SqlStorage::muc() { return *muc_; }
LivechatStore& SqlStorage::livechat() { return *livechat_; }
LivechatClientStore& SqlStorage::livechat_clients() { return *livechat_clients_; }
LivechatFeedbackStore& SqlStorage::livechat_feedback() { return *livechat_feedback_; }
LivechatRetentionStore& SqlStorage::livechat_retention() { return *livechat_retention_; }
ArchiveStore& SqlStorage::archive() { return *archive_; }

std::vector<std::string> SqlStorage::migrate() {
  auto c = migration_connection_();
  return run_migrations(*c, dialect_);
}

void SqlStorage::stop() { engine_.stop(); }

}  // namespace xmppd::storage
