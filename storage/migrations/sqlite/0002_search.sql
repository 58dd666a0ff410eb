-- full-text search for contacts and records
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    name, email, company, content='contacts', content_rowid='id',
    tokenize="unicode61 remove_diacritics 2", prefix='2 3'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts(rowid, name, email, company) VALUES (new.id, new.name, new.email, new.company);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    VALUES ('delete', old.id, old.name, old.email, old.company);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, email, company ON contacts BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    VALUES ('delete', old.id, old.name, old.email, old.company);
    INSERT INTO contacts_fts(rowid, name, email, company) VALUES (new.id, new.name, new.email, new.company);
END;
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE records_fts USING fts5(
    title, company, content='records', content_rowid='id',
    tokenize="unicode61 remove_diacritics 2", prefix='2 3'
);
CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
    INSERT INTO records_fts(rowid, title, company) VALUES (new.id, new.title, new.company);
END;
CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, title, company) VALUES ('delete', old.id, old.title, old.company);
END;
CREATE TRIGGER records_fts_update AFTER UPDATE OF title, company ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, title, company) VALUES ('delete', old.id, old.title, old.company);
    INSERT INTO records_fts(rowid, title, company) VALUES (new.id, new.title, new.company);
END;
INSERT INTO records_fts(records_fts) VALUES ('rebuild');
