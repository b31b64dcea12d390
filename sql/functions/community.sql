-- community.sql: professional learning communities and their members,
-- the organisations taking part, practice questions with the people and
-- products of each, and advisory boards (tables: migration 0006_community).
--
-- Who sees what: staff everything; a community's current members its
-- content (triad_community_visible, the one place that says so, which
-- events.sql uses too); an organisation's contact the questions and
-- products of that organisation (triad_question_visible). Anything else is
-- NOT_FOUND with the message of a missing id. Boards: staff all of them,
-- anyone else the boards they have a current term on.
--
-- The views apply these rules themselves, as security barriers, to the
-- caller triad_begin() describes (triad_person(), triad_staff(),
-- triad_organisation()): a statement that reads them sees only what the
-- caller may see, whatever it forgets to ask. The rules take the person
-- and standing as arguments, so that a rule about someone else (may the
-- person being registered see the event?) is the same rule.

-- True when the caller may see the community's content: staff (p_staff),
-- or a current member (p_person is the caller's person id, '' for machines).
CREATE OR REPLACE FUNCTION triad_community_visible(p_community uuid, p_person text, p_staff boolean)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT p_staff OR EXISTS (
        SELECT 1 FROM community_member m
         WHERE m.community_id = p_community AND m.person_id::text = p_person
           AND m.left_on IS NULL)
$$;

-- True when the caller may see a question of p_org in p_community: whoever
-- may see the community, and the contacts of the owning organisation
-- (p_caller_org is the organisation the caller speaks for, or '').
CREATE OR REPLACE FUNCTION triad_question_visible(p_community uuid, p_org uuid, p_person text,
                                                  p_staff boolean, p_caller_org text)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT triad_community_visible(p_community, p_person, p_staff)
        OR (coalesce(p_caller_org, '') <> '' AND p_org::text = p_caller_org)
$$;

-- True when the caller may see the board: staff, or a person whose term on
-- it holds today.
CREATE OR REPLACE FUNCTION triad_board_visible(p_board uuid, p_person text, p_staff boolean)
    RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT p_staff OR EXISTS (
        SELECT 1 FROM board_member m
         WHERE m.board_id = p_board AND m.person_id::text = p_person
           AND m.term_starts_on <= current_date
           AND (m.term_ends_on IS NULL OR m.term_ends_on >= current_date))
$$;

-- The principal's name, for who wrote or answered something.
CREATE OR REPLACE FUNCTION triad_principal_name() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce((SELECT name FROM principal WHERE id = triad_principal()), '') $$;

-- ---- communities ----

CREATE OR REPLACE VIEW community_v WITH (security_barrier, security_invoker = true) AS
SELECT c.id, c.name, c.theme, c.kind, coalesce(c.cohort_id::text, '') AS cohort_id,
       coalesce(co.name, '') AS cohort_name, coalesce(c.agreement_id::text, '') AS agreement_id,
       c.starts_on::text AS starts_on, coalesce(c.ends_on::text, '') AS ends_on,
       (SELECT count(*)::int FROM community_member m
         WHERE m.community_id = c.id AND m.left_on IS NULL) AS members,
       (SELECT count(*)::int FROM community_organisation o
         WHERE o.community_id = c.id) AS organisations,
       (SELECT count(*)::int FROM practice_question q
         WHERE q.community_id = c.id AND q.status <> 'evaluated') AS open_questions,
       triad_us(c.created_at) AS created_at_us
  FROM community c
  LEFT JOIN cohort co ON co.institution_id = c.institution_id AND co.id = c.cohort_id
 WHERE triad_community_visible(c.id, triad_person()::text, triad_staff()) OR c.id = triad_written();

CREATE OR REPLACE FUNCTION triad_community_create(p_name text, p_theme text, p_kind text, p_cohort uuid,
                                                  p_agreement uuid, p_starts text, p_ends text,
                                                  p_request_id numeric)
    RETURNS SETOF community_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_starts date := triad_date(p_starts, 'create_community.starts_on', false);
    v_ends date := triad_date(p_ends, 'create_community.ends_on', false);
    v_cohort_starts date;
BEGIN
    IF coalesce(length(trim(p_name)), 0) = 0 OR length(p_name) > 200 THEN
        PERFORM triad_raise('TR400', 'name is required (at most 200 characters)',
                            'create_community.name');
    END IF;
    IF length(p_theme) > 2000 THEN
        PERFORM triad_raise('TR400', 'theme is at most 2000 characters', 'create_community.theme');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: cohort (a cohort''s learning community) '
                            'or professional (a standing community)', 'create_community.kind');
    END IF;
    IF p_kind = 'cohort' AND p_cohort IS NULL THEN
        PERFORM triad_raise('TR400', 'a cohort''s learning community needs cohort_id',
                            'create_community.cohort_id');
    END IF;
    IF p_kind <> 'cohort' AND p_cohort IS NOT NULL THEN
        PERFORM triad_raise('TR400', 'a professional community belongs to no cohort; leave '
                            'cohort_id empty', 'create_community.cohort_id');
    END IF;
    IF p_cohort IS NOT NULL THEN
        SELECT starts_on INTO v_cohort_starts FROM cohort WHERE id = p_cohort;
        IF NOT FOUND THEN
            PERFORM triad_raise('TR404', 'cohort not found', 'create_community.cohort_id');
        END IF;
    END IF;
    IF p_agreement IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agreement WHERE id = p_agreement) THEN
        PERFORM triad_raise('TR404', 'agreement not found', 'create_community.agreement_id');
    END IF;
    v_starts := coalesce(v_starts, v_cohort_starts, current_date);
    IF v_ends < v_starts THEN
        PERFORM triad_raise('TR400', 'ends_on is before starts_on', 'create_community.ends_on');
    END IF;
    BEGIN
        INSERT INTO community (institution_id, name, theme, kind, cohort_id, agreement_id,
                               starts_on, ends_on)
        VALUES (triad_tenant(), p_name, coalesce(p_theme, ''), p_kind, p_cohort, p_agreement,
                v_starts, v_ends)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format('there already is a community called "%s"', p_name),
                            'create_community.name');
    END;
    PERFORM triad_audit('community.create', 'community', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM community_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW community_member_v WITH (security_barrier, security_invoker = true) AS
SELECT m.id, m.community_id, m.person_id, p.name AS person_name, m.role, m.affiliation,
       coalesce(m.organisation_id::text, '') AS organisation_id,
       coalesce(o.name, '') AS organisation_name, m.joined_on::text AS joined_on,
       coalesce(m.left_on::text, '') AS left_on, m.left_on IS NULL AS current
  FROM community_member m
  JOIN person p ON p.id = m.person_id
  LEFT JOIN organisation o ON o.id = m.organisation_id
 WHERE triad_community_visible(m.community_id, triad_person()::text, triad_staff()) OR m.id = triad_written();

-- Adds a person to a community, or changes the role and affiliation of a
-- current member (the partial unique index keeps one current membership
-- per person, however many requests race).
CREATE OR REPLACE FUNCTION triad_community_member_add(p_community uuid, p_person uuid, p_role text,
                                                      p_affiliation text, p_org uuid, p_request_id numeric)
    RETURNS SETOF community_member_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_new boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM community WHERE id = p_community) THEN
        PERFORM triad_raise('TR404', 'community not found', 'add_community_member.community_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM member WHERE person_id = p_person) THEN
        PERFORM triad_raise('TR404', 'person not found in this institution',
                            'add_community_member.person_id');
    END IF;
    IF coalesce(p_affiliation, '') = '' THEN
        PERFORM triad_raise('TR400', 'affiliation is required: participant, alumnus, staff, '
                            'workplace coach or partner', 'add_community_member.affiliation');
    END IF;
    IF p_affiliation = 'partner' AND p_org IS NULL THEN
        PERFORM triad_raise('TR400', 'a member from a partner needs organisation_id: the '
                            'organisation they come from', 'add_community_member.organisation_id');
    END IF;
    IF p_affiliation <> 'partner' AND p_org IS NOT NULL THEN
        PERFORM triad_raise('TR400', 'organisation_id is only for members from a partner '
                            'organisation', 'add_community_member.organisation_id');
    END IF;
    IF p_org IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organisation WHERE id = p_org) THEN
        PERFORM triad_raise('TR404', 'organisation not found',
                            'add_community_member.organisation_id');
    END IF;
    INSERT INTO community_member (institution_id, community_id, person_id, role, affiliation,
                                  organisation_id)
    VALUES (triad_tenant(), p_community, p_person, coalesce(nullif(p_role, ''), 'member'),
            p_affiliation, p_org)
    ON CONFLICT (institution_id, community_id, person_id) WHERE left_on IS NULL
    DO UPDATE SET role = EXCLUDED.role, affiliation = EXCLUDED.affiliation,
                  organisation_id = EXCLUDED.organisation_id
    RETURNING id, xmax = 0 INTO v_id, v_new;
    PERFORM triad_audit(CASE WHEN v_new THEN 'community_member.add'
                             ELSE 'community_member.update' END,
                        'community_member', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM community_member_v WHERE id = v_id;
END
$$;

-- Ends a current membership today; the row stays as history.
CREATE OR REPLACE FUNCTION triad_community_member_remove(p_community uuid, p_person uuid,
                                                         p_request_id numeric)
    RETURNS SETOF community_member_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM community WHERE id = p_community) THEN
        PERFORM triad_raise('TR404', 'community not found',
                            'remove_community_member.community_id');
    END IF;
    UPDATE community_member SET left_on = current_date
     WHERE community_id = p_community AND person_id = p_person AND left_on IS NULL
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        PERFORM triad_raise('TR404', 'this person is not a current member of the community',
                            'remove_community_member.person_id');
    END IF;
    PERFORM triad_audit('community_member.remove', 'community_member', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM community_member_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW community_organisation_v WITH (security_barrier, security_invoker = true) AS
SELECT co.id, co.community_id, co.organisation_id, o.name AS organisation_name,
       coalesce(co.network_agreement_id::text, '') AS network_agreement_id,
       co.joined_on::text AS joined_on
  FROM community_organisation co JOIN organisation o ON o.id = co.organisation_id
 WHERE triad_community_visible(co.community_id, triad_person()::text, triad_staff()) OR co.id = triad_written();

CREATE OR REPLACE FUNCTION triad_community_organisation_add(p_community uuid, p_org uuid,
                                                            p_agreement uuid, p_request_id numeric)
    RETURNS SETOF community_organisation_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    a agreement%ROWTYPE;
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM community WHERE id = p_community) THEN
        PERFORM triad_raise('TR404', 'community not found',
                            'add_community_organisation.community_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM organisation WHERE id = p_org) THEN
        PERFORM triad_raise('TR404', 'organisation not found',
                            'add_community_organisation.organisation_id');
    END IF;
    IF p_agreement IS NOT NULL THEN
        SELECT * INTO a FROM agreement WHERE id = p_agreement;
        IF NOT FOUND THEN
            PERFORM triad_raise('TR404', 'agreement not found',
                                'add_community_organisation.network_agreement_id');
        END IF;
        IF a.kind <> 'professional_network' THEN
            PERFORM triad_raise('TR409', format('an organisation joins through a professional '
                                'network''s agreement; this is a %s agreement',
                                triad_words(a.kind)),
                                'add_community_organisation.network_agreement_id');
        END IF;
        IF a.starts_on > current_date OR a.ends_on < current_date THEN
            PERFORM triad_raise('TR409', format('the professional network''s agreement is not '
                                'current (it runs from %s to %s)', a.starts_on,
                                coalesce(a.ends_on::text, 'no end')),
                                'add_community_organisation.network_agreement_id');
        END IF;
    END IF;
    BEGIN
        INSERT INTO community_organisation (institution_id, community_id, organisation_id,
                                            network_agreement_id)
        VALUES (triad_tenant(), p_community, p_org, p_agreement)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format('%s already takes part in this community',
                                            (SELECT name FROM organisation WHERE id = p_org)),
                            'add_community_organisation.organisation_id');
    END;
    PERFORM triad_audit('community_organisation.add', 'community_organisation', v_id,
                        p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM community_organisation_v WHERE id = v_id;
END
$$;

-- ---- practice questions ----

CREATE OR REPLACE VIEW question_v WITH (security_barrier, security_invoker = true) AS
SELECT q.id, q.community_id, c.name AS community_name, q.organisation_id,
       o.name AS organisation_name, q.title, q.description, q.status,
       coalesce(pr.name, '') AS author_name,
       (SELECT count(*)::int FROM question_person qp
         WHERE qp.question_id = q.id AND qp.role = 'participant') AS participants,
       (SELECT count(*)::int FROM product x WHERE x.question_id = q.id) AS products,
       ARRAY(SELECT DISTINCT co.name
               FROM question_person qp
               JOIN enrollment e ON e.institution_id = qp.institution_id
                                AND e.id = qp.enrollment_id
               LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
               JOIN cohort co ON co.institution_id = e.institution_id
                             AND co.id = coalesce(e.cohort_id, r.cohort_id)
              WHERE qp.question_id = q.id AND qp.role = 'participant'
              ORDER BY co.name) AS cohorts,
       triad_us(q.created_at) AS created_at_us, triad_us(q.updated_at) AS updated_at_us
  FROM practice_question q
  JOIN community c ON c.institution_id = q.institution_id AND c.id = q.community_id
  JOIN organisation o ON o.id = q.organisation_id
  LEFT JOIN principal pr ON pr.id = q.author_id
 WHERE triad_question_visible(q.community_id, q.organisation_id, triad_person()::text,
                              triad_staff(), coalesce(triad_organisation()::text, ''))
    OR q.id = triad_written();

-- Writes a question. A contact (speaking for an organisation, not staff)
-- writes for their own organisation; staff name it. Required fields and what the
-- ids name are checked before whose organisation it is, so an empty
-- request is never PERMISSION_DENIED. A community that the caller can
-- neither see nor take part in through their organisation is not found.
CREATE OR REPLACE FUNCTION triad_question_create(p_community uuid, p_org uuid, p_title text,
                                                 p_description text, p_request_id numeric)
    RETURNS SETOF question_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    p_person text := triad_person()::text;
    p_staff boolean := triad_staff();
    p_caller_org text := coalesce(triad_organisation()::text, '');
    v_contact boolean := NOT p_staff AND coalesce(p_caller_org, '') <> '';
    v_org uuid := p_org;
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM community c
                    WHERE c.id = p_community
                      AND (triad_community_visible(c.id, p_person, p_staff)
                           OR EXISTS (SELECT 1 FROM community_organisation co
                                       WHERE co.community_id = c.id
                                         AND co.organisation_id::text = p_caller_org))) THEN
        PERFORM triad_raise('TR404', 'community not found', 'create_question.community_id');
    END IF;
    IF v_org IS NULL AND v_contact THEN
        v_org := p_caller_org::uuid;
    END IF;
    IF v_org IS NULL THEN
        PERFORM triad_raise('TR400', 'organisation_id is required: the work-field organisation '
                            'that owns the question', 'create_question.organisation_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM organisation WHERE id = v_org) THEN
        PERFORM triad_raise('TR404', 'organisation not found', 'create_question.organisation_id');
    END IF;
    IF coalesce(length(trim(p_title)), 0) = 0 OR length(p_title) > 200 THEN
        PERFORM triad_raise('TR400', 'title is required (at most 200 characters)',
                            'create_question.title');
    END IF;
    IF length(p_description) > 16384 THEN
        PERFORM triad_raise('TR400', 'description is at most 16384 characters',
                            'create_question.description');
    END IF;
    IF NOT p_staff AND v_org::text <> coalesce(p_caller_org, '') THEN
        PERFORM triad_raise('TR403', 'you can write practice questions only for your own '
                            'organisation');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM community_organisation
                    WHERE community_id = p_community AND organisation_id = v_org) THEN
        PERFORM triad_raise('TR409', format('%s does not take part in this community; staff can '
                            'add it to the community first',
                            (SELECT name FROM organisation WHERE id = v_org)),
                            'create_question.organisation_id');
    END IF;
    INSERT INTO practice_question (institution_id, community_id, organisation_id, title,
                                   description, author_id)
    VALUES (triad_tenant(), p_community, v_org, p_title, coalesce(p_description, ''),
            triad_principal())
    RETURNING id INTO v_id;
    PERFORM triad_audit('question.create', 'question', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM question_v WHERE id = v_id;
END
$$;

-- Moves a question one step forward, under its row lock (which adding
-- products, linking people and giving feedback also take, so the counts
-- checked here cannot change before the commit).
CREATE OR REPLACE FUNCTION triad_question_transition(p_id uuid, p_status text, p_request_id numeric)
    RETURNS SETOF question_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    q practice_question%ROWTYPE;
    v_next text;
    v_missing text;
BEGIN
    SELECT * INTO q FROM practice_question WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'practice question not found', 'transition_question.id');
    END IF;
    IF coalesce(p_status, '') = '' THEN
        PERFORM triad_raise('TR400', 'status is required', 'transition_question.status');
    END IF;
    v_next := CASE q.status
        WHEN 'proposed' THEN 'accepted'
        WHEN 'accepted' THEN 'in_progress'
        WHEN 'in_progress' THEN 'delivered'
        WHEN 'delivered' THEN 'evaluated' END;
    IF v_next IS DISTINCT FROM p_status THEN
        PERFORM triad_raise('TR409', format('a practice question cannot go from %s to %s%s',
            triad_words(q.status), triad_words(p_status),
            CASE WHEN v_next IS NULL THEN format(' (%s is final)', triad_words(q.status))
                 ELSE format(' (from %s it can go to %s)', triad_words(q.status),
                             triad_words(v_next)) END),
            'transition_question.status');
    END IF;
    IF p_status = 'in_progress' AND NOT EXISTS (
            SELECT 1 FROM question_person WHERE question_id = p_id AND role = 'participant') THEN
        PERFORM triad_raise('TR409', 'a practice question can go from accepted to in progress '
                            'only with a participant working on it; link a participant first');
    END IF;
    IF p_status = 'delivered' AND NOT EXISTS (SELECT 1 FROM product WHERE question_id = p_id) THEN
        PERFORM triad_raise('TR409', 'a practice question can go from in progress to delivered '
                            'only with a product; add the product first');
    END IF;
    IF p_status = 'evaluated' THEN
        SELECT string_agg(format('"%s"', title), ', ' ORDER BY delivered_on, title) INTO v_missing
          FROM product WHERE question_id = p_id AND feedback IS NULL;
        IF v_missing IS NOT NULL THEN
            PERFORM triad_raise('TR409', format('a practice question can go from delivered to '
                                'evaluated only when its organisation has given feedback on '
                                'every product; still without feedback: %s', v_missing));
        END IF;
    END IF;
    UPDATE practice_question SET status = p_status, updated_at = now() WHERE id = p_id;
    PERFORM triad_audit('question.' || p_status, 'question', p_id, p_request_id);
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM question_v WHERE id = p_id;
END
$$;

CREATE OR REPLACE VIEW question_person_v WITH (security_barrier, security_invoker = true) AS
SELECT qp.id, qp.question_id, qp.person_id, p.name AS person_name, qp.role,
       coalesce(qp.enrollment_id::text, '') AS enrollment_id, coalesce(co.name, '') AS cohort_name,
       qp.work, triad_us(qp.linked_at) AS linked_at_us, qp.linked_at AS at
  FROM question_person qp
  JOIN practice_question q ON q.institution_id = qp.institution_id AND q.id = qp.question_id
  JOIN person p ON p.id = qp.person_id
  LEFT JOIN enrollment e ON e.institution_id = qp.institution_id AND e.id = qp.enrollment_id
  LEFT JOIN module_run r ON r.institution_id = e.institution_id AND r.id = e.run_id
  LEFT JOIN cohort co ON co.institution_id = e.institution_id
                     AND co.id = coalesce(e.cohort_id, r.cohort_id)
 WHERE triad_question_visible(q.community_id, q.organisation_id, triad_person()::text,
                              triad_staff(), coalesce(triad_organisation()::text, ''))
    OR qp.id = triad_written();

-- Links a person to a question in a role; linking the same person in the
-- same role again updates the enrollment and the work.
CREATE OR REPLACE FUNCTION triad_question_link(p_question uuid, p_person uuid, p_role text,
                                               p_enrollment uuid, p_work text, p_request_id numeric)
    RETURNS SETOF question_person_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
    v_new boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM practice_question WHERE id = p_question) THEN
        PERFORM triad_raise('TR404', 'practice question not found',
                            'link_question_person.question_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM member WHERE person_id = p_person) THEN
        PERFORM triad_raise('TR404', 'person not found in this institution',
                            'link_question_person.person_id');
    END IF;
    IF coalesce(p_role, '') = '' THEN
        PERFORM triad_raise('TR400', 'role is required: participant, coach or staff',
                            'link_question_person.role');
    END IF;
    IF p_enrollment IS NOT NULL AND p_role <> 'participant' THEN
        PERFORM triad_raise('TR400', 'only a participant is linked with an enrollment',
                            'link_question_person.enrollment_id');
    END IF;
    IF p_enrollment IS NOT NULL AND NOT EXISTS (SELECT 1 FROM enrollment
                                                 WHERE id = p_enrollment
                                                   AND person_id = p_person) THEN
        PERFORM triad_raise('TR404', 'enrollment not found among this person''s enrollments',
                            'link_question_person.enrollment_id');
    END IF;
    IF length(p_work) > 200 THEN
        PERFORM triad_raise('TR400', 'work is at most 200 characters', 'link_question_person.work');
    END IF;
    PERFORM 1 FROM practice_question WHERE id = p_question FOR UPDATE;
    INSERT INTO question_person (institution_id, question_id, person_id, role, enrollment_id,
                                 work)
    VALUES (triad_tenant(), p_question, p_person, p_role, p_enrollment, coalesce(p_work, ''))
    ON CONFLICT (institution_id, question_id, person_id, role)
    DO UPDATE SET enrollment_id = EXCLUDED.enrollment_id, work = EXCLUDED.work
    RETURNING id, xmax = 0 INTO v_id, v_new;
    PERFORM triad_audit(CASE WHEN v_new THEN 'question_person.link'
                             ELSE 'question_person.update' END,
                        'question_person', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM question_person_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW product_v WITH (security_barrier, security_invoker = true) AS
SELECT x.id, x.question_id, x.kind, x.title, x.description,
       x.delivered_on::text AS delivered_on, coalesce(x.feedback, '') AS feedback,
       coalesce(x.feedback_by, '') AS feedback_by, triad_us(x.feedback_at) AS feedback_at_us,
       q.community_id AS question_community_id, q.organisation_id AS question_organisation_id,
       x.created_at AS at
  FROM product x
  JOIN practice_question q ON q.institution_id = x.institution_id AND q.id = x.question_id
 WHERE triad_question_visible(q.community_id, q.organisation_id, triad_person()::text,
                              triad_staff(), coalesce(triad_organisation()::text, ''))
    OR x.id = triad_written();

CREATE OR REPLACE FUNCTION triad_product_add(p_question uuid, p_kind text, p_title text,
                                             p_description text, p_delivered text, p_request_id numeric)
    RETURNS SETOF product_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    q practice_question%ROWTYPE;
    v_delivered date := triad_date(p_delivered, 'add_product.delivered_on', false);
    v_id uuid;
BEGIN
    SELECT * INTO q FROM practice_question WHERE id = p_question FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'practice question not found', 'add_product.question_id');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: report, workshop, game or article',
                            'add_product.kind');
    END IF;
    IF coalesce(length(trim(p_title)), 0) = 0 OR length(p_title) > 200 THEN
        PERFORM triad_raise('TR400', 'title is required (at most 200 characters)',
                            'add_product.title');
    END IF;
    IF length(p_description) > 16384 THEN
        PERFORM triad_raise('TR400', 'description is at most 16384 characters',
                            'add_product.description');
    END IF;
    IF q.status = 'proposed' THEN
        PERFORM triad_raise('TR409', 'products are delivered for accepted questions; this '
                            'question is still proposed');
    END IF;
    INSERT INTO product (institution_id, question_id, kind, title, description, delivered_on)
    VALUES (triad_tenant(), p_question, p_kind, p_title, coalesce(p_description, ''),
            coalesce(v_delivered, current_date))
    RETURNING id INTO v_id;
    UPDATE practice_question SET updated_at = now() WHERE id = p_question;
    PERFORM triad_audit('product.create', 'product', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM product_v WHERE id = v_id;
END
$$;

-- The owning organisation's contact gives (or replaces) its feedback. A
-- product the caller cannot see is not found; one they can see but whose
-- question another organisation owns is PERMISSION_DENIED.
CREATE OR REPLACE FUNCTION triad_product_feedback(p_id uuid, p_feedback text, p_request_id numeric)
    RETURNS SETOF product_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    p_person text := triad_person()::text;
    p_staff boolean := triad_staff();
    p_caller_org text := coalesce(triad_organisation()::text, '');
    v_question uuid;
    v_owner uuid;
BEGIN
    SELECT x.question_id, q.organisation_id INTO v_question, v_owner
      FROM product x JOIN practice_question q ON q.id = x.question_id
     WHERE x.id = p_id
       AND triad_question_visible(q.community_id, q.organisation_id, p_person, p_staff,
                                  p_caller_org);
    IF NOT FOUND THEN
        PERFORM triad_raise('TR404', 'product not found', 'give_product_feedback.product_id');
    END IF;
    IF coalesce(length(trim(p_feedback)), 0) = 0 THEN
        PERFORM triad_raise('TR400', 'write the feedback: what the product brought your '
                            'organisation', 'give_product_feedback.feedback');
    END IF;
    IF length(p_feedback) > 16384 THEN
        PERFORM triad_raise('TR400', 'feedback is at most 16384 characters',
                            'give_product_feedback.feedback');
    END IF;
    IF v_owner::text <> coalesce(p_caller_org, '') THEN
        PERFORM triad_raise('TR403', format('only a contact of %s, which owns the question, can '
                            'give feedback on its products',
                            (SELECT name FROM organisation WHERE id = v_owner)));
    END IF;
    PERFORM 1 FROM practice_question WHERE id = v_question FOR UPDATE;
    UPDATE product SET feedback = p_feedback, feedback_by = triad_principal_name(),
                       feedback_by_id = triad_principal(), feedback_at = now()
     WHERE id = p_id;
    PERFORM triad_audit('product.feedback', 'product', p_id, p_request_id);
    PERFORM triad_wrote(p_id);
    RETURN QUERY SELECT * FROM product_v WHERE id = p_id;
END
$$;

-- ---- advisory boards ----

CREATE OR REPLACE FUNCTION triad_term_current(p_starts date, p_ends date) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT p_starts <= current_date AND (p_ends IS NULL OR p_ends >= current_date) $$;

CREATE OR REPLACE VIEW board_v WITH (security_barrier, security_invoker = true) AS
SELECT b.id, b.name, b.kind, coalesce(b.programme_id::text, '') AS programme_id,
       coalesce(p.code, '') AS programme_code,
       (SELECT count(*)::int FROM board_member m
         WHERE m.board_id = b.id AND triad_term_current(m.term_starts_on, m.term_ends_on))
           AS members,
       (SELECT count(*)::int FROM board_meeting mt WHERE mt.board_id = b.id) AS meetings,
       triad_us(b.created_at) AS created_at_us, b.programme_id AS programme
  FROM board b
  LEFT JOIN programme p ON p.institution_id = b.institution_id AND p.id = b.programme_id
 WHERE triad_board_visible(b.id, triad_person()::text, triad_staff()) OR b.id = triad_written();

CREATE OR REPLACE FUNCTION triad_board_create(p_name text, p_kind text, p_programme uuid,
                                              p_request_id numeric)
    RETURNS SETOF board_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF coalesce(length(trim(p_name)), 0) = 0 OR length(p_name) > 200 THEN
        PERFORM triad_raise('TR400', 'name is required (at most 200 characters)',
                            'create_board.name');
    END IF;
    IF coalesce(p_kind, '') = '' THEN
        PERFORM triad_raise('TR400', 'kind is required: work field, scientific or advisory '
                            'council', 'create_board.kind');
    END IF;
    IF p_programme IS NOT NULL AND NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'create_board.programme_id');
    END IF;
    BEGIN
        INSERT INTO board (institution_id, name, kind, programme_id)
        VALUES (triad_tenant(), p_name, p_kind, p_programme)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM triad_raise('TRDUP', format('there already is a board called "%s"%s', p_name,
                            CASE WHEN p_programme IS NULL THEN '' ELSE ' for this programme' END),
                            'create_board.name');
    END;
    PERFORM triad_audit('board.create', 'board', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM board_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW board_member_v WITH (security_barrier, security_invoker = true) AS
SELECT m.id, m.board_id, m.person_id, p.name AS person_name,
       coalesce(m.organisation_id::text, '') AS organisation_id,
       coalesce(o.name, '') AS organisation_name, m.role,
       m.term_starts_on::text AS term_starts_on, coalesce(m.term_ends_on::text, '') AS term_ends_on,
       triad_term_current(m.term_starts_on, m.term_ends_on) AS current,
       m.term_starts_on AS starts
  FROM board_member m
  JOIN person p ON p.id = m.person_id
  LEFT JOIN organisation o ON o.id = m.organisation_id
 WHERE triad_board_visible(m.board_id, triad_person()::text, triad_staff()) OR m.id = triad_written();

-- Adds a term. Terms of one person on one board never overlap: checked
-- under the board's row lock.
CREATE OR REPLACE FUNCTION triad_board_member_add(p_board uuid, p_person uuid, p_org uuid, p_role text,
                                                  p_starts text, p_ends text, p_request_id numeric)
    RETURNS SETOF board_member_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_starts date := coalesce(triad_date(p_starts, 'add_board_member.term_starts_on', false),
                              current_date);
    v_ends date := triad_date(p_ends, 'add_board_member.term_ends_on', false);
    v_clash board_member%ROWTYPE;
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM board WHERE id = p_board) THEN
        PERFORM triad_raise('TR404', 'board not found', 'add_board_member.board_id');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM member WHERE person_id = p_person) THEN
        PERFORM triad_raise('TR404', 'person not found in this institution',
                            'add_board_member.person_id');
    END IF;
    IF p_org IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organisation WHERE id = p_org) THEN
        PERFORM triad_raise('TR404', 'organisation not found', 'add_board_member.organisation_id');
    END IF;
    IF v_ends < v_starts THEN
        PERFORM triad_raise('TR400', 'term_ends_on is before term_starts_on',
                            'add_board_member.term_ends_on');
    END IF;
    PERFORM 1 FROM board WHERE id = p_board FOR UPDATE;
    SELECT * INTO v_clash FROM board_member m
     WHERE m.board_id = p_board AND m.person_id = p_person
       AND daterange(m.term_starts_on, m.term_ends_on, '[]') && daterange(v_starts, v_ends, '[]')
     ORDER BY m.term_starts_on LIMIT 1;
    IF FOUND THEN
        PERFORM triad_raise('TR409', format('%s already has a term on this board from %s %s, '
                            'which overlaps this one',
                            (SELECT name FROM person WHERE id = p_person), v_clash.term_starts_on,
                            coalesce('to ' || v_clash.term_ends_on::text, 'without an end')),
                            'add_board_member.term_starts_on');
    END IF;
    INSERT INTO board_member (institution_id, board_id, person_id, organisation_id, role,
                              term_starts_on, term_ends_on)
    VALUES (triad_tenant(), p_board, p_person, p_org, coalesce(nullif(p_role, ''), 'member'),
            v_starts, v_ends)
    RETURNING id INTO v_id;
    PERFORM triad_audit('board_member.add', 'board_member', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM board_member_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW board_meeting_v WITH (security_barrier, security_invoker = true) AS
SELECT mt.id, mt.board_id, mt.held_on::text AS held_on, mt.place, mt.minutes,
       (SELECT count(*)::int FROM agenda_item a WHERE a.meeting_id = mt.id) AS agenda_items,
       mt.held_on AS held
  FROM board_meeting mt
 WHERE triad_board_visible(mt.board_id, triad_person()::text, triad_staff()) OR mt.id = triad_written();

CREATE OR REPLACE FUNCTION triad_board_meeting_create(p_board uuid, p_held text, p_place text,
                                                      p_minutes text, p_request_id numeric)
    RETURNS SETOF board_meeting_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM board WHERE id = p_board) THEN
        PERFORM triad_raise('TR404', 'board not found', 'create_board_meeting.board_id');
    END IF;
    IF length(p_place) > 200 THEN
        PERFORM triad_raise('TR400', 'place is at most 200 characters',
                            'create_board_meeting.place');
    END IF;
    IF length(p_minutes) > 16384 THEN
        PERFORM triad_raise('TR400', 'minutes are at most 16384 characters',
                            'create_board_meeting.minutes');
    END IF;
    INSERT INTO board_meeting (institution_id, board_id, held_on, place, minutes)
    VALUES (triad_tenant(), p_board, triad_date(p_held, 'create_board_meeting.held_on'),
            coalesce(p_place, ''), coalesce(p_minutes, ''))
    RETURNING id INTO v_id;
    PERFORM triad_audit('board_meeting.create', 'board_meeting', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM board_meeting_v WHERE id = v_id;
END
$$;

CREATE OR REPLACE VIEW agenda_item_v WITH (security_barrier, security_invoker = true) AS
SELECT a.id, a.meeting_id, a.position, a.title, a.notes,
       coalesce(a.question_id::text, '') AS question_id, coalesce(q.title, '') AS question_title,
       coalesce(a.programme_id::text, '') AS programme_id, coalesce(p.code, '') AS programme_code
  FROM agenda_item a
  JOIN board_meeting mt ON mt.institution_id = a.institution_id AND mt.id = a.meeting_id
  LEFT JOIN practice_question q ON q.institution_id = a.institution_id AND q.id = a.question_id
  LEFT JOIN programme p ON p.institution_id = a.institution_id AND p.id = a.programme_id
 WHERE triad_board_visible(mt.board_id, triad_person()::text, triad_staff()) OR a.id = triad_written();

-- Adds an item at the end of the agenda: position max + 1 under the
-- meeting's row lock.
CREATE OR REPLACE FUNCTION triad_agenda_item_add(p_meeting uuid, p_title text, p_notes text,
                                                 p_question uuid, p_programme uuid, p_request_id numeric)
    RETURNS SETOF agenda_item_v
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM board_meeting WHERE id = p_meeting) THEN
        PERFORM triad_raise('TR404', 'meeting not found', 'add_agenda_item.meeting_id');
    END IF;
    IF coalesce(length(trim(p_title)), 0) = 0 OR length(p_title) > 200 THEN
        PERFORM triad_raise('TR400', 'title is required (at most 200 characters)',
                            'add_agenda_item.title');
    END IF;
    IF length(p_notes) > 16384 THEN
        PERFORM triad_raise('TR400', 'notes are at most 16384 characters', 'add_agenda_item.notes');
    END IF;
    IF p_question IS NOT NULL AND NOT EXISTS (SELECT 1 FROM practice_question
                                               WHERE id = p_question) THEN
        PERFORM triad_raise('TR404', 'practice question not found', 'add_agenda_item.question_id');
    END IF;
    IF p_programme IS NOT NULL AND NOT EXISTS (SELECT 1 FROM programme WHERE id = p_programme) THEN
        PERFORM triad_raise('TR404', 'programme not found', 'add_agenda_item.programme_id');
    END IF;
    PERFORM 1 FROM board_meeting WHERE id = p_meeting FOR UPDATE;
    INSERT INTO agenda_item (institution_id, meeting_id, position, title, notes, question_id,
                             programme_id)
    VALUES (triad_tenant(), p_meeting,
            coalesce((SELECT max(position) FROM agenda_item WHERE meeting_id = p_meeting), 0) + 1,
            p_title, coalesce(p_notes, ''), p_question, p_programme)
    RETURNING id INTO v_id;
    PERFORM triad_audit('agenda_item.add', 'agenda_item', v_id, p_request_id);
    PERFORM triad_wrote(v_id);
    RETURN QUERY SELECT * FROM agenda_item_v WHERE id = v_id;
END
$$;
