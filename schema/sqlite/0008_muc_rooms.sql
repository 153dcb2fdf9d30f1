-- XEP-0045 persistent rooms and their affiliations (modules/muc).
CREATE TABLE muc_rooms (
  host TEXT NOT NULL,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  subject TEXT NOT NULL,
  subject_nick TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (host, name)
) WITHOUT ROWID;
CREATE TABLE muc_affiliations (
  host TEXT NOT NULL,
  room TEXT NOT NULL,
  jid TEXT NOT NULL,
  affiliation TEXT NOT NULL CHECK (affiliation IN ('outcast', 'member', 'admin', 'owner')),
  PRIMARY KEY (host, room, jid)
) WITHOUT ROWID;
