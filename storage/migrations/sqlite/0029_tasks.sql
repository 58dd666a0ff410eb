-- next steps: tasks on a record
-- A task is a next step on a lead or an opportunity: its text, its type (call, meeting, email, todo), the
-- day it is due and, when a time was said, the UTC moment (NULL: date-only, reminded at the start of the
-- assignee's working day), the reminder's lead time in minutes, who does it and who made it, and when it was
-- done, by whom, with a note. Numbered per tenant (T-1, T-2, ...). Its reminder is a row of the outbox
-- (notifications, purpose 'reminder', occasion "<task id>@<due>").
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    number INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'todo',
    due_on TEXT NOT NULL,
    due_at TEXT,
    lead_minutes INTEGER NOT NULL DEFAULT 15,
    assignee_id INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    done_at TEXT,
    done_by INTEGER,
    note TEXT,
    UNIQUE (tenant_id, number)
);
CREATE INDEX tasks_open_of_record ON tasks(tenant_id, record_id, due_on, due_at) WHERE done_at IS NULL;
CREATE INDEX tasks_open_of_assignee ON tasks(tenant_id, assignee_id, due_on, due_at) WHERE done_at IS NULL;
CREATE INDEX tasks_of_record ON tasks(tenant_id, record_id, id);
