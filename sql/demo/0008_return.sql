-- Demo data, part 8: the return ('rendement') of Fontys' Master in Zorg
-- (seed 003: "when do we speak of return in flexible education, seen from
-- the triangle of student, programme and work field?"). Enough history for
-- `triad --institution fontys report return --programme MiZ` to answer:
--
--   * cohort "MiZ 2024" (September 2024, nominal 24 months): seven care
--     professionals. Validated prior learning shortened the routes of two
--     (Anouk: LU2; Carmen: LU1 and LU4); five completed, one late; one
--     withdrew; one is still finishing. The five alumni stay involved:
--     Carmen coaches a student, presents her work and is an ambassador
--     for the zorggroep, Anouk coaches a student;
--   * cohort "MiZ 2025": seven participants of the three employers, in
--     their second year, with their practice coaches' feedback every month
--     (a request answered late, one not at all) and one validated claim;
--   * the employers' side: an agreement with the hospital next to the
--     zorggroep's and the network's (0004), and consents: eight of the
--     zorggroep's nine participants let it see their progress, only three of
--     the hospital's, which is too few to show (suppressed);
--   * the practice-coach meeting with its low turnout the seed mentions,
--     and Carmen's alumni presentation;
--   * attendance at the first sessions of MiZ 2026's module LEI.
--
-- Everything goes through the functions, in the tenant set here; dates that
-- lie in the past are set afterwards (completion, feedback, requests,
-- events), as in 0005. Loaded by the quick start as the schema owner after
-- 0001..0007; safe to load twice (nothing is added once cohort "MiZ 2024"
-- exists).

CREATE TEMP TABLE demo_miz (
    cohort   text NOT NULL,
    seq      int NOT NULL,
    name     text NOT NULL,
    domain   text NOT NULL,
    employer text NOT NULL,
    hours    numeric NOT NULL,
    status   text NOT NULL,        -- where the enrollment ends up
    ended    date,                 -- when it completed or withdrew
    modules  text[] NOT NULL,      -- the modules completed
    validated text[] NOT NULL,     -- learning outcomes validated
    consent  text NOT NULL,        -- the level granted to the employer
    email    text GENERATED ALWAYS AS
             (lower(replace(name, ' ', '.')) || '@' || domain) STORED
);
INSERT INTO demo_miz (cohort, seq, name, domain, employer, hours, status, ended, modules,
                      validated, consent) VALUES
    ('MiZ 2024', 1, 'Anouk Aanpakker', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 6,
     'completed', '2026-06-30', '{LEI,INN,SAM,AFS}', '{LU2}', 'progress'),
    ('MiZ 2024', 2, 'Bart Bijscholer', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 4,
     'completed', '2026-08-28', '{LEI,ONZ,INN,SAM,AFS}', '{}', 'full'),
    ('MiZ 2024', 3, 'Carmen Casuistiek', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 6,
     'completed', '2026-03-27', '{ONZ,INN,AFS}', '{LU1,LU4}', 'progress'),
    ('MiZ 2024', 4, 'Daan Diagnose', 'nergenshuizen.example', 'Ziekenhuis Nergenshuizen', 8,
     'completed', '2026-08-28', '{LEI,ONZ,INN,SAM,AFS}', '{}', 'full'),
    ('MiZ 2024', 5, 'Eva Evidence', 'nergenshuizen.example', 'Ziekenhuis Nergenshuizen', 6,
     'completed', '2026-11-27', '{LEI,ONZ,INN,SAM,AFS}', '{}', 'none'),
    ('MiZ 2024', 6, 'Floor Flexibel', 'verzonnenzorg.example', 'Thuiszorg Verzonnen Zorg', 4,
     'withdrawn', '2025-06-30', '{LEI}', '{}', 'none'),
    ('MiZ 2024', 7, 'Gijs Gestaag', 'nergensbuurt.example', 'Wijkverpleging Nergensbuurt', 4,
     'active', NULL, '{LEI,ONZ,INN}', '{}', 'none'),
    ('MiZ 2025', 1, 'Hanna Herstel', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 6,
     'active', NULL, '{LEI}', '{}', 'progress'),
    ('MiZ 2025', 2, 'Ivo Interventie', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 4,
     'active', NULL, '{LEI}', '{}', 'full'),
    ('MiZ 2025', 3, 'Jet Juistezorg', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 4,
     'active', NULL, '{LEI}', '{}', 'progress'),
    ('MiZ 2025', 4, 'Koen Kwaliteit', 'nergenshuizen.example', 'Ziekenhuis Nergenshuizen', 8,
     'active', NULL, '{LEI}', '{LU2}', 'progress'),
    ('MiZ 2025', 5, 'Lies Leiderschap', 'nergenshuizen.example', 'Ziekenhuis Nergenshuizen', 6,
     'active', NULL, '{LEI}', '{}', 'none'),
    ('MiZ 2025', 6, 'Mo Mantelzorger', 'verzonnenzorg.example', 'Thuiszorg Verzonnen Zorg', 4,
     'active', NULL, '{LEI}', '{}', 'none'),
    ('MiZ 2025', 7, 'Noor Nachtdienst', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 4,
     'active', NULL, '{LEI}', '{}', 'none');

-- MiZ 2026's participants (0002) and their consents.
CREATE TEMP TABLE demo_miz_consent (email text, consent text);
INSERT INTO demo_miz_consent VALUES
    ('rachid.reflectief@zorggroep-denkbeeldig.example', 'progress'),
    ('dewi.dagdroom@zorggroep-denkbeeldig.example', 'full'),
    ('ilse.inbeelding@nergenshuizen.example', 'progress'),
    ('henk.hoopvol@nergenshuizen.example', 'none'),
    ('mieke.mantelzorg@verzonnenzorg.example', 'none');

INSERT INTO organisation (name, kind)
SELECT 'Wijkverpleging Nergensbuurt', 'care_provider'
 WHERE NOT EXISTS (SELECT 1 FROM organisation WHERE name = 'Wijkverpleging Nergensbuurt');

INSERT INTO person (name, email)
SELECT name, email FROM demo_miz ORDER BY cohort, seq
ON CONFLICT ((lower(email))) DO NOTHING;

INSERT INTO member (institution_id, person_id)
SELECT i.id, p.id
  FROM demo_miz d JOIN institution i ON i.slug = 'fontys'
  JOIN person p ON lower(p.email) = d.email
ON CONFLICT DO NOTHING;

CREATE FUNCTION pg_temp.miz_person(p_email text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT id FROM person WHERE lower(email) = lower(p_email) $$;

CREATE FUNCTION pg_temp.miz_org(p_name text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT id FROM organisation WHERE name = p_name ORDER BY created_at, id LIMIT 1 $$;

-- The latest enrollment of a person in MiZ.
CREATE FUNCTION pg_temp.miz_enrollment(p_email text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT e.id FROM enrollment e JOIN cohort c ON c.id = e.cohort_id
      JOIN programme p ON p.id = c.programme_id AND p.code = 'MiZ'
     WHERE e.institution_id = triad_tenant() AND e.person_id = pg_temp.miz_person(p_email)
     ORDER BY e.arrival DESC LIMIT 1
$$;

-- The relation of a coach with a participant.
CREATE FUNCTION pg_temp.miz_relation(p_participant text, p_coach text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT r.id FROM coaching_relation r
     WHERE r.enrollment_id = pg_temp.miz_enrollment(p_participant)
       AND r.coach_person_id = pg_temp.miz_person(p_coach)
$$;

DO $$
DECLARE
    steps constant text[] := ARRAY['intake_planned', 'admitted', 'active'];
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'fontys');
    v_prog uuid;
    v_cohort uuid;
    v_assessor text;
    v_id uuid;
    v_claim uuid;
    v_event uuid;
    v_rel uuid;
    v_fb uuid;
    v_req uuid;
    v_month date;
    v_run uuid;
    r record;
    co record;
    m text;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    PERFORM set_config('triad.principal_id', '', true);
    PERFORM set_config('triad.staff', 'true', true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'MiZ';
    IF EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog AND name = 'MiZ 2024') THEN
        RETURN;
    END IF;
    SELECT id::text INTO v_assessor FROM person WHERE email = 'bea.beoordeel@fontys-toets.example';

    -- ---- the assignments: one per module, assessing its learning outcome ----
    PERFORM triad_assignment_create(v_prog, m.code, 'Praktijkopdracht ' || m.name,
                                    'Een opdracht in de eigen zorgpraktijk die de leeruitkomst '
                                    || 'van de module aantoont.', m.id, NULL, '', 'assignment',
                                    NULL, ARRAY[x.outcome], 0)
       FROM (VALUES ('LEI', 'LU1'), ('ONZ', 'LU2'), ('INN', 'LU3'), ('SAM', 'LU4'),
                    ('AFS', 'LU5')) AS x (code, outcome)
       JOIN module m ON m.programme_id = v_prog AND m.code = x.code;

    -- ---- the cohorts, their runs, the participants ----
    FOR co IN SELECT * FROM (VALUES
        ('MiZ 2024', '2024-09-01', '2026-08-31'), ('MiZ 2025', '2025-09-01', '2027-08-31')
        ) AS v (name, starts, ends) LOOP
        SELECT id INTO v_cohort FROM triad_cohort_create(v_prog, co.name, co.starts, co.ends, 0);
        IF co.name = 'MiZ 2024' THEN
            PERFORM triad_run_create(m.id, v_cohort, 25, x.starts, x.ends, 0)
               FROM (VALUES ('LEI', '2024-09-01', '2025-01-31'), ('ONZ', '2025-02-01', '2025-06-30'),
                            ('INN', '2025-09-01', '2025-12-19'), ('SAM', '2026-01-05', '2026-03-27'),
                            ('AFS', '2026-02-02', '2026-08-28')) AS x (code, starts, ends)
               JOIN module m ON m.programme_id = v_prog AND m.code = x.code;
        ELSE
            PERFORM triad_run_create(m.id, v_cohort, 25, x.starts, x.ends, 0)
               FROM (VALUES ('LEI', '2025-09-01', '2026-01-30'), ('ONZ', '2026-02-02', '2026-06-30'))
                    AS x (code, starts, ends)
               JOIN module m ON m.programme_id = v_prog AND m.code = x.code;
        END IF;
        FOR r IN SELECT d.*, pg_temp.miz_person(d.email) AS person
                   FROM demo_miz d WHERE d.cohort = co.name ORDER BY d.seq LOOP
            SELECT e.id INTO v_id
              FROM triad_enroll(r.person, v_cohort, NULL, pg_temp.miz_org(r.employer), r.hours, '',
                                0) e;
            FOREACH m IN ARRAY steps LOOP
                PERFORM triad_enrollment_transition(v_id, m, 0);
            END LOOP;
            FOREACH m IN ARRAY r.modules LOOP
                PERFORM triad_module_complete(v_id, (SELECT id FROM module
                                                      WHERE programme_id = v_prog AND code = m), 0);
                -- The module's assignment, assessed by Bea and released. Three
                -- did not pass at first (a mark below 5.5) and passed the
                -- resit, recorded as a correction.
                PERFORM triad_submission_add('MiZ/' || m, v_id, 'Praktijkopdracht ' || m,
                           'Verslag van de opdracht in de eigen zorgpraktijk.', r.person::text, 0);
                PERFORM triad_assessment_record('MiZ/' || m, v_id,
                           ARRAY[(SELECT o.code FROM learning_outcome o
                                    JOIN assignment_outcome ao ON ao.outcome_id = o.id
                                    JOIN assignment a ON a.id = ao.assignment_id
                                   WHERE a.programme_id = v_prog AND a.code = m)
                                 || '=' || CASE WHEN (r.seq, r.cohort, m) IN
                                                     ((2, 'MiZ 2024', 'ONZ'), (7, 'MiZ 2024', 'INN'),
                                                      (5, 'MiZ 2025', 'LEI'))
                                                THEN '5' ELSE '7' END],
                           'De opdracht is beoordeeld op de leeruitkomst van de module.',
                           ARRAY['submission'], v_assessor, 0);
                PERFORM triad_assessment_release('MiZ/' || m, v_id, 0);
                IF (r.seq, r.cohort, m) IN ((2, 'MiZ 2024', 'ONZ'), (7, 'MiZ 2024', 'INN'),
                                            (5, 'MiZ 2025', 'LEI')) THEN
                    PERFORM triad_assessment_correct('MiZ/' || m, v_id,
                               (SELECT o.code FROM learning_outcome o
                                  JOIN assignment_outcome ao ON ao.outcome_id = o.id
                                  JOIN assignment a ON a.id = ao.assignment_id
                                 WHERE a.programme_id = v_prog AND a.code = m),
                               '6.5', 'Herkansing voldoende.', 0);
                END IF;
            END LOOP;
            -- Validation of prior learning, decided by the assessor.
            FOREACH m IN ARRAY r.validated LOOP
                SELECT c.id INTO v_claim
                  FROM triad_claim_create(r.person::text,
                                          (SELECT id FROM learning_outcome
                                            WHERE programme_id = v_prog AND code = m),
                                          'Portfolio met bewijs uit de eigen zorgpraktijk, '
                                          || 'verklaring van de leidinggevende en een '
                                          || 'criteriumgericht interview.', 0) c;
                PERFORM triad_claim_decide(v_claim, true,
                                           'De leeruitkomst is op masterniveau aangetoond.',
                                           v_assessor, 0);
            END LOOP;
            IF r.status IN ('completed', 'withdrawn') THEN
                PERFORM triad_enrollment_transition(v_id, r.status, 0);
                -- When it happened.
                UPDATE enrollment SET updated_at = r.ended + time '12:00' WHERE id = v_id;
            END IF;
            IF r.consent <> 'none' THEN
                PERFORM triad_consent_set(v_id, pg_temp.miz_org(r.employer), r.consent,
                                          r.person::text, 0);
            END IF;
        END LOOP;
    END LOOP;
    FOR r IN SELECT c.*, pg_temp.miz_enrollment(c.email) AS enrollment FROM demo_miz_consent c LOOP
        IF r.consent <> 'none' THEN
            PERFORM triad_consent_set(r.enrollment,
                                      (SELECT employer_id FROM enrollment WHERE id = r.enrollment),
                                      r.consent, pg_temp.miz_person(r.email)::text, 0);
        END IF;
    END LOOP;

    -- ---- the hospital commits hours too ----
    PERFORM triad_agreement_create(pg_temp.miz_org('Ziekenhuis Nergenshuizen'),
                                   'professional_workplace', '2025-09-01', '', 6, 1, 0,
                                   ARRAY['Praktijkopleider verpleegkunde (fictief)'], '{}', '{}', 0);

    -- ---- practice coaches and their feedback ----
    -- Petra coaches the hospital's participants, Cor the zorggroep's; two
    -- alumnae of MiZ 2024 coach a student of their own organisation.
    FOR r IN SELECT * FROM (VALUES
        ('koen.kwaliteit@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', 'workplace_coach', '2025-09-15'),
        ('lies.leiderschap@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', 'workplace_coach', '2025-09-15'),
        ('hanna.herstel@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', 'workplace_coach', '2025-09-15'),
        ('ivo.interventie@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', 'workplace_coach', '2025-09-15'),
        ('jet.juistezorg@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', 'workplace_coach', '2025-09-15'),
        ('ilse.inbeelding@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', 'workplace_coach', '2026-09-15'),
        ('henk.hoopvol@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', 'workplace_coach', '2026-09-15'),
        ('rachid.reflectief@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', 'workplace_coach', '2026-09-15'),
        ('dewi.dagdroom@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', 'workplace_coach', '2026-09-15'),
        ('dewi.dagdroom@zorggroep-denkbeeldig.example', 'carmen.casuistiek@zorggroep-denkbeeldig.example', 'alumni_coach', '2026-10-01'),
        ('jet.juistezorg@zorggroep-denkbeeldig.example', 'anouk.aanpakker@zorggroep-denkbeeldig.example', 'alumni_coach', '2026-10-01')
        ) AS v (participant, coach, kind, starts) LOOP
        PERFORM triad_relation_create(pg_temp.miz_enrollment(r.participant),
                                      pg_temp.miz_person(r.coach), r.kind, r.starts, '', 'active',
                                      NULL, 0);
    END LOOP;

    -- Feedback once a month from October 2025 to November 2026 for the
    -- five of MiZ 2025 with a practice coach, in October and November
    -- 2026 for the four of MiZ 2026, and in September 2025 for two only
    -- (a month with too few persons to show).
    FOR r IN SELECT x.participant, x.coach, mo::date AS month
               FROM (VALUES
                 ('koen.kwaliteit@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', '2025-10-01', '2026-11-01'),
                 ('lies.leiderschap@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', '2025-10-01', '2026-11-01'),
                 ('hanna.herstel@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2025-09-01', '2026-11-01'),
                 ('ivo.interventie@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2025-10-01', '2026-11-01'),
                 ('jet.juistezorg@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2025-10-01', '2026-11-01'),
                 ('koen.kwaliteit@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', '2025-09-01', '2025-09-01'),
                 ('ilse.inbeelding@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', '2026-10-01', '2026-11-01'),
                 ('henk.hoopvol@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', '2026-10-01', '2026-11-01'),
                 ('rachid.reflectief@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2026-10-01', '2026-11-01'),
                 ('dewi.dagdroom@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2026-10-01', '2026-11-01')
                 ) AS x (participant, coach, first, last)
              CROSS JOIN LATERAL generate_series(x.first::date, x.last::date, interval '1 month') mo
              ORDER BY 3, 1 LOOP
        v_rel := pg_temp.miz_relation(r.participant, r.coach);
        SELECT f.id INTO v_fb
          FROM triad_feedback_give(v_rel,
                   'Teamoverleg op de afdeling, ' || to_char(r.month, 'YYYY-MM') || '.',
                   'Je bracht een casus in en vroeg collega''s eerst naar hun waarneming.',
                   'Het team koos samen een aanpak in plaats van de gebruikelijke routine.',
                   'Maak de volgende keer zichtbaar wat de cliënt ervan merkt.',
                   NULL, NULL, NULL, pg_temp.miz_person(r.coach)::text, 0) f;
        UPDATE feedback SET created_at = r.month + interval '14 days 10 hours' WHERE id = v_fb;
    END LOOP;

    -- Requests with a due date: four answered in time, one late, one not
    -- at all (its due date has passed).
    FOR r IN SELECT * FROM (VALUES
        ('hanna.herstel@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2026-03-01', '2026-02-20'),
        ('hanna.herstel@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2026-06-01', '2026-06-10'),
        ('koen.kwaliteit@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', '2026-05-01', '2026-04-28'),
        ('ivo.interventie@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2026-10-01', NULL),
        ('jet.juistezorg@zorggroep-denkbeeldig.example', 'cor.coachvast@zorggroep-denkbeeldig.example', '2026-09-15', '2026-09-10'),
        ('lies.leiderschap@nergenshuizen.example', 'petra.praktijkmans@nergenshuizen.example', '2026-11-01', '2026-10-30')
        ) AS v (participant, coach, due, answered) LOOP
        v_rel := pg_temp.miz_relation(r.participant, r.coach);
        SELECT q.id INTO v_req
          FROM triad_feedback_request_create(v_rel, NULL, NULL, 'Praktijkopdracht',
                   'Hoe kom ik over als ik een verbetervoorstel in het team breng?',
                   (current_date + 14)::text, pg_temp.miz_person(r.participant)::text, 0) q;
        UPDATE feedback_request SET due_on = r.due::date, created_at = r.due::date - 21
         WHERE id = v_req;
        IF r.answered IS NOT NULL THEN
            SELECT f.id INTO v_fb
              FROM triad_feedback_give(v_rel, 'Werkoverleg waarin je je voorstel presenteerde.',
                       'Je onderbouwde het voorstel met cijfers uit de eigen afdeling.',
                       'Collega''s stelden vragen in plaats van bezwaren.', '',
                       NULL, NULL, v_req, pg_temp.miz_person(r.coach)::text, 0) f;
            UPDATE feedback SET created_at = r.answered::date + time '16:00' WHERE id = v_fb;
            UPDATE feedback_request SET answered_at = r.answered::date + time '16:00'
             WHERE id = v_req;
        END IF;
    END LOOP;

    -- ---- attendance at MiZ 2026's first sessions of LEI ----
    v_run := (SELECT mr.id FROM module_run mr JOIN cohort c ON c.id = mr.cohort_id
                JOIN module m ON m.id = mr.module_id
               WHERE c.programme_id = v_prog AND c.name = 'MiZ 2026' AND m.code = 'LEI');
    FOR r IN SELECT * FROM (VALUES
        ('2026-09-14T13:30:00+02:00', 'Leiderschap: de eigen stijl in het team'),
        ('2026-10-12T13:30:00+02:00', 'Leiderschap: richting geven aan verbetering')) AS v (at, title) LOOP
        SELECT s.id INTO v_id FROM triad_session_create(v_run, r.at, r.title, true, 0) s;
        PERFORM triad_attendance_record(v_id, e.id,
                   CASE WHEN p.email = 'henk.hoopvol@nergenshuizen.example'
                             AND r.at LIKE '2026-10%' THEN 'absent'
                        WHEN p.email = 'mieke.mantelzorg@verzonnenzorg.example'
                             AND r.at LIKE '2026-09%' THEN 'excused'
                        ELSE 'present' END, 0)
           FROM enrollment e JOIN person p ON p.id = e.person_id
          WHERE e.cohort_id = (SELECT cohort_id FROM module_run WHERE id = v_run)
          ORDER BY e.arrival;
    END LOOP;

    -- ---- events: the practice coaches' meeting, an alumni presentation ----
    -- Seed 003: meetings for practice coaches drew little interest.
    SELECT id INTO v_event
      FROM triad_event_create('practice_coach_meeting', 'Praktijkcoachbijeenkomst leiderschap',
               'Praktijkcoaches en studenten over het thema leiderschap in de zorgpraktijk.',
               NULL, v_prog, to_char(current_date + 1, 'YYYY-MM-DD') || ' 15:00',
               'Fontys, Eindhoven', 30, NULL, 'Leiderschap op de werkvloer', false, 0);
    PERFORM triad_event_register(v_event, pg_temp.miz_person(x.email), '', 0)
       FROM (VALUES (1, 'petra.praktijkmans@nergenshuizen.example'),
                    (2, 'cor.coachvast@zorggroep-denkbeeldig.example'),
                    (3, 'hanna.herstel@zorggroep-denkbeeldig.example'),
                    (4, 'koen.kwaliteit@nergenshuizen.example'),
                    (5, 'ivo.interventie@zorggroep-denkbeeldig.example'),
                    (6, 'jet.juistezorg@zorggroep-denkbeeldig.example'),
                    (7, 'lies.leiderschap@nergenshuizen.example'),
                    (8, 'mo.mantelzorger@verzonnenzorg.example')) AS x (seq, email)
      ORDER BY x.seq;
    UPDATE event SET starts_at = '2026-03-12 15:00+01' WHERE id = v_event;
    PERFORM triad_event_attendance(x.id,
               CASE WHEN p.email IN ('petra.praktijkmans@nergenshuizen.example',
                                     'cor.coachvast@zorggroep-denkbeeldig.example',
                                     'hanna.herstel@zorggroep-denkbeeldig.example')
                    THEN 'present' ELSE 'absent' END, 0)
       FROM event_registration x JOIN person p ON p.id = x.person_id
      WHERE x.event_id = v_event ORDER BY x.arrival;

    -- Carmen, alumna, presents what her route through MiZ brought her team.
    SELECT id INTO v_event
      FROM triad_event_create('alumni_presentation', 'Alumnipresentatie: leiderschap zonder titel',
               'Carmen Casuistiek vertelt hoe haar interventie het leerklimaat van haar team '
               || 'veranderde.', NULL, v_prog, to_char(current_date + 1, 'YYYY-MM-DD') || ' 16:00',
               'Fontys, Eindhoven', 40, pg_temp.miz_person('carmen.casuistiek@zorggroep-denkbeeldig.example'),
               'Leiderschap zonder titel in de wijkzorg', false, 0);
    PERFORM triad_event_register(v_event, pg_temp.miz_person(x.email), '', 0)
       FROM (VALUES (1, 'ilse.inbeelding@nergenshuizen.example'),
                    (2, 'rachid.reflectief@zorggroep-denkbeeldig.example'),
                    (3, 'mieke.mantelzorg@verzonnenzorg.example'),
                    (4, 'dewi.dagdroom@zorggroep-denkbeeldig.example'),
                    (5, 'hanna.herstel@zorggroep-denkbeeldig.example'),
                    (6, 'ivo.interventie@zorggroep-denkbeeldig.example'),
                    (7, 'koen.kwaliteit@nergenshuizen.example')) AS x (seq, email)
      ORDER BY x.seq;
    UPDATE event SET starts_at = '2026-10-08 16:00+02' WHERE id = v_event;
    PERFORM triad_event_attendance(x.id,
               CASE WHEN p.email = 'mieke.mantelzorg@verzonnenzorg.example' THEN 'excused'
                    ELSE 'present' END, 0)
       FROM event_registration x JOIN person p ON p.id = x.person_id
      WHERE x.event_id = v_event ORDER BY x.arrival;

    -- Carmen speaks for the programme at the zorggroep.
    PERFORM triad_ambassador_create(pg_temp.miz_person('carmen.casuistiek@zorggroep-denkbeeldig.example'),
                                    v_prog, pg_temp.miz_org('Zorggroep Denkbeeldig'), 'alumnus',
                                    '2026-09-01', '', 0);
END
$$;

DROP FUNCTION pg_temp.miz_relation(text, text);
DROP FUNCTION pg_temp.miz_enrollment(text);
DROP FUNCTION pg_temp.miz_org(text);
DROP FUNCTION pg_temp.miz_person(text);
DROP TABLE demo_miz_consent;
DROP TABLE demo_miz;
