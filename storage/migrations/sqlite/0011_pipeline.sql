-- the pipeline: totals by stage kept by triggers, weekly channel posts
-- The pipeline (issue 18). `pipeline_totals` keeps, per owner, stage, currency and quarter of the close date,
-- how many opportunities (not archived) there are and their value in minor units, kept by triggers in the
-- transaction of every change to a record, so the pipeline card sums a few dozen rows whatever the size of
-- the tenant. `weekly_posts`: the team channels that get the pipeline card on Mondays at 09:00 in the zone
-- of the person who asked; `weekly_sends`: one row per channel and week (UNIQUE: never two posts in a week),
-- sent by the outbox's sender with the outbox's semantics (pending -> sending -> sent | failed).
CREATE TABLE pipeline_totals (
    tenant_id TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_quarter TEXT NOT NULL,
    deals INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, stage, currency, close_quarter)
);
CREATE INDEX pipeline_by_stage ON pipeline_totals(tenant_id, stage, currency, close_quarter);
CREATE INDEX records_by_stage ON records(tenant_id, kind, stage, id);
CREATE TABLE weekly_posts (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    service_url TEXT NOT NULL,
    set_by INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    next_post_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, conversation_id),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, set_by) REFERENCES users(tenant_id, id)
);
CREATE INDEX weekly_posts_due ON weekly_posts(next_post_at);
CREATE TABLE weekly_sends (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    weekly_id INTEGER NOT NULL,
    week TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    last_error TEXT,
    activity_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, weekly_id, week),
    FOREIGN KEY (tenant_id, weekly_id) REFERENCES weekly_posts(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX weekly_sends_due ON weekly_sends(next_attempt_at) WHERE status = 'pending';
CREATE INDEX weekly_sends_in_flight ON weekly_sends(claimed_at) WHERE status = 'sending';
CREATE TRIGGER pipeline_record_added AFTER INSERT ON records BEGIN
    INSERT INTO pipeline_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total) SELECT new.tenant_id, new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, 1, COALESCE(new.value, 0) WHERE new.kind = 'opportunity' AND new.archived_at IS NULL ON CONFLICT (tenant_id, owner_id, stage, currency, close_quarter) DO UPDATE SET deals = pipeline_totals.deals + 1, total = pipeline_totals.total + excluded.total;
END;
CREATE TRIGGER pipeline_record_changed AFTER UPDATE OF kind, stage, owner_id, value, currency, close_date, archived_at ON records WHEN old.kind IS NOT new.kind OR old.stage IS NOT new.stage OR old.owner_id IS NOT new.owner_id OR old.value IS NOT new.value OR old.currency IS NOT new.currency OR old.close_date IS NOT new.close_date OR old.archived_at IS NOT new.archived_at BEGIN
    UPDATE pipeline_totals SET deals = deals - 1, total = total - COALESCE(old.value, 0) WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND tenant_id = old.tenant_id AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END;
    INSERT INTO pipeline_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total) SELECT new.tenant_id, new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, 1, COALESCE(new.value, 0) WHERE new.kind = 'opportunity' AND new.archived_at IS NULL ON CONFLICT (tenant_id, owner_id, stage, currency, close_quarter) DO UPDATE SET deals = pipeline_totals.deals + 1, total = pipeline_totals.total + excluded.total;
END;
CREATE TRIGGER pipeline_record_removed AFTER DELETE ON records BEGIN
    UPDATE pipeline_totals SET deals = deals - 1, total = total - COALESCE(old.value, 0) WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND tenant_id = old.tenant_id AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END;
END;
INSERT INTO pipeline_totals (tenant_id, owner_id, stage, currency, close_quarter, deals, total) SELECT tenant_id, owner_id, stage, COALESCE(currency, ''), CASE WHEN close_date IS NULL OR close_date = '' THEN '' ELSE substr(close_date, 1, 4) || '-Q' || ((CAST(substr(close_date, 6, 2) AS INTEGER) + 2) / 3) END, count(*), COALESCE(sum(value), 0) FROM records WHERE kind = 'opportunity' AND archived_at IS NULL GROUP BY 1, 2, 3, 4, 5;
