-- internship.sql: the internship (placement, plan, hours, documents) and
-- intervision (sessions of the intervision sub-groups, cases, attendance).
-- Tables: migration 0015_internship.
--
-- Who sees what, decided here from the caller triad_begin() describes:
--   * a placement: staff, its participant, and its host supervisor; the
--     supervisor does not see the participant's motivation, the notes on her
--     plan or her draft hours, which are none of the host's business;
--   * hours: staff and the participant all of hers; the supervisor those
--     submitted to him and what became of them;
--   * documents: staff and the participant only;
--   * intervision: a session and its attendance to staff, its facilitator
--     and the members of its group; a case's title and text to the group and
--     the facilitator only (staff see that a case was brought, not what).
--
-- People name things by what they know: a placement by its participant's
-- e-mail address (and the programme code, when she has several), an hours
-- entry by that and its day, an intervision group by its name (with cohort
-- and module code when the name is not enough), a session by its group and
-- its day ('Intervisie A/2026-11-20').

-- ---- placements ----

-- The programme of an enrollment: its cohort's, or its run's module's.
CREATE OR REPLACE FUNCTION triad_internship_programme(e enrollment) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce((SELECT c.programme_id FROM cohort c
                      WHERE c.institution_id = e.institution_id AND c.id = e.cohort_id),
                    (SELECT m.programme_id FROM module_run r
                       JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
                      WHERE r.institution_id = e.institution_id AND r.id = e.run_id))
$$;

CREATE OR REPLACE VIEW placement_v WITH (security_barrier, security_invoker = true) AS
SELECT p.id, p.enrollment_id, pe.name AS participant_name, pe.email AS participant_email,
       coalesce(prog.code, '') AS programme_code,
       p.organisation_id, o.name AS organisation_name,
       p.supervisor_person_id, sp.name AS supervisor_name, sp.email AS supervisor_email,
       p.starts_on::text AS starts_on, p.ends_on::text AS ends_on,
       CASE WHEN x.insider THEN p.motivation ELSE '' END AS motivation,
       p.research_question, p.plan_status,
       CASE WHEN x.insider THEN p.plan_note ELSE '' END AS plan_note,
       coalesce(dp.name, '') AS plan_decided_by, triad_us(p.plan_decided_at) AS plan_decided_at_us,
       t.verified::float8 AS hours_verified, t.submitted::float8 AS hours_submitted,
       CASE WHEN x.insider THEN t.draft ELSE 0 END::float8 AS hours_draft,
       t.rejected::float8 AS hours_rejected,
       coalesce(s.min_hours, 0)::float8 AS hours_minimum,
       t.verified >= coalesce(s.min_hours, 0) AS minimum_met,
       triad_us(p.created_at) AS created_at_us
  FROM placement p
  JOIN enrollment e ON e.institution_id = p.institution_id AND e.id = p.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  JOIN person sp ON sp.id = p.supervisor_person_id
  JOIN organisation o ON o.id = p.organisation_id
  LEFT JOIN programme prog ON prog.institution_id = e.institution_id
                          AND prog.id = triad_internship_programme(e)
  LEFT JOIN internship_setting s ON s.institution_id = p.institution_id
                                AND s.programme_id = prog.id
  LEFT JOIN principal dp ON dp.id = p.plan_decided_by
  CROSS JOIN LATERAL (SELECT coalesce(triad_staff() OR e.person_id = triad_person(), false)
                             AS insider) x
  CROSS JOIN LATERAL (
      -- The minimum counts verified hours only.
      SELECT coalesce(sum(h.hours) FILTER (WHERE h.status = 'verified'), 0) AS verified,
             coalesce(sum(h.hours) FILTER (WHERE h.status = 'submitted'), 0) AS submitted,
             coalesce(sum(h.hours) FILTER (WHERE h.status = 'draft'), 0) AS draft,
             coalesce(sum(h.hours) FILTER (WHERE h.status = 'rejected'), 0) AS rejected
        FROM hours_entry h
       WHERE h.institution_id = p.institution_id AND h.placement_id = p.id) t
 WHERE triad_staff() OR e.person_id = triad_person() OR p.supervisor_person_id = triad_person()
    OR p.id = triad_written();

-- The placement that p_who names for request field p_field: '' the
-- caller's own; an id (of the placement or of its enrollment); or the
-- participant's e-mail address, with the programme code when she has
-- several ('anna@example.org/METRO'). Only among the placements the caller
-- may see, and with p_own only among the caller's own. NOT_FOUND when none,
-- INVALID_ARGUMENT with the choices when several fit.
CREATE OR REPLACE FUNCTION triad_placement_find(p_who text, p_field text,
                                                p_own boolean DEFAULT false)
    RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := btrim(coalesce(p_who, ''));
    parts text[] := triad_key_parts(coalesce(p_who, ''));
    v_uuid boolean := v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
    ids uuid[];
    labels text[];
    preferred boolean[];
BEGIN
    SELECT array_agg(p.id ORDER BY pe.email, prog.code), array_agg(
               concat_ws('/', pe.email, prog.code) ORDER BY pe.email, prog.code),
           array_agg(e.status NOT IN ('withdrawn', 'completed') ORDER BY pe.email, prog.code)
      INTO ids, labels, preferred
      FROM placement p
      JOIN enrollment e ON e.institution_id = p.institution_id AND e.id = p.enrollment_id
      JOIN person pe ON pe.id = e.person_id
      LEFT JOIN programme prog ON prog.institution_id = e.institution_id
                              AND prog.id = triad_internship_programme(e)
     WHERE (triad_staff() OR e.person_id = triad_person()
            OR p.supervisor_person_id = triad_person())
       AND (NOT p_own OR e.person_id = triad_person())
       AND CASE WHEN v = '' THEN e.person_id = triad_person()
                WHEN v_uuid THEN p.id = v::uuid OR p.enrollment_id = v::uuid
                ELSE lower(pe.email) = ANY (parts)
                     AND triad_key_fits(parts, pe.email, prog.code) END;
    RETURN triad_key_pick(v, p_field, 'internship placement',
                          CASE WHEN v = '' THEN 'you have no internship placement'
                               ELSE format('no internship placement of "%s" that you may see', v)
                          END, ids, labels, preferred);
END
$$;

-- Staff place a participant (enrollment p_enrollment) with host
-- organisation p_org under host supervisor p_supervisor, a person of the
-- service who becomes known to the institution and gets the workplace-coach
-- role here when he can sign in (triad_relation_coach_access), or an invite
-- from the daemon in the same transaction (svc_internship.c) when he cannot:
-- the onboarding of coaches. One placement per enrollment.
CREATE OR REPLACE FUNCTION triad_placement_create(p_enrollment uuid, p_org uuid, p_supervisor uuid,
                                                  p_starts text, p_ends text, p_request_id numeric)
    RETURNS SETOF placement_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    e enrollment%ROWTYPE;
    v_id uuid;
    v_starts date;
    v_ends date;
BEGIN
    SELECT * INTO e FROM enrollment WHERE id = p_enrollment;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'create_placement.enrollment_id');
    END IF;
    IF e.status = 'withdrawn' THEN
        PERFORM triad_raise('TR409', 'the enrollment is withdrawn; place only a participant who '
                            'follows the programme', 'create_placement.enrollment_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM organisation WHERE id = p_org) THEN
        PERFORM triad_raise('TR404', 'organisation not found', 'create_placement.organisation_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM person WHERE id = p_supervisor) THEN
        PERFORM triad_raise('TR404', 'supervisor not found', 'create_placement.supervisor');
    END IF;
    IF p_supervisor = e.person_id THEN
        PERFORM triad_raise('TR400', 'a participant cannot supervise her own internship',
                            'create_placement.supervisor');
    END IF;
    v_starts := triad_date(p_starts, 'create_placement.starts_on');
    v_ends := triad_date(p_ends, 'create_placement.ends_on');
    IF v_ends < v_starts THEN
        PERFORM triad_raise('TR400', format('ends_on %s is before starts_on %s', v_ends, v_starts),
                            'create_placement.ends_on');
    END IF;
    IF v_ends - v_starts > 366 THEN
        PERFORM triad_raise('TR400', 'an internship lasts at most a year',
                            'create_placement.ends_on');
    END IF;
    PERFORM 1 FROM enrollment WHERE id = p_enrollment FOR NO KEY UPDATE;
    IF EXISTS (SELECT 1 FROM placement WHERE enrollment_id = p_enrollment) THEN
        PERFORM triad_raise('TRDUP', 'this enrollment has an internship placement already',
                            'create_placement.enrollment_id');
    END IF;
    INSERT INTO member (institution_id, person_id) VALUES (triad_tenant(), p_supervisor)
    ON CONFLICT DO NOTHING;
    INSERT INTO placement (institution_id, enrollment_id, organisation_id, supervisor_person_id,
                           starts_on, ends_on)
    VALUES (triad_tenant(), p_enrollment, p_org, p_supervisor, v_starts, v_ends)
    RETURNING id INTO v_id;
    PERFORM triad_audit('placement.create', 'placement', v_id, p_request_id);
    PERFORM triad_relation_coach_access(p_supervisor, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM placement_v WHERE id = v_id;
END
$$;

-- The participant writes her motivation and research question (seed 004:
-- before the internship); writing submits them for staff's approval, and
-- writing again after a decision asks for a new one.
CREATE OR REPLACE FUNCTION triad_placement_plan_write(p_motivation text, p_question text,
                                                      p_person text, p_request_id numeric)
    RETURNS SETOF placement_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := triad_placement_find('', 'write_placement_plan', true);
BEGIN
    IF p_person IS NULL OR p_person = '' THEN
        PERFORM triad_raise('TR403', 'only the participant writes her plan');
    END IF;
    IF length(btrim(coalesce(p_motivation, ''))) = 0 THEN
        PERFORM triad_raise('TR400', 'motivation is required: why this place, and what you want '
                            'to learn there', 'write_placement_plan.motivation');
    END IF;
    IF length(btrim(coalesce(p_question, ''))) = 0 THEN
        PERFORM triad_raise('TR400', 'research_question is required',
                            'write_placement_plan.research_question');
    END IF;
    IF length(p_motivation) > 8000 THEN
        PERFORM triad_raise('TR400', 'motivation is longer than 8000 characters',
                            'write_placement_plan.motivation');
    END IF;
    IF length(p_question) > 2000 THEN
        PERFORM triad_raise('TR400', 'research_question is longer than 2000 characters',
                            'write_placement_plan.research_question');
    END IF;
    UPDATE placement SET motivation = p_motivation, research_question = p_question,
                         plan_status = 'submitted', plan_note = '', plan_decided_by = NULL,
                         plan_decided_at = NULL
     WHERE id = v_id;
    PERFORM triad_audit('placement.plan_write', 'placement', v_id, p_request_id);
    RETURN QUERY SELECT * FROM placement_v WHERE id = v_id;
END
$$;

-- Staff approve a submitted plan, or return it with a note saying why.
CREATE OR REPLACE FUNCTION triad_placement_plan_decide(p_placement uuid, p_approve boolean,
                                                       p_note text, p_request_id numeric)
    RETURNS SETOF placement_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    p placement%ROWTYPE;
BEGIN
    SELECT * INTO p FROM placement WHERE id = p_placement FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'internship placement not found',
                            'decide_placement_plan.participant');
    END IF;
    IF p.plan_status <> 'submitted' THEN
        PERFORM triad_raise('TR409', CASE p.plan_status
            WHEN 'draft' THEN 'the participant has not written her motivation and research '
                              'question yet'
            ELSE format('the plan was %s on %s; it can be decided again once the participant '
                        'rewrites it', p.plan_status, triad_ts(p.plan_decided_at)) END);
    END IF;
    IF NOT coalesce(p_approve, false) AND btrim(coalesce(p_note, '')) = '' THEN
        PERFORM triad_raise('TR400', 'say why the plan is returned',
                            'decide_placement_plan.note');
    END IF;
    IF length(coalesce(p_note, '')) > 2000 THEN
        PERFORM triad_raise('TR400', 'note is longer than 2000 characters',
                            'decide_placement_plan.note');
    END IF;
    UPDATE placement SET plan_status = CASE WHEN p_approve THEN 'approved' ELSE 'returned' END,
                         plan_note = coalesce(p_note, ''), plan_decided_by = triad_principal(),
                         plan_decided_at = now()
     WHERE id = p_placement;
    PERFORM triad_audit(CASE WHEN p_approve THEN 'placement.plan_approve'
                             ELSE 'placement.plan_return' END,
                        'placement', p_placement, p_request_id);
    RETURN QUERY SELECT * FROM placement_v WHERE id = p_placement;
END
$$;

-- The programme's internship minimum (Metropool: 160 hours), which counts
-- verified hours only.
CREATE OR REPLACE VIEW internship_minimum_v WITH (security_invoker = true) AS
SELECT p.id AS programme_id, p.code AS programme_code, coalesce(s.min_hours, 0)::float8 AS hours
  FROM programme p
  LEFT JOIN internship_setting s ON s.institution_id = p.institution_id AND s.programme_id = p.id;

CREATE OR REPLACE FUNCTION triad_internship_minimum_set(p_programme uuid, p_hours float8,
                                                        p_request_id numeric)
    RETURNS SETOF internship_minimum_v
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_programme IS NULL OR NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'set_internship_minimum.programme_id');
    END IF;
    IF p_hours IS NULL OR p_hours < 0 OR p_hours > 2000 THEN
        PERFORM triad_raise('TR400', 'hours must be between 0 and 2000',
                            'set_internship_minimum.hours');
    END IF;
    INSERT INTO internship_setting (institution_id, programme_id, min_hours)
    VALUES (triad_tenant(), p_programme, p_hours)
    ON CONFLICT (institution_id, programme_id) DO UPDATE SET min_hours = excluded.min_hours;
    PERFORM triad_audit('internship.minimum_set', 'programme', p_programme, p_request_id);
    RETURN QUERY SELECT * FROM internship_minimum_v WHERE programme_id = p_programme;
END
$$;

-- ---- hours ----

CREATE OR REPLACE VIEW hours_v WITH (security_barrier, security_invoker = true) AS
SELECT h.id, h.placement_id, pe.name AS participant_name, pe.email AS participant_email,
       h.day::text AS day, h.hours::float8 AS hours, h.description, h.status, h.reason,
       triad_us(h.submitted_at) AS submitted_at_us,
       triad_us(h.decided_at) AS decided_at_us,
       coalesce(h.decided_by_person_id::text, '') AS decided_by_person_id,
       coalesce(dp.name, '') AS decided_by_name, coalesce(dp.email, '') AS decided_by_email,
       coalesce(ro.reason, '') AS reopened_reason, coalesce(rp.name, '') AS reopened_by,
       triad_us(ro.reopened_at) AS reopened_at_us
  FROM hours_entry h
  JOIN placement p ON p.institution_id = h.institution_id AND p.id = h.placement_id
  JOIN enrollment e ON e.institution_id = p.institution_id AND e.id = p.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  LEFT JOIN person dp ON dp.id = h.decided_by_person_id
  LEFT JOIN LATERAL (SELECT r.reason, r.reopened_by, r.reopened_at FROM hours_reopening r
                      WHERE r.institution_id = h.institution_id AND r.entry_id = h.id
                      ORDER BY r.reopened_at DESC LIMIT 1) ro ON true
  LEFT JOIN principal rp ON rp.id = ro.reopened_by
 WHERE triad_staff() OR e.person_id = triad_person()
    OR (p.supervisor_person_id = triad_person() AND h.status <> 'draft')
    OR h.id = triad_written();

-- The hours of the placement p_who names (see triad_placement_find; '' is
-- the caller's own, or for a supervisor or staff every placement they
-- see), with status p_status ('' for all), by participant and day.
CREATE OR REPLACE FUNCTION triad_hours_list(p_who text, p_status text)
    RETURNS SETOF hours_v
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_placement uuid;
BEGIN
    IF coalesce(p_who, '') <> '' OR EXISTS (
            SELECT 1 FROM placement p
              JOIN enrollment e ON e.institution_id = p.institution_id AND e.id = p.enrollment_id
             WHERE e.person_id = triad_person()) THEN
        v_placement := triad_placement_find(p_who, 'list_hours.participant');
    END IF;
    RETURN QUERY SELECT h.* FROM hours_v h
                  WHERE (v_placement IS NULL OR h.placement_id = v_placement)
                    AND (coalesce(p_status, '') = '' OR h.status = p_status)
                  ORDER BY h.participant_email, h.day, h.id;
END
$$;

-- The entry of day p_day of placement p_placement, locked, or NOT_FOUND
-- naming p_field.
CREATE OR REPLACE FUNCTION triad_hours_entry(p_placement uuid, p_day date, p_field text)
    RETURNS hours_entry
    LANGUAGE plpgsql
    AS $$
DECLARE
    h hours_entry%ROWTYPE;
BEGIN
    SELECT * INTO h FROM hours_entry WHERE placement_id = p_placement AND day = p_day FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', format('no hours logged for %s', p_day), p_field);
    END IF;
    RETURN h;
END
$$;

-- The participant logs the hours of one day with a short description: a
-- new draft, or a change to a draft or a rejected entry (which becomes a
-- draft again). Submitted and verified entries stay as they are.
CREATE OR REPLACE FUNCTION triad_hours_log(p_day text, p_hours float8, p_description text,
                                           p_person text, p_request_id numeric)
    RETURNS SETOF hours_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_placement uuid := triad_placement_find('', 'log_hours', true);
    p placement%ROWTYPE;
    h hours_entry%ROWTYPE;
    v_day date := triad_date(p_day, 'log_hours.day');
BEGIN
    IF p_person IS NULL OR p_person = '' THEN
        PERFORM triad_raise('TR403', 'only the participant logs her hours');
    END IF;
    SELECT * INTO p FROM placement WHERE id = v_placement FOR NO KEY UPDATE;
    IF v_day < p.starts_on OR v_day > p.ends_on THEN
        PERFORM triad_raise('TR409', format('%s is outside the internship (%s to %s)', v_day,
                                            p.starts_on, p.ends_on), 'log_hours.day');
    END IF;
    IF v_day > current_date THEN
        PERFORM triad_raise('TR409', format('%s has not come yet; log hours once they are worked',
                                            v_day), 'log_hours.day');
    END IF;
    IF p_hours IS NULL OR p_hours <= 0 OR p_hours > 24 THEN
        PERFORM triad_raise('TR400', 'hours must be more than 0 and at most 24', 'log_hours.hours');
    END IF;
    IF p_hours * 100 <> round(p_hours * 100) THEN
        PERFORM triad_raise('TR400', 'hours are counted to the hundredth', 'log_hours.hours');
    END IF;
    IF length(btrim(coalesce(p_description, ''))) = 0 OR length(p_description) > 500 THEN
        PERFORM triad_raise('TR400', 'description is required, in at most 500 characters',
                            'log_hours.description');
    END IF;
    SELECT * INTO h FROM hours_entry WHERE placement_id = v_placement AND day = v_day FOR UPDATE;
    IF FOUND AND h.status IN ('submitted', 'verified') THEN
        PERFORM triad_raise('TR409', format('the hours of %s are %s; they can no longer be changed',
                                            v_day, h.status), 'log_hours.day');
    END IF;
    IF FOUND THEN
        UPDATE hours_entry SET hours = p_hours, description = p_description, status = 'draft',
                               reason = '', decided_at = NULL, decided_by_person_id = NULL,
                               updated_at = now()
         WHERE id = h.id;
    ELSE
        INSERT INTO hours_entry (institution_id, placement_id, day, hours, description)
        VALUES (triad_tenant(), v_placement, v_day, p_hours, p_description)
        RETURNING * INTO h;
    END IF;
    PERFORM triad_audit('hours.log', 'hours', h.id, p_request_id);
    RETURN QUERY SELECT * FROM hours_v WHERE id = h.id;
END
$$;

-- The participant submits her drafts to the supervisor: those of the days
-- p_days, or all of them when none is given.
CREATE OR REPLACE FUNCTION triad_hours_submit(p_days text[], p_person text, p_request_id numeric)
    RETURNS SETOF hours_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_placement uuid := triad_placement_find('', 'submit_hours', true);
    v_days date[] := '{}';
    v_day text;
    h hours_entry%ROWTYPE;
    v_ids uuid[] := '{}';
BEGIN
    IF p_person IS NULL OR p_person = '' THEN
        PERFORM triad_raise('TR403', 'only the participant submits her hours');
    END IF;
    FOREACH v_day IN ARRAY coalesce(p_days, '{}') LOOP
        v_days := v_days || triad_date(v_day, 'submit_hours.days');
    END LOOP;
    FOR h IN SELECT * FROM hours_entry
              WHERE placement_id = v_placement
                AND (cardinality(v_days) = 0 OR day = ANY (v_days))
              ORDER BY day FOR UPDATE LOOP
        IF h.status <> 'draft' AND cardinality(v_days) > 0 THEN
            PERFORM triad_raise('TR409', format('the hours of %s are %s, not a draft', h.day,
                                                h.status), 'submit_hours.days');
        END IF;
        IF h.status = 'draft' THEN
            UPDATE hours_entry SET status = 'submitted', submitted_at = now(), updated_at = now()
             WHERE id = h.id;
            PERFORM triad_audit('hours.submit', 'hours', h.id, p_request_id);
            v_ids := v_ids || h.id;
        END IF;
    END LOOP;
    IF cardinality(v_ids) < greatest(cardinality(v_days), 1) THEN
        PERFORM triad_raise('TR409', CASE WHEN cardinality(v_days) = 0
                                          THEN 'you have no draft hours to submit'
                                          ELSE 'no hours logged for some of those days' END,
                            'submit_hours.days');
    END IF;
    RETURN QUERY SELECT * FROM hours_v WHERE id = ANY (v_ids) ORDER BY day;
END
$$;

-- The host supervisor (p_person, the caller) verifies or rejects the
-- submitted hours of day p_day of a placement he supervises; a rejection
-- says why. The decision names him: no one else decides for him, and an
-- account without a person (a machine) cannot decide at all.
CREATE OR REPLACE FUNCTION triad_hours_decide(p_who text, p_day text, p_verify boolean,
                                              p_reason text, p_person text, p_request_id numeric)
    RETURNS SETOF hours_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_req text := CASE WHEN p_verify THEN 'verify_hours' ELSE 'reject_hours' END;
    v_placement uuid := triad_placement_find(p_who, v_req || '.participant');
    h hours_entry%ROWTYPE;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM placement
                    WHERE id = v_placement AND supervisor_person_id::text = coalesce(p_person, '')) THEN
        PERFORM triad_raise('TR403', 'only the host supervisor of this internship verifies or '
                            'rejects its hours');
    END IF;
    h := triad_hours_entry(v_placement, triad_date(p_day, v_req || '.day'), v_req || '.day');
    IF h.status <> 'submitted' THEN
        PERFORM triad_raise('TR409', CASE h.status
            WHEN 'draft' THEN format('the hours of %s have not been submitted', h.day)
            ELSE format('the hours of %s were %s on %s; staff can reopen them', h.day, h.status,
                        triad_ts(h.decided_at)) END, v_req || '.day');
    END IF;
    IF NOT p_verify AND btrim(coalesce(p_reason, '')) = '' THEN
        PERFORM triad_raise('TR400', 'say why the hours are rejected', 'reject_hours.reason');
    END IF;
    IF length(coalesce(p_reason, '')) > 2000 THEN
        PERFORM triad_raise('TR400', 'reason is longer than 2000 characters', v_req || '.reason');
    END IF;
    UPDATE hours_entry SET status = CASE WHEN p_verify THEN 'verified' ELSE 'rejected' END,
                           reason = CASE WHEN p_verify THEN '' ELSE p_reason END,
                           decided_at = now(), decided_by_person_id = p_person::uuid,
                           updated_at = now()
     WHERE id = h.id;
    PERFORM triad_audit(CASE WHEN p_verify THEN 'hours.verify' ELSE 'hours.reject' END,
                        'hours', h.id, p_request_id);
    RETURN QUERY SELECT * FROM hours_v WHERE id = h.id;
END
$$;

-- Staff reopen a verification or a rejection, with a reason: the entry is
-- submitted again, for the supervisor to decide anew. The decision undone
-- and the reason are kept (hours_reopening) and audited.
CREATE OR REPLACE FUNCTION triad_hours_reopen(p_placement uuid, p_day text, p_reason text,
                                              p_request_id numeric)
    RETURNS SETOF hours_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    h hours_entry%ROWTYPE;
    v_id uuid;
BEGIN
    IF p_placement IS NULL OR NOT EXISTS (SELECT 1 FROM placement WHERE id = p_placement) THEN
        PERFORM triad_raise('TR404', 'internship placement not found', 'reopen_hours.participant');
    END IF;
    h := triad_hours_entry(p_placement, triad_date(p_day, 'reopen_hours.day'), 'reopen_hours.day');
    IF h.status NOT IN ('verified', 'rejected') THEN
        PERFORM triad_raise('TR409', format('the hours of %s are %s: only a verification or a '
                                            'rejection can be reopened', h.day, h.status),
                            'reopen_hours.day');
    END IF;
    IF btrim(coalesce(p_reason, '')) = '' OR length(p_reason) > 2000 THEN
        PERFORM triad_raise('TR400', 'say why the decision is reopened (at most 2000 characters)',
                            'reopen_hours.reason');
    END IF;
    INSERT INTO hours_reopening (institution_id, entry_id, previous_status, previous_person_id,
                                 reason, reopened_by)
    VALUES (triad_tenant(), h.id, h.status, h.decided_by_person_id, p_reason, triad_principal())
    RETURNING id INTO v_id;
    UPDATE hours_entry SET status = 'submitted', reason = '', decided_at = NULL,
                           decided_by_person_id = NULL, updated_at = now()
     WHERE id = h.id;
    PERFORM triad_audit('hours.reopen', 'hours', h.id, p_request_id);
    RETURN QUERY SELECT * FROM hours_v WHERE id = h.id;
END
$$;

-- ---- documents ----

CREATE OR REPLACE VIEW document_v WITH (security_barrier, security_invoker = true) AS
SELECT d.id, d.placement_id, pe.name AS participant_name, pe.email AS participant_email,
       d.kind, d.media_type, d.size, d.received, encode(d.sha256, 'hex') AS sha256, d.status,
       triad_us(d.created_at) AS created_at_us, triad_us(d.submitted_at) AS submitted_at_us
  FROM document d
  JOIN placement p ON p.institution_id = d.institution_id AND p.id = d.placement_id
  JOIN enrollment e ON e.institution_id = p.institution_id AND e.id = p.enrollment_id
  JOIN person pe ON pe.id = e.person_id
 WHERE triad_staff() OR e.person_id = triad_person() OR d.id = triad_written();

-- One chunk of the participant's (p_person's) document of kind p_kind:
-- the upload is the one of that placement, kind and content hash p_sha256,
-- made on the first chunk and resumed by any later one. p_data goes at
-- p_offset, which must be what the server has (document_v.received); an
-- empty p_data only asks for that. When the last byte arrives the whole is
-- checked against the hash: a match submits the document; a mismatch
-- throws the bytes away (received is 0 again, and the answer says so).
-- The daemon has checked p_size against its limit (document_max_bytes).
CREATE OR REPLACE FUNCTION triad_document_put(p_kind text, p_media text, p_size bigint,
                                              p_sha256 text, p_offset bigint, p_data bytea,
                                              p_person text, p_request_id numeric)
    RETURNS SETOF document_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_placement uuid;
    d document%ROWTYPE;
    v_len bigint := coalesce(length(p_data), 0);
    v_hash bytea;
BEGIN
    IF p_person IS NULL OR p_person = '' THEN
        PERFORM triad_raise('TR403', 'only the participant submits her documents');
    END IF;
    v_placement := triad_placement_find('', 'put_document', true);
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: report or reflection', 'put_document.kind');
    END IF;
    IF coalesce(p_sha256, '') !~ '^[0-9a-f]{64}$' THEN
        PERFORM triad_raise('TR400', 'sha256 must be the content''s SHA-256 in 64 lower-case hex '
                            'digits', 'put_document.sha256');
    END IF;
    SELECT * INTO d FROM document
     WHERE placement_id = v_placement AND kind = p_kind AND sha256 = decode(p_sha256, 'hex')
       FOR UPDATE;
    IF NOT FOUND THEN
        IF coalesce(p_media, '') !~ '^[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,126}$' THEN
            PERFORM triad_raise('TR400', format('media_type "%s" is not a media type such as '
                                                'application/pdf', p_media),
                                'put_document.media_type');
        END IF;
        IF p_size IS NULL OR p_size < 1 THEN
            PERFORM triad_raise('TR400', 'size must be the document''s size in bytes, at least 1',
                                'put_document.size');
        END IF;
        INSERT INTO document (institution_id, placement_id, kind, media_type, size, sha256)
        VALUES (triad_tenant(), v_placement, p_kind, p_media, p_size, decode(p_sha256, 'hex'))
        RETURNING * INTO d;
        PERFORM triad_audit('document.upload', 'document', d.id, p_request_id);
    ELSIF d.size <> p_size OR d.media_type <> p_media THEN
        PERFORM triad_raise('TR400', format('this upload was started as %s bytes of %s',
                                            d.size, d.media_type), 'put_document.size');
    END IF;
    PERFORM triad_wrote(d.id);
    IF v_len = 0 OR d.status = 'submitted' THEN
        RETURN QUERY SELECT * FROM document_v WHERE id = d.id;
        RETURN;
    END IF;
    IF p_offset <> d.received THEN
        PERFORM triad_raise('TR409', format('the server has %s bytes of this document; send '
                                            'from offset %s', d.received, d.received),
                            'put_document.offset');
    END IF;
    IF d.received + v_len > d.size THEN
        PERFORM triad_raise('TR400', format('the chunk goes past the document''s size of %s bytes',
                                            d.size), 'put_document.data');
    END IF;
    INSERT INTO document_chunk (institution_id, document_id, "offset", data)
    VALUES (triad_tenant(), d.id, p_offset, p_data);
    d.received := d.received + v_len;
    IF d.received < d.size THEN
        UPDATE document SET received = d.received WHERE id = d.id;
        PERFORM triad_audit('document.chunk', 'document', d.id, p_request_id);
    ELSE
        SELECT sha256(string_agg(c.data, ''::bytea ORDER BY c."offset")) INTO v_hash
          FROM document_chunk c WHERE c.document_id = d.id;
        IF v_hash = d.sha256 THEN
            UPDATE document SET received = d.received, status = 'submitted', submitted_at = now()
             WHERE id = d.id;
            PERFORM triad_audit('document.submit', 'document', d.id, p_request_id);
        ELSE
            DELETE FROM document_chunk WHERE document_id = d.id;
            UPDATE document SET received = 0 WHERE id = d.id;
            PERFORM triad_audit('document.mismatch', 'document', d.id, p_request_id);
        END IF;
    END IF;
    RETURN QUERY SELECT * FROM document_v WHERE id = d.id;
END
$$;

-- The latest submitted document of kind p_kind of the placement p_who
-- names, and up to p_max of its bytes from p_offset.
CREATE OR REPLACE FUNCTION triad_document_read(p_who text, p_kind text, p_offset bigint,
                                               p_max integer)
    RETURNS TABLE (id uuid, placement_id uuid, participant_name text, participant_email text,
                   kind text, media_type text, size bigint, received bigint, sha256 text,
                   status text, created_at_us bigint, submitted_at_us bigint, data bytea)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_placement uuid := triad_placement_find(p_who, 'get_document.participant');
    d document_v%ROWTYPE;
BEGIN
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: report or reflection', 'get_document.kind');
    END IF;
    SELECT * INTO d FROM document_v v
     WHERE v.placement_id = v_placement AND v.kind = p_kind AND v.status = 'submitted'
     ORDER BY v.submitted_at_us DESC NULLS LAST LIMIT 1;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', format('no %s has been submitted', p_kind), 'get_document.kind');
    END IF;
    IF p_offset < 0 OR p_offset > d.size THEN
        PERFORM triad_raise('TR400', format('offset must be between 0 and %s', d.size),
                            'get_document.offset');
    END IF;
    RETURN QUERY
    SELECT d.id, d.placement_id, d.participant_name, d.participant_email, d.kind, d.media_type,
           d.size, d.received, d.sha256, d.status, d.created_at_us, d.submitted_at_us,
           coalesce((SELECT string_agg(substring(c.data FROM (greatest(p_offset - c."offset", 0) + 1)::int
                                                 FOR (least(c."offset" + length(c.data), p_offset + p_max)
                                                      - greatest(c."offset", p_offset))::int),
                                       ''::bytea ORDER BY c."offset")
                       FROM document_chunk c
                      WHERE c.document_id = d.id AND c."offset" < p_offset + p_max
                        AND c."offset" + length(c.data) > p_offset), ''::bytea);
END
$$;

-- ---- intervision ----

-- True when the caller is a member of sub-group p_group (through an
-- enrollment that is not withdrawn).
CREATE OR REPLACE FUNCTION triad_intervision_member(p_group uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM subgroup_member sm
                     JOIN enrollment e ON e.institution_id = sm.institution_id
                                      AND e.id = sm.enrollment_id
                    WHERE sm.subgroup_id = p_group AND e.person_id = triad_person()
                      AND e.status <> 'withdrawn')
$$;

CREATE OR REPLACE VIEW intervision_session_v WITH (security_barrier, security_invoker = true) AS
SELECT s.id, s.subgroup_id AS group_id, g.name AS group_name, c.name AS cohort_name,
       m.code AS module_code,
       g.name || '/' || ((s.starts_at AT TIME ZONE 'UTC')::date)::text AS key,
       triad_us(s.starts_at) AS starts_at_us, s.facilitator_person_id,
       fp.name AS facilitator_name, fp.email AS facilitator_email,
       (SELECT count(*) FROM intervision_case k
         WHERE k.institution_id = s.institution_id AND k.session_id = s.id)::int AS cases
  FROM intervision_session s
  JOIN subgroup g ON g.institution_id = s.institution_id AND g.id = s.subgroup_id
  JOIN module_run r ON r.institution_id = g.institution_id AND r.id = g.run_id
  JOIN cohort c ON c.institution_id = r.institution_id AND c.id = r.cohort_id
  JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
  JOIN person fp ON fp.id = s.facilitator_person_id
 WHERE triad_staff() OR s.facilitator_person_id = triad_person()
    OR triad_intervision_member(s.subgroup_id) OR s.id = triad_written();

-- The intervision group p_value names for field p_field: an id, or its
-- name, with its cohort, module or programme code when the name alone fits
-- several ('Metropool 24/M1/Intervisie A'). Among the groups the caller may
-- see: staff all, a participant her own.
CREATE OR REPLACE FUNCTION triad_intervision_group_find(p_value text, p_field text)
    RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := btrim(coalesce(p_value, ''));
    parts text[] := triad_key_parts(coalesce(p_value, ''));
    ids uuid[];
    labels text[];
    preferred boolean[];
BEGIN
    IF v = '' THEN
        PERFORM triad_raise('TR400', 'name the intervision group', p_field);
    END IF;
    SELECT array_agg(g.id ORDER BY c.name, m.code, g.name),
           array_agg(c.name || '/' || m.code || '/' || g.name ORDER BY c.name, m.code, g.name),
           array_agg(false)
      INTO ids, labels, preferred
      FROM subgroup g
      JOIN module_run r ON r.institution_id = g.institution_id AND r.id = g.run_id
      JOIN cohort c ON c.institution_id = r.institution_id AND c.id = r.cohort_id
      JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
      JOIN programme p ON p.institution_id = m.institution_id AND p.id = m.programme_id
     WHERE g.purpose = 'intervision'
       AND (triad_staff() OR triad_intervision_member(g.id))
       AND CASE WHEN v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN g.id = v::uuid
                ELSE lower(g.name) = ANY (parts)
                     AND triad_key_fits(parts, g.name, c.name, m.code, p.code) END;
    RETURN triad_key_pick(v, p_field, 'intervision group',
                          format('no intervision group "%s" that you may see', v), ids, labels,
                          preferred);
END
$$;

-- The intervision session p_value names for field p_field: an id, or its
-- group and day ('Intervisie A/2026-11-20'), among those the caller sees.
CREATE OR REPLACE FUNCTION triad_intervision_session_find(p_value text, p_field text)
    RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := btrim(coalesce(p_value, ''));
    v_day text := btrim(split_part(v, '/', -1));
    v_group text := btrim(regexp_replace(v, '/[^/]*$', ''));
    parts text[] := triad_key_parts(v_group);
    ids uuid[];
    labels text[];
    preferred boolean[];
BEGIN
    IF v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        SELECT array_agg(s.id), array_agg(s.key), array_agg(false) INTO ids, labels, preferred
          FROM intervision_session_v s WHERE s.id = v::uuid;
    ELSIF position('/' IN v) = 0 OR v_day !~ '^\d{4}-\d{2}-\d{2}$' THEN
        PERFORM triad_raise('TR400', format('name the session by its group and day, such as '
                                            '"Intervisie A/2026-11-20", not "%s"', v), p_field);
    ELSE
        SELECT array_agg(s.id ORDER BY s.cohort_name, s.module_code),
               array_agg(s.cohort_name || '/' || s.module_code || '/' || s.key
                         ORDER BY s.cohort_name, s.module_code),
               array_agg(false)
          INTO ids, labels, preferred
          FROM intervision_session_v s
          JOIN intervision_session x ON x.institution_id = triad_tenant() AND x.id = s.id
         WHERE (x.starts_at AT TIME ZONE 'UTC')::date = triad_date(v_day, p_field)
           AND lower(s.group_name) = ANY (parts)
           AND triad_key_fits(parts, s.group_name, s.cohort_name, s.module_code);
    END IF;
    RETURN triad_key_pick(v, p_field, 'intervision session',
                          format('no intervision session "%s" that you may see', v), ids, labels,
                          preferred);
END
$$;

-- Staff plan a session of intervision group p_group at p_starts, led by
-- facilitator p_facilitator (a person of the institution).
CREATE OR REPLACE FUNCTION triad_intervision_session_create(p_group text, p_starts text,
                                                            p_facilitator uuid, p_history boolean,
                                                            p_request_id numeric)
    RETURNS SETOF intervision_session_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_group uuid := triad_intervision_group_find(p_group, 'create_intervision_session.group');
    v_at timestamptz;
    v_id uuid;
BEGIN
    IF p_facilitator IS NULL OR NOT EXISTS (SELECT 1 FROM member WHERE person_id = p_facilitator) THEN
        PERFORM triad_raise('TR404', 'facilitator not found',
                            'create_intervision_session.facilitator');
    END IF;
    BEGIN
        v_at := p_starts::timestamptz;
    EXCEPTION WHEN others THEN
        PERFORM triad_raise('TR400', format('starts_at: "%s" is not a time (RFC 3339)', p_starts),
                            'create_intervision_session.starts_at');
    END;
    IF v_at IS NULL THEN
        PERFORM triad_raise('TR400', 'starts_at is required (RFC 3339)',
                            'create_intervision_session.starts_at');
    END IF;
    PERFORM triad_check_not_past(v_at, p_history, 'create_intervision_session.starts_at');
    IF EXISTS (SELECT 1 FROM intervision_session
                WHERE subgroup_id = v_group
                  AND (starts_at AT TIME ZONE 'UTC')::date = (v_at AT TIME ZONE 'UTC')::date) THEN
        PERFORM triad_raise('TRDUP', 'the group meets on that day already',
                            'create_intervision_session.starts_at');
    END IF;
    INSERT INTO intervision_session (institution_id, subgroup_id, starts_at, facilitator_person_id)
    VALUES (triad_tenant(), v_group, v_at, p_facilitator)
    RETURNING id INTO v_id;
    PERFORM triad_audit('intervision.session_create', 'intervision_session', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM intervision_session_v WHERE id = v_id;
END
$$;

-- The sessions of group p_group ('' for all the caller sees), in time order.
CREATE OR REPLACE FUNCTION triad_intervision_sessions(p_group text)
    RETURNS SETOF intervision_session_v
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_group uuid;
BEGIN
    IF coalesce(p_group, '') <> '' THEN
        v_group := triad_intervision_group_find(p_group, 'list_intervision_sessions.group');
    END IF;
    RETURN QUERY SELECT s.* FROM intervision_session_v s
                  WHERE v_group IS NULL OR s.group_id = v_group
                  ORDER BY s.starts_at_us, s.group_name, s.id;
END
$$;

-- A case: its title and text only for the group and the session's
-- facilitator; staff see who brought one.
CREATE OR REPLACE VIEW intervision_case_v WITH (security_barrier, security_invoker = true) AS
SELECT k.id, k.session_id, s.key AS session_key, pe.name AS participant_name,
       pe.email AS participant_email,
       CASE WHEN x.insider THEN k.title ELSE '' END AS title,
       CASE WHEN x.insider THEN k.text ELSE '' END AS text,
       NOT x.insider AS hidden,
       triad_us(k.created_at) AS created_at_us
  FROM intervision_case k
  JOIN intervision_session_v s ON s.id = k.session_id
  JOIN enrollment e ON e.institution_id = k.institution_id AND e.id = k.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  CROSS JOIN LATERAL (SELECT coalesce(s.facilitator_person_id = triad_person()
                                      OR triad_intervision_member(s.group_id), false)
                             AS insider) x;

-- A member of the session's group (the caller, p_person) brings a case, or
-- rewrites the one she brought.
CREATE OR REPLACE FUNCTION triad_intervision_case_bring(p_session text, p_title text, p_text text,
                                                        p_person text, p_request_id numeric)
    RETURNS SETOF intervision_case_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_session uuid := triad_intervision_session_find(p_session, 'bring_case.session');
    v_enrollment uuid;
    v_id uuid;
BEGIN
    SELECT e.id INTO v_enrollment
      FROM intervision_session s
      JOIN subgroup_member sm ON sm.institution_id = s.institution_id
                             AND sm.subgroup_id = s.subgroup_id
      JOIN enrollment e ON e.institution_id = sm.institution_id AND e.id = sm.enrollment_id
     WHERE s.id = v_session AND e.person_id::text = coalesce(p_person, '')
       AND e.status <> 'withdrawn'
     LIMIT 1;
    IF v_enrollment IS NULL THEN
        PERFORM triad_raise('TR403', 'only a member of the group brings a case to its session');
    END IF;
    IF length(btrim(coalesce(p_title, ''))) = 0 OR length(p_title) > 200 THEN
        PERFORM triad_raise('TR400', 'title is required, in at most 200 characters',
                            'bring_case.title');
    END IF;
    IF length(btrim(coalesce(p_text, ''))) = 0 OR length(p_text) > 8000 THEN
        PERFORM triad_raise('TR400', 'text is required, in at most 8000 characters',
                            'bring_case.text');
    END IF;
    INSERT INTO intervision_case (institution_id, session_id, enrollment_id, title, text)
    VALUES (triad_tenant(), v_session, v_enrollment, p_title, p_text)
    ON CONFLICT (institution_id, session_id, enrollment_id)
        DO UPDATE SET title = excluded.title, text = excluded.text
    RETURNING id INTO v_id;
    PERFORM triad_audit('intervision.case_bring', 'intervision_case', v_id, p_request_id);
    RETURN QUERY SELECT * FROM intervision_case_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE FUNCTION triad_intervision_cases(p_session text)
    RETURNS SETOF intervision_case_v
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_session uuid := triad_intervision_session_find(p_session, 'list_cases.session');
BEGIN
    RETURN QUERY SELECT k.* FROM intervision_case_v k WHERE k.session_id = v_session
                  ORDER BY k.created_at_us, k.id;
END
$$;

CREATE OR REPLACE VIEW intervision_attendance_v WITH (security_barrier, security_invoker = true) AS
SELECT a.session_id, s.key AS session_key, pe.name AS participant_name,
       pe.email AS participant_email, a.status, triad_us(a.recorded_at) AS recorded_at_us
  FROM intervision_attendance a
  JOIN intervision_session_v s ON s.id = a.session_id
  JOIN enrollment e ON e.institution_id = a.institution_id AND e.id = a.enrollment_id
  JOIN person pe ON pe.id = e.person_id;

-- Staff record who of the group came to a session.
CREATE OR REPLACE FUNCTION triad_intervision_attendance_record(p_session text, p_participant text,
                                                               p_status text,
                                                               p_request_id numeric)
    RETURNS SETOF intervision_attendance_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_session uuid := triad_intervision_session_find(p_session,
                                                     'record_intervision_attendance.session');
    v_enrollment uuid;
BEGIN
    IF coalesce(p_status, '') = '' THEN
        PERFORM triad_raise('TR400', 'status is required: present, absent or excused',
                            'record_intervision_attendance.status');
    END IF;
    SELECT e.id INTO v_enrollment
      FROM intervision_session s
      JOIN subgroup_member sm ON sm.institution_id = s.institution_id
                             AND sm.subgroup_id = s.subgroup_id
      JOIN enrollment e ON e.institution_id = sm.institution_id AND e.id = sm.enrollment_id
      JOIN person pe ON pe.id = e.person_id
     WHERE s.id = v_session AND e.status <> 'withdrawn'
       AND (lower(pe.email) = lower(btrim(coalesce(p_participant, '')))
            OR e.id::text = lower(btrim(coalesce(p_participant, ''))))
     LIMIT 1;
    IF v_enrollment IS NULL THEN
        PERFORM triad_raise('TR404', format('"%s" is not a member of this group', p_participant),
                            'record_intervision_attendance.participant');
    END IF;
    INSERT INTO intervision_attendance (institution_id, session_id, enrollment_id, status,
                                        recorded_by)
    VALUES (triad_tenant(), v_session, v_enrollment, p_status, triad_principal())
    ON CONFLICT (institution_id, session_id, enrollment_id)
        DO UPDATE SET status = excluded.status, recorded_by = excluded.recorded_by,
                      recorded_at = now();
    PERFORM triad_audit('intervision.attendance', 'intervision_session', v_session, p_request_id);
    RETURN QUERY SELECT a.* FROM intervision_attendance_v a
                  WHERE a.session_id = v_session
                    AND a.participant_email = (SELECT pe.email FROM enrollment e
                                                 JOIN person pe ON pe.id = e.person_id
                                                WHERE e.id = v_enrollment);
END
$$;

CREATE OR REPLACE FUNCTION triad_intervision_attendance(p_session text)
    RETURNS SETOF intervision_attendance_v
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_session uuid := triad_intervision_session_find(p_session,
                                                     'list_intervision_attendance.session');
BEGIN
    RETURN QUERY SELECT a.* FROM intervision_attendance_v a WHERE a.session_id = v_session
                  ORDER BY a.participant_name;
END
$$;
