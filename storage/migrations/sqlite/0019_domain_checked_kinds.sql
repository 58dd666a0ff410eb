-- kinds, roles, choices and statuses checked in the domain, not by CHECK lists
-- A new kind of value must need no table rebuild: the CHECK (... IN ...) lists go, and storage writes only
-- values that bot/domain's enums accept (storage/queries.py `stored`). SQLite's documented way to drop a
-- CHECK constraint without rebuilding the table (sqlite.org/lang_altertable.html, "other kinds of schema
-- changes"): rewrite the table's stored CREATE statement, then a DDL statement bumps the schema cookie so
-- that every open connection rereads the schema.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (kind IN (''lead'', ''opportunity''))', '') WHERE type = 'table' AND name = 'records';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (role IN (''contact'', ''participant''))', '') WHERE type = 'table' AND name = 'record_contacts';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (buying_role IN (
    ''decision_maker'', ''economic_buyer'', ''champion'', ''influencer'', ''technical_evaluator'', ''legal_procurement'',
    ''user'', ''other''
))', '') WHERE type = 'table' AND name = 'record_contacts';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (notify IN (''all'', ''stage'', ''comments'', ''muted''))', '') WHERE type = 'table' AND name = 'followers';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (deliver_to IN (''chat'', ''feed'', ''both''))', '') WHERE type = 'table' AND name = 'followers';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (status IN (''pending'', ''sending'', ''sent'', ''failed''))', '') WHERE type = 'table' AND name = 'notifications';
UPDATE sqlite_schema SET sql = replace(sql, '
    CHECK (purpose IN (''change'', ''follows'', ''added'', ''mention'', ''lapsed'', ''digest''))', '') WHERE type = 'table' AND name = 'notifications';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (status IN (''sending'', ''sent'', ''failed'', ''unknown''))', '') WHERE type = 'table' AND name = 'email_sends';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (status IN (''pending'', ''sending'', ''sent'', ''failed''))', '') WHERE type = 'table' AND name = 'weekly_sends';
UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (status IN (''pending'', ''imported'', ''cancelled''))', '') WHERE type = 'table' AND name = 'contact_imports';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x INTEGER);
DROP TABLE schema_cookie_bump;
