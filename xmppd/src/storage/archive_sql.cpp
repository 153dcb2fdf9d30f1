// The archive's SQL on both backends (issue 5): search expressions and filtered statements.
#include "storage/archive_sql.hpp"

#include <openssl/sha.h>

#include <algorithm>

#include <cctype>
#include <cstring>
#include <optional>

#include "xmppd/fold.hpp"

namespace xmppd::storage {
namespace {

// After folding, text is ASCII except what ICU could not transliterate: such bytes (>= 0x80)
// belong to words, as unicode61 and InnoDB's parser keep letters of any script.
bool word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    if (word_byte(c)) {
      word.push_back(static_cast<char>(c));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

constexpr const char* kColumns =
    "a.id, a.owner, a.with_jid, a.with_resource, a.direction, a.stamp_us, a.xml, "
    "a.conversation, a.client, a.queue, a.channel, a.data_class";

}  // namespace

std::vector<SearchTerm> parse_search(std::string_view text) {
  // Typographic quotes open and close phrases too; Latin-ASCII would turn „ into ",,".
  std::string quoted(text);
  for (const char* q : {"\u201E", "\u201C", "\u201D", "\u00AB", "\u00BB"}) {
    for (std::size_t at; (at = quoted.find(q)) != std::string::npos;) quoted.replace(at, std::strlen(q), "\"");
  }
  std::string folded = fold_for_search(quoted);
  std::vector<SearchTerm> terms;
  std::size_t i = 0;
  while (i < folded.size()) {
    if (folded[i] == '"') {
      std::size_t end = folded.find('"', i + 1);
      if (end == std::string::npos) end = folded.size();
      SearchTerm t{words_of(std::string_view(folded).substr(i + 1, end - i - 1)), false};
      if (!t.words.empty()) terms.push_back(std::move(t));
      i = end + 1;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(folded[i]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < folded.size() && !std::isspace(static_cast<unsigned char>(folded[end])) && folded[end] != '"') ++end;
    std::string_view token = std::string_view(folded).substr(i, end - i);
    bool prefix = token.back() == '*';
    // "e-mail" is one term of two words (a phrase), as the index saw it.
    SearchTerm t{words_of(token), prefix};
    if (!t.words.empty()) terms.push_back(std::move(t));
    i = end;
  }
  return terms;
}

std::string search_expression(const std::vector<SearchTerm>& terms, SqlBackend backend) {
  std::string out;
  for (const SearchTerm& t : terms) {
    std::vector<std::string> words;
    for (const auto& w : t.words)
      if (backend == SqlBackend::sqlite || w.size() >= 2) words.push_back(w);
    if (words.empty()) continue;
    std::string joined;
    for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
    // Words are letters and digits only, so quoting them needs no escaping.
    if (backend == SqlBackend::sqlite) {
      if (!out.empty()) out += " AND ";
      out += '"' + joined + '"';
      if (t.prefix) out += '*';
    } else {
      if (!out.empty()) out += ' ';
      if (words.size() > 1) out += "+\"" + joined + '"';
      else out += '+' + joined + (t.prefix ? "*" : "");
    }
  }
  return out;
}

std::string archive_search_tag(char kind, std::string_view value) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest);
  static const char hex[] = "0123456789abcdef";
  // 64 bits: a collision of two archives' tags is negligible, and even then the page checks
  // each row's owner, so it could only hide a row, never show another archive's.
  std::string tag = {'x', kind, '_'};
  for (int i = 0; i < 8; ++i) {
    tag += hex[digest[i] >> 4];
    tag += hex[digest[i] & 0xf];
  }
  return tag;
}

std::string archive_indexed_text(const ArchiveRecord& record, SqlBackend backend) {
  std::string folded = fold_for_search(record.text);
  std::string owner_tag = archive_search_tag('o', record.owner);
  std::optional<std::string> queue_tag;
  if (record.queue) queue_tag = archive_search_tag('q', *record.queue);
  std::string text;
  if (backend == SqlBackend::sqlite) {
    text = std::move(folded);
    std::replace(text.begin(), text.end(), '_', ' ');
    text += ' ' + owner_tag;
    if (queue_tag) text += ' ' + *queue_tag;
    return text;
  }
  // The words as parse_search reads a query ('_' and punctuation separate them), each tagged,
  // joined by single spaces (the archive_terms triggers of migration 0024 split on them).
  std::vector<std::string> words = words_of(folded);
  std::int64_t bucket = search_bucket(record.id);
  for (const std::string* tag : {&owner_tag, queue_tag ? &*queue_tag : nullptr}) {
    if (!tag) continue;
    for (const auto& w : words) {
      if (!text.empty()) text += ' ';
      text += bucketed_word(*tag, bucket, w);
    }
  }
  return text;
}

std::map<std::string, std::int64_t> archive_term_counts(const std::vector<std::string>& indexed_texts) {
  constexpr std::size_t kMaxTokenChars = 84;  // innodb_ft_max_token_size
  std::map<std::string, std::int64_t> counts;
  std::vector<std::string_view> words;
  for (const std::string& text : indexed_texts) {
    words.clear();
    std::string_view rest(text);
    while (!rest.empty()) {
      std::size_t end = rest.find(' ');
      std::string_view w = rest.substr(0, end);
      // In characters, as InnoDB counts them: UTF-8 continuation bytes do not start one.
      auto chars = static_cast<std::size_t>(std::count_if(
          w.begin(), w.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
      if (chars >= 1 && chars <= kMaxTokenChars) words.push_back(w);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    // A record holding a word twice counts once.
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    for (std::string_view w : words) ++counts[std::string(w)];
  }
  return counts;
}

std::vector<std::string> archive_search_tags(const ArchiveQuery& q) {
  std::vector<std::string> tags;
  if (!q.queues.empty()) {
    for (const auto& name : q.queues) tags.push_back(archive_search_tag('q', name));
  } else {
    tags.push_back(archive_search_tag('o', q.owner));
    for (const auto& o : q.more_owners) tags.push_back(archive_search_tag('o', o));
  }
  return tags;
}

std::string bucketed_word(const std::string& tag, std::int64_t bucket, std::string_view word) {
  return tag + '_' + std::to_string(bucket) + '_' + std::string(word);
}

std::string scoped_search(const ArchiveQuery& q, const std::vector<SearchTerm>& terms, SqlBackend backend,
                          const std::vector<std::int64_t>& buckets) {
  std::vector<std::string> tags = archive_search_tags(q);
  if (backend == SqlBackend::sqlite) {
    std::string search = search_expression(terms, backend);
    if (search.empty()) return search;
    std::string any;
    for (const auto& t : tags) any += (any.empty() ? "\"" : " OR \"") + t + '"';
    // AND binds tighter than OR in FTS5, hence the parentheses.
    return "(" + any + ") AND (" + search + ")";
  }
  // InnoDB boolean mode: "+(a b)" is "a or b, required"; every term required. Tagged words are
  // long enough for innodb_ft_min_token_size whatever the word, so one-letter words count too.
  // A phrase's words are in the same record, so in the same archive and bucket.
  if (buckets.empty()) return {};
  std::string out;
  for (const SearchTerm& t : terms) {
    if (t.words.empty()) continue;
    std::string any;
    for (const auto& tag : tags)
      for (std::int64_t bucket : buckets) {
        std::string one;
        for (const auto& w : t.words) one += (one.empty() ? "" : " ") + bucketed_word(tag, bucket, w);
        if (t.words.size() > 1) one = '"' + one + '"';
        else if (t.prefix) one += '*';
        any += (any.empty() ? "" : " ") + one;
      }
    out += (out.empty() ? "+(" : " +(") + any + ')';
  }
  return out;
}

std::vector<Param> Statement::params() const {
  std::vector<Param> out;
  out.reserve(values.size());
  for (const auto& v : values) {
    if (auto* i = std::get_if<std::int64_t>(&v)) out.emplace_back(*i);
    else out.emplace_back(std::string_view(std::get<std::string>(v)));
  }
  return out;
}

namespace {

// The bounds of a query on ids (`id`: the column), in the order their values are bound.
// The id is the record's time in microseconds (xmppd/archive.hpp): a time range is an id range.
void add_bounds(Statement& st, const ArchiveQuery& q, const std::string& id, ArchiveSelect what, std::int64_t first) {
  auto bound = [&](const char* op, std::int64_t v) {
    st.sql += " AND " + id + ' ' + op + " ?";
    st.values.emplace_back(v);
  };
  if (q.start_us) bound(">=", *q.start_us);
  if (q.end_us) bound("<=", *q.end_us);
  if (q.after_id) bound(">", *q.after_id);
  if (q.before_id) bound("<", *q.before_id);
  if (!q.ids.empty()) {
    st.sql += " AND " + id + " IN (";
    for (std::size_t i = 0; i < q.ids.size(); ++i) {
      st.sql += i ? ", ?" : "?";
      st.values.emplace_back(q.ids[i]);
    }
    st.sql += ')';
  }
  if (what == ArchiveSelect::before) bound("<", first);
  if (what != ArchiveSelect::page) return;
  if (q.page_after) bound(">", *q.page_after);
  if (q.page_before) bound("<", *q.page_before);
}

// "a.owner IN (?, ...)" or "a.queue IN (...)": which archives (or queues) the query reads.
void add_scope(Statement& st, const ArchiveQuery& q, const std::string& owner_column, const std::string& queue_column) {
  if (!q.queues.empty()) {
    st.sql += queue_column + " IN (?";
    for (std::size_t i = 1; i < q.queues.size(); ++i) st.sql += ", ?";
    st.sql += ')';
    for (const auto& name : q.queues) st.values.emplace_back(name);
    return;
  }
  if (q.more_owners.empty()) {
    st.sql += owner_column + " = ?";
  } else {
    st.sql += owner_column + " IN (?";
    for (std::size_t i = 0; i < q.more_owners.size(); ++i) st.sql += ", ?";
    st.sql += ')';
  }
  st.values.emplace_back(q.owner);
  for (const auto& o : q.more_owners) st.values.emplace_back(o);
}

// "SELECT COUNT(*)" or "SELECT COUNT(*), COALESCE(SUM(id < ?), 0)".
void add_counts(Statement& st, const std::string& id, ArchiveSelect what, std::int64_t first) {
  st.sql = "SELECT COUNT(*)";
  if (what == ArchiveSelect::count_and_before) {
    st.sql += ", COALESCE(SUM(" + id + " < ?), 0)";
    st.values.emplace_back(first);
  }
}

// A scoped search without `with`: the full-text index alone answers which ids match (the
// scope is in the search), so counts never read a row and the page reads only its own rows.
Statement index_select(const ArchiveQuery& q, const std::string& search, SqlBackend backend, ArchiveSelect what,
                       std::int64_t first) {
  Statement st;
  bool sqlite = backend == SqlBackend::sqlite;
  if (what != ArchiveSelect::page) {
    // FTS5: a count over the virtual table alone walks the doclists, never the archive table.
    // InnoDB: COUNT(*) over FULLTEXT matches; `a.id` is the primary key, in every index entry.
    std::string id = sqlite ? "rowid" : "a.id";
    add_counts(st, id, what, first);
    st.sql += sqlite ? " FROM archive_fts WHERE archive_fts MATCH ?" : " FROM archive a WHERE MATCH (a.folded) AGAINST (? IN BOOLEAN MODE)";
    st.values.emplace_back(search);
    add_bounds(st, q, id, what, first);
    return st;
  }
  const char* order = q.from_end ? " DESC" : " ASC";
  if (sqlite) {
    // FTS5 drives: matches in rowid order, the first max + 1 of them, each joined to its row
    // by the primary key. The scope check on the row only confirms what the tags selected.
    st.sql = std::string("SELECT ") + kColumns + " FROM archive a JOIN archive_fts f ON f.rowid = a.id WHERE f.archive_fts MATCH ?";
    st.values.emplace_back(search);
    add_bounds(st, q, "f.rowid", what, first);
    st.sql += " AND ";
    add_scope(st, q, "+a.owner", "+a.queue");
    st.sql += std::string(" ORDER BY f.rowid") + order + " LIMIT ?";
  } else {
    // InnoDB: the ids of the matches (from the index, no row read) sorted, then the rows of the
    // first max + 1 only. Matching rows in the outer WHERE would read every match's row.
    st.sql = std::string("SELECT ") + kColumns +
             " FROM (SELECT b.id FROM archive b WHERE MATCH (b.folded) AGAINST (? IN BOOLEAN MODE)";
    st.values.emplace_back(search);
    add_bounds(st, q, "b.id", what, first);
    st.sql += std::string(" ORDER BY b.id") + order + " LIMIT ?) m JOIN archive a ON a.id = m.id WHERE ";
    st.values.emplace_back(static_cast<std::int64_t>(q.max) + 1);
    add_scope(st, q, "a.owner", "a.queue");
    st.sql += std::string(" ORDER BY a.id") + order;
    return st;
  }
  st.values.emplace_back(static_cast<std::int64_t>(q.max) + 1);
  return st;
}

}  // namespace

Statement archive_select(const ArchiveQuery& q, const std::string& search, SqlBackend backend,
                         ArchiveSelect what, std::int64_t first) {
  bool fts = !search.empty();
  // The index alone cannot say a record's sender, channel or conversation's tags: those read rows.
  if (fts && !q.with && !q.channel && !q.tag) return index_select(q, search, backend, what, first);
  Statement st;
  bool sqlite_fts = fts && backend == SqlBackend::sqlite;
  // With FTS5, ids are compared and ordered on the index's rowid, so the index returns them in
  // order and within bounds instead of a sort over every match.
  std::string id = sqlite_fts ? "f.rowid" : "a.id";
  std::string& sql = st.sql;
  if (what == ArchiveSelect::page) sql = std::string("SELECT ") + kColumns;
  else add_counts(st, id, what, first);
  // A tag: the tagged conversations drive (livechat_tags (host, tag); its primary key holds a
  // conversation once per tag, so no record comes twice), then their records by conversation.
  // The join order is forced: started from the archive, a semi-join would scan it.
  sql += !q.tag ? " FROM archive a"
        : backend == SqlBackend::sqlite ? " FROM livechat_tags t CROSS JOIN archive a"
                                         : " FROM livechat_tags t STRAIGHT_JOIN archive a";
  // By queue without words: through archive_queue (queue, id). Left alone, both planners prefer
  // walking the primary key in id order to skip the sort — a scan of the whole archive when the
  // queues hold few of its rows (the storage contract suite checks the plans).
  // A staff search filter narrows it further through its own index (migration 0023): a tag by
  // the tagged conversations' records, `with` and a channel within each queue.
  if (!q.queues.empty() && !fts) {
    const char* index = q.tag ? "archive_conversation"
                        : q.with ? "archive_queue_with"
                        : q.channel ? "archive_queue_channel"
                                    : "archive_queue";
    sql += backend == SqlBackend::sqlite ? std::string(" INDEXED BY ") + index : std::string(" FORCE INDEX (") + index + ")";
  }
  if (q.tag) {
    sql += " ON a.conversation = t.conversation AND t.host = ? AND t.tag = ?";
    st.values.emplace_back(q.owner);
    st.values.emplace_back(*q.tag);
  }
  if (sqlite_fts) sql += " JOIN archive_fts f ON f.rowid = a.id";
  // With FTS5 the search drives (matches in id order, each checked against the archive's primary
  // key); "+" keeps SQLite from driving by the owner index instead and probing the search index
  // once per row of the archive (measured: 0.6 s instead of 30 ms for a count at 100,000 rows).
  sql += " WHERE ";
  add_scope(st, q, sqlite_fts ? "+a.owner" : "a.owner", sqlite_fts ? "+a.queue" : "a.queue");
  if (fts) {
    sql += sqlite_fts ? " AND f.archive_fts MATCH ?" : " AND MATCH (a.folded) AGAINST (? IN BOOLEAN MODE)";
    st.values.emplace_back(search);
  }
  if (q.with) {
    sql += " AND a.with_jid = ?";
    st.values.emplace_back(*q.with);
    if (q.with_resource) {
      sql += " AND a.with_resource = ?";
      st.values.emplace_back(*q.with_resource);
    }
  }
  if (q.channel) {
    sql += " AND a.channel = ?";
    st.values.emplace_back(*q.channel);
  }
  add_bounds(st, q, id, what, first);
  if (what != ArchiveSelect::page) return st;
  sql += " ORDER BY " + id + (q.from_end ? " DESC" : " ASC") + " LIMIT ?";
  st.values.emplace_back(static_cast<std::int64_t>(q.max) + 1);
  return st;
}

ArchiveRecord archive_record_from(const Row& r) {
  ArchiveRecord rec;
  rec.id = r.i64(0);
  rec.owner = r.str(1);
  rec.with = r.str(2);
  rec.with_resource = r.str(3);
  rec.direction = static_cast<ArchiveDirection>(r.i64(4));
  rec.stamp_us = r.i64(5);
  rec.xml = r.str(6);
  auto opt = [&](int c) { return r.is_null(c) ? std::nullopt : std::optional<std::string>(r.str(c)); };
  rec.conversation = opt(7);
  rec.client = opt(8);
  rec.queue = opt(9);
  rec.channel = opt(10);
  rec.data_class = r.str(11);
  return rec;
}

}  // namespace xmppd::storage
