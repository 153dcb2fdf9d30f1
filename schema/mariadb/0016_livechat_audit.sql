-- Issue 6 (DESIGN.md "Privacy"): every read of a client's data by staff — a client's history, a
-- search that returned its records — is a row here: who, what, whose, when. Nothing else of the
-- read is kept (not the search words: they may be personal data themselves). Data class `audit`
-- has its own retention like every other class.
CREATE TABLE IF NOT EXISTS livechat_audit (
  id BIGINT NOT NULL AUTO_INCREMENT,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  actor VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  action VARCHAR(32) NOT NULL,
  client VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stamp_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  PRIMARY KEY (id),
  KEY livechat_audit_client (host, client, id),
  KEY livechat_audit_retention (data_class, stamp_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
