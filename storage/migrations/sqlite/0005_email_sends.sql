-- email sends, so a second click never sends twice
CREATE TABLE email_sends (
    tenant_id TEXT NOT NULL,
    send_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    sender_id INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'unknown')),
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, send_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, sender_id) REFERENCES users(tenant_id, id)
);
