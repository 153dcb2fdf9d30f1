// MariaDB full-text search by time bucket (issue 5, migration 0024); see the header.
#include "storage/archive_bucket_search.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>

namespace xmppd::storage {
namespace {

// Ids from lo to hi, both included.
struct IdRange {
  std::int64_t lo = 0;
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  bool empty() const { return lo > hi; }
};

// What the form fields allow (start, end, after-id, before-id); paging (RSM) ignored, as the
// XEP-0059 count is of the whole result set.
IdRange form_range(const ArchiveQuery& q) {
  IdRange r;
  if (q.start_us) r.lo = std::max(r.lo, *q.start_us);
  if (q.end_us) r.hi = std::min(r.hi, *q.end_us);
  if (q.after_id) r.lo = std::max(r.lo, *q.after_id + 1);
  if (q.before_id) r.hi = std::min(r.hi, *q.before_id - 1);
  return r;
}

constexpr std::int64_t bucket_first_id(std::int64_t bucket) { return bucket << kSearchBucketBits; }
constexpr std::int64_t bucket_last_id(std::int64_t bucket) { return bucket_first_id(bucket + 1) - 1; }

// A search archive_terms can count: one plain word or one plain prefix (letters and digits, as
// the index splits words), no phrase, no id list.
struct CountedTerm {
  std::string text;
  bool prefix = false;
};

std::optional<CountedTerm> counted_term(const ArchiveQuery& q, const std::vector<SearchTerm>& terms) {
  if (!q.ids.empty() || terms.size() != 1 || terms[0].words.size() != 1) return std::nullopt;
  const std::string& w = terms[0].words[0];
  bool plain = std::all_of(w.begin(), w.end(), [](unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
  });
  if (!plain) return std::nullopt;
  return CountedTerm{w, terms[0].prefix};
}

// What the counters say of one bucket, summed over the query's archives. For a word: its
// records, exact. A prefix covers several words, and a record holding two of them is in both
// counters, so their sum could count it twice. Per archive, the counter of the bucket's most
// frequent word of the prefix (its "main" word) counts its records exactly; when the archive
// holds other words of the prefix in the bucket, the index counts the records holding one of
// them but not the main word (`indexed`), a few for a prefix led by one word.
struct IndexedCell {
  std::string others;     // tagged words, space-separated, or the tagged prefix with '*'
  std::string main_word;  // its records are counted by its counter; empty: none are
};
struct BucketCount {
  std::int64_t least = 0;    // at least this many records hold the term (the page's choice of buckets)
  std::int64_t counted = 0;  // the records the counters count; the index counts those of `indexed`
  std::vector<IndexedCell> indexed;
};
using BucketCounts = std::map<std::int64_t, BucketCount>;

// The counters of a word: one per archive and bucket, looked up by key.
BucketCounts word_counts(Connection& c, const std::vector<std::string>& tags, const std::string& word,
                         const std::vector<std::int64_t>& buckets) {
  Statement st;
  st.sql = "SELECT term, n FROM archive_terms WHERE term IN (";
  std::map<std::string, std::int64_t> bucket_of;
  for (const auto& tag : tags)
    for (std::int64_t b : buckets) {
      std::string term = bucketed_word(tag, b, word);
      st.sql += bucket_of.empty() ? "?" : ", ?";
      st.values.emplace_back(term);
      bucket_of.emplace(std::move(term), b);
    }
  st.sql += ')';
  BucketCounts counts;
  auto params = st.params();
  c.query_params(st.sql, params, [&](const Row& r) {
    auto it = bucket_of.find(r.str(0));
    if (it == bucket_of.end() || r.i64(1) <= 0) return;
    counts[it->second].least += r.i64(1);
    counts[it->second].counted += r.i64(1);
  });
  return counts;
}

// The counters of a prefix: a range of archive_terms' primary key per archive and bucket
// (utf8mb4_bin: "xo_<tag>_<bucket>_fundu" up to, not including, "..._fundv").
BucketCounts prefix_counts(Connection& c, const std::vector<std::string>& tags, const std::string& prefix,
                           const std::vector<std::int64_t>& buckets) {
  Statement st;
  st.sql = "SELECT term, n FROM archive_terms WHERE ";
  // "xo_<tag>_<bucket>_" -> its bucket
  std::map<std::string, std::int64_t, std::less<>> bucket_of;
  for (const auto& tag : tags)
    for (std::int64_t b : buckets) {
      std::string from = bucketed_word(tag, b, prefix);
      std::string to = from;
      ++to.back();  // a letter or digit: the next code point, still ASCII
      st.sql += bucket_of.empty() ? "(term >= ? AND term < ?)" : " OR (term >= ? AND term < ?)";
      st.values.emplace_back(from);
      st.values.emplace_back(to);
      bucket_of.emplace(bucketed_word(tag, b, ""), b);
    }
  // Per archive and bucket: the words of the prefix, the main one with its counter.
  struct Cell {
    std::int64_t top = 0;
    std::string top_term;
    std::vector<std::string> words;
    bool plain = true;
  };
  std::map<std::string, Cell, std::less<>> cells;  // by "xo_<tag>_<bucket>_"
  auto params = st.params();
  c.query_params(st.sql, params, [&](const Row& r) {
    std::int64_t n = r.i64(1);
    if (n <= 0) return;  // no record holds it any more (kept until the purge's optimisation)
    std::string term = r.str(0);
    // The tag is "xo_" + 16 hex digits; the bucket follows it up to the next '_'.
    std::size_t end = term.find('_', 20);
    if (end == std::string::npos) return;
    Cell& cell = cells[term.substr(0, end + 1)];
    // A word InnoDB reads as this same token: letters, digits, '_'. Anything else (what ICU
    // could not fold) the full-text parser may split where archive_terms does not.
    cell.plain = cell.plain && std::all_of(term.begin(), term.end(), [](unsigned char ch) {
                   return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
                 });
    if (n > cell.top) cell.top = n, cell.top_term = term;
    cell.words.push_back(std::move(term));
  });
  BucketCounts counts;
  for (auto& [key, cell] : cells) {
    auto it = bucket_of.find(key);
    if (it == bucket_of.end()) continue;
    BucketCount& bc = counts[it->second];
    bc.least += cell.top;
    if (!cell.plain) {
      bc.indexed.push_back({key + prefix + '*', {}});  // the index counts it all
      continue;
    }
    bc.counted += cell.top;
    if (cell.words.size() == 1) continue;
    // The other words by name: the index reads their postings only, not the main word's
    // matches again (at 1,000,000 messages, 3 rooms: 60 ms instead of 105 ms with "fundu*").
    IndexedCell ic;
    for (const auto& w : cell.words)
      if (w != cell.top_term) ic.others += (ic.others.empty() ? "" : " ") + w;
    ic.main_word = std::move(cell.top_term);
    bc.indexed.push_back(std::move(ic));
  }
  return counts;
}

// The full-text count of `search` in `range` (and the query's id list); with `below`, also how
// many of those ids are below it (COUNT(*) and SUM(id < below) in one pass).
std::pair<std::int64_t, std::int64_t> fulltext_count(Connection& c, const ArchiveQuery& q, const std::string& search,
                                                     IdRange range, std::optional<std::int64_t> below = {}) {
  if (search.empty() || range.empty()) return {0, 0};
  Statement st;
  st.sql = "SELECT COUNT(*)";
  if (below) {
    st.sql += ", COALESCE(SUM(a.id < ?), 0)";
    st.values.emplace_back(*below);
  }
  st.sql += " FROM archive a WHERE MATCH (a.folded) AGAINST (? IN BOOLEAN MODE) AND a.id >= ? AND a.id <= ?";
  st.values.emplace_back(search);
  st.values.emplace_back(range.lo);
  st.values.emplace_back(range.hi);
  if (!q.ids.empty()) {
    st.sql += " AND a.id IN (";
    for (std::size_t i = 0; i < q.ids.size(); ++i) {
      st.sql += i ? ", ?" : "?";
      st.values.emplace_back(q.ids[i]);
    }
    st.sql += ')';
  }
  std::pair<std::int64_t, std::int64_t> out{0, 0};
  auto params = st.params();
  c.query_params(st.sql, params, [&](const Row& r) {
    out.first = r.i64(0);
    if (below) out.second = r.i64(1);
  });
  return out;
}

// The records of a counted term in `range`: counters for the buckets the range covers whole,
// the full-text index for the (at most two) it cuts through. For a prefix, the main words'
// counters plus the records the index finds holding another word of the prefix but not their
// archive's main word ("+(xo_A_b_fundu42 xo_B_b_fundusz ...) -xo_A_b_fundusze -xo_B_b_fundusze"):
// each record is counted once, exact.
std::int64_t counted_in(Connection& c, const ArchiveQuery& q, const std::vector<SearchTerm>& terms,
                        const BucketCounts& counts, IdRange range) {
  if (range.empty()) return 0;
  std::int64_t total = 0;
  std::vector<std::int64_t> cut;
  std::string any_other, no_main_word;
  for (auto it = counts.lower_bound(search_bucket(range.lo)); it != counts.end() && it->first <= search_bucket(range.hi);
       ++it) {
    if (bucket_first_id(it->first) < range.lo || bucket_last_id(it->first) > range.hi) {
      cut.push_back(it->first);
      continue;
    }
    total += it->second.counted;
    for (const IndexedCell& ic : it->second.indexed) {
      any_other += (any_other.empty() ? "" : " ") + ic.others;
      if (!ic.main_word.empty()) no_main_word += " -" + ic.main_word;
    }
  }
  if (!cut.empty()) total += fulltext_count(c, q, scoped_search(q, terms, SqlBackend::mariadb, cut), range).first;
  // A record holds only its own archive's and bucket's tagged words, so excluding every main
  // word excludes exactly the records its own archive's main word's counter counted.
  if (!any_other.empty()) total += fulltext_count(c, q, "+(" + any_other + ")" + no_main_word, range).first;
  return total;
}

}  // namespace

std::vector<std::int64_t> buckets_of_query(Connection& c, const ArchiveQuery& q) {
  IdRange range = form_range(q);
  // The primary key's ends: no row read beyond them.
  bool any = false;
  c.query("SELECT MIN(id), MAX(id) FROM archive", {}, [&](const Row& r) {
    if (r.is_null(0)) return;
    any = true;
    range.lo = std::max(range.lo, r.i64(0));
    range.hi = std::min(range.hi, r.i64(1));
  });
  std::vector<std::int64_t> buckets;
  if (!any || range.empty()) return buckets;
  for (std::int64_t b = search_bucket(range.lo); b <= search_bucket(range.hi); ++b) buckets.push_back(b);
  return buckets;
}

ArchivePage bucket_search(Connection& c, const ArchiveQuery& q, const std::vector<SearchTerm>& terms) {
  ArchivePage page;
  // Nothing searchable in the text ("*", punctuation): nothing can match.
  if (std::none_of(terms.begin(), terms.end(), [](const SearchTerm& t) { return !t.words.empty(); })) {
    if (q.want_count) page.count = 0;
    return page;
  }
  std::vector<std::int64_t> buckets = buckets_of_query(c, q);
  std::optional<CountedTerm> counted = counted_term(q, terms);
  BucketCounts counts;
  if (counted && !buckets.empty())
    counts = counted->prefix ? prefix_counts(c, archive_search_tags(q), counted->text, buckets)
                             : word_counts(c, archive_search_tags(q), counted->text, buckets);

  // The page: the buckets its bounds reach, nearest its end first; for a counted term only
  // those holding it.
  IdRange page_range = form_range(q);
  if (q.page_after) page_range.lo = std::max(page_range.lo, *q.page_after + 1);
  if (q.page_before) page_range.hi = std::min(page_range.hi, *q.page_before - 1);
  std::vector<std::int64_t> order;
  for (std::int64_t b : buckets)
    if (!page_range.empty() && b >= search_bucket(page_range.lo) && b <= search_bucket(page_range.hi) &&
        (!counted || counts.count(b)))
      order.push_back(b);
  if (q.from_end) std::reverse(order.begin(), order.end());
  const std::size_t want = q.max + 1;  // one more than max: is the page complete?
  std::size_t next = 0, round = 1;
  while (page.records.size() < want && next < order.size()) {
    std::vector<std::int64_t> these;
    if (counted) {
      // Enough buckets for the rows still missing, as the counters see them at least (the
      // bounds may cut the last one: then the next round takes more).
      std::int64_t expected = 0;
      while (next < order.size() && expected < static_cast<std::int64_t>(want - page.records.size())) {
        expected += counts[order[next]].least;
        these.push_back(order[next++]);
      }
    } else {
      for (std::size_t i = 0; i < round && next < order.size(); ++i) these.push_back(order[next++]);
      round *= 2;
    }
    ArchiveQuery part = q;
    part.max = want - page.records.size() - 1;
    Statement st = archive_select(part, scoped_search(q, terms, SqlBackend::mariadb, these), SqlBackend::mariadb,
                                  ArchiveSelect::page);
    auto params = st.params();
    c.query_params(st.sql, params, [&](const Row& r) { page.records.push_back(archive_record_from(r)); });
  }
  page.complete = page.records.size() <= q.max;
  if (!page.complete) page.records.pop_back();
  if (q.from_end) std::reverse(page.records.begin(), page.records.end());
  if (!q.want_count) return page;

  // XEP-0059 §2.2: the count of the whole result set, and the index of the page's first item.
  IdRange all = form_range(q);
  auto n = static_cast<std::int64_t>(page.records.size());
  bool first_page = !page.records.empty() && !q.from_end && !q.page_after;
  bool last_page = !page.records.empty() && q.from_end && !q.page_before;
  if (counted) {
    page.count = counted_in(c, q, terms, counts, all);
    if (first_page) page.first_index = 0;
    else if (last_page) page.first_index = std::max<std::int64_t>(0, *page.count - n);
    else if (!page.records.empty()) {
      IdRange before = all;
      before.hi = std::min(before.hi, page.records.front().id - 1);
      page.first_index = counted_in(c, q, terms, counts, before);
    }
    return page;
  }
  std::string search = scoped_search(q, terms, SqlBackend::mariadb, buckets);
  if (page.records.empty() || first_page || last_page) {
    page.count = fulltext_count(c, q, search, all).first;
    if (first_page) page.first_index = 0;
    if (last_page) page.first_index = std::max<std::int64_t>(0, *page.count - n);
  } else {
    auto [count, before] = fulltext_count(c, q, search, all, page.records.front().id);
    page.count = count;
    page.first_index = before;
  }
  return page;
}

}  // namespace xmppd::storage
