-- XEP-0163 personal eventing: each account's PEP nodes (XEP-0060 node configuration) and their
-- items. Items are kept in publication order (id); a republished item id gets a new row, so the
-- newest is always the highest id. `size` is the serialised item's length, for the quota.
CREATE TABLE pep_nodes (
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  node TEXT NOT NULL,
  access_model TEXT NOT NULL,
  persist_items INTEGER NOT NULL,
  max_items INTEGER NOT NULL,
  send_last INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (host, user, node)
) WITHOUT ROWID;
CREATE TABLE pep_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  node TEXT NOT NULL,
  item_id TEXT NOT NULL,
  xml TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  UNIQUE (host, user, node, item_id)
);
CREATE INDEX pep_items_node ON pep_items (host, user, node, id);
