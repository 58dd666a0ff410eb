-- several pipelines with their own stages, lost reasons, totals by pipeline and reason
-- (each total kept in two parts, high and low, as migration 21 made them: sums that cannot overflow)
-- Issue 31. `pipelines` and `pipeline_stages`: the pipelines an organisation's admins define, each with its
-- ordered open stages and their probabilities (every pipeline ends in Won and Lost). An opportunity with no
-- pipeline_id is in the default pipeline, today's stages. `records.lost_reason` (a reason of the
-- organisation's list, or Other) and `lost_note` (Other's words) say why a deal was lost or a lead
-- disqualified; `tenants.lost_reasons` is the organisation's list (JSON; NULL: the default list).
-- pipeline_totals is made again keyed by pipeline (0: the default) and, for Lost, by reason, so a
-- pipeline's card still sums a few dozen rows whatever the tenant's size; its triggers as migration 11 made
-- them, with those two columns.
CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE TABLE pipeline_stages (
    tenant_id TEXT NOT NULL,
    pipeline_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    probability INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, pipeline_id, position),
    FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipelines(tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE records ADD COLUMN pipeline_id INTEGER;
ALTER TABLE records ADD COLUMN lost_reason TEXT;
ALTER TABLE records ADD COLUMN lost_note TEXT;
ALTER TABLE tenants ADD COLUMN lost_reasons TEXT;
CREATE INDEX records_by_pipeline ON records(tenant_id, pipeline_id, stage) WHERE pipeline_id IS NOT NULL;

DROP TRIGGER pipeline_record_added;
DROP TRIGGER pipeline_record_changed;
DROP TRIGGER pipeline_record_removed;
DROP TABLE pipeline_totals;
CREATE TABLE pipeline_totals (
    tenant_id TEXT NOT NULL,
    pipeline_id INTEGER NOT NULL,
    owner_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_quarter TEXT NOT NULL,
    reason TEXT NOT NULL,
    deals INTEGER NOT NULL,
    total_high INTEGER NOT NULL,
    total_low INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason)
);
CREATE INDEX pipeline_by_stage ON pipeline_totals(tenant_id, pipeline_id, stage, currency, close_quarter);
CREATE TRIGGER pipeline_record_added AFTER INSERT ON records BEGIN
    INSERT INTO pipeline_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) SELECT new.tenant_id, COALESCE(new.pipeline_id, 0), new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN new.stage = 'Lost' THEN COALESCE(new.lost_reason, '') ELSE '' END, 1, COALESCE(new.value, 0) / 1000000000, COALESCE(new.value, 0) % 1000000000 WHERE new.kind = 'opportunity' AND new.archived_at IS NULL ON CONFLICT (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason) DO UPDATE SET deals = pipeline_totals.deals + 1, total_high = pipeline_totals.total_high + excluded.total_high, total_low = pipeline_totals.total_low + excluded.total_low;
END;
CREATE TRIGGER pipeline_record_changed AFTER UPDATE OF kind, stage, owner_id, value, currency, close_date, archived_at, pipeline_id, lost_reason ON records WHEN old.kind IS NOT new.kind OR old.stage IS NOT new.stage OR old.owner_id IS NOT new.owner_id OR old.value IS NOT new.value OR old.currency IS NOT new.currency OR old.close_date IS NOT new.close_date OR old.archived_at IS NOT new.archived_at OR old.pipeline_id IS NOT new.pipeline_id OR old.lost_reason IS NOT new.lost_reason BEGIN
    UPDATE pipeline_totals SET deals = deals - 1, total_high = total_high - COALESCE(old.value, 0) / 1000000000, total_low = total_low - COALESCE(old.value, 0) % 1000000000 WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND tenant_id = old.tenant_id AND pipeline_id = COALESCE(old.pipeline_id, 0) AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END AND reason = CASE WHEN old.stage = 'Lost' THEN COALESCE(old.lost_reason, '') ELSE '' END;
    INSERT INTO pipeline_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) SELECT new.tenant_id, COALESCE(new.pipeline_id, 0), new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN new.stage = 'Lost' THEN COALESCE(new.lost_reason, '') ELSE '' END, 1, COALESCE(new.value, 0) / 1000000000, COALESCE(new.value, 0) % 1000000000 WHERE new.kind = 'opportunity' AND new.archived_at IS NULL ON CONFLICT (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason) DO UPDATE SET deals = pipeline_totals.deals + 1, total_high = pipeline_totals.total_high + excluded.total_high, total_low = pipeline_totals.total_low + excluded.total_low;
END;
CREATE TRIGGER pipeline_record_removed AFTER DELETE ON records BEGIN
    UPDATE pipeline_totals SET deals = deals - 1, total_high = total_high - COALESCE(old.value, 0) / 1000000000, total_low = total_low - COALESCE(old.value, 0) % 1000000000 WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND tenant_id = old.tenant_id AND pipeline_id = COALESCE(old.pipeline_id, 0) AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END AND reason = CASE WHEN old.stage = 'Lost' THEN COALESCE(old.lost_reason, '') ELSE '' END;
END;
INSERT INTO pipeline_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) SELECT tenant_id, COALESCE(pipeline_id, 0), owner_id, stage, COALESCE(currency, ''), CASE WHEN close_date IS NULL OR close_date = '' THEN '' ELSE substr(close_date, 1, 4) || '-Q' || ((CAST(substr(close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN stage = 'Lost' THEN COALESCE(lost_reason, '') ELSE '' END, count(*), COALESCE(sum(value / 1000000000), 0), COALESCE(sum(value % 1000000000), 0) FROM records WHERE kind = 'opportunity' AND archived_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6, 7;
