-- what the replicas share: write quotas in the database, the outbox's sends by time
-- How much each person (user_id) and each organisation (user_id 0) created of a kind in each 10-second
-- bucket (seconds since the epoch // 10): one upsert a spend, in the change's transaction. Old buckets go
-- with the housekeeping.
CREATE TABLE write_quotas (
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    spent INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, user_id, bucket)
) WITHOUT ROWID;
CREATE INDEX write_quotas_by_bucket ON write_quotas(bucket);
-- A replica that takes a tenant's sending over rebuilds Teams' per-conversation windows from the tenant's
-- sends of the last hour (bot/notify/takeover.py): read by their claim time.
CREATE INDEX notifications_claimed ON notifications(tenant_id, claimed_at) WHERE claimed_at IS NOT NULL;
