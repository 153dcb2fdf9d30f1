-- Rosters that list a given JID, found without a full scan: when an account is deleted, its
-- contacts' rosters lose it (RFC 6121 §3.2, §3.3).
CREATE INDEX IF NOT EXISTS roster_items_by_jid ON roster_items (jid);
