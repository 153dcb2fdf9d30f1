-- Issue 5: the one message archive (XEP-0313), keyed by the XEP-0359 stanza id (time-ordered,
-- assigned by xmppd, committed in id order), with its full-text index (XEP-0431).
-- `folded` is the text after xmppd's own folding (ICU Any-Latin; Latin-ASCII; Lower): the
-- index never folds by itself (unicode61 would keep ł), so remove_diacritics 0.
CREATE TABLE archive (
  id INTEGER PRIMARY KEY,              -- no AUTOINCREMENT: xmppd assigns it
  owner TEXT NOT NULL,                 -- account bare JID or room JID
  with_jid TEXT NOT NULL,              -- the other party, bare
  with_resource TEXT NOT NULL DEFAULT '',
  direction INTEGER NOT NULL,          -- 0 incoming, 1 outgoing, 2 room
  stamp_us INTEGER NOT NULL,
  xml TEXT NOT NULL,
  folded TEXT NOT NULL,
  conversation TEXT,
  client TEXT,
  queue TEXT,
  channel TEXT,
  data_class TEXT NOT NULL
);
CREATE INDEX archive_owner ON archive (owner, id);
CREATE INDEX archive_owner_with ON archive (owner, with_jid, id);
CREATE INDEX archive_retention ON archive (data_class, stamp_us);
CREATE VIRTUAL TABLE archive_fts USING fts5 (
  folded, content = 'archive', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 0'
);
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
