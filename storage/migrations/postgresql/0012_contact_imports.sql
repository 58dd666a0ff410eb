-- contact imports waiting for their sender's confirmation
CREATE TABLE contact_imports (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    rows_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'imported', 'cancelled')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX contact_imports_expiring ON contact_imports(tenant_id, expires_at);
