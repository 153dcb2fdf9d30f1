-- Issue 6: clients of the livechat service (modules/livechat/clients.hpp): the person behind
-- conversations, tickets and callbacks. A client is a time-ordered id with its times; what links
-- a visitor to it are keys that are hashes only (SHA-256 of the conversation token, of the
-- normalised e-mail address, of the E.164 phone number; later a Facebook id), so the same e-mail
-- in a join form, a ticket or a callback finds the same client without the address as a key.
-- The `client` columns of livechat_conversations, livechat_tickets and livechat_callbacks hold
-- the client id. Personal rows carry `data_class` for retention and erasure.
CREATE TABLE IF NOT EXISTS livechat_clients (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_us BIGINT NOT NULL,
  last_seen_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  PRIMARY KEY (host, id),
  KEY livechat_clients_retention (data_class, last_seen_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_client_keys (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  key_hash VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  client VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_us BIGINT NOT NULL,
  PRIMARY KEY (host, kind, key_hash),
  KEY livechat_client_keys_client (host, client)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_client_notes (
  id BIGINT NOT NULL AUTO_INCREMENT,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  client VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  author VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  text TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  PRIMARY KEY (id),
  KEY livechat_client_notes_client (host, client, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- A client's history reads its conversations, tickets and callbacks through these.
CREATE INDEX IF NOT EXISTS livechat_conversations_client ON livechat_conversations (host, client, id);
CREATE INDEX IF NOT EXISTS livechat_tickets_client ON livechat_tickets (host, client, id);
CREATE INDEX IF NOT EXISTS livechat_callbacks_client ON livechat_callbacks (host, client, id);
-- Staff search reads the archive by livechat queue (ArchiveQuery::queues), in id order.
CREATE INDEX IF NOT EXISTS archive_queue ON archive (queue, id);
