-- Issues 6 and 7: the end of a livechat conversation from the visitor's side (modules/livechat,
-- conversation_end.hpp): who closed it, the visitor's rating (once, 1..5, optional comment) and
-- the transcript request by e-mail (once, to the address of the join form only; `requested`
-- until the mail bridge sends it). A row exists only once there is something to keep: the
-- join form's e-mail, a close, a rating or a request. Personal data: `client` and `data_class`
-- as in livechat_conversations, so export, erasure and retention find them.
CREATE TABLE livechat_feedback (
  host TEXT NOT NULL,
  conversation TEXT NOT NULL,
  client TEXT NOT NULL,
  email TEXT NOT NULL,               -- '' when the form gave none
  closed_by TEXT NOT NULL CHECK (closed_by IN ('', 'visitor_cancelled', 'visitor_ended', 'consultant', 'service')),
  rating INTEGER NOT NULL CHECK (rating BETWEEN 0 AND 5),  -- 0: not rated
  comment TEXT NOT NULL,
  rated_us INTEGER NOT NULL,
  transcript TEXT NOT NULL CHECK (transcript IN ('none', 'requested', 'sent', 'failed')),
  transcript_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  data_class TEXT NOT NULL,
  PRIMARY KEY (host, conversation)
) WITHOUT ROWID;
CREATE INDEX livechat_feedback_transcript ON livechat_feedback (host, transcript);
CREATE INDEX livechat_feedback_retention ON livechat_feedback (data_class, updated_us);
CREATE INDEX livechat_conversations_closed ON livechat_conversations (host, state, closed_us);
