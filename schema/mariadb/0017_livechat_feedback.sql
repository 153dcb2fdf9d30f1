-- Issues 6 and 7: the end of a livechat conversation from the visitor's side (modules/livechat,
-- conversation_end.hpp): who closed it, the visitor's rating (once, 1..5, optional comment) and
-- the transcript request by e-mail (once, to the address of the join form only; `requested`
-- until the mail bridge sends it). A row exists only once there is something to keep: the
-- join form's e-mail, a close, a rating or a request. Personal data: `client` and `data_class`
-- as in livechat_conversations, so export, erasure and retention find them.
CREATE TABLE IF NOT EXISTS livechat_feedback (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  conversation VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  client VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  email VARCHAR(1023) NOT NULL,
  closed_by VARCHAR(32) NOT NULL,
  rating INT NOT NULL,
  comment TEXT NOT NULL,
  rated_us BIGINT NOT NULL,
  transcript VARCHAR(16) NOT NULL,
  transcript_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  data_class VARCHAR(64) NOT NULL,
  PRIMARY KEY (host, conversation),
  KEY livechat_feedback_transcript (host, transcript),
  KEY livechat_feedback_retention (data_class, updated_us),
  CONSTRAINT livechat_feedback_closed_by
    CHECK (closed_by IN ('', 'visitor_cancelled', 'visitor_ended', 'consultant', 'service')),
  CONSTRAINT livechat_feedback_rating CHECK (rating BETWEEN 0 AND 5),
  CONSTRAINT livechat_feedback_transcript CHECK (transcript IN ('none', 'requested', 'sent', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX IF NOT EXISTS livechat_conversations_closed ON livechat_conversations (host, state, closed_us);
