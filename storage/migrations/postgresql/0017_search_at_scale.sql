-- search at scale: prefix indexes to 12 characters, newest first, contact_search
-- Migration 17 remade SQLite's FTS5 indexes (prefix lengths, newest first, contact_search); PostgreSQL's
-- tsvector columns and GIN indexes answer prefix queries (`'mar':*`) as they are.
SELECT 1;
