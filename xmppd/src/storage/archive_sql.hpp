// The SQL of the message archive (issue 5, XEP-0313, XEP-0431) on SQLite (FTS5) and MariaDB
// (InnoDB FULLTEXT): statements built from a query's filters, with their parameters. Every
// statement reads through an index: archive_owner / archive_owner_with / (MariaDB) archive_owner_nick
// (owner, [with, [resource,]] id), archive_queue (queue, id) (livechat staff search), the
// full-text index, or (MariaDB) archive_terms' primary key; the storage contract suite checks
// the plans.
//
// Searches are scoped by the full-text index itself (migration 0019), so it never returns
// another archive's matches; each archive (and livechat queue) has a tag, "xo_" (owner) or
// "xq_" (queue) + 16 hex digits of the SHA-256 of its JID / name:
// - SQLite: the indexed text is the folded text followed by the record's tags, and a search is
//   "(any of the reader's tags) AND (the words)". FTS5 walks doclists in rowid order and skips
//   through them, so the 20 newest matches are the first 20 it yields (ORDER BY rowid DESC
//   LIMIT) and the XEP-0059 count is counted in the index alone, without reading a row.
// - MariaDB: InnoDB FULLTEXT reads the whole posting list of every term of a query, whatever
//   the LIMIT, and MariaDB reads the row of every match, even to count them. So every word is
//   indexed with its archive's tag and its record's time bucket in front
//   ("xo_<hex>_<bucket>_fundusze", bucket = id >> 40, about 12.7 days; a livechat record also
//   with its queue's tag, migration 0024), and a search asks for "+(xo_A_1620_w xo_B_1620_w ...)":
//   the postings read are those of the word in the reader's archives and in the buckets asked
//   for only. The newest page asks for the newest buckets first (archive_bucket_search.hpp).
// Tags contain '_', a word character of both tokenizers (FTS5: tokenchars '_'), which the folded
// text never holds ('_' becomes a space there, and a query's words never contain it), so no
// text can pass for a tag or a tagged word.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "storage/db.hpp"
#include "xmppd/archive.hpp"

namespace xmppd::storage {

enum class SqlBackend { sqlite, mariadb };

// One term of a search: a word, a phrase (several words) or a prefix ("dofin*").
struct SearchTerm {
  std::vector<std::string> words;  // folded
  bool prefix = false;
};
// Folds `text` (fold_for_search) and reads it as terms: "quoted phrases", word*, words.
// Characters other than letters and digits separate words, as the index tokenizers do.
std::vector<SearchTerm> parse_search(std::string_view text);
// The expression for FTS5 MATCH or InnoDB MATCH ... AGAINST (... IN BOOLEAN MODE); every term
// required. Empty when no term is searchable (then nothing matches). InnoDB indexes no word
// shorter than innodb_ft_min_token_size (2): shorter words are left out there.
std::string search_expression(const std::vector<SearchTerm>& terms, SqlBackend backend);

// The tag of an archive (kind 'o': owner) or of a livechat queue (kind 'q') in the index.
std::string archive_search_tag(char kind, std::string_view value);
// The tags of the archives (owner and more_owners) or, when given, the queues a query reads.
std::vector<std::string> archive_search_tags(const ArchiveQuery& q);
// MariaDB: the time bucket of a record in the index (its id is its time in microseconds).
constexpr int kSearchBucketBits = 40;
constexpr std::int64_t search_bucket(std::int64_t id) { return id >> kSearchBucketBits; }
// MariaDB: what the index holds for `word` of the archive (or queue) `tag` in `bucket`.
std::string bucketed_word(const std::string& tag, std::int64_t bucket, std::string_view word);
// What the full-text index holds for a record (the `folded` column), see above.
std::string archive_indexed_text(const ArchiveRecord& record, SqlBackend backend);
// MariaDB: what a batch adds to the archive_terms counters (migrations 0024, 0027): for every
// word of the records' indexed texts (as archive_indexed_text makes them, tagged, joined by
// single spaces), how many of the records hold it, each record once. Words longer than
// innodb_ft_max_token_size (84 characters) are not in the full-text index, so not counted.
// Sorted by word: the order the upsert locks the counters in.
std::map<std::string, std::int64_t> archive_term_counts(const std::vector<std::string>& indexed_texts);
// The search for `terms` within the query's archives (owner and more_owners) or, when given,
// its queues, see above; on MariaDB within `buckets` (no bucket: nothing matches). Empty when
// no term is searchable (then nothing matches).
std::string scoped_search(const ArchiveQuery& q, const std::vector<SearchTerm>& terms, SqlBackend backend,
                          const std::vector<std::int64_t>& buckets = {});

// A statement with the parameters it binds (owning their text).
struct Statement {
  std::string sql;
  std::vector<std::variant<std::int64_t, std::string>> values;
  std::vector<Param> params() const;
};

enum class ArchiveSelect {
  page,    // the records of the page: one more than max, to know whether it is complete
  count,   // how many records the query has (XEP-0059 count), paging ignored
  before,  // how many records of the query come before id `first` (XEP-0059 index)
  // count and before in one statement: COUNT(*) and how many ids are below `first` (with a
  // full-text search, one pass over the index's matches instead of two)
  count_and_before,
};
// `search` is the expression from scoped_search (empty: no full-text filter).
Statement archive_select(const ArchiveQuery& q, const std::string& search, SqlBackend backend,
                         ArchiveSelect what, std::int64_t first = 0);

// The columns archive_select(page) returns, in order.
ArchiveRecord archive_record_from(const Row& r);

}  // namespace xmppd::storage
