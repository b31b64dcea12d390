-- 0007_events: events with registrations, waitlists, attendance and topic
-- suggestions; alumni; ambassadors and their activities.
--
-- Places at an event follow the rules of the groups of module runs
-- (0004_enrollment), and the rules are written once: triad_seat_problem()
-- says why one more would not fit (the capacity and, for standalone
-- participants, the minority share), triad_seat_placement() decides first
-- come first served between a place and the waitlist, and
-- triad_seat_position() numbers the waitlist. triad_fit_problem(),
-- triad_enroll() and enrollment_v are redefined below on top of them with
-- their behaviour unchanged, and the event functions use the same three.
-- Every placement decision for an event (registration, cancellation,
-- capacity, promotion) takes the event's row lock first, as enrollment
-- takes the cohort's.
--
-- Alumni are not stored: a completed enrollment makes its person an
-- alumnus of its programme (alumnus_v). Ambassadors are any person the
-- service knows (an executive is often not yet known to the institution);
-- naming one makes the person known to the institution, as a coaching
-- relation does for a coach.
--
-- Who sees what: an event of a community is visible to the community's
-- current members and to staff (triad_community_visible), any other event
-- to everyone in the institution; an event one may not see is "not found",
-- like an id that names nothing.

-- ---- the shared placement rules ----

-- Why one more member would not fit in a group now, or NULL if it does.
-- p_group names the group in the message ("the group of M1", "the
-- event"); p_members and p_standalone count its placed members; the share
-- rule applies only to p_track 'standalone' (standalone members stay
-- strictly below p_share of the members).
CREATE FUNCTION triad_seat_problem(p_group text, p_capacity integer, p_members integer,
                                   p_track text, p_standalone integer, p_share numeric)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE
        WHEN p_members + 1 > p_capacity THEN
            format('%s is full (%s of %s)', p_group, p_members, p_capacity)
        WHEN p_track = 'standalone' AND p_standalone + 1 >= p_share * (p_members + 1) THEN
            format('standalone participants must stay below %s%% of %s (%s of %s now)',
                   round(p_share * 100), p_group, p_standalone, p_members)
    END
$$;

-- First come, first served: a newcomer waits behind anyone already waiting
-- in the same list, and waits when there is no room (p_problem).
CREATE FUNCTION triad_seat_placement(p_someone_waiting_ahead boolean, p_problem text)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN p_someone_waiting_ahead OR p_problem IS NOT NULL THEN 'waitlisted'
                ELSE 'placed' END
$$;

-- A place in line: 1 for the first waiting, 0 for anyone not waiting.
-- p_in_line counts the entries of the same list still waiting that arrived
-- no later than this one, itself included.
CREATE FUNCTION triad_seat_position(p_waiting boolean, p_in_line bigint)
    RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN p_waiting THEN p_in_line::integer ELSE 0 END $$;

-- Enrollment on top of the shared rules; same signatures, same behaviour.

CREATE OR REPLACE FUNCTION triad_fit_problem(p_track text, p_cohort uuid, p_run uuid)
    RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    r record;
    v_problem text;
BEGIN
    FOR r IN SELECT v.*, p.standalone_share
               FROM module_run_v v
               JOIN module m ON m.id = v.module_id
               JOIN programme p ON p.id = m.programme_id
              WHERE (p_track = 'programme' AND v.cohort_id = p_cohort)
                 OR (p_track = 'standalone' AND v.id = p_run)
              ORDER BY v.module_code LOOP
        v_problem := triad_seat_problem('the group of ' || r.module_code, r.capacity, r.members,
                                        p_track, r.standalone, r.standalone_share);
        IF v_problem IS NOT NULL THEN
            RETURN v_problem;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE OR REPLACE VIEW enrollment_v WITH (security_invoker = true) AS
SELECT e.id, e.person_id, p.name AS person_name, e.track, e.cohort_id, e.run_id, e.status,
       e.placement,
       triad_seat_position(e.placement = 'waitlisted' AND e.status <> 'withdrawn',
           (SELECT count(*) FROM enrollment w
             WHERE w.institution_id = e.institution_id AND w.placement = 'waitlisted'
               AND w.status <> 'withdrawn' AND w.track = e.track
               AND w.cohort_id IS NOT DISTINCT FROM e.cohort_id
               AND w.run_id IS NOT DISTINCT FROM e.run_id AND w.arrival <= e.arrival))
           AS waitlist_position,
       e.employer_id, e.hours_per_week, e.change_assignment,
       coalesce(e.blocked_reason, '') AS blocked_reason, triad_ts(e.created_at) AS created_at,
       e.arrival
  FROM enrollment e JOIN person p ON p.id = e.person_id;

CREATE OR REPLACE FUNCTION triad_enroll(p_person uuid, p_cohort uuid, p_run uuid, p_employer uuid,
                                        p_hours numeric, p_change text, p_request_id numeric)
    RETURNS SETOF enrollment_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_track text := CASE WHEN p_cohort IS NOT NULL THEN 'programme' ELSE 'standalone' END;
    v_lock uuid;
    v_module uuid;
    v_problem text;
    v_placement text;
    v_id uuid;
BEGIN
    IF (p_cohort IS NULL) = (p_run IS NULL) THEN
        PERFORM triad_raise('TR400', 'give either cohort_id (the whole programme) or run_id '
                            '(one module, standalone)', 'enroll.cohort_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM member WHERE person_id = p_person) THEN
        PERFORM triad_raise('TR404', 'person not found in this institution', 'enroll.person_id');
    END IF;
    IF p_employer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organisation WHERE id = p_employer) THEN
        PERFORM triad_raise('TR404', 'employer organisation not found', 'enroll.employer_id');
    END IF;
    IF p_hours < 0 OR p_hours > 40 THEN
        PERFORM triad_raise('TR400', 'hours_per_week must be 0 to 40', 'enroll.hours_per_week');
    END IF;
    IF p_cohort IS NOT NULL THEN
        v_lock := p_cohort;
        IF NOT EXISTS (SELECT 1 FROM cohort WHERE id = p_cohort) THEN
            PERFORM triad_raise('TR404', 'cohort not found', 'enroll.cohort_id');
        END IF;
    ELSE
        SELECT cohort_id, module_id INTO v_lock, v_module FROM module_run WHERE id = p_run;
        IF v_lock IS NULL THEN
            PERFORM triad_raise('TR404', 'run not found', 'enroll.run_id');
        END IF;
    END IF;

    v_problem := triad_block_problem(p_person);
    IF v_problem IS NOT NULL THEN
        PERFORM triad_raise('TR409', v_problem);
    END IF;
    IF v_module IS NOT NULL THEN
        v_problem := triad_core_problem(p_person, v_module);
        IF v_problem IS NOT NULL THEN
            PERFORM triad_raise('TR409', v_problem);
        END IF;
    END IF;

    -- Every placement decision in a cohort happens under its lock.
    PERFORM 1 FROM cohort WHERE id = v_lock FOR UPDATE;

    v_placement := triad_seat_placement(
        EXISTS (SELECT 1 FROM enrollment w
                 WHERE w.placement = 'waitlisted' AND w.status <> 'withdrawn'
                   AND w.track = v_track AND w.cohort_id IS NOT DISTINCT FROM p_cohort
                   AND w.run_id IS NOT DISTINCT FROM p_run),
        triad_fit_problem(v_track, p_cohort, p_run));

    INSERT INTO enrollment (institution_id, person_id, track, cohort_id, run_id, placement,
                            employer_id, hours_per_week, change_assignment)
    VALUES (triad_tenant(), p_person, v_track, p_cohort, p_run, v_placement, p_employer,
            p_hours, nullif(p_change, ''))
    RETURNING id INTO v_id;
    PERFORM triad_audit('enrollment.create', 'enrollment', v_id, p_request_id);
    -- A programme participant makes room for waiting standalone ones.
    IF v_track = 'programme' AND v_placement = 'placed' THEN
        PERFORM triad_promote(v_lock, p_request_id);
    END IF;
    RETURN QUERY SELECT * FROM enrollment_v WHERE id = v_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TR409', 'this person is already enrolled there', 'enroll.person_id');
END
$$;
