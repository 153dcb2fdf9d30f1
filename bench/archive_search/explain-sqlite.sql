-- The statements archive_select (xmppd/src/storage/archive_sql.cpp) makes since migration 0019,
-- with literal values, for EXPLAIN QUERY PLAN on a database the benchmark filled:
--   sqlite3 /tmp/bench-sqlite/bench.sqlite < bench/archive_search/explain-sqlite.sql
-- (the tags: "xo_" + 16 hex digits of SHA-256 of rooms 0, 3 and 6 of the benchmark)
.print '-- page: word, 3 of 10 rooms, 20 newest'
EXPLAIN QUERY PLAN SELECT a.id, a.owner, a.with_jid, a.with_resource, a.direction, a.stamp_us, a.xml, a.conversation, a.client, a.queue, a.channel, a.data_class FROM archive a JOIN archive_fts f ON f.rowid = a.id WHERE f.archive_fts MATCH '("xo_23c63c5d29186c72" OR "xo_6e59fe9589f7158a" OR "xo_e1073647bfdfc059") AND ("fundusze")' AND +a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') ORDER BY f.rowid DESC LIMIT 21;
.print '-- count (the last page: index = count - page size)'
EXPLAIN QUERY PLAN SELECT COUNT(*) FROM archive_fts WHERE archive_fts MATCH '("xo_23c63c5d29186c72" OR "xo_6e59fe9589f7158a" OR "xo_e1073647bfdfc059") AND ("fundusze")';
.print '-- count and first index in one pass (a page in the middle)'
EXPLAIN QUERY PLAN SELECT COUNT(*), COALESCE(SUM(rowid < 1700000000500000), 0) FROM archive_fts WHERE archive_fts MATCH '("xo_23c63c5d29186c72" OR "xo_6e59fe9589f7158a" OR "xo_e1073647bfdfc059") AND ("fundusze")';
.print '-- page without search, one room (history on join, MAM paging)'
EXPLAIN QUERY PLAN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.id > 1700000000000000 ORDER BY a.id DESC LIMIT 21;
.print '-- page without search, 3 rooms'
EXPLAIN QUERY PLAN SELECT a.id FROM archive a WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') ORDER BY a.id DESC LIMIT 21;
.print '-- with (one nick)'
EXPLAIN QUERY PLAN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.with_jid = 'room0@conference.example.org' AND a.with_resource = 'konsultant1' ORDER BY a.id ASC LIMIT 21;
