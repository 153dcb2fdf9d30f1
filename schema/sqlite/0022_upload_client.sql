-- Issue 4/6: an upload is personal data of whoever sent it. A visitor's file carries the client
-- id of its conversation (modules/livechat clients) and, like every personal record, a data
-- class, so export, erasure and retention find it; a visitor's slots count against the
-- conversation's quota, so `owner` is then the conversation's room JID (not the session's
-- anonymous JID, which a reload changes). Accounts' files: owner = the account, client ''.
ALTER TABLE uploads ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN data_class TEXT NOT NULL DEFAULT 'upload';
CREATE INDEX uploads_client ON uploads (client);
