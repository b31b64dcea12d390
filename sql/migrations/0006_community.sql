-- 0006_community: professional learning communities and their members,
-- the organisations taking part, practice questions with the people and
-- products of each, and advisory boards.
--
-- A community belongs to one institution; its members are persons of the
-- institution (participants, alumni, staff, coaches, people from partner
-- organisations). Community content is visible to the community's current
-- members and to the institution's staff: triad_community_visible() in
-- sql/functions/community.sql says so in one place.

CREATE TABLE community (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    theme          text NOT NULL DEFAULT '' CHECK (length(theme) <= 2000),
    kind           text NOT NULL CHECK (kind IN ('cohort', 'professional')),
    cohort_id      uuid,
    agreement_id   uuid,
    starts_on      date NOT NULL,
    ends_on        date CHECK (ends_on >= starts_on),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, name),
    FOREIGN KEY (institution_id, cohort_id) REFERENCES cohort (institution_id, id),
    FOREIGN KEY (institution_id, agreement_id) REFERENCES agreement (institution_id, id),
    CHECK ((kind = 'cohort') = (cohort_id IS NOT NULL))
);

CREATE TABLE community_member (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id    uuid NOT NULL,
    person_id       uuid NOT NULL,
    role            text NOT NULL CHECK (role IN ('facilitator', 'member', 'guest')),
    affiliation     text NOT NULL CHECK (affiliation IN ('participant', 'alumnus', 'staff',
                                                         'workplace_coach', 'partner')),
    organisation_id uuid REFERENCES organisation,
    joined_on       date NOT NULL DEFAULT current_date,
    left_on         date CHECK (left_on >= joined_on),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, community_id) REFERENCES community (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    CHECK ((affiliation = 'partner') = (organisation_id IS NOT NULL))
);
-- One current membership per person per community.
CREATE UNIQUE INDEX community_member_current ON community_member (institution_id, community_id,
                                                                  person_id)
    WHERE left_on IS NULL;
CREATE INDEX community_member_person ON community_member (institution_id, person_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['community', 'community_member'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT ON community TO triad_app;
GRANT SELECT, INSERT, UPDATE ON community_member TO triad_app;

-- ---- organisations, practice questions, products, advisory boards ----
--
-- A work-field organisation takes part in a community, on its own or
-- through a professional network's agreement. Practice questions belong to
-- one organisation taking part (the foreign key to community_organisation
-- says so), move forward only (proposed -> accepted -> in_progress ->
-- delivered -> evaluated) and carry the people working on them and the
-- products delivered, with the organisation's feedback on each. Every rule
-- that depends on other rows (participants before in_progress, products
-- before delivered, feedback before evaluated) is checked under the
-- question's row lock, which adding a product, linking a person and giving
-- feedback also take.
--
-- Who sees what: staff everything; a community's current members its
-- content (triad_community_visible); an organisation's contact the
-- questions and products of that organisation (triad_question_visible).
-- Anything else is NOT_FOUND with the message of a missing id. Boards:
-- staff all of them, anyone else the boards they have a current term on.

CREATE TABLE community_organisation (
    institution_id       uuid NOT NULL REFERENCES institution,
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id         uuid NOT NULL,
    organisation_id      uuid NOT NULL REFERENCES organisation,
    network_agreement_id uuid,
    joined_on            date NOT NULL DEFAULT current_date,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, community_id, organisation_id),
    FOREIGN KEY (institution_id, community_id) REFERENCES community (institution_id, id),
    FOREIGN KEY (institution_id, network_agreement_id) REFERENCES agreement (institution_id, id)
);

CREATE TABLE practice_question (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id    uuid NOT NULL,
    organisation_id uuid NOT NULL REFERENCES organisation,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 16384),
    status          text NOT NULL DEFAULT 'proposed'
                    CHECK (status IN ('proposed', 'accepted', 'in_progress', 'delivered',
                                      'evaluated')),
    author_id       uuid REFERENCES principal,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, community_id) REFERENCES community (institution_id, id),
    -- The owner takes part in the community.
    FOREIGN KEY (institution_id, community_id, organisation_id)
        REFERENCES community_organisation (institution_id, community_id, organisation_id)
);
CREATE INDEX practice_question_community ON practice_question (institution_id, community_id);
CREATE INDEX practice_question_organisation ON practice_question (institution_id, organisation_id);

CREATE TABLE question_person (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    question_id    uuid NOT NULL,
    person_id      uuid NOT NULL,
    role           text NOT NULL CHECK (role IN ('participant', 'coach', 'staff')),
    enrollment_id  uuid,
    work           text NOT NULL DEFAULT '' CHECK (length(work) <= 200),
    linked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, question_id, person_id, role),
    FOREIGN KEY (institution_id, question_id) REFERENCES practice_question (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    FOREIGN KEY (institution_id, enrollment_id) REFERENCES enrollment (institution_id, id),
    CHECK (enrollment_id IS NULL OR role = 'participant')
);

CREATE TABLE product (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    question_id    uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('report', 'workshop', 'game', 'article')),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    text NOT NULL DEFAULT '' CHECK (length(description) <= 16384),
    delivered_on   date NOT NULL DEFAULT current_date,
    feedback       text CHECK (length(feedback) BETWEEN 1 AND 16384),
    feedback_by    text,
    feedback_by_id uuid REFERENCES principal,
    feedback_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, question_id) REFERENCES practice_question (institution_id, id),
    CHECK ((feedback IS NULL) = (feedback_at IS NULL))
);
CREATE INDEX product_question ON product (institution_id, question_id);

CREATE TABLE board (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind           text NOT NULL CHECK (kind IN ('work_field', 'scientific', 'advisory_council')),
    programme_id   uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE NULLS NOT DISTINCT (institution_id, programme_id, name),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id)
);

CREATE TABLE board_member (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    board_id        uuid NOT NULL,
    person_id       uuid NOT NULL,
    organisation_id uuid REFERENCES organisation,
    role            text NOT NULL CHECK (role IN ('chair', 'member', 'secretary')),
    term_starts_on  date NOT NULL,
    term_ends_on    date CHECK (term_ends_on >= term_starts_on),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, board_id) REFERENCES board (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id)
);
CREATE INDEX board_member_board ON board_member (institution_id, board_id, person_id);
CREATE INDEX board_member_person ON board_member (institution_id, person_id);

CREATE TABLE board_meeting (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    board_id       uuid NOT NULL,
    held_on        date NOT NULL,
    place          text NOT NULL DEFAULT '' CHECK (length(place) <= 200),
    minutes        text NOT NULL DEFAULT '' CHECK (length(minutes) <= 16384),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, board_id) REFERENCES board (institution_id, id)
);
CREATE INDEX board_meeting_board ON board_meeting (institution_id, board_id, held_on);

CREATE TABLE agenda_item (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    meeting_id     uuid NOT NULL,
    position       integer NOT NULL CHECK (position >= 1),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    notes          text NOT NULL DEFAULT '' CHECK (length(notes) <= 16384),
    question_id    uuid,
    programme_id   uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    UNIQUE (institution_id, meeting_id, position),
    FOREIGN KEY (institution_id, meeting_id) REFERENCES board_meeting (institution_id, id),
    FOREIGN KEY (institution_id, question_id) REFERENCES practice_question (institution_id, id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['community_organisation', 'practice_question', 'question_person',
                             'product', 'board', 'board_member', 'board_meeting',
                             'agenda_item'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT ON community_organisation, board, board_member, agenda_item TO triad_app;
GRANT SELECT, INSERT, UPDATE ON practice_question, question_person, product TO triad_app;
-- Row locks (SELECT ... FOR UPDATE) need an UPDATE privilege.
GRANT UPDATE (name) ON board TO triad_app;
GRANT SELECT, INSERT ON board_meeting TO triad_app;
GRANT UPDATE (minutes) ON board_meeting TO triad_app;
