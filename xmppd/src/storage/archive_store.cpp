// The message archive over SQL (issue 5; XEP-0313 storage, XEP-0431 search, retention purge).
#include "storage/archive_store.hpp"

#include <algorithm>
#include <map>

#include "storage/archive_bucket_search.hpp"
#include "xmppd/log.hpp"

namespace xmppd::storage {
namespace {

constexpr const char* kInsert =
    "INSERT INTO archive (id, owner, with_jid, with_resource, direction, stamp_us, xml, folded, "
    "conversation, client, queue, channel, data_class) VALUES ";
constexpr const char* kInsertRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
// MariaDB: rows per INSERT. One statement per row was a round trip (and a statement's work in
// the server) per message; a few sizes only, so each stays one cached prepared statement.
constexpr std::size_t kInsertChunks[] = {64, 8, 1};

// "head row, row, … tail": a statement of `rows` rows.
std::string multi_row_sql(std::string_view head, std::string_view row, std::size_t rows, std::string_view tail = {}) {
  std::string sql(head);
  for (std::size_t i = 0; i < rows; ++i) (sql += i ? ", " : "") += row;
  return sql += tail;
}

// Rows for the next statement: the largest of `sizes` (descending, ending in 1) within `left`.
template <std::size_t N>
std::size_t next_chunk(std::size_t left, const std::size_t (&sizes)[N]) {
  for (std::size_t size : sizes)
    if (left >= size) return size;
  return 1;
}

// MariaDB: the batch's words added to archive_terms (migration 0027), aggregated per word, in
// the batch's transaction. Before 0027 a trigger did it per record: a JSON_TABLE split and one
// upsert per word of every record, three times mariadbd's CPU for archive writes at 1,000,000
// messages. Rows per statement as for the records: a few sizes, each one cached statement.
constexpr std::size_t kTermChunks[] = {256, 32, 4, 1};

void add_term_counts(Connection& c, const std::map<std::string, std::int64_t>& counts) {
  auto it = counts.begin();
  std::size_t left = counts.size();
  std::vector<Param> params;
  while (left > 0) {
    std::size_t rows = next_chunk(left, kTermChunks);
    params.clear();
    for (std::size_t i = 0; i < rows; ++i, ++it) {
      params.emplace_back(std::string_view(it->first));
      params.emplace_back(it->second);
    }
    c.exec_params(multi_row_sql("INSERT INTO archive_terms (term, n) VALUES ", "(?, ?)", rows,
                                " ON DUPLICATE KEY UPDATE n = n + VALUES(n)"),
                  params);
    left -= rows;
  }
}

constexpr const char* kNewest = "SELECT COALESCE(MAX(id), 0) FROM archive";
// Purged in slices, each its own write: one big DELETE would hold the writer (and every
// other write behind it) for as long as it runs.
constexpr std::int64_t kPurgeSlice = 1000;
// A record of a livechat client under legal hold (migration 0025) stays (DESIGN.md privacy).
#define XMPPD_NOT_HELD "(client IS NULL OR client NOT IN (SELECT id FROM livechat_clients WHERE legal_hold = 1))"
// A record covered by an own period (migration 0026) goes by that, not by the host's.
#define XMPPD_NO_OWN_PERIOD                                                                        \
  "NOT EXISTS (SELECT 1 FROM archive_own_periods p WHERE p.owner = archive.owner AND "             \
  "p.data_class = archive.data_class AND p.since_us <= archive.id AND archive.id < p.until_us)"
// Only the host's archives ("…@host"): each host purges with its own period. The suffix is
// compared as text (a LIKE pattern would read '_' in a name as a wildcard).
constexpr const char* kPurgeSqlite =
    "DELETE FROM archive WHERE id IN (SELECT id FROM archive WHERE data_class = ? AND "
    "stamp_us < ? AND substr(owner, -length(?)) = ? AND " XMPPD_NOT_HELD " AND " XMPPD_NO_OWN_PERIOD " LIMIT ?)";
constexpr const char* kPurgeMariadb =
    "DELETE FROM archive WHERE data_class = ? AND stamp_us < ? AND RIGHT(owner, CHAR_LENGTH(?)) = ? AND "
    XMPPD_NOT_HELD " AND " XMPPD_NO_OWN_PERIOD " LIMIT ?";
// The range of one own period, read through archive_owner (owner, id). Ids are reserved before a
// record's stamp is taken, so `id < cut` holds for every record with `stamp_us < cut` but one
// whose id ran ahead of the clock, which then goes at a later run.
constexpr const char* kPurgeOwnSqlite =
    "DELETE FROM archive WHERE id IN (SELECT id FROM archive WHERE owner = ? AND id >= ? AND id < ? AND "
    "data_class = ? AND stamp_us < ? AND " XMPPD_NOT_HELD " LIMIT ?)";
constexpr const char* kPurgeOwnMariadb =
    "DELETE FROM archive WHERE owner = ? AND id >= ? AND id < ? AND data_class = ? AND stamp_us < ? AND "
    XMPPD_NOT_HELD " LIMIT ?";
#undef XMPPD_NO_OWN_PERIOD
#undef XMPPD_NOT_HELD
constexpr std::int64_t kOpen = INT64_MAX;  // until_us of a period that has not ended
constexpr const char* kOwnPeriods =
    "SELECT owner, since_us, until_us, keep_us FROM archive_own_periods WHERE host = ? AND data_class = ?";
constexpr const char* kOwnPeriodSqlite =
    "INSERT INTO archive_own_periods (owner, data_class, since_us, until_us, host, keep_us) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (owner, data_class, since_us) DO UPDATE SET until_us = excluded.until_us, keep_us = excluded.keep_us";
constexpr const char* kOwnPeriodMariadb =
    "INSERT INTO archive_own_periods (owner, data_class, since_us, until_us, host, keep_us) VALUES (?, ?, ?, ?, ?, ?) "
    "ON DUPLICATE KEY UPDATE until_us = VALUES(until_us), keep_us = VALUES(keep_us)";
constexpr const char* kOwnPeriodRemove =
    "DELETE FROM archive_own_periods WHERE owner = ? AND data_class = ? AND since_us = ?";
constexpr const char* kOwnPeriodsEnd = "UPDATE archive_own_periods SET until_us = ? WHERE host = ? AND until_us = ?";
constexpr const char* kOwnPeriodDropEmpty =
    "DELETE FROM archive_own_periods WHERE owner = ? AND data_class = ? AND since_us = ? AND NOT EXISTS "
    "(SELECT 1 FROM archive WHERE owner = ? AND id >= ? AND id < ? AND data_class = ?)";

// What follows the '@' of a bare JID: the host whose purge covers the archive.
std::string_view host_of(const std::string& owner) {
  auto at = owner.find('@');
  return at == std::string::npos ? std::string_view(owner) : std::string_view(owner).substr(at + 1);
}

void write_own_periods(Connection& c, const char* upsert, const std::vector<ArchiveOwnPeriod>& periods) {
  for (const ArchiveOwnPeriod& p : periods) {
    if (!p.keep_us) {
      c.exec(kOwnPeriodRemove, {p.owner, p.data_class, p.since_us});
      continue;
    }
    c.exec(upsert, {p.owner, p.data_class, p.since_us, p.until_us.value_or(kOpen), host_of(p.owner), *p.keep_us});
  }
}

// FTS5 merges its b-trees, so deleted entries leave the index (and the disk).
constexpr const char* kOptimizeSqlite = "INSERT INTO archive_fts (archive_fts) VALUES ('optimize')";
// InnoDB keeps deleted documents' words in its auxiliary tables until OPTIMIZE TABLE, which
// with innodb_optimize_fulltext_only only rebuilds the full-text index. Needs a global
// setting, so a user without that right gets a warning and the words stay until a DBA runs it.
// Counters of words no record holds any more (archive_terms, migration 0024) go with them.
constexpr const char* kOptimizeMariadb =
    "DELETE FROM archive_terms WHERE n <= 0; "
    "SET GLOBAL innodb_optimize_fulltext_only = ON; OPTIMIZE TABLE archive; "
    "SET GLOBAL innodb_optimize_fulltext_only = OFF";

Param param(const std::optional<std::string>& s) { return s ? Param(std::string_view(*s)) : Param(nullptr); }

}  // namespace

Task<void> SqlArchiveStore::append(std::vector<ArchiveRecord> records) {
  // SQLite runs in-process: one row a statement costs no round trip, and keeps one statement.
  bool multi_row = backend_ == SqlBackend::mariadb;
  // Folded in the job, on the writer thread: a batch of hundreds of records through ICU takes
  // tens of milliseconds, which on the I/O thread would hold up every session's stanzas. A job
  // run again after a lost transaction folds again; folding is pure.
  return engine_.write([records = std::move(records), multi_row, backend = backend_](Connection& c) {
    std::vector<std::string> indexed;
    indexed.reserve(records.size());
    for (const ArchiveRecord& r : records) indexed.push_back(archive_indexed_text(r, backend));
    std::size_t at = 0;
    while (at < records.size()) {
      std::size_t rows = multi_row ? next_chunk(records.size() - at, kInsertChunks) : 1;
      std::vector<Param> params;
      params.reserve(rows * 13);
      for (std::size_t i = at; i < at + rows; ++i) {
        const ArchiveRecord& r = records[i];
        for (Param p : {Param(r.id), Param(std::string_view(r.owner)), Param(std::string_view(r.with)),
                        Param(std::string_view(r.with_resource)), Param(static_cast<std::int64_t>(r.direction)),
                        Param(r.stamp_us), Param(std::string_view(r.xml)), Param(std::string_view(indexed[i])),
                        param(r.conversation), param(r.client), param(r.queue),
                        param(r.channel), Param(std::string_view(r.data_class))})
          params.push_back(p);
      }
      c.exec_params(multi_row_sql(kInsert, kInsertRow, rows), params);
      at += rows;
    }
    if (backend == SqlBackend::mariadb) add_term_counts(c, archive_term_counts(indexed));
  });
}

// Not coroutines: GCC 12 miscompiles lambdas that capture a coroutine's parameters (the
// captured strings were freed twice), so each returns the engine's awaitable directly.
Task<ArchivePage> SqlArchiveStore::query(ArchiveQuery query) {
  std::string search;
  std::vector<SearchTerm> terms;
  if (query.fulltext) {
    terms = parse_search(*query.fulltext);
    if (backend_ == SqlBackend::sqlite) search = scoped_search(query, terms, backend_);
  }
  return engine_.read([q = std::move(query), search = std::move(search), terms = std::move(terms),
                       backend = backend_](Connection& c) mutable {
    ArchivePage page;
    // MariaDB: the search names the time buckets to read (migration 0024): without a filter
    // beyond the archives and the time, the page asks for the nearest ones first (its counts
    // come from archive_terms, which knows no `with`, channel or tag); with one, all the
    // buckets the query's bounds reach, counted by the same statement as the page.
    if (backend == SqlBackend::mariadb && q.fulltext) {
      if (!q.with && !q.channel && !q.tag) return bucket_search(c, q, terms);
      search = scoped_search(q, terms, backend, buckets_of_query(c, q));
      if (search.empty()) {
        if (q.want_count) page.count = 0;
        return page;
      }
    }
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
      auto count = [&](const Statement& s, std::int64_t* before = nullptr) {
        std::int64_t n = 0;
        auto p = s.params();
        c.query_params(s.sql, p, [&](const Row& r) {
          n = r.i64(0);
          if (before) *before = r.i64(1);
        });
        return n;
      };
      auto n = static_cast<std::int64_t>(page.records.size());
      if (page.records.empty()) {
        page.count = count(archive_select(q, search, backend, ArchiveSelect::count));
      } else if (!q.from_end && !q.page_after) {
        // The first page: its first record is the first result (XEP-0059 §2.2: index 0).
        page.count = count(archive_select(q, search, backend, ArchiveSelect::count));
        page.first_index = 0;
      } else if (q.from_end && !q.page_before) {
        // The last page (<before/> empty): "count minus the number of items in the last page"
        // (XEP-0059 §2.2), without counting the results before it a second time.
        page.count = count(archive_select(q, search, backend, ArchiveSelect::count));
        page.first_index = std::max<std::int64_t>(0, *page.count - n);
      } else {
        std::int64_t before = 0;
        page.count = count(archive_select(q, search, backend, ArchiveSelect::count_and_before,
                                          page.records.front().id), &before);
        page.first_index = before;
      }
    }
    return page;
  });
}

Task<std::uint64_t> SqlArchiveStore::purge_slice(std::string data_class, std::int64_t before_us,
                                                  std::string owner_suffix) {
  const char* sql = backend_ == SqlBackend::sqlite ? kPurgeSqlite : kPurgeMariadb;
  return engine_.write([sql, data_class = std::move(data_class), before_us, owner_suffix = std::move(owner_suffix)](
                           Connection& c) {
    return c.exec(sql, {data_class, before_us, owner_suffix, owner_suffix, kPurgeSlice});
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

Task<std::vector<ArchiveOwnPeriod>> SqlArchiveStore::own_periods(std::string host, std::string data_class) {
  return engine_.read([host = std::move(host), data_class = std::move(data_class)](Connection& c) {
    std::vector<ArchiveOwnPeriod> out;
    c.query(kOwnPeriods, {host, data_class}, [&](const Row& r) {
      ArchiveOwnPeriod p{r.str(0), data_class, r.i64(1), r.i64(2), r.i64(3)};
      if (*p.until_us == kOpen) p.until_us.reset();
      out.push_back(std::move(p));
    });
    return out;
  });
}

Task<std::uint64_t> SqlArchiveStore::purge_own_slice(ArchiveOwnPeriod p, std::int64_t before_us) {
  const char* sql = backend_ == SqlBackend::sqlite ? kPurgeOwnSqlite : kPurgeOwnMariadb;
  std::int64_t below = std::min(p.until_us.value_or(kOpen), before_us);
  return engine_.write([sql, p = std::move(p), below, before_us](Connection& c) {
    return c.exec(sql, {p.owner, p.since_us, below, p.data_class, before_us, kPurgeSlice});
  });
}

Task<std::uint64_t> SqlArchiveStore::drop_own_period_if_empty(ArchiveOwnPeriod p) {
  return engine_.write([p = std::move(p)](Connection& c) {
    return c.exec(kOwnPeriodDropEmpty,
                  {p.owner, p.data_class, p.since_us, p.owner, p.since_us, *p.until_us, p.data_class});
  });
}

Task<std::int64_t> SqlArchiveStore::purge(ArchivePurge p) {
  std::int64_t total = 0;
  std::string owner_suffix = "@" + p.host;
  for (;;) {
    std::uint64_t n = co_await purge_slice(p.data_class, p.before_us, owner_suffix);
    total += static_cast<std::int64_t>(n);
    if (static_cast<std::int64_t>(n) < kPurgeSlice) break;
  }
  if (p.now_us) {
    // Own periods: few (rooms whose owner chose one), each read by its archive's own index.
    std::vector<ArchiveOwnPeriod> periods = co_await own_periods(p.host, p.data_class);
    for (const ArchiveOwnPeriod& period : periods) {
      std::int64_t keep = std::min(*period.keep_us, p.own_period_max_us);
      if (keep <= 0 || keep >= *p.now_us) continue;  // nothing that old
      std::int64_t cut = *p.now_us - keep;
      for (;;) {
        std::uint64_t n = co_await purge_own_slice(period, cut);
        total += static_cast<std::int64_t>(n);
        if (static_cast<std::int64_t>(n) < kPurgeSlice) break;
      }
      if (period.until_us && *period.until_us <= cut) co_await drop_own_period_if_empty(period);
    }
  }
  // Nothing purged, nothing to drop: OPTIMIZE TABLE rebuilds the whole full-text index.
  if (total > 0) co_await optimize_index();
  co_return total;
}

Task<void> SqlArchiveStore::set_own_periods(std::vector<ArchiveOwnPeriod> periods) {
  const char* upsert = backend_ == SqlBackend::sqlite ? kOwnPeriodSqlite : kOwnPeriodMariadb;
  return engine_.write([upsert, periods = std::move(periods)](Connection& c) { write_own_periods(c, upsert, periods); });
}

Task<void> SqlArchiveStore::reset_own_periods(std::string host, std::int64_t ended_us, std::vector<ArchiveOwnPeriod> open) {
  const char* upsert = backend_ == SqlBackend::sqlite ? kOwnPeriodSqlite : kOwnPeriodMariadb;
  return engine_.write([upsert, host = std::move(host), ended_us, open = std::move(open)](Connection& c) {
    c.exec(kOwnPeriodsEnd, {ended_us, host, kOpen});
    write_own_periods(c, upsert, open);
  });
}

std::int64_t SqlArchiveStore::newest_id() {
  std::int64_t newest = 0;
  side_connection_()->query(kNewest, {}, [&](const Row& r) { newest = r.i64(0); });
  return newest;
}

}  // namespace xmppd::storage
