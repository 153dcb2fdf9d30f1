-- XEP-0160 offline messages, delivered in arrival (id) order.
CREATE TABLE offline_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  stamp_us INTEGER NOT NULL,
  xml TEXT NOT NULL
);
CREATE INDEX offline_messages_user ON offline_messages (host, user, id);
CREATE INDEX offline_messages_stamp ON offline_messages (stamp_us);
