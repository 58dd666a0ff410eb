-- meetings: Teams meetings set up from a record (issue 29)
-- One row per meeting form sent: `form_id` is claimed (status 'creating') before Microsoft Graph is asked, so a
-- second click creates nothing; it becomes 'scheduled' with Graph's event id and Join link once Graph made it,
-- 'failed' or 'unknown' (Graph did not answer in time) when not, 'cancelled' once cancelled, and 'planned' for a
-- meeting set up in Teams itself without Graph (no invitation the bot knows of). Times are UTC stamps; `time_zone`
-- is the organiser's IANA zone the form was filled in; `attendees` a JSON list of {email, name, type}.
-- Statuses are domain checked (bot/domain/meetings.py MeetingStatus).
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    organiser_id INTEGER NOT NULL,
    form_id TEXT NOT NULL,
    status TEXT NOT NULL,
    subject TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    attendees TEXT NOT NULL,
    agenda TEXT NOT NULL DEFAULT '',
    event_id TEXT,
    join_url TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, form_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organiser_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX meetings_of_record ON meetings(tenant_id, record_id, starts_at);
