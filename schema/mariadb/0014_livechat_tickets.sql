-- Issue 6: offline tickets and callback requests of the livechat service (modules/livechat).
-- Personal data: `client` and `data_class` as in livechat_conversations, so export, erasure and
-- retention find them. The phone is stored in E.164 (validated with libphonenumber).
CREATE TABLE IF NOT EXISTS livechat_tickets (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  queue VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  client VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) NOT NULL,
  assignee VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  name VARCHAR(1023) NOT NULL,
  email VARCHAR(1023) NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  notice_version VARCHAR(64) NOT NULL,
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  PRIMARY KEY (host, id),
  KEY livechat_tickets_state (host, state, id),
  KEY livechat_tickets_retention (data_class, updated_us),
  CONSTRAINT livechat_tickets_state CHECK (state IN ('open', 'assigned', 'answered', 'closed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_callbacks (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  queue VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  client VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) NOT NULL,
  assignee VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  name VARCHAR(1023) NOT NULL,
  phone VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  topic TEXT NOT NULL,
  notice_version VARCHAR(64) NOT NULL,
  slot_start_us BIGINT NOT NULL,
  slot_end_us BIGINT NOT NULL,
  attempts BIGINT NOT NULL,
  reminded_us BIGINT NOT NULL,
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  PRIMARY KEY (host, id),
  KEY livechat_callbacks_state (host, state, id),
  KEY livechat_callbacks_slot (host, queue, slot_start_us),
  KEY livechat_callbacks_retention (data_class, updated_us),
  CONSTRAINT livechat_callbacks_state CHECK (state IN ('requested', 'assigned', 'done', 'no_answer', 'cancelled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
