-- one outbox: the weekly channel posts become rows of notifications
-- Migration 20 (one outbox): `target` ('person' or 'channel'), `channel_id` and `occasion` on notifications,
-- record_id and recipient_id NULL for a channel's rows, one row per tenant, purpose, channel and occasion;
-- the weekly_sends rows moved over, the table dropped.
ALTER TABLE notifications ALTER COLUMN record_id DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN recipient_id DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN target TEXT NOT NULL DEFAULT 'person';
ALTER TABLE notifications ADD COLUMN channel_id TEXT;
ALTER TABLE notifications ADD COLUMN occasion TEXT;
CREATE UNIQUE INDEX notifications_once ON notifications(tenant_id, purpose, channel_id, occasion)
    WHERE occasion IS NOT NULL;
INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, status, attempts, due_at,
    next_attempt_at, claimed_at, last_error, activity_id, created_at, updated_at, sent_at, purpose, target,
    channel_id, occasion)
SELECT s.tenant_id, NULL, NULL, NULL, '', '', s.status, s.attempts, s.created_at, s.next_attempt_at, s.claimed_at,
    s.last_error, s.activity_id, s.created_at, s.updated_at, CASE WHEN s.status = 'sent' THEN s.updated_at END,
    'weekly', 'channel', w.conversation_id, s.week
FROM weekly_sends s JOIN weekly_posts w ON w.tenant_id = s.tenant_id AND w.id = s.weekly_id ORDER BY s.id;
DROP TABLE weekly_sends;
