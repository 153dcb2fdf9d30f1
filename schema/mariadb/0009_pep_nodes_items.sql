-- XEP-0163 personal eventing: each account's PEP nodes (XEP-0060 node configuration) and their
-- items. Items are kept in publication order (id); a republished item id gets a new row, so the
-- newest is always the highest id. `size` is the serialised item's length, for the quota.
-- Node names and item ids are limited to 128 characters so that the unique key fits InnoDB's
-- 3072-byte index limit in utf8mb4 (the module refuses longer ones).
CREATE TABLE IF NOT EXISTS pep_nodes (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  node VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  access_model VARCHAR(32) NOT NULL,
  persist_items TINYINT NOT NULL,
  max_items BIGINT NOT NULL,
  send_last TINYINT NOT NULL,
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL,
  PRIMARY KEY (host, user, node)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS pep_items (
  id BIGINT NOT NULL AUTO_INCREMENT,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  node VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  item_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  xml MEDIUMTEXT NOT NULL,
  size BIGINT NOT NULL,
  created_us BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY pep_items_item (host, user, node, item_id),
  KEY pep_items_node (host, user, node, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
