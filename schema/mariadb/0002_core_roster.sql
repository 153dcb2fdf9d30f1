-- RFC 6121 rosters and their XEP-0237 versions. `group_names` is a JSON array of group names: an
-- item is always read and written whole, so one row keeps every read consistent without a
-- transaction or a join, and no query looks items up by group.
CREATE TABLE IF NOT EXISTS roster_items (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  jid VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  subscription VARCHAR(8) NOT NULL DEFAULT 'none'
    CHECK (subscription IN ('none', 'to', 'from', 'both')),
  pending_out TINYINT NOT NULL DEFAULT 0,
  pending_in TINYINT NOT NULL DEFAULT 0,
  preapproved TINYINT NOT NULL DEFAULT 0,
  pending_in_stanza MEDIUMTEXT NOT NULL DEFAULT '',
  group_names TEXT NOT NULL DEFAULT '[]',
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  PRIMARY KEY (host, user, jid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One counter per user, raised by every change to the roster.
CREATE TABLE IF NOT EXISTS roster_versions (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version BIGINT UNSIGNED NOT NULL,
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  PRIMARY KEY (host, user)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
