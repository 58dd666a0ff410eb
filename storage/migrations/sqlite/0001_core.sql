-- core tables
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    service_url TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    teams_id TEXT,
    aad_object_id TEXT,
    name TEXT NOT NULL DEFAULT '',
    email TEXT,
    upn TEXT,
    profile_checked_at TEXT,
    conversation_id TEXT,
    service_url TEXT,
    bot_id TEXT,
    bot_name TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX users_by_teams_id ON users(tenant_id, teams_id) WHERE teams_id IS NOT NULL;
CREATE UNIQUE INDEX users_by_aad ON users(tenant_id, aad_object_id) WHERE aad_object_id IS NOT NULL;
CREATE INDEX users_by_email ON users(tenant_id, email COLLATE NOCASE);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    company TEXT,
    job_title TEXT,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users(tenant_id, id)
);
CREATE UNIQUE INDEX contacts_by_email ON contacts(tenant_id, email COLLATE NOCASE) WHERE email IS NOT NULL;
CREATE INDEX contacts_by_name ON contacts(tenant_id, name COLLATE NOCASE);

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL CHECK (kind IN ('lead', 'opportunity')),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    stage TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    company TEXT,
    value REAL,
    currency TEXT,
    close_date TEXT,
    source TEXT,
    description TEXT,
    converted_to_id INTEGER,
    converted_from_id INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, kind, number),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users(tenant_id, id),
    FOREIGN KEY (tenant_id, converted_to_id) REFERENCES records(tenant_id, id),
    FOREIGN KEY (tenant_id, converted_from_id) REFERENCES records(tenant_id, id)
);
CREATE INDEX records_by_owner ON records(tenant_id, owner_id);
CREATE INDEX records_by_kind ON records(tenant_id, kind, updated_at);

CREATE TABLE record_contacts (
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('contact', 'participant')),
    added_by INTEGER,
    added_at TEXT NOT NULL,
    PRIMARY KEY (record_id, contact_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts(tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX record_contacts_one_contact ON record_contacts(record_id) WHERE role = 'contact';
CREATE INDEX record_contacts_by_contact ON record_contacts(tenant_id, contact_id);

CREATE TABLE followers (
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    notify TEXT NOT NULL DEFAULT 'all' CHECK (notify IN ('all', 'stage', 'comments', 'muted')),
    added_at TEXT NOT NULL,
    PRIMARY KEY (record_id, user_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX followers_by_user ON followers(tenant_id, user_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX comments_by_record ON comments(tenant_id, record_id, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    actor_id INTEGER,
    kind TEXT NOT NULL,
    old TEXT,
    new TEXT,
    detail TEXT,
    at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX events_by_record ON events(tenant_id, record_id, id);

CREATE TABLE processed_activities (
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id, activity_id)
);
CREATE INDEX processed_activities_by_time ON processed_activities(received_at);
