-- the restricted part of the pipeline's totals, kept as the totals are
-- Issues 28 and 31 (and 25): migration 26 keeps the totals of the deals not everyone may see
-- (pipeline_restricted_totals, subtracted from a reader's view of the stored totals), keyed as migration 11
-- keyed the totals. Migration 28 keys the totals by pipeline and, for Lost, by reason, and 21 keeps each total
-- in a high and a low part (sums that cannot overflow): the restricted part is made again the same way, so
-- that a pipeline's chart of a reader who may not see every deal subtracts like from like.
DROP TRIGGER pipeline_restricted_added;
DROP TRIGGER pipeline_restricted_changed;
DROP TRIGGER pipeline_restricted_removed;
DROP TABLE pipeline_restricted_totals;
CREATE TABLE pipeline_restricted_totals (
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
CREATE TRIGGER pipeline_restricted_added AFTER INSERT ON records WHEN new.visibility <> 'everyone' BEGIN
    INSERT INTO pipeline_restricted_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) SELECT new.tenant_id, COALESCE(new.pipeline_id, 0), new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN new.stage = 'Lost' THEN COALESCE(new.lost_reason, '') ELSE '' END, 1, COALESCE(new.value, 0) / 1000000000, COALESCE(new.value, 0) % 1000000000 WHERE new.kind = 'opportunity' AND new.archived_at IS NULL AND new.visibility <> 'everyone' ON CONFLICT (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason) DO UPDATE SET deals = pipeline_restricted_totals.deals + 1, total_high = pipeline_restricted_totals.total_high + excluded.total_high, total_low = pipeline_restricted_totals.total_low + excluded.total_low;
END;
CREATE TRIGGER pipeline_restricted_changed AFTER UPDATE OF kind, stage, owner_id, value, currency, close_date, archived_at, pipeline_id, lost_reason, visibility ON records WHEN (old.visibility <> 'everyone' OR new.visibility <> 'everyone') AND (old.visibility IS NOT new.visibility OR old.kind IS NOT new.kind OR old.stage IS NOT new.stage OR old.owner_id IS NOT new.owner_id OR old.value IS NOT new.value OR old.currency IS NOT new.currency OR old.close_date IS NOT new.close_date OR old.archived_at IS NOT new.archived_at OR old.pipeline_id IS NOT new.pipeline_id OR old.lost_reason IS NOT new.lost_reason) BEGIN
    UPDATE pipeline_restricted_totals SET deals = deals - 1, total_high = total_high - COALESCE(old.value, 0) / 1000000000, total_low = total_low - COALESCE(old.value, 0) % 1000000000 WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND old.visibility <> 'everyone' AND tenant_id = old.tenant_id AND pipeline_id = COALESCE(old.pipeline_id, 0) AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END AND reason = CASE WHEN old.stage = 'Lost' THEN COALESCE(old.lost_reason, '') ELSE '' END;
    INSERT INTO pipeline_restricted_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) SELECT new.tenant_id, COALESCE(new.pipeline_id, 0), new.owner_id, new.stage, COALESCE(new.currency, ''), CASE WHEN new.close_date IS NULL OR new.close_date = '' THEN '' ELSE substr(new.close_date, 1, 4) || '-Q' || ((CAST(substr(new.close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN new.stage = 'Lost' THEN COALESCE(new.lost_reason, '') ELSE '' END, 1, COALESCE(new.value, 0) / 1000000000, COALESCE(new.value, 0) % 1000000000 WHERE new.kind = 'opportunity' AND new.archived_at IS NULL AND new.visibility <> 'everyone' ON CONFLICT (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason) DO UPDATE SET deals = pipeline_restricted_totals.deals + 1, total_high = pipeline_restricted_totals.total_high + excluded.total_high, total_low = pipeline_restricted_totals.total_low + excluded.total_low;
END;
CREATE TRIGGER pipeline_restricted_removed AFTER DELETE ON records WHEN old.visibility <> 'everyone' BEGIN
    UPDATE pipeline_restricted_totals SET deals = deals - 1, total_high = total_high - COALESCE(old.value, 0) / 1000000000, total_low = total_low - COALESCE(old.value, 0) % 1000000000 WHERE old.kind = 'opportunity' AND old.archived_at IS NULL AND old.visibility <> 'everyone' AND tenant_id = old.tenant_id AND pipeline_id = COALESCE(old.pipeline_id, 0) AND owner_id = old.owner_id AND stage = old.stage AND currency = COALESCE(old.currency, '') AND close_quarter = CASE WHEN old.close_date IS NULL OR old.close_date = '' THEN '' ELSE substr(old.close_date, 1, 4) || '-Q' || ((CAST(substr(old.close_date, 6, 2) AS INTEGER) + 2) / 3) END AND reason = CASE WHEN old.stage = 'Lost' THEN COALESCE(old.lost_reason, '') ELSE '' END;
END;
INSERT INTO pipeline_restricted_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) SELECT tenant_id, COALESCE(pipeline_id, 0), owner_id, stage, COALESCE(currency, ''), CASE WHEN close_date IS NULL OR close_date = '' THEN '' ELSE substr(close_date, 1, 4) || '-Q' || ((CAST(substr(close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN stage = 'Lost' THEN COALESCE(lost_reason, '') ELSE '' END, count(*), COALESCE(sum(value / 1000000000), 0), COALESCE(sum(value % 1000000000), 0) FROM records WHERE kind = 'opportunity' AND archived_at IS NULL AND visibility <> 'everyone' GROUP BY 1, 2, 3, 4, 5, 6, 7;
