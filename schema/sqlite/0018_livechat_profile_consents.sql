-- Issue 6 "Consultants": a consultant's consent to show visitors the full name and photo (by
-- default visitors see the first name, initials and workplace only; an employer may not require
-- an employee's image). One row per consultant with the current answer and when it was given;
-- every grant and revocation is also kept in livechat_profile_consent_log.
CREATE TABLE livechat_profile_consents (
  host TEXT NOT NULL,
  consultant TEXT NOT NULL,          -- bare JID
  granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
  changed_us INTEGER NOT NULL,
  PRIMARY KEY (host, consultant)
) WITHOUT ROWID;
CREATE TABLE livechat_profile_consent_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host TEXT NOT NULL,
  consultant TEXT NOT NULL,
  granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
  stamp_us INTEGER NOT NULL
);
CREATE INDEX livechat_profile_consent_log_consultant ON livechat_profile_consent_log (host, consultant, id);
