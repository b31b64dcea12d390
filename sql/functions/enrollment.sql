-- enrollment.sql: cohorts, module runs, sessions, sub-groups, enrollment
-- with waitlists, attendance, exemptions, module completion, prior
-- learning and progress (tables: migration 0004_enrollment).
--
-- The rules of seed 000/004 live here and run under row locks, so they
-- hold however many requests race:
--   * a run never has more members than its capacity;
--   * one person holds at most one seat in a run's group: a programme
--     enrollment already sits in every run of its cohort;
--   * standalone members stay strictly below the programme's share of the
--     members (default 0.50: in a full group of 25, at most 12);
--   * who does not fit is waitlisted in order of arrival and promoted, first
--     come first served, when a place frees up;
--   * a flexible module (elective, masterclass) needs the programme's core
--     and the module's prerequisites done, or an exemption;
--   * a missed session of a cannot-be-missed module blocks the enrollment
--     until staff record how it was resolved.
-- Every placement decision for a cohort takes the cohort's row lock first.
-- The placement rules are written once (triad_seat_problem,
-- triad_seat_placement, triad_seat_position) and events.sql uses them too.
--
-- Views are security_invoker, so row-level security applies through them.
-- The views of rows about one person (enrollments, attendance, exemptions,
-- claims) are security barriers that show staff every row and anyone else
-- their own (triad_person(), triad_staff(): the caller as triad_begin()
-- set it), so a statement that forgets to ask still sees no one else's.
-- The rules that count or check across people (capacity, waitlists,
-- placement, promotions, prerequisites) read the tables, never these views.

-- ---- groups ----

-- Members of a run: the cohort's placed programme participants and the
-- run's placed standalone participants, none withdrawn.
CREATE OR REPLACE FUNCTION triad_run_counts(p_run uuid, OUT members integer, OUT standalone integer,
                                            OUT waitlisted integer)
    LANGUAGE sql STABLE
    AS $$
    SELECT count(*) FILTER (WHERE e.placement = 'placed')::int,
           count(*) FILTER (WHERE e.placement = 'placed' AND e.track = 'standalone')::int,
           count(*) FILTER (WHERE e.placement = 'waitlisted')::int
      FROM module_run r
      JOIN enrollment e ON e.institution_id = r.institution_id AND e.status <> 'withdrawn'
                       AND ((e.track = 'programme' AND e.cohort_id = r.cohort_id)
                            OR (e.track = 'standalone' AND e.run_id = r.id))
     WHERE r.id = p_run
$$;

CREATE OR REPLACE VIEW module_run_v WITH (security_invoker = true) AS
SELECT r.id, r.module_id, r.cohort_id, m.code AS module_code, r.capacity,
       r.starts_on::text AS starts_on, r.ends_on::text AS ends_on,
       c.members, c.standalone, c.waitlisted,
       CASE WHEN c.members > 0 AND c.standalone >= p.standalone_share * c.members
            THEN format('out of balance: %s of %s members are standalone; they must stay below %s%%',
                        c.standalone, c.members, round(p.standalone_share * 100))
            ELSE '' END AS warning
  FROM module_run r
  JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
  JOIN programme p ON p.institution_id = m.institution_id AND p.id = m.programme_id
  CROSS JOIN LATERAL triad_run_counts(r.id) c;
-- ---- the shared placement rules ----

-- Why one more member would not fit in a group now, or NULL if it does.
-- p_group names the group in the message ("the group of M1", "the
-- event"); p_members and p_standalone count its placed members; the share
-- rule applies only to p_track 'standalone' (standalone members stay
-- strictly below p_share of the members).
CREATE OR REPLACE FUNCTION triad_seat_problem(p_group text, p_capacity integer, p_members integer,
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
CREATE OR REPLACE FUNCTION triad_seat_placement(p_someone_waiting_ahead boolean, p_problem text)
    RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN p_someone_waiting_ahead OR p_problem IS NOT NULL THEN 'waitlisted'
                ELSE 'placed' END
$$;

-- A place in line: 1 for the first waiting, 0 for anyone not waiting.
-- p_in_line counts the entries of the same list still waiting that arrived
-- no later than this one, itself included.
CREATE OR REPLACE FUNCTION triad_seat_position(p_waiting boolean, p_in_line bigint)
    RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN p_waiting THEN p_in_line::integer ELSE 0 END $$;

-- Why an enrollment of this track would not fit now, or NULL if it does.
-- Assumes the caller holds the cohort's lock.
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

-- Promotes waitlisted enrollments of the cohort (and its runs), first come
-- first served, while they fit. Each promotion is audited and its participant
-- told (notify.sql).
CREATE OR REPLACE FUNCTION triad_promote(p_cohort uuid, p_request_id numeric)
    RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    e record;
    promoted integer := 0;
BEGIN
    FOR e IN SELECT en.id, en.track, en.cohort_id, en.run_id
               FROM enrollment en
               LEFT JOIN module_run r ON r.institution_id = en.institution_id AND r.id = en.run_id
              WHERE en.placement = 'waitlisted' AND en.status <> 'withdrawn'
                AND (en.cohort_id = p_cohort OR r.cohort_id = p_cohort)
              ORDER BY en.arrival LOOP
        IF triad_fit_problem(e.track, e.cohort_id, e.run_id) IS NULL THEN
            UPDATE enrollment SET placement = 'placed', updated_at = now()
             WHERE institution_id = triad_tenant() AND id = e.id;
            PERFORM triad_audit('enrollment.promote', 'enrollment', e.id, p_request_id);
            PERFORM triad_notify_enrollment_promoted(e.id);
            promoted := promoted + 1;
        END IF;
    END LOOP;
    RETURN promoted;
END
$$;

-- Staff see every enrollment, a participant their own, and a writer the
-- one it has just written (a partner system enrolling someone).
CREATE OR REPLACE VIEW enrollment_v WITH (security_barrier, security_invoker = true) AS
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
       coalesce(e.blocked_reason, '') AS blocked_reason, triad_us(e.created_at) AS created_at_us,
       e.arrival
  FROM enrollment e JOIN person p ON p.id = e.person_id
 WHERE triad_staff() OR e.person_id = triad_person() OR e.id = triad_written();

-- True when the person has done the module: completed it in some
-- enrollment, or had all its outcomes validated.
CREATE OR REPLACE FUNCTION triad_module_done(p_person uuid, p_module uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM module_completion mc
                     JOIN enrollment e ON e.institution_id = mc.institution_id
                                      AND e.id = mc.enrollment_id
                    WHERE e.person_id = p_person AND mc.module_id = p_module)
        OR (EXISTS (SELECT 1 FROM module_outcome mo WHERE mo.module_id = p_module)
            AND NOT EXISTS (SELECT 1 FROM module_outcome mo
                             WHERE mo.module_id = p_module
                               AND NOT EXISTS (SELECT 1 FROM prior_learning_claim c
                                                WHERE c.person_id = p_person
                                                  AND c.outcome_id = mo.outcome_id
                                                  AND c.status = 'validated')))
$$;

-- True when the person achieved the outcome by a released, passed result
-- of an assessment (tables of 0018_assessment, rules in assessment.sql).
CREATE OR REPLACE FUNCTION triad_outcome_assessed(p_person uuid, p_outcome uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM assessment_result r
                     JOIN assessment x ON x.institution_id = r.institution_id
                                      AND x.id = r.assessment_id
                     JOIN assignment_instance i ON i.institution_id = x.institution_id
                                               AND i.id = x.instance_id
                     JOIN enrollment e ON e.institution_id = i.institution_id
                                      AND e.id = i.enrollment_id
                    WHERE e.person_id = p_person AND r.outcome_id = p_outcome
                      AND x.status = 'released' AND r.passed)
$$;

CREATE OR REPLACE FUNCTION triad_outcome_validated(p_person uuid, p_outcome uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM prior_learning_claim c
                    WHERE c.person_id = p_person AND c.outcome_id = p_outcome
                      AND c.status = 'validated')
$$;

-- ---- cohorts, runs, sessions, sub-groups ----

CREATE OR REPLACE VIEW cohort_v WITH (security_invoker = true) AS
SELECT c.id, c.programme_id, c.name, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on
  FROM cohort c;

CREATE OR REPLACE FUNCTION triad_cohort_create(p_programme uuid, p_name text, p_starts text, p_ends text,
                                               p_request_id numeric)
    RETURNS SETOF cohort_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_starts date := triad_date(p_starts, 'create_cohort.cohort.starts_on');
    v_ends date := triad_date(p_ends, 'create_cohort.cohort.ends_on');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'create_cohort.cohort.programme_id');
    END IF;
    IF coalesce(length(p_name), 0) NOT BETWEEN 1 AND 100 THEN
        PERFORM triad_raise('TR400', 'name is required (at most 100 characters)',
                            'create_cohort.cohort.name');
    END IF;
    IF v_ends < v_starts THEN
        PERFORM triad_raise('TR400', 'ends_on is before starts_on', 'create_cohort.cohort.ends_on');
    END IF;
    INSERT INTO cohort (institution_id, programme_id, name, starts_on, ends_on)
    VALUES (triad_tenant(), p_programme, p_name, v_starts, v_ends)
    RETURNING id INTO v_id;
    PERFORM triad_audit('cohort.create', 'cohort', v_id, p_request_id);
    RETURN QUERY SELECT * FROM cohort_v WHERE id = v_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TR409', format('the programme already has a cohort called "%s"', p_name),
                        'create_cohort.cohort.name');
END
$$;

-- p_capacity NULL (left out) means the default, 25; 0 is refused like any
-- other number outside 1 to 1000.
CREATE OR REPLACE FUNCTION triad_run_create(p_module uuid, p_cohort uuid, p_capacity integer,
                                            p_starts text, p_ends text, p_request_id numeric)
    RETURNS SETOF module_run_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_capacity integer := coalesce(p_capacity, 25);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM module WHERE id = p_module) THEN
        PERFORM triad_raise('TR404', 'module not found', 'create_run.run.module_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM cohort WHERE id = p_cohort) THEN
        PERFORM triad_raise('TR404', 'cohort not found', 'create_run.run.cohort_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM module m JOIN cohort c ON c.programme_id = m.programme_id
                    WHERE m.id = p_module AND c.id = p_cohort) THEN
        PERFORM triad_raise('TR409', 'the module belongs to another programme than the cohort',
                            'create_run.run.module_id');
    END IF;
    IF v_capacity NOT BETWEEN 1 AND 1000 THEN
        PERFORM triad_raise('TR400', format('capacity must be 1 to 1000, not %s (leave it out '
                                            'for the default, 25)', v_capacity),
                            'create_run.run.capacity');
    END IF;
    INSERT INTO module_run (institution_id, module_id, cohort_id, capacity, starts_on, ends_on)
    VALUES (triad_tenant(), p_module, p_cohort, v_capacity,
            triad_date(p_starts, 'create_run.run.starts_on', false),
            triad_date(p_ends, 'create_run.run.ends_on', false))
    RETURNING id INTO v_id;
    PERFORM triad_audit('run.create', 'run', v_id, p_request_id);
    RETURN QUERY SELECT * FROM module_run_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW session_v WITH (security_invoker = true) AS
SELECT s.id, s.run_id, triad_us(s.starts_at) AS starts_at_us, s.title, s.starts_at AS at
  FROM session s;

-- A session starts now or later, unless p_history (record_history): staff
-- recording one that was held.
CREATE OR REPLACE FUNCTION triad_session_create(p_run uuid, p_starts text, p_title text,
                                                p_history boolean, p_request_id numeric)
    RETURNS SETOF session_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_at timestamptz;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM module_run WHERE id = p_run) THEN
        PERFORM triad_raise('TR404', 'run not found', 'create_session.session.run_id');
    END IF;
    BEGIN
        v_at := p_starts::timestamptz;
    EXCEPTION WHEN others THEN
        PERFORM triad_raise('TR400', format('starts_at: "%s" is not a time (RFC 3339)', p_starts),
                            'create_session.session.starts_at');
    END;
    IF v_at IS NULL THEN
        PERFORM triad_raise('TR400', 'starts_at is required (RFC 3339)',
                            'create_session.session.starts_at');
    END IF;
    PERFORM triad_check_not_past(v_at, p_history, 'create_session.session.starts_at');
    INSERT INTO session (institution_id, run_id, starts_at, title)
    VALUES (triad_tenant(), p_run, v_at, coalesce(p_title, ''))
    RETURNING id INTO v_id;
    PERFORM triad_audit('session.create', 'session', v_id, p_request_id);
    RETURN QUERY SELECT * FROM session_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW subgroup_v WITH (security_invoker = true) AS
SELECT g.id, g.run_id, g.name, g.purpose,
       coalesce((SELECT array_agg(sm.enrollment_id::text ORDER BY sm.enrollment_id)
                   FROM subgroup_member sm WHERE sm.subgroup_id = g.id), '{}') AS enrollment_ids
  FROM subgroup g;

CREATE OR REPLACE FUNCTION triad_subgroup_create(p_run uuid, p_name text, p_purpose text,
                                                 p_request_id numeric)
    RETURNS SETOF subgroup_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM module_run WHERE id = p_run) THEN
        PERFORM triad_raise('TR404', 'run not found', 'create_subgroup.subgroup.run_id');
    END IF;
    IF coalesce(p_purpose, '') = '' THEN
        PERFORM triad_raise('TR400', 'purpose is required: assignments or intervision',
                            'create_subgroup.subgroup.purpose');
    END IF;
    IF coalesce(length(p_name), 0) NOT BETWEEN 1 AND 100 THEN
        PERFORM triad_raise('TR400', 'name is required', 'create_subgroup.subgroup.name');
    END IF;
    INSERT INTO subgroup (institution_id, run_id, name, purpose)
    VALUES (triad_tenant(), p_run, p_name, p_purpose) RETURNING id INTO v_id;
    PERFORM triad_audit('subgroup.create', 'subgroup', v_id, p_request_id);
    RETURN QUERY SELECT * FROM subgroup_v WHERE id = v_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TR409', format('the run already has a sub-group called "%s"', p_name),
                        'create_subgroup.subgroup.name');
END
$$;

-- True when the enrollment is a placed member of the run's group.
CREATE OR REPLACE FUNCTION triad_in_run(p_enrollment uuid, p_run uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM enrollment e JOIN module_run r ON r.id = p_run
                    WHERE e.id = p_enrollment AND e.placement = 'placed'
                      AND e.status <> 'withdrawn'
                      AND ((e.track = 'programme' AND e.cohort_id = r.cohort_id)
                           OR (e.track = 'standalone' AND e.run_id = r.id)))
$$;

CREATE OR REPLACE FUNCTION triad_subgroup_member_add(p_subgroup uuid, p_enrollment uuid,
                                                     p_request_id numeric)
    RETURNS SETOF subgroup_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_run uuid;
BEGIN
    SELECT run_id INTO v_run FROM subgroup WHERE id = p_subgroup;
    IF v_run IS NULL THEN
        PERFORM triad_raise('TR404', 'sub-group not found', 'add_subgroup_member.subgroup_id');
    END IF;
    IF NOT triad_in_run(p_enrollment, v_run) THEN
        PERFORM triad_raise('TR409', 'the enrollment is not a placed member of this run''s group',
                            'add_subgroup_member.enrollment_id');
    END IF;
    INSERT INTO subgroup_member (institution_id, subgroup_id, enrollment_id)
    VALUES (triad_tenant(), p_subgroup, p_enrollment) ON CONFLICT DO NOTHING;
    PERFORM triad_audit('subgroup.add_member', 'subgroup', p_subgroup, p_request_id);
    RETURN QUERY SELECT * FROM subgroup_v WHERE id = p_subgroup;
END
$$;

-- ---- enrollment ----

-- Why the person may not start this flexible module yet, or NULL.
CREATE OR REPLACE FUNCTION triad_core_problem(p_person uuid, p_module uuid) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    WITH m AS (SELECT * FROM module WHERE id = p_module),
         missing AS (
             SELECT c.code, c.sequence FROM module c, m
              WHERE m.kind IN ('elective', 'masterclass')
                AND c.programme_id = m.programme_id AND c.kind = 'core'
                AND NOT triad_module_done(p_person, c.id)
             UNION
             SELECT r.code, r.sequence FROM module_prerequisite pr
               JOIN module r ON r.id = pr.required_module_id
              WHERE pr.module_id = p_module AND NOT triad_module_done(p_person, r.id))
    SELECT CASE WHEN EXISTS (SELECT 1 FROM exemption x
                              WHERE x.person_id = p_person AND x.module_id = p_module)
                  OR NOT EXISTS (SELECT 1 FROM missing) THEN NULL
                ELSE format('%s %s needs the core and its prerequisites done first: %s not yet; '
                            'staff can record an exemption with a reason',
                            triad_words((SELECT kind FROM m)), (SELECT code FROM m),
                            (SELECT string_agg(code, ', ' ORDER BY sequence, code) FROM missing))
           END
$$;

-- Why the person is blocked from new runs, or NULL.
CREATE OR REPLACE FUNCTION triad_block_problem(p_person uuid) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT format('%s is blocked: %s; staff must record how it was resolved first',
                  p.name, e.blocked_reason)
      FROM enrollment e JOIN person p ON p.id = e.person_id
     WHERE e.person_id = p_person AND e.blocked_reason IS NOT NULL
     ORDER BY e.arrival LIMIT 1
$$;

-- Why enrolling the person on p_track would give them a second seat in a
-- group of cohort p_cohort, or NULL. A programme participant sits in every
-- run of the cohort, so a standalone enrollment in one of those runs, or a
-- programme enrollment beside a standalone one in the cohort, would count
-- one person twice (seed 000: one group of about 25). Enrollments that are
-- withdrawn hold no seat; waitlisted ones claim one. Assumes the caller
-- holds the cohort's lock (triad_enroll), so two requests cannot both pass.
CREATE OR REPLACE FUNCTION triad_second_seat(p_person uuid, p_track text, p_cohort uuid,
                                             p_run uuid)
    RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE p_track
        WHEN 'standalone' THEN
            (SELECT format('%s is enrolled in the whole programme with cohort %s, which '
                           'already gives a seat in the group of %s; a standalone '
                           'enrollment would be a second seat', p.name, c.name, m.code)
               FROM enrollment e
               JOIN person p ON p.id = e.person_id
               JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
               JOIN module_run r ON r.id = p_run
               JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
              WHERE e.person_id = p_person AND e.cohort_id = p_cohort
                AND e.status <> 'withdrawn'
              LIMIT 1)
        ELSE
            (SELECT format('%s already has a standalone seat in the group of %s of this '
                           'cohort; the whole programme includes that group, so withdraw '
                           'the standalone enrollment first', p.name,
                           string_agg(m.code, ', ' ORDER BY m.code))
               FROM enrollment e
               JOIN person p ON p.id = e.person_id
               JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
               JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
              WHERE e.person_id = p_person AND r.cohort_id = p_cohort
                AND e.status <> 'withdrawn'
              GROUP BY p.name)
    END
$$;

-- The organisation's employees, as the institution knows them: persons it
-- has enrolled with the organisation as employer, and persons who hold a
-- grant for the organisation (its contacts). What an organisation-scoped
-- partner system may enroll (proto/PERMISSIONS.md, "Machine scopes").
CREATE OR REPLACE FUNCTION triad_is_employee(p_person uuid, p_organisation uuid)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM enrollment
                    WHERE person_id = p_person AND employer_id = p_organisation)
        OR EXISTS (SELECT 1 FROM role_grant g JOIN principal p ON p.id = g.principal_id
                    WHERE p.person_id = p_person AND g.organisation_id = p_organisation)
$$;

-- A caller that is not staff and speaks for an organisation (triad_staff(),
-- triad_organisation()) is an organisation-scoped partner system, which
-- enrolls only its organisation's employees, with its organisation as
-- employer. It is told so before anything about the person is looked up,
-- in the same words for a person who does not exist.
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
    v_organisation uuid := CASE WHEN NOT triad_staff() THEN triad_organisation() END;
BEGIN
    IF v_organisation IS NOT NULL THEN
        IF p_employer IS NOT NULL AND p_employer <> v_organisation THEN
            PERFORM triad_raise('TR403', 'a partner system enrolls with its own organisation '
                                'as the employer; leave employer_id empty', 'enroll.employer_id');
        END IF;
        -- Anyone else is out of its sight (person_v): NOT_FOUND, the same
        -- for a person who exists and one who does not, by id as by e-mail.
        IF p_person IS NULL OR NOT triad_is_employee(p_person, v_organisation) THEN
            PERFORM triad_raise('TR404', 'no such person among your organisation''s own '
                                'employees; programme staff enroll anyone else',
                                'enroll.person_id');
        END IF;
        p_employer := v_organisation;
    END IF;
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

    v_problem := triad_second_seat(p_person, v_track, v_lock, p_run);
    IF v_problem IS NOT NULL THEN
        PERFORM triad_raise('TR409', v_problem,
                            CASE v_track WHEN 'programme' THEN 'enroll.cohort_id'
                                         ELSE 'enroll.run_id' END);
    END IF;

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
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM enrollment_v WHERE id = v_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TR409', 'this person is already enrolled there', 'enroll.person_id');
END
$$;

CREATE OR REPLACE FUNCTION triad_enrollment_transition(p_id uuid, p_status text, p_request_id numeric)
    RETURNS SETOF enrollment_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    e enrollment%ROWTYPE;
    v_lock uuid;
    v_allowed text[];
    v_position integer;
BEGIN
    SELECT * INTO e FROM enrollment WHERE id = p_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'transition_enrollment.id');
    END IF;
    IF coalesce(p_status, '') = '' THEN
        PERFORM triad_raise('TR400', 'status is required', 'transition_enrollment.status');
    END IF;
    v_lock := coalesce(e.cohort_id, (SELECT cohort_id FROM module_run WHERE id = e.run_id));
    PERFORM 1 FROM cohort WHERE id = v_lock FOR UPDATE;
    SELECT * INTO e FROM enrollment WHERE id = p_id;

    v_allowed := CASE e.status
        WHEN 'applied' THEN ARRAY['intake_planned', 'withdrawn']
        WHEN 'intake_planned' THEN ARRAY['admitted', 'withdrawn']
        WHEN 'admitted' THEN ARRAY['active', 'withdrawn']
        WHEN 'active' THEN ARRAY['completed', 'withdrawn']
        ELSE ARRAY[]::text[] END;
    IF NOT p_status = ANY (v_allowed) THEN
        PERFORM triad_raise('TR409', format('an enrollment cannot go from %s to %s%s',
            triad_words(e.status), triad_words(p_status),
            CASE WHEN cardinality(v_allowed) = 0 THEN format(' (%s is final)', triad_words(e.status))
                 ELSE format(' (from %s it can go to %s)', triad_words(e.status),
                             (SELECT string_agg(triad_words(a), ' or ') FROM unnest(v_allowed) a))
            END), 'transition_enrollment.status');
    END IF;
    IF p_status = 'admitted' AND e.placement = 'waitlisted' THEN
        SELECT waitlist_position INTO v_position FROM enrollment_v WHERE id = p_id;
        PERFORM triad_raise('TR409', format('admission needs a place: this enrollment is number %s on the waitlist',
                                            v_position));
    END IF;
    -- The programme may require a held intake conversation (journey.sql).
    IF p_status = 'admitted' AND triad_intake_problem(p_id) IS NOT NULL THEN
        PERFORM triad_raise('TR409', triad_intake_problem(p_id), 'transition_enrollment.status');
    END IF;
    IF p_status IN ('active', 'completed') AND e.blocked_reason IS NOT NULL THEN
        PERFORM triad_raise('TR409', format('the enrollment is blocked: %s; staff must record how it was resolved first',
                                            e.blocked_reason));
    END IF;
    -- The programme's completion rules, or the programme manager's
    -- exemption (assessment.sql).
    IF p_status = 'completed' AND triad_completion_problem(p_id) IS NOT NULL THEN
        PERFORM triad_raise('TR409', triad_completion_problem(p_id), 'transition_enrollment.status');
    END IF;

    UPDATE enrollment SET status = p_status, updated_at = now() WHERE id = p_id;
    PERFORM triad_audit('enrollment.' || p_status, 'enrollment', p_id, p_request_id);
    IF p_status = 'withdrawn' AND e.placement = 'placed' THEN
        PERFORM triad_promote(v_lock, p_request_id);
    END IF;
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM enrollment_v WHERE id = p_id;
END
$$;

CREATE OR REPLACE VIEW exemption_v WITH (security_barrier, security_invoker = true) AS
SELECT x.id, x.person_id, x.module_id, x.reason, triad_us(x.created_at) AS created_at_us
  FROM exemption x
 WHERE triad_staff() OR x.person_id = triad_person() OR x.id = triad_written();

CREATE OR REPLACE FUNCTION triad_exemption_record(p_person uuid, p_module uuid, p_reason text,
                                                  p_request_id numeric)
    RETURNS SETOF exemption_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM member WHERE person_id = p_person) THEN
        PERFORM triad_raise('TR404', 'person not found in this institution',
                            'record_exemption.person_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM module WHERE id = p_module) THEN
        PERFORM triad_raise('TR404', 'module not found', 'record_exemption.module_id');
    END IF;
    IF coalesce(length(trim(p_reason)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'an exemption needs a reason', 'record_exemption.reason');
    END IF;
    INSERT INTO exemption (institution_id, person_id, module_id, reason, created_by)
    VALUES (triad_tenant(), p_person, p_module, p_reason, triad_principal())
    RETURNING id INTO v_id;
    PERFORM triad_audit('exemption.create', 'exemption', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM exemption_v WHERE id = v_id;
END
$$;

-- ---- attendance ----

CREATE OR REPLACE VIEW attendance_v WITH (security_barrier, security_invoker = true) AS
SELECT a.id, a.session_id, a.enrollment_id, p.name AS person_name, a.status,
       triad_us(s.starts_at) AS session_starts_at_us,
       m.code AS module_code
  FROM attendance a
  JOIN session s ON s.institution_id = a.institution_id AND s.id = a.session_id
  JOIN module_run r ON r.institution_id = s.institution_id AND r.id = s.run_id
  JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
  JOIN enrollment e ON e.institution_id = a.institution_id AND e.id = a.enrollment_id
  JOIN person p ON p.id = e.person_id
 WHERE triad_staff() OR e.person_id = triad_person() OR a.id = triad_written();

CREATE OR REPLACE FUNCTION triad_attendance_record(p_session uuid, p_enrollment uuid, p_status text,
                                                   p_request_id numeric)
    RETURNS SETOF attendance_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    s record;
    e enrollment%ROWTYPE;
    v_id uuid;
BEGIN
    SELECT se.id, se.run_id, se.starts_at, m.id AS module_id, m.code, m.name,
           m.cannot_be_missed
      INTO s
      FROM session se JOIN module_run r ON r.id = se.run_id JOIN module m ON m.id = r.module_id
     WHERE se.id = p_session;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'session not found', 'record_attendance.session_id');
    END IF;
    SELECT * INTO e FROM enrollment WHERE id = p_enrollment;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'record_attendance.enrollment_id');
    END IF;
    IF coalesce(p_status, '') = '' THEN
        PERFORM triad_raise('TR400', 'status is required: present, absent or excused',
                            'record_attendance.status');
    END IF;
    IF NOT triad_in_run(p_enrollment, s.run_id) THEN
        PERFORM triad_raise('TR409', 'this participant is not in the group of this run');
    END IF;
    -- A blocked participant is refused by every run but the one that blocked them.
    IF e.blocked_reason IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM attendance a JOIN session x ON x.id = a.session_id
             WHERE a.enrollment_id = p_enrollment AND x.run_id = s.run_id
               AND a.status <> 'present') THEN
        PERFORM triad_raise('TR409', format('the enrollment is blocked: %s; staff must record how it was resolved first',
                                            e.blocked_reason));
    END IF;

    INSERT INTO attendance (institution_id, session_id, enrollment_id, status, recorded_by)
    VALUES (triad_tenant(), p_session, p_enrollment, p_status, triad_principal())
    ON CONFLICT (institution_id, session_id, enrollment_id)
    DO UPDATE SET status = EXCLUDED.status, recorded_at = now(), recorded_by = EXCLUDED.recorded_by
    RETURNING id INTO v_id;
    PERFORM triad_audit('attendance.record', 'attendance', v_id, p_request_id);

    IF s.cannot_be_missed AND p_status <> 'present' AND e.blocked_reason IS NULL THEN
        UPDATE enrollment
           SET blocked_reason = format('missed the %s session of %s (%s), which cannot be missed',
                                       to_char(s.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                                       s.code, s.name),
               updated_at = now()
         WHERE id = p_enrollment;
        PERFORM triad_audit('enrollment.block', 'enrollment', p_enrollment, p_request_id);
    END IF;
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM attendance_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE FUNCTION triad_block_resolve(p_enrollment uuid, p_resolution text, p_request_id numeric)
    RETURNS SETOF enrollment_v
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM enrollment WHERE id = p_enrollment) THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'resolve_block.enrollment_id');
    END IF;
    IF coalesce(length(trim(p_resolution)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'say how the block was resolved', 'resolve_block.resolution');
    END IF;
    UPDATE enrollment SET blocked_reason = NULL, block_resolution = p_resolution,
                          updated_at = now()
     WHERE id = p_enrollment AND blocked_reason IS NOT NULL;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR409', 'the enrollment is not blocked');
    END IF;
    PERFORM triad_audit('enrollment.resolve_block', 'enrollment', p_enrollment, p_request_id);
    PERFORM triad_wrote(p_enrollment);
    RETURN QUERY SELECT * FROM enrollment_v WHERE id = p_enrollment;
END
$$;

CREATE OR REPLACE FUNCTION triad_module_complete(p_enrollment uuid, p_module uuid, p_request_id numeric)
    RETURNS TABLE (enrollment_id uuid, module_id uuid, completed_on text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    e enrollment%ROWTYPE;
    m module%ROWTYPE;
    v_run uuid;
    v_missed text;
BEGIN
    SELECT * INTO e FROM enrollment WHERE id = p_enrollment;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'complete_module.enrollment_id');
    END IF;
    SELECT * INTO m FROM module WHERE id = p_module;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'module not found', 'complete_module.module_id');
    END IF;
    SELECT r.id INTO v_run FROM module_run r
     WHERE r.module_id = p_module AND triad_in_run(p_enrollment, r.id)
     ORDER BY r.starts_on NULLS LAST LIMIT 1;
    IF v_run IS NULL THEN
        PERFORM triad_raise('TR409', format('this participant is in no group of module %s', m.code));
    END IF;
    IF e.blocked_reason IS NOT NULL THEN
        PERFORM triad_raise('TR409', format('the enrollment is blocked: %s; staff must record how it was resolved first',
                                            e.blocked_reason));
    END IF;
    IF m.attendance_mandatory THEN
        SELECT string_agg(to_char(s.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), ', '
                          ORDER BY s.starts_at)
          INTO v_missed
          FROM session s
          LEFT JOIN attendance a ON a.session_id = s.id AND a.enrollment_id = p_enrollment
         WHERE s.run_id = v_run AND coalesce(a.status, 'absent') = 'absent';
        IF v_missed IS NOT NULL THEN
            PERFORM triad_raise('TR409', format('attendance is mandatory for %s: not present on %s',
                                                m.code, v_missed));
        END IF;
    END IF;
    INSERT INTO module_completion (institution_id, enrollment_id, module_id)
    VALUES (triad_tenant(), p_enrollment, p_module) ON CONFLICT DO NOTHING;
    PERFORM triad_audit('module.complete', 'enrollment', p_enrollment, p_request_id);
    RETURN QUERY SELECT mc.enrollment_id, mc.module_id, mc.completed_on::text
                   FROM module_completion mc
                  WHERE mc.enrollment_id = p_enrollment AND mc.module_id = p_module;
END
$$;

-- ---- prior learning ----

CREATE OR REPLACE VIEW claim_v WITH (security_barrier, security_invoker = true) AS
SELECT c.id, c.person_id, p.name AS person_name, c.outcome_id, o.code AS outcome_code,
       o.credits, c.evidence, c.status, coalesce(c.reason, '') AS reason,
       triad_us(c.created_at) AS created_at_us, triad_us(c.decided_at) AS decided_at_us
  FROM prior_learning_claim c
  JOIN person p ON p.id = c.person_id
  JOIN learning_outcome o ON o.institution_id = c.institution_id AND o.id = c.outcome_id
 WHERE triad_staff() OR c.person_id = triad_person() OR c.id = triad_written();

CREATE OR REPLACE FUNCTION triad_claim_create(p_person text, p_outcome uuid, p_evidence text,
                                              p_request_id numeric)
    RETURNS SETOF claim_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF coalesce(p_person, '') = '' OR NOT EXISTS (SELECT 1 FROM member WHERE person_id::text = p_person) THEN
        PERFORM triad_raise('TR403', 'only a participant of this institution can claim prior learning');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM learning_outcome WHERE id = p_outcome) THEN
        PERFORM triad_raise('TR404', 'learning outcome not found', 'claim_prior_learning.outcome_id');
    END IF;
    IF coalesce(length(trim(p_evidence)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'describe the evidence: what you did, where, and what shows it',
                            'claim_prior_learning.evidence');
    END IF;
    IF length(p_evidence) > 10000 THEN
        PERFORM triad_raise('TR400', 'evidence is longer than 10000 characters',
                            'claim_prior_learning.evidence');
    END IF;
    INSERT INTO prior_learning_claim (institution_id, person_id, outcome_id, evidence)
    VALUES (triad_tenant(), p_person::uuid, p_outcome, p_evidence) RETURNING id INTO v_id;
    PERFORM triad_audit('claim.create', 'claim', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM claim_v WHERE id = v_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TR409', 'you already have an open or validated claim for this outcome');
END
$$;

CREATE OR REPLACE FUNCTION triad_claim_decide(p_id uuid, p_validate boolean, p_reason text,
                                              p_decider text, p_request_id numeric)
    RETURNS SETOF claim_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    c prior_learning_claim%ROWTYPE;
BEGIN
    SELECT * INTO c FROM prior_learning_claim WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'claim not found', 'decide_claim.id');
    END IF;
    IF c.person_id::text = p_decider THEN
        PERFORM triad_raise('TR403', 'you cannot decide on your own claim');
    END IF;
    IF c.status <> 'claimed' THEN
        PERFORM triad_raise('TR409', format('the claim was already %s', c.status));
    END IF;
    IF coalesce(length(trim(p_reason)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'a decision needs a reason', 'decide_claim.reason');
    END IF;
    UPDATE prior_learning_claim
       SET status = CASE WHEN p_validate THEN 'validated' ELSE 'rejected' END,
           reason = p_reason, decided_by = triad_principal(), decided_at = now()
     WHERE id = p_id;
    PERFORM triad_audit(CASE WHEN p_validate THEN 'claim.validate' ELSE 'claim.reject' END,
                        'claim', p_id, p_request_id);
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM claim_v WHERE id = p_id;
END
$$;

-- ---- progress ----

-- The enrollment, if the caller may see it: staff see every one,
-- participants their own (as enrollment_v).
CREATE OR REPLACE FUNCTION triad_progress_enrollment(p_id uuid)
    RETURNS SETOF enrollment
    LANGUAGE sql STABLE
    AS $$
    SELECT * FROM enrollment WHERE id = p_id AND (triad_staff() OR person_id = triad_person())
$$;

CREATE OR REPLACE FUNCTION triad_progress_modules(p_id uuid)
    RETURNS TABLE (code text, name text, kind text, credits numeric, state text,
                   sessions_attended integer, sessions_missed integer, sequence integer)
    LANGUAGE sql STABLE
    AS $$
    WITH e AS (SELECT * FROM triad_progress_enrollment(p_id)),
         mods AS (
             SELECT m.* FROM e JOIN cohort c ON c.id = e.cohort_id
               JOIN module m ON m.programme_id = c.programme_id
             UNION
             SELECT m.* FROM e JOIN module_run r ON r.id = e.run_id
               JOIN module m ON m.id = r.module_id)
    SELECT m.code, m.name, m.kind, m.credits,
           CASE WHEN EXISTS (SELECT 1 FROM module_completion mc, e
                              WHERE mc.enrollment_id = e.id AND mc.module_id = m.id) THEN 'completed'
                WHEN triad_module_done((SELECT person_id FROM e), m.id) THEN 'validated'
                ELSE 'remaining' END,
           (SELECT count(*) FILTER (WHERE a.status = 'present')::int
              FROM attendance a JOIN session s ON s.id = a.session_id
              JOIN module_run r ON r.id = s.run_id, e
             WHERE a.enrollment_id = e.id AND r.module_id = m.id),
           (SELECT count(*) FILTER (WHERE a.status <> 'present')::int
              FROM attendance a JOIN session s ON s.id = a.session_id
              JOIN module_run r ON r.id = s.run_id, e
             WHERE a.enrollment_id = e.id AND r.module_id = m.id),
           m.sequence
      FROM mods m
     ORDER BY m.sequence, m.code
$$;

CREATE OR REPLACE FUNCTION triad_progress_outcomes(p_id uuid)
    RETURNS TABLE (code text, description text, credits numeric, covered_by text)
    LANGUAGE sql STABLE
    AS $$
    WITH e AS (SELECT * FROM triad_progress_enrollment(p_id)),
         prog AS (SELECT coalesce(c.programme_id, m.programme_id) AS id
                    FROM e LEFT JOIN cohort c ON c.id = e.cohort_id
                    LEFT JOIN module_run r ON r.id = e.run_id
                    LEFT JOIN module m ON m.id = r.module_id)
    SELECT o.code, o.description, o.credits,
           CASE WHEN EXISTS (SELECT 1 FROM module_outcome mo
                               JOIN module_completion mc ON mc.module_id = mo.module_id
                               JOIN enrollment x ON x.id = mc.enrollment_id, e
                              WHERE mo.outcome_id = o.id AND x.person_id = e.person_id)
                THEN 'module'
                WHEN EXISTS (SELECT 1 FROM prior_learning_claim pc, e
                              WHERE pc.outcome_id = o.id AND pc.person_id = e.person_id
                                AND pc.status = 'validated')
                THEN 'validation'
                WHEN triad_outcome_assessed((SELECT person_id FROM e), o.id)
                THEN 'assessment'
                ELSE '' END
      FROM learning_outcome o JOIN prog ON o.programme_id = prog.id
     ORDER BY o.code
$$;

CREATE OR REPLACE FUNCTION triad_progress(p_id uuid)
    RETURNS TABLE (enrollment_id uuid, person_name text, programme_code text, status text,
                   credits_earned numeric, credits_validated numeric, credits_required numeric,
                   blocked_reason text, projected_end text, credits_assessed numeric)
    LANGUAGE sql STABLE
    AS $$
    WITH e AS (SELECT * FROM triad_progress_enrollment(p_id)),
         ctx AS (SELECT e.*, p.id AS programme, p.code AS programme_code, p.ects,
                        p.duration_months,
                        coalesce(c.starts_on, r.starts_on, e.created_at::date) AS starts_on,
                        r.ends_on AS run_ends_on
                   FROM e LEFT JOIN cohort c ON c.id = e.cohort_id
                   LEFT JOIN module_run r ON r.id = e.run_id
                   LEFT JOIN module m ON m.id = r.module_id
                   JOIN programme p ON p.id = coalesce(c.programme_id, m.programme_id)),
         validated AS (SELECT coalesce(sum(o.credits), 0) AS credits
                         FROM prior_learning_claim pc
                         JOIN learning_outcome o ON o.id = pc.outcome_id, ctx
                        WHERE pc.person_id = ctx.person_id AND pc.status = 'validated'
                          AND o.programme_id = ctx.programme),
         completed AS (SELECT coalesce(sum(m.credits), 0) AS credits
                         FROM module_completion mc JOIN module m ON m.id = mc.module_id, ctx
                        WHERE mc.enrollment_id = ctx.id),
         -- Outcomes achieved by a released assessment, next to prior
         -- learning (assessment.sql), unless validated or covered by a
         -- completed module already.
         assessed AS (SELECT coalesce(sum(o.credits), 0) AS credits
                        FROM learning_outcome o, ctx
                       WHERE o.programme_id = ctx.programme
                         AND triad_outcome_assessed(ctx.person_id, o.id)
                         AND NOT triad_outcome_validated(ctx.person_id, o.id)
                         AND NOT EXISTS (SELECT 1 FROM module_outcome mo
                                           JOIN module_completion mc ON mc.module_id = mo.module_id
                                          WHERE mo.outcome_id = o.id AND mc.enrollment_id = ctx.id))
    SELECT ctx.id, pe.name, ctx.programme_code, ctx.status,
           completed.credits + validated.credits + assessed.credits, validated.credits, ctx.ects,
           coalesce(ctx.blocked_reason, ''),
           CASE WHEN ctx.track = 'standalone' AND ctx.run_ends_on IS NOT NULL
                THEN ctx.run_ends_on::text
                ELSE (ctx.starts_on + make_interval(days => round(ctx.duration_months * 30.44 *
                      greatest(0, coalesce(1 - validated.credits / nullif(ctx.ects, 0), 1)))::int))::date::text
           END
           , assessed.credits
      FROM ctx JOIN person pe ON pe.id = ctx.person_id, validated, completed, assessed
$$;
