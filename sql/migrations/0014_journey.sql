-- 0014_journey: the learning journey of seed 004. Conversations (intake,
-- development, final, three-way) with the people who hold them, agreed
-- actions and the logbook chapters they discussed; the participant's
-- logbook, one chapter per module, with comments; and two settings of a
-- programme: whether admission needs a held intake conversation, and how
-- many development conversations it expects.
--
-- The rules live in sql/functions/journey.sql: a chapter opens after the
-- last session of its module's run; the private note of a conversation is
-- for staff only; admission checks the intake (triad_intake_problem(),
-- called where admission happens, triad_enrollment_transition()).

ALTER TABLE programme
    ADD COLUMN intake_required boolean NOT NULL DEFAULT false,
    ADD COLUMN development_conversations integer NOT NULL DEFAULT 0
        CHECK (development_conversations BETWEEN 0 AND 20);

CREATE TABLE conversation (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    enrollment_id   uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('intake', 'development', 'final', 'three_way')),
    planned_at      timestamptz NOT NULL,
    held_at         timestamptz,
    -- Visible to the participant.
    notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 20000),
    -- Staff only: the participant never sees it.
    private_note    text NOT NULL DEFAULT '' CHECK (length(private_note) <= 20000),
    created_by      uuid REFERENCES principal,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id)
);
CREATE INDEX conversation_enrollment ON conversation (institution_id, enrollment_id, planned_at);

-- Who holds the conversation besides the participant: staff, and for a
-- three-way conversation the workplace coach.
CREATE TABLE conversation_person (
    institution_id  uuid NOT NULL REFERENCES institution,
    conversation_id uuid NOT NULL,
    person_id       uuid NOT NULL REFERENCES person,
    role            text NOT NULL CHECK (role IN ('staff', 'coach')),
    PRIMARY KEY (institution_id, conversation_id, person_id),
    FOREIGN KEY (institution_id, conversation_id) REFERENCES conversation (institution_id, id)
);
CREATE INDEX conversation_person_person ON conversation_person (person_id);

CREATE TABLE conversation_action (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL,
    description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    owner_person_id uuid NOT NULL REFERENCES person,
    due_on          date,
    done_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, conversation_id) REFERENCES conversation (institution_id, id)
);
CREATE INDEX conversation_action_conversation ON conversation_action (institution_id, conversation_id);

CREATE TABLE logbook_chapter (
    institution_id        uuid NOT NULL REFERENCES institution,
    id                    uuid NOT NULL DEFAULT gen_random_uuid(),
    enrollment_id         uuid NOT NULL,
    module_id             uuid NOT NULL,
    text                  text NOT NULL DEFAULT '' CHECK (length(text) <= 100000),
    saves                 integer NOT NULL DEFAULT 0,
    saved_at              timestamptz NOT NULL DEFAULT now(),
    submitted_at          timestamptz,
    -- The workplace coach she shared it with, if any.
    shared_with_person_id uuid REFERENCES person,
    shared_at             timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, enrollment_id, module_id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id),
    FOREIGN KEY (institution_id, module_id) REFERENCES module (institution_id, id)
);

CREATE TABLE logbook_comment (
    institution_id   uuid NOT NULL REFERENCES institution,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    chapter_id       uuid NOT NULL,
    author_person_id uuid REFERENCES person,
    text             text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, chapter_id) REFERENCES logbook_chapter (institution_id, id)
);
CREATE INDEX logbook_comment_chapter ON logbook_comment (institution_id, chapter_id, created_at);

-- The chapters a conversation discussed.
CREATE TABLE conversation_chapter (
    institution_id  uuid NOT NULL REFERENCES institution,
    conversation_id uuid NOT NULL,
    chapter_id      uuid NOT NULL,
    PRIMARY KEY (institution_id, conversation_id, chapter_id),
    FOREIGN KEY (institution_id, conversation_id) REFERENCES conversation (institution_id, id),
    FOREIGN KEY (institution_id, chapter_id) REFERENCES logbook_chapter (institution_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['conversation', 'conversation_person', 'conversation_action',
                             'logbook_chapter', 'logbook_comment', 'conversation_chapter'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON conversation, conversation_action, logbook_chapter TO triad_app;
GRANT SELECT, INSERT ON conversation_person, logbook_comment, conversation_chapter TO triad_app;
GRANT UPDATE (intake_required, development_conversations) ON programme TO triad_app;
