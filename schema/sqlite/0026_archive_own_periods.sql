-- Issue 5, per-room archive periods: a retention period of an archive's own (its owner, e.g. a
-- room) for one data class instead of its host's (xmppd/archive.hpp ArchiveOwnPeriod; a room owner
-- chooses it in the room's configuration, the mam module bounds it). It covers the owner's records
-- with since_us <= id < until_us (ids are times): from the room's creation until it is destroyed,
-- so a later room of the same name has its own. The host's purge leaves covered records out and
-- deletes them by this period instead, read through the owner's index (archive_owner).
CREATE TABLE archive_own_periods (
  owner TEXT NOT NULL,
  data_class TEXT NOT NULL,
  since_us INTEGER NOT NULL,
  until_us INTEGER NOT NULL,  -- 9223372036854775807 while the owner is there
  host TEXT NOT NULL,         -- what follows the owner's '@': the purge runs per host
  keep_us INTEGER NOT NULL,   -- the period, microseconds
  PRIMARY KEY (owner, data_class, since_us)
) WITHOUT ROWID;
CREATE INDEX archive_own_periods_host ON archive_own_periods (host, data_class);
