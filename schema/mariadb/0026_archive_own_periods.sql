-- Issue 5, per-room archive periods: a retention period of an archive's own (its owner, e.g. a
-- room) for one data class instead of its host's (xmppd/archive.hpp ArchiveOwnPeriod; a room owner
-- chooses it in the room's configuration, the mam module bounds it). It covers the owner's records
-- with since_us <= id < until_us (ids are times): from the room's creation until it is destroyed,
-- so a later room of the same name has its own. The host's purge leaves covered records out and
-- deletes them by this period instead, read through the owner's index (archive_owner).
CREATE TABLE IF NOT EXISTS archive_own_periods (
  owner VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  data_class VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  since_us BIGINT NOT NULL,
  until_us BIGINT NOT NULL,  -- 9223372036854775807 while the owner is there
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,  -- what follows the owner's '@'
  keep_us BIGINT NOT NULL,   -- the period, microseconds
  PRIMARY KEY (owner, data_class, since_us),
  KEY archive_own_periods_host (host, data_class)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
