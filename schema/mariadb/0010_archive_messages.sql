-- Issue 5: the one message archive (XEP-0313), keyed by the XEP-0359 stanza id (time-ordered,
-- assigned by xmppd, committed in id order), with its full-text index (XEP-0431).
-- `folded` is the text after xmppd's own folding (ICU Any-Latin; Latin-ASCII; Lower), so the
-- collation's folding never matters. The server must run with innodb_ft_min_token_size=2 and
-- innodb_ft_enable_stopword=OFF before this index is created (docs/configuration.md), or two-
-- letter words ("UE", "FE") and stopwords are never found.
CREATE TABLE IF NOT EXISTS archive (
  id BIGINT NOT NULL,
  owner VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  with_jid VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  with_resource VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  direction TINYINT NOT NULL,
  stamp_us BIGINT NOT NULL,
  xml MEDIUMTEXT NOT NULL,
  folded MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  conversation VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  client VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  queue VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  channel VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  data_class VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (id),
  KEY archive_owner (owner, id),
  KEY archive_owner_with (owner, with_jid, id),
  KEY archive_retention (data_class, stamp_us),
  FULLTEXT KEY archive_folded (folded)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
