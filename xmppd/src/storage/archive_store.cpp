// The message archive over SQL (issue 5; XEP-0313 storage, XEP-0431 search, retention purge).
#include "storage/archive_store.hpp"

#include <algorithm>

#include "xmppd/fold.hpp"
#include "xmppd/log.hpp"

namespace xmppd::storage {
namespace {

constexpr const char* kInsert =
    "INSERT INTO archive (id, owner, with_jid, with_resource, direction, stamp_us, xml, folded, "
    "conversation, client, queue, channel, data_class) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kNewest = "SELECT COALESCE(MAX(id), 0) FROM archive";
// Purged in slices, each its own write: one big DELETE would hold the writer (and every
// other write behind it) for as long as it runs.
constexpr std::int64_t kPurgeSlice = 1000;
constexpr const char* kPurgeSqlite =
    "DELETE FROM archive WHERE id IN (SELECT id FROM archive WHERE data_class = ? AND "
    "stamp_us < ? LIMIT ?)";
constexpr const char* kPurgeMariadb =
    "DELETE FROM archive WHERE data_class = ? AND stamp_us < ? LIMIT ?";
// FTS5 merges its b-trees, so deleted entries leave the index (and the disk).
constexpr const char* kOptimizeSqlite = "INSERT INTO archive_fts (archive_fts) VALUES ('optimize')";
// InnoDB keeps deleted documents' words in its auxiliary tables until OPTIMIZE TABLE, which
// with innodb_optimize_fulltext_only only rebuilds the full-text index. Needs a global
// setting, so a user without that right gets a warning and the words stay until a DBA runs it.
constexpr const char* kOptimizeMariadb =
    "SET GLOBAL innodb_optimize_fulltext_only = ON; OPTIMIZE TABLE archive; "
    "SET GLOBAL innodb_optimize_fulltext_only = OFF";

std::optional<std::string_view> opt(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}
Param param(std::optional<std::string_view> s) { return s ? Param(*s) : Param(nullptr); }

}  // namespace

Task<void> SqlArchiveStore::append(std::vector<ArchiveRecord> records) {
  // Folded in the job, on the writer thread: a batch of hundreds of records through ICU takes
  // tens of milliseconds, which on the I/O thread would hold up every session's stanzas. A job
  // run again after a lost transaction folds again; folding is pure.
  return engine_.write([records = std::move(records)](Connection& c) {
    for (const ArchiveRecord& r : records) {
      c.exec(kInsert, {r.id, r.owner, r.with, r.with_resource, static_cast<std::int64_t>(r.direction),
                       r.stamp_us, r.xml, fold_for_search(r.text), param(opt(r.conversation)),
                       param(opt(r.client)), param(opt(r.queue)), param(opt(r.channel)), r.data_class});
    }
  });
}

// Not coroutines: GCC 12 miscompiles lambdas that capture a coroutine's parameters (the
// captured strings were freed twice), so each returns the engine's awaitable directly.
Task<ArchivePage> SqlArchiveStore::query(ArchiveQuery query) {
  std::string search;
  if (query.fulltext) search = search_expression(parse_search(*query.fulltext), backend_);
  return engine_.read([q = std::move(query), search = std::move(search), backend = backend_](Connection& c) {
    ArchivePage page;
    // Nothing searchable in the text ("*", punctuation): nothing can match.
    if (q.fulltext && search.empty()) {
      if (q.want_count) page.count = 0;
      return page;
    }
    Statement st = archive_select(q, search, backend, ArchiveSelect::page);
    auto params = st.params();
    c.query_params(st.sql, params, [&](const Row& r) { page.records.push_back(archive_record_from(r)); });
    page.complete = page.records.size() <= q.max;
    if (!page.complete) page.records.pop_back();
    if (q.from_end) std::reverse(page.records.begin(), page.records.end());
    if (q.want_count) {
      auto count = [&](const Statement& s) {
        std::int64_t n = 0;
        auto p = s.params();
        c.query_params(s.sql, p, [&](const Row& r) { n = r.i64(0); });
        return n;
      };
      page.count = count(archive_select(q, search, backend, ArchiveSelect::count));
      if (!page.records.empty())
        page.first_index =
            count(archive_select(q, search, backend, ArchiveSelect::before, page.records.front().id));
    }
    return page;
  });
}

Task<std::uint64_t> SqlArchiveStore::purge_slice(std::string data_class, std::int64_t before_us) {
  const char* sql = backend_ == SqlBackend::sqlite ? kPurgeSqlite : kPurgeMariadb;
  return engine_.write([sql, data_class = std::move(data_class), before_us](Connection& c) {
    return c.exec(sql, {data_class, before_us, kPurgeSlice});
  });
}

Task<int> SqlArchiveStore::optimize_index() {
  if (backend_ == SqlBackend::sqlite)
    return engine_.write([](Connection& c) {
      c.exec(kOptimizeSqlite);
      return 0;
    });
  // OPTIMIZE TABLE commits by itself and may take long: on a connection of its own, never in
  // the writer's batch (a reader thread waits for it).
  return engine_.read([factory = side_connection_](Connection&) {
    try {
      factory()->exec_script(kOptimizeMariadb);
    } catch (const std::exception& e) {
      log::warn("archive", "purge: the full-text index was not optimised: ", e.what());
    }
    return 0;
  });
}

Task<std::int64_t> SqlArchiveStore::purge(std::string data_class, std::int64_t before_us) {
  std::int64_t total = 0;
  for (;;) {
    std::uint64_t n = co_await purge_slice(data_class, before_us);
    total += static_cast<std::int64_t>(n);
    if (static_cast<std::int64_t>(n) < kPurgeSlice) break;
  }
  co_await optimize_index();
  co_return total;
}

std::int64_t SqlArchiveStore::newest_id() {
  std::int64_t newest = 0;
  side_connection_()->query(kNewest, {}, [&](const Row& r) { newest = r.i64(0); });
  return newest;
}

}  // namespace xmppd::storage
