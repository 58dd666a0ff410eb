-- deal details: exact value in minor units, next step, archive, default currency, erasures
-- Deal details, owners, archive, contact erasure (issue 17). `records.value` becomes exact: an INTEGER in
-- the currency's minor unit (ISO 4217 exponent: cents for EUR, yen for JPY, fils for KWD; see
-- bot/domain/money.py), no longer a REAL. `archived_at` set = archived (out of lists and searches).
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
