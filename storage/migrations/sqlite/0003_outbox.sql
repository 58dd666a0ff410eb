-- notification outbox
-- One row per (change, follower) to tell: written in the same transaction as the change, read by the
-- sender in bot/notify/sender.py. `event_ids` lists the events it covers (comma-separated, oldest
-- first); `batch` names the transaction that opened it, so the events of one change always share a row.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    recipient_id INTEGER NOT NULL,
    actor_id INTEGER,
    event_ids TEXT NOT NULL,
    batch TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    last_error TEXT,
    activity_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, recipient_id) REFERENCES users(tenant_id, id),
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX notifications_due ON notifications(tenant_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX notifications_next ON notifications(next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_open ON notifications(tenant_id, record_id, recipient_id) WHERE status = 'pending';
CREATE INDEX notifications_in_flight ON notifications(claimed_at) WHERE status = 'sending';
CREATE INDEX notifications_by_status ON notifications(tenant_id, status, record_id);
