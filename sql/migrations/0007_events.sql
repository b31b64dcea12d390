-- 0007_events: events with registrations, waitlists, attendance and topic
-- suggestions; alumni; ambassadors and their activities.
--
-- Places at an event follow the rules of the groups of module runs: the
-- rules are written once (triad_seat_problem, triad_seat_placement and
-- triad_seat_position in sql/functions/enrollment.sql) and the event
-- functions of sql/functions/events.sql use them. Every placement decision
-- for an event (registration, cancellation, capacity, promotion) takes the
-- event's row lock first, as enrollment takes the cohort's.
--
-- Alumni are not stored: a completed enrollment makes its person an
-- alumnus of its programme (alumnus_v). Ambassadors are any person the
-- service knows (an executive is often not yet known to the institution);
-- naming one makes the person known to the institution, as a coaching
-- relation does for a coach.

CREATE TABLE event (
    institution_id      uuid NOT NULL REFERENCES institution,
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    kind                text NOT NULL CHECK (kind IN ('symposium', 'alumni_presentation',
                                                      'practice_coach_meeting',
                                                      'community_meeting', 'intervision')),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    community_id        uuid,
    programme_id        uuid,
    starts_at           timestamptz NOT NULL,
    place               text NOT NULL DEFAULT '' CHECK (length(place) <= 200),
    capacity            integer NOT NULL DEFAULT 25 CHECK (capacity BETWEEN 1 AND 10000),
    presenter_person_id uuid,
    topic               text NOT NULL DEFAULT '' CHECK (length(topic) <= 500),
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, community_id) REFERENCES community (institution_id, id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id),
    FOREIGN KEY (institution_id, presenter_person_id) REFERENCES member (institution_id, person_id),
    CHECK (kind <> 'community_meeting' OR community_id IS NOT NULL),
    CHECK ((kind = 'alumni_presentation') = (presenter_person_id IS NOT NULL))
);
CREATE INDEX event_starts ON event (institution_id, starts_at, id);
CREATE INDEX event_community ON event (institution_id, community_id) WHERE community_id IS NOT NULL;
CREATE INDEX event_presenter ON event (institution_id, presenter_person_id)
    WHERE presenter_person_id IS NOT NULL;

CREATE TABLE event_registration (
    institution_id         uuid NOT NULL REFERENCES institution,
    id                     uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id               uuid NOT NULL,
    person_id              uuid NOT NULL,
    status                 text NOT NULL DEFAULT 'registered'
                           CHECK (status IN ('registered', 'cancelled')),
    placement              text NOT NULL CHECK (placement IN ('placed', 'waitlisted')),
    arrival                bigint GENERATED ALWAYS AS IDENTITY,
    attendance             text CHECK (attendance IN ('present', 'absent', 'excused')),
    attendance_recorded_at timestamptz,
    attendance_recorded_by uuid REFERENCES principal,
    registered_at          timestamptz NOT NULL DEFAULT now(),
    cancelled_at           timestamptz,
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, event_id) REFERENCES event (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
-- One live registration per person per event.
CREATE UNIQUE INDEX event_registration_once ON event_registration (institution_id, event_id,
                                                                   person_id)
    WHERE status = 'registered';
CREATE INDEX event_registration_line ON event_registration (institution_id, event_id, arrival);
CREATE INDEX event_registration_person ON event_registration (institution_id, person_id);

-- A topic someone would like an event to be about. A partner system has
-- no person: its principal is kept instead.
CREATE TABLE topic_suggestion (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    event_id       uuid NOT NULL,
    person_id      uuid REFERENCES person,
    principal_id   uuid REFERENCES principal,
    suggested_as   text NOT NULL CHECK (suggested_as IN ('participant', 'alumnus', 'coach',
                                                         'partner', 'staff')),
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, event_id) REFERENCES event (institution_id, id),
    CHECK (person_id IS NOT NULL OR principal_id IS NOT NULL)
);
CREATE INDEX topic_suggestion_event ON topic_suggestion (institution_id, event_id, created_at);

CREATE TABLE ambassador (
    institution_id  uuid NOT NULL REFERENCES institution,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id       uuid NOT NULL,
    programme_id    uuid NOT NULL,
    organisation_id uuid NOT NULL REFERENCES organisation,
    basis           text NOT NULL CHECK (basis IN ('executive', 'alumnus')),
    starts_on       date NOT NULL,
    ends_on         date CHECK (ends_on >= starts_on),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, person_id) REFERENCES member (institution_id, person_id),
    FOREIGN KEY (institution_id, programme_id) REFERENCES programme (institution_id, id)
);
CREATE INDEX ambassador_person ON ambassador (institution_id, person_id, programme_id);

CREATE TABLE ambassador_activity (
    institution_id uuid NOT NULL REFERENCES institution,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    ambassador_id  uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('guest_lecture', 'talk', 'recruitment')),
    held_on        date NOT NULL,
    description    text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    reach          integer NOT NULL DEFAULT 0 CHECK (reach >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, id),
    FOREIGN KEY (institution_id, ambassador_id) REFERENCES ambassador (institution_id, id)
);
CREATE INDEX ambassador_activity_held ON ambassador_activity (institution_id, ambassador_id,
                                                              held_on DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['event', 'event_registration', 'topic_suggestion', 'ambassador',
                             'ambassador_activity'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (institution_id = triad_tenant()) '
                       'WITH CHECK (institution_id = triad_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT ON event, event_registration, topic_suggestion, ambassador,
    ambassador_activity TO triad_app;
-- Placement decisions lock the event's row (SELECT ... FOR UPDATE).
GRANT UPDATE (capacity) ON event TO triad_app;
GRANT UPDATE (status, placement, attendance, attendance_recorded_at, attendance_recorded_by,
              cancelled_at) ON event_registration TO triad_app;
GRANT UPDATE (ends_on) ON ambassador TO triad_app;
