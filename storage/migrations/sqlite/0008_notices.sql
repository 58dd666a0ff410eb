-- notification purposes and follows that end
-- Notifications people keep switched on (issue 16). `purpose` says what a row tells: a change to a
-- follower ('change'), the owner's daily roll-up of who started or stopped following ('follows'), a person
-- added by someone else ('added'), an @mention in a comment ('mention'), a follow that lapsed ('lapsed').
-- A follow may end: at `ends_at`, or (`ends_on_close`) when the deal closes. A person's time zone (IANA, from
-- Teams' clientInfo) and, when they keep them, their working hours (`08:00-18:00/01234`, 0 = Monday); with
-- `daily_digest`, one 'digest' row a day at their start collects every other row due to them.
ALTER TABLE notifications ADD COLUMN purpose TEXT NOT NULL DEFAULT 'change'
    CHECK (purpose IN ('change', 'follows', 'added', 'mention', 'lapsed', 'digest'));
CREATE INDEX notifications_open_notice ON notifications(tenant_id, record_id, recipient_id, purpose)
    WHERE status = 'pending';
ALTER TABLE followers ADD COLUMN ends_at TEXT;
ALTER TABLE followers ADD COLUMN ends_on_close INTEGER NOT NULL DEFAULT 0;
CREATE INDEX followers_ending ON followers(ends_at) WHERE ends_at IS NOT NULL;
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN working_hours TEXT;
ALTER TABLE users ADD COLUMN daily_digest INTEGER NOT NULL DEFAULT 0;
