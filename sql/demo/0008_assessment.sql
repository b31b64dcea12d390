-- Demo data, part 8: assignments, assessments and completion rules
-- (seeds 002, 003 and 004), through the functions of assessment.sql, so it
-- is checked and audited as a request would be.
--
-- Completion rules, as each programme's own data:
--   nsob    METROPOOL  attendance at every module (100%), module 1 not
--                      missed (or resolved), at least 160 verified internship
--                      hours, a logbook chapter per module, three
--                      conversations held (two development, one final)
--   hva     MPM        every outcome (papers 1-5) achieved by assessment or
--                      prior learning, and the final work passed; results
--                      insufficient / sufficient / good, four eyes for the
--                      final work, no assessor of her own coachee
--   fontys  MiZ        every learning outcome achieved by assessment or
--                      validated prior learning; results as a mark from 1 to
--                      10, passing from 5.5
--
-- HvA MPM: the papers as assignments, semester by semester from micro to
-- macro context, the intervention and the final paper 5, assessed by two
-- (invented) assessors, Hanna Toetsvast and Otto Tweedelezer. Annelies
-- tailored paper 1 to her school, had it approved, handed in two versions
-- and has its result released; she handed in paper 2, assessed but not
-- yet released. Daphne's paper 1 passed; Kim's question for paper 1 was
-- returned with a note.
--
-- Metropool 23, the cohort before Metropool 24 (invented, like its two
-- participants): Fleur Afgerond met every rule and completed; Gijs
-- Urentekort did everything but his internship has 152 verified hours of
-- the 160, so `triad certificate check gijs.urentekort@denkbeeldig.example`
-- shows that rule unmet and completing him is refused.
--
-- Loaded by the quick start as the schema owner, in one transaction, after
-- the other parts; safe to load twice.

INSERT INTO person (name, email) VALUES
    ('Hanna Toetsvast', 'hanna.toetsvast@hva.example'),
    ('Otto Tweedelezer', 'otto.tweedelezer@hva.example'),
    ('Fleur Afgerond', 'fleur.afgerond@denkbeeldig.example'),
    ('Gijs Urentekort', 'gijs.urentekort@denkbeeldig.example'),
    ('Stella Stagebegeleider', 'stella.stagebegeleider@maastricht.example')
ON CONFLICT ((lower(email))) DO NOTHING;

INSERT INTO member (institution_id, person_id)
SELECT i.id, p.id
  FROM (VALUES ('hva', 'hanna.toetsvast@hva.example'), ('hva', 'otto.tweedelezer@hva.example'),
               ('nsob', 'fleur.afgerond@denkbeeldig.example'),
               ('nsob', 'gijs.urentekort@denkbeeldig.example')) AS v (slug, email)
  JOIN institution i ON i.slug = v.slug
  JOIN person p ON p.email = v.email
ON CONFLICT DO NOTHING;

-- The assessors can sign in (by an e-mail code) and hold the title.
INSERT INTO principal (kind, person_id, name)
SELECT 'person', p.id, p.name FROM person p
 WHERE p.email IN ('hanna.toetsvast@hva.example', 'otto.tweedelezer@hva.example')
ON CONFLICT (person_id) DO NOTHING;

INSERT INTO role_grant (institution_id, principal_id, role, title)
SELECT i.id, pr.id, 'programme_staff', 'assessor'
  FROM person p JOIN principal pr ON pr.person_id = p.id CROSS JOIN institution i
 WHERE i.slug = 'hva'
   AND p.email IN ('hanna.toetsvast@hva.example', 'otto.tweedelezer@hva.example')
ON CONFLICT DO NOTHING;

-- Acts as p_email in institution p_slug: staff (with its principal) or a
-- participant, in this transaction only.
CREATE FUNCTION pg_temp.demo_as(p_slug text, p_email text, p_staff boolean) RETURNS void
    LANGUAGE sql
    AS $$
    SELECT set_config('triad.institution_id', (SELECT id::text FROM institution WHERE slug = p_slug),
                      true),
           set_config('triad.person_id', coalesce((SELECT id::text FROM person WHERE email = p_email),
                                                  ''), true),
           set_config('triad.principal_id',
                      coalesce((SELECT pr.id::text FROM principal pr JOIN person p
                                  ON p.id = pr.person_id WHERE p.email = p_email), ''), true),
           set_config('triad.staff', p_staff::text, true);
$$;

CREATE FUNCTION pg_temp.demo_enrollment(p_slug text, p_email text) RETURNS uuid
    LANGUAGE sql
    AS $$
    SELECT e.id FROM enrollment e
      JOIN institution i ON i.id = e.institution_id
      JOIN person p ON p.id = e.person_id
     WHERE i.slug = p_slug AND p.email = p_email AND e.status <> 'withdrawn'
     ORDER BY e.created_at DESC LIMIT 1
$$;

-- ---- the rules of the three programmes ----

CREATE FUNCTION pg_temp.demo_rules() RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_prog uuid;
BEGIN
    PERFORM pg_temp.demo_as('nsob', 'anne.devries@nsob.example', true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = triad_tenant() AND code = 'METROPOOL';
    IF NOT EXISTS (SELECT 1 FROM completion_rule WHERE programme_id = v_prog) THEN
        PERFORM triad_completion_rules_set(v_prog, 100, true, true, true, NULL, NULL, 3, 0);
        IF NOT EXISTS (SELECT 1 FROM internship_setting WHERE programme_id = v_prog) THEN
            PERFORM triad_internship_minimum_set(v_prog, 160, 0);
        END IF;
    END IF;

    PERFORM pg_temp.demo_as('hva', 'hanna.toetsvast@hva.example', true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = triad_tenant() AND code = 'MPM';
    IF NOT EXISTS (SELECT 1 FROM completion_rule WHERE programme_id = v_prog) THEN
        PERFORM triad_assessment_setting_set(v_prog, 'levels', '{insufficient,sufficient,good}',
                                             'sufficient', NULL, true, true, 0);
        PERFORM triad_completion_rules_set(v_prog, NULL, NULL, NULL, NULL, true, true, NULL, 0);
    END IF;

    PERFORM set_config('triad.institution_id', (SELECT id::text FROM institution WHERE slug = 'fontys'),
                       true);
    PERFORM set_config('triad.principal_id', '', true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = triad_tenant() AND code = 'MiZ';
    IF NOT EXISTS (SELECT 1 FROM completion_rule WHERE programme_id = v_prog) THEN
        PERFORM triad_assessment_setting_set(v_prog, 'mark', NULL, NULL, 5.5, true, true, 0);
        PERFORM triad_completion_rules_set(v_prog, NULL, NULL, NULL, NULL, true, NULL, NULL, 0);
    END IF;
END
$$;

SELECT pg_temp.demo_rules();

-- ---- HvA MPM: the papers, tailored, handed in and assessed ----

CREATE FUNCTION pg_temp.demo_hva() RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_prog uuid;
    v_annelies uuid := pg_temp.demo_enrollment('hva', 'annelies.anekdote@sg-denkbeeldig.example');
    v_daphne uuid := pg_temp.demo_enrollment('hva', 'daphne.droomschool@sg-denkbeeldig.example');
    v_kim uuid := pg_temp.demo_enrollment('hva', 'kim.kennisrijk@mbo-fictief.example');
    v_school uuid := (SELECT id FROM organisation WHERE name = 'Scholengemeenschap Denkbeeldig');
    v_mbo uuid := (SELECT id FROM organisation WHERE name = 'Mbo-college Fictief');
    r record;
BEGIN
    PERFORM pg_temp.demo_as('hva', 'hanna.toetsvast@hva.example', true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = triad_tenant() AND code = 'MPM';
    IF v_prog IS NULL OR EXISTS (SELECT 1 FROM assignment WHERE programme_id = v_prog) THEN
        RETURN;
    END IF;
    FOR r IN SELECT * FROM (VALUES
        ('P1', 'Paper 1: het leren van leerlingen', 'micro', 'paper', 'SEM1', 'P1', '2026-01-31',
         'Onderzoek in de eigen klas hoe leerlingen leren en onderbouw een verbetering.'),
        ('P2', 'Paper 2: het leren van het team en de school', 'meso', 'paper', 'SEM2', 'P2',
         '2026-06-30', 'Analyseer hoe het eigen team leert en betrek collega''s bij een ontwerp.'),
        ('P3', 'Paper 3: de school en haar omgeving', 'macro', 'paper', 'SEM3', 'P3', '2027-01-31',
         'Plaats de school in haar omgeving en ontwerp een interventie met impact.'),
        ('P4', 'Paper 4: hoe gaat mijn organisatie om met de innovatie?', 'macro', 'paper', 'SEM3',
         'P4', '2027-01-31', 'Onderzoek hoe de eigen organisatie de aangeboden innovatie opneemt.'),
        ('INT', 'De interventie in de eigen school', 'macro', 'intervention', 'SEM4', 'P3',
         '2027-05-31', 'Voer de ontworpen interventie uit; de werkgever mag adviseren.'),
        ('P5', 'Paper 5: slotwerkstuk', '', 'final', 'SEM4', 'P5', '2027-06-30',
         'Reflecteer op het onderzoek (van vraagstelling tot resultaat) en op de interventie '
         '(van probleemstelling tot resultaat).')) AS v (code, title, context, kind, module,
                                                           outcome, due, description) LOOP
        PERFORM triad_assignment_create(v_prog, r.code, r.title, r.description,
                                        (SELECT id FROM module WHERE programme_id = v_prog
                                                                 AND code = r.module),
                                        NULL, r.context, r.kind, r.due, ARRAY[r.outcome], 0);
    END LOOP;

    -- The participants tailor paper 1 and hand in their work.
    IF v_annelies IS NOT NULL THEN
        PERFORM pg_temp.demo_as('hva', 'annelies.anekdote@sg-denkbeeldig.example', false);
        PERFORM triad_assignment_tailor('MPM/P1', v_annelies, v_school,
            'Hoe vergroot formatieve feedback de betrokkenheid van mijn tweedeklassers bij '
            'wiskunde?', (SELECT person_id::text FROM enrollment WHERE id = v_annelies), 0);
        PERFORM triad_submission_add('MPM/P1', v_annelies, 'Eerste versie',
            'Inleiding, probleemstelling en de opzet van mijn onderzoek in klas 2B.',
            (SELECT person_id::text FROM enrollment WHERE id = v_annelies), 0);
        PERFORM triad_submission_add('MPM/P1', v_annelies, 'Tweede versie, na feedback',
            'Probleemstelling aangescherpt; resultaten van drie lessencycli en een onderbouwde '
            'verbetering voor de sectie.',
            (SELECT person_id::text FROM enrollment WHERE id = v_annelies), 0);
        PERFORM triad_submission_add('MPM/P2', v_annelies, 'Paper 2',
            'Hoe leert onze sectie wiskunde? Een analyse met collega''s en een ontwerp.',
            (SELECT person_id::text FROM enrollment WHERE id = v_annelies), 0);
    END IF;
    IF v_daphne IS NOT NULL THEN
        PERFORM pg_temp.demo_as('hva', 'daphne.droomschool@sg-denkbeeldig.example', false);
        PERFORM triad_assignment_tailor('MPM/P1', v_daphne, v_school,
            'Wat leren mijn leerlingen van peer-feedback bij het schrijven van betogen?',
            (SELECT person_id::text FROM enrollment WHERE id = v_daphne), 0);
        PERFORM triad_submission_add('MPM/P1', v_daphne, 'Paper 1',
            'Peer-feedback in havo 4: opzet, uitvoering en wat het de leerlingen opleverde.',
            (SELECT person_id::text FROM enrollment WHERE id = v_daphne), 0);
    END IF;
    IF v_kim IS NOT NULL THEN
        PERFORM pg_temp.demo_as('hva', 'kim.kennisrijk@mbo-fictief.example', false);
        PERFORM triad_assignment_tailor('MPM/P1', v_kim, v_mbo,
            'Hoe kan de opleiding beter?',
            (SELECT person_id::text FROM enrollment WHERE id = v_kim), 0);
    END IF;

    -- Hanna approves and returns the questions, and assesses paper 1.
    PERFORM pg_temp.demo_as('hva', 'hanna.toetsvast@hva.example', true);
    IF v_annelies IS NOT NULL THEN
        PERFORM triad_assignment_decide('MPM/P1', v_annelies, true, 'Een scherpe vraag.', 0);
        PERFORM triad_assessment_record('MPM/P1', v_annelies, ARRAY['P1=good'],
            'Een zorgvuldig opgezet onderzoek in de eigen klas; de verbetering is goed '
            'onderbouwd met de resultaten van drie lessencycli.',
            ARRAY['submission:1', 'submission'],
            (SELECT id::text FROM person WHERE email = 'hanna.toetsvast@hva.example'), 0);
        PERFORM triad_assessment_release('MPM/P1', v_annelies, 0);
        PERFORM triad_assessment_record('MPM/P2', v_annelies, ARRAY['P2=sufficient'],
            'De analyse van de sectie is helder; het ontwerp kan concreter.',
            ARRAY['submission'],
            (SELECT id::text FROM person WHERE email = 'hanna.toetsvast@hva.example'), 0);
    END IF;
    IF v_daphne IS NOT NULL THEN
        PERFORM triad_assignment_decide('MPM/P1', v_daphne, true, '', 0);
        PERFORM triad_assessment_record('MPM/P1', v_daphne, ARRAY['P1=sufficient'],
            'Voldoende: de opzet is goed, de conclusies zijn nog voorzichtig onderbouwd.',
            ARRAY['submission'],
            (SELECT id::text FROM person WHERE email = 'hanna.toetsvast@hva.example'), 0);
        PERFORM triad_assessment_release('MPM/P1', v_daphne, 0);
    END IF;
    IF v_kim IS NOT NULL THEN
        PERFORM triad_assignment_decide('MPM/P1', v_kim, false,
            'Maak de vraag concreet voor je eigen lessen: welke leerlingen, welk leren?', 0);
    END IF;
END
$$;

SELECT pg_temp.demo_hva();

-- ---- Metropool 23: one who completes, one who misses verified hours ----

CREATE FUNCTION pg_temp.demo_metropool23() RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_prog uuid;
    v_cohort uuid;
    v_run uuid;
    v_session uuid;
    v_enrollment uuid;
    v_conv uuid;
    v_n integer;
    v_day date;
    m record;
    p record;
    v_staff text[] := ARRAY['anne.devries@nsob.example'];
BEGIN
    PERFORM pg_temp.demo_as('nsob', 'anne.devries@nsob.example', true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = triad_tenant() AND code = 'METROPOOL';
    IF v_prog IS NULL OR EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog
                                                        AND name = 'Metropool 23') THEN
        RETURN;
    END IF;
    SELECT id INTO v_cohort FROM triad_cohort_create(v_prog, 'Metropool 23', '2025-01-13',
                                                     '2026-06-30', 0);
    FOR p IN SELECT * FROM (VALUES ('fleur.afgerond@denkbeeldig.example', 20),
                                   ('gijs.urentekort@denkbeeldig.example', 19)) AS v (email, days) LOOP
        PERFORM pg_temp.demo_as('nsob', 'anne.devries@nsob.example', true);
        SELECT id INTO v_enrollment
          FROM triad_enroll((SELECT id FROM person WHERE email = p.email), v_cohort, NULL,
                            (SELECT id FROM organisation WHERE name = 'Gemeente Denkbeeldig'),
                            8, NULL, 0);
        SELECT id INTO v_conv FROM triad_conversation_plan(v_enrollment, 'intake',
                                                           '2024-11-20 10:00', v_staff, '', true,
                                                           NULL, 0);
        PERFORM triad_conversation_record(v_conv::text, 'Motivatie en leerwensen besproken.',
                                          NULL, true, NULL, 0);
        PERFORM triad_enrollment_transition(v_enrollment, 'intake_planned', 0);
        PERFORM triad_enrollment_transition(v_enrollment, 'admitted', 0);
        PERFORM triad_enrollment_transition(v_enrollment, 'active', 0);
    END LOOP;

    -- Every module given once, in 2025, with one module day attended by both.
    v_n := 0;
    FOR m IN SELECT id, code FROM module WHERE programme_id = v_prog ORDER BY sequence LOOP
        v_n := v_n + 1;
        SELECT id INTO v_run FROM triad_run_create(m.id, v_cohort, NULL,
                                                   ('2025-01-13'::date + 56 * (v_n - 1))::text,
                                                   ('2025-01-14'::date + 56 * (v_n - 1))::text, 0);
        SELECT id INTO v_session FROM triad_session_create(v_run,
            (('2025-01-13'::date + 56 * (v_n - 1))::text || 'T09:30:00+01:00'), 'Moduledag', true, 0);
        FOR p IN SELECT e.id, pe.email, pe.id AS person FROM enrollment e
                   JOIN person pe ON pe.id = e.person_id WHERE e.cohort_id = v_cohort LOOP
            PERFORM pg_temp.demo_as('nsob', 'anne.devries@nsob.example', true);
            PERFORM triad_attendance_record(v_session, p.id, 'present', 0);
            -- Her logbook chapter of the module.
            PERFORM set_config('triad.staff', 'false', true);
            PERFORM set_config('triad.principal_id', '', true);
            PERFORM set_config('triad.person_id', p.person::text, true);
            PERFORM triad_chapter_save(p.id, m.id,
                format('Wat module %s mij leerde over de stad en over mezelf.', m.code),
                p.person::text, 0);
            PERFORM triad_chapter_submit(p.id, m.id, p.person::text, 0);
        END LOOP;
    END LOOP;

    -- Two development conversations and the final conversation, held.
    FOR p IN SELECT e.id FROM enrollment e WHERE e.cohort_id = v_cohort LOOP
        PERFORM pg_temp.demo_as('nsob', 'anne.devries@nsob.example', true);
        FOR v_n IN 1..3 LOOP
            SELECT id INTO v_conv FROM triad_conversation_plan(p.id,
                CASE WHEN v_n < 3 THEN 'development' ELSE 'final' END,
                (ARRAY['2025-05-12 10:00', '2025-10-13 10:00', '2026-02-16 10:00'])[v_n],
                v_staff, '', true, NULL, 0);
            PERFORM triad_conversation_record(v_conv::text,
                CASE WHEN v_n < 3 THEN 'Inzichten uit de modules en persoonlijke ontwikkeling '
                                       'besproken.'
                     ELSE 'Stageverslag en persoonlijk ontwikkelplan besproken.' END,
                NULL, true, NULL, 0);
        END LOOP;
    END LOOP;

    -- The internship at Gemeente Maastricht, four weeks in March 2026: Fleur
    -- has 20 days of 8 hours verified, Gijs 19 (152 hours).
    FOR p IN SELECT e.id, pe.email, pe.id AS person, v.days FROM enrollment e
               JOIN person pe ON pe.id = e.person_id
               JOIN (VALUES ('fleur.afgerond@denkbeeldig.example', 20),
                            ('gijs.urentekort@denkbeeldig.example', 19)) AS v (email, days)
                 ON v.email = pe.email
              WHERE e.cohort_id = v_cohort LOOP
        PERFORM pg_temp.demo_as('nsob', 'anne.devries@nsob.example', true);
        PERFORM triad_placement_create(p.id, (SELECT id FROM organisation
                                               WHERE name = 'Gemeente Maastricht'),
                                       (SELECT id FROM person
                                         WHERE email = 'stella.stagebegeleider@maastricht.example'),
                                       '2026-03-02', '2026-03-27', 0);
        PERFORM set_config('triad.staff', 'false', true);
        PERFORM set_config('triad.principal_id', '', true);
        PERFORM set_config('triad.person_id', p.person::text, true);
        PERFORM triad_placement_plan_write('Buiten mijn eigen stad leren hoe een grensregio '
                                           'samenwerkt.',
                                           'Hoe werkt Maastricht samen met Aken en Luik aan '
                                           'werkgelegenheid?', p.person::text, 0);
        v_n := 0;
        FOR v_day IN SELECT d::date FROM generate_series('2026-03-02'::date, '2026-03-27'::date,
                                                          interval '1 day') d
                      WHERE extract(isodow FROM d) < 6 LOOP
            v_n := v_n + 1;
            EXIT WHEN v_n > p.days;
            PERFORM triad_hours_log(v_day::text, 8, 'Onderzoek bij de afdeling Euregio',
                                    p.person::text, 0);
        END LOOP;
        PERFORM triad_hours_submit('{}', p.person::text, 0);
        PERFORM set_config('triad.person_id',
                           (SELECT id::text FROM person
                             WHERE email = 'stella.stagebegeleider@maastricht.example'), true);
        FOR v_day IN SELECT h.day FROM hours_entry h JOIN placement pl ON pl.id = h.placement_id
                      WHERE pl.enrollment_id = p.id ORDER BY h.day LOOP
            PERFORM triad_hours_decide(p.email, v_day::text, true, '',
                                       (SELECT id::text FROM person
                                         WHERE email = 'stella.stagebegeleider@maastricht.example'),
                                       0);
        END LOOP;
    END LOOP;

    -- Fleur meets every rule and completes; Gijs stays active.
    PERFORM pg_temp.demo_as('nsob', 'anne.devries@nsob.example', true);
    PERFORM triad_enrollment_transition(pg_temp.demo_enrollment('nsob',
                                            'fleur.afgerond@denkbeeldig.example'),
                                        'completed', 0);
END
$$;

SELECT pg_temp.demo_metropool23();
