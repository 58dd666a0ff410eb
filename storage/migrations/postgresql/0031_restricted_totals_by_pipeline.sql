-- the restricted part of the pipeline's totals, kept as the totals are
-- Issues 28 and 31 (and 25): migration 26 keeps the totals of the deals not everyone may see
-- (pipeline_restricted_totals, subtracted from a reader's view of the stored totals), keyed as migration 11
-- keyed the totals. Migration 28 keys the totals by pipeline and, for Lost, by reason, and 21 keeps each total
-- in a high and a low part (sums that cannot overflow): the restricted part is made again the same way, so
-- that a pipeline's chart of a reader who may not see every deal subtracts like from like.
DROP TRIGGER pipeline_restricted_added ON records;
DROP TRIGGER pipeline_restricted_changed ON records;
DROP TRIGGER pipeline_restricted_removed ON records;
DROP FUNCTION pipeline_restricted_track();
DROP TABLE pipeline_restricted_totals;
CREATE TABLE pipeline_restricted_totals (
    tenant_id TEXT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    stage TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_quarter TEXT NOT NULL,
    reason TEXT NOT NULL,
    deals BIGINT NOT NULL,
    total_high BIGINT NOT NULL,
    total_low BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason)
);
ALTER TABLE pipeline_restricted_totals SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500, autovacuum_analyze_threshold = 500);
CREATE FUNCTION pipeline_restricted_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.kind = 'opportunity' AND OLD.archived_at IS NULL AND OLD.visibility <> 'everyone' THEN
        PERFORM pg_advisory_xact_lock(hashtext('pipeline ' || OLD.tenant_id));
        UPDATE pipeline_restricted_totals SET deals = deals - 1, total_high = total_high - COALESCE(OLD.value, 0) / 1000000000, total_low = total_low - COALESCE(OLD.value, 0) % 1000000000 WHERE tenant_id = OLD.tenant_id AND pipeline_id = COALESCE(OLD.pipeline_id, 0) AND owner_id = OLD.owner_id AND stage = OLD.stage AND currency = COALESCE(OLD.currency, '') AND close_quarter = CASE WHEN OLD.close_date IS NULL OR OLD.close_date = '' THEN '' ELSE substr(OLD.close_date, 1, 4) || '-Q' || ((CAST(substr(OLD.close_date, 6, 2) AS INTEGER) + 2) / 3) END AND reason = CASE WHEN OLD.stage = 'Lost' THEN COALESCE(OLD.lost_reason, '') ELSE '' END;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.kind = 'opportunity' AND NEW.archived_at IS NULL AND NEW.visibility <> 'everyone' THEN
        PERFORM pg_advisory_xact_lock(hashtext('pipeline ' || NEW.tenant_id));
        INSERT INTO pipeline_restricted_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) VALUES (NEW.tenant_id, COALESCE(NEW.pipeline_id, 0), NEW.owner_id, NEW.stage, COALESCE(NEW.currency, ''), CASE WHEN NEW.close_date IS NULL OR NEW.close_date = '' THEN '' ELSE substr(NEW.close_date, 1, 4) || '-Q' || ((CAST(substr(NEW.close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN NEW.stage = 'Lost' THEN COALESCE(NEW.lost_reason, '') ELSE '' END, 1, COALESCE(NEW.value, 0) / 1000000000, COALESCE(NEW.value, 0) % 1000000000) ON CONFLICT (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason) DO UPDATE SET deals = pipeline_restricted_totals.deals + 1, total_high = pipeline_restricted_totals.total_high + excluded.total_high, total_low = pipeline_restricted_totals.total_low + excluded.total_low;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER pipeline_restricted_added AFTER INSERT ON records FOR EACH ROW WHEN (NEW.visibility <> 'everyone') EXECUTE FUNCTION pipeline_restricted_track();
CREATE TRIGGER pipeline_restricted_removed AFTER DELETE ON records FOR EACH ROW WHEN (OLD.visibility <> 'everyone') EXECUTE FUNCTION pipeline_restricted_track();
CREATE TRIGGER pipeline_restricted_changed AFTER UPDATE OF kind, stage, owner_id, value, currency, close_date, archived_at, pipeline_id, lost_reason, visibility ON records FOR EACH ROW WHEN ((OLD.visibility <> 'everyone' OR NEW.visibility <> 'everyone') AND (OLD.visibility IS DISTINCT FROM NEW.visibility OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.stage IS DISTINCT FROM NEW.stage OR OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.value IS DISTINCT FROM NEW.value OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.close_date IS DISTINCT FROM NEW.close_date OR OLD.archived_at IS DISTINCT FROM NEW.archived_at OR OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id OR OLD.lost_reason IS DISTINCT FROM NEW.lost_reason)) EXECUTE FUNCTION pipeline_restricted_track();
INSERT INTO pipeline_restricted_totals (tenant_id, pipeline_id, owner_id, stage, currency, close_quarter, reason, deals, total_high, total_low) SELECT tenant_id, COALESCE(pipeline_id, 0), owner_id, stage, COALESCE(currency, ''), CASE WHEN close_date IS NULL OR close_date = '' THEN '' ELSE substr(close_date, 1, 4) || '-Q' || ((CAST(substr(close_date, 6, 2) AS INTEGER) + 2) / 3) END, CASE WHEN stage = 'Lost' THEN COALESCE(lost_reason, '') ELSE '' END, count(*), COALESCE(sum(value / 1000000000), 0), COALESCE(sum(value % 1000000000), 0) FROM records WHERE kind = 'opportunity' AND archived_at IS NULL AND visibility <> 'everyone' GROUP BY 1, 2, 3, 4, 5, 6, 7;
