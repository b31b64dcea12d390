-- 0015_internship: the internship (seed 004, Metropool's module 5) with its
-- placement, plan, hours and documents, and intervision in sub-groups.
--
-- A placement is one per enrollment: a host organisation and a host
-- supervisor, a person onboarded by invite as coaches are. The participant
-- logs hours per day; each entry goes draft -> submitted -> verified or
-- rejected, by the supervisor, whose person is kept on the entry (a check
-- refuses a decision without one). Only staff reopen a decision, with a
-- reason kept in hours_reopening and audited. The programme's minimum counts
-- verified hours only (sql/functions/internship.sql).
--
-- Documents (the report and the reflection) are versions identified by
-- their content's SHA-256: an upload is resumed by sending the same hash
-- again, and goes up in chunks kept in document_chunk until the last one
-- arrives and the whole is checked against the hash.

CREATE TABLE internship_setting (
    institution_id uuid NOT NULL REFERENCES institution,
    programme_id   uuid NOT NULL,
    min_hours      numeric(6, 1) NOT NULL CHECK (min_hours BETWEEN 0 AND 2000),
    PRIMARY KEY (institution_id, programme_id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id)
);

CREATE TABLE placement (
    institution_id       uuid NOT NULL REFERENCES institution,
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    enrollment_id        uuid NOT NULL,
    organisation_id      uuid NOT NULL REFERENCES organisation,
    supervisor_person_id uuid NOT NULL REFERENCES person,
    starts_on            date NOT NULL,
    ends_on              date NOT NULL CHECK (ends_on >= starts_on AND ends_on - starts_on <= 366),
    motivation           text NOT NULL DEFAULT '' CHECK (length(motivation) <= 8000),
    research_question    text NOT NULL DEFAULT '' CHECK (length(research_question) <= 2000),
    plan_status          text NOT NULL DEFAULT 'draft'
                         CHECK (plan_status IN ('draft', 'submitted', 'approved', 'returned')),
    plan_note            text NOT NULL DEFAULT '' CHECK (length(plan_note) <= 2000),
    plan_decided_by      uuid REFERENCES principal,
    plan_decided_at      timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, enrollment_id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);
CREATE INDEX placement_supervisor ON placement (supervisor_person_id);

CREATE TABLE hours_entry (
    institution_id      uuid NOT NULL REFERENCES institution,
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    placement_id        uuid NOT NULL,
    day                 date NOT NULL,
    hours               numeric(4, 2) NOT NULL CHECK (hours > 0 AND hours <= 24),
    description         text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    status              text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'submitted', 'verified', 'rejected')),
    reason              text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    submitted_at        timestamptz,
    decided_at          timestamptz,
    decided_by_person_id uuid REFERENCES person,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, placement_id, day),
    FOREIGN KEY (institution_id, placement_id) REFERENCES placement (institution_id, id),
    -- Every decision names the supervisor who took it; a rejection says why.
    CONSTRAINT hours_entry_decided_by CHECK (status NOT IN ('verified', 'rejected')
                                             OR (decided_by_person_id IS NOT NULL
                                                 AND decided_at IS NOT NULL)),
    CONSTRAINT hours_entry_reason CHECK (status <> 'rejected' OR reason <> '')
);

CREATE TABLE hours_reopening (
    institution_id      uuid NOT NULL REFERENCES institution,
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    entry_id            uuid NOT NULL,
    previous_status     text NOT NULL CHECK (previous_status IN ('verified', 'rejected')),
    previous_person_id  uuid REFERENCES person,
    reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    reopened_by         uuid REFERENCES principal,
    reopened_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, entry_id) REFERENCES hours_entry (institution_id, id)
);
CREATE INDEX hours_reopening_entry ON hours_reopening (institution_id, entry_id, reopened_at);

CREATE TABLE document (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    placement_id   uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('report', 'reflection')),
    media_type     text NOT NULL
                   CHECK (media_type ~ '^[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,126}$'),
    size           bigint NOT NULL CHECK (size BETWEEN 1 AND 1073741824),
    sha256         bytea NOT NULL CHECK (length(sha256) = 32),
    received       bigint NOT NULL DEFAULT 0 CHECK (received BETWEEN 0 AND size),
    status         text NOT NULL DEFAULT 'uploading' CHECK (status IN ('uploading', 'submitted')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    submitted_at   timestamptz,
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, placement_id, kind, sha256),
    FOREIGN KEY (institution_id, placement_id) REFERENCES placement (institution_id, id),
    CHECK ((status = 'submitted') = (received = size AND submitted_at IS NOT NULL))
);

CREATE TABLE document_chunk (
    institution_id uuid NOT NULL REFERENCES institution,
    document_id    uuid NOT NULL,
    "offset"       bigint NOT NULL CHECK ("offset" >= 0),
    data           bytea NOT NULL CHECK (length(data) > 0),
    PRIMARY KEY (institution_id, document_id, "offset"),
    FOREIGN KEY (institution_id, document_id) REFERENCES document (institution_id, id)
        ON DELETE CASCADE
);

CREATE TABLE intervision_session (
    institution_id        uuid NOT NULL REFERENCES institution,
    id                    uuid NOT NULL DEFAULT gen_random_uuid(),
    subgroup_id           uuid NOT NULL,
    starts_at             timestamptz NOT NULL,
    facilitator_person_id uuid NOT NULL REFERENCES person,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, subgroup_id) REFERENCES subgroup (institution_id, id)
);
-- A group meets at most once a day (UTC), so "group/date" names a session.
CREATE UNIQUE INDEX intervision_session_day
    ON intervision_session (institution_id, subgroup_id, ((starts_at AT TIME ZONE 'UTC')::date));
CREATE INDEX intervision_session_facilitator ON intervision_session (facilitator_person_id);

CREATE TABLE intervision_case (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    session_id     uuid NOT NULL,
    enrollment_id  uuid NOT NULL,
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 8000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, session_id, enrollment_id),
    FOREIGN KEY (institution_id, session_id) REFERENCES intervision_session (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);

CREATE TABLE intervision_attendance (
    institution_id uuid NOT NULL REFERENCES institution,
    session_id     uuid NOT NULL,
    enrollment_id  uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
    recorded_by    uuid REFERENCES principal,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, session_id, enrollment_id),
    FOREIGN KEY (institution_id, session_id) REFERENCES intervision_session (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['internship_setting', 'placement', 'hours_entry', 'hours_reopening',
                             'document', 'document_chunk', 'intervision_session',
                             'intervision_case', 'intervision_attendance'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON internship_setting, placement, hours_entry, document,
    intervision_case, intervision_attendance TO triad_app;
GRANT SELECT, INSERT ON hours_reopening, intervision_session TO triad_app;
GRANT SELECT, INSERT, DELETE ON document_chunk TO triad_app;
