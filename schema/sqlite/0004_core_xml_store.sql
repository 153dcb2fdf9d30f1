-- XML kept per account and key: XEP-0049 private storage, XEP-0054 vcard-temp.
CREATE TABLE xml_store (
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  item_key TEXT NOT NULL,
  xml TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY (host, user, item_key)
) WITHOUT ROWID;
