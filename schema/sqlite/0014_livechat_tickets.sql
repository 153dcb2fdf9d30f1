-- Issue 6: offline tickets and callback requests of the livechat service (modules/livechat).
-- Personal data: `client` and `data_class` as in livechat_conversations, so export, erasure and
-- retention find them. The phone is stored in E.164 (validated with libphonenumber).
CREATE TABLE livechat_tickets (
  host TEXT NOT NULL,
  id TEXT NOT NULL,                  -- time-ordered
  queue TEXT NOT NULL,
  client TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'assigned', 'answered', 'closed')),
  assignee TEXT NOT NULL,            -- bare JID, '' while nobody has it
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  notice_version TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  data_class TEXT NOT NULL,
  PRIMARY KEY (host, id)
) WITHOUT ROWID;
CREATE INDEX livechat_tickets_state ON livechat_tickets (host, state, id);
CREATE INDEX livechat_tickets_retention ON livechat_tickets (data_class, updated_us);
CREATE TABLE livechat_callbacks (
  host TEXT NOT NULL,
  id TEXT NOT NULL,
  queue TEXT NOT NULL,
  client TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('requested', 'assigned', 'done', 'no_answer', 'cancelled')),
  assignee TEXT NOT NULL,
  name TEXT NOT NULL,
  phone TEXT NOT NULL,               -- E.164
  topic TEXT NOT NULL,
  notice_version TEXT NOT NULL,
  slot_start_us INTEGER NOT NULL,
  slot_end_us INTEGER NOT NULL,
  attempts INTEGER NOT NULL,         -- calls without an answer so far
  reminded_us INTEGER NOT NULL,      -- when the slot reminder went out, 0 before
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  data_class TEXT NOT NULL,
  PRIMARY KEY (host, id)
) WITHOUT ROWID;
CREATE INDEX livechat_callbacks_state ON livechat_callbacks (host, state, id);
CREATE INDEX livechat_callbacks_slot ON livechat_callbacks (host, queue, slot_start_us);
CREATE INDEX livechat_callbacks_retention ON livechat_callbacks (data_class, updated_us);
