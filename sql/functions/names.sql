-- names.sql: the names people use, resolved within what the caller may
-- see, and the persons and organisations a caller may find (tables:
-- migrations 0002_access and 0009_names).
--
-- Wherever a request takes an id it also takes the natural key people use:
-- a programme, module or learning outcome code, a cohort's name, a module
-- run as cohort and module, a person's e-mail address, an organisation's
-- name or registry number, an enrollment by the participant's e-mail and
-- programme, a coaching relation by the coach's e-mail. Keys are matched
-- without regard to case, and a key of several parts joins them with '/'
-- ('MPM/M1', 'anna@example.org/MPM').
--
-- The daemon asks triad_key() about every such field of a request before
-- it runs the request's statements (registry.h: a parameter "path@kind"),
-- in a transaction scoped like theirs, and passes the id on in the key's
-- place. So a partner system gets the same as the client, and a lookup
-- sees exactly what the caller may see: a key that names something hidden
-- from the caller is not found, in the same words as one that names
-- nothing. A key that fits several things is refused with the choices,
-- each written as a key that fits it alone, so that the answer can be
-- typed again.
--
-- Two kinds fill in an empty field: my_enrollment is the caller's own
-- enrollment when she has exactly one that is not withdrawn (or
-- completed), and my_relation her one active coaching relation. With
-- several, the caller is asked which, by the same list of choices.

-- ---- who may see whom ----

-- The persons of the institution that the caller may see: staff all of
-- them; anyone else themselves, their coaches and coachees (any relation,
-- current or not), and for an organisation's contact or system its
-- employees (triad_is_employee).
-- True when the caller is a partner system of the whole institution (a
-- partner_integration grant with no organisation): the institution's own
-- systems, which enroll its people and so must be able to find them.
CREATE OR REPLACE FUNCTION triad_institution_partner() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM role_grant g
                    WHERE g.institution_id = triad_tenant()
                      AND g.principal_id = triad_principal()
                      AND g.role = 'partner_integration' AND g.organisation_id IS NULL)
$$;

CREATE OR REPLACE VIEW person_v WITH (security_barrier, security_invoker = true) AS
SELECT p.id, p.name, p.email, triad_us(p.created_at) AS created_at_us
  FROM person p
 WHERE EXISTS (SELECT 1 FROM member m WHERE m.person_id = p.id)
   AND (triad_staff() OR p.id = triad_person() OR p.id = triad_written()
        OR triad_institution_partner()
        OR EXISTS (SELECT 1 FROM coaching_relation r
                     JOIN enrollment e ON e.institution_id = r.institution_id
                                      AND e.id = r.enrollment_id
                    WHERE (e.person_id = triad_person() AND r.coach_person_id = p.id)
                       OR (r.coach_person_id = triad_person() AND e.person_id = p.id))
        OR (triad_organisation() IS NOT NULL AND triad_is_employee(p.id, triad_organisation())));

-- The programmes of the caller's own enrollments that are not withdrawn,
-- and of those the caller coaches in an active relation: where the codes a
-- participant or a coach gives mean something first.
CREATE OR REPLACE FUNCTION triad_my_programmes() RETURNS SETOF uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT DISTINCT coalesce(c.programme_id, rm.programme_id)
      FROM enrollment e
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
      LEFT JOIN module rm ON rm.institution_id = r.institution_id AND rm.id = r.module_id
     WHERE (e.person_id = triad_person() AND e.status <> 'withdrawn')
        OR EXISTS (SELECT 1 FROM coaching_relation cr
                    WHERE cr.institution_id = e.institution_id AND cr.enrollment_id = e.id
                      AND cr.coach_person_id = triad_person() AND triad_relation_active(cr))
$$;

-- The enrollments the caller may name, with what names them: staff all;
-- the participant her own; a coach those of an active relation; an
-- organisation (its contact or system) its employees' that share
-- something with it (consent above none), which is what its view shows.
CREATE OR REPLACE FUNCTION triad_key_enrollments()
    RETURNS TABLE (id uuid, person_id uuid, email text, programme_code text, cohort_name text,
                   module_code text, status text)
    LANGUAGE sql STABLE
    AS $$
    SELECT e.id, e.person_id, pe.email, p.code, c.name, rm.code, e.status
      FROM enrollment e
      JOIN person pe ON pe.id = e.person_id
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
      LEFT JOIN module rm ON rm.institution_id = r.institution_id AND rm.id = r.module_id
      JOIN programme p ON p.institution_id = e.institution_id
                      AND p.id = coalesce(c.programme_id, rm.programme_id)
     WHERE triad_staff() OR e.person_id = triad_person()
        OR EXISTS (SELECT 1 FROM coaching_relation cr
                    WHERE cr.institution_id = e.institution_id AND cr.enrollment_id = e.id
                      AND cr.coach_person_id = triad_person() AND triad_relation_active(cr))
        OR (e.employer_id = triad_organisation()
            AND EXISTS (SELECT 1 FROM consent k
                         WHERE k.institution_id = e.institution_id AND k.enrollment_id = e.id
                           AND k.organisation_id = e.employer_id AND k.level <> 'none'))
$$;

-- ---- picking one ----

-- One of the candidates p_ids for key p_value of request field p_field:
-- the only one; else, of several, the only one p_preferred marks; else
-- INVALID_ARGUMENT listing p_labels (keys that fit one each), naming the
-- field. None is NOT_FOUND with p_none.
CREATE OR REPLACE FUNCTION triad_key_pick(p_value text, p_field text, p_what text, p_none text,
                                          p_ids uuid[], p_labels text[], p_preferred boolean[])
    RETURNS uuid
    LANGUAGE plpgsql
    AS $$
DECLARE
    n integer := coalesce(cardinality(p_ids), 0);
    v_pick integer;
    v_preferred integer := 0;
BEGIN
    IF n = 1 THEN
        RETURN p_ids[1];
    END IF;
    IF n = 0 THEN
        PERFORM triad_raise('TR404', p_none, p_field);
    END IF;
    FOR k IN 1 .. n LOOP
        IF p_preferred[k] THEN
            v_preferred := v_preferred + 1;
            v_pick := k;
        END IF;
    END LOOP;
    IF v_preferred = 1 THEN
        RETURN p_ids[v_pick];
    END IF;
    PERFORM triad_raise('TR400',
        CASE WHEN p_value = '' THEN format('you have %s %ss; say which: %s', n, p_what,
                                           array_to_string(p_labels, ', '))
             ELSE format('"%s" fits %s %ss; say which: %s', p_value, n, p_what,
                         array_to_string(p_labels, ', ')) END,
        p_field);
    RETURN NULL;
END
$$;

-- The parts of a key: split at '/', each trimmed, none empty.
CREATE OR REPLACE FUNCTION triad_key_parts(p_value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT coalesce(array_agg(lower(btrim(x)) ORDER BY n) FILTER (WHERE btrim(x) <> ''), '{}')
      FROM unnest(string_to_array(p_value, '/')) WITH ORDINALITY AS t(x, n)
$$;

-- True when every part is one of the names.
CREATE OR REPLACE FUNCTION triad_key_fits(p_parts text[], VARIADIC p_names text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT cardinality(p_parts) > 0
       AND NOT EXISTS (SELECT 1 FROM unnest(p_parts) x
                        WHERE x <> ALL (ARRAY(SELECT lower(y) FROM unnest(p_names) y
                                               WHERE y IS NOT NULL)))
$$;

-- ---- the key of each kind ----

-- The id that p_value names as a p_kind (see the top of this file) for
-- request field p_field, as text: p_value itself when it is an id (whether
-- it names anything is for the request to find out), '' for an empty
-- value that stays empty. Raises NOT_FOUND for a key that names nothing the
-- caller may see and INVALID_ARGUMENT for one that fits several things.
CREATE OR REPLACE FUNCTION triad_key(p_kind text, p_value text, p_field text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := btrim(coalesce(p_value, ''));
    parts text[] := triad_key_parts(coalesce(p_value, ''));
    n integer;
    ids uuid[];
    labels text[];
    preferred boolean[];
    v_none text;
    v_what text := replace(p_kind, 'my_', '');
BEGIN
    IF v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RETURN lower(v);
    END IF;
    IF v = '' AND p_kind NOT IN ('my_enrollment', 'my_relation') THEN
        RETURN '';
    END IF;
    n := cardinality(parts);
    CASE p_kind
    WHEN 'programme' THEN
        v_none := format('no programme with code "%s"', v);
        SELECT array_agg(p.id ORDER BY p.code), array_agg(p.code ORDER BY p.code),
               array_agg(p.code = v ORDER BY p.code)
          INTO ids, labels, preferred
          FROM programme p WHERE lower(p.code) = lower(v);
    WHEN 'module', 'outcome' THEN
        v_none := format('no %s with code "%s"', CASE WHEN p_kind = 'module' THEN 'module'
                                                      ELSE 'learning outcome' END, v);
        v_what := CASE WHEN p_kind = 'module' THEN 'module' ELSE 'learning outcome' END;
        WITH x AS (
            SELECT m.id, p.code AS pcode, m.code, m.programme_id FROM module m
              JOIN programme p ON p.institution_id = m.institution_id AND p.id = m.programme_id
             WHERE p_kind = 'module'
            UNION ALL
            SELECT o.id, p.code, o.code, o.programme_id FROM learning_outcome o
              JOIN programme p ON p.institution_id = o.institution_id AND p.id = o.programme_id
             WHERE p_kind = 'outcome')
        SELECT array_agg(x.id ORDER BY x.pcode), array_agg(x.pcode || '/' || x.code ORDER BY x.pcode),
               array_agg(x.programme_id IN (SELECT triad_my_programmes()) ORDER BY x.pcode)
          INTO ids, labels, preferred
          FROM x
         WHERE n BETWEEN 1 AND 2 AND lower(x.code) = parts[n]
           AND (n = 1 OR lower(x.pcode) = parts[1]);
    WHEN 'cohort' THEN
        v_none := format('no cohort called "%s"', v);
        SELECT array_agg(c.id ORDER BY p.code), array_agg(p.code || '/' || c.name ORDER BY p.code),
               array_agg(c.programme_id IN (SELECT triad_my_programmes()) ORDER BY p.code)
          INTO ids, labels, preferred
          FROM cohort c
          JOIN programme p ON p.institution_id = c.institution_id AND p.id = c.programme_id
         WHERE lower(c.name) = lower(v)
            OR (position('/' IN v) > 0 AND lower(p.code) = lower(btrim(split_part(v, '/', 1)))
                AND lower(c.name) = lower(btrim(substr(v, position('/' IN v) + 1))));
    WHEN 'run' THEN
        v_none := format('no module run "%s"; name it by cohort and module, such as '
                         '"Metropool 24/M1"', v);
        SELECT array_agg(r.id ORDER BY c.name, m.code),
               array_agg(p.code || '/' || c.name || '/' || m.code ORDER BY c.name, m.code),
               array_agg(false)
          INTO ids, labels, preferred
          FROM module_run r
          JOIN cohort c ON c.institution_id = r.institution_id AND c.id = r.cohort_id
          JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
          JOIN programme p ON p.institution_id = m.institution_id AND p.id = m.programme_id
         WHERE triad_key_fits(parts, c.name, m.code, p.code);
    WHEN 'person' THEN
        v_none := format('no person with e-mail address "%s" here', v);
        SELECT array_agg(p.id), array_agg(p.email), array_agg(false)
          INTO ids, labels, preferred
          FROM person_v p WHERE lower(p.email) = lower(v);
    WHEN 'coach' THEN
        -- A coach may be new to the institution: anyone in the service whose
        -- e-mail address is given in full.
        v_what := 'person';
        v_none := format('no person with e-mail address "%s"; programme staff can add them', v);
        SELECT array_agg(p.id), array_agg(p.email), array_agg(false)
          INTO ids, labels, preferred
          FROM person p WHERE lower(p.email) = lower(v);
    WHEN 'organisation' THEN
        v_none := format('no organisation called "%s" or with that registry number', v);
        SELECT array_agg(o.id ORDER BY o.name, o.id),
               array_agg(format('%s (%s)', o.name, coalesce(o.registry_number, o.id::text))
                         ORDER BY o.name, o.id),
               array_agg(lower(o.registry_number) IS NOT DISTINCT FROM lower(v)
                         ORDER BY o.name, o.id)
          INTO ids, labels, preferred
          FROM organisation o
         WHERE lower(o.name) = lower(v) OR lower(o.registry_number) = lower(v);
    WHEN 'enrollment', 'my_enrollment' THEN
        v_none := CASE WHEN v = '' THEN NULL ELSE format('no enrollment "%s" that you may see', v) END;
        WITH x AS (
            SELECT k.*, CASE WHEN k.status = 'withdrawn' THEN 2
                             WHEN k.status = 'completed' THEN 1 ELSE 0 END AS rank
              FROM triad_key_enrollments() k
             WHERE CASE WHEN v = '' THEN k.person_id = triad_person()
                        ELSE triad_key_fits(parts, k.email, k.programme_code, k.cohort_name,
                                            k.module_code) END),
             best AS (SELECT * FROM x WHERE x.rank = (SELECT min(rank) FROM x))
        SELECT array_agg(b.id ORDER BY b.programme_code, b.id),
               array_agg(concat_ws('/', CASE WHEN v = '' THEN NULL ELSE b.email END,
                                   b.programme_code, coalesce(b.cohort_name, b.module_code))
                         ORDER BY b.programme_code, b.id),
               array_agg(false)
          INTO ids, labels, preferred
          FROM best b;
        IF v = '' AND ids IS NULL THEN
            RETURN '';
        END IF;
    WHEN 'relation', 'my_relation' THEN
        v_what := 'coaching relation';
        v_none := CASE WHEN v = '' THEN NULL
                       ELSE format('no coaching relation "%s" that you may see', v) END;
        WITH x AS (
            SELECT r.id, pp.email AS participant_email, cp.email AS coach_email, r.kind,
                   triad_relation_active(r) AS active, p.code AS programme_code
              FROM coaching_relation r
              JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
              JOIN person pp ON pp.id = e.person_id
              JOIN person cp ON cp.id = r.coach_person_id
              LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
              LEFT JOIN module_run mr ON mr.institution_id = e.institution_id AND mr.id = e.run_id
              LEFT JOIN module rm ON rm.institution_id = mr.institution_id AND rm.id = mr.module_id
              LEFT JOIN programme p ON p.institution_id = e.institution_id
                                   AND p.id = coalesce(c.programme_id, rm.programme_id)
             WHERE (triad_staff() OR e.person_id = triad_person()
                    OR r.coach_person_id = triad_person())
               AND CASE WHEN v = '' THEN e.person_id = triad_person() AND r.status <> 'ended'
                        ELSE triad_key_fits(parts, pp.email, cp.email, r.kind,
                                            replace(r.kind, '_', '-'), p.code) END),
             best AS (SELECT * FROM x WHERE x.active OR NOT EXISTS (SELECT 1 FROM x y
                                                                      WHERE y.active))
        SELECT array_agg(b.id ORDER BY b.coach_email, b.kind),
               array_agg(concat_ws('/', CASE WHEN triad_staff() THEN b.participant_email END,
                                   b.coach_email, replace(b.kind, '_', '-'))
                         ORDER BY b.coach_email, b.kind),
               array_agg(false)
          INTO ids, labels, preferred
          FROM best b;
        IF v = '' AND ids IS NULL THEN
            RETURN '';
        END IF;
    ELSE
        PERFORM triad_raise('TR400', format('%s cannot be named by a key', p_field), p_field);
    END CASE;
    RETURN triad_key_pick(v, p_field, v_what, v_none, ids, labels, preferred)::text;
END
$$;

-- ---- finding persons and organisations ----

-- The persons the caller may see (person_v) whose name or e-mail address
-- contains p_query, without regard to case; all of them for an empty
-- query. Paged by id.
CREATE OR REPLACE FUNCTION triad_person_find(p_query text, p_after text, p_limit integer)
    RETURNS SETOF person_v
    LANGUAGE sql STABLE
    AS $$
    SELECT p.* FROM person_v p
     WHERE (coalesce(p_query, '') = ''
            OR strpos(lower(p.name), lower(btrim(p_query))) > 0
            OR strpos(lower(p.email), lower(btrim(p_query))) > 0)
       AND (coalesce(p_after, '') = '' OR p.id > p_after::uuid)
     ORDER BY p.id LIMIT p_limit
$$;

CREATE OR REPLACE VIEW organisation_v WITH (security_invoker = true) AS
SELECT o.id, o.name, o.kind, coalesce(o.registry_number, '') AS registry_number,
       triad_us(o.created_at) AS created_at_us
  FROM organisation o;

-- Organisations are shared, and every caller sees them all: those whose
-- name contains p_query, or whose registry number is p_query. Paged by id.
CREATE OR REPLACE FUNCTION triad_organisation_find(p_query text, p_after text, p_limit integer)
    RETURNS SETOF organisation_v
    LANGUAGE sql STABLE
    AS $$
    SELECT o.* FROM organisation_v o
     WHERE (coalesce(p_query, '') = ''
            OR strpos(lower(o.name), lower(btrim(p_query))) > 0
            OR lower(o.registry_number) = lower(btrim(p_query)))
       AND (coalesce(p_after, '') = '' OR o.id > p_after::uuid)
     ORDER BY o.id LIMIT p_limit
$$;

-- Creates an organisation, with its registry number when one is given
-- (p_registry: '' for none; the daemon has checked its form). Audited in
-- the service's trail: organisations belong to no institution.
CREATE OR REPLACE FUNCTION triad_organisation_create(p_name text, p_kind text, p_registry text,
                                                     p_request_id numeric)
    RETURNS SETOF organisation_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF coalesce(p_registry, '') <> '' AND EXISTS (
            SELECT 1 FROM organisation WHERE lower(registry_number) = lower(p_registry)) THEN
        PERFORM triad_raise('TRDUP', format('another organisation has registry number %s',
                                            p_registry), 'create_organisation.registry_number');
    END IF;
    INSERT INTO organisation (name, kind, registry_number)
    VALUES (p_name, p_kind, nullif(p_registry, ''))
    RETURNING id INTO v_id;
    PERFORM triad_service_audit('organisation.create', 'organisation', v_id, p_request_id);
    RETURN QUERY SELECT * FROM organisation_v WHERE id = v_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TRDUP', format('another organisation has registry number %s',
                                        p_registry), 'create_organisation.registry_number');
END
$$;
