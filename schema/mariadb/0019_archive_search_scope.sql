-- Issue 5: the full-text index scopes searches by itself (xmppd/src/storage/archive_sql.hpp).
-- `folded` (what the FULLTEXT index holds) becomes the folded text with '_' as a space, then
-- the tag of the record's archive ("xo_" + 16 hex digits of SHA-256(owner)) and of its livechat
-- queue ("xq_..."), so "+(reader's tags) +words" never matches another archive's rows and the
-- newest matches and the XEP-0059 count need no row. InnoDB's parser keeps '_' inside a word,
-- so a tag is one token that no text can spell. One UPDATE in the migration's transaction
-- (DML, so it commits with the schema_version row: it never runs twice).
UPDATE archive SET folded = CONCAT(REPLACE(folded, '_', ' '), ' xo_', LEFT(SHA2(owner, 256), 16),
  IF(queue IS NULL, '', CONCAT(' xq_', LEFT(SHA2(queue, 256), 16))));
