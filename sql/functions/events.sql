-- events.sql: events with registrations, waitlists, attendance and topic
-- suggestions; alumni; ambassadors and their activities (tables: migration
-- 0007_events).
--
-- Places at an event follow the rules of the groups of module runs: the
-- event functions use triad_seat_problem(), triad_seat_placement() and
-- triad_seat_position() of enrollment.sql. Every placement decision for an
-- event (registration, cancellation, capacity, promotion) takes the
-- event's row lock first, as enrollment takes the cohort's.
--
-- Alumni are not stored: a completed enrollment makes its person an
-- alumnus of its programme (alumnus_v). Ambassadors are any person the
-- service knows; naming one makes the person known to the institution, as
-- a coaching relation does for a coach.
--
-- Who sees what: an event of a community is visible to the community's
-- current members and to staff (triad_community_visible), any other event
-- to everyone in the institution; an event one may not see is "not found",
-- like an id that names nothing. Registrations and alumni rows: staff all,
-- anyone else their own. The views apply this themselves, as security
-- barriers, to the caller triad_begin() describes (triad_person(),
-- triad_staff()), read once per statement ((SELECT triad_staff()) is an
-- init plan); the rules that count places or check who someone is read
-- the tables (and completed_enrollment_v, which is theirs, not a route's).

-- ---- who someone is to the institution ----

-- True when the person holds an admin or staff grant in the institution.
CREATE OR REPLACE FUNCTION triad_is_staff_person(p_person uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM role_grant g JOIN principal pr ON pr.id = g.principal_id
                    WHERE g.institution_id = triad_tenant() AND pr.person_id = p_person
                      AND g.role IN ('institution_admin', 'programme_staff'))
$$;

-- Completed enrollments, each with the programme it was for (through the
-- cohort, or the run of a standalone module).
CREATE OR REPLACE VIEW completed_enrollment_v WITH (security_invoker = true) AS
SELECT e.institution_id, e.id, e.person_id, coalesce(c.programme_id, m.programme_id) AS programme_id,
       c.name AS cohort_name, (e.updated_at AT TIME ZONE 'UTC')::date AS completed_on
  FROM enrollment e
  LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
  LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
  LEFT JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
 WHERE e.status = 'completed';

-- True when the person completed the programme (any programme of the
-- institution when p_programme is NULL).
CREATE OR REPLACE FUNCTION triad_alumnus_of(p_person uuid, p_programme uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM completed_enrollment_v a
                    WHERE a.institution_id = triad_tenant() AND a.person_id = p_person
                      AND (p_programme IS NULL OR a.programme_id = p_programme))
$$;

-- How the institution knows someone who suggests a topic: staff (an admin
-- or staff grant), else alumnus (a completed enrollment), else participant
-- (an enrollment not withdrawn), else coach (an active coaching relation
-- as coach, or a workplace-coach grant), else partner (employer contacts,
-- partner systems and anyone else). p_person is NULL for a partner
-- system, whose grants are those of p_principal.
CREATE OR REPLACE FUNCTION triad_suggester_role(p_person uuid, p_principal uuid) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    WITH g AS (SELECT g.role FROM role_grant g JOIN principal pr ON pr.id = g.principal_id
                WHERE g.institution_id = triad_tenant()
                  AND (pr.person_id = p_person OR (p_person IS NULL AND pr.id = p_principal)))
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM g WHERE g.role IN ('institution_admin', 'programme_staff'))
            THEN 'staff'
        WHEN EXISTS (SELECT 1 FROM enrollment e
                      WHERE e.institution_id = triad_tenant() AND e.person_id = p_person
                        AND e.status = 'completed')
            THEN 'alumnus'
        WHEN EXISTS (SELECT 1 FROM enrollment e
                      WHERE e.institution_id = triad_tenant() AND e.person_id = p_person
                        AND e.status <> 'withdrawn')
            THEN 'participant'
        WHEN EXISTS (SELECT 1 FROM coaching_relation r
                      WHERE r.institution_id = triad_tenant() AND r.coach_person_id = p_person
                        AND triad_relation_active(r))
          OR EXISTS (SELECT 1 FROM g WHERE g.role = 'workplace_coach')
            THEN 'coach'
        ELSE 'partner' END
$$;

-- ---- events ----

-- True when the caller may see an event of this community (NULL: an event
-- of the whole institution).
CREATE OR REPLACE FUNCTION triad_event_visible(p_community uuid, p_person text, p_staff boolean)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT p_community IS NULL OR triad_community_visible(p_community, p_person, p_staff) $$;

-- Live registrations of an event: placed, waitlisted, and recorded present.
CREATE OR REPLACE FUNCTION triad_event_counts(p_event uuid, OUT placed integer, OUT waitlisted integer,
                                              OUT attended integer)
    LANGUAGE sql STABLE
    AS $$
    SELECT count(*) FILTER (WHERE r.placement = 'placed')::int,
           count(*) FILTER (WHERE r.placement = 'waitlisted')::int,
           count(*) FILTER (WHERE r.placement = 'placed' AND r.attendance = 'present')::int
      FROM event_registration r
     WHERE r.event_id = p_event AND r.status = 'registered'
$$;

CREATE OR REPLACE VIEW event_v WITH (security_barrier, security_invoker = true) AS
SELECT e.id, e.kind, e.title, e.description, e.community_id, c.name AS community_name,
       e.programme_id, p.code AS programme_code, triad_us(e.starts_at) AS starts_at_us, e.place,
       e.capacity, n.placed, n.waitlisted, n.attended, e.presenter_person_id,
       pp.name AS presenter_name, e.topic, triad_us(e.created_at) AS created_at_us,
       e.starts_at AS at
  FROM event e
  LEFT JOIN community c ON c.institution_id = e.institution_id AND c.id = e.community_id
  LEFT JOIN programme p ON p.institution_id = e.institution_id AND p.id = e.programme_id
  LEFT JOIN person pp ON pp.id = e.presenter_person_id
 CROSS JOIN LATERAL triad_event_counts(e.id) n
 WHERE triad_event_visible(e.community_id, triad_person()::text, triad_staff()) OR e.id = triad_written();

CREATE OR REPLACE VIEW event_registration_v WITH (security_barrier, security_invoker = true) AS
SELECT r.id, r.event_id, r.person_id, p.name AS person_name, r.status, r.placement,
       triad_seat_position(r.placement = 'waitlisted' AND r.status = 'registered',
           (SELECT count(*) FROM event_registration w
             WHERE w.institution_id = r.institution_id AND w.event_id = r.event_id
               AND w.placement = 'waitlisted' AND w.status = 'registered'
               AND w.arrival <= r.arrival))
           AS waitlist_position,
       coalesce(r.attendance, '') AS attendance, triad_us(r.registered_at) AS registered_at_us,
       r.arrival
  FROM event_registration r JOIN person p ON p.id = r.person_id
 WHERE (SELECT triad_staff()) OR r.person_id = (SELECT triad_person()) OR r.id = (SELECT triad_written());

CREATE OR REPLACE VIEW topic_v WITH (security_barrier, security_invoker = true) AS
SELECT t.id, t.event_id, t.person_id, coalesce(p.name, pr.name, '') AS person_name,
       t.suggested_as, t.text, triad_us(t.created_at) AS created_at_us, t.created_at AS at
  FROM topic_suggestion t
  JOIN event ev ON ev.institution_id = t.institution_id AND ev.id = t.event_id
  LEFT JOIN person p ON p.id = t.person_id
  LEFT JOIN principal pr ON pr.id = t.principal_id
 WHERE triad_event_visible(ev.community_id, triad_person()::text, triad_staff()) OR t.id = triad_written();

-- Parses the start of an event: RFC 3339, or "YYYY-MM-DD HH:MM" in UTC.
CREATE OR REPLACE FUNCTION triad_event_time(p_text text, p_column text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF coalesce(p_text, '') = '' THEN
        PERFORM triad_raise('TR400', 'starts_at is required (RFC 3339, or YYYY-MM-DD HH:MM in UTC)',
                            p_column);
    END IF;
    IF p_text ~ '^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$' THEN
        RETURN (p_text || '+00')::timestamptz;
    END IF;
    IF p_text !~ '^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)$' THEN
        PERFORM triad_raise('TR400', format('starts_at: "%s" is not a time (RFC 3339, or YYYY-MM-DD HH:MM in UTC)',
                                            p_text), p_column);
    END IF;
    RETURN p_text::timestamptz;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    PERFORM triad_raise('TR400', format('starts_at: "%s" is not a time', p_text), p_column);
    RETURN NULL;
END
$$;

-- p_capacity NULL (left out) means 25. An event starts now or later,
-- unless p_history (record_history): staff recording one that was held.
CREATE OR REPLACE FUNCTION triad_event_create(p_kind text, p_title text, p_description text,
                                              p_community uuid, p_programme uuid, p_starts text,
                                              p_place text, p_capacity integer, p_presenter uuid,
                                              p_topic text, p_history boolean,
                                              p_request_id numeric)
    RETURNS SETOF event_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_capacity integer := coalesce(p_capacity, 25);
    v_at timestamptz;
    v_presenter text;
    v_id uuid;
BEGIN
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: symposium, alumni presentation, '
                            'practice coach meeting, community meeting or intervision',
                            'create_event.kind');
    END IF;
    IF coalesce(length(trim(p_title)), 0) = 0 OR length(p_title) > 200 THEN
        PERFORM triad_raise('TR400', 'title is required (at most 200 characters)',
                            'create_event.title');
    END IF;
    v_at := triad_event_time(p_starts, 'create_event.starts_at');
    PERFORM triad_check_not_past(v_at, p_history, 'create_event.starts_at');
    IF length(p_description) > 4000 THEN
        PERFORM triad_raise('TR400', 'description is longer than 4000 characters',
                            'create_event.description');
    END IF;
    IF length(p_place) > 200 THEN
        PERFORM triad_raise('TR400', 'place is longer than 200 characters', 'create_event.place');
    END IF;
    IF length(p_topic) > 500 THEN
        PERFORM triad_raise('TR400', 'topic is longer than 500 characters', 'create_event.topic');
    END IF;
    IF v_capacity NOT BETWEEN 1 AND 10000 THEN
        PERFORM triad_raise('TR400', format('capacity must be 1 to 10000, not %s (leave it '
                                            'out for the default, 25)', v_capacity),
                            'create_event.capacity');
    END IF;
    IF p_kind = 'community_meeting' AND p_community IS NULL THEN
        PERFORM triad_raise('TR400', 'a community meeting needs its community (community_id)',
                            'create_event.community_id');
    END IF;
    IF p_community IS NOT NULL AND NOT EXISTS (SELECT 1 FROM community WHERE id = p_community) THEN
        PERFORM triad_raise('TR404', 'community not found', 'create_event.community_id');
    END IF;
    IF p_programme IS NOT NULL AND NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'create_event.programme_id');
    END IF;
    IF p_kind = 'alumni_presentation' THEN
        IF p_presenter IS NULL THEN
            PERFORM triad_raise('TR400', 'an alumni presentation needs its presenter (presenter_person_id)',
                                'create_event.presenter_person_id');
        END IF;
        IF coalesce(length(trim(p_topic)), 0) = 0 THEN
            PERFORM triad_raise('TR400', 'an alumni presentation needs its topic',
                                'create_event.topic');
        END IF;
        SELECT p.name INTO v_presenter
          FROM member m JOIN person p ON p.id = m.person_id WHERE m.person_id = p_presenter;
        IF NOT FOUND THEN
            PERFORM triad_raise('TR404', 'presenter not found in this institution',
                                'create_event.presenter_person_id');
        END IF;
        IF NOT triad_alumnus_of(p_presenter, NULL) THEN
            PERFORM triad_raise('TR409', format('%s is not an alumnus: an alumni presentation is '
                                                'given by someone who completed one of the '
                                                'institution''s programmes', v_presenter),
                                'create_event.presenter_person_id');
        END IF;
    ELSIF p_presenter IS NOT NULL THEN
        PERFORM triad_raise('TR400', 'only an alumni presentation names a presenter',
                            'create_event.presenter_person_id');
    END IF;

    INSERT INTO event (institution_id, kind, title, description, community_id, programme_id,
                       starts_at, place, capacity, presenter_person_id, topic)
    VALUES (triad_tenant(), p_kind, p_title, coalesce(p_description, ''), p_community,
            p_programme, v_at, coalesce(p_place, ''), v_capacity, p_presenter,
            coalesce(p_topic, ''))
    RETURNING id INTO v_id;
    PERFORM triad_audit('event.create', 'event', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM event_v WHERE id = v_id;
END
$$;

-- Promotes waitlisted registrations of the event, first come first served,
-- while there is room. Each promotion is audited and its person told
-- (notify.sql). Assumes the caller holds the event's lock.
CREATE OR REPLACE FUNCTION triad_event_promote(p_event uuid, p_request_id numeric)
    RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_capacity integer := (SELECT capacity FROM event WHERE id = p_event);
    r record;
    n record;
    promoted integer := 0;
BEGIN
    FOR r IN SELECT w.id FROM event_registration w
              WHERE w.event_id = p_event AND w.status = 'registered'
                AND w.placement = 'waitlisted'
              ORDER BY w.arrival LOOP
        SELECT * INTO n FROM triad_event_counts(p_event);
        EXIT WHEN triad_seat_problem('the event', v_capacity, n.placed, NULL, 0, NULL) IS NOT NULL;
        UPDATE event_registration SET placement = 'placed' WHERE id = r.id;
        PERFORM triad_audit('event_registration.promote', 'event_registration', r.id,
                            p_request_id);
        PERFORM triad_notify_event_promoted(r.id);
        promoted := promoted + 1;
    END LOOP;
    RETURN promoted;
END
$$;

-- Registers p_person, or the caller (p_caller, '' for a partner system)
-- when p_person is NULL; only staff (triad_staff()) register someone else. The answer says
-- whether there was a place or where on the waitlist.
CREATE OR REPLACE FUNCTION triad_event_register(p_event uuid, p_person uuid, p_caller text,
                                                p_request_id numeric)
    RETURNS SETOF event_registration_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    p_staff boolean := triad_staff();
    ev event%ROWTYPE;
    v_person uuid := coalesce(p_person, nullif(p_caller, '')::uuid);
    v_name text;
    n record;
    v_placement text;
    v_id uuid;
BEGIN
    -- Every placement decision for an event happens under its lock.
    SELECT * INTO ev FROM event WHERE id = p_event FOR UPDATE;
    IF NOT FOUND OR NOT triad_event_visible(ev.community_id, p_caller, p_staff) THEN
        PERFORM triad_raise('TR404', 'event not found', 'register_for_event.event_id');
    END IF;
    IF v_person IS NULL THEN
        PERFORM triad_raise('TR400', 'say whom to register (person_id): a partner system is not a person',
                            'register_for_event.person_id');
    END IF;
    SELECT p.name INTO v_name FROM member m JOIN person p ON p.id = m.person_id
     WHERE m.person_id = v_person;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'person not found in this institution',
                            'register_for_event.person_id');
    END IF;
    IF v_person::text <> p_caller AND NOT p_staff THEN
        PERFORM triad_raise('TR403', 'only staff can register someone else; leave person_id '
                            'empty to register yourself');
    END IF;
    IF v_person::text <> p_caller
       AND NOT triad_event_visible(ev.community_id, v_person::text, triad_is_staff_person(v_person)) THEN
        PERFORM triad_raise('TR409', format('%s is not a member of the community %s, whose event this is',
                                            v_name, (SELECT name FROM community WHERE id = ev.community_id)),
                            'register_for_event.person_id');
    END IF;
    IF ev.starts_at <= now() THEN
        PERFORM triad_raise('TR409', 'the event has already begun');
    END IF;
    IF EXISTS (SELECT 1 FROM event_registration
                WHERE event_id = p_event AND person_id = v_person AND status = 'registered') THEN
        PERFORM triad_raise('TRDUP', format('%s is already registered for this event', v_name),
                            'register_for_event.person_id');
    END IF;

    SELECT * INTO n FROM triad_event_counts(p_event);
    v_placement := triad_seat_placement(n.waitlisted > 0,
                                        triad_seat_problem('the event', ev.capacity, n.placed,
                                                           NULL, 0, NULL));
    INSERT INTO event_registration (institution_id, event_id, person_id, placement)
    VALUES (triad_tenant(), p_event, v_person, v_placement)
    RETURNING id INTO v_id;
    PERFORM triad_audit('event_registration.create', 'event_registration', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM event_registration_v WHERE id = v_id;
END
$$;

-- Cancels a registration: one's own, or any for staff (anyone else's is
-- "not found"). Never refused while registered; a place it frees goes to
-- the first in line.
CREATE OR REPLACE FUNCTION triad_event_cancel(p_id uuid, p_caller text, p_request_id numeric)
    RETURNS SETOF event_registration_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    p_staff boolean := triad_staff();
    r event_registration%ROWTYPE;
BEGIN
    SELECT * INTO r FROM event_registration
     WHERE id = p_id AND (p_staff OR person_id::text = p_caller);
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'registration not found', 'cancel_registration.id');
    END IF;
    PERFORM 1 FROM event WHERE id = r.event_id FOR UPDATE;
    SELECT * INTO r FROM event_registration WHERE id = p_id;
    IF r.status = 'cancelled' THEN
        PERFORM triad_raise('TR409', 'the registration is already cancelled');
    END IF;
    UPDATE event_registration SET status = 'cancelled', cancelled_at = now() WHERE id = p_id;
    PERFORM triad_audit('event_registration.cancel', 'event_registration', p_id, p_request_id);
    IF r.placement = 'placed' THEN
        PERFORM triad_event_promote(r.event_id, p_request_id);
    END IF;
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM event_registration_v WHERE id = p_id;
END
$$;

-- Staff change the capacity: never below the registrations already placed;
-- a larger one promotes from the waitlist.
CREATE OR REPLACE FUNCTION triad_event_capacity(p_id uuid, p_capacity integer, p_request_id numeric)
    RETURNS SETOF event_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    n record;
BEGIN
    PERFORM 1 FROM event WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'event not found', 'set_event_capacity.id');
    END IF;
    IF coalesce(p_capacity, 0) NOT BETWEEN 1 AND 10000 THEN
        PERFORM triad_raise('TR400', 'capacity must be 1 to 10000', 'set_event_capacity.capacity');
    END IF;
    SELECT * INTO n FROM triad_event_counts(p_id);
    IF p_capacity < n.placed THEN
        PERFORM triad_raise('TR409', format('%s registrations have a place already; the '
                                            'capacity cannot go below that (asked for %s)',
                                            n.placed, p_capacity), 'set_event_capacity.capacity');
    END IF;
    UPDATE event SET capacity = p_capacity WHERE id = p_id;
    PERFORM triad_audit('event.capacity', 'event', p_id, p_request_id);
    PERFORM triad_event_promote(p_id, p_request_id);
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM event_v WHERE id = p_id;
END
$$;

-- Staff record attendance of a placed registration; recording again
-- replaces the status.
CREATE OR REPLACE FUNCTION triad_event_attendance(p_id uuid, p_status text, p_request_id numeric)
    RETURNS SETOF event_registration_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    r event_registration%ROWTYPE;
    v_position integer;
BEGIN
    SELECT * INTO r FROM event_registration WHERE id = p_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'registration not found',
                            'record_event_attendance.registration_id');
    END IF;
    IF coalesce(p_status, '') = '' THEN
        PERFORM triad_raise('TR400', 'status is required: present, absent or excused',
                            'record_event_attendance.status');
    END IF;
    PERFORM 1 FROM event WHERE id = r.event_id FOR UPDATE;
    SELECT * INTO r FROM event_registration WHERE id = p_id;
    IF r.status = 'cancelled' THEN
        PERFORM triad_raise('TR409', 'the registration was cancelled; attendance is recorded '
                            'for placed registrations only');
    END IF;
    IF r.placement = 'waitlisted' THEN
        SELECT waitlist_position INTO v_position FROM event_registration_v WHERE id = p_id;
        PERFORM triad_raise('TR409', format('attendance is recorded for placed registrations '
                                            'only; this one is number %s on the waitlist',
                                            v_position));
    END IF;
    UPDATE event_registration
       SET attendance = p_status, attendance_recorded_at = now(),
           attendance_recorded_by = triad_principal()
     WHERE id = p_id;
    PERFORM triad_audit('event_registration.attendance', 'event_registration', p_id,
                        p_request_id);
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM event_registration_v WHERE id = p_id;
END
$$;

-- Anyone who may see the event suggests a topic before it begins. p_caller
-- is the caller's person ('' for a partner system, whose principal is kept).
CREATE OR REPLACE FUNCTION triad_topic_suggest(p_event uuid, p_text text, p_caller text,
                                               p_request_id numeric)
    RETURNS SETOF topic_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    p_staff boolean := triad_staff();
    ev event%ROWTYPE;
    v_person uuid := nullif(p_caller, '')::uuid;
    v_principal uuid := CASE WHEN p_caller = '' THEN triad_principal() END;
    v_id uuid;
BEGIN
    SELECT * INTO ev FROM event WHERE id = p_event;
    IF NOT FOUND OR NOT triad_event_visible(ev.community_id, p_caller, p_staff) THEN
        PERFORM triad_raise('TR404', 'event not found', 'suggest_topic.event_id');
    END IF;
    IF coalesce(length(trim(p_text)), 0) = 0 OR length(p_text) > 500 THEN
        PERFORM triad_raise('TR400', 'text is required (at most 500 characters)',
                            'suggest_topic.text');
    END IF;
    IF ev.starts_at <= now() THEN
        PERFORM triad_raise('TR409', 'suggestions close when the event begins');
    END IF;
    IF v_person IS NULL AND v_principal IS NULL THEN
        PERFORM triad_raise('TR400', 'a suggestion needs someone who makes it');
    END IF;
    INSERT INTO topic_suggestion (institution_id, event_id, person_id, principal_id,
                                  suggested_as, text)
    VALUES (triad_tenant(), p_event, v_person, v_principal,
            triad_suggester_role(v_person, v_principal), p_text)
    RETURNING id INTO v_id;
    PERFORM triad_audit('topic.suggest', 'topic', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM topic_v WHERE id = v_id;
END
$$;

-- ---- alumni ----

-- One row per completed enrollment, with the roles its person takes:
-- active alumni-coach relations as coach, alumni presentations given or
-- planned, and whether they are a current ambassador of the programme.
CREATE OR REPLACE VIEW alumnus_v WITH (security_barrier, security_invoker = true) AS
SELECT a.id, a.person_id, p.name AS person_name, a.programme_id, pr.code AS programme_code,
       coalesce(a.cohort_name, '') AS cohort_name, a.completed_on::text AS completed_on,
       (SELECT count(*) FROM coaching_relation r
         WHERE r.institution_id = a.institution_id AND r.coach_person_id = a.person_id
           AND r.kind = 'alumni_coach' AND triad_relation_active(r))::int AS coaching,
       (SELECT count(*) FROM event e
         WHERE e.institution_id = a.institution_id AND e.presenter_person_id = a.person_id
           AND e.kind = 'alumni_presentation')::int AS presentations,
       EXISTS (SELECT 1 FROM ambassador x
                WHERE x.institution_id = a.institution_id AND x.person_id = a.person_id
                  AND x.programme_id = a.programme_id AND x.starts_on <= current_date
                  AND (x.ends_on IS NULL OR x.ends_on >= current_date)) AS ambassador
  FROM completed_enrollment_v a
  JOIN person p ON p.id = a.person_id
  JOIN programme pr ON pr.institution_id = a.institution_id AND pr.id = a.programme_id
 WHERE triad_staff() OR a.person_id = triad_person();

-- ---- ambassadors ----

CREATE OR REPLACE VIEW ambassador_v WITH (security_invoker = true) AS
SELECT a.id, a.person_id, p.name AS person_name, a.programme_id, pr.code AS programme_code,
       a.organisation_id, o.name AS organisation_name, a.basis, a.starts_on::text AS starts_on,
       coalesce(a.ends_on::text, '') AS ends_on,
       (SELECT count(*) FROM ambassador_activity x
         WHERE x.institution_id = a.institution_id AND x.ambassador_id = a.id)::int AS activities
  FROM ambassador a
  JOIN person p ON p.id = a.person_id
  JOIN programme pr ON pr.institution_id = a.institution_id AND pr.id = a.programme_id
  JOIN organisation o ON o.id = a.organisation_id;

CREATE OR REPLACE VIEW ambassador_activity_v WITH (security_invoker = true) AS
SELECT x.id, x.ambassador_id, p.name AS ambassador_name, x.kind, x.held_on::text AS held_on,
       x.description, x.reach, x.held_on AS held, x.created_at
  FROM ambassador_activity x
  JOIN ambassador a ON a.institution_id = x.institution_id AND a.id = x.ambassador_id
  JOIN person p ON p.id = a.person_id;

-- Names an ambassador: any person the service knows, who becomes known to
-- the institution. At most one current ambassadorship per person,
-- programme and organisation.
CREATE OR REPLACE FUNCTION triad_ambassador_create(p_person uuid, p_programme uuid, p_org uuid,
                                                   p_basis text, p_starts text, p_ends text,
                                                   p_request_id numeric)
    RETURNS SETOF ambassador_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_starts date := coalesce(triad_date(p_starts, 'create_ambassador.starts_on', false),
                              current_date);
    v_ends date := triad_date(p_ends, 'create_ambassador.ends_on', false);
    v_name text;
    v_code text;
    v_org text;
    v_id uuid;
BEGIN
    SELECT name INTO v_name FROM person WHERE id = p_person;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'person not found', 'create_ambassador.person_id');
    END IF;
    SELECT code INTO v_code FROM programme WHERE id = p_programme;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'programme not found', 'create_ambassador.programme_id');
    END IF;
    SELECT name INTO v_org FROM organisation WHERE id = p_org;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'organisation not found', 'create_ambassador.organisation_id');
    END IF;
    IF coalesce(p_basis, '') = '' THEN
        PERFORM triad_raise('TR400', 'basis is required: executive or alumnus',
                            'create_ambassador.basis');
    END IF;
    IF v_ends < v_starts THEN
        PERFORM triad_raise('TR400', 'ends_on is before starts_on', 'create_ambassador.ends_on');
    END IF;
    IF p_basis = 'alumnus' AND NOT triad_alumnus_of(p_person, p_programme) THEN
        PERFORM triad_raise('TR409', format('%s is not an alumnus of %s: only someone who '
                                            'completed the programme is its ambassador as an '
                                            'alumnus', v_name, v_code), 'create_ambassador.basis');
    END IF;
    -- Two requests for the same ambassadorship: one waits for the other.
    PERFORM pg_advisory_xact_lock(hashtextextended(
        format('ambassador %s %s %s', p_person, p_programme, p_org), 0));
    IF EXISTS (SELECT 1 FROM ambassador
                WHERE person_id = p_person AND programme_id = p_programme
                  AND organisation_id = p_org
                  AND (ends_on IS NULL OR ends_on >= current_date)) THEN
        PERFORM triad_raise('TRDUP', format('%s is already an ambassador of %s at %s',
                                            v_name, v_code, v_org), 'create_ambassador.person_id');
    END IF;
    INSERT INTO member (institution_id, person_id) VALUES (triad_tenant(), p_person)
    ON CONFLICT DO NOTHING;
    INSERT INTO ambassador (institution_id, person_id, programme_id, organisation_id, basis,
                            starts_on, ends_on)
    VALUES (triad_tenant(), p_person, p_programme, p_org, p_basis, v_starts, v_ends)
    RETURNING id INTO v_id;
    PERFORM triad_audit('ambassador.create', 'ambassador', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM ambassador_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE FUNCTION triad_ambassador_end(p_id uuid, p_ends text, p_request_id numeric)
    RETURNS SETOF ambassador_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    a ambassador%ROWTYPE;
    v_ends date := coalesce(triad_date(p_ends, 'end_ambassador.ends_on', false), current_date);
    v_last date;
BEGIN
    SELECT * INTO a FROM ambassador WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'ambassador not found', 'end_ambassador.id');
    END IF;
    IF a.ends_on < current_date THEN
        PERFORM triad_raise('TR409', format('the ambassadorship already ended on %s', a.ends_on));
    END IF;
    IF v_ends < a.starts_on THEN
        PERFORM triad_raise('TR400', format('an ambassadorship cannot end before it starts (%s)',
                                            a.starts_on), 'end_ambassador.ends_on');
    END IF;
    SELECT max(held_on) INTO v_last FROM ambassador_activity WHERE ambassador_id = p_id;
    IF v_last > v_ends THEN
        PERFORM triad_raise('TR409', format('an activity was recorded on %s, after %s',
                                            v_last, v_ends), 'end_ambassador.ends_on');
    END IF;
    UPDATE ambassador SET ends_on = v_ends WHERE id = p_id;
    PERFORM triad_audit('ambassador.end', 'ambassador', p_id, p_request_id);
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM ambassador_v WHERE id = p_id;
END
$$;

CREATE OR REPLACE FUNCTION triad_ambassador_activity_record(p_ambassador uuid, p_kind text, p_held text,
                                                            p_description text, p_reach integer,
                                                            p_request_id numeric)
    RETURNS SETOF ambassador_activity_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    a ambassador%ROWTYPE;
    v_held date;
    v_id uuid;
BEGIN
    SELECT * INTO a FROM ambassador WHERE id = p_ambassador FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'ambassador not found',
                            'record_ambassador_activity.ambassador_id');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: guest lecture, talk or recruitment',
                            'record_ambassador_activity.kind');
    END IF;
    v_held := coalesce(triad_date(p_held, 'record_ambassador_activity.held_on', false),
                       current_date);
    IF coalesce(p_reach, 0) < 0 THEN
        PERFORM triad_raise('TR400', 'reach cannot be negative', 'record_ambassador_activity.reach');
    END IF;
    IF length(p_description) > 2000 THEN
        PERFORM triad_raise('TR400', 'description is longer than 2000 characters',
                            'record_ambassador_activity.description');
    END IF;
    IF v_held < a.starts_on OR v_held > a.ends_on THEN
        PERFORM triad_raise('TR409', format('%s is outside the ambassadorship (from %s%s)', v_held,
                                            a.starts_on, coalesce(' to ' || a.ends_on, '')),
                            'record_ambassador_activity.held_on');
    END IF;
    INSERT INTO ambassador_activity (institution_id, ambassador_id, kind, held_on, description,
                                     reach)
    VALUES (triad_tenant(), p_ambassador, p_kind, v_held, coalesce(p_description, ''),
            coalesce(p_reach, 0))
    RETURNING id INTO v_id;
    PERFORM triad_audit('ambassador.activity', 'ambassador_activity', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM ambassador_activity_v WHERE id = v_id;
END
$$;
