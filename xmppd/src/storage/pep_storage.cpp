// The XEP-0163 PEP store over SQL: node configurations (XEP-0060 §16.4 pubsub#node_config
// fields we keep) and items in publication order, with the per-account quota checked in the
// same transaction as the write, so two concurrent publishes cannot both slip under it.
#include <algorithm>

#include "storage/sql_storage.hpp"

namespace xmppd::storage {
namespace {

constexpr const char* kNodes =
    "SELECT node, access_model, persist_items, max_items, send_last FROM pep_nodes WHERE host = ? AND user = ? "
    "ORDER BY node";
constexpr const char* kNode =
    "SELECT access_model, persist_items, max_items, send_last FROM pep_nodes WHERE host = ? AND user = ? AND node = ?";
constexpr const char* kNodeDelete = "DELETE FROM pep_nodes WHERE host = ? AND user = ? AND node = ?";
constexpr const char* kNodeItemsDelete = "DELETE FROM pep_items WHERE host = ? AND user = ? AND node = ?";
constexpr const char* kAccountSize = "SELECT COALESCE(SUM(size), 0) FROM pep_items WHERE host = ? AND user = ?";
constexpr const char* kItemSize =
    "SELECT size FROM pep_items WHERE host = ? AND user = ? AND node = ? AND item_id = ?";
constexpr const char* kItemDelete = "DELETE FROM pep_items WHERE host = ? AND user = ? AND node = ? AND item_id = ?";
constexpr const char* kItemInsert =
    "INSERT INTO pep_items (host, user, node, item_id, xml, size, created_us) VALUES (?, ?, ?, ?, ?, ?, ?)";
// The id of the newest item beyond which older ones are dropped (LIMIT 1 OFFSET max_items - 1).
constexpr const char* kTrimCutoff =
    "SELECT id FROM pep_items WHERE host = ? AND user = ? AND node = ? ORDER BY id DESC LIMIT 1 OFFSET ?";
constexpr const char* kTrim = "DELETE FROM pep_items WHERE host = ? AND user = ? AND node = ? AND id < ?";
constexpr const char* kItemsNewest =
    "SELECT id, item_id, xml, created_us FROM pep_items WHERE host = ? AND user = ? AND node = ? "
    "ORDER BY id DESC LIMIT ?";
constexpr const char* kItemById =
    "SELECT id, item_id, xml, created_us FROM pep_items WHERE host = ? AND user = ? AND node = ? AND item_id = ?";

std::optional<PepNodeConfig> read_node(Connection& c, const std::string& host, const std::string& user,
                                       const std::string& node) {
  std::optional<PepNodeConfig> config;
  c.query(kNode, {host, user, node}, [&](const Row& r) {
    config = PepNodeConfig{r.str(0), r.i64(1) != 0, r.i64(2), r.i64(3) != 0};
  });
  return config;
}

void write_node(Connection& c, const Dialect& d, const std::string& host, const std::string& user,
                const std::string& node, const PepNodeConfig& config) {
  auto now = now_us();
  c.exec(d.pep_node_upsert, {host, user, node, config.access_model, std::int64_t{config.persist_items ? 1 : 0},
                             config.max_items, std::int64_t{config.send_last ? 1 : 0}, now, now});
}

void trim(Connection& c, const std::string& host, const std::string& user, const std::string& node,
          const PepNodeConfig& config) {
  if (!config.persist_items) {
    c.exec(kNodeItemsDelete, {host, user, node});
    return;
  }
  if (config.max_items <= 0) return;
  std::optional<std::int64_t> cutoff;
  c.query(kTrimCutoff, {host, user, node, config.max_items - 1}, [&](const Row& r) { cutoff = r.i64(0); });
  if (cutoff) c.exec(kTrim, {host, user, node, *cutoff});
}

class SqlPepStore final : public PepStore {
 public:
  SqlPepStore(Engine& e, const Dialect& d) : engine_(e), dialect_(d) {}

  Task<std::vector<PepNode>> nodes(std::string host, std::string user) override {
    return engine_.read([host = std::move(host), user = std::move(user)](Connection& c) {
      std::vector<PepNode> nodes;
      c.query(kNodes, {host, user}, [&](const Row& r) {
        nodes.push_back({r.str(0), PepNodeConfig{r.str(1), r.i64(2) != 0, r.i64(3), r.i64(4) != 0}});
      });
      return nodes;
    });
  }

  Task<std::optional<PepNodeConfig>> node(std::string host, std::string user, std::string node) override {
    return engine_.read([host = std::move(host), user = std::move(user), node = std::move(node)](Connection& c) {
      return read_node(c, host, user, node);
    });
  }

  Task<void> put_node(std::string host, std::string user, std::string node, PepNodeConfig config) override {
    return engine_.write([host = std::move(host), user = std::move(user), node = std::move(node),
                          config = std::move(config), &d = dialect_](Connection& c) {
      write_node(c, d, host, user, node, config);
      trim(c, host, user, node, config);
    });
  }

  Task<bool> publish(std::string host, std::string user, std::string node, PepNodeConfig config, PepItem item,
                     std::uint64_t quota_bytes) override {
    return engine_.write([host = std::move(host), user = std::move(user), node = std::move(node),
                          config = std::move(config), item = std::move(item), quota_bytes,
                          &d = dialect_](Connection& c) {
      auto stored = read_node(c, host, user, node);
      if (!stored) write_node(c, d, host, user, node, config);
      const PepNodeConfig& effective = stored ? *stored : config;
      if (!effective.persist_items) return true;  // a transient node keeps nothing
      std::int64_t used = 0, replaced = 0;
      c.query(kAccountSize, {host, user}, [&](const Row& r) { used = r.i64(0); });
      c.query(kItemSize, {host, user, node, item.id}, [&](const Row& r) { replaced = r.i64(0); });
      auto size = static_cast<std::int64_t>(item.xml.size());
      if (static_cast<std::uint64_t>(used - replaced + size) > quota_bytes) return false;
      c.exec(kItemDelete, {host, user, node, item.id});
      c.exec(kItemInsert, {host, user, node, item.id, item.xml, size, item.stamp_us});
      trim(c, host, user, node, effective);
      return true;
    });
  }

  Task<std::vector<PepItem>> items(std::string host, std::string user, std::string node,
                                   std::vector<std::string> ids, std::int64_t max) override {
    return engine_.read([host = std::move(host), user = std::move(user), node = std::move(node),
                         ids = std::move(ids), max](Connection& c) {
      std::vector<std::pair<std::int64_t, PepItem>> rows;
      auto take = [&](const Row& r) { rows.push_back({r.i64(0), PepItem{r.str(1), r.str(2), r.i64(3)}}); };
      if (ids.empty()) {
        c.query(kItemsNewest, {host, user, node, max > 0 ? max : INT64_MAX}, take);
      } else {
        for (const auto& id : ids) c.query(kItemById, {host, user, node, id}, take);
        std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        if (max > 0 && rows.size() > static_cast<std::size_t>(max)) rows.resize(static_cast<std::size_t>(max));
      }
      std::vector<PepItem> items;
      for (auto& [seq, item] : rows) items.push_back(std::move(item));
      return items;
    });
  }

  Task<bool> retract(std::string host, std::string user, std::string node, std::string id) override {
    return engine_.write([host = std::move(host), user = std::move(user), node = std::move(node),
                          id = std::move(id)](Connection& c) { return c.exec(kItemDelete, {host, user, node, id}) > 0; });
  }

  Task<bool> remove_node(std::string host, std::string user, std::string node) override {
    return engine_.write([host = std::move(host), user = std::move(user), node = std::move(node)](Connection& c) {
      c.exec(kNodeItemsDelete, {host, user, node});
      return c.exec(kNodeDelete, {host, user, node}) > 0;
    });
  }

 private:
  Engine& engine_;
  const Dialect& dialect_;
};

}  // namespace

std::unique_ptr<PepStore> make_pep_store(Engine& engine, const Dialect& dialect) {
  return std::make_unique<SqlPepStore>(engine, dialect);
}

}  // namespace xmppd::storage
