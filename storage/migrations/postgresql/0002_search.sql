-- full-text search for contacts and records
-- unaccent is not IMMUTABLE (its dictionary could change), so a generated column needs this wrapper.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE OR REPLACE FUNCTION crm_search_text(text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT to_tsvector('simple', regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)),
                                               '[^[:alnum:]]+', ' ', 'g')) $$;
ALTER TABLE contacts ADD COLUMN search tsvector GENERATED ALWAYS AS
    (crm_search_text(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(company, ''))) STORED;
CREATE INDEX contacts_search ON contacts USING gin (search);
ALTER TABLE records ADD COLUMN search tsvector GENERATED ALWAYS AS
    (crm_search_text(coalesce(title, '') || ' ' || coalesce(company, ''))) STORED;
CREATE INDEX records_search ON records USING gin (search);
