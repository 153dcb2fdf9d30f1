-- XEP-0363 HTTP uploads (modules/upload): a slot granted to an owner (a bare JID), claimed by
-- the one PUT that may use it, then a stored file until expires_us (the retention of data class
-- `upload`). `id` is the unguessable 128-bit path part (hex); the file lives under the upload
-- directory by that name. `token_hash` is the SHA-256 of the PUT's bearer token.
-- state: 0 slot, 1 uploading, 2 stored.
CREATE TABLE IF NOT EXISTS uploads (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  owner VARCHAR(1023) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  filename VARCHAR(1023) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  content_type VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  size BIGINT NOT NULL,
  token_hash VARBINARY(32) NOT NULL,
  state TINYINT NOT NULL,
  created_us BIGINT NOT NULL,
  slot_expires_us BIGINT NOT NULL,
  expires_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  PRIMARY KEY (host, id),
  KEY uploads_owner (host, owner(191)),
  KEY uploads_expiry (host, expires_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
