-- Issue 6: clients of the livechat service (modules/livechat/clients.hpp): the person behind
-- conversations, tickets and callbacks. A client is a time-ordered id with its times; what links
-- a visitor to it are keys that are hashes only (SHA-256 of the conversation token, of the
-- normalised e-mail address, of the E.164 phone number; later a Facebook id), so the same e-mail
-- in a join form, a ticket or a callback finds the same client without the address as a key.
-- The `client` columns of livechat_conversations, livechat_tickets and livechat_callbacks hold
-- the client id. Personal rows carry `data_class` for retention and erasure.
CREATE TABLE livechat_clients (
  host TEXT NOT NULL,
  id TEXT NOT NULL,                  -- time-ordered
  created_us INTEGER NOT NULL,
  last_seen_us INTEGER NOT NULL,     -- retention counts from here
  data_class TEXT NOT NULL,          -- livechat_client
  PRIMARY KEY (host, id)
) WITHOUT ROWID;
CREATE INDEX livechat_clients_retention ON livechat_clients (data_class, last_seen_us);
CREATE TABLE livechat_client_keys (
  host TEXT NOT NULL,
  kind TEXT NOT NULL,                -- token | email | phone | facebook
  key_hash TEXT NOT NULL,            -- SHA-256, hex
  client TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY (host, kind, key_hash)
) WITHOUT ROWID;
CREATE INDEX livechat_client_keys_client ON livechat_client_keys (host, client);
CREATE TABLE livechat_client_notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  client TEXT NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  data_class TEXT NOT NULL           -- livechat_client_note
);
CREATE INDEX livechat_client_notes_client ON livechat_client_notes (host, client, id);
-- A client's history reads its conversations, tickets and callbacks through these.
CREATE INDEX livechat_conversations_client ON livechat_conversations (host, client, id);
CREATE INDEX livechat_tickets_client ON livechat_tickets (host, client, id);
CREATE INDEX livechat_callbacks_client ON livechat_callbacks (host, client, id);
-- Staff search reads the archive by livechat queue (ArchiveQuery::queues), in id order.
CREATE INDEX archive_queue ON archive (queue, id);
