-- where record cards were posted, to keep them up to date
CREATE TABLE card_posts (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    conversation_id TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    service_url TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    viewer_id INTEGER,
    posted_at TEXT NOT NULL,
    UNIQUE (tenant_id, conversation_id, activity_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, viewer_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX card_posts_by_record ON card_posts(tenant_id, record_id, id);
