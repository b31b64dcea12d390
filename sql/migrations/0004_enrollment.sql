-- 0004_enrollment: cohorts, module runs, sessions, sub-groups, enrollment
-- with waitlists, attendance, exemptions, module completion, prior
-- learning and progress.
--
-- The rules of seed 000/004 live in sql/functions/enrollment.sql and run
-- under row locks, so they hold however many requests race:
--   * a run never has more members than its capacity;
--   * standalone members stay strictly below the programme's share of the
--     members (default 0.50: in a full group of 25, at most 12);
--   * who does not fit is waitlisted in order of arrival and promoted, first
--     come first served, when a place frees up;
--   * a flexible module (elective, masterclass) needs the programme's core
--     and the module's prerequisites done, or an exemption;
--   * a missed session of a cannot-be-missed module blocks the enrollment
--     until staff record how it was resolved.
-- Every placement decision for a cohort takes the cohort's row lock first.

CREATE TABLE cohort (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    programme_id   uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    starts_on      date NOT NULL,
    ends_on        date NOT NULL CHECK (ends_on >= starts_on),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, programme_id, name),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id)
);

CREATE TABLE module_run (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    module_id      uuid NOT NULL,
    cohort_id      uuid NOT NULL,
    capacity       integer NOT NULL DEFAULT 25 CHECK (capacity BETWEEN 1 AND 1000),
    starts_on      date,
    ends_on        date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id),
    FOREIGN KEY (institution_id, cohort_id) REFERENCES cohort (institution_id, id)
);
CREATE INDEX module_run_cohort ON module_run (institution_id, cohort_id);

CREATE TABLE session (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    run_id         uuid NOT NULL,
    starts_at      timestamptz NOT NULL,
    title          text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, run_id) REFERENCES module_run (institution_id, id)
);
CREATE INDEX session_run ON session (institution_id, run_id);

CREATE TABLE enrollment (
    institution_id    uuid NOT NULL REFERENCES institution,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id         uuid NOT NULL,
    track             text NOT NULL CHECK (track IN ('programme', 'standalone')),
    cohort_id         uuid,
    run_id            uuid,
    status            text NOT NULL DEFAULT 'applied'
                      CHECK (status IN ('applied', 'intake_planned', 'admitted', 'active',
                                        'completed', 'withdrawn')),
    placement         text NOT NULL CHECK (placement IN ('placed', 'waitlisted')),
    arrival           bigint GENERATED ALWAYS AS IDENTITY,
    employer_id       uuid REFERENCES organisation,
    hours_per_week    numeric(4, 1) CHECK (hours_per_week BETWEEN 0 AND 40),
    change_assignment text CHECK (length(change_assignment) <= 2000),
    blocked_reason    text,
    block_resolution  text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    FOREIGN KEY (institution_id, cohort_id) REFERENCES cohort (institution_id, id),
    FOREIGN KEY (institution_id, run_id) REFERENCES module_run (institution_id, id),
    CHECK ((track = 'programme') = (cohort_id IS NOT NULL)),
    CHECK ((track = 'standalone') = (run_id IS NOT NULL))
);
-- One live enrollment per person per cohort and per run.
CREATE UNIQUE INDEX enrollment_once_cohort ON enrollment (institution_id, person_id, cohort_id)
    WHERE status <> 'withdrawn' AND cohort_id IS NOT NULL;
CREATE UNIQUE INDEX enrollment_once_run ON enrollment (institution_id, person_id, run_id)
    WHERE status <> 'withdrawn' AND run_id IS NOT NULL;
CREATE INDEX enrollment_cohort ON enrollment (institution_id, cohort_id, arrival);
CREATE INDEX enrollment_run ON enrollment (institution_id, run_id, arrival);
CREATE INDEX enrollment_person ON enrollment (institution_id, person_id);

CREATE TABLE subgroup (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    run_id         uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    purpose        text NOT NULL CHECK (purpose IN ('assignments', 'intervision')),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, run_id, name),
    FOREIGN KEY (institution_id, run_id) REFERENCES module_run (institution_id, id)
);

CREATE TABLE subgroup_member (
    institution_id uuid NOT NULL REFERENCES institution,
    subgroup_id    uuid NOT NULL,
    enrollment_id  uuid NOT NULL,
    PRIMARY KEY (institution_id, subgroup_id, enrollment_id),
    FOREIGN KEY (institution_id, subgroup_id) REFERENCES subgroup (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);

CREATE TABLE attendance (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    session_id     uuid NOT NULL,
    enrollment_id  uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    recorded_by    uuid REFERENCES principal,
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, session_id, enrollment_id),
    FOREIGN KEY (institution_id, session_id) REFERENCES session (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);

CREATE TABLE module_completion (
    institution_id uuid NOT NULL REFERENCES institution,
    enrollment_id  uuid NOT NULL,
    module_id      uuid NOT NULL,
    completed_on   date NOT NULL DEFAULT current_date,
    PRIMARY KEY (institution_id, enrollment_id, module_id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id)
);

CREATE TABLE exemption (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id      uuid NOT NULL,
    module_id      uuid NOT NULL,
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     uuid REFERENCES principal,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id)
);

CREATE TABLE prior_learning_claim (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id      uuid NOT NULL,
    outcome_id     uuid NOT NULL,
    evidence       text NOT NULL CHECK (length(evidence) BETWEEN 1 AND 10000),
    status         text NOT NULL DEFAULT 'claimed'
                   CHECK (status IN ('claimed', 'validated', 'rejected')),
    reason         text,
    decided_by     uuid REFERENCES principal,
    decided_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    FOREIGN KEY (institution_id, outcome_id) REFERENCES learning_outcome (institution_id, id)
);
CREATE UNIQUE INDEX claim_open_once ON prior_learning_claim (institution_id, person_id, outcome_id)
    WHERE status <> 'rejected';

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cohort', 'module_run', 'session', 'enrollment', 'subgroup',
                             'subgroup_member', 'attendance', 'module_completion', 'exemption',
                             'prior_learning_claim'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT ON cohort, module_run, session, subgroup, subgroup_member, exemption,
    module_completion TO triad_app;
-- Placement decisions lock the cohort's row (SELECT ... FOR UPDATE).
GRANT UPDATE (name) ON cohort TO triad_app;
GRANT SELECT, INSERT, UPDATE ON enrollment, attendance, prior_learning_claim TO triad_app;
