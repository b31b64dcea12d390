-- privacy.sql: what the service holds about a person, for her to take
-- (triad_my_data), and forgetting it (triad_person_erase). The tables are
-- every area's; person.erased_at is migration 0012_privacy.
--
-- Both reach across institutions, so both are SECURITY DEFINER, and each
-- says itself whom it serves, whatever the daemon checked before: the
-- export only the person of the transaction (triad_person()), the erasure
-- only an operator, or an institution admin in her own institution. Their
-- helpers (triad_my_data_in, triad_erase_in, triad_erase_words) run as the
-- caller: inside the two, as the owner. Called by the daemon's role on its
-- own, triad_my_data_in reads only what row-level security lets it, and the
-- erasure's helpers refuse (triad_erase_guard).
--
-- The rules of erasure, table by table, are triad_erasure_plan(); a test
-- (tests/integration/test_privacy.c) fails when a table refers to a
-- person, a principal or a member and the plan does not say what erasure
-- does to it, and reads every column of every table after an erasure for
-- what the erased person was called and wrote.

-- ---- export ----

-- What one institution holds about person p_person (principal p_principal,
-- NULL when she never signed in), as a JSON object. Runs as its caller:
-- called by triad_my_data() only.
CREATE OR REPLACE FUNCTION triad_my_data_in(p_institution uuid, p_person uuid, p_principal uuid)
    RETURNS json
    LANGUAGE sql STABLE
    AS $$
    WITH mine_enrollment AS (
        SELECT e.* FROM enrollment e
         WHERE e.institution_id = p_institution AND e.person_id = p_person
    ), mine_relation AS (
        SELECT r.* FROM coaching_relation r
         WHERE r.institution_id = p_institution
           AND (r.enrollment_id IN (SELECT id FROM mine_enrollment) OR r.coach_person_id = p_person)
    ), ids AS (
        SELECT p_person::text AS id
        UNION ALL SELECT p_principal::text WHERE p_principal IS NOT NULL
        UNION ALL SELECT id::text FROM mine_enrollment
        UNION ALL SELECT id::text FROM mine_relation
        -- Feedback about her, and feedback she gave: a feedback row's coach
        -- is its relation's coach, so both are read through an index.
        UNION ALL SELECT f.id::text FROM feedback f
                   WHERE f.institution_id = p_institution
                     AND f.enrollment_id IN (SELECT id FROM mine_enrollment)
        UNION ALL SELECT f.id::text FROM feedback f
                   WHERE f.institution_id = p_institution
                     AND f.relation_id IN (SELECT id FROM mine_relation
                                            WHERE coach_person_id = p_person)
        UNION ALL SELECT q.id::text FROM feedback_request q
                   WHERE q.institution_id = p_institution
                     AND q.relation_id IN (SELECT id FROM mine_relation)
        UNION ALL SELECT c.id::text FROM prior_learning_claim c
                   WHERE c.institution_id = p_institution AND c.person_id = p_person
        UNION ALL SELECT x.id::text FROM exemption x
                   WHERE x.institution_id = p_institution AND x.person_id = p_person
        UNION ALL SELECT j.id::text FROM advisory_judgement j
                   WHERE j.institution_id = p_institution
                     AND (j.enrollment_id IN (SELECT id FROM mine_enrollment)
                          OR j.author_id = p_principal)
        UNION ALL SELECT g.id::text FROM role_grant g
                   WHERE g.institution_id = p_institution AND g.principal_id = p_principal
        UNION ALL SELECT v.id::text FROM invite v
                   WHERE v.institution_id = p_institution AND v.person_id = p_person
        UNION ALL SELECT m.id::text FROM community_member m
                   WHERE m.institution_id = p_institution AND m.person_id = p_person
        UNION ALL SELECT m.id::text FROM question_person m
                   WHERE m.institution_id = p_institution AND m.person_id = p_person
        UNION ALL SELECT m.id::text FROM board_member m
                   WHERE m.institution_id = p_institution AND m.person_id = p_person
        UNION ALL SELECT r.id::text FROM event_registration r
                   WHERE r.institution_id = p_institution AND r.person_id = p_person
        UNION ALL SELECT t.id::text FROM topic_suggestion t
                   WHERE t.institution_id = p_institution
                     AND (t.person_id = p_person OR t.principal_id = p_principal)
        UNION ALL SELECT a.id::text FROM ambassador a
                   WHERE a.institution_id = p_institution AND a.person_id = p_person
        UNION ALL SELECT cv.id::text FROM conversation cv
                   WHERE cv.institution_id = p_institution
                     AND cv.enrollment_id IN (SELECT id FROM mine_enrollment)
        UNION ALL SELECT lc.id::text FROM logbook_chapter lc
                   WHERE lc.institution_id = p_institution
                     AND lc.enrollment_id IN (SELECT id FROM mine_enrollment)
    )
    SELECT json_build_object(
        'institution', i.slug,
        'institution_name', i.name,
        'member_since', (SELECT triad_ts(m.added_at) FROM member m
                          WHERE m.institution_id = i.id AND m.person_id = p_person),
        'roles', coalesce((
            SELECT json_agg(json_build_object('role', g.role, 'title', g.title,
                                              'organisation', o.name,
                                              'since', triad_ts(g.created_at))
                            ORDER BY g.created_at)
              FROM role_grant g LEFT JOIN organisation o ON o.id = g.organisation_id
             WHERE g.institution_id = i.id AND g.principal_id = p_principal), '[]'),
        'invites', coalesce((
            SELECT json_agg(json_build_object('id', v.id, 'role', v.role, 'title', v.title,
                                              'created_at', triad_ts(v.created_at),
                                              'expires_at', triad_ts(v.expires_at),
                                              'used_at', triad_ts(v.used_at),
                                              'revoked_at', triad_ts(v.revoked_at))
                            ORDER BY v.created_at)
              FROM invite v WHERE v.institution_id = i.id AND v.person_id = p_person), '[]'),
        'enrollments', coalesce((
            SELECT json_agg(json_build_object(
                'id', e.id, 'track', e.track,
                'programme', coalesce(pc.code, pm.code), 'cohort', c.name, 'module', m.code,
                'status', e.status, 'placement', e.placement,
                'employer', o.name, 'hours_per_week', e.hours_per_week,
                'change_assignment', e.change_assignment,
                'blocked_reason', e.blocked_reason, 'block_resolution', e.block_resolution,
                'created_at', triad_ts(e.created_at), 'updated_at', triad_ts(e.updated_at),
                'attendance', coalesce((
                    SELECT json_agg(json_build_object('session', triad_ts(s.starts_at),
                                                      'title', s.title, 'status', a.status,
                                                      'recorded_at', triad_ts(a.recorded_at))
                                    ORDER BY s.starts_at)
                      FROM attendance a
                      JOIN session s ON s.institution_id = a.institution_id AND s.id = a.session_id
                     WHERE a.institution_id = e.institution_id AND a.enrollment_id = e.id), '[]'),
                'modules_completed', coalesce((
                    SELECT json_agg(json_build_object('module', md.code,
                                                      'completed_on', k.completed_on)
                                    ORDER BY k.completed_on)
                      FROM module_completion k
                      JOIN module md ON md.institution_id = k.institution_id AND md.id = k.module_id
                     WHERE k.institution_id = e.institution_id AND k.enrollment_id = e.id), '[]'),
                'subgroups', coalesce((
                    SELECT json_agg(json_build_object('name', sg.name, 'purpose', sg.purpose))
                      FROM subgroup_member sm
                      JOIN subgroup sg ON sg.institution_id = sm.institution_id
                                      AND sg.id = sm.subgroup_id
                     WHERE sm.institution_id = e.institution_id AND sm.enrollment_id = e.id), '[]'),
                'internship', (
                    SELECT json_build_object(
                        'organisation', po.name, 'supervisor', sp.name,
                        'starts_on', pl.starts_on, 'ends_on', pl.ends_on,
                        'motivation', pl.motivation, 'research_question', pl.research_question,
                        'plan_status', pl.plan_status, 'plan_note', pl.plan_note,
                        'hours', coalesce((
                            SELECT json_agg(json_build_object('day', h.day, 'hours', h.hours,
                                                              'description', h.description,
                                                              'status', h.status,
                                                              'reason', h.reason)
                                            ORDER BY h.day)
                              FROM hours_entry h
                             WHERE h.institution_id = pl.institution_id
                               AND h.placement_id = pl.id), '[]'),
                        'documents', coalesce((
                            SELECT json_agg(json_build_object('kind', x.kind,
                                                              'media_type', x.media_type,
                                                              'size', x.size,
                                                              'sha256', encode(x.sha256, 'hex'),
                                                              'status', x.status,
                                                              'submitted_at',
                                                              triad_ts(x.submitted_at))
                                            ORDER BY x.created_at)
                              FROM document x
                             WHERE x.institution_id = pl.institution_id
                               AND x.placement_id = pl.id), '[]'))
                      FROM placement pl
                      JOIN organisation po ON po.id = pl.organisation_id
                      JOIN person sp ON sp.id = pl.supervisor_person_id
                     WHERE pl.institution_id = e.institution_id AND pl.enrollment_id = e.id),
                -- Her certificates, as signed (certificate.sql).
                'certificates', coalesce((
                    SELECT json_agg(json_build_object('id', 'urn:uuid:' || ct.id::text,
                                                      'issued_at', triad_ts(ct.issued_at),
                                                      'revoked_at', triad_ts(ct.revoked_at),
                                                      'revocation_reason', ct.revocation_reason,
                                                      'credential', ct.credential,
                                                      'jwt', ct.jwt)
                                    ORDER BY ct.issued_at)
                      FROM certificate ct
                     WHERE ct.institution_id = e.institution_id
                       AND ct.enrollment_id = e.id), '[]'),
                'intervision_cases', coalesce((
                    SELECT json_agg(json_build_object('session', triad_ts(iv.starts_at),
                                                      'title', k.title, 'text', k.text)
                                    ORDER BY iv.starts_at)
                      FROM intervision_case k
                      JOIN intervision_session iv ON iv.institution_id = k.institution_id
                                                 AND iv.id = k.session_id
                     WHERE k.institution_id = e.institution_id AND k.enrollment_id = e.id), '[]'),
                'assignments', coalesce((
                    SELECT json_agg(json_build_object(
                        'assignment', asg.code, 'title', asg.title, 'kind', asg.kind,
                        'context', asg.context, 'organisation', ao.name,
                        'question', ai.question, 'tailoring', ai.status, 'note', ai.note,
                        'submissions', coalesce((
                            SELECT json_agg(json_build_object('version', sb.version,
                                                              'title', sb.title, 'body', sb.body,
                                                              'sha256', encode(sb.sha256, 'hex'),
                                                              'created_at',
                                                              triad_ts(sb.created_at))
                                            ORDER BY sb.version)
                              FROM submission sb
                             WHERE sb.institution_id = ai.institution_id
                               AND sb.instance_id = ai.id), '[]'),
                        -- Released assessments only, as she sees them.
                        'assessments', coalesce((
                            SELECT json_agg(json_build_object(
                                'assessor', ap.name, 'passed', ax.passed,
                                'feedback', ax.feedback,
                                'released_at', triad_ts(ax.released_at),
                                'results', coalesce((
                                    SELECT json_object_agg(ro.code, rr.result)
                                      FROM assessment_result rr
                                      JOIN learning_outcome ro
                                        ON ro.institution_id = rr.institution_id
                                       AND ro.id = rr.outcome_id
                                     WHERE rr.institution_id = ax.institution_id
                                       AND rr.assessment_id = ax.id), '{}'))
                                            ORDER BY ax.released_at)
                              FROM assessment ax JOIN person ap ON ap.id = ax.assessor_person_id
                             WHERE ax.institution_id = ai.institution_id
                               AND ax.instance_id = ai.id AND ax.status = 'released'), '[]'))
                                    ORDER BY asg.code)
                      FROM assignment_instance ai
                      JOIN assignment asg ON asg.institution_id = ai.institution_id
                                         AND asg.id = ai.assignment_id
                      LEFT JOIN organisation ao ON ao.id = ai.organisation_id
                     WHERE ai.institution_id = e.institution_id AND ai.enrollment_id = e.id), '[]'),
                'consents', coalesce((
                    SELECT json_agg(json_build_object('organisation', co.name, 'level', k.level,
                                                      'updated_at', triad_ts(k.updated_at))
                                    ORDER BY co.name)
                      FROM consent k JOIN organisation co ON co.id = k.organisation_id
                     WHERE k.institution_id = e.institution_id AND k.enrollment_id = e.id), '[]'),
                'coaching_relations', coalesce((
                    SELECT json_agg(json_build_object(
                        'id', r.id, 'coach', cp.name, 'coach_email', cp.email, 'kind', r.kind,
                        'status', r.status, 'starts_on', r.starts_on, 'ends_on', r.ends_on,
                        'feedback_requests', coalesce((
                            SELECT json_agg(json_build_object(
                                'id', q.id, 'assignment', q.assignment, 'question', q.question,
                                'due_on', q.due_on, 'created_at', triad_ts(q.created_at),
                                'answered_at', triad_ts(q.answered_at))
                                            ORDER BY q.created_at)
                              FROM feedback_request q
                             WHERE q.institution_id = r.institution_id AND q.relation_id = r.id),
                            '[]'))
                                    ORDER BY r.created_at)
                      FROM coaching_relation r JOIN person cp ON cp.id = r.coach_person_id
                     WHERE r.institution_id = e.institution_id AND r.enrollment_id = e.id), '[]'),
                'feedback', coalesce((
                    SELECT json_agg(json_build_object(
                        'id', f.id, 'coach', fp.name, 'situation', f.situation,
                        'behaviour', f.behaviour, 'effect', f.effect, 'suggestion', f.suggestion,
                        'created_at', triad_ts(f.created_at), 'edited_at', triad_ts(f.edited_at))
                                    ORDER BY f.created_at)
                      FROM feedback f JOIN person fp ON fp.id = f.coach_person_id
                     WHERE f.institution_id = e.institution_id AND f.enrollment_id = e.id), '[]'),
                'advisory_judgements', coalesce((
                    SELECT json_agg(json_build_object(
                        'organisation', jo.name, 'subject', j.subject, 'text', j.text,
                        'created_at', triad_ts(j.created_at))
                                    ORDER BY j.created_at)
                      FROM advisory_judgement j JOIN organisation jo ON jo.id = j.organisation_id
                     WHERE j.institution_id = e.institution_id AND j.enrollment_id = e.id), '[]'),
                -- Her conversations with their notes (the private note is
                -- staff's, not hers) and her logbook.
                'conversations', coalesce((
                    SELECT json_agg(json_build_object(
                        'id', cv.id, 'kind', cv.kind, 'planned_at', triad_ts(cv.planned_at),
                        'held_at', triad_ts(cv.held_at), 'notes', cv.notes,
                        'actions', coalesce((
                            SELECT json_agg(json_build_object(
                                'description', ca.description, 'due_on', ca.due_on,
                                'done_at', triad_ts(ca.done_at)) ORDER BY ca.created_at)
                              FROM conversation_action ca
                             WHERE ca.institution_id = cv.institution_id
                               AND ca.conversation_id = cv.id), '[]'))
                                    ORDER BY cv.planned_at)
                      FROM conversation cv
                     WHERE cv.institution_id = e.institution_id AND cv.enrollment_id = e.id), '[]'),
                'logbook', coalesce((
                    SELECT json_agg(json_build_object(
                        'id', lc.id, 'module', lm.code, 'text', lc.text,
                        'saved_at', triad_ts(lc.saved_at),
                        'submitted_at', triad_ts(lc.submitted_at),
                        'comments', coalesce((
                            SELECT json_agg(json_build_object(
                                'text', lk.text, 'created_at', triad_ts(lk.created_at))
                                            ORDER BY lk.created_at)
                              FROM logbook_comment lk
                             WHERE lk.institution_id = lc.institution_id
                               AND lk.chapter_id = lc.id), '[]'))
                                    ORDER BY lm.sequence)
                      FROM logbook_chapter lc
                      JOIN module lm ON lm.institution_id = lc.institution_id
                                    AND lm.id = lc.module_id
                     WHERE lc.institution_id = e.institution_id AND lc.enrollment_id = e.id),
                    '[]'))
                            ORDER BY e.created_at)
              FROM mine_enrollment e
              LEFT JOIN cohort c ON c.institution_id = e.institution_id AND c.id = e.cohort_id
              LEFT JOIN programme pc ON pc.institution_id = c.institution_id
                                    AND pc.id = c.programme_id
              LEFT JOIN module_run mr ON mr.institution_id = e.institution_id AND mr.id = e.run_id
              LEFT JOIN module m ON m.institution_id = mr.institution_id AND m.id = mr.module_id
              LEFT JOIN programme pm ON pm.institution_id = m.institution_id
                                    AND pm.id = m.programme_id
              LEFT JOIN organisation o ON o.id = e.employer_id), '[]'),
        'exemptions', coalesce((
            SELECT json_agg(json_build_object('module', md.code, 'reason', x.reason,
                                              'created_at', triad_ts(x.created_at))
                            ORDER BY x.created_at)
              FROM exemption x JOIN module md ON md.institution_id = x.institution_id
                                             AND md.id = x.module_id
             WHERE x.institution_id = i.id AND x.person_id = p_person), '[]'),
        'prior_learning_claims', coalesce((
            SELECT json_agg(json_build_object('id', c.id, 'outcome', lo.code,
                                              'evidence', c.evidence, 'status', c.status,
                                              'reason', c.reason,
                                              'decided_at', triad_ts(c.decided_at),
                                              'created_at', triad_ts(c.created_at))
                            ORDER BY c.created_at)
              FROM prior_learning_claim c
              JOIN learning_outcome lo ON lo.institution_id = c.institution_id
                                      AND lo.id = c.outcome_id
             WHERE c.institution_id = i.id AND c.person_id = p_person), '[]'),
        'coaching', coalesce((
            SELECT json_agg(json_build_object(
                'relation', r.id, 'participant', pp.name, 'kind', r.kind, 'status', r.status,
                'starts_on', r.starts_on, 'ends_on', r.ends_on,
                'feedback_given', coalesce((
                    SELECT json_agg(json_build_object(
                        'id', f.id, 'situation', f.situation, 'behaviour', f.behaviour,
                        'effect', f.effect, 'suggestion', f.suggestion,
                        'created_at', triad_ts(f.created_at), 'edited_at', triad_ts(f.edited_at))
                                    ORDER BY f.created_at)
                      FROM feedback f
                     WHERE f.institution_id = r.institution_id AND f.relation_id = r.id
                       AND f.coach_person_id = p_person), '[]'))
                            ORDER BY r.created_at)
              FROM coaching_relation r
              JOIN enrollment pe ON pe.institution_id = r.institution_id AND pe.id = r.enrollment_id
              JOIN person pp ON pp.id = pe.person_id
             WHERE r.institution_id = i.id AND r.coach_person_id = p_person), '[]'),
        'advisory_judgements_written', coalesce((
            SELECT json_agg(json_build_object('enrollment', j.enrollment_id, 'text', j.text,
                                              'created_at', triad_ts(j.created_at))
                            ORDER BY j.created_at)
              FROM advisory_judgement j
             WHERE j.institution_id = i.id AND j.author_id = p_principal), '[]'),
        'communities', coalesce((
            SELECT json_agg(json_build_object('community', cm.name, 'role', m.role,
                                              'affiliation', m.affiliation,
                                              'joined_on', m.joined_on, 'left_on', m.left_on)
                            ORDER BY m.joined_on)
              FROM community_member m
              JOIN community cm ON cm.institution_id = m.institution_id AND cm.id = m.community_id
             WHERE m.institution_id = i.id AND m.person_id = p_person), '[]'),
        'practice_questions', coalesce((
            SELECT json_agg(json_build_object('question', pq.title, 'role', qp.role,
                                              'work', qp.work,
                                              'linked_at', triad_ts(qp.linked_at))
                            ORDER BY qp.linked_at)
              FROM question_person qp
              JOIN practice_question pq ON pq.institution_id = qp.institution_id
                                       AND pq.id = qp.question_id
             WHERE qp.institution_id = i.id AND qp.person_id = p_person), '[]'),
        'practice_questions_written', coalesce((
            SELECT json_agg(json_build_object('id', pq.id, 'title', pq.title,
                                              'description', pq.description,
                                              'created_at', triad_ts(pq.created_at))
                            ORDER BY pq.created_at)
              FROM practice_question pq
             WHERE pq.institution_id = i.id AND pq.author_id = p_principal), '[]'),
        'product_feedback_given', coalesce((
            SELECT json_agg(json_build_object('product', pr.title, 'feedback', pr.feedback,
                                              'at', triad_ts(pr.feedback_at))
                            ORDER BY pr.feedback_at)
              FROM product pr
             WHERE pr.institution_id = i.id AND pr.feedback_by_id = p_principal), '[]'),
        'event_registrations', coalesce((
            SELECT json_agg(json_build_object('event', ev.title,
                                              'starts_at', triad_ts(ev.starts_at),
                                              'status', r.status, 'placement', r.placement,
                                              'attendance', r.attendance,
                                              'registered_at', triad_ts(r.registered_at),
                                              'cancelled_at', triad_ts(r.cancelled_at))
                            ORDER BY r.registered_at)
              FROM event_registration r
              JOIN event ev ON ev.institution_id = r.institution_id AND ev.id = r.event_id
             WHERE r.institution_id = i.id AND r.person_id = p_person), '[]'),
        'events_presented', coalesce((
            SELECT json_agg(json_build_object('event', ev.title, 'topic', ev.topic,
                                              'starts_at', triad_ts(ev.starts_at))
                            ORDER BY ev.starts_at)
              FROM event ev
             WHERE ev.institution_id = i.id AND ev.presenter_person_id = p_person), '[]'),
        'topic_suggestions', coalesce((
            SELECT json_agg(json_build_object('event', ev.title, 'text', t.text,
                                              'suggested_as', t.suggested_as,
                                              'created_at', triad_ts(t.created_at))
                            ORDER BY t.created_at)
              FROM topic_suggestion t
              JOIN event ev ON ev.institution_id = t.institution_id AND ev.id = t.event_id
             WHERE t.institution_id = i.id
               AND (t.person_id = p_person OR t.principal_id = p_principal)), '[]'),
        'boards', coalesce((
            SELECT json_agg(json_build_object('board', b.name, 'role', m.role,
                                              'term_starts_on', m.term_starts_on,
                                              'term_ends_on', m.term_ends_on)
                            ORDER BY m.term_starts_on)
              FROM board_member m
              JOIN board b ON b.institution_id = m.institution_id AND b.id = m.board_id
             WHERE m.institution_id = i.id AND m.person_id = p_person), '[]'),
        'ambassador', coalesce((
            SELECT json_agg(json_build_object(
                'programme', pa.code, 'organisation', ao.name, 'basis', a.basis,
                'starts_on', a.starts_on, 'ends_on', a.ends_on,
                'activities', coalesce((
                    SELECT json_agg(json_build_object('kind', x.kind, 'held_on', x.held_on,
                                                      'description', x.description,
                                                      'reach', x.reach)
                                    ORDER BY x.held_on)
                      FROM ambassador_activity x
                     WHERE x.institution_id = a.institution_id AND x.ambassador_id = a.id), '[]'))
                            ORDER BY a.starts_on)
              FROM ambassador a
              JOIN programme pa ON pa.institution_id = a.institution_id AND pa.id = a.programme_id
              JOIN organisation ao ON ao.id = a.organisation_id
             WHERE a.institution_id = i.id AND a.person_id = p_person), '[]'),
        'audit', coalesce((
            SELECT json_agg(json_build_object('at', triad_ts(x.at), 'action', x.action,
                                              'resource_kind', x.resource_kind,
                                              'resource_id', x.resource_id,
                                              'by_you', x.principal_id = p_principal,
                                              'outcome', x.outcome)
                            ORDER BY x.id)
              FROM audit_event x
             WHERE x.institution_id = i.id
               AND (x.principal_id = p_principal OR x.resource_id IN (SELECT id FROM ids))), '[]'))
      FROM institution i
     WHERE i.id = p_institution
$$;

-- Everything the service holds about the person of the transaction, in
-- every institution, as one JSON document: her person and sign-in, her
-- tokens (never their secrets), and per institution her roles, invites,
-- enrollments (with attendance, completed modules, consents, coaches,
-- feedback requests, feedback and advisory judgements), exemptions, prior
-- learning claims, what she coaches and wrote, community activity, events,
-- boards, ambassadorships and the audit rows about her or by her. Refuses
-- (TR409) a caller without a person: a partner system, or the operator
-- that triadd bootstrap made.
CREATE OR REPLACE FUNCTION triad_my_data()
    RETURNS json
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_person uuid := triad_person();
    v_principal uuid;
    v_doc json;
BEGIN
    IF v_person IS NULL THEN
        PERFORM triad_raise('TR409', 'only a person has data to export, and this sign-in is '
                            'not a person''s (a partner system, or the operator of triadd '
                            'bootstrap)');
    END IF;
    SELECT pr.id INTO v_principal FROM principal pr WHERE pr.person_id = v_person;
    SELECT json_build_object(
        'exported_at', triad_ts(now()),
        'person', json_build_object('id', p.id, 'name', p.name, 'email', p.email,
                                    'created_at', triad_ts(p.created_at)),
        'sign_in', (SELECT json_build_object(
                        'principal', pr.id, 'name', pr.name, 'created_at', triad_ts(pr.created_at),
                        'operator', EXISTS (SELECT 1 FROM operator o WHERE o.principal_id = pr.id))
                      FROM principal pr WHERE pr.id = v_principal),
        'tokens', coalesce((
            SELECT json_agg(json_build_object('id', t.id, 'prefix', t.prefix, 'label', t.label,
                                              'created_at', triad_ts(t.created_at),
                                              'expires_at', triad_ts(t.expires_at),
                                              'revoked_at', triad_ts(t.revoked_at),
                                              'last_used_at', triad_ts(t.last_used_at))
                            ORDER BY t.created_at)
              FROM api_token t WHERE t.principal_id = v_principal), '[]'),
        'institutions', coalesce((
            SELECT json_agg(triad_my_data_in(i.id, v_person, v_principal) ORDER BY i.slug)
              FROM institution i
             WHERE i.id IN (SELECT m.institution_id FROM member m WHERE m.person_id = v_person
                            UNION SELECT g.institution_id FROM role_grant g
                                   WHERE g.principal_id = v_principal)), '[]'),
        'service_audit', coalesce((
            SELECT json_agg(json_build_object('at', triad_ts(x.at), 'action', x.action,
                                              'resource_kind', x.resource_kind,
                                              'resource_id', x.resource_id,
                                              'by_you', x.principal_id = v_principal,
                                              'outcome', x.outcome)
                            ORDER BY x.id)
              FROM service_audit_event x
             WHERE x.principal_id = v_principal
                OR x.resource_id IN (v_person::text, v_principal::text)
                OR x.resource_id IN (SELECT t.id::text FROM api_token t
                                      WHERE t.principal_id = v_principal)), '[]'))
      INTO v_doc
      FROM person p WHERE p.id = v_person;
    RETURN v_doc;
END
$$;

-- ---- erasure ----

-- What erasure does to each column that refers to a person, a principal
-- or a member, and to the free text about or by the person: the rules,
-- in one place, that triad_erase_in() and triad_person_erase() carry out.
-- Rows are kept where they count (an enrollment existed, a session was
-- attended, a coach gave feedback); they move to an anonymous person of
-- the institution, and what named her or was written by her or about her
-- goes.
CREATE OR REPLACE FUNCTION triad_erasure_plan()
    RETURNS TABLE (table_name text, column_name text, rule text)
    LANGUAGE sql IMMUTABLE
    AS $$
    VALUES
    ('person', NULL, 'name and e-mail replaced, erased_at set, once she is known nowhere'),
    ('principal', 'person_id', 'kept; its name replaced once she is known nowhere'),
    ('api_token', 'principal_id', 'revoked and its label emptied once she is known nowhere'),
    ('idempotency_key', 'principal_id', 'deleted once she is known nowhere; stored answers '
                                        'that hold her name or e-mail are deleted always'),
    ('operator', 'principal_id', 'an operator is not erased'),
    ('member', 'person_id', 'deleted; a new anonymous person of the institution takes her place'),
    ('role_grant', 'principal_id', 'deleted'),
    ('role_grant', 'created_by', 'set to null'),
    ('invite', 'person_id', 'moved to the anonymous person, revoked when unused'),
    ('invite', 'created_by', 'set to null'),
    ('enrollment', 'person_id', 'kept, moved; change_assignment and block_resolution erased'),
    ('exemption', 'person_id', 'kept, moved; reason erased'),
    ('exemption', 'created_by', 'set to null'),
    ('prior_learning_claim', 'person_id', 'kept, moved; evidence and reason erased'),
    ('prior_learning_claim', 'decided_by', 'set to null'),
    ('attendance', 'recorded_by', 'set to null'),
    ('coaching_relation', 'coach_person_id', 'kept, moved'),
    ('feedback', 'coach_person_id', 'kept, moved; the text erased, as of all feedback about her'),
    ('feedback_request', NULL, 'the questions she asked erased'),
    ('advisory_judgement', 'author_id', 'set to null; the text erased, as of all about her'),
    ('community_member', 'person_id', 'kept, moved'),
    ('question_person', 'person_id', 'kept, moved; work erased'),
    ('practice_question', 'author_id', 'set to null; the organisation''s question stays'),
    ('product', 'feedback_by_id', 'set to null, feedback_by no longer names her; the '
                                  'organisation''s feedback stays'),
    ('board_member', 'person_id', 'kept, moved'),
    ('event', 'presenter_person_id', 'kept, moved; description and topic erased'),
    ('event_registration', 'person_id', 'kept, moved'),
    ('event_registration', 'attendance_recorded_by', 'set to null'),
    ('topic_suggestion', 'person_id', 'kept, moved; text erased'),
    ('topic_suggestion', 'principal_id', 'set to null'),
    ('ambassador', 'person_id', 'kept, moved; the descriptions of its activities erased'),
    ('module_staff', 'name', 'rows with her name deleted'),
    ('placement', 'supervisor_person_id', 'kept, moved'),
    ('placement', 'plan_decided_by', 'set to null'),
    ('placement', NULL, 'her motivation, research question and the notes on them erased'),
    ('hours_entry', 'decided_by_person_id', 'kept, moved: the decision still counts'),
    ('hours_entry', NULL, 'the descriptions of her hours erased'),
    ('hours_reopening', 'previous_person_id', 'kept, moved'),
    ('hours_reopening', 'reopened_by', 'set to null'),
    ('document', NULL, 'her documents deleted'),
    ('intervision_session', 'facilitator_person_id', 'kept, moved'),
    ('intervision_case', NULL, 'the title and text of the cases she brought erased'),
    ('intervision_attendance', 'recorded_by', 'set to null'),
    ('notification', 'person_id', 'the institution''s messages to her, and those that carried '
                                  'her feedback questions to coaches, deleted; once she is '
                                  'known nowhere, the service''s too (sign-in codes)'),
    ('signin_code', 'person_id', 'deleted once she is known nowhere'),
    ('conversation', 'created_by', 'set to null; the notes and private note of conversations '
                                   'about her erased'),
    ('conversation_person', 'person_id', 'kept, moved'),
    ('conversation_action', 'owner_person_id', 'kept, moved; the descriptions of actions in '
                                               'conversations about her erased'),
    ('logbook_chapter', 'shared_with_person_id', 'set to null; the text of her chapters erased'),
    ('logbook_comment', 'author_person_id', 'kept, moved; comments she wrote and those on her '
                                            'chapters erased'),
    ('assignment_instance', 'decided_by', 'set to null'),
    ('assignment_instance', NULL, 'her own questions for her assignments erased'),
    ('submission', NULL, 'the text of her submissions erased; versions and hashes stay'),
    ('assessment', 'assessor_person_id', 'kept, moved: the result still counts'),
    ('assessment', 'released_by', 'set to null'),
    ('assessment', NULL, 'the feedback on her work erased; results stay'),
    ('assessment_correction', 'corrected_by', 'set to null'),
    ('completion_exemption', 'exempted_by', 'set to null'),
    ('audit_event', 'resource_id', 'rows about her point at the anonymous person'),
    ('domain_event', 'data', 'the data of events by, about or naming her erased'),
    ('event_cursor', 'principal_id', 'deleted'),
    ('webhook', 'principal_id', 'deleted, with the deliveries owed to it and their attempts'),
    ('*', '*', 'her name and e-mail address, wherever they still appear in the '
               'institution''s text, become [erased]')
$$;

-- Raises unless the caller runs as someone other than who signed in: as
-- the owner, inside triad_person_erase(). The erasure's helpers start with
-- it, so that the daemon's role cannot call them on their own.
CREATE OR REPLACE FUNCTION triad_erase_guard()
    RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF current_user = session_user THEN
        PERFORM triad_raise('TR403', 'erasure runs only through triad_person_erase()');
    END IF;
END
$$;

-- Replaces each of p_words (matched whole, ignoring case) in every text
-- and text-array column of table p_table, in rows of institution
-- p_institution (every row when NULL, for shared tables), by '[erased]'.
-- Returns the number of values changed. Runs as its caller: called by the
-- erasure only.
CREATE OR REPLACE FUNCTION triad_erase_words(p_table regclass, p_institution uuid,
                                             p_words text[])
    RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    -- One regular expression for all the words as they are (every character
    -- that means something to a regular expression escaped), not inside a
    -- longer word.
    v_pattern text := '(?<![[:alnum:]_])(' ||
                      (SELECT string_agg(regexp_replace(w, '([]\[\\.+*?^$(){}|-])', '\\\1', 'g'),
                                         '|')
                         FROM unnest(p_words) AS u (w) WHERE w <> '') ||
                      ')(?![[:alnum:]_])';
    v_where text := CASE WHEN p_institution IS NULL THEN 'true' ELSE 'institution_id = $2' END;
    v_count integer := 0;
    v_rows integer;
    c record;
BEGIN
    PERFORM triad_erase_guard();
    IF v_pattern IS NULL THEN
        RETURN 0;
    END IF;
    FOR c IN SELECT a.attname, a.atttypid IN ('text[]'::regtype, 'varchar[]'::regtype) AS is_array
               FROM pg_attribute a
              WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped
                AND a.atttypid IN ('text'::regtype, 'text[]'::regtype,
                                   'varchar'::regtype, 'varchar[]'::regtype) LOOP
        IF c.is_array THEN
            EXECUTE format('UPDATE %s SET %I = ARRAY(SELECT regexp_replace(w, $1, ''[erased]'', '
                           '''gi'') FROM unnest(%I) WITH ORDINALITY AS u (w, n) ORDER BY n) '
                           'WHERE %s AND array_to_string(%I, chr(10)) ~* $1',
                           p_table, c.attname, c.attname, v_where, c.attname)
                USING v_pattern, p_institution;
        ELSE
            EXECUTE format('UPDATE %s SET %I = regexp_replace(%I, $1, ''[erased]'', ''gi'') '
                           'WHERE %s AND %I ~* $1',
                           p_table, c.attname, c.attname, v_where, c.attname)
                USING v_pattern, p_institution;
        END IF;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_count := v_count + v_rows;
    END LOOP;
    RETURN v_count;
END
$$;

-- The words erasure looks for in text: her e-mail address, and her name
-- unless it is so short that it would match what is not hers.
CREATE OR REPLACE FUNCTION triad_erase_words_of(p_name text, p_email text)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN length(p_name) >= 4 THEN ARRAY[p_email, p_name] ELSE ARRAY[p_email] END
$$;

-- Erases person p_person (principal p_principal, or NULL) from institution
-- p_institution as triad_erasure_plan() says, for request p_request_id,
-- and audits it there without her data: the audit row names the anonymous
-- person. Returns the anonymous person's id and, in *_count, what it did.
-- Runs as its caller: called by triad_person_erase() only.
CREATE OR REPLACE FUNCTION triad_erase_in(p_institution uuid, p_person uuid, p_principal uuid,
                                          p_request_id numeric,
                                          OUT anonymous_id uuid, OUT enrollments_count integer,
                                          OUT texts_count integer, OUT grants_count integer,
                                          OUT invites_count integer)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_name text;
    v_email text;
    v_rows integer;
    v_mine uuid[];
    v_coached uuid[];
    t regclass;
BEGIN
    PERFORM triad_erase_guard();
    SELECT p.name, p.email INTO v_name, v_email FROM person p WHERE p.id = p_person;
    texts_count := 0;
    anonymous_id := gen_random_uuid();
    INSERT INTO person (id, name, email, created_at, erased_at)
    VALUES (anonymous_id, 'Erased person', 'erased-' || anonymous_id || '@erased.invalid', now(),
            now());
    INSERT INTO member (institution_id, person_id, added_at)
    SELECT p_institution, anonymous_id,
           coalesce((SELECT m.added_at FROM member m
                      WHERE m.institution_id = p_institution AND m.person_id = p_person), now());

    -- Her rows move to the anonymous person; the free text in them goes.
    UPDATE enrollment e SET person_id = anonymous_id,
           change_assignment = NULL,
           block_resolution = CASE WHEN e.block_resolution IS NOT NULL THEN '[erased]' END
     WHERE e.institution_id = p_institution AND e.person_id = p_person;
    GET DIAGNOSTICS enrollments_count = ROW_COUNT;
    SELECT coalesce(array_agg(e.id), '{}') INTO v_mine FROM enrollment e
     WHERE e.institution_id = p_institution AND e.person_id = anonymous_id;
    UPDATE exemption x SET person_id = anonymous_id, reason = '[erased]'
     WHERE x.institution_id = p_institution AND x.person_id = p_person;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE prior_learning_claim c SET person_id = anonymous_id, evidence = '[erased]',
           reason = CASE WHEN c.reason IS NOT NULL THEN '[erased]' END
     WHERE c.institution_id = p_institution AND c.person_id = p_person;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE community_member m SET person_id = anonymous_id
     WHERE m.institution_id = p_institution AND m.person_id = p_person;
    UPDATE question_person q SET person_id = anonymous_id, work = ''
     WHERE q.institution_id = p_institution AND q.person_id = p_person;
    UPDATE board_member b SET person_id = anonymous_id
     WHERE b.institution_id = p_institution AND b.person_id = p_person;
    UPDATE event ev SET presenter_person_id = anonymous_id, description = '', topic = ''
     WHERE ev.institution_id = p_institution AND ev.presenter_person_id = p_person;
    UPDATE event_registration r SET person_id = anonymous_id
     WHERE r.institution_id = p_institution AND r.person_id = p_person;
    UPDATE ambassador_activity x SET description = ''
     WHERE x.institution_id = p_institution AND x.description <> ''
       AND x.ambassador_id IN (SELECT a.id FROM ambassador a
                                WHERE a.institution_id = p_institution
                                  AND a.person_id = p_person);
    UPDATE ambassador a SET person_id = anonymous_id
     WHERE a.institution_id = p_institution AND a.person_id = p_person;
    UPDATE topic_suggestion t SET person_id = anonymous_id, principal_id = NULL, text = '[erased]'
     WHERE t.institution_id = p_institution
       AND (t.person_id = p_person OR t.principal_id = p_principal);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE invite v SET revoked_at = now()
     WHERE v.institution_id = p_institution AND v.person_id = p_person
       AND v.used_at IS NULL AND v.revoked_at IS NULL;
    GET DIAGNOSTICS invites_count = ROW_COUNT;
    UPDATE invite v SET person_id = anonymous_id
     WHERE v.institution_id = p_institution AND v.person_id = p_person;

    -- The journey: conversations and chapters stay (they count for the
    -- programme), what was written in them about her or by her goes.
    UPDATE conversation c SET notes = '[erased]', private_note = ''
     WHERE c.institution_id = p_institution AND c.enrollment_id = ANY (v_mine)
       AND (c.notes <> '' OR c.private_note <> '');
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE conversation c SET created_by = NULL
     WHERE c.institution_id = p_institution AND c.created_by = p_principal;
    UPDATE conversation_person cp SET person_id = anonymous_id
     WHERE cp.institution_id = p_institution AND cp.person_id = p_person;
    UPDATE conversation_action a SET owner_person_id = anonymous_id
     WHERE a.institution_id = p_institution AND a.owner_person_id = p_person;
    UPDATE conversation_action a SET description = '[erased]'
     WHERE a.institution_id = p_institution
       AND a.conversation_id IN (SELECT c.id FROM conversation c
                                  WHERE c.institution_id = p_institution
                                    AND c.enrollment_id = ANY (v_mine));
    UPDATE logbook_chapter ch SET shared_with_person_id = NULL
     WHERE ch.institution_id = p_institution AND ch.shared_with_person_id = p_person;
    UPDATE logbook_chapter ch SET text = '[erased]'
     WHERE ch.institution_id = p_institution AND ch.enrollment_id = ANY (v_mine);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE logbook_comment k SET author_person_id = anonymous_id
     WHERE k.institution_id = p_institution AND k.author_person_id = p_person;
    UPDATE logbook_comment k SET text = '[erased]'
     WHERE k.institution_id = p_institution
       AND (k.author_person_id = anonymous_id
            OR k.chapter_id IN (SELECT ch.id FROM logbook_chapter ch
                                 WHERE ch.institution_id = p_institution
                                   AND ch.enrollment_id = ANY (v_mine)));

    -- Coaching: the relations and feedback stay (they count per coach),
    -- what she wrote and what was written about her goes.
    -- A feedback row's coach is its relation's coach (only this moves
    -- either), so her feedback is found through her relations, by index.
    WITH moved AS (
        UPDATE coaching_relation r SET coach_person_id = anonymous_id
         WHERE r.institution_id = p_institution AND r.coach_person_id = p_person
        RETURNING r.id)
    SELECT coalesce(array_agg(id), '{}') INTO v_coached FROM moved;
    UPDATE feedback f SET coach_person_id = anonymous_id, situation = '[erased]',
           behaviour = '[erased]', effect = '', suggestion = ''
     WHERE f.institution_id = p_institution AND f.relation_id = ANY (v_coached);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE feedback f SET situation = '[erased]', behaviour = '[erased]', effect = '',
           suggestion = ''
     WHERE f.institution_id = p_institution AND f.enrollment_id = ANY (v_mine)
       AND f.relation_id <> ALL (v_coached);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE feedback_request q SET question = '[erased]', assignment = ''
     WHERE q.institution_id = p_institution
       AND q.relation_id IN (SELECT r.id FROM coaching_relation r
                              WHERE r.institution_id = p_institution
                                AND r.enrollment_id = ANY (v_mine));
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    -- The mails that carried her questions to her coaches.
    DELETE FROM notification n
     WHERE n.institution_id = p_institution AND n.resource_kind = 'feedback_request'
       AND n.resource_id IN (SELECT q.id FROM feedback_request q
                               JOIN coaching_relation r ON r.id = q.relation_id
                              WHERE q.institution_id = p_institution
                                AND r.enrollment_id = ANY (v_mine));
    texts_count := texts_count + v_rows;
    UPDATE advisory_judgement j SET text = '[erased]',
           author_id = CASE WHEN j.author_id = p_principal THEN NULL ELSE j.author_id END
     WHERE j.institution_id = p_institution
       AND (j.enrollment_id = ANY (v_mine) OR j.author_id = p_principal);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;

    -- The internship and intervision: the hours and the decisions on them
    -- stay (they count), what she wrote and her documents go.
    UPDATE placement p SET supervisor_person_id = anonymous_id
     WHERE p.institution_id = p_institution AND p.supervisor_person_id = p_person;
    UPDATE placement p SET motivation = '', research_question = '', plan_note = ''
     WHERE p.institution_id = p_institution AND p.enrollment_id = ANY (v_mine);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE hours_entry h SET decided_by_person_id = anonymous_id
     WHERE h.institution_id = p_institution AND h.decided_by_person_id = p_person;
    UPDATE hours_entry h SET description = '[erased]'
     WHERE h.institution_id = p_institution
       AND h.placement_id IN (SELECT p.id FROM placement p
                               WHERE p.institution_id = p_institution
                                 AND p.enrollment_id = ANY (v_mine));
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE hours_reopening r SET previous_person_id = anonymous_id
     WHERE r.institution_id = p_institution AND r.previous_person_id = p_person;
    DELETE FROM document x
     WHERE x.institution_id = p_institution
       AND x.placement_id IN (SELECT p.id FROM placement p
                               WHERE p.institution_id = p_institution
                                 AND p.enrollment_id = ANY (v_mine));
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE intervision_session x SET facilitator_person_id = anonymous_id
     WHERE x.institution_id = p_institution AND x.facilitator_person_id = p_person;
    UPDATE intervision_case k SET title = '[erased]', text = '[erased]'
     WHERE k.institution_id = p_institution AND k.enrollment_id = ANY (v_mine);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;

    -- Assignments and assessments: results and who gave them stay (they
    -- count), her questions, her work and the feedback on it go.
    UPDATE assignment_instance i SET question = '[erased]'
     WHERE i.institution_id = p_institution AND i.enrollment_id = ANY (v_mine)
       AND i.question <> '';
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE submission x SET title = '', body = '[erased]'
     WHERE x.institution_id = p_institution
       AND x.instance_id IN (SELECT i.id FROM assignment_instance i
                              WHERE i.institution_id = p_institution
                                AND i.enrollment_id = ANY (v_mine));
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE assessment x SET feedback = '[erased]'
     WHERE x.institution_id = p_institution
       AND x.instance_id IN (SELECT i.id FROM assignment_instance i
                              WHERE i.institution_id = p_institution
                                AND i.enrollment_id = ANY (v_mine));
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    texts_count := texts_count + v_rows;
    UPDATE assessment x SET assessor_person_id = anonymous_id
     WHERE x.institution_id = p_institution AND x.assessor_person_id = p_person;
    UPDATE assignment_instance i SET decided_by = NULL
     WHERE i.institution_id = p_institution AND i.decided_by = p_principal;
    UPDATE assessment x SET released_by = NULL
     WHERE x.institution_id = p_institution AND x.released_by = p_principal;
    UPDATE assessment_correction x SET corrected_by = NULL
     WHERE x.institution_id = p_institution AND x.corrected_by = p_principal;
    UPDATE completion_exemption x SET exempted_by = NULL
     WHERE x.institution_id = p_institution AND x.exempted_by = p_principal;

    -- What she did as staff or as an organisation's contact stays, without her.
    UPDATE role_grant g SET created_by = NULL
     WHERE g.institution_id = p_institution AND g.created_by = p_principal;
    UPDATE invite v SET created_by = NULL
     WHERE v.institution_id = p_institution AND v.created_by = p_principal;
    UPDATE attendance a SET recorded_by = NULL
     WHERE a.institution_id = p_institution AND a.recorded_by = p_principal;
    UPDATE exemption x SET created_by = NULL
     WHERE x.institution_id = p_institution AND x.created_by = p_principal;
    UPDATE prior_learning_claim c SET decided_by = NULL
     WHERE c.institution_id = p_institution AND c.decided_by = p_principal;
    UPDATE practice_question q SET author_id = NULL
     WHERE q.institution_id = p_institution AND q.author_id = p_principal;
    UPDATE product pr SET feedback_by_id = NULL, feedback_by = 'Erased person'
     WHERE pr.institution_id = p_institution AND pr.feedback_by_id = p_principal;
    UPDATE event_registration r SET attendance_recorded_by = NULL
     WHERE r.institution_id = p_institution AND r.attendance_recorded_by = p_principal;
    UPDATE placement p SET plan_decided_by = NULL
     WHERE p.institution_id = p_institution AND p.plan_decided_by = p_principal;
    UPDATE hours_reopening r SET reopened_by = NULL
     WHERE r.institution_id = p_institution AND r.reopened_by = p_principal;
    UPDATE intervision_attendance a SET recorded_by = NULL
     WHERE a.institution_id = p_institution AND a.recorded_by = p_principal;
    DELETE FROM role_grant g
     WHERE g.institution_id = p_institution AND g.principal_id = p_principal;
    GET DIAGNOSTICS grants_count = ROW_COUNT;
    DELETE FROM module_staff s
     WHERE s.institution_id = p_institution AND lower(s.name) = lower(v_name);

    -- The event stream's copies of rows by or about her lose their data;
    -- her resume point goes.
    UPDATE domain_event d SET data = NULL
     WHERE d.institution_id = p_institution AND d.data IS NOT NULL
       AND (d.enrollment_id IN (SELECT e.id FROM enrollment e
                                 WHERE e.institution_id = p_institution
                                   AND e.person_id IN (p_person, anonymous_id))
            OR strpos(d.data::text, p_person::text) > 0
            OR (p_principal IS NOT NULL AND strpos(d.data::text, p_principal::text) > 0)
            OR (coalesce(v_name, '') <> '' AND strpos(lower(d.data::text), lower(v_name)) > 0)
            OR (coalesce(v_email, '') <> ''
                AND strpos(lower(d.data::text), lower(v_email)) > 0));
    DELETE FROM event_cursor c
     WHERE c.institution_id = p_institution AND c.principal_id = p_principal;
    -- The webhooks she registered, with what was owed to them and tried.
    DELETE FROM webhook_attempt a USING webhook w
     WHERE a.institution_id = p_institution AND w.institution_id = p_institution
       AND a.webhook_id = w.id AND w.principal_id = p_principal;
    DELETE FROM webhook_delivery d USING webhook w
     WHERE d.institution_id = p_institution AND w.institution_id = p_institution
       AND d.webhook_id = w.id AND w.principal_id = p_principal;
    DELETE FROM webhook w WHERE w.institution_id = p_institution AND w.principal_id = p_principal;

    -- The trail keeps what happened, about the anonymous person.
    UPDATE audit_event x SET resource_id = anonymous_id::text
     WHERE x.institution_id = p_institution AND x.resource_id = p_person::text;
    DELETE FROM member m WHERE m.institution_id = p_institution AND m.person_id = p_person;
    -- Mail to her, sent or not, holds her name and address.
    DELETE FROM notification n WHERE n.institution_id = p_institution AND n.person_id = p_person;

    -- Her name and e-mail address wherever the institution still writes
    -- them, in every table it has.
    FOR t IN SELECT c.oid::regclass FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                AND c.relname NOT IN ('audit_event', 'person', 'member')
                AND EXISTS (SELECT 1 FROM pg_attribute a
                             WHERE a.attrelid = c.oid AND a.attname = 'institution_id'
                               AND NOT a.attisdropped) LOOP
        texts_count := texts_count
                       + triad_erase_words(t, p_institution, triad_erase_words_of(v_name, v_email));
    END LOOP;

    PERFORM triad_audit('person.erase', 'person', anonymous_id, p_request_id, NULL, p_institution);
END
$$;

-- Erases a person, named by p_person (her e-mail address or id), for
-- request p_request_id: from the transaction's institution, by an
-- institution admin or an operator; from the whole service, by an
-- operator who names no institution. In each institution her rows are
-- kept where they count and moved to an anonymous person, and her name,
-- e-mail address and the text by her or about her are removed
-- (triad_erasure_plan()); her grants there go and her unused invites are
-- revoked. A person the service then knows nowhere is erased from it
-- too: her person and sign-in lose her name and e-mail, her tokens are
-- revoked. Stored answers of idempotency keys that hold her name or
-- e-mail are forgotten. Audited in each institution about the anonymous
-- person, and in the service's trail when she is gone from the service.
-- Raises TR403 for anyone else, TR404 for no such person (in the
-- institution), TR409 for an operator or oneself.
CREATE OR REPLACE FUNCTION triad_person_erase(p_person text, p_request_id numeric)
    RETURNS TABLE (person_id uuid, institutions text[], erased_from_service boolean,
                   enrollments_kept integer, texts_erased integer, grants_revoked integer,
                   invites_revoked integer, tokens_revoked integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    v_tenant uuid := triad_tenant();
    v_caller uuid := triad_principal();
    v_operator boolean := EXISTS (SELECT 1 FROM operator o WHERE o.principal_id = v_caller);
    v_person person%ROWTYPE;
    v_principal uuid;
    v_one record;
    v_anonymous uuid;
    v_slugs text[] := '{}';
    v_enrollments integer := 0;
    v_texts integer := 0;
    v_grants integer := 0;
    v_invites integer := 0;
    v_tokens integer := 0;
    v_gone boolean;
    t regclass;
BEGIN
    -- Permission before existence, here too: this function reaches every
    -- institution.
    IF v_tenant IS NULL AND NOT v_operator THEN
        PERFORM triad_raise('TR403', 'only an operator may erase a person from the whole service');
    END IF;
    IF v_tenant IS NOT NULL AND NOT v_operator
       AND NOT EXISTS (SELECT 1 FROM role_grant g
                        WHERE g.institution_id = v_tenant AND g.principal_id = v_caller
                          AND g.role = 'institution_admin') THEN
        PERFORM triad_raise('TR403', 'only an institution admin may erase a person');
    END IF;
    IF coalesce(p_person, '') = '' THEN
        PERFORM triad_raise('TR400', 'say whom to erase: an e-mail address or a person''s id',
                            'erase_person.person');
    END IF;
    SELECT p.* INTO v_person FROM person p
     WHERE p.erased_at IS NULL
       AND (p.id::text = lower(p_person) OR lower(p.email) = lower(p_person))
       AND (v_tenant IS NULL OR EXISTS (SELECT 1 FROM member m
                                         WHERE m.institution_id = v_tenant
                                           AND m.person_id = p.id))
       FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', CASE WHEN v_tenant IS NULL
                                          THEN format('no person %s', p_person)
                                          ELSE format('person %s not found in this institution',
                                                      p_person) END,
                            'erase_person.person');
    END IF;
    SELECT pr.id INTO v_principal FROM principal pr WHERE pr.person_id = v_person.id;
    IF v_principal IS NOT NULL
       AND EXISTS (SELECT 1 FROM operator o WHERE o.principal_id = v_principal) THEN
        PERFORM triad_raise('TR409', 'an operator cannot be erased');
    END IF;
    IF v_principal = v_caller THEN
        PERFORM triad_raise('TR409', 'you cannot erase yourself; ask an institution admin or an '
                            'operator');
    END IF;

    FOR v_one IN
        SELECT i.id, i.slug FROM institution i
         WHERE (v_tenant IS NULL OR i.id = v_tenant)
           AND i.id IN (SELECT m.institution_id FROM member m WHERE m.person_id = v_person.id
                        UNION SELECT g.institution_id FROM role_grant g
                               WHERE g.principal_id = v_principal
                        UNION SELECT r.institution_id FROM coaching_relation r
                               WHERE r.coach_person_id = v_person.id
                        UNION SELECT s.institution_id FROM topic_suggestion s
                               WHERE s.person_id = v_person.id OR s.principal_id = v_principal)
         ORDER BY i.slug LOOP
        SELECT x.anonymous_id, v_enrollments + x.enrollments_count, v_texts + x.texts_count,
               v_grants + x.grants_count, v_invites + x.invites_count
          INTO v_anonymous, v_enrollments, v_texts, v_grants, v_invites
          FROM triad_erase_in(v_one.id, v_person.id, v_principal, p_request_id) x;
        v_slugs := v_slugs || v_one.slug;
    END LOOP;

    -- Known nowhere any more: the service forgets her too.
    v_gone := NOT EXISTS (SELECT 1 FROM member m WHERE m.person_id = v_person.id)
              AND NOT EXISTS (SELECT 1 FROM role_grant g WHERE g.principal_id = v_principal)
              AND NOT EXISTS (SELECT 1 FROM coaching_relation r
                               WHERE r.coach_person_id = v_person.id)
              AND NOT EXISTS (SELECT 1 FROM topic_suggestion s
                               WHERE s.person_id = v_person.id OR s.principal_id = v_principal);
    IF v_gone THEN
        UPDATE person p SET name = 'Erased person',
               email = 'erased-' || p.id || '@erased.invalid', erased_at = now()
         WHERE p.id = v_person.id;
        UPDATE principal pr SET name = 'Erased person' WHERE pr.id = v_principal;
        UPDATE api_token k SET revoked_at = now()
         WHERE k.principal_id = v_principal AND k.revoked_at IS NULL;
        GET DIAGNOSTICS v_tokens = ROW_COUNT;
        UPDATE api_token k SET label = '' WHERE k.principal_id = v_principal;
        DELETE FROM idempotency_key k WHERE k.principal_id = v_principal;
        DELETE FROM notification n WHERE n.person_id = v_person.id;
        DELETE FROM signin_code c WHERE c.person_id = v_person.id;
        -- Shared tables without an institution: what names her there.
        FOR t IN SELECT c.oid::regclass FROM pg_class c
                  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                    AND c.relname IN ('organisation', 'institution') LOOP
            v_texts := v_texts + triad_erase_words(t, NULL, triad_erase_words_of(v_person.name,
                                                                                  v_person.email));
        END LOOP;
        PERFORM triad_service_audit('person.erase', 'person', v_person.id, p_request_id);
    END IF;
    -- Answers kept for repeats of earlier requests that show her.
    DELETE FROM idempotency_key k
     WHERE k.answer IS NOT NULL
       AND (position(convert_to(v_person.email, 'UTF8') IN k.answer) > 0
            OR (length(v_person.name) >= 4
                AND position(convert_to(v_person.name, 'UTF8') IN k.answer) > 0));

    RETURN QUERY SELECT CASE WHEN v_tenant IS NULL THEN v_person.id ELSE v_anonymous END,
                        v_slugs, v_gone, v_enrollments, v_texts, v_grants, v_invites, v_tokens;
END
$$;
