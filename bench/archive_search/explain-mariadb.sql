-- The statements archive_select (xmppd/src/storage/archive_sql.cpp) makes, with literal values,
-- for EXPLAIN on the database the benchmark filled:
--   mariadb -h 127.0.0.1 -P <port> -u root archive_bench < bench/archive_search/explain-mariadb.sql
SELECT '-- page: word, 3 of 10 rooms, 20 newest' AS step;
EXPLAIN SELECT a.id, a.owner, a.with_jid, a.with_resource, a.direction, a.stamp_us, a.xml, a.conversation, a.client, a.queue, a.channel, a.data_class FROM archive a WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') AND MATCH (a.folded) AGAINST ('+fundusze' IN BOOLEAN MODE) ORDER BY a.id DESC LIMIT 21;
SELECT '-- count' AS step;
EXPLAIN SELECT COUNT(*) FROM archive a WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') AND MATCH (a.folded) AGAINST ('+fundusze' IN BOOLEAN MODE);
SELECT '-- first index (count before the first id)' AS step;
EXPLAIN SELECT COUNT(*) FROM archive a WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') AND MATCH (a.folded) AGAINST ('+fundusze' IN BOOLEAN MODE) AND a.id < 1700000000500000;
SELECT '-- page without search, one room (history on join, MAM paging)' AS step;
EXPLAIN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.id > 1700000000000000 ORDER BY a.id DESC LIMIT 21;
SELECT '-- page without search, 3 rooms' AS step;
EXPLAIN SELECT a.id FROM archive a WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') ORDER BY a.id DESC LIMIT 21;
SELECT '-- with (one nick)' AS step;
EXPLAIN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.with_jid = 'room0@conference.example.org' AND a.with_resource = 'konsultant1' ORDER BY a.id ASC LIMIT 21;
