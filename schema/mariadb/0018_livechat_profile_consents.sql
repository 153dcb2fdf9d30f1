-- Issue 6 "Consultants": a consultant's consent to show visitors the full name and photo (by
-- default visitors see the first name, initials and workplace only; an employer may not require
-- an employee's image). One row per consultant with the current answer and when it was given;
-- every grant and revocation is also kept in livechat_profile_consent_log.
CREATE TABLE IF NOT EXISTS livechat_profile_consents (
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  consultant VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  granted TINYINT NOT NULL,
  changed_us BIGINT NOT NULL,
  PRIMARY KEY (host, consultant),
  CONSTRAINT livechat_profile_consents_granted CHECK (granted IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS livechat_profile_consent_log (
  id BIGINT NOT NULL AUTO_INCREMENT,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  consultant VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  granted TINYINT NOT NULL,
  stamp_us BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY livechat_profile_consent_log_consultant (host, consultant, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
