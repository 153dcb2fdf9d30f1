-- Issue 6: filters of the livechat staff search (docs/protocol.md "Staff search"), each through an
-- index, never a scan of a queue's records: a tag by the records of the tagged conversations
-- (livechat_tags (host, tag), then this index by conversation), `with` (a consultant's notes and
-- tags, a conversation room's messages) and a channel within each queue.
CREATE INDEX archive_conversation ON archive (conversation, id);
CREATE INDEX archive_queue_with ON archive (queue, with_jid, id);
CREATE INDEX archive_queue_channel ON archive (queue, channel, id);
