-- ooapi.sql: the read-only OOAPI v5 shapes (Open Education API) and the xAPI
-- statements of the domain events, both served on the standards port
-- (daemon/ooapi.c, docs/ooapi.md).
--
-- Everything here reads through the protocol's views (programme_v,
-- module_v, cohort_v, module_run_v, enrollment_v, person_v, relation_v,
-- consent_v) in a transaction opened by triad_begin(), so row-level
-- security and the views' visibility rules decide what a caller sees, the
-- same as for the protocol's requests. One function builds each shape as
-- JSON; triad_ooapi() routes a request to it and wraps lists in OOAPI's
-- paging envelope. A resource the caller may not see answers 404, the same
-- as one that does not exist.

-- A programme's language as ISO 639-2 (three letters), as OOAPI wants it;
-- 'und' (undetermined) for one it does not know.
CREATE OR REPLACE FUNCTION triad_ooapi_language(p_language text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE
               WHEN lower(p_language) IN ('nl', 'nld', 'dut', 'dutch', 'nederlands') THEN 'nld'
               WHEN lower(p_language) IN ('en', 'eng', 'english', 'engels') THEN 'eng'
               WHEN lower(p_language) IN ('de', 'deu', 'ger', 'german', 'duits') THEN 'deu'
               WHEN lower(p_language) IN ('fr', 'fra', 'fre', 'french', 'frans') THEN 'fra'
               WHEN lower(p_language) ~ '^[a-z]{3}$' THEN lower(p_language)
               ELSE 'und'
           END
$$;

-- OOAPI's LanguageTypedString array of one text, in the programme's language.
CREATE OR REPLACE FUNCTION triad_ooapi_text(p_language text, p_value text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_build_array(jsonb_build_object(
               'language', CASE triad_ooapi_language(p_language) WHEN 'nld' THEN 'nl-NL'
                                                                  WHEN 'deu' THEN 'de-DE'
                                                                  WHEN 'fra' THEN 'fr-FR'
                                                                  ELSE 'en-GB' END,
               'value', p_value))
$$;

-- An enrollment's OOAPI association state: withdrawn is canceled, a place
-- on the waiting list is queued, applied and intake planned are pending,
-- admitted, active and completed are associated. triad has no refusal of
-- an application, so 'denied' does not occur.
CREATE OR REPLACE FUNCTION triad_ooapi_state(p_status text, p_placement text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE
               WHEN p_status = 'withdrawn' THEN 'canceled'
               WHEN p_placement = 'waitlisted' THEN 'queued'
               WHEN p_status IN ('applied', 'intake_planned') THEN 'pending'
               ELSE 'associated'
           END
$$;

-- OOAPI's error body (application/problem+json): status as a string.
CREATE OR REPLACE FUNCTION triad_ooapi_problem(p_status integer, p_title text, p_detail text)
    RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_build_object('status', p_status::text, 'title', p_title, 'detail', p_detail)
$$;

-- A list page: p_items holds up to p_size + 1 items (one more tells that a
-- next page exists), in order.
CREATE OR REPLACE FUNCTION triad_ooapi_page(p_items jsonb, p_size integer, p_number integer)
    RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_build_object(
               'pageSize', p_size, 'pageNumber', p_number,
               'hasPreviousPage', p_number > 1,
               'hasNextPage', jsonb_array_length(p_items) > p_size,
               'items', coalesce((SELECT jsonb_agg(e ORDER BY n)
                                    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(e, n)
                                   WHERE n <= p_size), '[]'::jsonb))
$$;

-- ---- programmes (programs) and modules (courses) ----

CREATE OR REPLACE FUNCTION triad_ooapi_program(p programme_v) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_object(
        'programId', p.id,
        'primaryCode', jsonb_build_object('codeType', 'programCode', 'code', p.code),
        'programType', 'program',
        'name', triad_ooapi_text(p.language, p.name),
        'abbreviation', p.code,
        'description', triad_ooapi_text(p.language,
                                        format('%s (%s, %s ECTS)', p.name, p.award, p.ects)),
        'teachingLanguage', triad_ooapi_language(p.language),
        'studyLoad', jsonb_build_object('studyLoadUnit', 'ects', 'value', p.ects),
        'modeOfStudy', CASE p.mode WHEN 'full_time' THEN 'full-time' ELSE 'part-time' END,
        'duration', format('P%sM', p.duration_months),
        'consumers', jsonb_build_array(jsonb_build_object(
            'consumerKey', 'x-triad', 'award', p.award, 'mode', p.mode,
            'startMoments', to_jsonb(p.start_moments),
            'specialisations', to_jsonb(p.specialisations), 'feeCents', p.fee_cents)))
$$;

CREATE OR REPLACE FUNCTION triad_ooapi_course(m module_v) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_object(
        'courseId', m.id,
        'primaryCode', jsonb_build_object('codeType', 'x-moduleCode', 'code', m.code),
        'name', triad_ooapi_text(p.language, m.name),
        'abbreviation', m.code,
        'description', triad_ooapi_text(p.language, format('%s: %s module of %s', m.name,
                                                           m.kind, p.name)),
        'teachingLanguage', triad_ooapi_language(p.language),
        'level', CASE p.award WHEN 'degree' THEN 'master' ELSE 'undefined' END,
        'studyLoad', jsonb_build_object('studyLoadUnit', 'ects', 'value', m.credits),
        'programs', jsonb_build_array(m.programme_id),
        'consumers', jsonb_build_array(jsonb_build_object(
            'consumerKey', 'x-triad', 'kind', m.kind, 'sequence', m.sequence,
            'attendanceMandatory', m.attendance_mandatory,
            'cannotBeMissed', m.cannot_be_missed)))
      FROM programme_v p WHERE p.id = m.programme_id
$$;

-- ---- cohorts and module runs (offerings) ----

-- Seats of the enrollments that count against a group: in OOAPI's terms
-- enrolled (associated), pending, and queued (the waiting list).
CREATE OR REPLACE FUNCTION triad_ooapi_counts(p_cohort uuid, p_run uuid,
                                              OUT enrolled integer, OUT pending integer,
                                              OUT queued integer)
    LANGUAGE sql STABLE
    AS $$
    SELECT count(*) FILTER (WHERE s = 'associated')::int,
           count(*) FILTER (WHERE s = 'pending')::int,
           count(*) FILTER (WHERE s = 'queued')::int
      FROM (SELECT triad_ooapi_state(e.status, e.placement) AS s
              FROM enrollment e
             WHERE (p_cohort IS NOT NULL AND e.cohort_id = p_cohort)
                OR (p_run IS NOT NULL AND e.run_id = p_run)) x
$$;

CREATE OR REPLACE FUNCTION triad_ooapi_cohort_offering(c cohort_v) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'offeringId', c.id,
        'primaryCode', jsonb_build_object('codeType', 'offeringCode',
                                          'code', p.code || ' ' || c.name),
        'offeringType', 'program',
        'name', triad_ooapi_text(p.language, c.name),
        'description', triad_ooapi_text(p.language, format('%s, cohort %s', p.name, c.name)),
        'teachingLanguage', triad_ooapi_language(p.language),
        'resultExpected', true,
        'startDate', c.starts_on, 'endDate', c.ends_on,
        'maxNumberStudents', (SELECT min(r.capacity) FROM module_run r WHERE r.cohort_id = c.id),
        'enrolledNumberStudents', n.enrolled,
        'pendingNumberStudents', n.pending,
        'program', c.programme_id,
        'consumers', jsonb_build_array(jsonb_build_object(
            'consumerKey', 'x-triad', 'kind', 'cohort', 'queuedNumberStudents', n.queued))))
      FROM programme_v p, triad_ooapi_counts(c.id, NULL) n
     WHERE p.id = c.programme_id
$$;

CREATE OR REPLACE FUNCTION triad_ooapi_run_offering(r module_run_v) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    -- Members of the run's cohort (the programme track) take its seats
    -- with those enrolled for the run alone (the standalone track).
    SELECT jsonb_build_object(
        'offeringId', r.id,
        'primaryCode', jsonb_build_object('codeType', 'offeringCode',
                                          'code', r.module_code || ' ' || c.name),
        'offeringType', 'course',
        'name', triad_ooapi_text(p.language, format('%s (%s)', m.name, c.name)),
        'description', triad_ooapi_text(p.language,
                                        format('%s for cohort %s of %s', m.name, c.name, p.name)),
        'teachingLanguage', triad_ooapi_language(p.language),
        'resultExpected', true,
        'startDate', coalesce(r.starts_on, c.starts_on),
        'endDate', coalesce(r.ends_on, c.ends_on),
        'maxNumberStudents', r.capacity,
        'enrolledNumberStudents', nc.enrolled + nr.enrolled,
        'pendingNumberStudents', nc.pending + nr.pending,
        'course', r.module_id,
        'programOffering', r.cohort_id,
        'consumers', jsonb_build_array(jsonb_build_object(
            'consumerKey', 'x-triad', 'kind', 'run',
            'queuedNumberStudents', nc.queued + nr.queued,
            'standaloneNumberStudents', r.standalone, 'warning', r.warning)))
      FROM cohort_v c, module_v m, programme_v p, triad_ooapi_counts(r.cohort_id, NULL) nc,
           triad_ooapi_counts(NULL, r.id) nr
     WHERE c.id = r.cohort_id AND m.id = r.module_id AND p.id = m.programme_id
$$;

CREATE OR REPLACE FUNCTION triad_ooapi_offering(p_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce((SELECT triad_ooapi_cohort_offering(c) FROM cohort_v c WHERE c.id = p_id),
                    (SELECT triad_ooapi_run_offering(r) FROM module_run_v r WHERE r.id = p_id))
$$;

-- ---- enrollments (associations) ----

-- The x-triad consumer of an association: our own status and placement,
-- and, where the caller may read them (p_relations, p_consents, decided by
-- the daemon's access table and then by relation_v and consent_v), the
-- enrollment's coaching relations and its consents to organisations.
CREATE OR REPLACE FUNCTION triad_ooapi_association(e enrollment_v, p_relations boolean,
                                                   p_consents boolean, p_expand boolean)
    RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'associationId', e.id,
        'associationType', CASE e.track WHEN 'programme' THEN 'programOfferingAssociation'
                                        ELSE 'courseOfferingAssociation' END,
        'role', 'student',
        'state', triad_ooapi_state(e.status, e.placement),
        'person', CASE WHEN p_expand THEN to_jsonb(e.person_id)
                       ELSE jsonb_build_object('personId', e.person_id) END,
        'offering', CASE WHEN p_expand THEN triad_ooapi_offering(coalesce(e.cohort_id, e.run_id))
                         ELSE to_jsonb(coalesce(e.cohort_id, e.run_id)) END,
        'consumers', jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
            'consumerKey', 'x-triad',
            'status', e.status, 'placement', e.placement,
            'waitlistPosition', nullif(e.waitlist_position, 0),
            'employer', e.employer_id,
            'blockedReason', nullif(e.blocked_reason, ''),
            'coaching', CASE WHEN p_relations THEN coalesce(
                (SELECT jsonb_agg(jsonb_build_object(
                            'relationId', r.id, 'coachPersonId', r.coach_person_id,
                            'coachName', r.coach_name, 'kind', r.kind, 'status', r.status,
                            'startsOn', r.starts_on, 'endsOn', nullif(r.ends_on, ''))
                          ORDER BY r.starts_on, r.id)
                   FROM relation_v r WHERE r.enrollment_id = e.id), '[]'::jsonb) END,
            'consent', CASE WHEN p_consents THEN coalesce(
                (SELECT jsonb_agg(jsonb_build_object(
                            'organizationId', k.organisation_id,
                            'organizationName', k.organisation_name,
                            'level', k.level, 'updatedAt', triad_us_ts(k.updated_at_us))
                          ORDER BY k.organisation_id)
                   FROM consent_v k WHERE k.enrollment_id = e.id), '[]'::jsonb) END)))))
$$;

-- ---- persons and organisations ----

CREATE OR REPLACE FUNCTION triad_ooapi_person(p person_v) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_object(
        'personId', p.id,
        'primaryCode', jsonb_build_object('codeType', 'uuid', 'code', p.id),
        'givenName', CASE WHEN strpos(btrim(p.name), ' ') > 0
                          THEN split_part(btrim(p.name), ' ', 1) ELSE btrim(p.name) END,
        'surname', CASE WHEN strpos(btrim(p.name), ' ') > 0
                        THEN substr(btrim(p.name), strpos(btrim(p.name), ' ') + 1)
                        ELSE btrim(p.name) END,
        'displayName', p.name,
        'activeEnrollment', EXISTS (SELECT 1 FROM enrollment e
                                     WHERE e.person_id = p.id
                                       AND e.status IN ('admitted', 'active')),
        'affiliations', coalesce((
            SELECT jsonb_agg(DISTINCT CASE
                       WHEN g.role = 'participant' THEN 'student'
                       WHEN g.role IN ('institution_admin', 'programme_staff') THEN 'employee'
                       ELSE 'guest' END)
              FROM role_grant g JOIN principal pr ON pr.id = g.principal_id
             WHERE pr.person_id = p.id),
            CASE WHEN EXISTS (SELECT 1 FROM enrollment e WHERE e.person_id = p.id)
                 THEN '["student"]'::jsonb ELSE '["guest"]'::jsonb END),
        'mail', p.email)
$$;

CREATE OR REPLACE FUNCTION triad_ooapi_organization(o organisation_v) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    -- OOAPI's organizationType names parts of an institution; an employer
    -- or a hospital is none of them, so it is the root of its own tree and
    -- its kind is in the x-triad consumer.
    SELECT jsonb_build_object(
        'organizationId', o.id,
        'primaryCode', CASE WHEN o.registry_number <> ''
                            THEN jsonb_build_object('codeType', 'x-registryNumber',
                                                    'code', o.registry_number)
                            ELSE jsonb_build_object('codeType', 'uuid', 'code', o.id) END,
        'organizationType', 'root',
        'name', triad_ooapi_text('en', o.name),
        'shortName', left(o.name, 256),
        'consumers', jsonb_build_array(jsonb_build_object('consumerKey', 'x-triad',
                                                          'kind', o.kind)))
$$;

-- ---- the router ----

-- Answers one OOAPI request: p_resource names the shape (see the CASE
-- below; daemon/ooapi.c maps paths to it), p_id the resource of a path
-- (NULL when none), p_size and p_number the page; p_relations and
-- p_consents say whether the caller may read coaching relations and
-- consents (the x-triad consumer of associations). Returns the HTTP status
-- and the body: the resource, a page, or a problem.
CREATE OR REPLACE FUNCTION triad_ooapi(p_resource text, p_id uuid, p_size integer,
                                       p_number integer, p_relations boolean,
                                       p_consents boolean,
                                       OUT status integer, OUT body jsonb)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_off bigint := (greatest(p_number, 1) - 1)::bigint * p_size;
    v_lim integer := p_size + 1;
    v_items jsonb;
    v_found boolean := true;
BEGIN
    status := 200;
    CASE p_resource
    WHEN 'programs' THEN
        SELECT jsonb_agg(triad_ooapi_program(x) ORDER BY x.id) INTO v_items
          FROM (SELECT * FROM programme_v ORDER BY id LIMIT v_lim OFFSET v_off) x;
    WHEN 'program' THEN
        SELECT triad_ooapi_program(x) INTO body FROM programme_v x WHERE x.id = p_id;
    WHEN 'program_courses' THEN
        v_found := EXISTS (SELECT 1 FROM programme_v WHERE id = p_id);
        SELECT jsonb_agg(triad_ooapi_course(x) ORDER BY x.sequence, x.id) INTO v_items
          FROM (SELECT * FROM module_v WHERE programme_id = p_id ORDER BY sequence, id
                 LIMIT v_lim OFFSET v_off) x;
    WHEN 'program_offerings' THEN
        v_found := EXISTS (SELECT 1 FROM programme_v WHERE id = p_id);
        SELECT jsonb_agg(triad_ooapi_cohort_offering(x) ORDER BY x.starts_on, x.id) INTO v_items
          FROM (SELECT * FROM cohort_v WHERE programme_id = p_id ORDER BY starts_on, id
                 LIMIT v_lim OFFSET v_off) x;
    WHEN 'courses' THEN
        SELECT jsonb_agg(triad_ooapi_course(x) ORDER BY x.id) INTO v_items
          FROM (SELECT * FROM module_v ORDER BY id LIMIT v_lim OFFSET v_off) x;
    WHEN 'course' THEN
        SELECT triad_ooapi_course(x) INTO body FROM module_v x WHERE x.id = p_id;
    WHEN 'course_offerings' THEN
        v_found := EXISTS (SELECT 1 FROM module_v WHERE id = p_id);
        SELECT jsonb_agg(triad_ooapi_run_offering(x) ORDER BY x.id) INTO v_items
          FROM (SELECT * FROM module_run_v WHERE module_id = p_id ORDER BY id
                 LIMIT v_lim OFFSET v_off) x;
    WHEN 'offering' THEN
        body := triad_ooapi_offering(p_id);
    WHEN 'offering_associations' THEN
        v_found := EXISTS (SELECT 1 FROM cohort_v WHERE id = p_id)
                   OR EXISTS (SELECT 1 FROM module_run_v WHERE id = p_id);
        SELECT jsonb_agg(triad_ooapi_association(x, p_relations, p_consents, false)
                         ORDER BY x.arrival) INTO v_items
          FROM (SELECT * FROM enrollment_v WHERE cohort_id = p_id OR run_id = p_id
                 ORDER BY arrival LIMIT v_lim OFFSET v_off) x;
    WHEN 'association' THEN
        SELECT triad_ooapi_association(x, p_relations, p_consents, true) INTO body
          FROM enrollment_v x WHERE x.id = p_id;
    WHEN 'person_associations' THEN
        v_found := EXISTS (SELECT 1 FROM person_v WHERE id = p_id);
        SELECT jsonb_agg(triad_ooapi_association(x, p_relations, p_consents, true)
                         - 'person' ORDER BY x.arrival) INTO v_items
          FROM (SELECT * FROM enrollment_v WHERE person_id = p_id
                 ORDER BY arrival LIMIT v_lim OFFSET v_off) x;
    WHEN 'persons' THEN
        SELECT jsonb_agg(triad_ooapi_person(x) ORDER BY x.id) INTO v_items
          FROM (SELECT * FROM person_v ORDER BY id LIMIT v_lim OFFSET v_off) x;
    WHEN 'person' THEN
        SELECT triad_ooapi_person(x) INTO body FROM person_v x WHERE x.id = p_id;
    WHEN 'person_me' THEN
        SELECT triad_ooapi_person(x) INTO body FROM person_v x WHERE x.id = triad_person();
    WHEN 'organizations' THEN
        SELECT jsonb_agg(triad_ooapi_organization(x) ORDER BY x.id) INTO v_items
          FROM (SELECT * FROM organisation_v ORDER BY id LIMIT v_lim OFFSET v_off) x;
    WHEN 'organization' THEN
        SELECT triad_ooapi_organization(x) INTO body FROM organisation_v x WHERE x.id = p_id;
    ELSE
        PERFORM triad_raise('TR400', format('no OOAPI resource %s', p_resource));
    END CASE;
    IF NOT v_found OR (v_items IS NULL AND body IS NULL AND p_resource NOT IN (
            'programs', 'program_courses', 'program_offerings', 'courses', 'course_offerings',
            'offering_associations', 'person_associations', 'persons', 'organizations')) THEN
        status := 404;
        body := triad_ooapi_problem(404, 'Not Found',
                                    'no such resource here, or not one you may see');
        RETURN;
    END IF;
    IF body IS NULL THEN
        body := triad_ooapi_page(coalesce(v_items, '[]'::jsonb), p_size, greatest(p_number, 1));
    END IF;
END
$$;

-- ---- xAPI statements from the domain events ----

-- A name-based (version 3, MD5) UUID for p_name: the same name always
-- gives the same id, so a statement posted twice is one statement.
CREATE OR REPLACE FUNCTION triad_xapi_uuid(p_name text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT (substr(h, 1, 12) || '3' || substr(h, 14, 3)
            || to_hex((('x' || substr(h, 17, 1))::bit(4)::int & 3) | 8)
            || substr(h, 18, 15))::uuid
      FROM md5('triad-xapi:' || p_name) h
$$;

-- The statement of one domain event, without its actor, or NULL for an
-- event that is no learning record. p_base is the service's public URL,
-- under which activities get their IRIs. The actor is the person the
-- event is about (actor_person): the daemon adds it with the e-mail
-- address in clear (mbox) when the caller may see that person (person_v),
-- and as its SHA-1 (mbox_sha1sum) otherwise.
--
-- certificate.issued: the event's data names the enrollment
-- (enrollment_id), and may name the certificate (id), the programme
-- (programme_id) and when (issued_at).
CREATE OR REPLACE FUNCTION triad_xapi_render(p_id uuid, p_type text, p_data jsonb,
                                             p_occurred timestamptz, p_base text,
                                             OUT statement jsonb, OUT actor_person uuid)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_base text := rtrim(p_base, '/') || '/xapi';
    v_inst text := (SELECT slug FROM institution WHERE id = triad_tenant());
    v_enrollment uuid := (p_data->>'enrollment_id')::uuid;
    v_verb jsonb;
    v_object jsonb;
    v_result jsonb;
    v_ext jsonb := '{}'::jsonb;
    v_parent jsonb;
    v_module uuid := (p_data->>'module_id')::uuid;
    v_name text;
BEGIN
    v_base := v_base || '/' || coalesce(v_inst, 'institution');
    IF p_type = 'hours.verified' THEN
        SELECT pl.enrollment_id INTO v_enrollment FROM placement pl
         WHERE pl.id = (p_data->>'placement_id')::uuid;
    END IF;
    IF v_enrollment IS NULL THEN
        RETURN;
    END IF;
    SELECT e.person_id INTO actor_person FROM enrollment e WHERE e.id = v_enrollment;
    IF actor_person IS NULL THEN
        RETURN;
    END IF;
    CASE p_type
    WHEN 'attendance.recorded' THEN
        IF p_data->>'status' <> 'present' THEN
            -- Absence is recorded, but attended is not said of it.
            actor_person := NULL;
            RETURN;
        END IF;
        SELECT s.title, r.module_id INTO v_name, v_module FROM session s
          JOIN module_run r ON r.institution_id = s.institution_id AND r.id = s.run_id
         WHERE s.id = (p_data->>'session_id')::uuid;
        v_verb := jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/attended',
                                     'display', jsonb_build_object('en-US', 'attended'));
        v_object := jsonb_build_object(
            'objectType', 'Activity', 'id', v_base || '/sessions/' || (p_data->>'session_id'),
            'definition', jsonb_build_object(
                'type', 'http://adlnet.gov/expapi/activities/meeting',
                'name', jsonb_build_object('en-US', coalesce(nullif(v_name, ''), 'session'))));
    WHEN 'feedback.given' THEN
        -- The coach commented on the participant's work: the coach is the
        -- actor, the participant's enrollment the registration.
        actor_person := (p_data->>'coach_person_id')::uuid;
        v_verb := jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/commented',
                                     'display', jsonb_build_object('en-US', 'commented'));
        v_object := jsonb_build_object(
            'objectType', 'Activity', 'id', v_base || '/feedback/' || (p_data->>'id'),
            'definition', jsonb_build_object(
                'type', 'http://id.tincanapi.com/activitytype/review',
                'name', jsonb_build_object('en-US', 'workplace feedback')));
        v_ext := jsonb_build_object(v_base || '/ext/participant',
                                    (SELECT e.person_id FROM enrollment e
                                      WHERE e.id = v_enrollment));
    WHEN 'logbook.submitted' THEN
        v_verb := jsonb_build_object('id', 'http://activitystrea.ms/schema/1.0/submit',
                                     'display', jsonb_build_object('en-US', 'submitted'));
        v_object := jsonb_build_object(
            'objectType', 'Activity', 'id', v_base || '/logbook/' || (p_data->>'id'),
            'definition', jsonb_build_object(
                'type', 'http://activitystrea.ms/schema/1.0/article',
                'name', jsonb_build_object('en-US', 'logbook chapter')));
    WHEN 'hours.verified' THEN
        v_verb := jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/completed',
                                     'display', jsonb_build_object('en-US', 'completed'));
        v_object := jsonb_build_object(
            'objectType', 'Activity', 'id', v_base || '/internship-hours/' || (p_data->>'id'),
            'definition', jsonb_build_object(
                'type', 'http://adlnet.gov/expapi/activities/performance',
                'name', jsonb_build_object('en-US',
                                           format('internship hours of %s', p_data->>'day'))));
        v_result := jsonb_build_object(
            'completion', true, 'success', true,
            'duration', 'PT' || trim_scale((p_data->>'hours')::numeric)::text || 'H');
        v_ext := jsonb_build_object(v_base || '/ext/verified-by',
                                    p_data->>'decided_by_person_id');
    WHEN 'certificate.issued' THEN
        v_verb := jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/passed',
                                     'display', jsonb_build_object('en-US', 'passed'));
        v_object := jsonb_build_object(
            'objectType', 'Activity',
            'id', v_base || '/certificates/' || coalesce(p_data->>'id', p_id::text),
            'definition', jsonb_build_object(
                'type', 'http://adlnet.gov/expapi/activities/course',
                'name', jsonb_build_object('en-US', 'certificate')));
        v_result := jsonb_build_object('success', true, 'completion', true);
    ELSE
        actor_person := NULL;
        RETURN;
    END CASE;
    v_parent := jsonb_build_array(jsonb_build_object(
        'objectType', 'Activity', 'id', v_base || '/enrollments/' || v_enrollment));
    IF v_module IS NOT NULL THEN
        v_parent := v_parent || jsonb_build_array(jsonb_build_object(
            'objectType', 'Activity', 'id', v_base || '/modules/' || v_module));
    END IF;
    statement := jsonb_strip_nulls(jsonb_build_object(
        'id', triad_xapi_uuid(p_id::text),
        'verb', v_verb,
        'object', v_object,
        'result', v_result,
        'context', jsonb_build_object(
            'registration', v_enrollment,
            'platform', 'triad',
            'contextActivities', jsonb_build_object('parent', v_parent),
            'extensions', v_ext || jsonb_build_object(v_base || '/ext/event-type', p_type,
                                                      v_base || '/ext/event-id', p_id)),
        'timestamp', triad_ts(p_occurred)));
END
$$;

-- The xAPI statements of the caller's institution after cursor p_after
-- (the event stream's cursor, "" from the start), at most p_limit: each
-- statement with its actor's e-mail address, whether the caller may see
-- that person, and the cursor after it; then one row with statement NULL
-- whose cursor is where the next pull starts and whose more tells whether
-- statements are already waiting past it. What a caller sees is the
-- stream's rule (triad_stream_read(), triad_stream_visible()).
CREATE OR REPLACE FUNCTION triad_xapi_read(p_after text, p_limit integer, p_retention_s integer,
                                           p_base text)
    RETURNS TABLE (statement text, email text, visible boolean, cursor text, more boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
    s record;
BEGIN
    FOR r IN SELECT * FROM triad_stream_read(p_after,
                 ARRAY['attendance.recorded', 'feedback.given', 'logbook.submitted',
                       'hours.verified', 'certificate.issued'],
                 p_limit, p_retention_s, 'since') LOOP
        IF r.id IS NULL THEN
            statement := NULL;
            email := NULL;
            visible := NULL;
            cursor := r.cursor;
            more := r.type = 'more';
            RETURN NEXT;
            CONTINUE;
        END IF;
        s := triad_xapi_render(r.id, r.type, nullif(r.data, '')::jsonb,
                               timestamptz 'epoch' + r.occurred_at_us * interval '1 microsecond',
                               p_base);
        CONTINUE WHEN s.statement IS NULL;
        statement := s.statement::text;
        SELECT p.email INTO email FROM person p WHERE p.id = s.actor_person;
        visible := EXISTS (SELECT 1 FROM person_v v WHERE v.id = s.actor_person);
        cursor := r.cursor;
        more := NULL;
        RETURN NEXT;
    END LOOP;
END
$$;
