-- journey.sql: the learning journey of seed 004 (tables: migration
-- 0014_journey). A programme's journey plan, conversations with their
-- agreed actions, the logbook, and the timeline.
--
-- Rules:
--   * admission needs a held intake conversation when the programme says
--     so (triad_intake_problem(), asked by triad_enrollment_transition());
--   * a logbook chapter opens at the start of its module's last session:
--     writing before then is refused, naming the day it opens;
--   * a conversation's private note is for staff: every view shows it
--     empty to anyone else, and no view but conversation_v carries it;
--   * the timeline shows a workplace coach only what the participant shared
--     with them, and an employer contact only what a "full" consent allows,
--     without the notes of conversations.
-- The views apply who sees which row from the caller triad_begin() set.

-- ---- helpers ----

-- The programme of an enrollment: its cohort's, or its standalone run's.
CREATE OR REPLACE FUNCTION triad_enrollment_programme(p_enrollment uuid) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(c.programme_id, rm.programme_id)
      FROM enrollment e
      LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
      LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
      LEFT JOIN module rm ON rm.institution_id = r.institution_id AND rm.id = r.module_id
     WHERE e.id = p_enrollment
$$;

-- When the chapter of module p_module opens for enrollment p_enrollment:
-- the start of the last session of the module's run in her cohort (or of
-- her standalone run). NULL while no session is planned.
CREATE OR REPLACE FUNCTION triad_chapter_opens(p_enrollment uuid, p_module uuid)
    RETURNS timestamptz
    LANGUAGE sql STABLE
    AS $$
    SELECT max(s.starts_at)
      FROM enrollment e
      JOIN module_run r ON r.institution_id = e.institution_id AND r.module_id = p_module
                       AND (r.id = e.run_id OR r.cohort_id = e.cohort_id)
      JOIN session s ON s.institution_id = r.institution_id AND s.run_id = r.id
     WHERE e.id = p_enrollment
$$;

-- Parses a time given on the wire: RFC 3339, or "YYYY-MM-DD HH:MM" in UTC.
-- NULL for an empty one unless p_required.
CREATE OR REPLACE FUNCTION triad_journey_time(p_text text, p_column text, p_required boolean)
    RETURNS timestamptz
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_name text := split_part(p_column, '.', -1);
BEGIN
    IF coalesce(p_text, '') = '' THEN
        IF p_required THEN
            PERFORM triad_raise('TR400', format('%s is required (RFC 3339, or YYYY-MM-DD HH:MM '
                                                'in UTC)', v_name), p_column);
        END IF;
        RETURN NULL;
    END IF;
    IF p_text ~ '^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$' THEN
        RETURN (p_text || '+00')::timestamptz;
    END IF;
    IF p_text !~ '^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)$' THEN
        PERFORM triad_raise('TR400', format('%s: "%s" is not a time (RFC 3339, or YYYY-MM-DD '
                                            'HH:MM in UTC)', v_name, p_text), p_column);
    END IF;
    RETURN p_text::timestamptz;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    PERFORM triad_raise('TR400', format('%s: "%s" is not a time', v_name, p_text), p_column);
    RETURN NULL;
END
$$;

-- Whether the caller is an active programme coach of enrollment p_enrollment.
CREATE OR REPLACE FUNCTION triad_is_programme_coach(p_enrollment uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM coaching_relation r
                    WHERE r.enrollment_id = p_enrollment AND r.coach_person_id = triad_person()
                      AND r.kind = 'programme_coach' AND triad_relation_active(r))
$$;

-- ---- the journey plan ----

CREATE OR REPLACE VIEW journey_plan_v WITH (security_invoker = true) AS
SELECT p.id AS programme_id, p.code AS programme_code, p.intake_required,
       p.development_conversations
  FROM programme p;

CREATE OR REPLACE FUNCTION triad_journey_plan_set(p_programme uuid, p_intake boolean,
                                                  p_development integer, p_request_id numeric)
    RETURNS SETOF journey_plan_v
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF p_programme IS NULL THEN
        PERFORM triad_raise('TR400', 'say which programme: its code', 'set_journey_plan.programme_id');
    END IF;
    IF p_development NOT BETWEEN 0 AND 20 THEN
        PERFORM triad_raise('TR400', format('development_conversations is %s; a programme '
                                            'expects 0 to 20', p_development),
                            'set_journey_plan.development_conversations');
    END IF;
    UPDATE programme
       SET intake_required = coalesce(p_intake, intake_required),
           development_conversations = coalesce(p_development, development_conversations)
     WHERE id = p_programme;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'programme not found', 'set_journey_plan.programme_id');
    END IF;
    PERFORM triad_audit('programme.journey_plan', 'programme', p_programme, p_request_id);
    RETURN QUERY SELECT * FROM journey_plan_v WHERE programme_id = p_programme;
END
$$;

-- Why enrollment p_enrollment may not be admitted yet, or NULL: its
-- programme requires a held intake conversation and none is recorded.
CREATE OR REPLACE FUNCTION triad_intake_problem(p_enrollment uuid) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT format('admission to %s requires a held intake conversation, and %s has none; '
                  'plan one (triad conversation plan %s --kind intake) and record it as held',
                  p.code, pe.name, pe.email)
      FROM enrollment e
      JOIN person pe ON pe.id = e.person_id
      JOIN programme p ON p.institution_id = e.institution_id
                      AND p.id = triad_enrollment_programme(e.id)
     WHERE e.id = p_enrollment AND p.intake_required
       AND NOT EXISTS (SELECT 1 FROM conversation c
                        WHERE c.institution_id = e.institution_id AND c.enrollment_id = e.id
                          AND c.kind = 'intake' AND c.held_at IS NOT NULL)
$$;

-- ---- conversations ----

-- Staff see every conversation and its private note; the participant hers
-- and a coach those they take part in, both without the private note.
CREATE OR REPLACE VIEW conversation_v WITH (security_barrier, security_invoker = true) AS
SELECT c.id, c.enrollment_id, pe.name AS participant_name, pe.email AS participant_email,
       p.code AS programme_code, c.kind, triad_us(c.planned_at) AS planned_at_us,
       triad_us(c.held_at) AS held_at_us,
       ARRAY(SELECT sp.email FROM conversation_person cp JOIN person sp ON sp.id = cp.person_id
              WHERE cp.institution_id = c.institution_id AND cp.conversation_id = c.id
                AND cp.role = 'staff' ORDER BY sp.email) AS staff,
       coalesce((SELECT sp.email FROM conversation_person cp JOIN person sp ON sp.id = cp.person_id
                  WHERE cp.institution_id = c.institution_id AND cp.conversation_id = c.id
                    AND cp.role = 'coach' LIMIT 1), '') AS coach,
       c.notes,
       CASE WHEN triad_staff() THEN c.private_note ELSE '' END AS private_note,
       ARRAY(SELECT m.code FROM conversation_chapter cc
               JOIN logbook_chapter lc ON lc.institution_id = cc.institution_id
                                      AND lc.id = cc.chapter_id
               JOIN module m ON m.institution_id = lc.institution_id AND m.id = lc.module_id
              WHERE cc.institution_id = c.institution_id AND cc.conversation_id = c.id
              ORDER BY m.sequence) AS chapters,
       (SELECT count(*)::int FROM conversation_action a
         WHERE a.institution_id = c.institution_id AND a.conversation_id = c.id
           AND a.done_at IS NULL) AS open_actions,
       c.planned_at AS at
  FROM conversation c
  JOIN enrollment e ON e.institution_id = c.institution_id AND e.id = c.enrollment_id
  JOIN person pe ON pe.id = e.person_id
  JOIN programme p ON p.institution_id = e.institution_id AND p.id = triad_enrollment_programme(e.id)
 WHERE triad_staff() OR e.person_id = triad_person()
    OR EXISTS (SELECT 1 FROM conversation_person cp
                WHERE cp.institution_id = c.institution_id AND cp.conversation_id = c.id
                  AND cp.person_id = triad_person())
    OR c.id = triad_written();

-- The conversation that p_key names for request field p_field: its id, or
-- the participant's e-mail address and the kind ("ana@example.org/development",
-- the latest of that kind; ".../development/1" the first), among those the
-- caller may see. NOT_FOUND otherwise.
CREATE OR REPLACE FUNCTION triad_conversation_find(p_key text, p_field text) RETURNS uuid
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v text := btrim(coalesce(p_key, ''));
    parts text[];
    v_kind text;
    v_n integer;
    v_id uuid;
BEGIN
    IF v = '' THEN
        PERFORM triad_raise('TR400', 'say which conversation: the participant''s e-mail address '
                            'and its kind, such as ana@example.org/intake', p_field);
    END IF;
    IF v ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        SELECT c.id INTO v_id FROM conversation_v c WHERE c.id = v::uuid;
    ELSE
        parts := string_to_array(v, '/');
        v_kind := replace(lower(coalesce(parts[2], '')), '-', '_');
        IF cardinality(parts) NOT BETWEEN 2 AND 3
           OR v_kind NOT IN ('intake', 'development', 'final', 'three_way')
           OR (cardinality(parts) = 3 AND parts[3] !~ '^[1-9][0-9]?$') THEN
            PERFORM triad_raise('TR400', format('"%s" names no conversation: give the participant''s '
                                                'e-mail address, the kind (intake, development, '
                                                'final, three-way) and optionally which one, '
                                                'such as ana@example.org/development/2', v), p_field);
        END IF;
        v_n := parts[3]::integer;
        SELECT c.id INTO v_id
          FROM conversation_v c
         WHERE lower(c.participant_email) = lower(btrim(parts[1])) AND c.kind = v_kind
         ORDER BY CASE WHEN v_n IS NULL THEN c.at END DESC NULLS LAST,
                  CASE WHEN v_n IS NOT NULL THEN c.at END ASC, c.id
         OFFSET coalesce(v_n - 1, 0) LIMIT 1;
    END IF;
    IF v_id IS NULL THEN
        PERFORM triad_raise('TR404', format('no conversation "%s" that you may see', v), p_field);
    END IF;
    RETURN v_id;
END
$$;

-- The person an e-mail address (or id) names, or NULL.
CREATE OR REPLACE FUNCTION triad_journey_person(p_key text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT p.id FROM person p
     WHERE p.erased_at IS NULL
       AND (lower(p.email) = lower(btrim(p_key)) OR p.id::text = lower(btrim(p_key)))
     LIMIT 1
$$;

-- Staff plan a conversation with a participant: who holds it (staff of the
-- institution; the caller when none is named) and, for a three-way
-- conversation, the workplace coach of an active relation.
CREATE OR REPLACE FUNCTION triad_conversation_plan(p_enrollment uuid, p_kind text, p_planned text,
                                                   p_staff text[], p_coach text, p_history boolean,
                                                   p_person text, p_request_id numeric)
    RETURNS SETOF conversation_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    e enrollment%ROWTYPE;
    v_id uuid;
    v_at timestamptz;
    v_staff uuid[] := '{}';
    v_one uuid;
    v_key text;
    v_coach uuid;
BEGIN
    SELECT * INTO e FROM enrollment WHERE id = p_enrollment;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'enrollment not found', 'plan_conversation.enrollment_id');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: intake, development, final or three-way',
                            'plan_conversation.kind');
    END IF;
    v_at := triad_journey_time(p_planned, 'plan_conversation.planned_at', true);
    PERFORM triad_check_not_past(v_at, p_history, 'plan_conversation.planned_at');
    FOREACH v_key IN ARRAY coalesce(p_staff, '{}') LOOP
        v_one := triad_journey_person(v_key);
        IF v_one IS NULL OR NOT EXISTS (
               SELECT 1 FROM role_grant g JOIN principal pr ON pr.id = g.principal_id
                WHERE pr.person_id = v_one
                  AND g.role IN ('programme_staff', 'institution_admin')) THEN
            PERFORM triad_raise('TR400', format('%s is not programme staff here; conversations '
                                                'are held by staff', v_key),
                                'plan_conversation.staff');
        END IF;
        IF NOT v_one = ANY (v_staff) THEN
            v_staff := v_staff || v_one;
        END IF;
    END LOOP;
    IF cardinality(v_staff) = 0 THEN
        IF coalesce(p_person, '') = '' THEN
            PERFORM triad_raise('TR400', 'name the staff who hold the conversation',
                                'plan_conversation.staff');
        END IF;
        v_staff := ARRAY[p_person::uuid];
    END IF;
    IF coalesce(p_coach, '') <> '' THEN
        v_coach := triad_journey_person(p_coach);
        IF v_coach IS NULL OR NOT EXISTS (
               SELECT 1 FROM coaching_relation r
                WHERE r.enrollment_id = p_enrollment AND r.coach_person_id = v_coach
                  AND triad_relation_active(r)) THEN
            PERFORM triad_raise('TR409', format('%s is not an active coach of this participant',
                                                p_coach), 'plan_conversation.coach');
        END IF;
    ELSIF p_kind = 'three_way' THEN
        PERFORM triad_raise('TR400', 'a three-way conversation needs the workplace coach',
                            'plan_conversation.coach');
    END IF;
    INSERT INTO conversation (institution_id, enrollment_id, kind, planned_at, created_by)
    VALUES (triad_tenant(), p_enrollment, p_kind, v_at, triad_principal())
    RETURNING id INTO v_id;
    INSERT INTO member (institution_id, person_id)
    SELECT triad_tenant(), s FROM unnest(v_staff) s ON CONFLICT DO NOTHING;
    INSERT INTO conversation_person (institution_id, conversation_id, person_id, role)
    SELECT triad_tenant(), v_id, s, 'staff' FROM unnest(v_staff) s;
    IF v_coach IS NOT NULL THEN
        INSERT INTO conversation_person (institution_id, conversation_id, person_id, role)
        VALUES (triad_tenant(), v_id, v_coach, 'coach') ON CONFLICT DO NOTHING;
    END IF;
    PERFORM triad_audit('conversation.plan', 'conversation', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM conversation_v WHERE id = v_id;
END
$$;

-- Staff write the notes (NULL: unchanged), the private note (NULL:
-- unchanged), or record that it was held: at p_held_at, else as planned
-- (or now, when that is earlier).
CREATE OR REPLACE FUNCTION triad_conversation_record(p_key text, p_notes text, p_private text,
                                                     p_held boolean, p_held_at text,
                                                     p_request_id numeric)
    RETURNS SETOF conversation_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := triad_conversation_find(p_key, 'record_conversation.conversation');
    v_held timestamptz := triad_journey_time(p_held_at, 'record_conversation.held_at', false);
BEGIN
    IF v_held > now() THEN
        PERFORM triad_raise('TR400', format('held_at %s is in the future', triad_ts(v_held)),
                            'record_conversation.held_at');
    END IF;
    IF length(p_notes) > 20000 OR length(p_private) > 20000 THEN
        PERFORM triad_raise('TR400', 'notes are at most 20000 characters',
                            'record_conversation.notes');
    END IF;
    UPDATE conversation
       SET notes = coalesce(p_notes, notes),
           private_note = coalesce(p_private, private_note),
           held_at = CASE WHEN p_held OR v_held IS NOT NULL
                          THEN coalesce(v_held, held_at, least(planned_at, now()))
                          ELSE held_at END
     WHERE id = v_id;
    PERFORM triad_audit(CASE WHEN p_held OR v_held IS NOT NULL THEN 'conversation.held'
                             ELSE 'conversation.record' END, 'conversation', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM conversation_v WHERE id = v_id;
END
$$;

-- A conversation discussed its participant's submitted chapter of a module.
CREATE OR REPLACE FUNCTION triad_conversation_link(p_key text, p_module uuid, p_request_id numeric)
    RETURNS SETOF conversation_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid := triad_conversation_find(p_key, 'link_chapter.conversation');
    v_chapter uuid;
BEGIN
    IF p_module IS NULL THEN
        PERFORM triad_raise('TR400', 'say which module''s chapter: its code', 'link_chapter.module_id');
    END IF;
    SELECT lc.id INTO v_chapter
      FROM conversation c
      JOIN logbook_chapter lc ON lc.institution_id = c.institution_id
                             AND lc.enrollment_id = c.enrollment_id
     WHERE c.id = v_id AND lc.module_id = p_module AND lc.submitted_at IS NOT NULL;
    IF v_chapter IS NULL THEN
        PERFORM triad_raise('TR409', format('the participant has not submitted the chapter for '
                                            'module %s', (SELECT code FROM module WHERE id = p_module)),
                            'link_chapter.module_id');
    END IF;
    INSERT INTO conversation_chapter (institution_id, conversation_id, chapter_id)
    VALUES (triad_tenant(), v_id, v_chapter) ON CONFLICT DO NOTHING;
    PERFORM triad_audit('conversation.link_chapter', 'conversation', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM conversation_v WHERE id = v_id;
END
$$;

-- ---- agreed actions ----

-- The actions of the conversations the caller may see, and those she owns.
CREATE OR REPLACE VIEW conversation_action_v WITH (security_barrier, security_invoker = true) AS
SELECT a.id, a.conversation_id, a.description, op.email AS owner, op.name AS owner_name,
       coalesce(a.due_on::text, '') AS due_on, triad_us(a.done_at) AS done_at_us,
       coalesce(a.due_on < current_date AND a.done_at IS NULL, false) AS overdue,
       c.enrollment_id, a.done_at IS NOT NULL AS done, a.owner_person_id
  FROM conversation_action a
  JOIN conversation c ON c.institution_id = a.institution_id AND c.id = a.conversation_id
  JOIN person op ON op.id = a.owner_person_id
 WHERE a.owner_person_id = triad_person() OR a.id = triad_written()
    OR EXISTS (SELECT 1 FROM conversation_v v WHERE v.id = a.conversation_id);

CREATE OR REPLACE FUNCTION triad_action_add(p_key text, p_description text, p_owner text,
                                            p_due text, p_request_id numeric)
    RETURNS SETOF conversation_action_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_conv uuid := triad_conversation_find(p_key, 'add_conversation_action.conversation');
    v_owner uuid := triad_journey_person(p_owner);
    v_due date := triad_date(p_due, 'add_conversation_action.due_on', false);
    v_id uuid;
BEGIN
    IF coalesce(length(trim(p_description)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'describe the action that was agreed',
                            'add_conversation_action.description');
    END IF;
    IF length(p_description) > 2000 THEN
        PERFORM triad_raise('TR400', 'an action is at most 2000 characters',
                            'add_conversation_action.description');
    END IF;
    IF coalesce(p_owner, '') = '' THEN
        PERFORM triad_raise('TR400', 'say who owns the action: an e-mail address',
                            'add_conversation_action.owner');
    END IF;
    IF v_owner IS NULL OR NOT (
           EXISTS (SELECT 1 FROM conversation c JOIN enrollment e ON e.id = c.enrollment_id
                    WHERE c.id = v_conv AND e.person_id = v_owner)
           OR EXISTS (SELECT 1 FROM conversation_person cp
                       WHERE cp.conversation_id = v_conv AND cp.person_id = v_owner)) THEN
        PERFORM triad_raise('TR400', format('%s did not take part in the conversation; an action '
                                            'is owned by the participant or by someone who held it',
                                            p_owner), 'add_conversation_action.owner');
    END IF;
    INSERT INTO conversation_action (institution_id, conversation_id, description, owner_person_id,
                                     due_on)
    VALUES (triad_tenant(), v_conv, p_description, v_owner, v_due)
    RETURNING id INTO v_id;
    PERFORM triad_audit('conversation.action_add', 'conversation_action', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM conversation_action_v WHERE id = v_id;
END
$$;

-- Staff, or the action's owner, mark it done. p_key is its id, or the
-- start of its description among the open actions the caller may see.
CREATE OR REPLACE FUNCTION triad_action_complete(p_key text, p_request_id numeric)
    RETURNS SETOF conversation_action_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v text := btrim(coalesce(p_key, ''));
    v_ids uuid[];
    a record;
BEGIN
    IF v = '' THEN
        PERFORM triad_raise('TR400', 'say which action: the start of its description',
                            'complete_conversation_action.action');
    END IF;
    SELECT array_agg(x.id) INTO v_ids FROM conversation_action_v x
     WHERE (triad_staff() OR x.owner_person_id = triad_person())
       AND (x.id::text = lower(v)
            OR (NOT x.done AND lower(x.description) LIKE lower(replace(replace(v, '%', '\%'), '_', '\_')) || '%'));
    IF v_ids IS NULL THEN
        PERFORM triad_raise('TR404', format('no open action "%s" of yours', v),
                            'complete_conversation_action.action');
    END IF;
    IF cardinality(v_ids) > 1 THEN
        PERFORM triad_raise('TR400', format('"%s" fits %s open actions; give more of the description',
                                            v, cardinality(v_ids)),
                            'complete_conversation_action.action');
    END IF;
    SELECT * INTO a FROM conversation_action WHERE id = v_ids[1] FOR UPDATE;
    IF a.done_at IS NOT NULL THEN
        PERFORM triad_raise('TR409', format('the action was done on %s', triad_ts(a.done_at)));
    END IF;
    UPDATE conversation_action SET done_at = now() WHERE id = a.id;
    PERFORM triad_audit('conversation.action_done', 'conversation_action', a.id, p_request_id);
    PERFORM triad_wrote(a.id);
    RETURN QUERY SELECT * FROM conversation_action_v WHERE id = a.id;
END
$$;

-- ---- the logbook ----

-- Every module's chapter of each enrollment the caller may see, written or
-- not. The participant sees her own, drafts and all; staff see every
-- chapter's state but the text only once it is submitted; the programme
-- coach and the workplace coach she shared it with see it once submitted.
CREATE OR REPLACE VIEW logbook_v WITH (security_barrier, security_invoker = true) AS
SELECT coalesce(ch.id::text, '') AS id, e.id AS enrollment_id, pe.name AS participant_name,
       m.id AS module_id, m.code AS module_code, m.name AS module_name,
       CASE WHEN ch.submitted_at IS NOT NULL THEN 'submitted'
            WHEN ch.saves > 0 THEN 'draft'
            WHEN o.opens_at <= now() THEN 'open'
            ELSE 'not_open' END AS status,
       coalesce((o.opens_at AT TIME ZONE 'UTC')::date::text, '') AS opens_on,
       CASE WHEN e.person_id = triad_person() OR ch.submitted_at IS NOT NULL
            THEN coalesce(ch.text, '') ELSE '' END AS text,
       coalesce(ch.saves, 0) AS saves, triad_us(ch.saved_at) AS saved_at_us,
       triad_us(ch.submitted_at) AS submitted_at_us,
       coalesce(sp.email, '') AS shared_with,
       (SELECT count(*)::int FROM logbook_comment k
         WHERE k.institution_id = ch.institution_id AND k.chapter_id = ch.id) AS comments,
       m.sequence, ch.id AS chapter_id, e.person_id AS participant_person_id
  FROM enrollment e
  JOIN person pe ON pe.id = e.person_id
  LEFT JOIN module_run sr ON sr.institution_id = e.institution_id AND sr.id = e.run_id
  JOIN module m ON m.institution_id = e.institution_id
               AND m.programme_id = triad_enrollment_programme(e.id)
               AND (sr.id IS NULL OR m.id = sr.module_id)
  LEFT JOIN logbook_chapter ch ON ch.institution_id = e.institution_id
                              AND ch.enrollment_id = e.id AND ch.module_id = m.id
  LEFT JOIN person sp ON sp.id = ch.shared_with_person_id
  CROSS JOIN LATERAL (SELECT triad_chapter_opens(e.id, m.id) AS opens_at) o
 WHERE e.person_id = triad_person() OR triad_staff()
    OR (ch.submitted_at IS NOT NULL
        AND (ch.shared_with_person_id = triad_person() OR triad_is_programme_coach(e.id)))
    OR ch.id = triad_written();

-- The columns of a LogbookChapter, for the statements that read logbook_v.
-- (Kept in daemon/svc_journey.c as CHAPTER_COLUMNS.)

-- Finds enrollment p_enrollment of the participant p_person and module
-- p_module in its programme, for request p_op; raises otherwise.
CREATE OR REPLACE FUNCTION triad_chapter_check(p_enrollment uuid, p_module uuid, p_person text,
                                               p_op text)
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.id = p_enrollment
                                              AND e.person_id::text = coalesce(p_person, '')) THEN
        PERFORM triad_raise('TR404', 'no enrollment of yours; a logbook is written by its '
                            'participant', p_op || '.enrollment_id');
    END IF;
    IF p_module IS NULL THEN
        PERFORM triad_raise('TR400', 'say which module''s chapter: its code', p_op || '.module_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM module m
                    WHERE m.id = p_module
                      AND m.programme_id = triad_enrollment_programme(p_enrollment)) THEN
        PERFORM triad_raise('TR404', 'that module is not part of your programme',
                            p_op || '.module_id');
    END IF;
END
$$;

-- The participant saves a draft of her chapter of a module: refused
-- before the module's last session (naming the day it opens) and after
-- she submitted it.
CREATE OR REPLACE FUNCTION triad_chapter_save(p_enrollment uuid, p_module uuid, p_text text,
                                              p_person text, p_request_id numeric)
    RETURNS SETOF logbook_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_opens timestamptz;
    v_code text;
    v_id uuid;
    v_submitted timestamptz;
BEGIN
    PERFORM triad_chapter_check(p_enrollment, p_module, p_person, 'save_chapter');
    SELECT code INTO v_code FROM module WHERE id = p_module;
    v_opens := triad_chapter_opens(p_enrollment, p_module);
    IF v_opens IS NULL THEN
        PERFORM triad_raise('TR409', format('the chapter for module %s opens after the module''s '
                                            'last session, and no session of it is planned yet',
                                            v_code), 'save_chapter.module_id');
    END IF;
    IF v_opens > now() THEN
        PERFORM triad_raise('TR409', format('the chapter for module %s opens on %s, after the '
                                            'module''s last session', v_code,
                                            (v_opens AT TIME ZONE 'UTC')::date),
                            'save_chapter.module_id');
    END IF;
    IF length(p_text) > 100000 THEN
        PERFORM triad_raise('TR400', 'a chapter is at most 100000 characters', 'save_chapter.text');
    END IF;
    SELECT submitted_at INTO v_submitted FROM logbook_chapter
     WHERE enrollment_id = p_enrollment AND module_id = p_module FOR UPDATE;
    IF v_submitted IS NOT NULL THEN
        PERFORM triad_raise('TR409', format('the chapter for module %s was submitted on %s and '
                                            'can no longer change', v_code, triad_ts(v_submitted)),
                            'save_chapter.module_id');
    END IF;
    INSERT INTO logbook_chapter (institution_id, enrollment_id, module_id, text, saves)
    VALUES (triad_tenant(), p_enrollment, p_module, coalesce(p_text, ''), 1)
    ON CONFLICT (institution_id, enrollment_id, module_id)
    DO UPDATE SET text = EXCLUDED.text, saves = logbook_chapter.saves + 1, saved_at = now()
    RETURNING id INTO v_id;
    PERFORM triad_audit('logbook.save', 'logbook_chapter', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM logbook_v WHERE enrollment_id = p_enrollment AND module_id = p_module;
END
$$;

CREATE OR REPLACE FUNCTION triad_chapter_submit(p_enrollment uuid, p_module uuid, p_person text,
                                                p_request_id numeric)
    RETURNS SETOF logbook_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    ch logbook_chapter%ROWTYPE;
    v_code text;
BEGIN
    PERFORM triad_chapter_check(p_enrollment, p_module, p_person, 'submit_chapter');
    SELECT code INTO v_code FROM module WHERE id = p_module;
    SELECT * INTO ch FROM logbook_chapter
     WHERE enrollment_id = p_enrollment AND module_id = p_module FOR UPDATE;
    IF NOT FOUND OR length(trim(ch.text)) = 0 THEN
        PERFORM triad_raise('TR409', format('write the chapter for module %s before submitting it',
                                            v_code), 'submit_chapter.module_id');
    END IF;
    IF ch.submitted_at IS NOT NULL THEN
        PERFORM triad_raise('TR409', format('the chapter for module %s was submitted on %s',
                                            v_code, triad_ts(ch.submitted_at)),
                            'submit_chapter.module_id');
    END IF;
    UPDATE logbook_chapter SET submitted_at = now() WHERE id = ch.id;
    PERFORM triad_audit('logbook.submit', 'logbook_chapter', ch.id, p_request_id);
    PERFORM triad_wrote(ch.id);
    RETURN QUERY SELECT * FROM logbook_v WHERE enrollment_id = p_enrollment AND module_id = p_module;
END
$$;

-- The participant shares her chapter with a coach of an active relation
-- (by e-mail address), or stops sharing (empty).
CREATE OR REPLACE FUNCTION triad_chapter_share(p_enrollment uuid, p_module uuid, p_coach text,
                                               p_person text, p_request_id numeric)
    RETURNS SETOF logbook_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    ch logbook_chapter%ROWTYPE;
    v_coach uuid;
BEGIN
    PERFORM triad_chapter_check(p_enrollment, p_module, p_person, 'share_chapter');
    SELECT * INTO ch FROM logbook_chapter
     WHERE enrollment_id = p_enrollment AND module_id = p_module FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR409', 'write the chapter before sharing it', 'share_chapter.module_id');
    END IF;
    IF coalesce(p_coach, '') <> '' THEN
        v_coach := triad_journey_person(p_coach);
        IF v_coach IS NULL OR NOT EXISTS (
               SELECT 1 FROM coaching_relation r
                WHERE r.enrollment_id = p_enrollment AND r.coach_person_id = v_coach
                  AND triad_relation_active(r)) THEN
            PERFORM triad_raise('TR404', format('%s is not an active coach of yours', p_coach),
                                'share_chapter.coach');
        END IF;
    END IF;
    UPDATE logbook_chapter SET shared_with_person_id = v_coach,
                               shared_at = CASE WHEN v_coach IS NULL THEN NULL ELSE now() END
     WHERE id = ch.id;
    PERFORM triad_audit(CASE WHEN v_coach IS NULL THEN 'logbook.unshare' ELSE 'logbook.share' END,
                        'logbook_chapter', ch.id, p_request_id);
    PERFORM triad_wrote(ch.id);
    RETURN QUERY SELECT * FROM logbook_v WHERE enrollment_id = p_enrollment AND module_id = p_module;
END
$$;

-- Comments on the chapters the caller may read.
CREATE OR REPLACE VIEW logbook_comment_v WITH (security_barrier, security_invoker = true) AS
SELECT k.id, k.chapter_id, coalesce(ap.name, '') AS author_name, k.text,
       triad_us(k.created_at) AS created_at_us, ch.enrollment_id, ch.module_id, k.created_at AS at
  FROM logbook_comment k
  JOIN logbook_chapter ch ON ch.institution_id = k.institution_id AND ch.id = k.chapter_id
  LEFT JOIN person ap ON ap.id = k.author_person_id
 WHERE EXISTS (SELECT 1 FROM logbook_v v WHERE v.chapter_id = ch.id)
    OR k.id = triad_written();

-- Staff and the participant's programme coach comment on a submitted
-- chapter. Whether the caller may is asked before whether it exists.
CREATE OR REPLACE FUNCTION triad_chapter_comment(p_enrollment uuid, p_module uuid, p_text text,
                                                 p_person text, p_request_id numeric)
    RETURNS SETOF logbook_comment_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_chapter uuid;
    v_id uuid;
BEGIN
    IF NOT triad_staff() AND NOT triad_is_programme_coach(p_enrollment) THEN
        PERFORM triad_raise('TR403', 'only staff and the participant''s programme coach comment '
                            'on logbook chapters');
    END IF;
    IF coalesce(length(trim(p_text)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'write the comment', 'comment_chapter.text');
    END IF;
    IF length(p_text) > 4000 THEN
        PERFORM triad_raise('TR400', 'a comment is at most 4000 characters', 'comment_chapter.text');
    END IF;
    SELECT ch.id INTO v_chapter FROM logbook_chapter ch
     WHERE ch.enrollment_id = p_enrollment AND ch.module_id = p_module
       AND ch.submitted_at IS NOT NULL;
    IF v_chapter IS NULL THEN
        PERFORM triad_raise('TR404', 'no submitted chapter of that participant for that module',
                            'comment_chapter.module_id');
    END IF;
    INSERT INTO logbook_comment (institution_id, chapter_id, author_person_id, text)
    VALUES (triad_tenant(), v_chapter, nullif(p_person, '')::uuid, p_text)
    RETURNING id INTO v_id;
    PERFORM triad_audit('logbook.comment', 'logbook_comment', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM logbook_comment_v WHERE id = v_id;
END
$$;

-- ---- the journey at a glance ----

-- The enrollments whose journey the caller may see (staff all, the
-- participant hers): conversations held against the plan, and what is
-- still missing.
CREATE OR REPLACE VIEW journey_v WITH (security_barrier, security_invoker = true) AS
SELECT x.enrollment_id, x.participant_name, x.programme_code, x.intake_required,
       x.intake_held, x.development_expected, x.development_held, x.final_held,
       ARRAY(SELECT w FROM (
                 SELECT 1 AS o, 'intake conversation' AS w
                  WHERE x.intake_required AND NOT x.intake_held
                 UNION ALL
                 SELECT 2, format('development conversation %s of %s', n, x.development_expected)
                   FROM generate_series(x.development_held + 1, x.development_expected) n
                 UNION ALL
                 SELECT 3, 'final conversation' WHERE NOT x.final_held
                 UNION ALL
                 SELECT 4, format('logbook chapter %s', v.module_code)
                   FROM logbook_v v
                  WHERE v.enrollment_id = x.enrollment_id AND v.status IN ('open', 'draft')
                 ORDER BY 1, 2) y) AS missing
  FROM (SELECT e.id AS enrollment_id, pe.name AS participant_name, p.code AS programme_code,
               p.intake_required,
               EXISTS (SELECT 1 FROM conversation c WHERE c.institution_id = e.institution_id
                          AND c.enrollment_id = e.id AND c.kind = 'intake'
                          AND c.held_at IS NOT NULL) AS intake_held,
               p.development_conversations AS development_expected,
               (SELECT count(*)::int FROM conversation c WHERE c.institution_id = e.institution_id
                   AND c.enrollment_id = e.id AND c.kind = 'development'
                   AND c.held_at IS NOT NULL) AS development_held,
               EXISTS (SELECT 1 FROM conversation c WHERE c.institution_id = e.institution_id
                          AND c.enrollment_id = e.id AND c.kind = 'final'
                          AND c.held_at IS NOT NULL) AS final_held
          FROM enrollment e
          JOIN person pe ON pe.id = e.person_id
          JOIN programme p ON p.institution_id = e.institution_id
                          AND p.id = triad_enrollment_programme(e.id)
         WHERE triad_staff() OR e.person_id = triad_person()) x;

-- ---- the timeline ----

-- Everything that happened on each participant's journey, one row per
-- entry, before anyone's visibility is applied: one SELECT per kind of
-- entry, so that a new kind is one more branch. Each branch gives the
-- entry a stable id (the row's own, or one derived from it), the person
-- and enrollment it belongs to, when, a title and a detail, and whom the
-- participant shared it with (shared_with: a coach) or who takes part
-- (with_person), and whether its detail is a conversation's notes.
-- Read through timeline_v only.
CREATE OR REPLACE VIEW timeline_entry_v WITH (security_barrier, security_invoker = true) AS
-- enrollment changes, from the audit trail
SELECT md5('enrollment:' || a.id)::uuid AS id, e.person_id, e.id AS enrollment_id,
       'enrollment'::text AS kind, a.at,
       'enrollment ' || triad_words(split_part(a.action, '.', 2)) AS title, ''::text AS detail,
       NULL::uuid AS with_person, false AS notes
  FROM audit_event a
  JOIN enrollment e ON e.institution_id = a.institution_id AND e.id::text = a.resource_id
 WHERE a.resource_kind = 'enrollment' AND a.action LIKE 'enrollment.%'
UNION ALL
-- sessions attended or missed
SELECT at.id, e.person_id, e.id, 'session', s.starts_at,
       format('%s %s', m.code, CASE at.status WHEN 'present' THEN 'attended'
                                             WHEN 'excused' THEN 'missed (excused)'
                                             ELSE 'missed' END),
       s.title, NULL, false
  FROM attendance at
  JOIN enrollment e ON e.institution_id = at.institution_id AND e.id = at.enrollment_id
  JOIN session s ON s.institution_id = at.institution_id AND s.id = at.session_id
  JOIN module_run r ON r.institution_id = s.institution_id AND r.id = s.run_id
  JOIN module m ON m.institution_id = r.institution_id AND m.id = r.module_id
UNION ALL
-- conversations (the private note never)
SELECT c.id, e.person_id, e.id, 'conversation', coalesce(c.held_at, c.planned_at),
       format('%s conversation %s', triad_words(c.kind),
              CASE WHEN c.held_at IS NULL THEN 'planned' ELSE 'held' END),
       c.notes, cp.person_id, true
  FROM conversation c
  JOIN enrollment e ON e.institution_id = c.institution_id AND e.id = c.enrollment_id
  LEFT JOIN conversation_person cp ON cp.institution_id = c.institution_id
                                  AND cp.conversation_id = c.id AND cp.role = 'coach'
UNION ALL
-- logbook chapters, once submitted
SELECT ch.id, e.person_id, e.id, 'logbook', ch.submitted_at,
       format('logbook chapter %s submitted', m.code), left(ch.text, 200),
       ch.shared_with_person_id, false
  FROM logbook_chapter ch
  JOIN enrollment e ON e.institution_id = ch.institution_id AND e.id = ch.enrollment_id
  JOIN module m ON m.institution_id = ch.institution_id AND m.id = ch.module_id
 WHERE ch.submitted_at IS NOT NULL
UNION ALL
-- feedback received
SELECT f.id, e.person_id, e.id, 'feedback', f.created_at,
       format('feedback from %s', cp.name), f.situation, f.coach_person_id, false
  FROM feedback f
  JOIN enrollment e ON e.institution_id = f.institution_id AND e.id = f.enrollment_id
  JOIN person cp ON cp.id = f.coach_person_id
UNION ALL
-- feedback requested
SELECT q.id, e.person_id, e.id, 'feedback_request', q.created_at,
       format('feedback requested from %s', cp.name), q.question, r.coach_person_id, false
  FROM feedback_request q
  JOIN coaching_relation r ON r.institution_id = q.institution_id AND r.id = q.relation_id
  JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
  JOIN person cp ON cp.id = r.coach_person_id
UNION ALL
-- prior learning decisions (about the person, in each of her enrollments)
SELECT md5(k.id::text || e.id::text)::uuid, e.person_id, e.id, 'prior_learning', k.decided_at,
       format('prior learning %s %s', o.code, k.status), coalesce(k.reason, ''), NULL, false
  FROM prior_learning_claim k
  JOIN learning_outcome o ON o.institution_id = k.institution_id AND o.id = k.outcome_id
  JOIN enrollment e ON e.institution_id = k.institution_id AND e.person_id = k.person_id
 WHERE k.status IN ('validated', 'rejected') AND k.decided_at IS NOT NULL
UNION ALL
-- events: registrations, and attendance once recorded
SELECT md5(g.id::text || e.id::text)::uuid, e.person_id, e.id, 'event',
       CASE WHEN g.attendance IS NOT NULL THEN ev.starts_at ELSE g.registered_at END,
       format('%s %s', ev.title, coalesce(CASE g.attendance WHEN 'present' THEN 'attended'
                                                           ELSE 'missed' END,
                                          CASE WHEN g.status = 'cancelled' THEN 'cancelled'
                                               ELSE 'registered' END)),
       triad_words(ev.kind), NULL, false
  FROM event_registration g
  JOIN event ev ON ev.institution_id = g.institution_id AND ev.id = g.event_id
  JOIN enrollment e ON e.institution_id = g.institution_id AND e.person_id = g.person_id
UNION ALL
-- communities joined
SELECT md5(cm.id::text || e.id::text)::uuid, e.person_id, e.id, 'community',
       cm.joined_on::timestamptz, format('joined %s', co.name), cm.role, NULL, false
  FROM community_member cm
  JOIN community co ON co.institution_id = cm.institution_id AND co.id = cm.community_id
  JOIN enrollment e ON e.institution_id = cm.institution_id AND e.person_id = cm.person_id
UNION ALL
-- internship hours, once submitted: the supervisor's decision when made
SELECT h.id, e.person_id, e.id, 'internship', coalesce(h.decided_at, h.submitted_at),
       format('internship %s h on %s %s', trim_scale(h.hours), h.day, h.status),
       h.description || CASE WHEN h.status = 'rejected' THEN ' (' || h.reason || ')' ELSE '' END,
       pl.supervisor_person_id, false
  FROM hours_entry h
  JOIN placement pl ON pl.institution_id = h.institution_id AND pl.id = h.placement_id
  JOIN enrollment e ON e.institution_id = pl.institution_id AND e.id = pl.enrollment_id
 WHERE h.status <> 'draft'
UNION ALL
-- work handed in on assignments, every version (assessment.sql)
SELECT sb.id, e.person_id, e.id, 'assignment', sb.created_at,
       format('%s version %s handed in', asg.code, sb.version), sb.title, NULL, false
  FROM submission sb
  JOIN assignment_instance ai ON ai.institution_id = sb.institution_id AND ai.id = sb.instance_id
  JOIN assignment asg ON asg.institution_id = ai.institution_id AND asg.id = ai.assignment_id
  JOIN enrollment e ON e.institution_id = ai.institution_id AND e.id = ai.enrollment_id
UNION ALL
-- results, once released: the results per outcome, not the feedback
SELECT ax.id, e.person_id, e.id, 'assessment', ax.released_at,
       format('%s %s, assessed by %s', asg.code,
              CASE WHEN ax.passed THEN 'passed' ELSE 'not passed' END, ap.name),
       coalesce((SELECT string_agg(o.code || ' ' || r.result, ', ' ORDER BY o.code)
                   FROM assessment_result r
                   JOIN learning_outcome o ON o.institution_id = r.institution_id
                                          AND o.id = r.outcome_id
                  WHERE r.institution_id = ax.institution_id AND r.assessment_id = ax.id), ''),
       NULL, false
  FROM assessment ax
  JOIN assignment_instance ai ON ai.institution_id = ax.institution_id AND ai.id = ax.instance_id
  JOIN assignment asg ON asg.institution_id = ai.institution_id AND asg.id = ai.assignment_id
  JOIN enrollment e ON e.institution_id = ai.institution_id AND e.id = ai.enrollment_id
  JOIN person ap ON ap.id = ax.assessor_person_id
 WHERE ax.status = 'released';

-- The kinds of timeline entry, for filters.
CREATE OR REPLACE FUNCTION triad_timeline_kinds() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT ARRAY['enrollment', 'session', 'conversation', 'logbook', 'feedback',
                       'feedback_request', 'prior_learning', 'event', 'community',
                       'internship', 'assignment', 'assessment'] $$;

-- Which entries the caller sees: staff all; the participant her own; a
-- coach the entries shared with them or that they take part in (a chapter
-- she shared, feedback between them, a three-way conversation); an
-- employer contact those of its employees who consented at "full", but
-- never the notes of a conversation.
CREATE OR REPLACE VIEW timeline_v WITH (security_barrier, security_invoker = true) AS
SELECT t.id, t.enrollment_id, t.kind, triad_us(t.at) AS at_us, t.title,
       CASE WHEN t.notes AND NOT coalesce(triad_staff() OR t.person_id = triad_person()
                                           OR t.with_person = triad_person(), false)
            THEN '' ELSE t.detail END AS detail,
       t.at AS sort_at
  FROM timeline_entry_v t
 WHERE triad_staff() OR t.person_id = triad_person()
    OR (t.with_person = triad_person() AND t.kind IN ('logbook', 'feedback', 'feedback_request',
                                                      'conversation'))
    OR EXISTS (SELECT 1 FROM enrollment e
                 JOIN consent k ON k.institution_id = e.institution_id AND k.enrollment_id = e.id
                               AND k.organisation_id = e.employer_id AND k.level = 'full'
                WHERE e.id = t.enrollment_id AND e.employer_id = triad_organisation());

-- One participant's timeline (enrollment p_enrollment, as the caller may
-- see it), entries of p_kinds (all when empty), in time order, p_limit
-- after the entry p_after. NOT_FOUND when the caller may see nothing of
-- that journey.
CREATE OR REPLACE FUNCTION triad_timeline(p_enrollment uuid, p_kinds text[], p_after uuid,
                                          p_limit integer)
    RETURNS TABLE (id uuid, kind text, at_us bigint, title text, detail text)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_bad text;
    v_at timestamptz;
BEGIN
    IF p_enrollment IS NULL THEN
        PERFORM triad_raise('TR400', 'say whose timeline: the participant''s e-mail address',
                            'list_timeline.enrollment_id');
    END IF;
    SELECT k INTO v_bad FROM unnest(coalesce(p_kinds, '{}')) k
     WHERE NOT k = ANY (triad_timeline_kinds()) LIMIT 1;
    IF v_bad IS NOT NULL THEN
        PERFORM triad_raise('TR400', format('"%s" is not a kind of timeline entry; the kinds are %s',
                                            v_bad, array_to_string(triad_timeline_kinds(), ', ')),
                            'list_timeline.kinds');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.id = p_enrollment
                      AND (triad_staff() OR e.person_id = triad_person()
                           OR EXISTS (SELECT 1 FROM coaching_relation r
                                       WHERE r.enrollment_id = e.id
                                         AND r.coach_person_id = triad_person()
                                         AND triad_relation_active(r))
                           OR EXISTS (SELECT 1 FROM consent k
                                       WHERE k.enrollment_id = e.id
                                         AND k.organisation_id = e.employer_id
                                         AND e.employer_id = triad_organisation()
                                         AND k.level = 'full'))) THEN
        PERFORM triad_raise('TR404', 'no journey of that participant that you may see',
                            'list_timeline.enrollment_id');
    END IF;
    IF p_after IS NOT NULL THEN
        SELECT t.sort_at INTO v_at FROM timeline_v t
         WHERE t.enrollment_id = p_enrollment AND t.id = p_after;
    END IF;
    RETURN QUERY
    SELECT t.id, t.kind, t.at_us, t.title, t.detail
      FROM timeline_v t
     WHERE t.enrollment_id = p_enrollment
       AND (cardinality(coalesce(p_kinds, '{}')) = 0 OR t.kind = ANY (p_kinds))
       AND (p_after IS NULL OR (t.sort_at, t.id) > (v_at, p_after))
     ORDER BY t.sort_at, t.id
     LIMIT p_limit;
END
$$;
