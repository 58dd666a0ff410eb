-- exact pipeline sums at any size, merged entries remembered for erasure, erased contacts out of the indexes
-- Issue 25. (1) A pipeline total was one 64-bit integer: 923 deals of the largest value (999,999,999,999.9999
-- CLF, 10^16 - 1 minor units) overflowed it (SQLite turned it into an inexact REAL, PostgreSQL refused the
-- change: "bigint out of range"), and SQLite's sum() over owners failed ("integer overflow"). Each total is
-- now two sums, of value / 10^9 and of value % 10^9 (storage/pipeline.py adds them in Python): they reach
-- 2^63 only after billions of deals. The table only holds what the triggers derive, so it is rebuilt.
-- (2) merged_contacts: the name, email and phone of each entry merged into a contact, so that erasing the
-- contact finds them too (in the timeline, comments, ...) and then forgets them. (3) Import previews past their
-- hour are purged by the housekeeping across tenants: an index by expiry.
-- (4) SQLite: contacts_fts and contact_search leave an erased contact out by their triggers (before, the
-- erasure removed it by hand and a later change to the row deleted terms the index did not hold: "database
-- disk image is malformed"); contacts_fts is rebuilt so that a database erased before is in step again.
DROP TRIGGER pipeline_record_added;
DROP TRIGGER pipeline_record_changed;
DROP TRIGGER pipeline_record_removed;
DROP TABLE pipeline_totals;
CREATE TABLE pipeline_totals (
    tenant_id TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_quarter TEXT NOT NULL,
    deals INTEGER NOT NULL,
    total_high INTEGER NOT NULL,
    total_low INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, stage, currency, close_quarter)
);
CREATE INDEX pipeline_by_stage ON pipeline_totals(tenant_id, stage, currency, close_quarter);
CREATE TRIGGER pipeline_record_added AFTER INSERT ON records BEGIN
    INSERT INTO pipeline_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total_high, total_low) SELECT new.tenant_id, new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, 1, COALESCE(new.value, 0) / 1000000000, COALESCE(new.value, 0) % 1000000000 WHERE new.kind = 'opportunity' AND new.archived_at IS NULL ON CONFLICT (tenant_id, owner_id, stage, currency, close_quarter) DO UPDATE SET deals = pipeline_totals.deals + 1, total_high = pipeline_totals.total_high + excluded.total_high, total_low = pipeline_totals.total_low + excluded.total_low;
END;
CREATE TRIGGER pipeline_record_changed AFTER UPDATE OF kind, stage, owner_id, value, currency, close_date, archived_at ON records WHEN old.kind IS NOT new.kind OR old.stage IS NOT new.stage OR old.owner_id IS NOT new.owner_id OR old.value IS NOT new.value OR old.currency IS NOT new.currency OR old.close_date IS NOT new.close_date OR old.archived_at IS NOT new.archived_at BEGIN
    UPDATE pipeline_totals SET deals = deals - 1, total_high = total_high - COALESCE(old.value, 0) / 1000000000, total_low = total_low - COALESCE(old.value, 0) % 1000000000 WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND tenant_id = old.tenant_id AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END;
    INSERT INTO pipeline_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total_high, total_low) SELECT new.tenant_id, new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, 1, COALESCE(new.value, 0) / 1000000000, COALESCE(new.value, 0) % 1000000000 WHERE new.kind = 'opportunity' AND new.archived_at IS NULL ON CONFLICT (tenant_id, owner_id, stage, currency, close_quarter) DO UPDATE SET deals = pipeline_totals.deals + 1, total_high = pipeline_totals.total_high + excluded.total_high, total_low = pipeline_totals.total_low + excluded.total_low;
END;
CREATE TRIGGER pipeline_record_removed AFTER DELETE ON records BEGIN
    UPDATE pipeline_totals SET deals = deals - 1, total_high = total_high - COALESCE(old.value, 0) / 1000000000, total_low = total_low - COALESCE(old.value, 0) % 1000000000 WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND tenant_id = old.tenant_id AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END;
END;
INSERT INTO pipeline_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total_high, total_low) SELECT tenant_id, owner_id, stage, COALESCE(currency, ''), CASE WHEN close_date IS NULL OR close_date = '' THEN '' ELSE substr(close_date, 1, 4) || '-Q' || ((CAST(substr(close_date, 6, 2) AS INTEGER) + 2) / 3) END, count(*), COALESCE(sum(value / 1000000000), 0), COALESCE(sum(value % 1000000000), 0) FROM records WHERE kind = 'opportunity' AND archived_at IS NULL GROUP BY 1, 2, 3, 4, 5;
CREATE TABLE merged_contacts (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    contact_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    merged_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX merged_contacts_by_contact ON merged_contacts(tenant_id, contact_id);
DROP TRIGGER contacts_fts_delete;
DROP TRIGGER contacts_fts_update;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts WHEN old.erased_at IS NULL BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company) VALUES ('delete', old.id, old.name, old.email, old.company);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, email, company, erased_at ON contacts BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company) SELECT 'delete', old.id, old.name, old.email, old.company WHERE old.erased_at IS NULL;
    INSERT INTO contacts_fts(rowid, name, email, company) SELECT new.id, new.name, new.email, new.company WHERE new.erased_at IS NULL;
END;
DROP TRIGGER contact_search_update;
CREATE TRIGGER contact_search_update AFTER UPDATE OF name, email, company, erased_at ON contacts BEGIN
    UPDATE contact_search SET name = new.name, email = new.email, company = new.company
    WHERE new.erased_at IS NULL AND rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id;
    DELETE FROM contact_search WHERE new.erased_at IS NOT NULL AND rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id;
END;
DROP TRIGGER contact_search_delete;
CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts WHEN old.erased_at IS NULL BEGIN
    DELETE FROM contact_search WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.id;
END;
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    SELECT 'delete', id, name, email, company FROM contacts WHERE erased_at IS NOT NULL;
DELETE FROM contact_search WHERE rowid IN (SELECT t.no * 1099511627776 - c.id FROM contacts c
    JOIN search_tenants t ON t.tenant_id = c.tenant_id WHERE c.erased_at IS NOT NULL);
CREATE INDEX contact_imports_by_expiry ON contact_imports(expires_at);
