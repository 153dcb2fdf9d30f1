-- Issue 5: on MariaDB, 0024 indexes words per time bucket and counts them (archive_terms); FTS5
-- needs neither (it walks matches newest first and counts in the index alone, see 0019).
-- Both: MAM `with` = one occupant's full JID in a room (all of a room's records have with_jid =
-- the room) reads a range of (owner, with_jid, with_resource, id) instead of filtering the room's
-- records by nick.
CREATE INDEX IF NOT EXISTS archive_owner_nick ON archive (owner, with_jid, with_resource, id);
