-- Issue 5: the full-text index scopes searches by itself (xmppd/src/storage/archive_sql.hpp).
-- InnoDB FULLTEXT reads the whole posting list of every term of a query, so the index holds
-- every word with its archive's tag in front ("xo_" + 16 hex digits of SHA-256(owner) + "_" +
-- word) and, for a livechat record, once more with its queue's ("xq_..."). A search for a word
-- in three rooms reads the postings of that word in those rooms only, and never a row to check
-- its room. '_' (a word character for InnoDB) is a space in the folded text first, so no text
-- can spell a tagged word. One UPDATE in the migration's transaction (DML: it commits with the
-- schema_version row, so it never runs twice); the FULLTEXT index follows the new text.
UPDATE archive SET folded = CONCAT(
  REGEXP_REPLACE(REPLACE(folded, '_', ' '), '([^\\s!-/:-@\\[-`{-~]+)',
                 CONCAT('xo_', LEFT(SHA2(owner, 256), 16), '_\\1')),
  IF(queue IS NULL, '', CONCAT(' ',
     REGEXP_REPLACE(REPLACE(folded, '_', ' '), '([^\\s!-/:-@\\[-`{-~]+)',
                    CONCAT('xq_', LEFT(SHA2(queue, 256), 16), '_\\1')))));
