-- activity claims keyed by their primary key alone (WITHOUT ROWID)
-- Migration 18 made SQLite's activity claims a WITHOUT ROWID table; PostgreSQL has no rowid to drop.
SELECT 1;
