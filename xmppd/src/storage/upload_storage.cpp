// The XEP-0363 upload records over SQL (table `uploads`, schema/*/0013_upload_files.sql). The
// quota is checked in the same transaction as the slot's insert, so two concurrent requests
// cannot both slip under it; a slot is claimed by one conditional UPDATE, so it is used once.
#include "storage/sql_storage.hpp"

namespace xmppd::storage {
namespace {

#define XMPPD_UPLOAD_COLUMNS \
  "host, id, owner, filename, content_type, size, token_hash, state, created_us, slot_expires_us, expires_us, client"

constexpr const char* kUsed = "SELECT COALESCE(SUM(size), 0) FROM uploads WHERE host = ? AND owner = ?";
constexpr const char* kInsert =
    "INSERT INTO uploads (" XMPPD_UPLOAD_COLUMNS ", updated_us, data_class) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'upload')";
constexpr const char* kFind = "SELECT " XMPPD_UPLOAD_COLUMNS " FROM uploads WHERE host = ? AND id = ?";
constexpr const char* kClaim =
    "UPDATE uploads SET state = 1, expires_us = ?, updated_us = ? "
    "WHERE host = ? AND id = ? AND state = 0 AND slot_expires_us > ?";
constexpr const char* kSetState = "UPDATE uploads SET state = ?, updated_us = ? WHERE host = ? AND id = ?";
constexpr const char* kDelete = "DELETE FROM uploads WHERE host = ? AND id = ?";
constexpr const char* kOwnedBy =
    "SELECT " XMPPD_UPLOAD_COLUMNS " FROM uploads WHERE host = ? AND owner = ? LIMIT ?";
constexpr const char* kExpired =
    "SELECT " XMPPD_UPLOAD_COLUMNS " FROM uploads WHERE host = ? AND expires_us <= ? ORDER BY expires_us LIMIT ?";

UploadRecord read_record(const Row& r) {
  return UploadRecord{r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.i64(5), r.str(6),
                      static_cast<UploadState>(r.i64(7)), r.i64(8), r.i64(9), r.i64(10), r.str(11)};
}

class SqlUploadStore final : public UploadStore {
 public:
  explicit SqlUploadStore(Engine& e) : engine_(e) {}

  Task<bool> create_slot(UploadRecord s, std::uint64_t quota_bytes) override {
    return engine_.write([s = std::move(s), quota_bytes](Connection& c) {
      std::int64_t used = 0;
      c.query(kUsed, {s.host, s.owner}, [&](const Row& r) { used = r.i64(0); });
      if (s.size < 0 || static_cast<std::uint64_t>(used) + static_cast<std::uint64_t>(s.size) > quota_bytes)
        return false;
      c.exec(kInsert, {s.host, s.id, s.owner, s.filename, s.content_type, s.size, Blob(s.token_hash),
                       static_cast<std::int64_t>(s.state), s.created_us, s.slot_expires_us, s.expires_us, s.client, now_us()});
      return true;
    });
  }

  Task<std::optional<UploadRecord>> find(std::string host, std::string id) override {
    return engine_.read([host = std::move(host), id = std::move(id)](Connection& c) {
      std::optional<UploadRecord> rec;
      c.query(kFind, {host, id}, [&](const Row& r) { rec = read_record(r); });
      return rec;
    });
  }

  Task<bool> claim(std::string host, std::string id, std::int64_t now, std::int64_t expires_us) override {
    return engine_.write([host = std::move(host), id = std::move(id), now, expires_us](Connection& c) {
      return c.exec(kClaim, {expires_us, now_us(), host, id, now}) == 1;
    });
  }

  Task<void> set_state(std::string host, std::string id, UploadState state) override {
    return engine_.write([host = std::move(host), id = std::move(id), state](Connection& c) {
      c.exec(kSetState, {static_cast<std::int64_t>(state), now_us(), host, id});
    });
  }

  Task<void> remove(std::string host, std::string id) override {
    return engine_.write([host = std::move(host), id = std::move(id)](Connection& c) { c.exec(kDelete, {host, id}); });
  }

  Task<std::vector<UploadRecord>> expired(std::string host, std::int64_t now, std::int64_t max) override {
    return engine_.read([host = std::move(host), now, max](Connection& c) {
      std::vector<UploadRecord> out;
      c.query(kExpired, {host, now, max}, [&](const Row& r) { out.push_back(read_record(r)); });
      return out;
    });
  }

  Task<std::vector<UploadRecord>> owned_by(std::string host, std::string owner, std::int64_t max) override {
    return engine_.read([host = std::move(host), owner = std::move(owner), max](Connection& c) {
      std::vector<UploadRecord> out;
      c.query(kOwnedBy, {host, owner, max}, [&](const Row& r) { out.push_back(read_record(r)); });
      return out;
    });
  }

 private:
  Engine& engine_;
};

}  // namespace

std::unique_ptr<UploadStore> make_upload_store(Engine& engine) { return std::make_unique<SqlUploadStore>(engine); }

}  // namespace xmppd::storage
