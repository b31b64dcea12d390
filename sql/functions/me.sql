-- me.sql: what the service holds of the signed-in person, in every
-- institution where she has standing, for GetMe (`triad me`). Persons are
-- shared across institutions, so this is a view across tenants: like a
-- coach's coachees (triangle.sql), it goes through SECURITY DEFINER
-- functions, and each returns only rows about the caller's own person as
-- triad_begin() set it (triad_person()), never anyone else's: her grants,
-- her enrollments, the relations in which she is the participant or the
-- coach, the consents she gave, the open feedback requests she sent or
-- that wait for her. A caller without a person (a partner system) has no
-- such view.
--
-- All are plpgsql rather than sql so that their plans are cached.

CREATE OR REPLACE FUNCTION triad_me()
    RETURNS TABLE (person_id uuid, name text, email text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF triad_person() IS NULL THEN
        PERFORM triad_raise('TR409', 'only a person has a view of their own; WhoAmI '
                            'tells what this principal may do');
    END IF;
    RETURN QUERY SELECT p.id, p.name, p.email FROM person p WHERE p.id = triad_person();
END
$$;

-- The caller's roles, where, and for which organisation.
CREATE OR REPLACE FUNCTION triad_me_roles()
    RETURNS TABLE (institution_id uuid, institution_slug text, institution_name text, role text,
                   title text, organisation_id text, organisation_name text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    SELECT i.id, i.slug, i.name, g.role, coalesce(g.title, ''),
           coalesce(g.organisation_id::text, ''), coalesce(o.name, '')
      FROM role_grant g
      JOIN principal pr ON pr.id = g.principal_id
      JOIN institution i ON i.id = g.institution_id
      LEFT JOIN organisation o ON o.id = g.organisation_id
     WHERE pr.person_id = triad_person()
     ORDER BY i.slug, g.role, g.title;
END
$$;

-- The caller's enrollments that are neither completed nor withdrawn.
CREATE OR REPLACE FUNCTION triad_me_enrollments()
    RETURNS TABLE (id uuid, institution_id uuid, institution_slug text, programme_code text,
                   programme_name text, cohort_name text, module_code text, track text,
                   status text, placement text, waitlist_position integer,
                   employer_id text, employer_name text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    SELECT e.id, e.institution_id, i.slug, p.code, p.name, coalesce(c.name, ''),
           coalesce(rm.code, ''), e.track, e.status, e.placement,
           triad_seat_position(e.placement = 'waitlisted',
               (SELECT count(*) FROM enrollment w
                 WHERE w.institution_id = e.institution_id AND w.placement = 'waitlisted'
                   AND w.status <> 'withdrawn' AND w.track = e.track
                   AND w.cohort_id IS NOT DISTINCT FROM e.cohort_id
                   AND w.run_id IS NOT DISTINCT FROM e.run_id AND w.arrival <= e.arrival)),
           coalesce(e.employer_id::text, ''), coalesce(o.name, '')
      FROM enrollment e
      JOIN institution i ON i.id = e.institution_id
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
      LEFT JOIN module rm ON rm.institution_id = r.institution_id AND rm.id = r.module_id
      JOIN programme p ON p.institution_id = e.institution_id
                      AND p.id = coalesce(c.programme_id, rm.programme_id)
      LEFT JOIN organisation o ON o.id = e.employer_id
     WHERE e.person_id = triad_person() AND e.status NOT IN ('completed', 'withdrawn')
     ORDER BY i.slug, p.code, e.created_at;
END
$$;

-- The coaching relations that have not ended in which the caller is the
-- participant (side 'participant': her coaches) or the coach (side
-- 'coach': her coachees).
CREATE OR REPLACE FUNCTION triad_me_relations()
    RETURNS TABLE (id uuid, side text, institution_id uuid, institution_slug text,
                   enrollment_id uuid, programme_code text, participant_person_id uuid,
                   participant_name text, participant_email text, coach_person_id uuid,
                   coach_name text, coach_email text, kind text, status text, starts_on text,
                   ends_on text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    SELECT r.id, CASE WHEN e.person_id = triad_person() THEN 'participant' ELSE 'coach' END,
           r.institution_id, i.slug, e.id, coalesce(p.code, ''), pp.id, pp.name, pp.email,
           cp.id, cp.name, cp.email, r.kind,
           CASE WHEN r.status = 'active' AND r.ends_on < current_date THEN 'ended'
                ELSE r.status END,
           r.starts_on::text, coalesce(r.ends_on::text, '')
      FROM coaching_relation r
      JOIN institution i ON i.id = r.institution_id
      JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
      JOIN person pp ON pp.id = e.person_id
      JOIN person cp ON cp.id = r.coach_person_id
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN module_run mr ON mr.institution_id = e.institution_id AND mr.id = e.run_id
      LEFT JOIN module rm ON rm.institution_id = mr.institution_id AND rm.id = mr.module_id
      LEFT JOIN programme p ON p.institution_id = e.institution_id
                           AND p.id = coalesce(c.programme_id, rm.programme_id)
     WHERE (e.person_id = triad_person() OR r.coach_person_id = triad_person())
       AND r.status <> 'ended' AND (r.ends_on IS NULL OR r.ends_on >= current_date)
     ORDER BY 2 DESC, i.slug, pp.name, cp.name;
END
$$;

-- The consents the caller gave that are above none.
CREATE OR REPLACE FUNCTION triad_me_consents()
    RETURNS TABLE (enrollment_id uuid, institution_slug text, programme_code text,
                   participant_person_id uuid, participant_name text, organisation_id uuid,
                   organisation_name text, level text, updated_at_us bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    SELECT k.enrollment_id, i.slug, coalesce(p.code, ''), pe.id, pe.name, o.id, o.name,
           k.level, triad_us(k.updated_at)
      FROM consent k
      JOIN institution i ON i.id = k.institution_id
      JOIN enrollment e ON e.institution_id = k.institution_id AND e.id = k.enrollment_id
      JOIN person pe ON pe.id = e.person_id
      JOIN organisation o ON o.id = k.organisation_id
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN module_run mr ON mr.institution_id = e.institution_id AND mr.id = e.run_id
      LEFT JOIN module rm ON rm.institution_id = mr.institution_id AND rm.id = mr.module_id
      LEFT JOIN programme p ON p.institution_id = e.institution_id
                           AND p.id = coalesce(c.programme_id, rm.programme_id)
     WHERE e.person_id = triad_person() AND k.level <> 'none'
     ORDER BY i.slug, o.name;
END
$$;

-- The open feedback requests of relations that have not ended: those the
-- caller sent (p_sent) or those that wait for her as the coach.
CREATE OR REPLACE FUNCTION triad_me_requests(p_sent boolean)
    RETURNS TABLE (id uuid, institution_id uuid, institution_slug text, relation_id uuid,
                   participant_name text, coach_name text, outcome_id uuid, module_id uuid,
                   assignment text, question text, due_on text, overdue boolean,
                   answered_at_us bigint, created_at_us bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    SELECT q.id, q.institution_id, i.slug, q.relation_id, pp.name, cp.name, q.outcome_id,
           q.module_id, q.assignment, q.question, coalesce(q.due_on::text, ''),
           coalesce(q.due_on < current_date, false), NULL::bigint, triad_us(q.created_at)
      FROM feedback_request q
      JOIN coaching_relation r ON r.institution_id = q.institution_id AND r.id = q.relation_id
      JOIN institution i ON i.id = q.institution_id
      JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
      JOIN person pp ON pp.id = e.person_id
      JOIN person cp ON cp.id = r.coach_person_id
     WHERE q.answered_at IS NULL AND triad_relation_active(r)
       AND CASE WHEN p_sent THEN e.person_id = triad_person()
                ELSE r.coach_person_id = triad_person() END
     ORDER BY coalesce(q.due_on < current_date, false) DESC, q.due_on NULLS LAST, q.created_at;
END
$$;
