-- Demo data, part 5: alumni, the teachers' community of the HvA's Master
-- Professioneel Meesterschap, its events and its ambassadors (seed 002:
-- "a teachers' community that keeps in touch with students, alumni, the
-- work field and science, and organises activities such as symposia";
-- alumni who coach students; several students at the same school; seed
-- 003: executives and alumni as ambassadors).
--
--   * cohort "MPM 2023-2025": four teachers completed it and are alumni;
--     a fifth withdrew and is not one;
--   * the teachers' community (professional, lasting beyond the
--     programme) with alumni, participants and a workplace coach;
--   * two alumni coach students of their own school (alumni-coach
--     relations);
--   * a symposium that was full, with a waitlist and recorded attendance;
--   * an upcoming alumni presentation with topics suggested by a
--     participant, a coach and an alumnus, and a community meeting;
--   * an alumna and an executive as ambassadors, with their activities.
--
-- Everything goes through the functions of 0004_enrollment,
-- 0005_triangle, 0006_community and 0007_events, in the tenant set here;
-- dates that must lie in the past are set afterwards (registration closes
-- when an event begins, so the symposium is planned in the future,
-- filled, and then given its day in June 2026; the alumni completed in
-- July 2025). Upcoming events are planned relative to the day of loading.
-- Loaded by the quick start as the schema owner after 0001..0004; safe to
-- load twice.

-- ---- People ----

CREATE TEMP TABLE demo_hva (
    grp      text NOT NULL,
    seq      int NOT NULL,
    name     text NOT NULL,
    domain   text NOT NULL,
    employer text,
    status   text,
    email    text GENERATED ALWAYS AS
             (lower(replace(name, ' ', '.')) || '@' || domain) STORED
);
INSERT INTO demo_hva (grp, seq, name, domain, employer, status) VALUES
    -- MPM 2023-2025: teachers, two of them at the school of Annelies and Daphne.
    ('alumni', 1, 'Bregje Bedachtzaam', 'sg-denkbeeldig.example', 'Scholengemeenschap Denkbeeldig', 'completed'),
    ('alumni', 2, 'Hamid Hypothese', 'verzonnenvlinder.example', 'Basisschool De Verzonnen Vlinder', 'completed'),
    ('alumni', 3, 'Marit Mijmerveld', 'mbo-fictief.example', 'Mbo-college Fictief', 'completed'),
    ('alumni', 4, 'Olga Onderzoekzaam', 'sg-denkbeeldig.example', 'Scholengemeenschap Denkbeeldig', 'completed'),
    ('alumni', 5, 'Wim Weggegaan', 'verzonnenvlinder.example', 'Basisschool De Verzonnen Vlinder', 'withdrawn'),
    -- An executive of the mbo college, who speaks for the programme there.
    ('executive', 1, 'Erik Eindverantwoordelijk', 'mbo-fictief.example', 'Mbo-college Fictief', NULL);

INSERT INTO person (name, email)
SELECT name, email FROM demo_hva ORDER BY grp, seq
ON CONFLICT ((lower(email))) DO NOTHING;

-- The alumni are persons of the HvA; the executive becomes one when named
-- ambassador.
INSERT INTO member (institution_id, person_id)
SELECT i.id, p.id
  FROM demo_hva d
  JOIN institution i ON i.slug = 'hva'
  JOIN person p ON lower(p.email) = d.email
 WHERE d.grp = 'alumni'
ON CONFLICT DO NOTHING;

-- ---- Helpers (this session only) ----

-- The person with this e-mail address.
CREATE FUNCTION pg_temp.demo_person(p_email text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT id FROM person WHERE lower(email) = lower(p_email) $$;

-- The live enrollment of a person in the current tenant.
CREATE FUNCTION pg_temp.demo_enrollment(p_email text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT e.id FROM enrollment e
     WHERE e.institution_id = triad_tenant() AND e.person_id = pg_temp.demo_person(p_email)
       AND e.status <> 'withdrawn'
     ORDER BY e.arrival DESC LIMIT 1
$$;

-- An organisation by name (names are not unique: the oldest).
CREATE FUNCTION pg_temp.demo_org(p_name text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT id FROM organisation WHERE name = p_name ORDER BY created_at, id LIMIT 1 $$;

-- "YYYY-MM-DD HH:MM" (UTC) of the day p_days from today, at p_time.
CREATE FUNCTION pg_temp.demo_day(p_days int, p_time text) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT to_char((now() AT TIME ZONE 'UTC')::date + p_days, 'YYYY-MM-DD') || ' ' || p_time $$;

-- ---- HvA ----

DO $$
DECLARE
    steps constant text[] := ARRAY['intake_planned', 'admitted', 'active', 'completed'];
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'hva');
    v_prog uuid;
    v_cohort uuid;
    v_community uuid;
    v_event uuid;
    v_id uuid;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    PERFORM set_config('triad.principal_id', '', true);
    PERFORM set_config('triad.staff', 'true', true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'MPM';

    -- The alumni: enrolled, admitted, active, completed (one withdrew).
    IF NOT EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog AND name = 'MPM 2023-2025') THEN
        SELECT id INTO v_cohort
          FROM triad_cohort_create(v_prog, 'MPM 2023-2025', '2023-09-01', '2025-08-31', 0);
        FOR r IN SELECT d.*, pg_temp.demo_person(d.email) AS person
                   FROM demo_hva d WHERE d.grp = 'alumni' ORDER BY d.seq LOOP
            SELECT e.id INTO v_id
              FROM triad_enroll(r.person, v_cohort, NULL, pg_temp.demo_org(r.employer), 4, '', 0) e;
            FOR i IN 1 .. cardinality(steps) LOOP
                IF r.status = 'withdrawn' AND steps[i] = 'completed' THEN
                    PERFORM triad_enrollment_transition(v_id, 'withdrawn', 0);
                ELSE
                    PERFORM triad_enrollment_transition(v_id, steps[i], 0);
                END IF;
            END LOOP;
        END LOOP;
        -- They finished with paper 5 in July 2025.
        UPDATE enrollment SET updated_at = '2025-07-04 12:00+02'
         WHERE cohort_id = v_cohort AND status = 'completed';
    END IF;

    -- The teachers' community: it outlasts the programme.
    SELECT id INTO v_community FROM community
     WHERE institution_id = v_inst AND name = 'Teachers'' community MPM';
    IF v_community IS NULL THEN
        SELECT c.id INTO v_community
          FROM triad_community_create('Teachers'' community MPM',
                   'Doorontwikkeling van het geleerde in de opleiding en innovaties in het '
                   || 'onderwijsveld, met studenten, alumni, werkveld en wetenschap',
                   'professional', NULL, NULL, '2025-09-01', '', 0) c;
        FOR r IN SELECT pg_temp.demo_person(m.email) AS person, m.role, m.affiliation,
                        m.joined::date AS joined
                   FROM (VALUES
                     ('bregje.bedachtzaam@sg-denkbeeldig.example', 'facilitator', 'alumnus', '2025-09-01'),
                     ('hamid.hypothese@verzonnenvlinder.example', 'member', 'alumnus', '2025-09-01'),
                     ('marit.mijmerveld@mbo-fictief.example', 'member', 'alumnus', '2025-09-01'),
                     ('olga.onderzoekzaam@sg-denkbeeldig.example', 'member', 'alumnus', '2025-09-01'),
                     ('annelies.anekdote@sg-denkbeeldig.example', 'member', 'participant', '2026-09-15'),
                     ('kim.kennisrijk@mbo-fictief.example', 'member', 'participant', '2026-09-15'),
                     ('greet.gastvrij@sg-denkbeeldig.example', 'guest', 'workplace_coach', '2026-10-26')
                   ) AS m (email, role, affiliation, joined) LOOP
            PERFORM triad_community_member_add(v_community, r.person, r.role, r.affiliation,
                                               NULL, 0);
            -- They joined before the service knew them.
            UPDATE community_member SET joined_on = r.joined
             WHERE community_id = v_community AND person_id = r.person AND left_on IS NULL;
        END LOOP;
    END IF;

    -- Alumni coach students of their own school.
    FOR r IN SELECT pg_temp.demo_enrollment(v.student) AS enrollment,
                    pg_temp.demo_person(v.alumnus) AS coach
               FROM (VALUES
                 ('daphne.droomschool@sg-denkbeeldig.example', 'bregje.bedachtzaam@sg-denkbeeldig.example'),
                 ('youssef.zogezegd@verzonnenvlinder.example', 'hamid.hypothese@verzonnenvlinder.example')
                 ) AS v (student, alumnus) LOOP
        IF r.enrollment IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM coaching_relation x
                 WHERE x.enrollment_id = r.enrollment AND x.coach_person_id = r.coach) THEN
            PERFORM triad_relation_create(r.enrollment, r.coach, 'alumni_coach', '2026-10-01', '',
                                          'active', NULL, 0);
        END IF;
    END LOOP;

    -- The symposium: eight places, ten registrations; two waited in vain.
    IF NOT EXISTS (SELECT 1 FROM event WHERE institution_id = v_inst
                      AND title = 'Symposium Teacher leadership in de school') THEN
        SELECT id INTO v_event
          FROM triad_event_create('symposium', 'Symposium Teacher leadership in de school',
                   'Alumni, studenten en scholen laten zien wat interventies uit de master in de '
                   || 'school veranderden; met een keynote van de lector.',
                   NULL, v_prog, pg_temp.demo_day(1, '13:00'), 'Wibauthuis, Amsterdam', 8, NULL,
                   'Ondernemend, onderzoekend en inspirerend: teacher leadership in de praktijk',
                   false, 0);
        FOR r IN SELECT pg_temp.demo_person(v.email) AS person FROM (VALUES
            (1, 'bregje.bedachtzaam@sg-denkbeeldig.example'),
            (2, 'annelies.anekdote@sg-denkbeeldig.example'),
            (3, 'hamid.hypothese@verzonnenvlinder.example'),
            (4, 'daphne.droomschool@sg-denkbeeldig.example'),
            (5, 'youssef.zogezegd@verzonnenvlinder.example'),
            (6, 'marit.mijmerveld@mbo-fictief.example'),
            (7, 'kim.kennisrijk@mbo-fictief.example'),
            (8, 'olga.onderzoekzaam@sg-denkbeeldig.example'),
            (9, 'greet.gastvrij@sg-denkbeeldig.example'),
            (10, 'vera.vertrouwd@mbo-fictief.example')) AS v (seq, email)
            ORDER BY v.seq LOOP
            PERFORM triad_event_register(v_event, r.person, '', 0);
        END LOOP;
        -- The day came: 12 June 2026.
        UPDATE event SET starts_at = '2026-06-12 13:00+02' WHERE id = v_event;
        FOR r IN SELECT x.id, CASE WHEN p.email = 'youssef.zogezegd@verzonnenvlinder.example'
                                   THEN 'excused' ELSE 'present' END AS status
                   FROM event_registration x JOIN person p ON p.id = x.person_id
                  WHERE x.event_id = v_event AND x.placement = 'placed'
                  ORDER BY x.arrival LOOP
            PERFORM triad_event_attendance(r.id, r.status, 0);
        END LOOP;
    END IF;

    -- An alumni presentation ahead, with topics suggested beforehand by a
    -- participant, a coach and an alumnus.
    IF NOT EXISTS (SELECT 1 FROM event WHERE institution_id = v_inst
                      AND kind = 'alumni_presentation') THEN
        SELECT id INTO v_event
          FROM triad_event_create('alumni_presentation', 'Alumnipresentatie: onderzoekend leren in groep 7 en 8',
                   'Hamid Hypothese vertelt wat zijn interventie twee jaar na de master nog oplevert.',
                   NULL, v_prog, pg_temp.demo_day(45, '16:00'), 'HvA, Kohnstammhuis', 30,
                   pg_temp.demo_person('hamid.hypothese@verzonnenvlinder.example'),
                   'Onderzoekend leren in groep 7 en 8: wat een interventie na twee jaar nog oplevert',
                   false, 0);
        FOR r IN SELECT pg_temp.demo_person(v.email) AS person FROM (VALUES
            (1, 'youssef.zogezegd@verzonnenvlinder.example'),
            (2, 'annelies.anekdote@sg-denkbeeldig.example'),
            (3, 'ruud.rolmodel@mbo-fictief.example')) AS v (seq, email)
            ORDER BY v.seq LOOP
            PERFORM triad_event_register(v_event, r.person, '', 0);
        END LOOP;
        FOR r IN SELECT * FROM (VALUES
            (1, 'annelies.anekdote@sg-denkbeeldig.example',
             'Hoe houd je een interventie levend als de collega''s die meededen vertrekken?'),
            (2, 'greet.gastvrij@sg-denkbeeldig.example',
             'Wat vroeg het van de schoolleiding om het onderzoek in de school te laten landen?'),
            (3, 'marit.mijmerveld@mbo-fictief.example',
             'Vergelijk het met het mbo: werkt onderzoekend leren ook in de beroepspraktijkvorming?')
            ) AS v (seq, email, text) ORDER BY v.seq LOOP
            PERFORM set_config('triad.staff', 'false', true);
            PERFORM triad_topic_suggest(v_event, r.text, pg_temp.demo_person(r.email)::text, 0);
            PERFORM set_config('triad.staff', 'true', true);
        END LOOP;
    END IF;

    -- The community meets: intervision on change assignments, for members.
    IF NOT EXISTS (SELECT 1 FROM event WHERE institution_id = v_inst
                      AND kind = 'community_meeting' AND community_id = v_community) THEN
        SELECT id INTO v_event
          FROM triad_event_create('community_meeting', 'Bijeenkomst teachers'' community: veranderopdrachten',
                   'Intervisie over veranderopdrachten in de eigen school, met alumni als '
                   || 'gespreksleiders.',
                   v_community, v_prog, pg_temp.demo_day(30, '15:30'), 'Scholengemeenschap Denkbeeldig',
                   20, NULL, '', false, 0);
        FOR r IN SELECT pg_temp.demo_person(v.email) AS person FROM (VALUES
            (1, 'bregje.bedachtzaam@sg-denkbeeldig.example'),
            (2, 'olga.onderzoekzaam@sg-denkbeeldig.example'),
            (3, 'annelies.anekdote@sg-denkbeeldig.example'),
            (4, 'kim.kennisrijk@mbo-fictief.example')) AS v (seq, email)
            ORDER BY v.seq LOOP
            PERFORM triad_event_register(v_event, r.person, '', 0);
        END LOOP;
    END IF;

    -- Ambassadors: an alumna at her school, the executive at his college.
    IF NOT EXISTS (SELECT 1 FROM ambassador WHERE institution_id = v_inst) THEN
        SELECT id INTO v_id
          FROM triad_ambassador_create(pg_temp.demo_person('bregje.bedachtzaam@sg-denkbeeldig.example'),
                   v_prog, pg_temp.demo_org('Scholengemeenschap Denkbeeldig'), 'alumnus',
                   '2025-10-01', '', 0);
        PERFORM triad_ambassador_activity_record(v_id, 'guest_lecture', '2025-11-13',
            'Gastcollege in semester 1: formatief handelen in de eigen klas', 24, 0);
        PERFORM triad_ambassador_activity_record(v_id, 'talk', '2026-02-05',
            'Gesprek met het sectieteam over wat de master de school oplevert', 12, 0);
        SELECT id INTO v_id
          FROM triad_ambassador_create(pg_temp.demo_person('erik.eindverantwoordelijk@mbo-fictief.example'),
                   v_prog, pg_temp.demo_org('Mbo-college Fictief'), 'executive', '2025-10-01', '', 0);
        PERFORM triad_ambassador_activity_record(v_id, 'talk', '2026-01-22',
            'Met de teamleiders over uren voor onderzoek in het taakbeleid', 8, 0);
        PERFORM triad_ambassador_activity_record(v_id, 'recruitment', '2026-03-19',
            'Voorlichtingsavond voor docenten van het college', 40, 0);
    END IF;
END
$$;

DROP FUNCTION pg_temp.demo_day(int, text);
DROP FUNCTION pg_temp.demo_org(text);
DROP FUNCTION pg_temp.demo_enrollment(text);
DROP FUNCTION pg_temp.demo_person(text);
DROP TABLE demo_hva;
