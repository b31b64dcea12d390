-- Demo data, part 4: a professional learning community and an advisory
-- board, through the functions of 0006_community, so the rules and the
-- audit trail apply exactly as for a request.
--
--   fontys  "Professionele leergemeenschap Zorg Zuid": the work field, the
--           MiZ programme and its students work on practice questions
--           under an agreement with Zorggroep Denkbeeldig; the hospital
--           takes part on its own, and small home-care organisations join
--           through a professional network (seed 003). Four practice
--           questions: one evaluated (a report delivered, with the
--           organisation's feedback), one in progress, one accepted, one
--           proposed.
--   hva     "Werkveldadviesraad MPM": the work-field advisory board of the
--           Master Professioneel Meesterschap (seed 002: the VAR), with
--           members on terms (one term ended), and one meeting whose agenda
--           has an item about the programme.
--
-- People and organisations not in 0001-0003 are invented, with names that
-- say so. Fleur Faciliteer (staff at Fontys), Tineke Teamleider (the
-- contact of Zorggroep Denkbeeldig) and Lotte Lerarenopleider (programme
-- manager at the HvA) get a principal here, so the audit trail and the
-- question's author name who did what; to sign in, they need an invite
-- (`triad --institution fontys invite create PERSON_ID ...`).
--
-- Loaded by deploy/quickstart.sh as the schema owner after 0001-0003; safe
-- to load twice: people are inserted only when missing, and the community
-- and the board are built only when they do not exist yet.

INSERT INTO organisation (name, kind)
SELECT v.name, v.kind
  FROM (VALUES ('Netwerk Kleine Zorgaanbieders Denkbeeldland', 'other'),
               ('Wijkverpleging Nergensbuurt', 'care_provider'),
               ('Thuishulp De Verzonnen Hoek', 'care_provider')) AS v (name, kind)
 WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.name = v.name);

CREATE TEMP TABLE demo_people4 (slug text, name text, email text);
INSERT INTO demo_people4 VALUES
    ('fontys', 'Fleur Faciliteer', 'fleur.faciliteer@fontys-fictief.example'),
    ('fontys', 'Tineke Teamleider', 'tineke.teamleider@zorggroep-denkbeeldig.example'),
    ('fontys', 'Wim Wijkzorg', 'wim.wijkzorg@nergensbuurt.example'),
    ('hva', 'Saskia Schoolleider', 'saskia.schoolleider@sg-denkbeeldig.example'),
    ('hva', 'Bas Bestuurlijk', 'bas.bestuurlijk@mbo-fictief.example'),
    ('hva', 'Lotte Lerarenopleider', 'lotte.lerarenopleider@hva-fictief.example'),
    ('hva', 'Olga Oudgediend', 'olga.oudgediend@verzonnenvlinder.example');

INSERT INTO person (name, email)
SELECT name, email FROM demo_people4 ORDER BY slug, name
ON CONFLICT ((lower(email))) DO NOTHING;

INSERT INTO member (institution_id, person_id)
SELECT i.id, p.id
  FROM demo_people4 d
  JOIN institution i ON i.slug = d.slug
  JOIN person p ON lower(p.email) = lower(d.email)
ON CONFLICT DO NOTHING;

INSERT INTO principal (kind, person_id, name)
SELECT 'person', p.id, p.name
  FROM person p
 WHERE p.email IN ('fleur.faciliteer@fontys-fictief.example',
                   'tineke.teamleider@zorggroep-denkbeeldig.example',
                   'lotte.lerarenopleider@hva-fictief.example')
ON CONFLICT (person_id) DO NOTHING;

INSERT INTO role_grant (institution_id, principal_id, role, title, organisation_id)
SELECT i.id, pr.id, v.role, v.title,
       (SELECT o.id FROM organisation o WHERE o.name = v.org ORDER BY o.created_at, o.id LIMIT 1)
  FROM (VALUES ('fontys', 'fleur.faciliteer@fontys-fictief.example', 'programme_staff',
                'lecturer', NULL),
               ('fontys', 'tineke.teamleider@zorggroep-denkbeeldig.example', 'employer_contact',
                NULL, 'Zorggroep Denkbeeldig'),
               ('hva', 'lotte.lerarenopleider@hva-fictief.example', 'programme_staff',
                'programme_manager', NULL)) AS v (slug, email, role, title, org)
  JOIN institution i ON i.slug = v.slug
  JOIN person p ON p.email = v.email
  JOIN principal pr ON pr.person_id = p.id
ON CONFLICT DO NOTHING;

-- ---- Fontys: Professionele leergemeenschap Zorg Zuid ----

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'fontys');
    v_staff uuid;          -- Fleur's principal
    v_contact uuid;        -- Tineke's principal
    v_tineke text;         -- Tineke's person id
    v_zorggroep uuid;
    v_ziekenhuis uuid;
    v_thuiszorg uuid;
    v_wijk uuid;
    v_network_org uuid;
    v_agreement uuid;
    v_network uuid;
    v_community uuid;
    v_q uuid;
    v_product uuid;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    IF EXISTS (SELECT 1 FROM community
                WHERE institution_id = v_inst AND name = 'Professionele leergemeenschap Zorg Zuid') THEN
        RETURN;
    END IF;
    SELECT pr.id INTO v_staff FROM principal pr JOIN person p ON p.id = pr.person_id
     WHERE p.email = 'fleur.faciliteer@fontys-fictief.example';
    SELECT pr.id, p.id::text INTO v_contact, v_tineke
      FROM principal pr JOIN person p ON p.id = pr.person_id
     WHERE p.email = 'tineke.teamleider@zorggroep-denkbeeldig.example';
    SELECT id INTO v_zorggroep FROM organisation WHERE name = 'Zorggroep Denkbeeldig'
     ORDER BY created_at, id LIMIT 1;
    SELECT id INTO v_ziekenhuis FROM organisation WHERE name = 'Ziekenhuis Nergenshuizen'
     ORDER BY created_at, id LIMIT 1;
    SELECT id INTO v_thuiszorg FROM organisation WHERE name = 'Thuiszorg Verzonnen Zorg'
     ORDER BY created_at, id LIMIT 1;
    SELECT id INTO v_wijk FROM organisation WHERE name = 'Wijkverpleging Nergensbuurt'
     ORDER BY created_at, id LIMIT 1;
    SELECT id INTO v_network_org FROM organisation
     WHERE name = 'Netwerk Kleine Zorgaanbieders Denkbeeldland' ORDER BY created_at, id LIMIT 1;

    -- Staff set it up.
    PERFORM set_config('triad.principal_id', v_staff::text, true);

    -- The agreement the community rests on, and the professional network
    -- through which organisations too small for a workplace of their own
    -- take part.
    SELECT id INTO v_agreement
      FROM triad_agreement_create(v_zorggroep, 'professional_workplace', '2026-09-01', '', 8, 2, 1,
                                  ARRAY['Tineke Teamleider (teamleider wijkzorg, fictief)'],
                                  ARRAY['Bestuurder Zorggroep Denkbeeldig (fictief)'], '{}', 0);
    SELECT id INTO v_network
      FROM triad_agreement_create(v_network_org, 'professional_network', '2026-09-01', '', 4, 1,
                                  0, ARRAY['Coördinator Netwerk Kleine Zorgaanbieders (fictief)'],
                                  '{}', ARRAY['Thuiszorg Verzonnen Zorg', 'Wijkverpleging Nergensbuurt',
                                              'Thuishulp De Verzonnen Hoek'], 0);

    SELECT id INTO v_community
      FROM triad_community_create('Professionele leergemeenschap Zorg Zuid',
                                  'Werkveld, opleiding en studenten werken samen aan vraagstukken '
                                  || 'uit de zorgpraktijk: leiderschap, behoud van personeel en '
                                  || 'het leerklimaat op de werkplek.',
                                  'professional', NULL, v_agreement, '2026-09-01', '', 0);

    PERFORM triad_community_organisation_add(v_community, v_zorggroep, NULL, 0);
    PERFORM triad_community_organisation_add(v_community, v_ziekenhuis, NULL, 0);
    PERFORM triad_community_organisation_add(v_community, v_thuiszorg, v_network, 0);
    PERFORM triad_community_organisation_add(v_community, v_wijk, v_network, 0);

    FOR r IN SELECT p.id, v.role, v.affiliation,
                    (SELECT o.id FROM organisation o WHERE o.name = v.org
                      ORDER BY o.created_at, o.id LIMIT 1) AS org
               FROM (VALUES
                   ('fleur.faciliteer@fontys-fictief.example', 'facilitator', 'staff', NULL),
                   ('ilse.inbeelding@nergenshuizen.example', 'member', 'participant', NULL),
                   ('rachid.reflectief@zorggroep-denkbeeldig.example', 'member', 'participant', NULL),
                   ('mieke.mantelzorg@verzonnenzorg.example', 'member', 'participant', NULL),
                   ('petra.praktijkmans@nergenshuizen.example', 'member', 'workplace_coach', NULL),
                   ('tineke.teamleider@zorggroep-denkbeeldig.example', 'member', 'partner',
                    'Zorggroep Denkbeeldig'),
                   ('wim.wijkzorg@nergensbuurt.example', 'guest', 'partner',
                    'Wijkverpleging Nergensbuurt')) AS v (email, role, affiliation, org)
               JOIN person p ON lower(p.email) = v.email LOOP
        PERFORM triad_community_member_add(v_community, r.id, r.role, r.affiliation, r.org, 0);
    END LOOP;

    -- 1. Evaluated: written by the zorggroep's contact, worked on by Rachid
    --    with his coach, a report delivered, and the zorggroep's feedback.
    PERFORM set_config('triad.principal_id', v_contact::text, true);
    PERFORM set_config('triad.person_id', v_tineke::text, true);
    PERFORM set_config('triad.staff', 'false', true);
    PERFORM set_config('triad.organisation_id', v_zorggroep::text, true);
    SELECT id INTO v_q
      FROM triad_question_create(v_community, NULL,
                                 'Hoe houden we nieuwe zorgmedewerkers vast in hun eerste jaar?',
                                 'Een op de vier nieuwe medewerkers in de wijkteams vertrekt binnen '
                                 || 'een jaar. Wat vraagt dat van teamleiders en van het inwerken?',
                                 0);
    PERFORM set_config('triad.principal_id', v_staff::text, true);
    PERFORM set_config('triad.staff', 'true', true);
    PERFORM triad_question_transition(v_q, 'accepted', 0);
    PERFORM triad_question_link(v_q, p.id, 'participant', e.id, 'interventie', 0)
       FROM person p JOIN enrollment e ON e.institution_id = v_inst AND e.person_id = p.id
                                       AND e.status <> 'withdrawn'
      WHERE p.email = 'rachid.reflectief@zorggroep-denkbeeldig.example';
    PERFORM triad_question_link(v_q, p.id, 'coach', NULL, '', 0)
       FROM person p WHERE p.email = 'cor.coachvast@zorggroep-denkbeeldig.example';
    PERFORM triad_question_transition(v_q, 'in_progress', 0);
    SELECT id INTO v_product
      FROM triad_product_add(v_q, 'report', 'Adviesrapport: een inwerkjaar met een vast maatje',
                             'Analyse van vertrekgesprekken en interviews met twaalf nieuwe '
                             || 'medewerkers; advies voor een maatjessysteem en drie '
                             || 'reflectiemomenten in het eerste jaar.', '2026-11-02', 0);
    PERFORM triad_question_transition(v_q, 'delivered', 0);
    PERFORM set_config('triad.principal_id', v_contact::text, true);
    PERFORM set_config('triad.staff', 'false', true);
    PERFORM triad_product_feedback(v_product,
                                   'Het maatjessysteem draait sinds november in twee wijkteams; '
                                   || 'de teamleiders gebruiken de reflectiemomenten in hun '
                                   || 'jaargesprekken. Graag na een halfjaar een vervolgmeting.',
                                   0);
    PERFORM set_config('triad.principal_id', v_staff::text, true);
    PERFORM set_config('triad.staff', 'true', true);
    PERFORM set_config('triad.organisation_id', '', true);
    PERFORM triad_question_transition(v_q, 'evaluated', 0);

    -- 2. In progress: the hospital's question, Ilse's practice research.
    SELECT id INTO v_q
      FROM triad_question_create(v_community, v_ziekenhuis,
                                 'Verpleegkundig leiderschap bij het terugdringen van valincidenten',
                                 'Welke rol kunnen verpleegkundigen nemen om valincidenten op de '
                                 || 'afdeling geriatrie structureel te verminderen?',
                                 0);
    PERFORM triad_question_transition(v_q, 'accepted', 0);
    PERFORM triad_question_link(v_q, p.id, 'participant', e.id, 'praktijkonderzoek', 0)
       FROM person p JOIN enrollment e ON e.institution_id = v_inst AND e.person_id = p.id
                                       AND e.status <> 'withdrawn'
      WHERE p.email = 'ilse.inbeelding@nergenshuizen.example';
    PERFORM triad_question_link(v_q, p.id, 'coach', NULL, '', 0)
       FROM person p WHERE p.email = 'petra.praktijkmans@nergenshuizen.example';
    PERFORM triad_question_transition(v_q, 'in_progress', 0);

    -- 3. Accepted: a home-care organisation of the network.
    SELECT id INTO v_q
      FROM triad_question_create(v_community, v_thuiszorg,
                                 'Zelforganisatie in kleine wijkteams: wie houdt de regie?',
                                 'Sinds de teams zichzelf organiseren is onduidelijk wie '
                                 || 'knopen doorhakt. Hoe ziet leiderschap zonder leidinggevende '
                                 || 'eruit?', 0);
    PERFORM triad_question_transition(v_q, 'accepted', 0);
    PERFORM triad_question_link(v_q, p.id, 'staff', NULL, '', 0)
       FROM person p WHERE p.email = 'fleur.faciliteer@fontys-fictief.example';

    -- 4. Proposed: not taken on yet.
    PERFORM triad_question_create(v_community, v_wijk,
                                  'Hoe maken we het leerklimaat op de werkplek zichtbaar?',
                                  'Kleine organisaties willen weten of hun werkplek uitnodigt '
                                  || 'tot leren, zonder een groot onderzoek.', 0);
END
$$;

-- ---- HvA: Werkveldadviesraad MPM ----

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'hva');
    v_prog uuid;
    v_board uuid;
    v_meeting uuid;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    PERFORM set_config('triad.principal_id',
                       (SELECT pr.id::text FROM principal pr JOIN person p ON p.id = pr.person_id
                         WHERE p.email = 'lotte.lerarenopleider@hva-fictief.example'), true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'MPM';
    IF EXISTS (SELECT 1 FROM board
                WHERE institution_id = v_inst AND name = 'Werkveldadviesraad MPM') THEN
        RETURN;
    END IF;

    SELECT id INTO v_board FROM triad_board_create('Werkveldadviesraad MPM', 'work_field', v_prog, 0);
    FOR r IN SELECT p.id, v.role, v.starts, v.ends,
                    (SELECT o.id FROM organisation o WHERE o.name = v.org
                      ORDER BY o.created_at, o.id LIMIT 1) AS org
               FROM (VALUES
                   ('olga.oudgediend@verzonnenvlinder.example', 'chair', '2021-09-01', '2025-08-31',
                    'Basisschool De Verzonnen Vlinder'),
                   ('saskia.schoolleider@sg-denkbeeldig.example', 'chair', '2025-09-01',
                    '2028-08-31', 'Scholengemeenschap Denkbeeldig'),
                   ('bas.bestuurlijk@mbo-fictief.example', 'member', '2025-09-01', '',
                    'Mbo-college Fictief'),
                   ('lotte.lerarenopleider@hva-fictief.example', 'secretary', '2025-09-01', '',
                    NULL)) AS v (email, role, starts, ends, org)
               JOIN person p ON lower(p.email) = v.email LOOP
        PERFORM triad_board_member_add(v_board, r.id, r.org, r.role, r.starts, r.ends, 0);
    END LOOP;

    SELECT id INTO v_meeting
      FROM triad_board_meeting_create(v_board, '2026-11-12', 'HvA, vergaderzaal De Denkbeeldige Kamer',
                                      'De raad herkent de diversiteit van de onderwijssectoren '
                                      || 'waarin de studenten werken. Afgesproken: de opleiding '
                                      || 'legt in het voorjaar een voorstel voor langer lopend '
                                      || 'onderzoek met dezelfde scholen voor.', 0);
    PERFORM triad_agenda_item_add(v_meeting, 'Opening en vaststellen van de agenda', '', NULL,
                                  NULL, 0);
    PERFORM triad_agenda_item_add(v_meeting,
                                  'Impact op het onderwijsveld: is het curriculum nog actueel?',
                                  'De opleiding licht de opbouw van micro- naar macrocontext toe; '
                                  || 'de raad geeft signalen uit de eigen scholen.', NULL, v_prog, 0);
    PERFORM triad_agenda_item_add(v_meeting, 'Langer lopende onderzoekstrajecten met dezelfde scholen',
                                  'Meerdere studenten werken op dezelfde school; kan hun onderzoek '
                                  || 'over cohorten heen doorlopen?', NULL, NULL, 0);
END
$$;

DROP TABLE demo_people4;
