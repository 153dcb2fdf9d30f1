-- Issue 4/6: an upload is personal data of whoever sent it. A visitor's file carries the client
-- id of its conversation (modules/livechat clients) and, like every personal record, a data
-- class, so export, erasure and retention find it; a visitor's slots count against the
-- conversation's quota, so `owner` is then the conversation's room JID (not the session's
-- anonymous JID, which a reload changes). Accounts' files: owner = the account, client ''.
ALTER TABLE uploads
  ADD COLUMN client VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD COLUMN data_class VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'upload',
  ADD KEY uploads_client (client);
