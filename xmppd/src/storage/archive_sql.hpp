// The SQL of the message archive (issue 5, XEP-0313, XEP-0431) on SQLite (FTS5) and MariaDB
// (InnoDB FULLTEXT): statements built from a query's filters, with their parameters. Every
// statement reads through an index: archive_owner / archive_owner_with (owner, [with,] id),
// archive_queue (queue, id) (livechat staff search) or
// the full-text index; the storage contract suite checks the plans.
#pragma once
#include <cstdint>
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
};
// `search` is the expression from search_expression (empty: no full-text filter).
Statement archive_select(const ArchiveQuery& q, const std::string& search, SqlBackend backend,
                         ArchiveSelect what, std::int64_t first = 0);

// The columns archive_select(page) returns, in order.
ArchiveRecord archive_record_from(const Row& r);

}  // namespace xmppd::storage
