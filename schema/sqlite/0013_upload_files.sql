-- XEP-0363 HTTP uploads (modules/upload): a slot granted to an owner (a bare JID), claimed by
-- the one PUT that may use it, then a stored file until expires_us (the retention of data class
-- `upload`). `id` is the unguessable 128-bit path part (hex); the file lives under the upload
-- directory by that name. `token_hash` is the SHA-256 of the PUT's bearer token.
-- state: 0 slot, 1 uploading, 2 stored.
CREATE TABLE uploads (
  host TEXT NOT NULL,
  id TEXT NOT NULL,
  owner TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  token_hash BLOB NOT NULL,
  state INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  slot_expires_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (host, id)
) WITHOUT ROWID;
CREATE INDEX uploads_owner ON uploads (host, owner);
CREATE INDEX uploads_expiry ON uploads (host, expires_us);
