-- next steps, part two: deals that go quiet, and "My day"
-- quiet_after: how many days without activity make an open deal of one stage quiet, per organisation
-- (a stage of opportunities, or 'leads' for every open lead); the defaults (bot/domain/tasks.py) apply to
-- a stage without a row. users.my_day: 1 while the person gets the day's card of overdue and today's tasks
-- at the start of their working day (`my day off` sets 0). A person's row of the outbox for a day's card
-- ('my_day', occasion the local day) or for a quiet spell ('quiet', occasion "<record id>@<last activity>")
-- is written once, whichever sender gets there first.
CREATE TABLE quiet_after (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    stage TEXT NOT NULL,
    days INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, stage)
);
ALTER TABLE users ADD COLUMN my_day INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX notifications_person_once ON notifications(tenant_id, purpose, recipient_id, occasion)
    WHERE purpose IN ('my_day', 'quiet');
