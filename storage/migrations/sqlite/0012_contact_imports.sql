-- contact imports waiting for their sender's confirmation
-- A contacts file read and previewed, waiting for its sender's Import or Cancel: the card carries only the
-- id; the rows stay here (tenant and sender scoped) until confirmed, cancelled or expired.
CREATE TABLE contact_imports (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    rows_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'imported', 'cancelled')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX contact_imports_expiring ON contact_imports(tenant_id, expires_at);
