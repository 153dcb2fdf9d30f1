-- The statements archive_select (xmppd/src/storage/archive_sql.cpp) makes, with literal values,
-- for EXPLAIN QUERY PLAN on a database the benchmark filled:
--   sqlite3 /tmp/bench-sqlite/bench.sqlite < bench/archive_search/explain-sqlite.sql
.print '-- page: word, 3 of 10 rooms, 20 newest'
EXPLAIN QUERY PLAN SELECT a.id, a.owner, a.with_jid, a.with_resource, a.direction, a.stamp_us, a.xml, a.conversation, a.client, a.queue, a.channel, a.data_class FROM archive a JOIN archive_fts f ON f.rowid = a.id WHERE +a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') AND f.archive_fts MATCH '"fundusze"' ORDER BY f.rowid DESC LIMIT 21;
.print '-- count'
EXPLAIN QUERY PLAN SELECT COUNT(*) FROM archive a JOIN archive_fts f ON f.rowid = a.id WHERE +a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') AND f.archive_fts MATCH '"fundusze"';
.print '-- first index (count before the first id)'
EXPLAIN QUERY PLAN SELECT COUNT(*) FROM archive a JOIN archive_fts f ON f.rowid = a.id WHERE +a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') AND f.archive_fts MATCH '"fundusze"' AND f.rowid < 1700000000500000;
.print '-- page without search, one room (history on join, MAM paging)'
EXPLAIN QUERY PLAN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.id > 1700000000000000 ORDER BY a.id DESC LIMIT 21;
.print '-- page without search, 3 rooms'
EXPLAIN QUERY PLAN SELECT a.id FROM archive a WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') ORDER BY a.id DESC LIMIT 21;
.print '-- with (one nick)'
EXPLAIN QUERY PLAN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.with_jid = 'room0@conference.example.org' AND a.with_resource = 'konsultant1' ORDER BY a.id ASC LIMIT 21;
