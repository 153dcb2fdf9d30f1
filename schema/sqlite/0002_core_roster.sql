-- RFC 6121 rosters and their XEP-0237 versions. `group_names` is a JSON array of group names: an
-- item is always read and written whole, so one row keeps every read consistent without a
-- transaction or a join, and no query looks items up by group.
CREATE TABLE roster_items (
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  jid TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  subscription TEXT NOT NULL DEFAULT 'none'
    CHECK (subscription IN ('none', 'to', 'from', 'both')),
  pending_out INTEGER NOT NULL DEFAULT 0,
  pending_in INTEGER NOT NULL DEFAULT 0,
  preapproved INTEGER NOT NULL DEFAULT 0,
  pending_in_stanza TEXT NOT NULL DEFAULT '',
  group_names TEXT NOT NULL DEFAULT '[]',
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (host, user, jid)
) WITHOUT ROWID;

-- One counter per user, raised by every change to the roster.
CREATE TABLE roster_versions (
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (host, user)
) WITHOUT ROWID;
