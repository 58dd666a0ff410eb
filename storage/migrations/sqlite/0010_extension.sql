-- message extension: submit keys, records newest first, record search
-- Message extension: a dialog's submit key, so a repeated submit changes nothing twice; the newest records
-- first per tenant (the person's own and followed records); and one full-text index of each record with its
-- Contact's name, email and company and a token of its tenant, so that a search walks only the tenant's
-- matches, newest first, and stops at the page (kept up to date by triggers, like records_fts).
CREATE TABLE extension_submits (
    tenant_id TEXT NOT NULL,
    submit_key TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, submit_key),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX records_newest ON records(tenant_id, updated_at, id);

CREATE VIRTUAL TABLE record_search USING fts5(tenant, title, company, contact, prefix = '2 3 4');
CREATE TRIGGER record_search_insert AFTER INSERT ON records BEGIN
    INSERT INTO record_search(rowid, tenant, title, company, contact)
    VALUES (new.id, 't' || replace(new.tenant_id, '-', ''), new.title, new.company, '');
END;
CREATE TRIGGER record_search_update AFTER UPDATE OF title, company ON records BEGIN
    UPDATE record_search SET title = new.title, company = new.company WHERE rowid = new.id;
END;
CREATE TRIGGER record_search_delete AFTER DELETE ON records BEGIN
    DELETE FROM record_search WHERE rowid = old.id;
END;
CREATE TRIGGER record_search_role_added AFTER INSERT ON record_contacts WHEN new.role = 'contact' BEGIN
    UPDATE record_search SET contact = (SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '') FROM contacts c
        WHERE c.tenant_id = new.tenant_id AND c.id = new.contact_id) WHERE rowid = new.record_id;
END;
CREATE TRIGGER record_search_role_changed AFTER UPDATE OF role, contact_id ON record_contacts BEGIN
    UPDATE record_search SET contact = COALESCE((SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '')
        FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id
        WHERE rc.tenant_id = new.tenant_id AND rc.record_id = new.record_id AND rc.role = 'contact'), '')
    WHERE rowid = new.record_id;
END;
CREATE TRIGGER record_search_role_removed AFTER DELETE ON record_contacts WHEN old.role = 'contact' BEGIN
    UPDATE record_search SET contact = '' WHERE rowid = old.record_id;
END;
CREATE TRIGGER record_search_contact_renamed AFTER UPDATE OF name, email, company ON contacts BEGIN
    UPDATE record_search SET contact = new.name || ' ' || COALESCE(new.email, '') || ' ' || COALESCE(new.company, '')
    WHERE rowid IN (SELECT record_id FROM record_contacts
        WHERE tenant_id = new.tenant_id AND contact_id = new.id AND role = 'contact');
END;

INSERT INTO record_search(rowid, tenant, title, company, contact)
    SELECT r.id, 't' || replace(r.tenant_id, '-', ''), r.title, r.company,
        COALESCE(c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, ''), '')
    FROM records r LEFT JOIN record_contacts rc ON rc.record_id = r.id AND rc.role = 'contact'
    LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id;
