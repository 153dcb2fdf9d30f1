-- XEP-0191 blocked JIDs.
CREATE TABLE blocklist (
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  jid TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY (host, user, jid)
) WITHOUT ROWID;
