"""Numbered schema migrations, applied in order at start. Never edit one that has landed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from storage.db import transaction

M001_CORE = """
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
"""

M002_SEARCH = """
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    name, email, company, content='contacts', content_rowid='id',
    tokenize="unicode61 remove_diacritics 2", prefix='2 3'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts(rowid, name, email, company) VALUES (new.id, new.name, new.email, new.company);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    VALUES ('delete', old.id, old.name, old.email, old.company);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, email, company ON contacts BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    VALUES ('delete', old.id, old.name, old.email, old.company);
    INSERT INTO contacts_fts(rowid, name, email, company) VALUES (new.id, new.name, new.email, new.company);
END;
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE records_fts USING fts5(
    title, company, content='records', content_rowid='id',
    tokenize="unicode61 remove_diacritics 2", prefix='2 3'
);
CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
    INSERT INTO records_fts(rowid, title, company) VALUES (new.id, new.title, new.company);
END;
CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, title, company) VALUES ('delete', old.id, old.title, old.company);
END;
CREATE TRIGGER records_fts_update AFTER UPDATE OF title, company ON records BEGIN
    INSERT INTO records_fts(records_fts, rowid, title, company) VALUES ('delete', old.id, old.title, old.company);
    INSERT INTO records_fts(rowid, title, company) VALUES (new.id, new.title, new.company);
END;
INSERT INTO records_fts(records_fts) VALUES ('rebuild');
"""

# One row per (change, follower) to tell: written in the same transaction as the change, read by the
# sender in bot/notify/sender.py. `event_ids` lists the events it covers (comma-separated, oldest
# first); `batch` names the transaction that opened it, so the events of one change always share a row.
M003_OUTBOX = """
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
"""

M004_CARD_POSTS = """
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
"""

M005_EMAIL_SENDS = """
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
"""
M006_FORM_SUBMITS = """
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
"""

# Deal details, owners, archive, contact erasure (issue 17). `records.value` becomes exact: an INTEGER in
# the currency's minor unit (ISO 4217 exponent: cents for EUR, yen for JPY, fils for KWD; see
# bot/domain/money.py), no longer a REAL. `archived_at` set = archived (out of lists and searches).
M009_DEAL_DETAILS = """
ALTER TABLE records RENAME COLUMN value TO value_real;
ALTER TABLE records ADD COLUMN value INTEGER;
UPDATE records SET value = CAST(ROUND(value_real * (CASE
    WHEN currency IN ('BIF','CLP','DJF','GNF','ISK','JPY','KMF','KRW','PYG','RWF','UGX','UYI','VND','VUV','XAF','XOF','XPF') THEN 1
    WHEN currency IN ('BHD','IQD','JOD','KWD','LYD','OMR','TND') THEN 1000
    WHEN currency IN ('CLF','UYW') THEN 10000
    ELSE 100 END)) AS INTEGER) WHERE value_real IS NOT NULL;
ALTER TABLE records DROP COLUMN value_real;
ALTER TABLE records ADD COLUMN next_step TEXT;
ALTER TABLE records ADD COLUMN archived_at TEXT;
ALTER TABLE tenants ADD COLUMN default_currency TEXT;
ALTER TABLE contacts ADD COLUMN erased_at TEXT;
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    contact_id INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    records INTEGER NOT NULL,
    events INTEGER NOT NULL,
    at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users(tenant_id, id)
);
"""

# Message extension: a dialog's submit key, so a repeated submit changes nothing twice; the newest records
# first per tenant (the person's own and followed records); and one full-text index of each record with its
# Contact's name, email and company and a token of its tenant, so that a search walks only the tenant's
# matches, newest first, and stops at the page (kept up to date by triggers, like records_fts).
M010_EXTENSION = """
CREATE TABLE extension_submits (
    tenant_id TEXT NOT NULL,
    submit_key TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, submit_key),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX records_newest ON records(tenant_id, updated_at, id);

CREATE VIRTUAL TABLE record_search USING fts5(tenant, title, company, contact, prefix = '2 3 4');
CREATE TRIGGER record_search_insert AFTER INSERT ON records BEGIN
    INSERT INTO record_search(rowid, tenant, title, company, contact)
    VALUES (new.id, 't' || replace(new.tenant_id, '-', ''), new.title, new.company, '');
END;
CREATE TRIGGER record_search_update AFTER UPDATE OF title, company ON records BEGIN
    UPDATE record_search SET title = new.title, company = new.company WHERE rowid = new.id;
END;
CREATE TRIGGER record_search_delete AFTER DELETE ON records BEGIN
    DELETE FROM record_search WHERE rowid = old.id;
END;
CREATE TRIGGER record_search_role_added AFTER INSERT ON record_contacts WHEN new.role = 'contact' BEGIN
    UPDATE record_search SET contact = (SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '') FROM contacts c
        WHERE c.tenant_id = new.tenant_id AND c.id = new.contact_id) WHERE rowid = new.record_id;
END;
CREATE TRIGGER record_search_role_changed AFTER UPDATE OF role, contact_id ON record_contacts BEGIN
    UPDATE record_search SET contact = COALESCE((SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '')
        FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id
        WHERE rc.tenant_id = new.tenant_id AND rc.record_id = new.record_id AND rc.role = 'contact'), '')
    WHERE rowid = new.record_id;
END;
CREATE TRIGGER record_search_role_removed AFTER DELETE ON record_contacts WHEN old.role = 'contact' BEGIN
    UPDATE record_search SET contact = '' WHERE rowid = old.record_id;
END;
CREATE TRIGGER record_search_contact_renamed AFTER UPDATE OF name, email, company ON contacts BEGIN
    UPDATE record_search SET contact = new.name || ' ' || COALESCE(new.email, '') || ' ' || COALESCE(new.company, '')
    WHERE rowid IN (SELECT record_id FROM record_contacts
        WHERE tenant_id = new.tenant_id AND contact_id = new.id AND role = 'contact');
END;
"""

# Fills record_search from the tables (migration 10 on an existing database; migration 17 remade it).
RECORD_SEARCH_FILL = """
INSERT INTO record_search(rowid, tenant, title, company, contact)
    SELECT r.id, 't' || replace(r.tenant_id, '-', ''), r.title, r.company,
        COALESCE(c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, ''), '')
    FROM records r LEFT JOIN record_contacts rc ON rc.record_id = r.id AND rc.role = 'contact'
    LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id;
"""

# Search at scale (issue 13's bench). Measured on a 100,000-record tenant (EXPLAIN QUERY PLAN, then each
# query timed): a full-text prefix query (`"renewal"*`) whose length has no prefix index merges the
# doclists of every term it covers, across all tenants, in memory before the first row comes out (9 ms to
# show 25); FTS5 walks a doclist backwards (ORDER BY rowid DESC) two to three times slower than forwards;
# and the tenant's token, ANDed into every query, is a doclist of every row of the tenant that the walk
# steps through between two matches (half the cost of a sparse search). So the message extension's
# indexes are made again:
# - prefix indexes of 1 to 12 characters: a word typed up to 12 characters is one doclist, read in order,
#   and the walk stops at the page;
# - rowid = the tenant's number (search_tenants, an INTEGER PRIMARY KEY: stable) * 2^40 - id: a tenant's
#   rows are one rowid range, which FTS5 seeks to instead of ANDing a token, newest first in forward order;
# - record_search (title, company, Contact's name, email and company) and contact_search (name, email,
#   company; the tokenizer of contacts_fts), for the extension's Contacts command. contacts_fts (the text
#   commands' and pickers' search, by name) gets the same prefix lengths.
M017_SEARCH_AT_SCALE = """
CREATE TABLE search_tenants (
    no INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL UNIQUE
);
DROP TRIGGER record_search_insert;
DROP TRIGGER record_search_update;
DROP TRIGGER record_search_delete;
DROP TRIGGER record_search_role_added;
DROP TRIGGER record_search_role_changed;
DROP TRIGGER record_search_role_removed;
DROP TRIGGER record_search_contact_renamed;
DROP TABLE record_search;
CREATE VIRTUAL TABLE record_search USING fts5(title, company, contact, prefix = '1 2 3 4 5 6 7 8 9 10 11 12');
CREATE TRIGGER record_search_insert AFTER INSERT ON records BEGIN
    INSERT OR IGNORE INTO search_tenants(tenant_id) VALUES (new.tenant_id);
    INSERT INTO record_search(rowid, title, company, contact)
    VALUES ((SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id, new.title, new.company, '');
END;
CREATE TRIGGER record_search_update AFTER UPDATE OF title, company ON records BEGIN
    UPDATE record_search SET title = new.title, company = new.company
    WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id;
END;
CREATE TRIGGER record_search_delete AFTER DELETE ON records BEGIN
    DELETE FROM record_search WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.id;
END;
CREATE TRIGGER record_search_role_added AFTER INSERT ON record_contacts WHEN new.role = 'contact' BEGIN
    UPDATE record_search SET contact = (SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '') FROM contacts c
        WHERE c.tenant_id = new.tenant_id AND c.id = new.contact_id) WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.record_id;
END;
CREATE TRIGGER record_search_role_changed AFTER UPDATE OF role, contact_id ON record_contacts BEGIN
    UPDATE record_search SET contact = COALESCE((SELECT c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, '')
        FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id
        WHERE rc.tenant_id = new.tenant_id AND rc.record_id = new.record_id AND rc.role = 'contact'), '')
    WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.record_id;
END;
CREATE TRIGGER record_search_role_removed AFTER DELETE ON record_contacts WHEN old.role = 'contact' BEGIN
    UPDATE record_search SET contact = '' WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.record_id;
END;
CREATE TRIGGER record_search_contact_renamed AFTER UPDATE OF name, email, company ON contacts BEGIN
    UPDATE record_search SET contact = new.name || ' ' || COALESCE(new.email, '') || ' ' || COALESCE(new.company, '')
    WHERE rowid IN (SELECT (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - record_id FROM record_contacts
        WHERE tenant_id = new.tenant_id AND contact_id = new.id AND role = 'contact');
END;

CREATE VIRTUAL TABLE contact_search USING fts5(
    name, email, company, tokenize="unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6 7 8 9 10 11 12'
);
CREATE TRIGGER contact_search_insert AFTER INSERT ON contacts BEGIN
    INSERT OR IGNORE INTO search_tenants(tenant_id) VALUES (new.tenant_id);
    INSERT INTO contact_search(rowid, name, email, company)
    VALUES ((SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id, new.name, new.email, new.company);
END;
CREATE TRIGGER contact_search_update AFTER UPDATE OF name, email, company ON contacts BEGIN
    UPDATE contact_search SET name = new.name, email = new.email, company = new.company
    WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = new.tenant_id) * 1099511627776 - new.id;
END;
CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = (SELECT no FROM search_tenants WHERE tenant_id = old.tenant_id) * 1099511627776 - old.id;
END;

DROP TABLE contacts_fts;
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    name, email, company, content='contacts', content_rowid='id',
    tokenize="unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6 7 8 9 10 11 12'
);
"""

# Fills the indexes of migration 17 from the tables (there, and in bench/seed.py after a bulk load).
# Erased contacts stay out of contact_search and contacts_fts (their row is kept, their data is gone).
SEARCH_FILL = """
INSERT OR IGNORE INTO search_tenants(tenant_id) SELECT id FROM tenants ORDER BY created_at, id;
INSERT INTO record_search(rowid, title, company, contact)
    SELECT t.no * 1099511627776 - r.id, r.title, r.company,
        COALESCE(c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.company, ''), '')
    FROM records r JOIN search_tenants t ON t.tenant_id = r.tenant_id
    LEFT JOIN record_contacts rc ON rc.record_id = r.id AND rc.role = 'contact'
    LEFT JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id;
INSERT INTO contact_search(rowid, name, email, company)
    SELECT t.no * 1099511627776 - c.id, c.name, c.email, c.company
    FROM contacts c JOIN search_tenants t ON t.tenant_id = c.tenant_id WHERE c.erased_at IS NULL;
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company)
    SELECT 'delete', id, name, email, company FROM contacts WHERE erased_at IS NOT NULL;
"""

# Notifications people keep switched on (issue 16). `purpose` says what a row tells: a change to a
# follower ('change'), the owner's daily roll-up of who started or stopped following ('follows'), a person
# added by someone else ('added'), an @mention in a comment ('mention'), a follow that lapsed ('lapsed').
# A follow may end: at `ends_at`, or (`ends_on_close`) when the deal closes. A person's time zone (IANA, from
# Teams' clientInfo) and, when they keep them, their working hours (`08:00-18:00/01234`, 0 = Monday); with
# `daily_digest`, one 'digest' row a day at their start collects every other row due to them.
M008_NOTICES = """
ALTER TABLE notifications ADD COLUMN purpose TEXT NOT NULL DEFAULT 'change'
    CHECK (purpose IN ('change', 'follows', 'added', 'mention', 'lapsed', 'digest'));
CREATE INDEX notifications_open_notice ON notifications(tenant_id, record_id, recipient_id, purpose)
    WHERE status = 'pending';
ALTER TABLE followers ADD COLUMN ends_at TEXT;
ALTER TABLE followers ADD COLUMN ends_on_close INTEGER NOT NULL DEFAULT 0;
CREATE INDEX followers_ending ON followers(ends_at) WHERE ends_at IS NOT NULL;
ALTER TABLE users ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN working_hours TEXT;
ALTER TABLE users ADD COLUMN daily_digest INTEGER NOT NULL DEFAULT 0;
"""

# Replicas (PostgreSQL): a sender leases the due rows it read ahead, so no other sender reads them
# until the lease runs out (its replica died) or the tenant's sending changed hands.
M013_OUTBOX_LEASES = """
ALTER TABLE notifications ADD COLUMN lease_owner TEXT;
ALTER TABLE notifications ADD COLUMN lease_until TEXT;
"""

# Where a follower's notifications arrive: a chat message (the default), the Teams activity feed (Graph
# sendActivityNotification), or both.
M014_DELIVER_TO = """
ALTER TABLE followers ADD COLUMN deliver_to TEXT NOT NULL DEFAULT 'chat' CHECK (deliver_to IN ('chat', 'feed', 'both'));
"""

# The buying role of each customer person on a record (the Contact and every Other participant); a
# column of the role row, so a move between Contact and participant (an update of `role`) keeps it.
M007_BUYING_ROLES = """
ALTER TABLE record_contacts ADD COLUMN buying_role TEXT CHECK (buying_role IN (
    'decision_maker', 'economic_buyer', 'champion', 'influencer', 'technical_evaluator', 'legal_procurement',
    'user', 'other'
));
"""

# The pipeline (issue 18). `pipeline_totals` keeps, per owner, stage, currency and quarter of the close date,
# how many opportunities (not archived) there are and their value in minor units, kept by triggers in the
# transaction of every change to a record, so the pipeline card sums a few dozen rows whatever the size of
# the tenant. `weekly_posts`: the team channels that get the pipeline card on Mondays at 09:00 in the zone
# of the person who asked; `weekly_sends`: one row per channel and week (UNIQUE: never two posts in a week),
# sent by the outbox's sender with the outbox's semantics (pending -> sending -> sent | failed).
PIPELINE_QUARTER = "CASE WHEN {d} IS NULL OR {d} = '' THEN '' ELSE substr({d}, 1, 4) || '-Q' || ((CAST(substr({d}, 6, 2) AS INTEGER) + 2) / 3) END"
PIPELINE_KEY = "tenant_id, owner_id, stage, currency, close_quarter"
PIPELINE_TABLES = """
CREATE TABLE pipeline_totals (
    tenant_id TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    currency TEXT NOT NULL,
    close_quarter TEXT NOT NULL,
    deals INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, stage, currency, close_quarter)
);
CREATE INDEX pipeline_by_stage ON pipeline_totals(tenant_id, stage, currency, close_quarter);
CREATE INDEX records_by_stage ON records(tenant_id, kind, stage, id);
CREATE TABLE weekly_posts (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    service_url TEXT NOT NULL,
    set_by INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    next_post_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, conversation_id),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, set_by) REFERENCES users(tenant_id, id)
);
CREATE INDEX weekly_posts_due ON weekly_posts(next_post_at);
CREATE TABLE weekly_sends (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    weekly_id INTEGER NOT NULL,
    week TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    last_error TEXT,
    activity_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, weekly_id, week),
    FOREIGN KEY (tenant_id, weekly_id) REFERENCES weekly_posts(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX weekly_sends_due ON weekly_sends(next_attempt_at) WHERE status = 'pending';
CREATE INDEX weekly_sends_in_flight ON weekly_sends(claimed_at) WHERE status = 'sending';
"""
_ADD = (
    "INSERT INTO pipeline_totals (" + PIPELINE_KEY + ", deals, total)"
    " SELECT {r}.tenant_id, {r}.owner_id, {r}.stage, COALESCE({r}.currency, ''), "
    + PIPELINE_QUARTER.format(d="{r}.close_date")
    + ", 1, COALESCE({r}.value, 0) WHERE {r}.kind = 'opportunity' AND {r}.archived_at IS NULL"
    " ON CONFLICT (" + PIPELINE_KEY + ") DO UPDATE SET deals = pipeline_totals.deals + 1,"
    " total = pipeline_totals.total + excluded.total;"
)
_REMOVE = (
    "UPDATE pipeline_totals SET deals = deals - 1, total = total - COALESCE({r}.value, 0)"
    " WHERE {r}.kind = 'opportunity' AND {r}.archived_at IS NULL AND tenant_id = {r}.tenant_id"
    " AND owner_id = {r}.owner_id AND stage = {r}.stage AND currency = COALESCE({r}.currency, '')"
    " AND close_quarter = " + PIPELINE_QUARTER.format(d="{r}.close_date") + ";"
)
PIPELINE_COLUMNS = "kind, stage, owner_id, value, currency, close_date, archived_at"  # a comment's touch fires nothing
PIPELINE_CHANGED = (
    "old.kind IS NOT new.kind OR old.stage IS NOT new.stage OR old.owner_id IS NOT new.owner_id"
    " OR old.value IS NOT new.value OR old.currency IS NOT new.currency OR old.close_date IS NOT new.close_date"
    " OR old.archived_at IS NOT new.archived_at"
)
M011_PIPELINE = (
    PIPELINE_TABLES
    + "CREATE TRIGGER pipeline_record_added AFTER INSERT ON records BEGIN\n    "
    + _ADD.format(r="new")
    + "\nEND;\nCREATE TRIGGER pipeline_record_changed AFTER UPDATE OF "
    + PIPELINE_COLUMNS
    + " ON records WHEN "
    + PIPELINE_CHANGED
    + " BEGIN\n    "
    + _REMOVE.format(r="old")
    + "\n    "
    + _ADD.format(r="new")
    + "\nEND;\nCREATE TRIGGER pipeline_record_removed AFTER DELETE ON records BEGIN\n    "
    + _REMOVE.format(r="old")
    + "\nEND;\n"
    + "INSERT INTO pipeline_totals ("
    + PIPELINE_KEY
    + ", deals, total)"
    " SELECT tenant_id, owner_id, stage, COALESCE(currency, ''), "
    + PIPELINE_QUARTER.format(d="close_date")
    + ", count(*), COALESCE(sum(value), 0) FROM records WHERE kind = 'opportunity' AND archived_at IS NULL"
    " GROUP BY 1, 2, 3, 4, 5;\n"
)


# A contacts file read and previewed, waiting for its sender's Import or Cancel: the card carries only the
# id; the rows stay here (tenant and sender scoped) until confirmed, cancelled or expired.
M012_CONTACT_IMPORTS = """
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
"""

# Every click and message claims its activity id (a redelivery is answered once): one row a turn. Keyed by
# its primary key alone (WITHOUT ROWID), the claim writes one B-tree fewer in the turn's commit.
M018_CLAIMS_BY_KEY = """
CREATE TABLE processed_activities_by_key (
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id, activity_id)
) WITHOUT ROWID;
INSERT INTO processed_activities_by_key (tenant_id, conversation_id, activity_id, received_at)
    SELECT tenant_id, conversation_id, activity_id, received_at FROM processed_activities;
DROP TABLE processed_activities;
ALTER TABLE processed_activities_by_key RENAME TO processed_activities;
CREATE INDEX processed_activities_by_time ON processed_activities(received_at);
"""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "core tables", M001_CORE),
    (2, "full-text search for contacts and records", M002_SEARCH),
    (3, "notification outbox", M003_OUTBOX),
    (4, "where record cards were posted, to keep them up to date", M004_CARD_POSTS),
    (5, "email sends, so a second click never sends twice", M005_EMAIL_SENDS),
    (6, "create forms submitted, so a second submit creates nothing", M006_FORM_SUBMITS),
    (7, "buying roles of the Contact and the Other participants", M007_BUYING_ROLES),
    (8, "notification purposes and follows that end", M008_NOTICES),
    (9, "deal details: exact value in minor units, next step, archive, default currency, erasures", M009_DEAL_DETAILS),
    (10, "message extension: submit keys, records newest first, record search", M010_EXTENSION + RECORD_SEARCH_FILL),
    (11, "the pipeline: totals by stage kept by triggers, weekly channel posts", M011_PIPELINE),
    (12, "contact imports waiting for their sender's confirmation", M012_CONTACT_IMPORTS),
    (13, "outbox leases, so replicas never read the same due rows", M013_OUTBOX_LEASES),
    (14, "where a follower's notifications arrive: chat, activity feed or both", M014_DELIVER_TO),
    (
        17,
        "search at scale: prefix indexes to 12 characters, newest first, contact_search",
        M017_SEARCH_AT_SCALE + SEARCH_FILL,
    ),
    (18, "activity claims keyed by their primary key alone (WITHOUT ROWID)", M018_CLAIMS_BY_KEY),
)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into statements (trigger bodies contain semicolons)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement: {current.strip()[:80]}")
    return statements


def applied_versions(db: sqlite_utils.Database) -> set[int]:
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in db.execute("SELECT number FROM schema_migrations").fetchall()}


def migrate(db: Any, upto: int | None = None) -> list[int]:
    """Apply every migration not applied yet (up to `upto`), each in its own transaction."""
    if not isinstance(db, sqlite_utils.Database):  # PostgreSQL: its own spelling, under an advisory lock
        migrated: list[int] = db.migrate(upto)  # storage/pg_migrations.py, without an import cycle
        return migrated
    done = applied_versions(db)
    applied = []
    for number, name, script in MIGRATIONS:
        if number in done or (upto is not None and number > upto):
            continue
        with transaction(db):
            # A second instance may have applied it while this one waited for the lock.
            if db.execute("SELECT 1 FROM schema_migrations WHERE number = ?", [number]).fetchone():
                continue
            for statement in split_statements(script):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
                [number, name, datetime.now(UTC).isoformat(timespec="seconds")],
            )
        applied.append(number)
    return applied
