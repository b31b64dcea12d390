-- assessment.sql: assignments, their tailored instances and submissions,
-- assessments by assessors, completion rules and the transcript (tables:
-- migration 0018_assessment).
--
-- Who may do what is daemon/auth.c's first (only programme staff with the
-- title assessor record, release or correct an assessment; only the
-- programme manager exempts from completion rules); what a caller sees is
-- decided here from the caller triad_begin() describes:
--   * assignments: anyone of the institution who may read them;
--   * instances and submissions: staff all, a participant her own;
--   * assessments: staff all, a participant her own once released.
--
-- Names: an assignment by its code, with the programme code when needed
-- ("MPM/P1"); a participant by her e-mail address (the enrollment key of
-- names.sql); an outcome by its code.
--
-- For the certificate: triad_completion_ready(enrollment) says whether
-- every completion rule of the enrollment's programme is met, and
-- triad_completion_check(enrollment) lists each rule with its evidence.
-- Completing an enrollment (triad_enrollment_transition) asks
-- triad_completion_problem(), which also honours an exemption.

-- ---- helpers ----

-- The programme of an enrollment, by id (see triad_internship_programme).
CREATE OR REPLACE FUNCTION triad_enrollment_programme(p_enrollment uuid) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT triad_internship_programme(e) FROM enrollment e WHERE e.id = p_enrollment
$$;

-- The modules an enrollment takes: its programme's, or its run's module.
CREATE OR REPLACE FUNCTION triad_enrollment_modules(p_enrollment uuid) RETURNS SETOF module
    LANGUAGE sql STABLE
    AS $$
    SELECT m.* FROM enrollment e JOIN cohort c ON c.id = e.cohort_id
      JOIN module m ON m.programme_id = c.programme_id
     WHERE e.id = p_enrollment AND e.track = 'programme'
    UNION ALL
    SELECT m.* FROM enrollment e JOIN module_run r ON r.id = e.run_id
      JOIN module m ON m.id = r.module_id
     WHERE e.id = p_enrollment AND e.track = 'standalone'
$$;

-- A programme's assessment setting, with the defaults when it set none.
CREATE OR REPLACE FUNCTION triad_assessment_setting(p_programme uuid)
    RETURNS assessment_setting
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce((SELECT s FROM assessment_setting s WHERE s.programme_id = p_programme),
                    ROW(triad_tenant(), p_programme, 'levels', '{insufficient,sufficient,good}',
                        'sufficient', 5.5, true, true)::assessment_setting)
$$;

-- Whether p_result is a result on the setting's scale, and whether it
-- passes: NULL when it is not on the scale.
CREATE OR REPLACE FUNCTION triad_result_passes(s assessment_setting, p_result text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    v_mark numeric;
BEGIN
    IF s.scale = 'mark' THEN
        IF p_result !~ '^(10|[1-9])([.,][0-9])?$' THEN
            RETURN NULL;
        END IF;
        v_mark := replace(p_result, ',', '.')::numeric;
        IF v_mark > 10 THEN
            RETURN NULL;
        END IF;
        RETURN v_mark >= s.pass_mark;
    END IF;
    IF NOT lower(p_result) = ANY (s.levels) THEN
        RETURN NULL;
    END IF;
    RETURN array_position(s.levels, lower(p_result)) >= array_position(s.levels, s.pass_level);
END
$$;

CREATE OR REPLACE FUNCTION triad_scale_words(s assessment_setting) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN s.scale = 'mark'
                THEN format('a mark from 1 to 10 (passing from %s)', s.pass_mark)
                ELSE format('one of %s (passing from %s)', array_to_string(s.levels, ', '),
                            s.pass_level) END
$$;

-- ---- the programme's setting and rules ----

CREATE OR REPLACE VIEW assessment_setting_v WITH (security_invoker = true) AS
SELECT p.id AS programme_id, p.code AS programme_code, s.scale, s.levels, s.pass_level,
       s.pass_mark::float8 AS pass_mark, s.four_eyes_final, s.no_own_coachee
  FROM programme p CROSS JOIN LATERAL triad_assessment_setting(p.id) s;

-- Staff set how a programme assesses. NULL (a field left out) keeps the
-- value; an empty level list keeps the levels.
CREATE OR REPLACE FUNCTION triad_assessment_setting_set(p_programme uuid, p_scale text,
                                                        p_levels text[], p_pass_level text,
                                                        p_pass_mark float8, p_four_eyes boolean,
                                                        p_no_own_coachee boolean,
                                                        p_request_id numeric)
    RETURNS SETOF assessment_setting_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    s assessment_setting;
    v_levels text[];
BEGIN
    IF p_programme IS NULL OR NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'set_assessment_policy.programme_id');
    END IF;
    s := triad_assessment_setting(p_programme);
    IF coalesce(p_scale, '') <> '' THEN
        IF p_scale NOT IN ('levels', 'mark') THEN
            PERFORM triad_raise('TR400', format('scale "%s": levels or mark', p_scale),
                                'set_assessment_policy.scale');
        END IF;
        s.scale := p_scale;
    END IF;
    IF cardinality(p_levels) > 0 THEN
        SELECT array_agg(lower(btrim(x)) ORDER BY n) INTO v_levels
          FROM unnest(p_levels) WITH ORDINALITY t(x, n);
        IF cardinality(v_levels) NOT BETWEEN 2 AND 10
           OR EXISTS (SELECT 1 FROM unnest(v_levels) x WHERE x !~ '^[a-z][a-z0-9_-]{0,39}$')
           OR (SELECT count(DISTINCT x) FROM unnest(v_levels) x) <> cardinality(v_levels) THEN
            PERFORM triad_raise('TR400', 'levels: 2 to 10 different words, lowest first '
                                '(such as insufficient, sufficient, good)',
                                'set_assessment_policy.levels');
        END IF;
        s.levels := v_levels;
        IF NOT s.pass_level = ANY (v_levels) THEN
            s.pass_level := v_levels[2];
        END IF;
    END IF;
    IF coalesce(p_pass_level, '') <> '' THEN
        IF NOT lower(p_pass_level) = ANY (s.levels) THEN
            PERFORM triad_raise('TR400', format('pass_level "%s" is not one of the levels (%s)',
                                                p_pass_level, array_to_string(s.levels, ', ')),
                                'set_assessment_policy.pass_level');
        END IF;
        s.pass_level := lower(p_pass_level);
    END IF;
    IF p_pass_mark IS NOT NULL THEN
        IF p_pass_mark NOT BETWEEN 1 AND 10 THEN
            PERFORM triad_raise('TR400', 'pass_mark: from 1 to 10', 'set_assessment_policy.pass_mark');
        END IF;
        s.pass_mark := p_pass_mark;
    END IF;
    s.four_eyes_final := coalesce(p_four_eyes, s.four_eyes_final);
    s.no_own_coachee := coalesce(p_no_own_coachee, s.no_own_coachee);
    INSERT INTO assessment_setting (institution_id, programme_id, scale, levels, pass_level,
                                    pass_mark, four_eyes_final, no_own_coachee)
    VALUES (triad_tenant(), p_programme, s.scale, s.levels, s.pass_level, s.pass_mark,
            s.four_eyes_final, s.no_own_coachee)
    ON CONFLICT (institution_id, programme_id) DO UPDATE
       SET scale = EXCLUDED.scale, levels = EXCLUDED.levels, pass_level = EXCLUDED.pass_level,
           pass_mark = EXCLUDED.pass_mark, four_eyes_final = EXCLUDED.four_eyes_final,
           no_own_coachee = EXCLUDED.no_own_coachee;
    PERFORM triad_audit('assessment_policy.set', 'programme', p_programme, p_request_id);
    RETURN QUERY SELECT * FROM assessment_setting_v WHERE programme_id = p_programme;
END
$$;

CREATE OR REPLACE VIEW completion_rule_v WITH (security_invoker = true) AS
SELECT p.id AS programme_id, p.code AS programme_code,
       coalesce(round(r.min_attendance * 100), 0)::int AS min_attendance_percent,
       coalesce(r.cannot_be_missed, false) AS cannot_be_missed,
       coalesce(r.internship_hours, false) AS internship_hours,
       coalesce(s.min_hours, 0)::float8 AS internship_minimum,
       coalesce(r.logbook_chapters, false) AS logbook_chapters,
       coalesce(r.outcomes_achieved, false) AS outcomes_achieved,
       coalesce(r.final_passed, false) AS final_passed,
       coalesce(r.min_conversations, 0) AS min_conversations
  FROM programme p
  LEFT JOIN completion_rule r ON r.institution_id = p.institution_id AND r.programme_id = p.id
  LEFT JOIN internship_setting s ON s.institution_id = p.institution_id AND s.programme_id = p.id;

-- Staff set a programme's completion rules; NULL keeps a rule as it is.
-- min_attendance_percent 0 and min_conversations 0 leave those rules out.
CREATE OR REPLACE FUNCTION triad_completion_rules_set(p_programme uuid, p_attendance integer,
                                                      p_cannot_be_missed boolean,
                                                      p_hours boolean, p_logbook boolean,
                                                      p_outcomes boolean, p_final boolean,
                                                      p_conversations integer,
                                                      p_request_id numeric)
    RETURNS SETOF completion_rule_v
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_programme IS NULL OR NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'set_completion_rules.programme_id');
    END IF;
    IF p_attendance IS NOT NULL AND p_attendance NOT BETWEEN 0 AND 100 THEN
        PERFORM triad_raise('TR400', 'min_attendance_percent: from 0 (no rule) to 100',
                            'set_completion_rules.min_attendance_percent');
    END IF;
    IF p_conversations IS NOT NULL AND p_conversations NOT BETWEEN 0 AND 50 THEN
        PERFORM triad_raise('TR400', 'min_conversations: from 0 (no rule) to 50',
                            'set_completion_rules.min_conversations');
    END IF;
    INSERT INTO completion_rule (institution_id, programme_id) VALUES (triad_tenant(), p_programme)
    ON CONFLICT DO NOTHING;
    UPDATE completion_rule
       SET min_attendance = CASE WHEN p_attendance IS NULL THEN min_attendance
                                 ELSE nullif(p_attendance, 0) / 100.0 END,
           cannot_be_missed = coalesce(p_cannot_be_missed, cannot_be_missed),
           internship_hours = coalesce(p_hours, internship_hours),
           logbook_chapters = coalesce(p_logbook, logbook_chapters),
           outcomes_achieved = coalesce(p_outcomes, outcomes_achieved),
           final_passed = coalesce(p_final, final_passed),
           min_conversations = CASE WHEN p_conversations IS NULL THEN min_conversations
                                    ELSE nullif(p_conversations, 0) END,
           updated_at = now()
     WHERE programme_id = p_programme;
    PERFORM triad_audit('completion_rules.set', 'programme', p_programme, p_request_id);
    RETURN QUERY SELECT * FROM completion_rule_v WHERE programme_id = p_programme;
END
$$;

-- ---- assignments ----

CREATE OR REPLACE VIEW assignment_v WITH (security_invoker = true) AS
SELECT a.id, a.programme_id, p.code AS programme_code, a.code, a.title, a.description,
       coalesce(m.code, '') AS module_code, coalesce(a.semester, 0) AS semester, a.context,
       a.kind, coalesce(a.due_on::text, '') AS due_on,
       coalesce((SELECT array_agg(o.code ORDER BY o.code) FROM assignment_outcome ao
                   JOIN learning_outcome o ON o.institution_id = ao.institution_id
                                          AND o.id = ao.outcome_id
                  WHERE ao.institution_id = a.institution_id AND ao.assignment_id = a.id),
                '{}') AS outcomes,
       coalesce(m.sequence, 0) AS sequence
  FROM assignment a
  JOIN programme p ON p.institution_id = a.institution_id AND p.id = a.programme_id
  LEFT JOIN module m ON m.institution_id = a.institution_id AND m.id = a.module_id;

-- The assignment p_key names for field p_field: an id, its code, or the
-- programme's code and its code ("MPM/P1"). A participant's own programmes
-- come first when a code fits several.
CREATE OR REPLACE FUNCTION triad_assignment_find(p_key text, p_field text) RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := btrim(coalesce(p_key, ''));
    parts text[] := triad_key_parts(coalesce(p_key, ''));
    n integer := cardinality(triad_key_parts(coalesce(p_key, '')));
    ids uuid[];
    labels text[];
    preferred boolean[];
BEGIN
    IF v = '' THEN
        PERFORM triad_raise('TR400', 'name the assignment by its code (such as P1 or MPM/P1)',
                            p_field);
    END IF;
    SELECT array_agg(a.id ORDER BY p.code), array_agg(p.code || '/' || a.code ORDER BY p.code),
           array_agg(a.programme_id IN (SELECT triad_my_programmes()) ORDER BY p.code)
      INTO ids, labels, preferred
      FROM assignment a
      JOIN programme p ON p.institution_id = a.institution_id AND p.id = a.programme_id
     WHERE a.id::text = lower(v)
        OR (n BETWEEN 1 AND 2 AND lower(a.code) = parts[n] AND (n = 1 OR lower(p.code) = parts[1]));
    RETURN triad_key_pick(v, p_field, 'assignment', format('no assignment "%s"', v), ids, labels,
                          preferred);
END
$$;

CREATE OR REPLACE FUNCTION triad_assignment_create(p_programme uuid, p_code text, p_title text,
                                                   p_description text, p_module uuid,
                                                   p_semester integer, p_context text,
                                                   p_kind text, p_due text, p_outcomes text[],
                                                   p_request_id numeric)
    RETURNS SETOF assignment_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_outcome uuid;
    v_code text;
BEGIN
    IF p_programme IS NULL OR NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'create_assignment.programme_id');
    END IF;
    IF coalesce(p_code, '') !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' THEN
        PERFORM triad_raise('TR400', 'code is required: letters, digits, ".", "_" or "-" '
                            '(at most 32)', 'create_assignment.code');
    END IF;
    IF coalesce(length(btrim(p_title)), 0) NOT BETWEEN 1 AND 200 THEN
        PERFORM triad_raise('TR400', 'title is required (at most 200 characters)',
                            'create_assignment.title');
    END IF;
    IF p_module IS NOT NULL AND NOT EXISTS (SELECT 1 FROM module WHERE id = p_module
                                                                    AND programme_id = p_programme) THEN
        PERFORM triad_raise('TR404', 'the module is not one of this programme''s',
                            'create_assignment.module_id');
    END IF;
    IF p_module IS NOT NULL AND coalesce(p_semester, 0) <> 0 THEN
        PERFORM triad_raise('TR400', 'an assignment belongs to a module or to a semester, not both',
                            'create_assignment.semester');
    END IF;
    IF coalesce(p_semester, 0) NOT BETWEEN 0 AND 12 THEN
        PERFORM triad_raise('TR400', 'semester: 1 to 12', 'create_assignment.semester');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: assignment, paper, intervention, '
                            'internship report or final', 'create_assignment.kind');
    END IF;
    INSERT INTO assignment (institution_id, programme_id, code, title, description, module_id,
                            semester, context, kind, due_on)
    VALUES (triad_tenant(), p_programme, p_code, btrim(p_title), coalesce(p_description, ''),
            p_module, nullif(p_semester, 0), coalesce(p_context, ''), p_kind,
            triad_date(p_due, 'create_assignment.due_on', false))
    RETURNING id INTO v_id;
    FOREACH v_code IN ARRAY coalesce(p_outcomes, '{}') LOOP
        SELECT id INTO v_outcome FROM learning_outcome
         WHERE programme_id = p_programme
           AND (lower(code) = lower(btrim(v_code)) OR id::text = lower(btrim(v_code)));
        IF v_outcome IS NULL THEN
            PERFORM triad_raise('TR404', format('no learning outcome "%s" in this programme', v_code),
                                'create_assignment.outcomes');
        END IF;
        INSERT INTO assignment_outcome (institution_id, assignment_id, outcome_id)
        VALUES (triad_tenant(), v_id, v_outcome) ON CONFLICT DO NOTHING;
    END LOOP;
    PERFORM triad_audit('assignment.create', 'assignment', v_id, p_request_id);
    RETURN QUERY SELECT * FROM assignment_v WHERE id = v_id;
EXCEPTION WHEN unique_violation THEN
    PERFORM triad_raise('TRDUP', format('the programme already has an assignment "%s"', p_code),
                        'create_assignment.code');
END
$$;

-- ---- a participant's instance ----

CREATE OR REPLACE VIEW assignment_instance_v WITH (security_barrier, security_invoker = true) AS
SELECT i.id, i.assignment_id, a.code AS assignment_code, a.title AS assignment_title,
       p.code AS programme_code, a.kind, a.context, coalesce(a.due_on::text, '') AS due_on,
       i.enrollment_id, pe.name AS participant_name, pe.email AS participant_email,
       coalesce(o.name, '') AS organisation_name, i.question, i.status, i.note,
       coalesce(dp.name, '') AS decided_by, triad_us(i.decided_at) AS decided_at_us,
       (SELECT count(*)::int FROM submission s
         WHERE s.institution_id = i.institution_id AND s.instance_id = i.id) AS versions,
       coalesce((SELECT CASE WHEN bool_and(x.status = 'released') THEN 'released' ELSE 'recorded' END
                   FROM assessment x
                  WHERE x.institution_id = i.institution_id AND x.instance_id = i.id
                    AND (triad_staff() OR x.status = 'released')), '') AS assessment_status,
       e.person_id
  FROM assignment_instance i
  JOIN assignment a ON a.institution_id = i.institution_id AND a.id = i.assignment_id
  JOIN programme p ON p.institution_id = a.institution_id AND p.id = a.programme_id
  JOIN enrollment e ON e.institution_id = i.institution_id AND e.id = i.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  LEFT JOIN organisation o ON o.id = i.organisation_id
  LEFT JOIN principal dp ON dp.id = i.decided_by
 WHERE triad_staff() OR e.person_id = triad_person() OR i.id = triad_written();

-- The instance of assignment p_assignment for enrollment p_enrollment,
-- made when missing. Refuses an assignment of another programme.
CREATE OR REPLACE FUNCTION triad_instance_get(p_assignment uuid, p_enrollment uuid, p_field text)
    RETURNS uuid
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF p_enrollment IS NULL OR NOT EXISTS (SELECT 1 FROM enrollment WHERE id = p_enrollment) THEN
        PERFORM triad_raise('TR404', 'enrollment not found', p_field);
    END IF;
    IF (SELECT programme_id FROM assignment WHERE id = p_assignment)
       IS DISTINCT FROM triad_enrollment_programme(p_enrollment) THEN
        PERFORM triad_raise('TR409', 'the assignment belongs to another programme than this enrollment');
    END IF;
    SELECT id INTO v_id FROM assignment_instance
     WHERE assignment_id = p_assignment AND enrollment_id = p_enrollment;
    IF v_id IS NULL THEN
        INSERT INTO assignment_instance (institution_id, assignment_id, enrollment_id)
        VALUES (triad_tenant(), p_assignment, p_enrollment)
        ON CONFLICT (institution_id, assignment_id, enrollment_id) DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NULL THEN
            SELECT id INTO v_id FROM assignment_instance
             WHERE assignment_id = p_assignment AND enrollment_id = p_enrollment;
        END IF;
    END IF;
    RETURN v_id;
END
$$;

-- The caller's own enrollment, or PERMISSION_DENIED.
CREATE OR REPLACE FUNCTION triad_own_enrollment(p_enrollment uuid, p_person text) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF p_enrollment IS NULL OR coalesce(p_person, '') = ''
       OR NOT EXISTS (SELECT 1 FROM enrollment WHERE id = p_enrollment
                                                 AND person_id::text = p_person) THEN
        PERFORM triad_raise('TR403', 'only the participant herself does this for her enrollment');
    END IF;
END
$$;

-- The participant tailors an assignment: her workplace organisation and
-- her own question, proposed to staff.
CREATE OR REPLACE FUNCTION triad_assignment_tailor(p_assignment text, p_enrollment uuid,
                                                   p_organisation uuid, p_question text,
                                                   p_person text, p_request_id numeric)
    RETURNS SETOF assignment_instance_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_assignment uuid := triad_assignment_find(p_assignment, 'tailor_assignment.assignment');
    v_id uuid;
    v_status text;
BEGIN
    PERFORM triad_own_enrollment(p_enrollment, p_person);
    IF coalesce(length(btrim(p_question)), 0) NOT BETWEEN 1 AND 4000 THEN
        PERFORM triad_raise('TR400', 'write your own question for this assignment (at most 4000 '
                            'characters)', 'tailor_assignment.question');
    END IF;
    IF p_organisation IS NULL THEN
        PERFORM triad_raise('TR400', 'name the organisation where you work on it',
                            'tailor_assignment.organisation');
    END IF;
    v_id := triad_instance_get(v_assignment, p_enrollment, 'tailor_assignment.enrollment_id');
    SELECT status INTO v_status FROM assignment_instance WHERE id = v_id FOR UPDATE;
    IF v_status = 'approved' THEN
        PERFORM triad_raise('TR409', 'staff approved this assignment''s question already');
    END IF;
    UPDATE assignment_instance
       SET organisation_id = p_organisation, question = btrim(p_question), status = 'proposed',
           decided_by = NULL, decided_at = NULL
     WHERE id = v_id;
    PERFORM triad_audit('assignment.tailor', 'assignment_instance', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM assignment_instance_v WHERE id = v_id;
END
$$;

-- Staff approve a proposed tailoring, or return it with a note.
CREATE OR REPLACE FUNCTION triad_assignment_decide(p_assignment text, p_enrollment uuid,
                                                   p_approve boolean, p_note text,
                                                   p_request_id numeric)
    RETURNS SETOF assignment_instance_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_assignment uuid := triad_assignment_find(p_assignment, 'decide_tailoring.assignment');
    i assignment_instance%ROWTYPE;
BEGIN
    IF p_enrollment IS NULL THEN
        PERFORM triad_raise('TR400', 'name the participant', 'decide_tailoring.participant');
    END IF;
    SELECT * INTO i FROM assignment_instance
     WHERE assignment_id = v_assignment AND enrollment_id = p_enrollment FOR UPDATE;
    IF NOT FOUND OR i.status <> 'proposed' THEN
        PERFORM triad_raise('TR409', CASE WHEN i.status = 'approved'
                                          THEN 'this tailoring is approved already'
                                          ELSE 'the participant has not proposed her question '
                                               'for this assignment yet' END);
    END IF;
    IF NOT coalesce(p_approve, false) AND coalesce(length(btrim(p_note)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'say why you return it', 'decide_tailoring.note');
    END IF;
    UPDATE assignment_instance
       SET status = CASE WHEN p_approve THEN 'approved' ELSE 'returned' END,
           note = coalesce(p_note, ''), decided_by = triad_principal(), decided_at = now()
     WHERE id = i.id;
    PERFORM triad_audit(CASE WHEN p_approve THEN 'assignment.approve' ELSE 'assignment.return' END,
                        'assignment_instance', i.id, p_request_id);
    RETURN QUERY SELECT * FROM assignment_instance_v WHERE id = i.id;
END
$$;

-- ---- submissions ----

CREATE OR REPLACE VIEW submission_v WITH (security_barrier, security_invoker = true) AS
SELECT s.id, s.instance_id, a.code AS assignment_code, pe.email AS participant_email,
       s.version, s.title, s.body, encode(s.sha256, 'hex') AS sha256,
       octet_length(s.body)::bigint AS size, triad_us(s.created_at) AS created_at_us
  FROM submission s
  JOIN assignment_instance i ON i.institution_id = s.institution_id AND i.id = s.instance_id
  JOIN assignment a ON a.institution_id = i.institution_id AND a.id = i.assignment_id
  JOIN enrollment e ON e.institution_id = i.institution_id AND e.id = i.enrollment_id
  JOIN person pe ON pe.id = e.person_id
 WHERE triad_staff() OR e.person_id = triad_person() OR s.id = triad_written();

-- The participant hands in a new version of her work; none is replaced.
CREATE OR REPLACE FUNCTION triad_submission_add(p_assignment text, p_enrollment uuid,
                                                p_title text, p_body text, p_person text,
                                                p_request_id numeric)
    RETURNS SETOF submission_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_assignment uuid := triad_assignment_find(p_assignment, 'submit_work.assignment');
    v_instance uuid;
    v_version integer;
    v_id uuid;
BEGIN
    PERFORM triad_own_enrollment(p_enrollment, p_person);
    IF coalesce(length(p_body), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'the work is empty', 'submit_work.body');
    END IF;
    IF length(p_body) > 200000 THEN
        PERFORM triad_raise('TR400', 'the work is longer than 200000 characters',
                            'submit_work.body');
    END IF;
    IF length(coalesce(p_title, '')) > 200 THEN
        PERFORM triad_raise('TR400', 'title: at most 200 characters', 'submit_work.title');
    END IF;
    v_instance := triad_instance_get(v_assignment, p_enrollment, 'submit_work.enrollment_id');
    PERFORM 1 FROM assignment_instance WHERE id = v_instance FOR UPDATE;
    SELECT coalesce(max(version), 0) + 1 INTO v_version FROM submission WHERE instance_id = v_instance;
    INSERT INTO submission (institution_id, instance_id, version, title, body, sha256)
    VALUES (triad_tenant(), v_instance, v_version, coalesce(p_title, ''), p_body,
            sha256(convert_to(p_body, 'UTF8')))
    RETURNING id INTO v_id;
    PERFORM triad_audit('submission.add', 'submission', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM submission_v WHERE id = v_id;
END
$$;

-- ---- assessments ----

CREATE OR REPLACE VIEW assessment_v WITH (security_barrier, security_invoker = true) AS
SELECT x.id, x.instance_id, a.code AS assignment_code, a.title AS assignment_title, a.kind,
       p.code AS programme_code, i.enrollment_id, pe.name AS participant_name,
       pe.email AS participant_email, ap.name AS assessor_name, ap.email AS assessor_email,
       x.feedback, x.passed, x.status, triad_us(x.recorded_at) AS recorded_at_us,
       triad_us(x.released_at) AS released_at_us,
       coalesce((SELECT array_agg(o.code || '=' || r.result ORDER BY o.code)
                   FROM assessment_result r
                   JOIN learning_outcome o ON o.institution_id = r.institution_id
                                          AND o.id = r.outcome_id
                  WHERE r.institution_id = x.institution_id AND r.assessment_id = x.id),
                '{}') AS results,
       (SELECT count(*)::int FROM assessment_correction c
         WHERE c.institution_id = x.institution_id AND c.assessment_id = x.id) AS corrections,
       x.recorded_at AS at, e.person_id
  FROM assessment x
  JOIN assignment_instance i ON i.institution_id = x.institution_id AND i.id = x.instance_id
  JOIN assignment a ON a.institution_id = i.institution_id AND a.id = i.assignment_id
  JOIN programme p ON p.institution_id = a.institution_id AND p.id = a.programme_id
  JOIN enrollment e ON e.institution_id = i.institution_id AND e.id = i.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  JOIN person ap ON ap.id = x.assessor_person_id
 WHERE triad_staff() OR (e.person_id = triad_person() AND x.status = 'released');

CREATE OR REPLACE VIEW assessment_result_v WITH (security_barrier, security_invoker = true) AS
SELECT r.assessment_id, o.code AS outcome_code, o.description AS outcome_description,
       r.result, r.passed,
       EXISTS (SELECT 1 FROM assessment_correction c
                WHERE c.institution_id = r.institution_id AND c.assessment_id = r.assessment_id
                  AND c.outcome_id = r.outcome_id) AS corrected,
       r.institution_id
  FROM assessment_result r
  JOIN learning_outcome o ON o.institution_id = r.institution_id AND o.id = r.outcome_id
 WHERE EXISTS (SELECT 1 FROM assessment_v v WHERE v.id = r.assessment_id);

CREATE OR REPLACE VIEW assessment_evidence_v WITH (security_barrier, security_invoker = true) AS
SELECT ev.assessment_id, ev.position, ev.kind, ev.label
  FROM assessment_evidence ev
 WHERE EXISTS (SELECT 1 FROM assessment_v v WHERE v.id = ev.assessment_id);

CREATE OR REPLACE VIEW assessment_correction_v WITH (security_barrier, security_invoker = true) AS
SELECT c.id, c.assessment_id, o.code AS outcome_code, c.previous, c.result, c.reason,
       coalesce(pr.name, '') AS corrected_by, triad_us(c.corrected_at) AS corrected_at_us,
       c.corrected_at AS at
  FROM assessment_correction c
  JOIN learning_outcome o ON o.institution_id = c.institution_id AND o.id = c.outcome_id
  LEFT JOIN principal pr ON pr.id = c.corrected_by
 WHERE EXISTS (SELECT 1 FROM assessment_v v WHERE v.id = c.assessment_id);

-- One piece of evidence named in a request, checked against what the
-- enrollment has, as (kind, id, label): "submission" (the latest) or
-- "submission:N", "chapter:M1", "feedback" (the latest about her) or
-- "feedback:<id>", "hours".
CREATE OR REPLACE FUNCTION triad_evidence_resolve(p_item text, p_instance uuid, p_enrollment uuid,
                                                  OUT kind text, OUT ref_id uuid, OUT label text)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_kind text := lower(btrim(split_part(p_item, ':', 1)));
    v_arg text := btrim(substr(p_item, length(split_part(p_item, ':', 1)) + 2));
    r record;
BEGIN
    kind := v_kind;
    CASE v_kind
    WHEN 'submission' THEN
        SELECT s.id, s.version, s.created_at INTO r FROM submission s
         WHERE s.instance_id = p_instance
           AND (v_arg = '' OR s.version::text = v_arg)
         ORDER BY s.version DESC LIMIT 1;
        IF NOT FOUND THEN
            PERFORM triad_raise('TR404', CASE WHEN v_arg = '' THEN 'there is no submission to assess yet'
                                              ELSE format('no submission version %s', v_arg) END,
                                'record_assessment.evidence');
        END IF;
        ref_id := r.id;
        label := format('submission version %s (%s)', r.version, triad_ts(r.created_at));
    WHEN 'chapter' THEN
        SELECT c.id, m.code, c.submitted_at INTO r FROM logbook_chapter c
          JOIN module m ON m.institution_id = c.institution_id AND m.id = c.module_id
         WHERE c.enrollment_id = p_enrollment AND lower(m.code) = lower(v_arg)
           AND c.submitted_at IS NOT NULL;
        IF NOT FOUND THEN
            PERFORM triad_raise('TR404', format('no submitted logbook chapter "%s"', v_arg),
                                'record_assessment.evidence');
        END IF;
        ref_id := r.id;
        label := format('logbook chapter %s (submitted %s)', r.code, triad_ts(r.submitted_at));
    WHEN 'feedback' THEN
        SELECT f.id, f.created_at, cp.name INTO r FROM feedback f
          JOIN person cp ON cp.id = f.coach_person_id
         WHERE f.enrollment_id = p_enrollment
           AND (v_arg = '' OR f.id::text = lower(v_arg))
         ORDER BY f.created_at DESC LIMIT 1;
        IF NOT FOUND THEN
            PERFORM triad_raise('TR404', CASE WHEN v_arg = '' THEN 'no coach feedback about this participant'
                                              ELSE format('no coach feedback "%s" about this participant', v_arg) END,
                                'record_assessment.evidence');
        END IF;
        ref_id := r.id;
        label := format('coach feedback from %s (%s)', r.name, triad_ts(r.created_at));
    WHEN 'hours' THEN
        SELECT pl.id, coalesce(sum(h.hours) FILTER (WHERE h.status = 'verified'), 0) AS verified
          INTO r
          FROM placement pl LEFT JOIN hours_entry h ON h.placement_id = pl.id
         WHERE pl.enrollment_id = p_enrollment GROUP BY pl.id;
        IF NOT FOUND THEN
            PERFORM triad_raise('TR404', 'this participant has no internship placement',
                                'record_assessment.evidence');
        END IF;
        ref_id := r.id;
        label := format('internship: %s verified hours', trim_scale(r.verified));
    ELSE
        PERFORM triad_raise('TR400', format('evidence "%s": submission[:VERSION], chapter:MODULE, '
                                            'feedback[:ID] or hours', p_item),
                            'record_assessment.evidence');
    END CASE;
END
$$;

-- An assessor records her assessment of a participant's work: a result per
-- learning outcome of the assignment ("OUTCOME=RESULT" on the programme's
-- scale), feedback, and the evidence used. Recording again replaces her
-- own until it is released; after that only a correction changes it.
CREATE OR REPLACE FUNCTION triad_assessment_record(p_assignment text, p_enrollment uuid,
                                                   p_results text[], p_feedback text,
                                                   p_evidence text[], p_person text,
                                                   p_request_id numeric)
    RETURNS SETOF assessment_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_assignment uuid := triad_assignment_find(p_assignment, 'record_assessment.assignment');
    a assignment%ROWTYPE;
    s assessment_setting;
    v_instance uuid;
    v_id uuid;
    v_status text;
    v_item text;
    v_code text;
    v_result text;
    v_outcome uuid;
    v_pass boolean;
    v_all boolean := true;
    v_missing text;
    v_relation text;
    v_n integer := 0;
    ev record;
BEGIN
    IF coalesce(p_person, '') = '' THEN
        PERFORM triad_raise('TR403', 'only an assessor who is a person records an assessment');
    END IF;
    IF p_enrollment IS NULL OR NOT EXISTS (SELECT 1 FROM enrollment WHERE id = p_enrollment) THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'record_assessment.participant');
    END IF;
    SELECT * INTO a FROM assignment WHERE id = v_assignment;
    s := triad_assessment_setting(a.programme_id);
    IF EXISTS (SELECT 1 FROM enrollment WHERE id = p_enrollment AND person_id::text = p_person) THEN
        PERFORM triad_raise('TR403', 'you cannot assess your own work');
    END IF;
    -- Seed 002: who coaches a participant does not grade her.
    IF s.no_own_coachee THEN
        SELECT replace(r.kind, '_', ' ') INTO v_relation FROM coaching_relation r
         WHERE r.enrollment_id = p_enrollment AND r.coach_person_id::text = p_person
           AND r.status <> 'proposed'
         LIMIT 1;
        IF v_relation IS NOT NULL THEN
            PERFORM triad_raise('TR403', format('you are this participant''s %s; the programme does '
                                                'not let an assessor assess her own coachee''s work',
                                                v_relation));
        END IF;
    END IF;
    IF coalesce(length(btrim(p_feedback)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'feedback is required: what the result rests on',
                            'record_assessment.feedback');
    END IF;
    IF length(p_feedback) > 20000 THEN
        PERFORM triad_raise('TR400', 'feedback is longer than 20000 characters',
                            'record_assessment.feedback');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM assignment_outcome WHERE assignment_id = v_assignment) THEN
        PERFORM triad_raise('TR409', format('assignment %s assesses no learning outcomes; staff add '
                                            'them first', a.code));
    END IF;
    v_instance := triad_instance_get(v_assignment, p_enrollment, 'record_assessment.participant');
    PERFORM 1 FROM assignment_instance WHERE id = v_instance FOR UPDATE;
    SELECT id, status INTO v_id, v_status FROM assessment
     WHERE instance_id = v_instance AND assessor_person_id::text = p_person;
    IF v_status = 'released' THEN
        PERFORM triad_raise('TR409', 'this assessment is released: a result changes only through a '
                            'correction with a reason');
    END IF;
    IF v_id IS NULL THEN
        INSERT INTO assessment (institution_id, instance_id, assessor_person_id, feedback, passed)
        VALUES (triad_tenant(), v_instance, p_person::uuid, p_feedback, false)
        RETURNING id INTO v_id;
    ELSE
        UPDATE assessment SET feedback = p_feedback, recorded_at = now() WHERE id = v_id;
        DELETE FROM assessment_result WHERE assessment_id = v_id;
        DELETE FROM assessment_evidence WHERE assessment_id = v_id;
    END IF;

    FOREACH v_item IN ARRAY coalesce(p_results, '{}') LOOP
        v_code := btrim(split_part(v_item, '=', 1));
        v_result := lower(btrim(substr(v_item, length(split_part(v_item, '=', 1)) + 2)));
        IF position('=' IN v_item) = 0 OR v_code = '' OR v_result = '' THEN
            PERFORM triad_raise('TR400', format('result "%s": write OUTCOME=RESULT, such as OPB1=%s',
                                                v_item, CASE WHEN s.scale = 'mark' THEN '7'
                                                             ELSE s.pass_level END),
                                'record_assessment.results');
        END IF;
        SELECT o.id INTO v_outcome FROM assignment_outcome ao
          JOIN learning_outcome o ON o.institution_id = ao.institution_id AND o.id = ao.outcome_id
         WHERE ao.assignment_id = v_assignment AND lower(o.code) = lower(v_code);
        IF v_outcome IS NULL THEN
            PERFORM triad_raise('TR400', format('%s is not a learning outcome that %s assesses (%s)',
                                                v_code, a.code,
                                                (SELECT string_agg(o.code, ', ' ORDER BY o.code)
                                                   FROM assignment_outcome ao
                                                   JOIN learning_outcome o ON o.id = ao.outcome_id
                                                  WHERE ao.assignment_id = v_assignment)),
                                'record_assessment.results');
        END IF;
        v_pass := triad_result_passes(s, v_result);
        IF v_pass IS NULL THEN
            PERFORM triad_raise('TR400', format('"%s" for %s is not on the programme''s scale: %s',
                                                v_result, v_code, triad_scale_words(s)),
                                'record_assessment.results');
        END IF;
        INSERT INTO assessment_result (institution_id, assessment_id, outcome_id, result, passed)
        VALUES (triad_tenant(), v_id, v_outcome, replace(v_result, ',', '.'), v_pass)
        ON CONFLICT (institution_id, assessment_id, outcome_id) DO UPDATE
           SET result = EXCLUDED.result, passed = EXCLUDED.passed;
        v_all := v_all AND v_pass;
    END LOOP;
    SELECT string_agg(o.code, ', ' ORDER BY o.code) INTO v_missing
      FROM assignment_outcome ao JOIN learning_outcome o ON o.id = ao.outcome_id
     WHERE ao.assignment_id = v_assignment
       AND NOT EXISTS (SELECT 1 FROM assessment_result r
                        WHERE r.assessment_id = v_id AND r.outcome_id = ao.outcome_id);
    IF v_missing IS NOT NULL THEN
        PERFORM triad_raise('TR400', format('a result is missing for %s (%s)', v_missing,
                                            triad_scale_words(s)),
                            'record_assessment.results');
    END IF;

    FOREACH v_item IN ARRAY coalesce(p_evidence, '{}') LOOP
        SELECT * INTO ev FROM triad_evidence_resolve(v_item, v_instance, p_enrollment);
        v_n := v_n + 1;
        INSERT INTO assessment_evidence (institution_id, assessment_id, position, kind, ref_id, label)
        VALUES (triad_tenant(), v_id, v_n, ev.kind, ev.ref_id, ev.label);
    END LOOP;
    IF v_n = 0 THEN
        PERFORM triad_raise('TR400', 'name the evidence the assessment rests on (submission, '
                            'chapter:MODULE, feedback, hours)', 'record_assessment.evidence');
    END IF;
    UPDATE assessment SET passed = v_all WHERE id = v_id;
    PERFORM triad_audit('assessment.record', 'assessment', v_id, p_request_id);
    RETURN QUERY SELECT * FROM assessment_v WHERE id = v_id;
END
$$;

-- The instance of an assignment and participant, which must exist.
CREATE OR REPLACE FUNCTION triad_instance_find(p_assignment text, p_enrollment uuid, p_field text)
    RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF p_enrollment IS NULL THEN
        PERFORM triad_raise('TR400', 'name the participant', p_field);
    END IF;
    SELECT i.id INTO v_id FROM assignment_instance i
     WHERE i.assignment_id = triad_assignment_find(p_assignment, p_field)
       AND i.enrollment_id = p_enrollment;
    IF v_id IS NULL THEN
        PERFORM triad_raise('TR404', 'no assessment of this participant''s work on this assignment');
    END IF;
    RETURN v_id;
END
$$;

-- An assessor releases the assessments of a participant's work to her.
-- Final work needs two assessors who agree on every result when the
-- programme asks for four eyes.
CREATE OR REPLACE FUNCTION triad_assessment_release(p_assignment text, p_enrollment uuid,
                                                    p_request_id numeric)
    RETURNS SETOF assessment_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_instance uuid := triad_instance_find(p_assignment, p_enrollment, 'release_assessment.participant');
    a assignment%ROWTYPE;
    s assessment_setting;
    v_count integer;
    v_differ text;
    x record;
BEGIN
    SELECT asg.* INTO a FROM assignment asg JOIN assignment_instance i ON i.assignment_id = asg.id
     WHERE i.id = v_instance;
    s := triad_assessment_setting(a.programme_id);
    PERFORM 1 FROM assignment_instance WHERE id = v_instance FOR UPDATE;
    SELECT count(*) INTO v_count FROM assessment WHERE instance_id = v_instance AND status = 'recorded';
    IF v_count = 0 THEN
        PERFORM triad_raise('TR409', CASE WHEN EXISTS (SELECT 1 FROM assessment WHERE instance_id = v_instance)
                                          THEN 'the assessment is released already'
                                          ELSE 'no assessment of this work is recorded yet' END);
    END IF;
    IF a.kind = 'final' AND s.four_eyes_final THEN
        IF (SELECT count(DISTINCT assessor_person_id) FROM assessment WHERE instance_id = v_instance) < 2 THEN
            PERFORM triad_raise('TR409', format('%s is final work: the programme requires two assessors '
                                                '(four eyes); a second assessor records hers first',
                                                a.code));
        END IF;
        SELECT string_agg(DISTINCT o.code, ', ') INTO v_differ
          FROM assessment_result r1
          JOIN assessment x1 ON x1.id = r1.assessment_id
          JOIN assessment x2 ON x2.instance_id = x1.instance_id AND x2.id <> x1.id
          JOIN assessment_result r2 ON r2.assessment_id = x2.id AND r2.outcome_id = r1.outcome_id
          JOIN learning_outcome o ON o.id = r1.outcome_id
         WHERE x1.instance_id = v_instance AND r1.result <> r2.result;
        IF v_differ IS NOT NULL THEN
            PERFORM triad_raise('TR409', format('the two assessors differ on %s; they agree and record '
                                                'again before the result is released', v_differ));
        END IF;
    END IF;
    UPDATE assessment SET status = 'released', released_at = now(), released_by = triad_principal()
     WHERE instance_id = v_instance AND status = 'recorded';
    FOR x IN SELECT id FROM assessment WHERE instance_id = v_instance LOOP
        PERFORM triad_audit('assessment.release', 'assessment', x.id, p_request_id);
    END LOOP;
    RETURN QUERY SELECT * FROM assessment_v WHERE instance_id = v_instance ORDER BY at;
END
$$;

-- An assessor corrects a released result, with a reason: every released
-- assessment of the work gets the new result for the outcome, and each
-- change is kept with the previous result, who and why.
CREATE OR REPLACE FUNCTION triad_assessment_correct(p_assignment text, p_enrollment uuid,
                                                    p_outcome text, p_result text, p_reason text,
                                                    p_request_id numeric)
    RETURNS SETOF assessment_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_instance uuid := triad_instance_find(p_assignment, p_enrollment, 'correct_assessment.participant');
    a assignment%ROWTYPE;
    s assessment_setting;
    v_outcome uuid;
    v_result text := lower(btrim(coalesce(p_result, '')));
    v_pass boolean;
    r record;
    v_n integer := 0;
BEGIN
    SELECT asg.* INTO a FROM assignment asg JOIN assignment_instance i ON i.assignment_id = asg.id
     WHERE i.id = v_instance;
    s := triad_assessment_setting(a.programme_id);
    IF coalesce(length(btrim(p_reason)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'a correction needs a reason', 'correct_assessment.reason');
    END IF;
    SELECT o.id INTO v_outcome FROM assignment_outcome ao
      JOIN learning_outcome o ON o.id = ao.outcome_id
     WHERE ao.assignment_id = a.id AND lower(o.code) = lower(btrim(coalesce(p_outcome, '')));
    IF v_outcome IS NULL THEN
        PERFORM triad_raise('TR400', format('"%s" is not a learning outcome that %s assesses',
                                            p_outcome, a.code), 'correct_assessment.outcome');
    END IF;
    v_pass := triad_result_passes(s, v_result);
    IF v_pass IS NULL THEN
        PERFORM triad_raise('TR400', format('"%s" is not on the programme''s scale: %s', p_result,
                                            triad_scale_words(s)), 'correct_assessment.result');
    END IF;
    v_result := replace(v_result, ',', '.');
    FOR r IN SELECT x.id, res.result FROM assessment x
               JOIN assessment_result res ON res.assessment_id = x.id AND res.outcome_id = v_outcome
              WHERE x.instance_id = v_instance AND x.status = 'released'
              FOR UPDATE OF x LOOP
        v_n := v_n + 1;
        CONTINUE WHEN r.result = v_result;
        INSERT INTO assessment_correction (institution_id, assessment_id, outcome_id, previous,
                                           result, reason, corrected_by)
        VALUES (triad_tenant(), r.id, v_outcome, r.result, v_result, btrim(p_reason),
                triad_principal());
        UPDATE assessment_result SET result = v_result, passed = v_pass
         WHERE assessment_id = r.id AND outcome_id = v_outcome;
        UPDATE assessment x SET passed = NOT EXISTS (SELECT 1 FROM assessment_result q
                                                      WHERE q.assessment_id = x.id AND NOT q.passed)
         WHERE x.id = r.id;
        PERFORM triad_audit('assessment.correct', 'assessment', r.id, p_request_id);
    END LOOP;
    IF v_n = 0 THEN
        PERFORM triad_raise('TR409', 'the assessment is not released yet: the assessor records it '
                            'again instead');
    END IF;
    RETURN QUERY SELECT * FROM assessment_v WHERE instance_id = v_instance ORDER BY at;
END
$$;

-- ---- completion ----

-- Every completion rule of the enrollment's programme, in a fixed order,
-- with whether it is met and the evidence in words. Reads the tables, not
-- the views: the answer is the same whoever asks (the request that shows
-- it checks the caller may see the enrollment first). No rules: no rows.
CREATE OR REPLACE FUNCTION triad_completion_check(p_enrollment uuid)
    RETURNS TABLE (number integer, rule text, met boolean, evidence text)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
DECLARE
    e enrollment%ROWTYPE;
    r completion_rule%ROWTYPE;
    v_programme uuid;
    v_text text;
    v_short text;
    v_ok boolean;
    v_min numeric;
    v_hours numeric;
    v_count integer;
    x record;
BEGIN
    SELECT * INTO e FROM enrollment WHERE id = p_enrollment;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_programme := triad_internship_programme(e);
    SELECT * INTO r FROM completion_rule WHERE programme_id = v_programme;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    IF r.min_attendance IS NOT NULL THEN
        v_ok := true;
        v_text := NULL;
        FOR x IN
            SELECT m.code, m.sequence,
                   count(s.id) FILTER (WHERE s.starts_at <= now()) AS held,
                   count(s.id) FILTER (WHERE s.starts_at <= now() AND a.status = 'present') AS present
              FROM triad_enrollment_modules(p_enrollment) m
              JOIN module_run mr ON mr.module_id = m.id AND triad_in_run(p_enrollment, mr.id)
              LEFT JOIN session s ON s.run_id = mr.id
              LEFT JOIN attendance a ON a.session_id = s.id AND a.enrollment_id = p_enrollment
             GROUP BY m.code, m.sequence
             ORDER BY m.sequence, m.code LOOP
            CONTINUE WHEN x.held = 0;
            IF x.present < r.min_attendance * x.held THEN
                v_ok := false;
            END IF;
            v_text := concat_ws(', ', v_text, format('%s %s/%s', x.code, x.present, x.held));
        END LOOP;
        number := 1;
        rule := format('attendance of at least %s%% in every module', round(r.min_attendance * 100));
        met := v_ok;
        evidence := coalesce(v_text, 'no sessions held yet');
        RETURN NEXT;
    END IF;

    IF r.cannot_be_missed THEN
        v_text := NULL;
        FOR x IN
            SELECT m.code, m.sequence,
                   count(s.id) FILTER (WHERE s.starts_at <= now()) AS held,
                   count(s.id) FILTER (WHERE s.starts_at <= now() AND a.status = 'present') AS present
              FROM triad_enrollment_modules(p_enrollment) m
              JOIN module_run mr ON mr.module_id = m.id AND triad_in_run(p_enrollment, mr.id)
              LEFT JOIN session s ON s.run_id = mr.id
              LEFT JOIN attendance a ON a.session_id = s.id AND a.enrollment_id = p_enrollment
             WHERE m.cannot_be_missed
             GROUP BY m.code, m.sequence
             ORDER BY m.sequence, m.code LOOP
            v_text := concat_ws(', ', v_text, format('%s %s of %s sessions attended', x.code,
                                                     x.present, x.held));
            IF x.present < x.held AND e.block_resolution IS NOT NULL THEN
                v_text := v_text || format(' (resolved: %s)', e.block_resolution);
            END IF;
        END LOOP;
        number := 2;
        rule := 'cannot-be-missed sessions attended or resolved';
        met := e.blocked_reason IS NULL;
        evidence := CASE WHEN e.blocked_reason IS NOT NULL
                         THEN format('blocked: %s', e.blocked_reason)
                         ELSE coalesce(v_text, 'no cannot-be-missed module') END;
        RETURN NEXT;
    END IF;

    IF r.internship_hours THEN
        SELECT coalesce(s.min_hours, 0) INTO v_min FROM programme p
          LEFT JOIN internship_setting s ON s.programme_id = p.id WHERE p.id = v_programme;
        SELECT coalesce(sum(h.hours) FILTER (WHERE h.status = 'verified'), 0),
               count(pl.id)
          INTO v_hours, v_count
          FROM placement pl LEFT JOIN hours_entry h ON h.placement_id = pl.id
         WHERE pl.enrollment_id = p_enrollment;
        number := 3;
        rule := format('at least %s verified internship hours', trim_scale(v_min));
        met := v_count > 0 AND v_hours >= v_min;
        evidence := CASE WHEN v_count = 0 THEN 'no internship placement'
                         ELSE format('%s of %s hours verified by the host supervisor',
                                     trim_scale(v_hours), trim_scale(v_min)) END;
        RETURN NEXT;
    END IF;

    IF r.logbook_chapters THEN
        SELECT string_agg(m.code, ', ' ORDER BY m.sequence, m.code)
                   FILTER (WHERE c.submitted_at IS NOT NULL),
               string_agg(m.code, ', ' ORDER BY m.sequence, m.code)
                   FILTER (WHERE c.submitted_at IS NULL)
          INTO v_text, v_short
          FROM triad_enrollment_modules(p_enrollment) m
          LEFT JOIN logbook_chapter c ON c.enrollment_id = p_enrollment AND c.module_id = m.id;
        number := 4;
        rule := 'a logbook chapter submitted for every module';
        met := v_short IS NULL;
        evidence := concat_ws('; ', 'submitted: ' || coalesce(v_text, 'none'),
                              'missing: ' || v_short);
        RETURN NEXT;
    END IF;

    IF r.outcomes_achieved THEN
        SELECT string_agg(o.code || CASE WHEN triad_outcome_assessed(e.person_id, o.id)
                                         THEN ' by assessment' ELSE ' by prior learning' END,
                          ', ' ORDER BY o.code)
                   FILTER (WHERE triad_outcome_assessed(e.person_id, o.id)
                              OR triad_outcome_validated(e.person_id, o.id)),
               string_agg(o.code, ', ' ORDER BY o.code)
                   FILTER (WHERE NOT triad_outcome_assessed(e.person_id, o.id)
                             AND NOT triad_outcome_validated(e.person_id, o.id))
          INTO v_text, v_short
          FROM learning_outcome o WHERE o.programme_id = v_programme;
        number := 5;
        rule := 'every learning outcome achieved by assessment or prior learning';
        met := v_short IS NULL;
        evidence := concat_ws('; ', 'achieved: ' || coalesce(v_text, 'none'),
                              'not yet: ' || v_short);
        RETURN NEXT;
    END IF;

    IF r.final_passed THEN
        SELECT a.code, bool_and(x2.passed) AS passed, max(x2.released_at) AS at
          INTO x
          FROM assignment a
          JOIN assignment_instance i ON i.assignment_id = a.id AND i.enrollment_id = p_enrollment
          JOIN assessment x2 ON x2.instance_id = i.id AND x2.status = 'released'
         WHERE a.programme_id = v_programme AND a.kind = 'final'
         GROUP BY a.code
         ORDER BY bool_and(x2.passed) DESC, max(x2.released_at) DESC
         LIMIT 1;
        number := 6;
        rule := 'the final assessment passed';
        met := coalesce(x.passed, false);
        evidence := CASE WHEN x.code IS NULL THEN 'no final assessment released yet'
                         ELSE format('%s %s (released %s)', x.code,
                                     CASE WHEN x.passed THEN 'passed' ELSE 'not passed' END,
                                     triad_ts(x.at)) END;
        RETURN NEXT;
    END IF;

    IF r.min_conversations IS NOT NULL THEN
        SELECT count(*), string_agg(DISTINCT c.kind, ', ')
          INTO v_count, v_text
          FROM conversation c
         WHERE c.enrollment_id = p_enrollment AND c.held_at IS NOT NULL
           AND c.kind IN ('development', 'final', 'three_way');
        number := 7;
        rule := format('at least %s conversations held', r.min_conversations);
        met := v_count >= r.min_conversations;
        evidence := format('%s held%s', v_count,
                           CASE WHEN v_text IS NULL THEN '' ELSE format(' (%s)', replace(v_text, '_', '-')) END);
        RETURN NEXT;
    END IF;
END
$$;

-- True when every completion rule of the enrollment's programme is met
-- (also when the programme has none). What a certificate is issued on.
-- An exemption does not make it true: see triad_completion_problem().
CREATE OR REPLACE FUNCTION triad_completion_ready(p_enrollment uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM enrollment WHERE id = p_enrollment)
       AND NOT EXISTS (SELECT 1 FROM triad_completion_check(p_enrollment) c WHERE NOT c.met)
$$;

-- Why the enrollment may not complete, naming every unmet rule, or NULL:
-- all rules met, or the programme manager recorded an exemption.
CREATE OR REPLACE FUNCTION triad_completion_problem(p_enrollment uuid) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM completion_exemption x WHERE x.enrollment_id = p_enrollment)
                THEN NULL
                ELSE (SELECT 'completion rules not met: '
                             || string_agg(format('%s (%s)', c.rule, c.evidence), '; '
                                           ORDER BY c.number)
                        FROM triad_completion_check(p_enrollment) c WHERE NOT c.met) END
$$;

-- The check as a request shows it: staff any enrollment, a participant her
-- own (triad_progress_enrollment).
CREATE OR REPLACE FUNCTION triad_completion(p_enrollment uuid)
    RETURNS TABLE (enrollment_id uuid, participant_name text, participant_email text,
                   programme_code text, status text, ready boolean, exempted boolean,
                   exemption_reason text, rules_met integer, rules_total integer)
    LANGUAGE sql STABLE
    AS $$
    SELECT e.id, pe.name, pe.email, p.code, e.status, triad_completion_ready(e.id),
           x.enrollment_id IS NOT NULL, coalesce(x.reason, ''),
           (SELECT count(*)::int FROM triad_completion_check(e.id) c WHERE c.met),
           (SELECT count(*)::int FROM triad_completion_check(e.id))
      FROM triad_progress_enrollment(p_enrollment) e
      JOIN person pe ON pe.id = e.person_id
      LEFT JOIN programme p ON p.id = triad_internship_programme(e)
      LEFT JOIN completion_exemption x ON x.enrollment_id = e.id
$$;

CREATE OR REPLACE FUNCTION triad_completion_rules(p_enrollment uuid)
    RETURNS TABLE (number integer, rule text, met boolean, evidence text)
    LANGUAGE sql STABLE
    AS $$
    SELECT c.* FROM triad_progress_enrollment(p_enrollment) e
      CROSS JOIN LATERAL triad_completion_check(e.id) c
     ORDER BY c.number
$$;

-- The programme manager lets an enrollment complete with rules unmet, with
-- a reason; the unmet rules are kept with it.
CREATE OR REPLACE FUNCTION triad_completion_exempt(p_enrollment uuid, p_reason text,
                                                   p_request_id numeric)
    RETURNS TABLE (enrollment_id uuid, participant_name text, participant_email text,
                   programme_code text, status text, ready boolean, exempted boolean,
                   exemption_reason text, rules_met integer, rules_total integer)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_unmet text[];
BEGIN
    IF p_enrollment IS NULL OR NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.id = p_enrollment) THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'exempt_completion.participant');
    END IF;
    IF coalesce(length(btrim(p_reason)), 0) NOT BETWEEN 1 AND 2000 THEN
        PERFORM triad_raise('TR400', 'an exemption needs a reason (at most 2000 characters)',
                            'exempt_completion.reason');
    END IF;
    SELECT array_agg(c.rule ORDER BY c.number) INTO v_unmet
      FROM triad_completion_check(p_enrollment) c WHERE NOT c.met;
    IF v_unmet IS NULL THEN
        PERFORM triad_raise('TR409', 'every completion rule is met: no exemption is needed');
    END IF;
    INSERT INTO completion_exemption (institution_id, enrollment_id, reason, unmet, exempted_by)
    VALUES (triad_tenant(), p_enrollment, btrim(p_reason), v_unmet, triad_principal())
    ON CONFLICT ON CONSTRAINT completion_exemption_pkey DO UPDATE
       SET reason = EXCLUDED.reason, unmet = EXCLUDED.unmet, exempted_by = EXCLUDED.exempted_by,
           exempted_at = now();
    PERFORM triad_audit('completion.exempt', 'enrollment', p_enrollment, p_request_id);
    RETURN QUERY SELECT * FROM triad_completion(p_enrollment);
END
$$;

-- ---- the transcript ----

-- One row per module and learning outcome of the enrollment (outcomes in
-- no module last), with the latest released result, how the outcome was
-- achieved and its credits.
CREATE OR REPLACE FUNCTION triad_transcript_rows(p_enrollment uuid)
    RETURNS TABLE (module_code text, module_name text, outcome_code text,
                   outcome_description text, credits float8, result text, achieved_by text,
                   assignment_code text, assessed_on text)
    LANGUAGE sql STABLE
    AS $$
    WITH e AS (SELECT * FROM triad_progress_enrollment(p_enrollment)),
         prog AS (SELECT triad_internship_programme(e) AS id FROM e),
         mods AS (SELECT m.* FROM triad_enrollment_modules(p_enrollment) m, e),
         rows AS (
             SELECT m.code AS mcode, m.name AS mname, m.sequence, o.*
               FROM mods m
               JOIN module_outcome mo ON mo.module_id = m.id
               JOIN learning_outcome o ON o.id = mo.outcome_id
             UNION ALL
             SELECT '', '', 10000, o.*
               FROM learning_outcome o, prog
              WHERE o.programme_id = prog.id
                AND NOT EXISTS (SELECT 1 FROM module_outcome mo WHERE mo.outcome_id = o.id))
    SELECT rw.mcode, rw.mname, rw.code, rw.description, rw.credits::float8,
           coalesce(last.result, ''),
           CASE WHEN triad_outcome_assessed(e.person_id, rw.id) THEN 'assessment'
                WHEN triad_outcome_validated(e.person_id, rw.id) THEN 'prior_learning'
                ELSE '' END,
           coalesce(last.code, ''), coalesce(last.released_at::date::text, '')
      FROM rows rw CROSS JOIN e
      LEFT JOIN LATERAL (
          SELECT r.result, a.code, x.released_at
            FROM assessment_result r
            JOIN assessment x ON x.id = r.assessment_id AND x.status = 'released'
            JOIN assignment_instance i ON i.id = x.instance_id
            JOIN assignment a ON a.id = i.assignment_id
            JOIN enrollment en ON en.id = i.enrollment_id
           WHERE r.outcome_id = rw.id AND en.person_id = e.person_id
           ORDER BY r.passed DESC, x.released_at DESC LIMIT 1) last ON true
     ORDER BY rw.sequence, rw.mcode, rw.code
$$;

CREATE OR REPLACE FUNCTION triad_transcript(p_enrollment uuid)
    RETURNS TABLE (enrollment_id uuid, participant_name text, participant_email text,
                   programme_code text, programme_name text, status text,
                   credits_earned float8, credits_available float8)
    LANGUAGE sql STABLE
    AS $$
    SELECT e.id, pe.name, pe.email, p.code, p.name, e.status,
           coalesce((SELECT sum(o.credits) FROM learning_outcome o
                      WHERE o.programme_id = p.id
                        AND (triad_outcome_assessed(e.person_id, o.id)
                             OR triad_outcome_validated(e.person_id, o.id))), 0)::float8,
           p.ects::float8
      FROM triad_progress_enrollment(p_enrollment) e
      JOIN person pe ON pe.id = e.person_id
      JOIN programme p ON p.id = triad_internship_programme(e)
$$;
