// MariaDB full-text search of the archive by time bucket (issue 5, migration 0024).
//
// InnoDB FULLTEXT has no "newest first": it returns every match of a query, and MariaDB reads
// the row of each one, even for COUNT(*). A word in 10 % of a million messages cost 0.27 CPU-s
// a query that way. Since 0024 every indexed word carries its record's bucket (id >> 40, about
// 12.7 days; archive_sql.hpp), and archive_terms counts the records holding each indexed word
// (kept by the archive's writer and by triggers on delete, migrations 0024 and 0027):
// - the page asks for the buckets nearest its end first and widens (twice as many buckets each
//   round; for one word or one prefix, exactly the buckets its counters say hold the rows it
//   still needs) until it has max + 1 rows. Buckets are id ranges, so the rows found in a round
//   all come before (after) those of the next: pages stay exact, without gaps or duplicates;
// - the XEP-0059 count (§2.2) and first index of a one-word search are sums of counters, plus a
//   full-text count in the buckets the query's bounds cut through; exact. A prefix ("fundu*")
//   covers several words, and a record may hold two of them: per archive and bucket, the counter
//   of its most frequent word plus a full-text count of the records holding the prefix without
//   that word (a few, for a prefix led by one word); exact too. Other searches (phrases,
//   several words) are counted by the full-text index, one pass.
#pragma once
#include <cstdint>
#include <vector>

#include "storage/archive_sql.hpp"
#include "storage/db.hpp"
#include "xmppd/archive.hpp"

namespace xmppd::storage {

// The page (and, when asked, the count and index) of a full-text search without `with`.
ArchivePage bucket_search(Connection& c, const ArchiveQuery& q, const std::vector<SearchTerm>& terms);

// The buckets any record of the query's bounds (start, end, after-id, before-id) can be in,
// oldest first: those between the archive's oldest and newest records.
std::vector<std::int64_t> buckets_of_query(Connection& c, const ArchiveQuery& q);

}  // namespace xmppd::storage
