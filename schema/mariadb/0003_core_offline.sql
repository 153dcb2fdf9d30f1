-- XEP-0160 offline messages, delivered in arrival (id) order.
CREATE TABLE IF NOT EXISTS offline_messages (
  id BIGINT NOT NULL AUTO_INCREMENT,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  stamp_us BIGINT NOT NULL,
  xml MEDIUMTEXT NOT NULL,
  PRIMARY KEY (id),
  KEY offline_messages_user (host, user, id),
  KEY offline_messages_stamp (stamp_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
