-- Issue 5: a search for a frequent word costs what its first page and its count need, not one
-- row read per match (xmppd/src/storage/archive_bucket_search.hpp).
-- 1. Every indexed word also carries the time bucket of its record: "xo_<tag>_<bucket>_word",
--    bucket = id >> 40 (the id is the time in microseconds: 2^40 us, about 12.7 days). The
--    newest page asks for the newest buckets first and widens only until it has its rows.
-- 2. archive_terms counts, for every indexed word, the records that hold it (each record once),
--    kept by triggers in the transaction that writes the record, whoever writes or deletes it:
--    the XEP-0059 count of a one-word search is a sum of a few counters, exact.
-- 3. archive_owner_nick (owner, with_jid, with_resource, id): MAM `with` = one occupant's full
--    JID in a room reads a range instead of filtering the room's records by nick.
-- DDL commits by itself in MariaDB, so it comes first and can run again (IF NOT EXISTS, OR
-- REPLACE); the UPDATE (DML) commits with the schema_version row, so it never runs twice.
CREATE TABLE IF NOT EXISTS archive_terms (
  term VARCHAR(84) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (term)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- `folded` is the record's tagged words joined by single spaces (words are letters and digits,
-- tags add '_'), so it reads as a JSON array once the spaces are '","'. Words longer than
-- innodb_ft_max_token_size (84) are not in the full-text index, so they are not counted either.
CREATE OR REPLACE TRIGGER archive_terms_insert AFTER INSERT ON archive FOR EACH ROW
  INSERT INTO archive_terms (term, n)
  SELECT DISTINCT j.term, 1
  FROM JSON_TABLE(CONCAT('["', REPLACE(NEW.folded, ' ', '","'), '"]'), '$[*]'
                  COLUMNS (term VARCHAR(255) PATH '$')) j
  WHERE CHAR_LENGTH(j.term) BETWEEN 1 AND 84
  ON DUPLICATE KEY UPDATE n = n + 1;
CREATE OR REPLACE TRIGGER archive_terms_delete AFTER DELETE ON archive FOR EACH ROW
  UPDATE archive_terms t
  JOIN (SELECT DISTINCT j.term
        FROM JSON_TABLE(CONCAT('["', REPLACE(OLD.folded, ' ', '","'), '"]'), '$[*]'
                        COLUMNS (term VARCHAR(255) PATH '$')) j) w ON t.term = w.term
  SET t.n = t.n - 1;
-- An update of `folded` (this migration's) counts the old words out and the new ones in; two
-- one-statement triggers (no compound statement, so any client can run this file).
-- The old text may still be as 0019 left it (punctuation, tabs): made single-spaced first.
CREATE OR REPLACE TRIGGER archive_terms_update_old AFTER UPDATE ON archive FOR EACH ROW
  UPDATE archive_terms t
  JOIN (SELECT DISTINCT j.term
        FROM JSON_TABLE(CONCAT('["', REPLACE(TRIM(REGEXP_REPLACE(OLD.folded, '[\\x00-\\x20!-/:-@\\[-^`{-~]+', ' ')),
                                             ' ', '","'), '"]'), '$[*]'
                        COLUMNS (term VARCHAR(255) PATH '$')) j) w ON t.term = w.term
  SET t.n = t.n - 1
  WHERE NOT (NEW.folded <=> OLD.folded);
CREATE OR REPLACE TRIGGER archive_terms_update_new AFTER UPDATE ON archive FOR EACH ROW
  FOLLOWS archive_terms_update_old
  INSERT INTO archive_terms (term, n)
  SELECT DISTINCT j.term, 1
  FROM JSON_TABLE(CONCAT('["', REPLACE(NEW.folded, ' ', '","'), '"]'), '$[*]'
                  COLUMNS (term VARCHAR(255) PATH '$')) j
  WHERE CHAR_LENGTH(j.term) BETWEEN 1 AND 84 AND NOT (NEW.folded <=> OLD.folded)
  ON DUPLICATE KEY UPDATE n = n + 1;
ALTER TABLE archive ADD INDEX IF NOT EXISTS archive_owner_nick (owner, with_jid, with_resource, id);
-- Existing records: the words as migration 0019 left them (with the text's punctuation between
-- them) become single-space-separated, each tag gains the record's bucket, and the update
-- trigger above counts them into archive_terms. One UPDATE; the FULLTEXT index follows.
UPDATE archive SET folded = REPLACE(REPLACE(
    TRIM(REGEXP_REPLACE(folded, '[\\x00-\\x20!-/:-@\\[-^`{-~]+', ' ')),
    CONCAT('xo_', LEFT(SHA2(owner, 256), 16), '_'),
    CONCAT('xo_', LEFT(SHA2(owner, 256), 16), '_', id >> 40, '_')),
  COALESCE(CONCAT('xq_', LEFT(SHA2(queue, 256), 16), '_'), ''),
  COALESCE(CONCAT('xq_', LEFT(SHA2(queue, 256), 16), '_', id >> 40, '_'), ''));
