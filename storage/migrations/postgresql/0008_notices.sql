-- notification purposes and follows that end
ALTER TABLE notifications ADD COLUMN purpose TEXT NOT NULL DEFAULT 'change'
    CHECK (purpose IN ('change', 'follows', 'added', 'mention', 'lapsed', 'digest'));
CREATE INDEX notifications_open_notice ON notifications(tenant_id, record_id, recipient_id, purpose)
    WHERE status = 'pending';
ALTER TABLE followers ADD COLUMN ends_at TEXT;
ALTER TABLE followers ADD COLUMN ends_on_close BIGINT NOT NULL DEFAULT 0;
CREATE INDEX followers_ending ON followers(ends_at) WHERE ends_at IS NOT NULL;
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN working_hours TEXT;
ALTER TABLE users ADD COLUMN daily_digest BIGINT NOT NULL DEFAULT 0;
