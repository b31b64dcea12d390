-- 0009_names: the names people use for what the service holds. Wherever a
-- request takes an id it also takes a natural key (sql/functions/names.sql),
-- and organisations get theirs: a registry number, such as the eight digits
-- of the Dutch chamber of commerce (KvK), unique in the service regardless of
-- case. Names are found without regard to case, so the lookups have indexes
-- on lower().

ALTER TABLE organisation
    ADD COLUMN registry_number text
        CHECK (registry_number ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$');
CREATE UNIQUE INDEX organisation_registry_number
    ON organisation (lower(registry_number)) WHERE registry_number IS NOT NULL;
CREATE INDEX organisation_name_lower ON organisation (lower(name));
CREATE INDEX person_name_lower ON person (lower(name));
CREATE INDEX cohort_name_lower ON cohort (institution_id, lower(name));

-- Consents are listed page by page, and pages go by id.
ALTER TABLE consent ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX consent_id ON consent (institution_id, id);
