-- A roster row kept only for a pending inbound subscription request from a contact the user
-- never added (RFC 6121 §3.1.3): stored so it can be re-delivered, not shown in the roster.
ALTER TABLE roster_items ADD COLUMN hidden TINYINT NOT NULL DEFAULT 0;
