-- 0005_triangle: the workplace triangle. Agreements with partner
-- organisations, coaching relations, feedback requests, feedback, consent
-- and advisory judgements.
--
-- Coaches are shared persons: one coach, one credential, coachees at
-- several institutions. Their view across institutions goes through two
-- SECURITY DEFINER functions (triad_coachees, triad_coach_requests) that
-- return only rows of active relations whose coach is the caller; nothing
-- loosens row-level security.

CREATE TABLE agreement (
    institution_id    uuid NOT NULL REFERENCES institution,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    organisation_id   uuid NOT NULL REFERENCES organisation,
    kind              text NOT NULL CHECK (kind IN ('covenant', 'professional_workplace',
                                                    'professional_network')),
    starts_on         date NOT NULL,
    ends_on           date CHECK (ends_on >= starts_on),
    hours_per_week    numeric(6, 1) NOT NULL DEFAULT 0 CHECK (hours_per_week >= 0),
    change_assignments integer NOT NULL DEFAULT 0 CHECK (change_assignments >= 0),
    internship_places integer NOT NULL DEFAULT 0 CHECK (internship_places >= 0),
    contacts          text[] NOT NULL DEFAULT '{}',
    ambassadors       text[] NOT NULL DEFAULT '{}',
    members           text[] NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id)
);

CREATE TABLE coaching_relation (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    enrollment_id   uuid NOT NULL,
    coach_person_id uuid NOT NULL REFERENCES person,
    kind            text NOT NULL CHECK (kind IN ('workplace_coach', 'confidant',
                                                  'programme_coach', 'alumni_coach')),
    status          text NOT NULL CHECK (status IN ('proposed', 'active', 'ended')),
    starts_on       date NOT NULL DEFAULT current_date,
    ends_on         date CHECK (ends_on >= starts_on),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);
CREATE INDEX coaching_relation_coach ON coaching_relation (coach_person_id) WHERE status = 'active';
CREATE INDEX coaching_relation_enrollment ON coaching_relation (institution_id, enrollment_id);

CREATE TABLE feedback_request (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    relation_id    uuid NOT NULL,
    outcome_id     uuid,
    module_id      uuid,
    assignment     text NOT NULL DEFAULT '' CHECK (length(assignment) <= 200),
    question       text NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
    due_on         date,
    created_at     timestamptz NOT NULL DEFAULT now(),
    answered_at    timestamptz,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, relation_id) REFERENCES coaching_relation (institution_id, id),
    FOREIGN KEY (institution_id, outcome_id) REFERENCES learning_outcome (institution_id, id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id)
);
CREATE INDEX feedback_request_open ON feedback_request (institution_id, relation_id)
    WHERE answered_at IS NULL;

-- Formative feedback: situation, behaviour, effect, suggestion. No grade.
CREATE TABLE feedback (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    relation_id     uuid NOT NULL,
    enrollment_id   uuid NOT NULL,
    coach_person_id uuid NOT NULL REFERENCES person,
    situation       text NOT NULL CHECK (length(situation) BETWEEN 1 AND 4000),
    behaviour       text NOT NULL CHECK (length(behaviour) BETWEEN 1 AND 4000),
    effect          text NOT NULL DEFAULT '' CHECK (length(effect) <= 4000),
    suggestion      text NOT NULL DEFAULT '' CHECK (length(suggestion) <= 4000),
    outcome_id      uuid,
    module_id       uuid,
    request_id      uuid,
    idempotency_key text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    edited_at       timestamptz,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, relation_id) REFERENCES coaching_relation (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id),
    FOREIGN KEY (institution_id, outcome_id) REFERENCES learning_outcome (institution_id, id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id),
    FOREIGN KEY (institution_id, request_id) REFERENCES feedback_request (institution_id, id)
);
CREATE UNIQUE INDEX feedback_idempotency ON feedback (institution_id, coach_person_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Lists page by id within an enrollment; the coachee list wants the latest per relation.
CREATE INDEX feedback_enrollment ON feedback (institution_id, enrollment_id, id);
CREATE INDEX feedback_relation ON feedback (institution_id, relation_id, created_at DESC);

CREATE TABLE consent (
    institution_id  uuid NOT NULL REFERENCES institution,
    enrollment_id   uuid NOT NULL,
    organisation_id uuid NOT NULL REFERENCES organisation,
    level           text NOT NULL CHECK (level IN ('none', 'progress', 'full')),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, enrollment_id, organisation_id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);

CREATE TABLE advisory_judgement (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    enrollment_id   uuid NOT NULL,
    organisation_id uuid NOT NULL REFERENCES organisation,
    author_id       uuid REFERENCES principal,
    subject         text NOT NULL CHECK (subject = 'intervention'),
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agreement', 'coaching_relation', 'feedback_request', 'feedback',
                             'consent', 'advisory_judgement'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON agreement, coaching_relation, feedback_request, feedback,
    consent TO triad_app;
GRANT SELECT, INSERT ON advisory_judgement TO triad_app;
