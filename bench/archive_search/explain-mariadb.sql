-- The statements archive_select (xmppd/src/storage/archive_sql.cpp) makes since migration 0019,
-- with literal values, for EXPLAIN on the database the benchmark filled:
--   mariadb -h 127.0.0.1 -P <port> -u root archive_bench < bench/archive_search/explain-mariadb.sql
-- (every indexed word carries its archive's tag: "xo_" + 16 hex digits of SHA-256 of the room)
SELECT '-- page: word, 3 of 10 rooms, 20 newest' AS step;
EXPLAIN SELECT a.id, a.owner, a.with_jid, a.with_resource, a.direction, a.stamp_us, a.xml, a.conversation, a.client, a.queue, a.channel, a.data_class FROM (SELECT b.id FROM archive b WHERE MATCH (b.folded) AGAINST ('+(xo_23c63c5d29186c72_fundusze xo_6e59fe9589f7158a_fundusze xo_e1073647bfdfc059_fundusze)' IN BOOLEAN MODE) ORDER BY b.id DESC LIMIT 21) m JOIN archive a ON a.id = m.id WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') ORDER BY a.id DESC;
SELECT '-- count (the last page: index = count - page size)' AS step;
EXPLAIN SELECT COUNT(*) FROM archive a WHERE MATCH (a.folded) AGAINST ('+(xo_23c63c5d29186c72_fundusze xo_6e59fe9589f7158a_fundusze xo_e1073647bfdfc059_fundusze)' IN BOOLEAN MODE);
SELECT '-- count and first index in one pass (a page in the middle)' AS step;
EXPLAIN SELECT COUNT(*), COALESCE(SUM(a.id < 1700000000500000), 0) FROM archive a WHERE MATCH (a.folded) AGAINST ('+(xo_23c63c5d29186c72_fundusze xo_6e59fe9589f7158a_fundusze xo_e1073647bfdfc059_fundusze)' IN BOOLEAN MODE);
SELECT '-- page without search, one room (history on join, MAM paging)' AS step;
EXPLAIN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.id > 1700000000000000 ORDER BY a.id DESC LIMIT 21;
SELECT '-- page without search, 3 rooms' AS step;
EXPLAIN SELECT a.id FROM archive a WHERE a.owner IN ('room0@conference.example.org', 'room3@conference.example.org', 'room6@conference.example.org') ORDER BY a.id DESC LIMIT 21;
SELECT '-- with (one nick)' AS step;
EXPLAIN SELECT a.id FROM archive a WHERE a.owner = 'room0@conference.example.org' AND a.with_jid = 'room0@conference.example.org' AND a.with_resource = 'konsultant1' ORDER BY a.id ASC LIMIT 21;
