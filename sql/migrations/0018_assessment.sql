-- 0018_assessment: assignments in context, submissions, assessments by
-- assessors, and completion rules as data (seed 002: assignments per
-- semester in micro, meso and macro context, tailored to the own
-- workplace, papers and the intervention, programmatic assessment, no
-- grading by employers or coaches; seed 004: Metropool's certificate for
-- who attended, did the internship and wrote the logbook; seed 003: prior
-- learning counts).
--
-- The rules live in sql/functions/assessment.sql:
--   * an assessment is recorded by programme staff with the title
--     assessor (daemon/auth.c), never about one's own coachee when the
--     programme forbids it, with a second assessor for final work when
--     the programme asks for four eyes;
--   * a released result changes only through a correction with a reason,
--     kept in assessment_correction and audited;
--   * an enrollment completes when every completion rule of its programme
--     is met (triad_completion_ready()), or the programme manager recorded
--     an exemption with a reason (completion_exemption).

-- How a programme assesses: its scale and its safeguards. No row: the
-- defaults (insufficient, sufficient, good; pass from sufficient; four
-- eyes for final work; no assessor of her own coachee).
CREATE TABLE assessment_setting (
    institution_id    uuid NOT NULL REFERENCES institution,
    programme_id      uuid NOT NULL,
    -- 'levels': one of levels, lowest first, passing from pass_level;
    -- 'mark': a mark from 1 to 10, passing from pass_mark.
    scale             text NOT NULL DEFAULT 'levels' CHECK (scale IN ('levels', 'mark')),
    levels            text[] NOT NULL DEFAULT '{insufficient,sufficient,good}'
                      CHECK (cardinality(levels) BETWEEN 2 AND 10),
    pass_level        text NOT NULL DEFAULT 'sufficient',
    pass_mark         numeric(3, 1) NOT NULL DEFAULT 5.5 CHECK (pass_mark BETWEEN 1 AND 10),
    four_eyes_final   boolean NOT NULL DEFAULT true,
    no_own_coachee    boolean NOT NULL DEFAULT true,
    PRIMARY KEY (institution_id, programme_id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id),
    CHECK (pass_level = ANY (levels))
);

-- What a programme asks before an enrollment completes. Each column is one
-- rule; NULL or false leaves it out. No row: no rules.
CREATE TABLE completion_rule (
    institution_id      uuid NOT NULL REFERENCES institution,
    programme_id        uuid NOT NULL,
    -- The share of each module's held sessions attended (1.0: all).
    min_attendance      numeric(3, 2) CHECK (min_attendance BETWEEN 0 AND 1),
    -- Every session of a cannot-be-missed module attended, or the block
    -- it caused resolved.
    cannot_be_missed    boolean NOT NULL DEFAULT false,
    -- Verified internship hours at or above the programme's minimum
    -- (internship_setting).
    internship_hours    boolean NOT NULL DEFAULT false,
    -- A submitted logbook chapter for every module.
    logbook_chapters    boolean NOT NULL DEFAULT false,
    -- Every learning outcome of the programme achieved by assessment or by
    -- validated prior learning.
    outcomes_achieved   boolean NOT NULL DEFAULT false,
    -- A released, passed assessment of an assignment of kind final.
    final_passed        boolean NOT NULL DEFAULT false,
    -- Conversations held (development, final and three-way).
    min_conversations   integer CHECK (min_conversations BETWEEN 0 AND 50),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, programme_id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id)
);

CREATE TABLE assignment (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    programme_id   uuid NOT NULL,
    code           text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    text NOT NULL DEFAULT '' CHECK (length(description) <= 8000),
    -- A module's, or a semester's (one of the two, or neither for the
    -- programme as a whole).
    module_id      uuid,
    semester       integer CHECK (semester BETWEEN 1 AND 12),
    context        text NOT NULL DEFAULT '' CHECK (context IN ('', 'micro', 'meso', 'macro')),
    kind           text NOT NULL CHECK (kind IN ('assignment', 'paper', 'intervention',
                                                 'internship_report', 'final')),
    due_on         date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, programme_id, code),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id),
    CHECK (module_id IS NULL OR semester IS NULL)
);

CREATE TABLE assignment_outcome (
    institution_id uuid NOT NULL REFERENCES institution,
    assignment_id  uuid NOT NULL,
    outcome_id     uuid NOT NULL,
    PRIMARY KEY (institution_id, assignment_id, outcome_id),
    FOREIGN KEY (institution_id, assignment_id) REFERENCES assignment (institution_id, id),
    FOREIGN KEY (institution_id, outcome_id) REFERENCES learning_outcome (institution_id, id)
);

-- One participant's instance of an assignment: tailored to her workplace
-- organisation and her own question, which staff approve.
CREATE TABLE assignment_instance (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    assignment_id   uuid NOT NULL,
    enrollment_id   uuid NOT NULL,
    organisation_id uuid REFERENCES organisation,
    question        text NOT NULL DEFAULT '' CHECK (length(question) <= 4000),
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'proposed', 'approved', 'returned')),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    decided_by      uuid REFERENCES principal,
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, assignment_id, enrollment_id),
    FOREIGN KEY (institution_id, assignment_id) REFERENCES assignment (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);
CREATE INDEX assignment_instance_enrollment ON assignment_instance (institution_id, enrollment_id);

-- Submissions are versions: each upload is a new one, none is replaced.
CREATE TABLE submission (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    instance_id    uuid NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    title          text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 200000),
    sha256         bytea NOT NULL CHECK (length(sha256) = 32),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, instance_id, version),
    FOREIGN KEY (institution_id, instance_id) REFERENCES assignment_instance (institution_id, id)
);

CREATE TABLE assessment (
    institution_id     uuid NOT NULL REFERENCES institution,
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    instance_id        uuid NOT NULL,
    assessor_person_id uuid NOT NULL REFERENCES person,
    feedback           text NOT NULL CHECK (length(feedback) BETWEEN 1 AND 20000),
    passed             boolean NOT NULL,
    status             text NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded', 'released')),
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    released_at        timestamptz,
    released_by        uuid REFERENCES principal,
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, instance_id, assessor_person_id),
    FOREIGN KEY (institution_id, instance_id) REFERENCES assignment_instance (institution_id, id),
    CHECK ((status = 'released') = (released_at IS NOT NULL))
);
CREATE INDEX assessment_assessor ON assessment (assessor_person_id);

CREATE TABLE assessment_result (
    institution_id uuid NOT NULL REFERENCES institution,
    assessment_id  uuid NOT NULL,
    outcome_id     uuid NOT NULL,
    result         text NOT NULL CHECK (length(result) BETWEEN 1 AND 40),
    passed         boolean NOT NULL,
    PRIMARY KEY (institution_id, assessment_id, outcome_id),
    FOREIGN KEY (institution_id, assessment_id) REFERENCES assessment (institution_id, id),
    FOREIGN KEY (institution_id, outcome_id) REFERENCES learning_outcome (institution_id, id)
);
CREATE INDEX assessment_result_outcome ON assessment_result (institution_id, outcome_id);

-- What an assessment rests on: a submission version, a coach's feedback, a
-- logbook chapter, or the internship's verified hours (a snapshot in the
-- label, which says what was seen).
CREATE TABLE assessment_evidence (
    institution_id uuid NOT NULL REFERENCES institution,
    assessment_id  uuid NOT NULL,
    position       integer NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('submission', 'feedback', 'chapter', 'hours')),
    ref_id         uuid,
    label          text NOT NULL CHECK (length(label) BETWEEN 1 AND 400),
    PRIMARY KEY (institution_id, assessment_id, position),
    FOREIGN KEY (institution_id, assessment_id) REFERENCES assessment (institution_id, id)
);

-- A released result changed, with the reason: kept for good.
CREATE TABLE assessment_correction (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    assessment_id  uuid NOT NULL,
    outcome_id     uuid NOT NULL,
    previous       text NOT NULL,
    result         text NOT NULL,
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    corrected_by   uuid REFERENCES principal,
    corrected_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, assessment_id) REFERENCES assessment (institution_id, id),
    FOREIGN KEY (institution_id, outcome_id) REFERENCES learning_outcome (institution_id, id)
);
CREATE INDEX assessment_correction_assessment ON assessment_correction (institution_id, assessment_id);

-- The programme manager let an enrollment complete with rules unmet.
CREATE TABLE completion_exemption (
    institution_id uuid NOT NULL REFERENCES institution,
    enrollment_id  uuid NOT NULL,
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    -- The rules unmet when it was recorded, in words.
    unmet          text[] NOT NULL DEFAULT '{}',
    exempted_by    uuid REFERENCES principal,
    exempted_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, enrollment_id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['assessment_setting', 'completion_rule', 'assignment',
                             'assignment_outcome', 'assignment_instance', 'submission',
                             'assessment', 'assessment_result', 'assessment_evidence',
                             'assessment_correction', 'completion_exemption'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON assessment_setting, completion_rule, assignment,
    assignment_instance, assessment, completion_exemption TO triad_app;
-- An assessment recorded again before release replaces its results and
-- evidence.
GRANT SELECT, INSERT, UPDATE, DELETE ON assessment_result TO triad_app;
GRANT SELECT, INSERT, DELETE ON assignment_outcome, assessment_evidence TO triad_app;
GRANT SELECT, INSERT ON submission, assessment_correction TO triad_app;
