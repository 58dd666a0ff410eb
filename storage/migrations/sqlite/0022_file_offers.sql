-- file offers: each consent card the bot sent, and its answer
-- Every FileConsentCard carries the id of its row here: an accept or a decline answers that offer (to the person it
-- was made to), once; the card's message is kept so that it can be replaced once answered. Statuses (domain
-- checked): offered, sending, sent, failed, declined.
CREATE TABLE file_offers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    what TEXT NOT NULL,
    status TEXT NOT NULL,
    conversation_id TEXT,
    message_id TEXT,
    created_at TEXT NOT NULL,
    answered_at TEXT,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX file_offers_by_age ON file_offers(tenant_id, created_at);
