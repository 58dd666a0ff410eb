-- visibility: everyone, private or one team; shares, team rosters, the pipeline's restricted totals
-- Who may see a record (issue 28). `records.visibility` is everyone (the default, as before), private (its
-- owner, its followers and the colleagues it is shared with) or team (the members of `records.team_id`, plus
-- the followers); admins see everything. `record_access` lists who besides the owner may see a private or
-- team record: the colleagues it was shared with and its followers (a follower's row is added by the
-- trigger below as they follow; rows exist only while the record is not everyone's). `teams` are the
-- Microsoft Teams teams the bot is installed in, `team_members` their rosters, read through the Bot
-- Connector and kept by membership events. `pipeline_restricted_totals` holds the part of
-- `pipeline_totals` that is not everyone's, kept by triggers like it (migration 11): a reader's pipeline is
-- the totals minus that part plus the restricted deals they may see, a few rows whatever the tenant's size.
-- The message extension's record_search (migration 17) gains an `access` column: `everyone`, or the tokens of
-- who may see a restricted record (`u<user id>` for its owner and its access list, `t<team id>` for its team),
-- kept by triggers, so that a search matches only what the reader may see inside the index itself (a walk
-- through a word's matches reads no record the reader may not see, however many there are).
ALTER TABLE records ADD COLUMN visibility TEXT NOT NULL DEFAULT 'everyone';
ALTER TABLE records ADD COLUMN team_id INTEGER;
ALTER TABLE tenants ADD COLUMN default_visibility TEXT;
CREATE INDEX records_restricted_by_owner ON records(tenant_id, owner_id) WHERE visibility <> 'everyone';
CREATE INDEX records_by_team ON records(tenant_id, team_id) WHERE team_id IS NOT NULL;
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    team_key TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    service_url TEXT,
    installed INTEGER NOT NULL DEFAULT 1,
    roster_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, team_key),
    UNIQUE (tenant_id, id)
);
CREATE TABLE team_members (
    tenant_id TEXT NOT NULL,
    team_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX team_members_by_user ON team_members(user_id, tenant_id);
CREATE TABLE record_access (
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    granted_by INTEGER,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (record_id, user_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX record_access_by_user ON record_access(user_id, tenant_id, record_id);
CREATE TRIGGER record_access_of_follower AFTER INSERT ON followers BEGIN
    INSERT INTO record_access (tenant_id, record_id, user_id, granted_by, granted_at) SELECT new.tenant_id, new.record_id, new.user_id, NULL, new.added_at WHERE EXISTS (SELECT 1 FROM records r WHERE r.tenant_id = new.tenant_id AND r.id = new.record_id AND r.visibility <> 'everyone') ON CONFLICT (record_id, user_id) DO NOTHING;
END;
CREATE TABLE pipeline_restricted_totals (
    tenant_id TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_quarter TEXT NOT NULL,
    deals INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, stage, currency, close_quarter)
);
CREATE TRIGGER pipeline_restricted_added AFTER INSERT ON records BEGIN
    INSERT INTO pipeline_restricted_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total) SELECT new.tenant_id, new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, 1, COALESCE(new.value, 0) WHERE new.kind = 'opportunity' AND new.archived_at IS NULL AND new.visibility <> 'everyone' ON CONFLICT (tenant_id, owner_id, stage, currency, close_quarter) DO UPDATE SET deals = pipeline_restricted_totals.deals + 1, total = pipeline_restricted_totals.total + excluded.total;
END;
CREATE TRIGGER pipeline_restricted_changed AFTER UPDATE OF kind, stage, owner_id, value, currency, close_date, archived_at, visibility ON records WHEN (old.visibility <> 'everyone' OR new.visibility <> 'everyone') AND (old.kind IS NOT new.kind OR old.stage IS NOT new.stage OR old.owner_id IS NOT new.owner_id OR old.value IS NOT new.value OR old.currency IS NOT new.currency OR old.close_date IS NOT new.close_date OR old.archived_at IS NOT new.archived_at OR old.visibility IS NOT new.visibility) BEGIN
    UPDATE pipeline_restricted_totals SET deals = deals - 1, total = total - COALESCE(old.value, 0) WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND old.visibility <> 'everyone' AND tenant_id = old.tenant_id AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END;
    INSERT INTO pipeline_restricted_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total) SELECT new.tenant_id, new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, 1, COALESCE(new.value, 0) WHERE new.kind = 'opportunity' AND new.archived_at IS NULL AND new.visibility <> 'everyone' ON CONFLICT (tenant_id, owner_id, stage, currency, close_quarter) DO UPDATE SET deals = pipeline_restricted_totals.deals + 1, total = pipeline_restricted_totals.total + excluded.total;
END;
CREATE TRIGGER pipeline_restricted_removed AFTER DELETE ON records WHEN old.visibility <> 'everyone' BEGIN
    UPDATE pipeline_restricted_totals SET deals = deals - 1, total = total - COALESCE(old.value, 0) WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND tenant_id = old.tenant_id AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END;
END;
DROP TRIGGER record_search_insert;
DROP TABLE record_search;
CREATE VIRTUAL TABLE record_search USING fts5(title, company, contact, access, prefix = '1 2 3 4 5 6 7 8 9 10 11 12');
CREATE TRIGGER record_search_insert AFTER INSERT ON records BEGIN
    INSERT OR IGNORE INTO search_tenants(tenant_id) VALUES (new.tenant_id);
    INSERT INTO record_search(rowid, title, company, contact, access)
    VALUES ((SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id, new.title, new.company, '', CASE WHEN new.visibility = 'everyone' THEN 'everyone' ELSE 'u' || new.owner_id || COALESCE((SELECT ' ' || group_concat('u' || a.user_id, ' ') FROM record_access a WHERE a.tenant_id = new.tenant_id AND a.record_id = new.id), '') || CASE WHEN new.visibility = 'team' AND new.team_id IS NOT NULL THEN ' t' || new.team_id ELSE '' END END);
END;
CREATE TRIGGER record_search_access AFTER UPDATE OF visibility, owner_id, team_id ON records BEGIN
    UPDATE record_search SET access = CASE WHEN new.visibility = 'everyone' THEN 'everyone' ELSE 'u' || new.owner_id || COALESCE((SELECT ' ' || group_concat('u' || a.user_id, ' ') FROM record_access a WHERE a.tenant_id = new.tenant_id AND a.record_id = new.id), '') || CASE WHEN new.visibility = 'team' AND new.team_id IS NOT NULL THEN ' t' || new.team_id ELSE '' END END WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id;
END;
CREATE TRIGGER record_search_access_added AFTER INSERT ON record_access WHEN EXISTS (SELECT 1 FROM records r WHERE r.tenant_id = new.tenant_id AND r.id = new.record_id AND r.visibility <> 'everyone') BEGIN
    UPDATE record_search SET access = (SELECT CASE WHEN r.visibility = 'everyone' THEN 'everyone' ELSE 'u' || r.owner_id || COALESCE((SELECT ' ' || group_concat('u' || a.user_id, ' ') FROM record_access a WHERE a.tenant_id = r.tenant_id AND a.record_id = r.id), '') || CASE WHEN r.visibility = 'team' AND r.team_id IS NOT NULL THEN ' t' || r.team_id ELSE '' END END FROM records r WHERE r.tenant_id = new.tenant_id AND r.id = new.record_id) WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.record_id;
END;
CREATE TRIGGER record_search_access_removed AFTER DELETE ON record_access WHEN EXISTS (SELECT 1 FROM records r WHERE r.tenant_id = old.tenant_id AND r.id = old.record_id AND r.visibility <> 'everyone') BEGIN
    UPDATE record_search SET access = (SELECT CASE WHEN r.visibility = 'everyone' THEN 'everyone' ELSE 'u' || r.owner_id || COALESCE((SELECT ' ' || group_concat('u' || a.user_id, ' ') FROM record_access a WHERE a.tenant_id = r.tenant_id AND a.record_id = r.id), '') || CASE WHEN r.visibility = 'team' AND r.team_id IS NOT NULL THEN ' t' || r.team_id ELSE '' END END FROM records r WHERE r.tenant_id = old.tenant_id AND r.id = old.record_id) WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.record_id;
END;
INSERT INTO record_search(rowid, title, company, contact, access)
    SELECT t.no * 1099511627776 - r.id, r.title, r.company,
        COALESCE(c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, ''), ''), 'everyone'
    FROM records r JOIN search_tenants t ON t.tenant_id = r.tenant_id
    LEFT JOIN record_contacts rc ON rc.record_id = r.id AND rc.role = 'contact'
    LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id;
