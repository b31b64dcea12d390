-- triangle.sql: the workplace triangle. Agreements with partner
-- organisations, coaching relations, feedback requests, feedback, consent
-- and advisory judgements (tables: migration 0005_triangle).
--
-- Coaches are shared persons: one coach, one credential, coachees at
-- several institutions. Their view across institutions goes through two
-- SECURITY DEFINER functions (triad_coachees, triad_coach_requests) that
-- return only rows of active relations whose coach is the caller; nothing
-- loosens row-level security.
--
-- Inside an institution, the views of relations, feedback requests,
-- feedback and judgements are security barriers that apply who may see
-- which row, from the caller as triad_begin() set it (triad_person(),
-- triad_staff(), triad_organisation()); so does the employer's view. A
-- statement that reads them sees only the caller's rows whatever it
-- forgets to ask. Rules that check across rows read the tables. A view
-- reads the caller once per statement, not once per row: each
-- (SELECT triad_person()) is an init plan, a value compared uuid to uuid.

-- ---- agreements and partners ----

CREATE OR REPLACE VIEW agreement_v WITH (security_invoker = true) AS
SELECT a.id, a.organisation_id, o.name AS organisation_name, a.kind,
       a.starts_on::text AS starts_on, coalesce(a.ends_on::text, '') AS ends_on,
       a.hours_per_week, a.change_assignments, a.internship_places, a.contacts,
       a.ambassadors, a.members
  FROM agreement a JOIN organisation o ON o.id = a.organisation_id;

CREATE OR REPLACE FUNCTION triad_agreement_create(p_org uuid, p_kind text, p_starts text, p_ends text,
                                                  p_hours numeric, p_changes integer, p_places integer,
                                                  p_contacts text[], p_ambassadors text[],
                                                  p_members text[], p_request_id numeric)
    RETURNS SETOF agreement_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_starts date := coalesce(triad_date(p_starts, 'create_agreement.agreement.starts_on', false),
                              current_date);
    v_ends date := triad_date(p_ends, 'create_agreement.agreement.ends_on', false);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM organisation WHERE id = p_org) THEN
        PERFORM triad_raise('TR404', 'organisation not found',
                            'create_agreement.agreement.organisation_id');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: covenant, professional workplace or '
                            'professional network', 'create_agreement.agreement.kind');
    END IF;
    IF v_ends < v_starts THEN
        PERFORM triad_raise('TR400', 'ends_on is before starts_on',
                            'create_agreement.agreement.ends_on');
    END IF;
    IF p_hours < 0 OR p_changes < 0 OR p_places < 0 THEN
        PERFORM triad_raise('TR400', 'commitments cannot be negative',
                            'create_agreement.agreement.hours_per_week');
    END IF;
    IF p_kind <> 'professional_network' AND cardinality(p_members) > 0 THEN
        PERFORM triad_raise('TR400', 'only a professional network bundles member organisations',
                            'create_agreement.agreement.members');
    END IF;
    INSERT INTO agreement (institution_id, organisation_id, kind, starts_on, ends_on,
                           hours_per_week, change_assignments, internship_places, contacts,
                           ambassadors, members)
    VALUES (triad_tenant(), p_org, p_kind, v_starts, v_ends, p_hours, p_changes, p_places,
            coalesce(p_contacts, '{}'), coalesce(p_ambassadors, '{}'), coalesce(p_members, '{}'))
    RETURNING id INTO v_id;
    PERFORM triad_audit('agreement.create', 'agreement', v_id, p_request_id);
    RETURN QUERY SELECT * FROM agreement_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE FUNCTION triad_agreement_end(p_id uuid, p_ends text, p_request_id numeric)
    RETURNS SETOF agreement_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_ends date := coalesce(triad_date(p_ends, 'end_agreement.ends_on', false), current_date);
BEGIN
    UPDATE agreement SET ends_on = v_ends WHERE id = p_id AND starts_on <= v_ends;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM agreement WHERE id = p_id) THEN
            PERFORM triad_raise('TR400', 'an agreement cannot end before it starts',
                                'end_agreement.ends_on');
        END IF;
        PERFORM triad_raise('TR404', 'agreement not found', 'end_agreement.id');
    END IF;
    PERFORM triad_audit('agreement.end', 'agreement', p_id, p_request_id);
    RETURN QUERY SELECT * FROM agreement_v WHERE id = p_id;
END
$$;

-- The hours ledger: committed in current agreements against recorded on
-- current enrollments.
CREATE OR REPLACE VIEW partner_v WITH (security_invoker = true) AS
SELECT o.id AS organisation_id, o.name AS organisation_name,
       count(*)::int AS agreements,
       sum(a.hours_per_week) AS hours_committed,
       coalesce((SELECT sum(e.hours_per_week) FROM enrollment e
                  WHERE e.employer_id = o.id AND e.status NOT IN ('withdrawn', 'completed')), 0)
           AS hours_recorded,
       (SELECT count(*)::int FROM enrollment e
         WHERE e.employer_id = o.id AND e.status NOT IN ('withdrawn', 'completed'))
           AS participants,
       o.id
  FROM agreement a JOIN organisation o ON o.id = a.organisation_id
 WHERE a.ends_on IS NULL OR a.ends_on >= current_date
 GROUP BY o.id, o.name;

-- ---- coaching relations ----

CREATE OR REPLACE FUNCTION triad_relation_active(r coaching_relation) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT r.status = 'active' AND r.starts_on <= current_date
                 AND (r.ends_on IS NULL OR r.ends_on >= current_date) $$;

-- Staff see every relation, a participant her own, a coach theirs.
CREATE OR REPLACE VIEW relation_v WITH (security_barrier, security_invoker = true) AS
SELECT r.id, r.enrollment_id, pp.name AS participant_name, r.coach_person_id,
       cp.name AS coach_name, r.kind,
       CASE WHEN r.status = 'active' AND r.ends_on < current_date THEN 'ended' ELSE r.status END
           AS status,
       r.starts_on::text AS starts_on, coalesce(r.ends_on::text, '') AS ends_on,
       e.person_id AS participant_person_id
  FROM coaching_relation r
  JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
  JOIN person pp ON pp.id = e.person_id
  JOIN person cp ON cp.id = r.coach_person_id
 WHERE (SELECT triad_staff()) OR e.person_id = (SELECT triad_person()) OR r.coach_person_id = (SELECT triad_person())
    OR r.id = (SELECT triad_written());

-- Why the participant p_person may not have another relation of kind
-- p_kind with coach p_coach, or NULL: one that is proposed or active (and
-- not past its end) exists, in any of their enrollments. With two, a coach
-- could not say which one `triad feedback give EMAIL` means. Assumes the
-- caller holds the locks of triad_relation_lock(). p_except is a relation
-- to leave out (the one being approved).
CREATE OR REPLACE FUNCTION triad_relation_duplicate(p_person uuid, p_coach uuid, p_kind text,
                                                    p_except uuid DEFAULT NULL)
    RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT format('%s already has a %s relation with %s (%s since %s); end it before '
                  'starting another', pp.name, triad_words(r.kind), cp.name, r.status,
                  r.starts_on)
      FROM coaching_relation r
      JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
      JOIN person pp ON pp.id = e.person_id
      JOIN person cp ON cp.id = r.coach_person_id
     WHERE e.person_id = p_person AND r.coach_person_id = p_coach AND r.kind = p_kind
       AND r.status IN ('proposed', 'active')
       AND (r.ends_on IS NULL OR r.ends_on >= current_date)
       AND r.id IS DISTINCT FROM p_except
     ORDER BY r.created_at LIMIT 1
$$;

-- Serialises the decisions about one participant's relations: locks the
-- rows of all their enrollments in the institution, in id order. Two
-- requests about the same participant always share the oldest of them
-- (enrollments are never deleted), so the second waits for the first and
-- then sees its relation.
CREATE OR REPLACE FUNCTION triad_relation_lock(p_person uuid)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM 1 FROM enrollment WHERE person_id = p_person ORDER BY id FOR NO KEY UPDATE;
END
$$;

-- Lets a coach reach their coachee: when the coach can sign in, they get
-- the workplace-coach role in the institution (audited) unless they have
-- it. For a coach who cannot sign in yet, the daemon issues an invite in
-- the same transaction (svc_triangle.c); redeeming it gives the role here
-- and wherever else they coach (triad_coach_grants).
CREATE OR REPLACE FUNCTION triad_relation_coach_access(p_coach uuid, p_request_id numeric)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_principal uuid;
    v_grant uuid;
BEGIN
    SELECT pr.id INTO v_principal FROM principal pr WHERE pr.person_id = p_coach;
    IF v_principal IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO role_grant (institution_id, principal_id, role, created_by)
    VALUES (triad_tenant(), v_principal, 'workplace_coach', triad_principal())
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_grant;
    IF v_grant IS NOT NULL THEN
        PERFORM triad_audit('grant.create', 'grant', v_grant, p_request_id);
    END IF;
END
$$;

-- Creates a relation (staff: active; a participant: proposed). An active
-- relation gives the coach access (triad_relation_coach_access). A
-- participant has at most one live relation of each kind with the same
-- coach: another is TRDUP, naming the coach.
CREATE OR REPLACE FUNCTION triad_relation_create(p_enrollment uuid, p_coach uuid, p_kind text,
                                                 p_starts text, p_ends text, p_status text,
                                                 p_proposer text, p_request_id numeric)
    RETURNS SETOF relation_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    e enrollment%ROWTYPE;
    v_id uuid;
    v_field text := CASE WHEN p_status = 'active' THEN 'create_relation' ELSE 'propose_relation' END;
    v_starts date;
    v_ends date;
    v_problem text;
BEGIN
    SELECT * INTO e FROM enrollment WHERE id = p_enrollment;
    IF NOT FOUND OR (p_proposer IS NOT NULL AND e.person_id::text <> p_proposer) THEN
        PERFORM triad_raise('TR404', 'enrollment not found', v_field || '.enrollment_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM person WHERE id = p_coach) THEN
        PERFORM triad_raise('TR404', 'coach not found', v_field || '.coach_person_id');
    END IF;
    IF p_coach = e.person_id THEN
        PERFORM triad_raise('TR400', 'a participant cannot coach themselves',
                            v_field || '.coach_person_id');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: workplace coach, confidant, programme '
                            'coach or alumni coach', v_field || '.kind');
    END IF;
    v_starts := coalesce(triad_date(p_starts, v_field || '.starts_on', false), current_date);
    v_ends := triad_date(p_ends, v_field || '.ends_on', false);
    IF v_ends < v_starts THEN
        PERFORM triad_raise('TR400', format('ends_on %s is before starts_on %s: a relation '
                                            'cannot end before it starts', v_ends, v_starts),
                            v_field || '.ends_on');
    END IF;
    PERFORM triad_relation_lock(e.person_id);
    v_problem := triad_relation_duplicate(e.person_id, p_coach, p_kind);
    IF v_problem IS NOT NULL THEN
        PERFORM triad_raise('TRDUP', v_problem, v_field || '.coach_person_id');
    END IF;
    -- The coach becomes known to the institution.
    INSERT INTO member (institution_id, person_id) VALUES (triad_tenant(), p_coach)
    ON CONFLICT DO NOTHING;
    INSERT INTO coaching_relation (institution_id, enrollment_id, coach_person_id, kind, status,
                                   starts_on, ends_on)
    VALUES (triad_tenant(), p_enrollment, p_coach, p_kind, p_status, v_starts, v_ends)
    RETURNING id INTO v_id;
    PERFORM triad_audit('relation.' || CASE WHEN p_status = 'active' THEN 'create' ELSE 'propose' END,
                        'relation', v_id, p_request_id);
    IF p_status = 'active' THEN
        PERFORM triad_relation_coach_access(p_coach, p_request_id);
    END IF;
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM relation_v WHERE id = v_id;
END
$$;

-- Approves a proposed relation (p_status 'active') exactly as staff create
-- one: the coach gets access here, or an invite from the daemon in the same
-- transaction (svc_triangle.c). Or ends one (p_status 'ended').
CREATE OR REPLACE FUNCTION triad_relation_set(p_id uuid, p_status text, p_request_id numeric)
    RETURNS SETOF relation_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    r coaching_relation%ROWTYPE;
    v_person uuid;
    v_problem text;
    v_field text := CASE WHEN p_status = 'active' THEN 'approve_relation.id' ELSE 'end_relation.id' END;
BEGIN
    SELECT e.person_id INTO v_person
      FROM coaching_relation x JOIN enrollment e ON e.id = x.enrollment_id
     WHERE x.id = p_id;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'relation not found', v_field);
    END IF;
    PERFORM triad_relation_lock(v_person);
    SELECT * INTO r FROM coaching_relation WHERE id = p_id FOR UPDATE;
    IF p_status = 'active' AND r.status <> 'proposed' THEN
        PERFORM triad_raise('TR409', format('only a proposed relation can be approved; this one is %s',
                                            r.status));
    END IF;
    IF p_status = 'active' THEN
        v_problem := triad_relation_duplicate(v_person, r.coach_person_id, r.kind, r.id);
        IF v_problem IS NOT NULL THEN
            PERFORM triad_raise('TRDUP', v_problem, v_field);
        END IF;
    END IF;
    IF p_status = 'ended' AND r.status = 'ended' THEN
        PERFORM triad_raise('TR409', 'the relation has already ended');
    END IF;
    UPDATE coaching_relation
       SET status = p_status,
           ends_on = CASE WHEN p_status = 'ended' THEN greatest(starts_on, current_date - 1)
                          ELSE ends_on END
     WHERE id = p_id;
    PERFORM triad_audit(CASE WHEN p_status = 'active' THEN 'relation.approve' ELSE 'relation.end' END,
                        'relation', p_id, p_request_id);
    IF p_status = 'active' THEN
        PERFORM triad_relation_coach_access(r.coach_person_id, p_request_id);
    END IF;
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM relation_v WHERE id = p_id;
END
$$;

-- ---- a coach's view across institutions (the narrow path) ----

-- The coachees of coach p_coach as far as the caller may read them: a
-- plain SQL function, inlined into the statement that calls it, so that
-- row-level security decides what it returns. Called by a tenant
-- transaction it returns that institution's rows alone, and without an
-- institution nothing; only triad_coachees() below, which runs as the
-- schema's owner, sees across institutions.
CREATE OR REPLACE FUNCTION triad_coachees_of(p_coach uuid)
    RETURNS TABLE (relation_id uuid, institution_id uuid, institution_slug text,
                   enrollment_id uuid, participant_person_id uuid, participant_name text,
                   participant_email text, programme_code text, kind text,
                   last_feedback_at_us bigint, open_requests integer)
    LANGUAGE sql STABLE
    AS $$
    SELECT r.id, r.institution_id, i.slug, e.id, p.id, p.name, p.email,
           coalesce(pc.code, pm.code), r.kind,
           (SELECT triad_us(max(f.created_at)) FROM feedback f
             WHERE f.institution_id = r.institution_id AND f.relation_id = r.id),
           (SELECT count(*)::int FROM feedback_request q
             WHERE q.institution_id = r.institution_id AND q.relation_id = r.id
               AND q.answered_at IS NULL)
      FROM coaching_relation r
      JOIN institution i ON i.id = r.institution_id
      JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
      JOIN person p ON p.id = e.person_id
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN programme pc ON pc.institution_id = c.institution_id AND pc.id = c.programme_id
      LEFT JOIN module_run mr ON mr.institution_id = e.institution_id AND mr.id = e.run_id
      LEFT JOIN module m ON m.institution_id = mr.institution_id AND m.id = mr.module_id
      LEFT JOIN programme pm ON pm.institution_id = m.institution_id AND pm.id = m.programme_id
     WHERE r.coach_person_id = p_coach AND triad_relation_active(r)
$$;

-- The caller's coachees in every institution. Both functions of the narrow
-- path are plpgsql rather than sql so that their plans are cached: a coach
-- lists coachees often, and planning the join costs more than running it.
-- The wrapper (SECURITY DEFINER with its search_path) stays: without it
-- the cross-institution read would need policies on coaching_relation,
-- enrollment, feedback and feedback_request that every tenant statement
-- would have to evaluate. Its order is the route's.
CREATE OR REPLACE FUNCTION triad_coachees(p_coach text)
    RETURNS TABLE (relation_id uuid, institution_id uuid, institution_slug text,
                   enrollment_id uuid, participant_person_id uuid, participant_name text,
                   participant_email text, programme_code text, kind text,
                   last_feedback_at_us bigint, open_requests integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF coalesce(p_coach, '') = '' THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT * FROM triad_coachees_of(p_coach::uuid) c
     ORDER BY c.institution_slug, c.participant_name;
END
$$;

CREATE OR REPLACE FUNCTION triad_coach_requests(p_coach text)
    RETURNS TABLE (id uuid, institution_id uuid, institution_slug text, relation_id uuid,
                   participant_name text, coach_name text, outcome_id uuid, module_id uuid,
                   assignment text, question text, due_on text, overdue boolean,
                   answered_at_us bigint, created_at_us bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF coalesce(p_coach, '') = '' THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT q.id, q.institution_id, i.slug, q.relation_id, p.name, cp.name, q.outcome_id,
           q.module_id, q.assignment, q.question, coalesce(q.due_on::text, ''),
           q.due_on < current_date, NULL::bigint, triad_us(q.created_at)
      FROM feedback_request q
      JOIN coaching_relation r ON r.institution_id = q.institution_id AND r.id = q.relation_id
      JOIN institution i ON i.id = q.institution_id
      JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
      JOIN person p ON p.id = e.person_id
      JOIN person cp ON cp.id = r.coach_person_id
     WHERE r.coach_person_id = p_coach::uuid AND triad_relation_active(r)
       AND q.answered_at IS NULL
     ORDER BY q.due_on < current_date DESC, q.due_on NULLS LAST, q.created_at;
END
$$;

-- ---- feedback requests ----

-- Staff see every request, the participant theirs, the coach those made
-- to them.
CREATE OR REPLACE VIEW feedback_request_v WITH (security_barrier, security_invoker = true) AS
SELECT q.id, q.institution_id, i.slug AS institution_slug, q.relation_id,
       pp.name AS participant_name, cp.name AS coach_name, q.outcome_id, q.module_id,
       q.assignment, q.question, coalesce(q.due_on::text, '') AS due_on,
       coalesce(q.due_on < current_date AND q.answered_at IS NULL, false) AS overdue,
       triad_us(q.answered_at) AS answered_at_us, triad_us(q.created_at) AS created_at_us
  FROM feedback_request q
  JOIN institution i ON i.id = q.institution_id
  JOIN coaching_relation r ON r.institution_id = q.institution_id AND r.id = q.relation_id
  JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
  JOIN person pp ON pp.id = e.person_id
  JOIN person cp ON cp.id = r.coach_person_id
 WHERE (SELECT triad_staff()) OR e.person_id = (SELECT triad_person()) OR r.coach_person_id = (SELECT triad_person())
    OR q.id = (SELECT triad_written());

-- A due date is a day in the participant's own time zone; one that has
-- passed everywhere on earth (before today at UTC-12) is refused.
CREATE OR REPLACE FUNCTION triad_feedback_request_create(p_relation uuid, p_outcome uuid, p_module uuid,
                                                         p_assignment text, p_question text, p_due text,
                                                         p_person text, p_request_id numeric)
    RETURNS SETOF feedback_request_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_due date := triad_date(p_due, 'request_feedback.due_on', false);
BEGIN
    -- Only the participant of an active relation asks; others see nothing.
    IF NOT EXISTS (SELECT 1 FROM coaching_relation r JOIN enrollment e ON e.id = r.enrollment_id
                    WHERE r.id = p_relation AND triad_relation_active(r)
                      AND e.person_id::text = p_person) THEN
        PERFORM triad_raise('TR404', 'no active coaching relation of yours with that id',
                            'request_feedback.relation_id');
    END IF;
    IF coalesce(length(trim(p_question)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'ask a question: what would you like feedback on?',
                            'request_feedback.question');
    END IF;
    IF v_due < (now() AT TIME ZONE 'Etc/GMT+12')::date THEN
        PERFORM triad_raise('TR400', format('due_on %s has passed: give a day from today on',
                                            v_due), 'request_feedback.due_on');
    END IF;
    IF p_outcome IS NOT NULL AND NOT EXISTS (SELECT 1 FROM learning_outcome WHERE id = p_outcome) THEN
        PERFORM triad_raise('TR404', 'learning outcome not found', 'request_feedback.outcome_id');
    END IF;
    IF p_module IS NOT NULL AND NOT EXISTS (SELECT 1 FROM module WHERE id = p_module) THEN
        PERFORM triad_raise('TR404', 'module not found', 'request_feedback.module_id');
    END IF;
    INSERT INTO feedback_request (institution_id, relation_id, outcome_id, module_id, assignment,
                                  question, due_on)
    VALUES (triad_tenant(), p_relation, p_outcome, p_module, coalesce(p_assignment, ''),
            p_question, v_due)
    RETURNING id INTO v_id;
    PERFORM triad_audit('feedback_request.create', 'feedback_request', v_id, p_request_id);
    PERFORM triad_notify_feedback_request(v_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM feedback_request_v WHERE id = v_id;
END
$$;

-- ---- feedback ----

-- Feedback the caller may read: staff all, the participant all about them,
-- a coach what they wrote while the relation is active, and the employer
-- (its contact or partner system) that of its employees who gave it full
-- consent (the employer's view).
--
-- Decided once per statement, not once per row, and from the feedback row
-- alone: each (SELECT triad_...()) is an init plan, computed once and
-- compared uuid to uuid; the participant's enrollments, the coach's active
-- relations and the employer's fully consented employees' enrollments are
-- each one set, read once through an index and probed by hash (a hashed
-- subplan), and read only for a caller who is a person or speaks for an
-- organisation. The coach's set holds the active relations whose coach is
-- the caller: a feedback row's coach is always its relation's coach
-- (triad_feedback_give copies it; erasure moves both together).
--
-- Because the filter needs no other table, a page of feedback_seen ordered
-- by id is read from an index and stops after the page's rows, however much
-- feedback an enrollment has (ListFeedback picks its ids here first). The
-- view is not a security barrier: it only ever serves the daemon's own
-- statements, whose conditions are built-in comparisons, and it must stay
-- flat for the planner to stop early. feedback_v, built on it, is one.
CREATE OR REPLACE VIEW feedback_seen WITH (security_invoker = true) AS
SELECT f.*
  FROM feedback f
 WHERE (SELECT triad_staff())
    OR f.id = (SELECT triad_written())
    OR ((SELECT triad_person()) IS NOT NULL
        AND f.enrollment_id IN (SELECT pe.id FROM enrollment pe
                                 WHERE pe.person_id = (SELECT triad_person())))
    OR ((SELECT triad_person()) IS NOT NULL
        AND f.coach_person_id = (SELECT triad_person())
        AND f.relation_id IN (SELECT r.id FROM coaching_relation r
                               WHERE r.coach_person_id = (SELECT triad_person())
                                 AND triad_relation_active(r)))
    OR ((SELECT triad_organisation()) IS NOT NULL
        AND f.enrollment_id IN (SELECT c.enrollment_id FROM consent c
                                  JOIN enrollment ce ON ce.institution_id = c.institution_id
                                                    AND ce.id = c.enrollment_id
                                 WHERE c.organisation_id = (SELECT triad_organisation())
                                   AND c.level = 'full'
                                   AND ce.employer_id = (SELECT triad_organisation())));

CREATE OR REPLACE VIEW feedback_v WITH (security_barrier, security_invoker = true) AS
SELECT f.id, f.relation_id, f.enrollment_id, pp.name AS participant_name, f.coach_person_id,
       cp.name AS coach_name, f.situation, f.behaviour, f.effect, f.suggestion,
       coalesce(f.outcome_id::text, '') AS outcome_id, coalesce(o.code, '') AS outcome_code,
       coalesce(f.module_id::text, '') AS module_id, coalesce(m.code, '') AS module_code,
       coalesce(f.request_id::text, '') AS request_id, triad_us(f.created_at) AS created_at_us,
       triad_us(f.edited_at) AS edited_at_us, f.created_at AS at,
       e.person_id AS participant_person_id
  FROM feedback_seen f
  JOIN enrollment e ON e.institution_id = f.institution_id AND e.id = f.enrollment_id
  JOIN person pp ON pp.id = e.person_id
  JOIN person cp ON cp.id = f.coach_person_id
  LEFT JOIN learning_outcome o ON o.institution_id = f.institution_id AND o.id = f.outcome_id
  LEFT JOIN module m ON m.institution_id = f.institution_id AND m.id = f.module_id;

-- The feedback row this transaction has just written (triad_wrote), as
-- feedback_v shows it: for the functions that give and edit feedback to
-- answer with. feedback_v would show that row too, but it sets up its
-- visibility rules (three subplans and their settings) for the one row
-- its writer may see anyway; this reads the row and its names by key.
-- Nothing else: without a marked row it returns nothing. Inlined, so the
-- calling statement keeps its plan.
CREATE OR REPLACE FUNCTION triad_feedback_written()
    RETURNS SETOF feedback_v
    LANGUAGE sql STABLE
    AS $$
    SELECT f.id, f.relation_id, f.enrollment_id, pp.name, f.coach_person_id, cp.name,
           f.situation, f.behaviour, f.effect, f.suggestion, coalesce(f.outcome_id::text, ''),
           coalesce(o.code, ''), coalesce(f.module_id::text, ''), coalesce(m.code, ''),
           coalesce(f.request_id::text, ''), triad_us(f.created_at), triad_us(f.edited_at),
           f.created_at, e.person_id
      FROM feedback f
      JOIN enrollment e ON e.institution_id = f.institution_id AND e.id = f.enrollment_id
      JOIN person pp ON pp.id = e.person_id
      JOIN person cp ON cp.id = f.coach_person_id
      LEFT JOIN learning_outcome o ON o.institution_id = f.institution_id AND o.id = f.outcome_id
      LEFT JOIN module m ON m.institution_id = f.institution_id AND m.id = f.module_id
     WHERE f.institution_id = triad_tenant() AND f.id = triad_written()
$$;

CREATE OR REPLACE FUNCTION triad_feedback_check(p_field text, p_situation text, p_behaviour text,
                                                p_effect text, p_suggestion text)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF coalesce(length(trim(p_situation)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'describe the situation: where and when did you see it?',
                            p_field || '.situation');
    END IF;
    IF coalesce(length(trim(p_behaviour)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'describe the behaviour you observed in that situation',
                            p_field || '.behaviour');
    END IF;
    IF length(p_situation) > 4000 OR length(p_behaviour) > 4000 OR length(p_effect) > 4000
       OR length(p_suggestion) > 4000 THEN
        PERFORM triad_raise('TR400', 'each part of the feedback is at most 4000 characters',
                            p_field || '.situation');
    END IF;
END
$$;

-- Gives feedback as the coach of an active relation. (A retry with the same
-- idempotency key is answered by the dispatcher, as for every write.)
CREATE OR REPLACE FUNCTION triad_feedback_give(p_relation uuid, p_situation text, p_behaviour text,
                                               p_effect text, p_suggestion text, p_outcome uuid,
                                               p_module uuid, p_request uuid, p_coach text,
                                               p_request_id numeric)
    RETURNS SETOF feedback_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    r coaching_relation%ROWTYPE;
    v_id uuid;
BEGIN
    -- Locked as a foreign key check would lock it: the row written below
    -- refers to this relation, its enrollment, its coach and its
    -- institution, and the lock keeps the relation (and through its own
    -- keys the rest) in place until the transaction ends (migration 0021).
    SELECT * INTO r FROM coaching_relation WHERE id = p_relation FOR KEY SHARE;
    -- The same answer whether the participant exists or not.
    IF NOT FOUND OR r.coach_person_id::text <> coalesce(p_coach, '') OR NOT triad_relation_active(r) THEN
        PERFORM triad_raise('TR404', 'you are not a coach of this participant',
                            'give_feedback.relation_id');
    END IF;
    PERFORM triad_feedback_check('give_feedback', p_situation, p_behaviour, p_effect, p_suggestion);
    IF p_outcome IS NOT NULL AND NOT EXISTS (SELECT 1 FROM learning_outcome WHERE id = p_outcome) THEN
        PERFORM triad_raise('TR404', 'learning outcome not found', 'give_feedback.outcome_id');
    END IF;
    IF p_module IS NOT NULL AND NOT EXISTS (SELECT 1 FROM module WHERE id = p_module) THEN
        PERFORM triad_raise('TR404', 'module not found', 'give_feedback.module_id');
    END IF;
    IF p_request IS NOT NULL AND NOT EXISTS (SELECT 1 FROM feedback_request
                                              WHERE id = p_request AND relation_id = p_relation) THEN
        PERFORM triad_raise('TR404', 'feedback request not found for this participant',
                            'give_feedback.request_id');
    END IF;
    INSERT INTO feedback (institution_id, relation_id, enrollment_id, coach_person_id,
                          situation, behaviour, effect, suggestion, outcome_id, module_id,
                          request_id)
    VALUES (triad_tenant(), p_relation, r.enrollment_id, r.coach_person_id, p_situation,
            p_behaviour, coalesce(p_effect, ''), coalesce(p_suggestion, ''), p_outcome,
            p_module, p_request)
    RETURNING id INTO v_id;
    IF p_request IS NOT NULL THEN
        UPDATE feedback_request SET answered_at = now()
         WHERE id = p_request AND answered_at IS NULL;
    END IF;
    PERFORM triad_audit('feedback.create', 'feedback', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM triad_feedback_written();
END
$$;

-- The author edits within 24 hours of giving it, while the relation is
-- active. Each edit is audited.
CREATE OR REPLACE FUNCTION triad_feedback_edit(p_id uuid, p_situation text, p_behaviour text,
                                               p_effect text, p_suggestion text, p_coach text,
                                               p_request_id numeric)
    RETURNS SETOF feedback_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    f feedback%ROWTYPE;
BEGIN
    SELECT * INTO f FROM feedback WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR f.coach_person_id::text <> coalesce(p_coach, '') THEN
        PERFORM triad_raise('TR404', 'feedback not found among yours', 'edit_feedback.id');
    END IF;
    IF f.created_at < now() - interval '24 hours' THEN
        PERFORM triad_raise('TR409', format('feedback can be changed for 24 hours after it is given; '
                                            'this was given on %s', triad_ts(f.created_at)));
    END IF;
    PERFORM triad_feedback_check('edit_feedback', p_situation, p_behaviour, p_effect, p_suggestion);
    UPDATE feedback SET situation = p_situation, behaviour = p_behaviour,
                        effect = coalesce(p_effect, ''), suggestion = coalesce(p_suggestion, ''),
                        edited_at = now()
     WHERE id = p_id;
    PERFORM triad_audit('feedback.edit', 'feedback', p_id, p_request_id);
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM triad_feedback_written();
END
$$;

-- ---- consent and the employer's view ----

-- Consents: staff see all of them, the participant hers, and an
-- organisation (its contact or system) those given to it above none.
CREATE OR REPLACE VIEW consent_v WITH (security_barrier, security_invoker = true) AS
SELECT k.id, k.enrollment_id, k.organisation_id, k.level, triad_us(k.updated_at) AS updated_at_us,
       e.person_id AS participant_person_id, pe.name AS participant_name,
       coalesce(p.code, '') AS programme_code, o.name AS organisation_name
  FROM consent k
  JOIN enrollment e ON e.institution_id = k.institution_id AND e.id = k.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  JOIN organisation o ON o.id = k.organisation_id
  LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
  LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
  LEFT JOIN module rm ON rm.institution_id = r.institution_id AND rm.id = r.module_id
  LEFT JOIN programme p ON p.institution_id = e.institution_id
                       AND p.id = coalesce(c.programme_id, rm.programme_id)
 WHERE (SELECT triad_staff()) OR e.person_id = (SELECT triad_person())
    OR (k.organisation_id = (SELECT triad_organisation()) AND k.level <> 'none');

CREATE OR REPLACE FUNCTION triad_consent_set(p_enrollment uuid, p_org uuid, p_level text, p_person text,
                                             p_request_id numeric)
    RETURNS SETOF consent_v
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.id = p_enrollment
                                              AND e.person_id::text = p_person) THEN
        PERFORM triad_raise('TR404', 'enrollment not found among yours', 'set_consent.enrollment_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM organisation o WHERE o.id = p_org) THEN
        PERFORM triad_raise('TR404', 'organisation not found', 'set_consent.organisation_id');
    END IF;
    INSERT INTO consent (institution_id, enrollment_id, organisation_id, level)
    VALUES (triad_tenant(), p_enrollment, p_org, p_level)
    ON CONFLICT (institution_id, enrollment_id, organisation_id)
    DO UPDATE SET level = EXCLUDED.level, updated_at = now();
    PERFORM triad_audit('consent.' || p_level, 'enrollment', p_enrollment, p_request_id);
    RETURN QUERY SELECT * FROM consent_v c
                  WHERE c.enrollment_id = p_enrollment AND c.organisation_id = p_org;
END
$$;

-- What the caller's organisation (triad_organisation()) may see: its
-- employees' enrollments with consent above none, progress fields only
-- from 'progress' on. Nothing for a caller that speaks for none.
CREATE OR REPLACE VIEW employer_view_v WITH (security_barrier, security_invoker = true) AS
SELECT e.id, e.id AS enrollment_id, p.name AS participant_name, pr.code AS programme_code,
       c.level AS consent, e.status,
       (SELECT coalesce(sum(m.credits), 0) FROM module_completion mc
          JOIN module m ON m.id = mc.module_id WHERE mc.enrollment_id = e.id) AS credits_earned,
       pr.ects AS credits_required,
       (SELECT count(*)::int FROM module_completion mc WHERE mc.enrollment_id = e.id)
           AS modules_completed,
       (SELECT count(*)::int FROM module m WHERE m.programme_id = pr.id) AS modules_total,
       (SELECT count(*)::int FROM attendance a WHERE a.enrollment_id = e.id
                                                AND a.status = 'present') AS sessions_attended,
       (SELECT count(*)::int FROM attendance a WHERE a.enrollment_id = e.id
                                                AND a.status <> 'present') AS sessions_missed
  FROM enrollment e
  JOIN consent c ON c.institution_id = e.institution_id AND c.enrollment_id = e.id
                AND c.organisation_id = e.employer_id
  JOIN person p ON p.id = e.person_id
  LEFT JOIN cohort co ON co.id = e.cohort_id
  LEFT JOIN module_run r ON r.id = e.run_id
  LEFT JOIN module rm ON rm.id = r.module_id
  JOIN programme pr ON pr.id = coalesce(co.programme_id, rm.programme_id)
 WHERE e.employer_id = triad_organisation() AND c.level <> 'none';

-- Staff (among them the programme's assessors, for whom the judgement is
-- written) see every judgement, an organisation its own, and the
-- participant those about her.
CREATE OR REPLACE VIEW judgement_v WITH (security_barrier, security_invoker = true) AS
SELECT j.id, j.enrollment_id, j.organisation_id, coalesce(pr.name, '') AS author_name,
       j.subject, j.text, triad_us(j.created_at) AS created_at_us,
       pe.name AS participant_name, o.name AS organisation_name
  FROM advisory_judgement j
  JOIN enrollment e ON e.institution_id = j.institution_id AND e.id = j.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  JOIN organisation o ON o.id = j.organisation_id
  LEFT JOIN principal pr ON pr.id = j.author_id
 WHERE (SELECT triad_staff()) OR j.organisation_id = (SELECT triad_organisation()) OR e.person_id = (SELECT triad_person())
    OR j.id = (SELECT triad_written());

-- The caller's organisation (triad_organisation()) judges the workplace
-- intervention of one of its participants.
CREATE OR REPLACE FUNCTION triad_judgement_add(p_enrollment uuid, p_subject text, p_text text,
                                               p_request_id numeric)
    RETURNS SETOF judgement_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_org text := coalesce(triad_organisation()::text, '');
BEGIN
    IF coalesce(p_subject, '') NOT IN ('', 'intervention') THEN
        PERFORM triad_raise('TR400', 'an employer can only give an advisory judgement on the '
                            'workplace intervention; grading is for the programme''s assessors',
                            'add_advisory_judgement.subject');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.id = p_enrollment
                                              AND e.employer_id::text = coalesce(v_org, '')) THEN
        PERFORM triad_raise('TR404', 'no participant of your organisation with that enrollment',
                            'add_advisory_judgement.enrollment_id');
    END IF;
    IF coalesce(length(trim(p_text)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'write the judgement', 'add_advisory_judgement.text');
    END IF;
    INSERT INTO advisory_judgement (institution_id, enrollment_id, organisation_id, author_id,
                                    subject, text)
    VALUES (triad_tenant(), p_enrollment, v_org::uuid, triad_principal(), 'intervention', p_text)
    RETURNING id INTO v_id;
    PERFORM triad_audit('judgement.create', 'judgement', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM judgement_v WHERE id = v_id;
END
$$;

-- Cross-tenant path 3: when a coach first signs in (redeeming an invite),
-- they receive the workplace-coach role in every institution where they
-- already coach someone, so one credential reaches all their coachees
-- even when several institutions set up relations before the coach had a
-- sign-in. Each grant is audited in its institution.
CREATE OR REPLACE FUNCTION triad_coach_grants(p_principal uuid)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    r record;
    v_grant uuid;
    n integer := 0;
BEGIN
    FOR r IN SELECT DISTINCT c.institution_id
               FROM coaching_relation c JOIN principal p ON p.person_id = c.coach_person_id
              WHERE p.id = p_principal AND triad_relation_active(c)
                AND NOT EXISTS (SELECT 1 FROM role_grant g
                                 WHERE g.institution_id = c.institution_id
                                   AND g.principal_id = p_principal
                                   AND g.role = 'workplace_coach') LOOP
        INSERT INTO role_grant (institution_id, principal_id, role)
        VALUES (r.institution_id, p_principal, 'workplace_coach')
        RETURNING id INTO v_grant;
        PERFORM triad_audit('grant.create', 'grant', v_grant, NULL, p_principal,
                            r.institution_id);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
