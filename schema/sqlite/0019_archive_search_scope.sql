-- Issue 5: the full-text index scopes searches by itself (xmppd/src/storage/archive_sql.hpp).
-- `folded` (what the index holds) becomes the folded text with '_' as a space, then the tag of
-- the record's archive ("xo_" + 16 hex digits of SHA-256(owner)) and of its livechat queue
-- ("xq_..."), so "(reader's tags) AND (words)" never matches another archive's rows and the
-- newest matches and the XEP-0059 count come from the index alone. '_' is a token character
-- (tokenchars '_'), so a tag is one token that no text can spell. The index is rebuilt:
-- its tokenizer changes. xmppd_archive_tag() is registered by xmppd's SQLite connection.
DROP TRIGGER archive_fts_insert;
DROP TRIGGER archive_fts_delete;
DROP TRIGGER archive_fts_update;
DROP TABLE archive_fts;
UPDATE archive SET folded = replace(folded, '_', ' ') || ' ' || xmppd_archive_tag('o', owner) ||
  CASE WHEN queue IS NULL THEN '' ELSE ' ' || xmppd_archive_tag('q', queue) END;
CREATE VIRTUAL TABLE archive_fts USING fts5 (
  folded, content = 'archive', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 0 tokenchars ''_'''
);
INSERT INTO archive_fts (archive_fts) VALUES ('rebuild');
CREATE TRIGGER archive_fts_insert AFTER INSERT ON archive BEGIN
  INSERT INTO archive_fts (rowid, folded) VALUES (new.id, new.folded);
END;
CREATE TRIGGER archive_fts_delete AFTER DELETE ON archive BEGIN
  INSERT INTO archive_fts (archive_fts, rowid, folded) VALUES ('delete', old.id, old.folded);
END;
CREATE TRIGGER archive_fts_update AFTER UPDATE OF folded ON archive BEGIN
  INSERT INTO archive_fts (archive_fts, rowid, folded) VALUES ('delete', old.id, old.folded);
  INSERT INTO archive_fts (rowid, folded) VALUES (new.id, new.folded);
END;
