-- Demo data, part 7: the learning journey of Metropool 24 (seed 004), all
-- through the functions of journey.sql. The dean (Nanke Verloo) and the
-- programme manager (Jessie Samwel) held the intake conversations on 12,
-- 19 and 22 September 2025; Metropool requires one before admission and
-- has two development conversations. Fenna Fictief had her first
-- development conversation, with agreed actions; module 1 has been given,
-- so most participants wrote its logbook chapter, and Fenna shared hers
-- with her workplace coach. Loaded by the quick start as the schema owner,
-- in one transaction, after 0002 and 0003; safe to load twice.

-- The dean and the programme manager, as staff who can sign in (by an
-- e-mail code, or an invite made by Anne de Vries).
INSERT INTO person (name, email) VALUES
    ('Nanke Verloo', 'nanke.verloo@nsob.example'),
    ('Jessie Samwel', 'jessie.samwel@nsob.example')
ON CONFLICT ((lower(email))) DO NOTHING;

INSERT INTO member (institution_id, person_id)
SELECT i.id, p.id FROM institution i, person p
 WHERE i.slug = 'nsob' AND p.email IN ('nanke.verloo@nsob.example', 'jessie.samwel@nsob.example')
ON CONFLICT DO NOTHING;

INSERT INTO principal (kind, person_id, name)
SELECT 'person', p.id, p.name FROM person p
 WHERE p.email IN ('nanke.verloo@nsob.example', 'jessie.samwel@nsob.example')
ON CONFLICT (person_id) DO NOTHING;

INSERT INTO role_grant (institution_id, principal_id, role, title)
SELECT i.id, pr.id, 'programme_staff', v.title
  FROM (VALUES ('nanke.verloo@nsob.example', 'dean'),
               ('jessie.samwel@nsob.example', 'programme_manager')) AS v (email, title)
  JOIN person p ON p.email = v.email
  JOIN principal pr ON pr.person_id = p.id
  CROSS JOIN institution i
 WHERE i.slug = 'nsob'
ON CONFLICT DO NOTHING;

-- Acting as NSOB's staff, in this transaction only.
SELECT set_config('triad.institution_id', (SELECT id::text FROM institution WHERE slug = 'nsob'),
                  true),
       set_config('triad.staff', 'true', true);

-- Metropool requires a held intake conversation and has two development
-- conversations.
SELECT triad_journey_plan_set(p.id, true, 2, 0) FROM programme p
 WHERE p.institution_id = triad_tenant() AND p.code = 'METROPOOL';

CREATE FUNCTION pg_temp.demo_journey() RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
    v_conv uuid;
    v_staff text[] := ARRAY['nanke.verloo@nsob.example', 'jessie.samwel@nsob.example'];
    v_m1 uuid;
    v_fenna record;
BEGIN
    IF EXISTS (SELECT 1 FROM conversation WHERE institution_id = triad_tenant()) THEN
        RETURN;
    END IF;
    -- Intake conversations: held for everyone admitted, planned for those
    -- still waiting for theirs.
    FOR r IN SELECT e.id, e.status, row_number() OVER (ORDER BY e.arrival) AS n
               FROM enrollment e
               JOIN cohort c ON c.id = e.cohort_id
              WHERE e.institution_id = triad_tenant() AND c.name = 'Metropool 24'
                AND e.status <> 'withdrawn'
              ORDER BY e.arrival LOOP
        IF r.status IN ('admitted', 'active', 'completed') THEN
            SELECT id INTO v_conv
              FROM triad_conversation_plan(r.id, 'intake',
                       (ARRAY['2025-09-12', '2025-09-19', '2025-09-22'])[r.n % 3 + 1]
                           || ' ' || lpad((9 + r.n % 7)::text, 2, '0') || ':00',
                       v_staff, '', true, NULL, 0);
            PERFORM triad_conversation_record(v_conv::text,
                'Leerwensen, motivatie en capaciteiten besproken; ze passen bij Metropool.',
                NULL, true, NULL, 0);
        ELSIF r.status IN ('applied', 'intake_planned') THEN
            PERFORM triad_conversation_plan(r.id, 'intake', '2026-12-18 10:00', v_staff, '',
                                            false, NULL, 0);
        END IF;
    END LOOP;

    -- Fenna's first development conversation, with the dean and a trainer's
    -- notes, a private note for staff and two agreed actions.
    SELECT e.id, e.person_id, p.email INTO v_fenna
      FROM enrollment e JOIN person p ON p.id = e.person_id
      JOIN cohort c ON c.id = e.cohort_id
     WHERE e.institution_id = triad_tenant() AND p.email = 'fenna.fictief@denkbeeldig.example'
       AND c.name = 'Metropool 24';
    IF v_fenna.id IS NULL THEN
        RETURN;
    END IF;
    SELECT id INTO v_conv
      FROM triad_conversation_plan(v_fenna.id, 'development', '2026-11-20 14:00',
                                   ARRAY['nanke.verloo@nsob.example'], '', true, NULL, 0);
    PERFORM triad_conversation_record(v_conv::text,
        'Fenna ziet in de wijkaanpak Noord de drie perspectieven van module 1 terug. Ze wil '
        'oefenen met het inbrengen van het bewonersperspectief in het MT.',
        'Werkdruk is hoog; in het volgende gesprek vragen hoe de combinatie met werk gaat.',
        true, '2026-11-20 15:00', 0);
    PERFORM triad_action_add(v_conv::text,
        'Bespreek met je leidinggevende de wijkaanpak Noord als onderwerp voor de stage',
        v_fenna.email, '2027-01-15', 0);
    PERFORM triad_action_add(v_conv::text,
        'Stuur Fenna literatuur over bewonersparticipatie en democratische legitimiteit',
        'nanke.verloo@nsob.example', '2026-12-15', 0);

    -- Module 1 has been given: its chapters. Most are submitted, a few are
    -- drafts; Fenna shared hers with her workplace coach, and it was
    -- discussed in her development conversation.
    SELECT m.id INTO v_m1 FROM module m JOIN programme p ON p.id = m.programme_id
     WHERE m.institution_id = triad_tenant() AND p.code = 'METROPOOL' AND m.code = 'M1';
    FOR r IN SELECT e.id, e.person_id, p.name, row_number() OVER (ORDER BY e.arrival) AS n
               FROM enrollment e
               JOIN cohort c ON c.id = e.cohort_id
               JOIN person p ON p.id = e.person_id
              WHERE e.institution_id = triad_tenant() AND c.name = 'Metropool 24'
                AND e.status = 'active' AND e.placement = 'placed'
              ORDER BY e.arrival LOOP
        CONTINUE WHEN r.n % 6 = 0;   -- not written yet
        PERFORM triad_chapter_save(r.id, v_m1,
            format('Module 1 liet me mijn opgave zien vanuit politiek, ambtelijk en '
                   'inwonersperspectief. Wat ik meeneem: %s',
                   (ARRAY['de spanning tussen de politieke agenda en wat bewoners vragen.',
                          'dat democratische legitimiteit ook in de uitvoering ontstaat.',
                          'mijn eigen gedragsstijl: ik ga snel naar oplossingen.',
                          'hoe ik de drie perspectieven in een advies verbind.'])[r.n % 4 + 1]),
            r.person_id::text, 0);
        CONTINUE WHEN r.n % 5 = 0;   -- still a draft
        PERFORM triad_chapter_submit(r.id, v_m1, r.person_id::text, 0);
    END LOOP;
    IF EXISTS (SELECT 1 FROM logbook_chapter WHERE enrollment_id = v_fenna.id
                                               AND submitted_at IS NOT NULL) THEN
        PERFORM triad_chapter_share(v_fenna.id, v_m1, 'hanneke.meedenker@denkbeeldig.example',
                                    v_fenna.person_id::text, 0);
        PERFORM triad_conversation_link(v_conv::text, v_m1, 0);
        PERFORM triad_chapter_comment(v_fenna.id, v_m1,
            'Mooi hoe je de wijkaanpak Noord aan de drie perspectieven koppelt. Neem dit mee '
            'naar je stagekeuze.',
            (SELECT id::text FROM person WHERE email = 'jessie.samwel@nsob.example'), 0);
    END IF;
END
$$;

SELECT pg_temp.demo_journey();
