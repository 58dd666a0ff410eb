-- create forms submitted, so a second submit creates nothing
CREATE TABLE form_submits (
    tenant_id TEXT NOT NULL,
    form_key TEXT NOT NULL,
    record_id INTEGER,
    contact_id INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, form_key),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts(tenant_id, id) ON DELETE CASCADE
);
