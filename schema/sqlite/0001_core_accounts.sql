-- Accounts with their SCRAM-SHA-1 and SCRAM-SHA-256 credentials (RFC 5802, RFC 7677).
-- Salts and keys are raw bytes (BLOB); times are microseconds since the epoch.
CREATE TABLE accounts (
  host TEXT NOT NULL,
  username TEXT NOT NULL,
  sha1_salt BLOB NOT NULL,
  sha1_iterations INTEGER NOT NULL,
  sha1_stored_key BLOB NOT NULL,
  sha1_server_key BLOB NOT NULL,
  sha256_salt BLOB NOT NULL,
  sha256_iterations INTEGER NOT NULL,
  sha256_stored_key BLOB NOT NULL,
  sha256_server_key BLOB NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (host, username)
) WITHOUT ROWID;
