-- Accounts with their SCRAM-SHA-1 and SCRAM-SHA-256 credentials (RFC 5802, RFC 7677).
-- Identifiers are prepared (PRECIS) before they get here, so they compare as bytes
-- (utf8mb4_bin), as on SQLite. Salts and keys are raw bytes; times are microseconds since the
-- epoch, as on SQLite. Every statement may run again after a failure (IF NOT EXISTS): DDL is
-- not transactional on MariaDB.
CREATE TABLE IF NOT EXISTS accounts (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  username VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  sha1_salt VARBINARY(255) NOT NULL,
  sha1_iterations INT UNSIGNED NOT NULL,
  sha1_stored_key VARBINARY(255) NOT NULL,
  sha1_server_key VARBINARY(255) NOT NULL,
  sha256_salt VARBINARY(255) NOT NULL,
  sha256_iterations INT UNSIGNED NOT NULL,
  sha256_stored_key VARBINARY(255) NOT NULL,
  sha256_server_key VARBINARY(255) NOT NULL,
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  PRIMARY KEY (host, username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
