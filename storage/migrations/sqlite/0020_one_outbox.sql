-- one outbox: the weekly channel posts become rows of notifications
-- Everything the bot sends later is a row of `notifications` (issue 24). `target` says where it goes: 'person'
-- (their 1:1 chat or activity feed, as their follow says) or 'channel' (a new post in the team channel
-- `channel_id`, with no record and no recipient: both columns lose NOT NULL); `purpose` what it tells. A row
-- sent once per occasion (`occasion`: the local date of a weekly post's Monday) is unique per tenant, purpose
-- and channel, so two replicas never post the same week. The weekly_sends rows move over and the table goes.
-- NOT NULL is dropped without a table rebuild as migration 19 dropped the CHECK lists
-- (sqlite.org/lang_altertable.html): the stored CREATE statement rewritten, then the schema cookie bumped.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(replace(sql, '    record_id INTEGER NOT NULL,', '    record_id INTEGER,'), '    recipient_id INTEGER NOT NULL,', '    recipient_id INTEGER,') WHERE type = 'table' AND name = 'notifications';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x INTEGER);
DROP TABLE schema_cookie_bump;
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
