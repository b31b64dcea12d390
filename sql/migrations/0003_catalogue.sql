-- 0003_catalogue: programmes, learning lines, learning outcomes, modules and
-- the prerequisites between modules.
--
-- Every table here belongs to one institution (see 0002: institution_id
-- leads every key, row-level security on it). The daemon changes the
-- catalogue only through the triad_<thing>_<verb>() functions of
-- sql/functions/catalogue.sql, which
-- run as the caller (SECURITY INVOKER, so row-level security holds), check
-- every field with a message meant for a programme manager, enforce the
-- rules, write the audit row and return the result in the shape of the
-- protocol's message (column names = field names; see daemon/sqlroute.h).
-- The *_v views are that shape for reads.
--
-- Errors: TR400 names the request field at fault in COLUMN, as a dotted
-- path from the request body ('create_module.module.line_codes'); TR404 for
-- an id that names nothing in the institution; TRDUP for a code already
-- taken (ALREADY_EXISTS); TR409 for a rule of the
-- catalogue (a code already taken, something still in use, a cycle).

CREATE TABLE programme (
    institution_id   uuid NOT NULL REFERENCES institution,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    code             text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    award            text NOT NULL CHECK (award IN ('degree', 'certificate')),
    ects             numeric(5, 1) NOT NULL CHECK (ects BETWEEN 0 AND 300),
    duration_months  int NOT NULL CHECK (duration_months BETWEEN 1 AND 120),
    language         text NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('part_time', 'evening', 'full_time',
                                                   'blended')),
    start_moments    text[] NOT NULL DEFAULT '{}',
    fee_cents        bigint NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
    specialisations  text[] NOT NULL DEFAULT '{}',
    -- Standalone participants stay strictly below this share of every group.
    standalone_share numeric(3, 2) NOT NULL DEFAULT 0.50
                     CHECK (standalone_share BETWEEN 0.05 AND 0.95),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, code)
);

-- A thread through the modules, such as "personal development".
CREATE TABLE learning_line (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    programme_id   uuid NOT NULL,
    code           text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id),
    UNIQUE (institution_id, programme_id, code)
);

CREATE TABLE learning_outcome (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    programme_id   uuid NOT NULL,
    code           text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    description    text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    credits        numeric(5, 1) NOT NULL CHECK (credits BETWEEN 0 AND 300),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id),
    UNIQUE (institution_id, programme_id, code)
);

CREATE TABLE module (
    institution_id       uuid NOT NULL REFERENCES institution,
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    programme_id         uuid NOT NULL,
    code                 text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                 text NOT NULL CHECK (kind IN ('core', 'elective', 'masterclass',
                                                       'internship', 'final')),
    sequence             int NOT NULL CHECK (sequence BETWEEN 1 AND 999),
    credits              numeric(5, 1) NOT NULL CHECK (credits BETWEEN 0 AND 300),
    attendance_mandatory bool NOT NULL DEFAULT false,
    -- Missing a session blocks the enrollment (implies attendance_mandatory).
    cannot_be_missed     bool NOT NULL DEFAULT false,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id),
    UNIQUE (institution_id, programme_id, code),
    CHECK (attendance_mandatory OR NOT cannot_be_missed)
);

-- The links of a module. They belong to the module: replaced by its
-- update, deleted with it. Line, outcome and module are in one programme
-- (the functions see to it).
CREATE TABLE module_line (
    institution_id uuid NOT NULL REFERENCES institution,
    module_id      uuid NOT NULL,
    line_id        uuid NOT NULL,
    PRIMARY KEY (institution_id, module_id, line_id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id),
    FOREIGN KEY (institution_id, line_id) REFERENCES learning_line (institution_id, id)
);
CREATE INDEX module_line_line ON module_line (institution_id, line_id);

CREATE TABLE module_outcome (
    institution_id uuid NOT NULL REFERENCES institution,
    module_id      uuid NOT NULL,
    outcome_id     uuid NOT NULL,
    PRIMARY KEY (institution_id, module_id, outcome_id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id),
    FOREIGN KEY (institution_id, outcome_id) REFERENCES learning_outcome (institution_id, id)
);
CREATE INDEX module_outcome_outcome ON module_outcome (institution_id, outcome_id);

-- Lecturers and trainers by name (they need not have an account).
CREATE TABLE module_staff (
    institution_id uuid NOT NULL REFERENCES institution,
    module_id      uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (institution_id, module_id, name),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id)
);

-- module_id requires required_module_id first. Always acyclic:
-- triad_prerequisite_add() refuses the edge that would close a cycle.
CREATE TABLE module_prerequisite (
    institution_id     uuid NOT NULL REFERENCES institution,
    module_id          uuid NOT NULL,
    required_module_id uuid NOT NULL,
    PRIMARY KEY (institution_id, module_id, required_module_id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id),
    FOREIGN KEY (institution_id, required_module_id) REFERENCES module (institution_id, id),
    CHECK (module_id <> required_module_id)
);
CREATE INDEX module_prerequisite_required
    ON module_prerequisite (institution_id, required_module_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['programme', 'learning_line', 'learning_outcome', 'module',
                             'module_line', 'module_outcome', 'module_staff',
                             'module_prerequisite'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

-- ---- Privileges of the daemon's role ----
--
-- It reads everything here and changes it only as the functions do: no
-- UPDATE of ids, programme codes or created_at. UPDATE on programme also
-- lets the functions lock its row.
GRANT SELECT, INSERT, DELETE ON programme, learning_line, learning_outcome, module,
    module_line, module_outcome, module_staff, module_prerequisite TO triad_app;
GRANT UPDATE (name, award, ects, duration_months, language, mode, start_moments, fee_cents,
              specialisations, standalone_share) ON programme TO triad_app;
GRANT UPDATE (code, name) ON learning_line TO triad_app;
GRANT UPDATE (code, description, credits) ON learning_outcome TO triad_app;
GRANT UPDATE (code, name, kind, sequence, credits, attendance_mandatory, cannot_be_missed)
    ON module TO triad_app;
