-- activity claims keyed by their primary key alone (WITHOUT ROWID)
-- Every click and message claims its activity id (a redelivery is answered once): one row a turn. Keyed by
-- its primary key alone (WITHOUT ROWID), the claim writes one B-tree fewer in the turn's commit.
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
