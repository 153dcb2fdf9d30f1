-- Issue 6: the livechat service (modules/livechat). Conversations, every transition of one,
-- offers to consultants, notes and tags. Queues come from the configuration in this version.
-- Rows holding personal data carry `client` (today the conversation token's hash; the client
-- record of a later version) and `data_class`, so export, erasure and retention find them.
CREATE TABLE livechat_conversations (
  host TEXT NOT NULL,
  id TEXT NOT NULL,                  -- time-ordered; the room is c-<id>@host
  queue TEXT NOT NULL,
  channel TEXT NOT NULL,             -- web | facebook | email
  client TEXT NOT NULL,
  token_hash TEXT NOT NULL,          -- SHA-256 of the visitor's 128-bit token, hex
  state TEXT NOT NULL CHECK (state IN ('queued', 'offered', 'active', 'closed')),
  topic TEXT NOT NULL,
  visitor_name TEXT NOT NULL,
  visitor_nick TEXT NOT NULL,
  notice_version TEXT NOT NULL,
  consultant TEXT NOT NULL,          -- bare JID of the one who answered, '' before
  created_us INTEGER NOT NULL,
  offered_us INTEGER NOT NULL,
  answered_us INTEGER NOT NULL,
  closed_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  data_class TEXT NOT NULL,
  PRIMARY KEY (host, id)
) WITHOUT ROWID;
CREATE INDEX livechat_conversations_open ON livechat_conversations (host, state, id);
CREATE INDEX livechat_conversations_token ON livechat_conversations (token_hash);
CREATE INDEX livechat_conversations_retention ON livechat_conversations (data_class, closed_us);
CREATE TABLE livechat_transitions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  conversation TEXT NOT NULL,
  state TEXT NOT NULL,
  event TEXT NOT NULL,               -- joined, offered, offer_expired, declined, accepted, closed …
  actor TEXT NOT NULL,               -- bare JID of a consultant, 'visitor' or 'service'
  stamp_us INTEGER NOT NULL
);
CREATE INDEX livechat_transitions_conversation ON livechat_transitions (host, conversation, id);
CREATE TABLE livechat_offers (
  host TEXT NOT NULL,
  id TEXT NOT NULL,
  conversation TEXT NOT NULL,
  consultant TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
  offered_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL,
  decided_us INTEGER NOT NULL,
  PRIMARY KEY (host, id)
) WITHOUT ROWID;
CREATE INDEX livechat_offers_state ON livechat_offers (host, state);
CREATE TABLE livechat_notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  conversation TEXT NOT NULL,
  client TEXT NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  data_class TEXT NOT NULL
);
CREATE INDEX livechat_notes_conversation ON livechat_notes (host, conversation, id);
CREATE TABLE livechat_tags (
  host TEXT NOT NULL,
  conversation TEXT NOT NULL,
  tag TEXT NOT NULL,
  author TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY (host, conversation, tag)
) WITHOUT ROWID;
CREATE INDEX livechat_tags_tag ON livechat_tags (host, tag);
