-- Issue 6 (DESIGN.md "Privacy"): every read of a client's data by staff — a client's history, a
-- search that returned its records — is a row here: who, what, whose, when. Nothing else of the
-- read is kept (not the search words: they may be personal data themselves). Data class `audit`
-- has its own retention like every other class.
CREATE TABLE livechat_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  actor TEXT NOT NULL,               -- bare JID of the staff member
  action TEXT NOT NULL,              -- history | search
  client TEXT NOT NULL,
  stamp_us INTEGER NOT NULL,
  data_class TEXT NOT NULL           -- audit
);
CREATE INDEX livechat_audit_client ON livechat_audit (host, client, id);
CREATE INDEX livechat_audit_retention ON livechat_audit (data_class, stamp_us);
