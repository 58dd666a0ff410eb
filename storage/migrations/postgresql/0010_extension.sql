-- message extension: submit keys, records newest first, record search
-- Migration 10 (message extension): the submit keys and the newest-first index; record search uses the
-- tsvector columns above (SQLite's record_search FTS5 table and its triggers have no counterpart here).
CREATE TABLE extension_submits (
    tenant_id TEXT NOT NULL,
    submit_key TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, submit_key),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX records_newest ON records(tenant_id, updated_at, id);
