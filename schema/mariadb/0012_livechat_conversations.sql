-- Issue 6: the livechat service (modules/livechat). Conversations, every transition of one,
-- offers to consultants, notes and tags. Queues come from the configuration in this version.
-- Rows holding personal data carry `client` (today the conversation token's hash; the client
-- record of a later version) and `data_class`, so export, erasure and retention find them.
CREATE TABLE IF NOT EXISTS livechat_conversations (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  queue VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  channel VARCHAR(16) NOT NULL,
  client VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  token_hash VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) NOT NULL,
  topic TEXT NOT NULL,
  visitor_name VARCHAR(1023) NOT NULL,
  visitor_nick VARCHAR(1023) NOT NULL,
  notice_version VARCHAR(64) NOT NULL,
  consultant VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_us BIGINT NOT NULL,
  offered_us BIGINT NOT NULL,
  answered_us BIGINT NOT NULL,
  closed_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  PRIMARY KEY (host, id),
  KEY livechat_conversations_open (host, state, id),
  KEY livechat_conversations_token (token_hash),
  KEY livechat_conversations_retention (data_class, closed_us),
  CONSTRAINT livechat_conversations_state CHECK (state IN ('queued', 'offered', 'active', 'closed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_transitions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  conversation VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) NOT NULL,
  event VARCHAR(32) NOT NULL,
  actor VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  stamp_us BIGINT NOT NULL,
  KEY livechat_transitions_conversation (host, conversation, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_offers (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  conversation VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  consultant VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  state VARCHAR(16) NOT NULL,
  offered_us BIGINT NOT NULL,
  expires_us BIGINT NOT NULL,
  decided_us BIGINT NOT NULL,
  PRIMARY KEY (host, id),
  KEY livechat_offers_state (host, state),
  CONSTRAINT livechat_offers_state CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_notes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  conversation VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  client VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  author VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  text TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  KEY livechat_notes_conversation (host, conversation, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_tags (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  conversation VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  tag VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  author VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_us BIGINT NOT NULL,
  PRIMARY KEY (host, conversation, tag),
  KEY livechat_tags_tag (host, tag)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
