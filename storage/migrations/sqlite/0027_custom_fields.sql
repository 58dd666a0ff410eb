-- custom fields on records and contacts, searchable by find
-- Issue 31. `custom_fields`: the fields an organisation's admins define, for leads, opportunities, both
-- (`record`) or contacts; a removed field keeps its row (removed_at), so the timeline's entries about it still
-- read, and its values are no longer shown. A record's values are one JSON object in `records.custom`
-- (field id -> value), read with the record itself: its card costs no extra query for them; `custom_text`
-- holds its text and choice values, which record_search indexes so that find and the message extension
-- match them. A contact's values are `contacts.custom`. record_search is made again with that fifth
-- column (an FTS5 table takes no new column) beside migration 26's `access`, its triggers as migration 17 made them
-- plus custom_text (and the insert's access as 26 computes it; 26's access triggers stay).
CREATE TABLE custom_fields (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    applies_to TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    choices TEXT,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    removed_at TEXT,
    UNIQUE (tenant_id, id)
);
CREATE INDEX custom_fields_of_tenant ON custom_fields(tenant_id, id) WHERE removed_at IS NULL;
ALTER TABLE records ADD COLUMN custom TEXT;
ALTER TABLE records ADD COLUMN custom_text TEXT;
ALTER TABLE contacts ADD COLUMN custom TEXT;

DROP TRIGGER record_search_insert;
DROP TRIGGER record_search_update;
DROP TRIGGER record_search_delete;
DROP TRIGGER record_search_role_added;
DROP TRIGGER record_search_role_changed;
DROP TRIGGER record_search_role_removed;
DROP TRIGGER record_search_contact_renamed;
DROP TABLE record_search;
CREATE VIRTUAL TABLE record_search USING fts5(title, company, contact, access, custom, prefix = '1 2 3 4 5 6 7 8 9 10 11 12');
CREATE TRIGGER record_search_insert AFTER INSERT ON records BEGIN
    INSERT OR IGNORE INTO search_tenants(tenant_id) VALUES (new.tenant_id);
    INSERT INTO record_search(rowid, title, company, contact, access, custom)
    VALUES ((SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id, new.title, new.company, '', CASE WHEN new.visibility = 'everyone' THEN 'everyone' ELSE 'u' || new.owner_id || COALESCE((SELECT ' ' || group_concat('u' || a.user_id, ' ') FROM record_access a WHERE a.tenant_id = new.tenant_id AND a.record_id = new.id), '') || CASE WHEN new.visibility = 'team' AND new.team_id IS NOT NULL THEN ' t' || new.team_id ELSE '' END END, COALESCE(new.custom_text, ''));
END;
CREATE TRIGGER record_search_update AFTER UPDATE OF title, company, custom_text ON records BEGIN
    UPDATE record_search SET title = new.title, company = new.company, custom = COALESCE(new.custom_text, '')
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
INSERT OR IGNORE INTO search_tenants(tenant_id) SELECT id FROM tenants ORDER BY created_at, id;
INSERT INTO record_search(rowid, title, company, contact, access, custom)
    SELECT t.no * 1099511627776 - r.id, r.title, r.company,
        COALESCE(c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, ''), ''),
        CASE WHEN r.visibility = 'everyone' THEN 'everyone' ELSE 'u' || r.owner_id
            || COALESCE((SELECT ' ' || group_concat('u' || a.user_id, ' ') FROM record_access a
                WHERE a.tenant_id = r.tenant_id AND a.record_id = r.id), '')
            || CASE WHEN r.visibility = 'team' AND r.team_id IS NOT NULL THEN ' t' || r.team_id ELSE '' END END, ''
    FROM records r JOIN search_tenants t ON t.tenant_id = r.tenant_id
    LEFT JOIN record_contacts rc ON rc.record_id = r.id AND rc.role = 'contact'
    LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id;
