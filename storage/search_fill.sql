-- Fills the full-text indexes of migrations 17, 26 and 27 from the tables (bench/seed.py, after a bulk load).
-- Erased contacts stay out of contact_search and contacts_fts (their row is kept, their data is gone).
INSERT OR IGNORE INTO search_tenants(tenant_id) SELECT id FROM tenants ORDER BY created_at, id;
INSERT INTO record_search(rowid, title, company, contact, access, custom)
    SELECT t.no * 1099511627776 - r.id, r.title, r.company,
        COALESCE(c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, ''), ''),
        CASE WHEN r.visibility = 'everyone' THEN 'everyone' ELSE 'u' || r.owner_id
            || COALESCE((SELECT ' ' || group_concat('u' || a.user_id, ' ') FROM record_access a
                WHERE a.tenant_id = r.tenant_id AND a.record_id = r.id), '')
            || CASE WHEN r.visibility = 'team' AND r.team_id IS NOT NULL THEN ' t' || r.team_id ELSE '' END END,
        COALESCE(r.custom_text, '')
    FROM records r JOIN search_tenants t ON t.tenant_id = r.tenant_id
    LEFT JOIN record_contacts rc ON rc.record_id = r.id AND rc.role = 'contact'
    LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id;
INSERT INTO contact_search(rowid, name, email, company)
    SELECT t.no * 1099511627776 - c.id, c.name, c.email, c.company
    FROM contacts c JOIN search_tenants t ON t.tenant_id = c.tenant_id WHERE c.erased_at IS NULL;
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    SELECT 'delete', id, name, email, company FROM contacts WHERE erased_at IS NOT NULL;
