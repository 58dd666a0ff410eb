-- search at scale: prefix indexes to 12 characters, newest first, contact_search
-- Search at scale (issue 13's bench). Measured on a 100,000-record tenant (EXPLAIN QUERY PLAN, then each
-- query timed): a full-text prefix query (`"renewal"*`) whose length has no prefix index merges the
-- doclists of every term it covers, across all tenants, in memory before the first row comes out (9 ms to
-- show 25); FTS5 walks a doclist backwards (ORDER BY rowid DESC) two to three times slower than forwards;
-- and the tenant's token, ANDed into every query, is a doclist of every row of the tenant that the walk
-- steps through between two matches (half the cost of a sparse search). So the message extension's
-- indexes are made again:
-- - prefix indexes of 1 to 12 characters: a word typed up to 12 characters is one doclist, read in order,
--   and the walk stops at the page;
-- - rowid = the tenant's number (search_tenants, an INTEGER PRIMARY KEY: stable) * 2^40 - id: a tenant's
--   rows are one rowid range, which FTS5 seeks to instead of ANDing a token, newest first in forward order;
-- - record_search (title, company, Contact's name, email and company) and contact_search (name, email,
--   company; the tokenizer of contacts_fts), for the extension's Contacts command. contacts_fts (the text
--   commands' and pickers' search, by name) gets the same prefix lengths.
CREATE TABLE search_tenants (
    no INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL UNIQUE
);
DROP TRIGGER record_search_insert;
DROP TRIGGER record_search_update;
DROP TRIGGER record_search_delete;
DROP TRIGGER record_search_role_added;
DROP TRIGGER record_search_role_changed;
DROP TRIGGER record_search_role_removed;
DROP TRIGGER record_search_contact_renamed;
DROP TABLE record_search;
CREATE VIRTUAL TABLE record_search USING fts5(title, company, contact, prefix = '1 2 3 4 5 6 7 8 9 10 11 12');
CREATE TRIGGER record_search_insert AFTER INSERT ON records BEGIN
    INSERT OR IGNORE INTO search_tenants(tenant_id) VALUES (new.tenant_id);
    INSERT INTO record_search(rowid, title, company, contact)
    VALUES ((SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id, new.title, new.company, '');
END;
CREATE TRIGGER record_search_update AFTER UPDATE OF title, company ON records BEGIN
    UPDATE record_search SET title = new.title, company = new.company
    WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id;
END;
CREATE TRIGGER record_search_delete AFTER DELETE ON records BEGIN
    DELETE FROM record_search WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.id;
END;
CREATE TRIGGER record_search_role_added AFTER INSERT ON record_contacts WHEN new.role = 'contact' BEGIN
    UPDATE record_search SET contact = (SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '') FROM contacts c
        WHERE c.tenant_id = new.tenant_id AND c.id = new.contact_id) WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.record_id;
END;
CREATE TRIGGER record_search_role_changed AFTER UPDATE OF role, contact_id ON record_contacts BEGIN
    UPDATE record_search SET contact = COALESCE((SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '')
        FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id
        WHERE rc.tenant_id = new.tenant_id AND rc.record_id = new.record_id AND rc.role = 'contact'), '')
    WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.record_id;
END;
CREATE TRIGGER record_search_role_removed AFTER DELETE ON record_contacts WHEN old.role = 'contact' BEGIN
    UPDATE record_search SET contact = '' WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.record_id;
END;
CREATE TRIGGER record_search_contact_renamed AFTER UPDATE OF name, email, company ON contacts BEGIN
    UPDATE record_search SET contact = new.name || ' ' || COALESCE(new.email, '') || ' ' || COALESCE(new.company, '')
    WHERE rowid IN (SELECT (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - record_id FROM record_contacts
        WHERE tenant_id = new.tenant_id AND contact_id = new.id AND role = 'contact');
END;

CREATE VIRTUAL TABLE contact_search USING fts5(
    name, email, company, tokenize="unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6 7 8 9 10 11 12'
);
CREATE TRIGGER contact_search_insert AFTER INSERT ON contacts BEGIN
    INSERT OR IGNORE INTO search_tenants(tenant_id) VALUES (new.tenant_id);
    INSERT INTO contact_search(rowid, name, email, company)
    VALUES ((SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id, new.name, new.email, new.company);
END;
CREATE TRIGGER contact_search_update AFTER UPDATE OF name, email, company ON contacts BEGIN
    UPDATE contact_search SET name = new.name, email = new.email, company = new.company
    WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id;
END;
CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.id;
END;

DROP TABLE contacts_fts;
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    name, email, company, content='contacts', content_rowid='id',
    tokenize="unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6 7 8 9 10 11 12'
);

INSERT OR IGNORE INTO search_tenants(tenant_id) SELECT id FROM tenants ORDER BY created_at, id;
INSERT INTO record_search(rowid, title, company, contact)
    SELECT t.no * 1099511627776 - r.id, r.title, r.company,
        COALESCE(c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, ''), '')
    FROM records r JOIN search_tenants t ON t.tenant_id = r.tenant_id
    LEFT JOIN record_contacts rc ON rc.record_id = r.id AND rc.role = 'contact'
    LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id;
INSERT INTO contact_search(rowid, name, email, company)
    SELECT t.no * 1099511627776 - c.id, c.name, c.email, c.company
    FROM contacts c JOIN search_tenants t ON t.tenant_id = c.tenant_id WHERE c.erased_at IS NULL;
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    SELECT 'delete', id, name, email, company FROM contacts WHERE erased_at IS NOT NULL;
