-- Demo data, part 2: the five programmes of the seed documents with their
-- real structure, and a cohort for each with invented participants, so a
-- fresh quick start shows groups, waitlists, standalone masterclass
-- followers, exemptions, attendance and prior learning.
--
--   utwente  MPM        Master Public Management: masterclasses, academic
--                       skills first, a fixed core before the flexible part,
--                       standalone followers as a minority (seed 000)
--   leiden   60416      MSc Public Sector Management: one year, evenings,
--                       two specialisations, starts September and February (001)
--   hva      MPM        Master Professioneel Meesterschap: semesters from micro
--                       to macro context, papers 1 to 5 in the own workplace (002)
--   fontys   MiZ        Master in Zorg: learning outcomes and validated prior
--                       learning (003)
--   nsob     METROPOOL  Metropool: six modules and a final module, two learning
--                       lines, internship of at least 160 hours, cohort
--                       "Metropool 24" (004)
--
-- Lecturers and trainers of Metropool are those of the brochure. Everyone
-- else (participants, coaches, employers, other lecturers) is invented, with
-- names that say so. Codes, names and dates come from the seeds where they
-- give them; the rest (ECTS, module breakdowns, run dates) is a plausible
-- invention.
--
-- Loaded by deploy/quickstart.sh as the schema owner after 0001_access.sql;
-- safe to load twice: the catalogue and the people are inserted only when
-- missing, and a cohort is built only when it does not exist yet. Cohorts,
-- runs, sessions, enrollments and the rest go through the functions of
-- 0004_enrollment, so capacity, standalone share, waitlist, core-first and
-- blocks are applied exactly as for a request.

-- ---- Organisations: the employers of the participants ----

INSERT INTO organisation (name, kind)
SELECT v.name, v.kind
  FROM (VALUES ('Gemeente Denkbeeldig', 'municipality'),
               ('Gemeente Verzonnenstad', 'municipality'),
               ('Gemeente Fictiefdam', 'municipality'),
               ('Gemeente Nergenshoven', 'municipality'),
               ('Provincie Denkbeeldland', 'government'),
               ('Ministerie van Verzonnen Zaken', 'government'),
               ('Waterschap Fictieve Delta', 'government'),
               ('Dienst Denkbeeldige Uitvoering', 'government'),
               ('Scholengemeenschap Denkbeeldig', 'school'),
               ('Basisschool De Verzonnen Vlinder', 'school'),
               ('Mbo-college Fictief', 'school'),
               ('Zorggroep Denkbeeldig', 'care_provider'),
               ('Thuiszorg Verzonnen Zorg', 'care_provider'),
               ('Ziekenhuis Nergenshuizen', 'hospital')) AS v (name, kind)
 WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.name = v.name);

-- ---- People ----
--
-- One row per person and institution. grp: 'cohort' (programme participant
-- of the institution's cohort, in this order of arrival), 'cohort2' (the
-- second cohort, Leiden's February start), 'standalone' (one UT masterclass
-- only), 'coach' (workplace, practice or programme coach; coaching
-- relations come later), 'assessor'. status: where the enrollment ends up.
-- The e-mail is the name at the domain given.

CREATE TEMP TABLE demo_people (
    slug     text NOT NULL,
    grp      text NOT NULL,
    seq      int NOT NULL,
    name     text NOT NULL,
    domain   text NOT NULL,
    employer text,
    hours    numeric,
    change   text,
    status   text,
    email    text GENERATED ALWAYS AS
             (lower(translate(replace(name, ' ', '.'), 'ëéï', 'eei')) || '@' || domain) STORED
);

INSERT INTO demo_people (slug, grp, seq, name, domain, employer, hours, change, status) VALUES
    -- NSOB, Metropool 24: a group of 25 (Bram and Carla of 0001 among them)
    -- and three on the waitlist. About one day a week of preparation (004).
    ('nsob', 'cohort', 1, 'Bram Jansen', 'amsterdam.example', 'Gemeente Amsterdam', 8, NULL, 'active'),
    ('nsob', 'cohort', 2, 'Carla Bakker', 'utrecht.example', 'Gemeente Utrecht', 8, NULL, 'active'),
    ('nsob', 'cohort', 3, 'Fenna Fictief', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 8,
     'Regie op de wijkaanpak in Denkbeeldig-Noord, samen met bewoners en corporaties', 'active'),
    ('nsob', 'cohort', 4, 'Daan Denkbeeld', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 8, NULL, 'active'),
    ('nsob', 'cohort', 5, 'Sanne Verzonnen', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 8, NULL, 'active'),
    ('nsob', 'cohort', 6, 'Joris Bedacht', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 4,
     'Herijking van de woningbouwopgave met de regiogemeenten', 'active'),
    ('nsob', 'cohort', 7, 'Lieke Ingebeeld', 'fictiefdam.example', 'Gemeente Fictiefdam', 8, NULL, 'active'),
    ('nsob', 'cohort', 8, 'Milan Proefmans', 'fictiefdam.example', 'Gemeente Fictiefdam', 8, NULL, 'active'),
    ('nsob', 'cohort', 9, 'Noor Nergensveld', 'nergenshoven.example', 'Gemeente Nergenshoven', 8, NULL, 'active'),
    ('nsob', 'cohort', 10, 'Thijs Luchtkasteel', 'nergenshoven.example', 'Gemeente Nergenshoven', 6, NULL, 'active'),
    ('nsob', 'cohort', 11, 'Eva Schijnvast', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 8, NULL, 'active'),
    ('nsob', 'cohort', 12, 'Ruben Droomgaard', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 8,
     'Klimaatadaptatie in de binnenstad: van losse projecten naar een programma', 'active'),
    ('nsob', 'cohort', 13, 'Iris Papierman', 'fictiefdam.example', 'Gemeente Fictiefdam', 8, NULL, 'active'),
    ('nsob', 'cohort', 14, 'Sem Voorbeeld', 'nergenshoven.example', 'Gemeente Nergenshoven', 8, NULL, 'active'),
    ('nsob', 'cohort', 15, 'Femke Fantasie', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 4, NULL, 'active'),
    ('nsob', 'cohort', 16, 'Lars Verbeelding', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 8, NULL, 'active'),
    ('nsob', 'cohort', 17, 'Roos Denkbaar', 'fictiefdam.example', 'Gemeente Fictiefdam', 8,
     'Bereikbaarheid van de nieuwe stadswijk: samenwerking tussen mobiliteit en ruimte', 'active'),
    ('nsob', 'cohort', 18, 'Jesse Hypothees', 'nergenshoven.example', 'Gemeente Nergenshoven', 8, NULL, 'active'),
    ('nsob', 'cohort', 19, 'Anouk Ontworpen', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 8, NULL, 'active'),
    ('nsob', 'cohort', 20, 'Koen Gefantaseerd', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 8, NULL, 'active'),
    ('nsob', 'cohort', 21, 'Lotte Veronderstel', 'fictiefdam.example', 'Gemeente Fictiefdam', 6, NULL, 'active'),
    ('nsob', 'cohort', 22, 'Bas Bedenker', 'nergenshoven.example', 'Gemeente Nergenshoven', 8, NULL, 'active'),
    ('nsob', 'cohort', 23, 'Yara Zogenaamd', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 8,
     'Kansengelijkheid in het sociaal domein: een gezamenlijke agenda met het onderwijs', 'active'),
    ('nsob', 'cohort', 24, 'Wouter Wensdroom', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 8, NULL, 'active'),
    ('nsob', 'cohort', 25, 'Maud Modelstad', 'fictiefdam.example', 'Gemeente Fictiefdam', 8, NULL, 'active'),
    ('nsob', 'cohort', 26, 'Stijn Straks', 'nergenshoven.example', 'Gemeente Nergenshoven', 8, NULL, 'intake_planned'),
    ('nsob', 'cohort', 27, 'Tessa Wachtrij', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 8, NULL, 'intake_planned'),
    ('nsob', 'cohort', 28, 'Olaf Overmorgen', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 8, NULL, 'applied'),
    ('nsob', 'coach', 1, 'Hanneke Meedenker', 'denkbeeldig.example', NULL, NULL, NULL, NULL),
    ('nsob', 'coach', 2, 'Gert Klankbord', 'verzonnenstad.example', NULL, NULL, NULL, NULL),

    -- UT, MPM cohort 2025: twelve programme participants, then four who
    -- follow only the digitalisation masterclass (a minority of its group).
    ('utwente', 'cohort', 1, 'Pieter Plausibel', 'denkbeeldland.example', 'Provincie Denkbeeldland', 8, NULL, 'active'),
    ('utwente', 'cohort', 2, 'Ilona Imaginair', 'fictievedelta.example', 'Waterschap Fictieve Delta', 6, NULL, 'active'),
    ('utwente', 'cohort', 3, 'Gijs Gedachte', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 8,
     'Ontwerp van een nieuwe aanpak voor burgerparticipatie in de omgevingswet', 'active'),
    ('utwente', 'cohort', 4, 'Marloes Mogelijk', 'verzonnenzaken.example', 'Ministerie van Verzonnen Zaken', 8, NULL, 'active'),
    ('utwente', 'cohort', 5, 'Rik Raadsel', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 4, NULL, 'active'),
    ('utwente', 'cohort', 6, 'Esther Eventueel', 'denkbeeldland.example', 'Provincie Denkbeeldland', 8, NULL, 'active'),
    ('utwente', 'cohort', 7, 'Tom Theorie', 'verzonnenzaken.example', 'Ministerie van Verzonnen Zaken', 8, NULL, 'active'),
    ('utwente', 'cohort', 8, 'Nina Naamloos', 'fictiefdam.example', 'Gemeente Fictiefdam', 6, NULL, 'active'),
    ('utwente', 'cohort', 9, 'Vincent Visioen', 'fictievedelta.example', 'Waterschap Fictieve Delta', 8,
     'Digitale dienstverlening van het waterschap herontwerpen met de gebruikers', 'active'),
    ('utwente', 'cohort', 10, 'Hanna Hersenspin', 'nergenshoven.example', 'Gemeente Nergenshoven', 8, NULL, 'active'),
    ('utwente', 'cohort', 11, 'Frank Fabel', 'denkbeeldland.example', 'Provincie Denkbeeldland', 4, NULL, 'active'),
    ('utwente', 'cohort', 12, 'Zoë Zandkasteel', 'verzonnenzaken.example', 'Ministerie van Verzonnen Zaken', 8, NULL, 'active'),
    ('utwente', 'standalone', 1, 'Karin Kortstondig', 'denkbeeldig.example', 'Gemeente Denkbeeldig', 4, NULL, 'admitted'),
    ('utwente', 'standalone', 2, 'Ahmed Afzonderlijk', 'verzonnenzaken.example', 'Ministerie van Verzonnen Zaken', 4, NULL, 'admitted'),
    ('utwente', 'standalone', 3, 'Lisa Losvast', 'fictievedelta.example', 'Waterschap Fictieve Delta', 2, NULL, 'intake_planned'),
    ('utwente', 'standalone', 4, 'Bart Buitenstaander', 'denkbeeldland.example', 'Provincie Denkbeeldland', NULL, NULL, 'applied'),

    -- Leiden: professionals and bachelor graduates (no employer) in the
    -- September group; two for February.
    ('leiden', 'cohort', 1, 'Eline Eenjarig', 'verzonnenzaken.example', 'Ministerie van Verzonnen Zaken', 4, NULL, 'active'),
    ('leiden', 'cohort', 2, 'Mark Maanlicht', 'verzonnenstad.example', 'Gemeente Verzonnenstad', 4, NULL, 'active'),
    ('leiden', 'cohort', 3, 'Sophie Schemer', 'denkbeeldige-uitvoering.example', 'Dienst Denkbeeldige Uitvoering', 4,
     'Prestatie-indicatoren voor de uitvoering herzien met het ministerie', 'active'),
    ('leiden', 'cohort', 4, 'Jasper Avondrood', 'denkbeeldland.example', 'Provincie Denkbeeldland', 2, NULL, 'active'),
    ('leiden', 'cohort', 5, 'Fleur Fictioneel', 'student.example', NULL, NULL, NULL, 'active'),
    ('leiden', 'cohort', 6, 'Timo Tussenjaar', 'student.example', NULL, NULL, NULL, 'admitted'),
    ('leiden', 'cohort2', 1, 'Merel Morgenrood', 'verzonnenzaken.example', 'Ministerie van Verzonnen Zaken', 4, NULL, 'intake_planned'),
    ('leiden', 'cohort2', 2, 'Luuk Lentestart', 'student.example', NULL, NULL, NULL, 'applied'),

    -- HvA: teachers, two at the same school; from a few hours to a change
    -- assignment (002). Coaches: workplace coach, confidant, programme coach.
    ('hva', 'cohort', 1, 'Annelies Anekdote', 'sg-denkbeeldig.example', 'Scholengemeenschap Denkbeeldig', 4,
     'Veranderopdracht: met het sectieteam formatief handelen invoeren in de onderbouw', 'active'),
    ('hva', 'cohort', 2, 'Daphne Droomschool', 'sg-denkbeeldig.example', 'Scholengemeenschap Denkbeeldig', 4, NULL, 'active'),
    ('hva', 'cohort', 3, 'Youssef Zogezegd', 'verzonnenvlinder.example', 'Basisschool De Verzonnen Vlinder', 3, NULL, 'active'),
    ('hva', 'cohort', 4, 'Kim Kennisrijk', 'mbo-fictief.example', 'Mbo-college Fictief', 6,
     'Veranderopdracht: een leerwerkplaats met het werkveld opzetten voor de opleiding Zorg en Welzijn', 'active'),
    ('hva', 'cohort', 5, 'Ruud Rolmodel', 'mbo-fictief.example', 'Mbo-college Fictief', 2, NULL, 'admitted'),
    ('hva', 'coach', 1, 'Greet Gastvrij', 'sg-denkbeeldig.example', NULL, NULL, NULL, NULL),
    ('hva', 'coach', 2, 'Vera Vertrouwd', 'mbo-fictief.example', NULL, NULL, NULL, NULL),
    ('hva', 'coach', 3, 'Paul Praktijkbezoek', 'hva-coach.example', NULL, NULL, NULL, NULL),

    -- Fontys: care professionals, two practice coaches and an assessor.
    ('fontys', 'cohort', 1, 'Ilse Inbeelding', 'nergenshuizen.example', 'Ziekenhuis Nergenshuizen', 8, NULL, 'active'),
    ('fontys', 'cohort', 2, 'Rachid Reflectief', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 6, NULL, 'active'),
    ('fontys', 'cohort', 3, 'Mieke Mantelzorg', 'verzonnenzorg.example', 'Thuiszorg Verzonnen Zorg', 4, NULL, 'active'),
    ('fontys', 'cohort', 4, 'Dewi Dagdroom', 'zorggroep-denkbeeldig.example', 'Zorggroep Denkbeeldig', 4,
     'Verbeteropdracht: het leerklimaat op de afdeling psychogeriatrie versterken', 'active'),
    ('fontys', 'cohort', 5, 'Henk Hoopvol', 'nergenshuizen.example', 'Ziekenhuis Nergenshuizen', 6, NULL, 'admitted'),
    ('fontys', 'coach', 1, 'Petra Praktijkmans', 'nergenshuizen.example', NULL, NULL, NULL, NULL),
    ('fontys', 'coach', 2, 'Cor Coachvast', 'zorggroep-denkbeeldig.example', NULL, NULL, NULL, NULL),
    ('fontys', 'assessor', 1, 'Bea Beoordeel', 'fontys-toets.example', NULL, NULL, NULL, NULL);

INSERT INTO person (name, email)
SELECT name, email FROM demo_people ORDER BY slug, grp, seq
ON CONFLICT ((lower(email))) DO NOTHING;

INSERT INTO member (institution_id, person_id)
SELECT i.id, p.id
  FROM demo_people d
  JOIN institution i ON i.slug = d.slug
  JOIN person p ON lower(p.email) = lower(d.email)
ON CONFLICT DO NOTHING;

-- ---- The catalogue ----

INSERT INTO programme (institution_id, code, name, award, ects, duration_months, language, mode,
                       start_moments, fee_cents, specialisations, standalone_share)
SELECT i.id, v.code, v.name, v.award, v.ects, v.months, 'nl', v.mode, v.starts, v.fee, v.specs,
       0.50
  FROM (VALUES
    ('utwente', 'MPM', 'Master Public Management', 'degree', 60.0, 27, 'part_time',
     '{september}'::text[], 0::bigint, '{}'::text[]),
    ('leiden', '60416', 'MSc Public Sector Management (Management van de publieke sector)',
     'degree', 60.0, 12, 'evening', '{september,february}', 0,
     '{"Strategie, advisering en verandermanagement","Public Affairs"}'),
    ('hva', 'MPM', 'Master Professioneel Meesterschap', 'degree', 60.0, 24, 'part_time',
     '{september}', 0, '{}'),
    ('fontys', 'MiZ', 'Master in Zorg', 'degree', 60.0, 24, 'part_time', '{september}', 0, '{}'),
    ('nsob', 'METROPOOL', 'Metropool', 'certificate', 0.0, 18, 'part_time', '{october}',
     1795000, '{}')
  ) AS v (slug, code, name, award, ects, months, mode, starts, fee, specs)
  JOIN institution i ON i.slug = v.slug
ON CONFLICT (institution_id, code) DO NOTHING;

INSERT INTO learning_line (institution_id, programme_id, code, name)
SELECT p.institution_id, p.id, v.code, v.name
  FROM (VALUES
    ('utwente', 'MPM', 'ACV', 'Academische vaardigheden'),
    ('utwente', 'MPM', 'BKPM', 'Bestuurskunde en publiek management'),
    ('utwente', 'MPM', 'ONTW', 'Ontwerpen van beleid en beleidsinterventies'),
    ('utwente', 'MPM', 'TECH', 'Technologie als drijvende kracht in het publieke domein'),
    ('hva', 'MPM', 'KO', 'Kennis- en onderzoekslijn'),
    ('hva', 'MPM', 'TL', 'Teacher leadership: ondernemend, onderzoekend en inspirerend'),
    ('nsob', 'METROPOOL', 'CV', 'Cognitieve verdieping'),
    ('nsob', 'METROPOOL', 'PO', 'Persoonlijke ontwikkeling')
  ) AS v (slug, prog, code, name)
  JOIN institution i ON i.slug = v.slug
  JOIN programme p ON p.institution_id = i.id AND p.code = v.prog
ON CONFLICT (institution_id, programme_id, code) DO NOTHING;

INSERT INTO learning_outcome (institution_id, programme_id, code, description, credits)
SELECT p.institution_id, p.id, v.code, v.description, v.credits
  FROM (VALUES
    -- HvA: the papers, each tailored to the student's own workplace.
    ('hva', 'MPM', 'P1', 'Paper 1 (microcontext): onderzoekt het leren van leerlingen in de eigen '
     || 'werksetting en onderbouwt een verbetering', 12.0),
    ('hva', 'MPM', 'P2', 'Paper 2 (mesocontext): analyseert het leren van het eigen team en de '
     || 'school en betrekt collega''s bij een ontwerp', 12.0),
    ('hva', 'MPM', 'P3', 'Paper 3 (macrocontext): plaatst de school in haar omgeving en ontwerpt '
     || 'een interventie met impact op het onderwijsveld', 12.0),
    ('hva', 'MPM', 'P4', 'Paper 4: onderzoekt hoe de eigen organisatie omgaat met de aangeboden '
     || 'innovatie', 9.0),
    ('hva', 'MPM', 'P5', 'Paper 5: slotwerkstuk met reflectie op het onderzoek (van vraagstelling '
     || 'tot resultaat) en op de interventie (van probleemstelling tot resultaat)', 15.0),
    -- Fontys: the learning outcomes (leeruitkomsten) of the flexible route.
    ('fontys', 'MiZ', 'LU1', 'Leiderschap: geeft als zorgprofessional richting aan de verbetering '
     || 'van de zorgpraktijk en neemt collega''s daarin mee', 15.0),
    ('fontys', 'MiZ', 'LU2', 'Praktijkgericht onderzoek: onderzoekt methodisch een actueel en '
     || 'relevant vraagstuk uit de eigen beroepspraktijk', 15.0),
    ('fontys', 'MiZ', 'LU3', 'Innovatie: ontwerpt, implementeert en evalueert samen met het werkveld '
     || 'een vernieuwing in de zorg', 10.0),
    ('fontys', 'MiZ', 'LU4', 'Samenwerking: werkt interprofessioneel en in netwerken en '
     || 'professionele leergemeenschappen aan vraagstukken uit de praktijk', 10.0),
    ('fontys', 'MiZ', 'LU5', 'Rendement: maakt de opbrengst van de eigen ontwikkeling zichtbaar voor '
     || 'cliënt, organisatie en opleiding', 10.0),
    -- NSOB: the four yields of Metropool (certificate, no credits).
    ('nsob', 'METROPOOL', 'OPB1', 'Kennis over strategische vraagstukken en hedendaagse opgaven op '
     || 'grootstedelijk niveau', 0.0),
    ('nsob', 'METROPOOL', 'OPB2', 'Bewust(er) gebruik maken van eigen talenten en kwaliteiten', 0.0),
    ('nsob', 'METROPOOL', 'OPB3', 'Effectiever opereren binnen een politiek-bestuurlijke en '
     || 'ambtelijke context', 0.0),
    ('nsob', 'METROPOOL', 'OPB4', 'Richting geven aan volgende carrièrestappen', 0.0)
  ) AS v (slug, prog, code, description, credits)
  JOIN institution i ON i.slug = v.slug
  JOIN programme p ON p.institution_id = i.id AND p.code = v.prog
ON CONFLICT (institution_id, programme_id, code) DO NOTHING;

INSERT INTO module (institution_id, programme_id, code, name, kind, sequence, credits,
                    attendance_mandatory, cannot_be_missed)
SELECT p.institution_id, p.id, v.code, v.name, v.kind, v.seq, v.credits, v.mandatory, v.cbm
  FROM (VALUES
    -- UT: the fixed core first (academic skills early), then masterclasses,
    -- one elective stream and the thesis. Core 27.5 + 10 + 7.5 + 15 = 60.
    ('utwente', 'MPM', 'MC01', 'Masterclass Academische vaardigheden', 'core', 1, 5.0, false, false),
    ('utwente', 'MPM', 'MC02', 'Masterclass Publiek management en bestuur', 'core', 2, 7.5, false, false),
    ('utwente', 'MPM', 'MC03', 'Masterclass Maatschappelijke transities', 'core', 3, 7.5, false, false),
    ('utwente', 'MPM', 'MC04', 'Masterclass Ontwerpen van beleid en beleidsinterventies', 'core', 4, 7.5,
     false, false),
    ('utwente', 'MPM', 'MC05', 'Masterclass Digitalisering en publiek management', 'masterclass', 5, 5.0,
     false, false),
    ('utwente', 'MPM', 'MC06', 'Masterclass Big data en AI in het publieke domein', 'masterclass', 6, 5.0,
     false, false),
    ('utwente', 'MPM', 'KS1', 'Keuzestroom Publieke dienstverlening en technologie', 'elective', 7, 7.5,
     false, false),
    ('utwente', 'MPM', 'KS2', 'Keuzestroom Transities in het sociaal en fysiek domein', 'elective', 8, 7.5,
     false, false),
    ('utwente', 'MPM', 'THESIS', 'Masterthesis: een ontwerpgericht onderzoek in de eigen organisatie',
     'final', 9, 15.0, false, false),
    -- Leiden: evening lectures, one specialisation, the thesis. 30 + 10 + 20 = 60.
    ('leiden', '60416', 'PPM', 'Publiek en privaat management', 'core', 1, 10.0, false, false),
    ('leiden', '60416', 'PRM', 'Prestatiemanagement in de publieke sector', 'core', 2, 5.0, false, false),
    ('leiden', '60416', 'OOM', 'Organisatie en omgeving: publieke organisaties in multi-level governance',
     'core', 3, 10.0, false, false),
    ('leiden', '60416', 'MVO', 'Methoden van bestuurskundig onderzoek', 'core', 4, 5.0, false, false),
    ('leiden', '60416', 'SAV', 'Specialisatie Strategie, advisering en verandermanagement', 'elective', 5,
     10.0, false, false),
    ('leiden', '60416', 'PAF', 'Specialisatie Public Affairs: belangengroeperingen, media en de publieke '
     || 'organisatie', 'elective', 6, 10.0, false, false),
    ('leiden', '60416', 'SCRIPTIE', 'Masterscriptie', 'final', 7, 20.0, false, false),
    -- HvA: one semester builds on the other, micro to macro, then paper 5.
    ('hva', 'MPM', 'SEM1', 'Semester 1: het leren van leerlingen (microcontext)', 'core', 1, 12.0,
     false, false),
    ('hva', 'MPM', 'SEM2', 'Semester 2: het leren van scholen en teams (mesocontext)', 'core', 2, 12.0,
     false, false),
    ('hva', 'MPM', 'SEM3', 'Semester 3: de school en haar omgeving (macrocontext)', 'core', 3, 21.0,
     false, false),
    ('hva', 'MPM', 'SEM4', 'Semester 4: interventie en slotwerkstuk', 'final', 4, 15.0, false, false),
    -- Fontys: a unit per learning outcome.
    ('fontys', 'MiZ', 'LEI', 'Leiderschap in de zorg', 'core', 1, 15.0, false, false),
    ('fontys', 'MiZ', 'ONZ', 'Praktijkgericht onderzoek', 'core', 2, 15.0, false, false),
    ('fontys', 'MiZ', 'INN', 'Innoveren in de zorgpraktijk', 'core', 3, 10.0, false, false),
    ('fontys', 'MiZ', 'SAM', 'Samenwerken in netwerken en professionele leergemeenschappen', 'core', 4,
     10.0, false, false),
    ('fontys', 'MiZ', 'AFS', 'Afstudeerproject: rendement in de driehoek student, opleiding en werkveld',
     'final', 5, 10.0, false, false),
    -- NSOB: attendance obligation for every module; module 1 cannot be missed.
    ('nsob', 'METROPOOL', 'M1', 'De stad, haar bewoners en de complexiteit van stedelijke opgaven',
     'core', 1, 0.0, true, true),
    ('nsob', 'METROPOOL', 'M2', 'Beleid en bestuur als kwestie van taal en verhaal', 'core', 2, 0.0,
     true, false),
    ('nsob', 'METROPOOL', 'M3', 'Organisatiecultuur, samenwerking en interventie', 'core', 3, 0.0,
     true, false),
    ('nsob', 'METROPOOL', 'M4', 'Management in metropolitaanse complexiteit', 'core', 4, 0.0, true, false),
    ('nsob', 'METROPOOL', 'M5', 'Stage lopen buiten de comfortzone (vier weken, ten minste 160 uur)',
     'internship', 5, 0.0, true, false),
    ('nsob', 'METROPOOL', 'M6', 'Reflecteren op vanzelfsprekendheden in ons handelen, in het licht van '
     || 'demografische ontwikkelingen', 'core', 6, 0.0, true, false),
    ('nsob', 'METROPOOL', 'EIND', 'Eindmodule', 'final', 7, 0.0, true, false)
  ) AS v (slug, prog, code, name, kind, seq, credits, mandatory, cbm)
  JOIN institution i ON i.slug = v.slug
  JOIN programme p ON p.institution_id = i.id AND p.code = v.prog
ON CONFLICT (institution_id, programme_id, code) DO NOTHING;

INSERT INTO module_line (institution_id, module_id, line_id)
SELECT m.institution_id, m.id, l.id
  FROM (VALUES
    ('utwente', 'MPM', 'MC01', 'ACV'), ('utwente', 'MPM', 'MC02', 'BKPM'),
    ('utwente', 'MPM', 'MC03', 'BKPM'), ('utwente', 'MPM', 'MC03', 'TECH'),
    ('utwente', 'MPM', 'MC04', 'ONTW'), ('utwente', 'MPM', 'MC04', 'ACV'),
    ('utwente', 'MPM', 'MC05', 'TECH'), ('utwente', 'MPM', 'MC05', 'BKPM'),
    ('utwente', 'MPM', 'MC06', 'TECH'), ('utwente', 'MPM', 'KS1', 'TECH'),
    ('utwente', 'MPM', 'KS1', 'ONTW'), ('utwente', 'MPM', 'KS2', 'BKPM'),
    ('utwente', 'MPM', 'KS2', 'ONTW'), ('utwente', 'MPM', 'THESIS', 'ACV'),
    ('utwente', 'MPM', 'THESIS', 'ONTW'),
    ('hva', 'MPM', 'SEM1', 'KO'), ('hva', 'MPM', 'SEM1', 'TL'),
    ('hva', 'MPM', 'SEM2', 'KO'), ('hva', 'MPM', 'SEM2', 'TL'),
    ('hva', 'MPM', 'SEM3', 'KO'), ('hva', 'MPM', 'SEM3', 'TL'),
    ('hva', 'MPM', 'SEM4', 'KO'), ('hva', 'MPM', 'SEM4', 'TL'),
    ('nsob', 'METROPOOL', 'M1', 'CV'), ('nsob', 'METROPOOL', 'M1', 'PO'),
    ('nsob', 'METROPOOL', 'M2', 'CV'), ('nsob', 'METROPOOL', 'M2', 'PO'),
    ('nsob', 'METROPOOL', 'M3', 'CV'), ('nsob', 'METROPOOL', 'M3', 'PO'),
    ('nsob', 'METROPOOL', 'M4', 'CV'), ('nsob', 'METROPOOL', 'M4', 'PO'),
    ('nsob', 'METROPOOL', 'M5', 'CV'), ('nsob', 'METROPOOL', 'M5', 'PO'),
    ('nsob', 'METROPOOL', 'M6', 'CV'), ('nsob', 'METROPOOL', 'M6', 'PO'),
    ('nsob', 'METROPOOL', 'EIND', 'CV'), ('nsob', 'METROPOOL', 'EIND', 'PO')
  ) AS v (slug, prog, module, line)
  JOIN institution i ON i.slug = v.slug
  JOIN programme p ON p.institution_id = i.id AND p.code = v.prog
  JOIN module m ON m.institution_id = i.id AND m.programme_id = p.id AND m.code = v.module
  JOIN learning_line l ON l.institution_id = i.id AND l.programme_id = p.id AND l.code = v.line
ON CONFLICT DO NOTHING;

INSERT INTO module_outcome (institution_id, module_id, outcome_id)
SELECT m.institution_id, m.id, o.id
  FROM (VALUES
    ('hva', 'MPM', 'SEM1', 'P1'), ('hva', 'MPM', 'SEM2', 'P2'), ('hva', 'MPM', 'SEM3', 'P3'),
    ('hva', 'MPM', 'SEM3', 'P4'), ('hva', 'MPM', 'SEM4', 'P5'),
    ('fontys', 'MiZ', 'LEI', 'LU1'), ('fontys', 'MiZ', 'ONZ', 'LU2'), ('fontys', 'MiZ', 'INN', 'LU3'),
    ('fontys', 'MiZ', 'SAM', 'LU4'), ('fontys', 'MiZ', 'AFS', 'LU5'),
    ('nsob', 'METROPOOL', 'M1', 'OPB1'), ('nsob', 'METROPOOL', 'M1', 'OPB2'),
    ('nsob', 'METROPOOL', 'M1', 'OPB3'), ('nsob', 'METROPOOL', 'M2', 'OPB1'),
    ('nsob', 'METROPOOL', 'M2', 'OPB3'), ('nsob', 'METROPOOL', 'M3', 'OPB2'),
    ('nsob', 'METROPOOL', 'M3', 'OPB3'), ('nsob', 'METROPOOL', 'M4', 'OPB1'),
    ('nsob', 'METROPOOL', 'M4', 'OPB2'), ('nsob', 'METROPOOL', 'M5', 'OPB1'),
    ('nsob', 'METROPOOL', 'M5', 'OPB2'), ('nsob', 'METROPOOL', 'M6', 'OPB2'),
    ('nsob', 'METROPOOL', 'M6', 'OPB4'), ('nsob', 'METROPOOL', 'EIND', 'OPB1'),
    ('nsob', 'METROPOOL', 'EIND', 'OPB2'), ('nsob', 'METROPOOL', 'EIND', 'OPB3'),
    ('nsob', 'METROPOOL', 'EIND', 'OPB4')
  ) AS v (slug, prog, module, outcome)
  JOIN institution i ON i.slug = v.slug
  JOIN programme p ON p.institution_id = i.id AND p.code = v.prog
  JOIN module m ON m.institution_id = i.id AND m.programme_id = p.id AND m.code = v.module
  JOIN learning_outcome o ON o.institution_id = i.id AND o.programme_id = p.id
                         AND o.code = v.outcome
ON CONFLICT DO NOTHING;

-- Metropool's lecturers and trainers are those of the brochure (004); the
-- trainers of personal development, ir. Michiel Kochen and drs. Arjan
-- Lautenbach, in every module with a personal-development part. The
-- internship names none. The UT lecturers are invented.
INSERT INTO module_staff (institution_id, module_id, name)
SELECT m.institution_id, m.id, v.name
  FROM (VALUES
    ('nsob', 'METROPOOL', 'M1', 'dr. Nanke Verloo'),
    ('nsob', 'METROPOOL', 'M2', 'prof. dr. Mark van Twist'),
    ('nsob', 'METROPOOL', 'M2', 'prof. dr. Katrien Termeer'),
    ('nsob', 'METROPOOL', 'M3', 'prof. dr. Marcel Veenswijk'),
    ('nsob', 'METROPOOL', 'M3', 'prof. dr. Marieke van den Brink'),
    ('nsob', 'METROPOOL', 'M4', 'prof. dr. ing. Geert Teisman'),
    ('nsob', 'METROPOOL', 'M4', 'prof. dr. Floortje Scheepers'),
    ('nsob', 'METROPOOL', 'M6', 'drs. Monika Sie Dhian Ho'),
    ('nsob', 'METROPOOL', 'EIND', 'dr. Nanke Verloo'),
    ('nsob', 'METROPOOL', 'EIND', 'drs. Arjan Lautenbach'),
    ('nsob', 'METROPOOL', 'EIND', 'Jessie Samwel MSc'),
    ('utwente', 'MPM', 'MC01', 'dr. Mirjam Modelmans'),
    ('utwente', 'MPM', 'MC02', 'prof. dr. Pieter Proefschrift'),
    ('utwente', 'MPM', 'MC03', 'dr. Vera Voorbeeldig'),
    ('utwente', 'MPM', 'MC04', 'dr. Dirk Denkraam'),
    ('utwente', 'MPM', 'MC05', 'dr. Dirk Denkraam'),
    ('utwente', 'MPM', 'MC06', 'dr. Bits van der Fictie')
  ) AS v (slug, prog, module, name)
  JOIN institution i ON i.slug = v.slug
  JOIN programme p ON p.institution_id = i.id AND p.code = v.prog
  JOIN module m ON m.institution_id = i.id AND m.programme_id = p.id AND m.code = v.module
ON CONFLICT DO NOTHING;

INSERT INTO module_staff (institution_id, module_id, name)
SELECT m.institution_id, m.id, t.name
  FROM institution i
  JOIN programme p ON p.institution_id = i.id AND p.code = 'METROPOOL'
  JOIN module m ON m.institution_id = i.id AND m.programme_id = p.id
                AND m.code IN ('M1', 'M2', 'M3', 'M4', 'M6')
 CROSS JOIN (VALUES ('ir. Michiel Kochen'), ('drs. Arjan Lautenbach')) AS t (name)
 WHERE i.slug = 'nsob'
ON CONFLICT DO NOTHING;

-- Module 1 is essential for the rest of Metropool; the internship report is
-- part of the final assessment. UT: the thesis needs academic skills and
-- design. HvA: each semester builds on the one before.
INSERT INTO module_prerequisite (institution_id, module_id, required_module_id)
SELECT m.institution_id, m.id, r.id
  FROM (VALUES
    ('nsob', 'METROPOOL', 'M2', 'M1'), ('nsob', 'METROPOOL', 'M3', 'M1'),
    ('nsob', 'METROPOOL', 'M4', 'M1'), ('nsob', 'METROPOOL', 'M5', 'M1'),
    ('nsob', 'METROPOOL', 'M6', 'M1'), ('nsob', 'METROPOOL', 'EIND', 'M1'),
    ('nsob', 'METROPOOL', 'EIND', 'M5'),
    ('utwente', 'MPM', 'THESIS', 'MC01'), ('utwente', 'MPM', 'THESIS', 'MC04'),
    ('leiden', '60416', 'SCRIPTIE', 'MVO'),
    ('hva', 'MPM', 'SEM2', 'SEM1'), ('hva', 'MPM', 'SEM3', 'SEM2'), ('hva', 'MPM', 'SEM4', 'SEM3'),
    ('fontys', 'MiZ', 'AFS', 'ONZ')
  ) AS v (slug, prog, module, required)
  JOIN institution i ON i.slug = v.slug
  JOIN programme p ON p.institution_id = i.id AND p.code = v.prog
  JOIN module m ON m.institution_id = i.id AND m.programme_id = p.id AND m.code = v.module
  JOIN module r ON r.institution_id = i.id AND r.programme_id = p.id AND r.code = v.required
ON CONFLICT DO NOTHING;

-- ---- Helpers for the cohorts below (this session only) ----

-- The id of module p_code of programme p_programme.
CREATE FUNCTION pg_temp.demo_module(p_programme uuid, p_code text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT id FROM module WHERE programme_id = p_programme AND code = p_code $$;

-- The run of module p_code in cohort p_cohort.
CREATE FUNCTION pg_temp.demo_run(p_cohort uuid, p_code text) RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT r.id FROM module_run r JOIN module m ON m.id = r.module_id
     WHERE r.cohort_id = p_cohort AND m.code = p_code
     ORDER BY r.starts_on NULLS LAST LIMIT 1
$$;

-- Enrolls the people of group p_grp of institution p_slug, in their order,
-- in cohort p_cohort (or, standalone, in run p_run), and moves each
-- enrollment on from applied to its status. Returns how many it enrolled.
CREATE FUNCTION pg_temp.demo_enroll(p_slug text, p_grp text, p_cohort uuid, p_run uuid)
    RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    steps constant text[] := ARRAY['applied', 'intake_planned', 'admitted', 'active'];
    r record;
    v_id uuid;
    n integer := 0;
BEGIN
    FOR r IN SELECT d.*, p.id AS person_id,
                    (SELECT o.id FROM organisation o WHERE o.name = d.employer
                      ORDER BY o.created_at, o.id LIMIT 1) AS employer_id
               FROM demo_people d JOIN person p ON lower(p.email) = lower(d.email)
              WHERE d.slug = p_slug AND d.grp = p_grp
              ORDER BY d.seq LOOP
        SELECT e.id INTO v_id
          FROM triad_enroll(r.person_id, p_cohort, p_run, r.employer_id, r.hours,
                            coalesce(r.change, ''), 0) e;
        FOR i IN 2 .. coalesce(array_position(steps, r.status), 1) LOOP
            PERFORM triad_enrollment_transition(v_id, steps[i], 0);
        END LOOP;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- ---- NSOB: Metropool 24 ----

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'nsob');
    v_prog uuid;
    v_cohort uuid;
    v_group uuid;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'METROPOOL';
    IF EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog AND name = 'Metropool 24') THEN
        RETURN;
    END IF;

    -- Starts 26 October 2026, about 18 months.
    SELECT id INTO v_cohort
      FROM triad_cohort_create(v_prog, 'Metropool 24', '2026-10-26', '2028-04-28', 0);

    -- One group of 25 per module; module days with an evening programme.
    FOR r IN SELECT * FROM (VALUES
        ('M1', '2026-10-26', '2026-10-27'), ('M2', '2027-01-18', '2027-01-19'),
        ('M3', '2027-03-22', '2027-03-23'), ('M4', '2027-06-07', '2027-06-08'),
        ('M5', '2027-09-06', '2027-10-04'), ('M6', '2027-11-22', '2027-11-23'),
        ('EIND', '2028-04-10', '2028-04-11')) AS v (code, starts, ends) LOOP
        PERFORM triad_run_create(pg_temp.demo_module(v_prog, r.code), v_cohort, 25, r.starts,
                                 r.ends, 0);
    END LOOP;
    FOR r IN SELECT * FROM (VALUES
        ('M1', '2026-10-26T09:30:00+01:00', 'Dag 1: de stad vanuit politiek, ambtelijk en inwonersperspectief'),
        ('M1', '2026-10-27T09:00:00+01:00', 'Dag 2: zelfmanagement en persoonlijke gedragsstijlen'),
        ('M2', '2027-01-18T09:30:00+01:00', 'Dag 1: bestuurlijke newspeak en verhalen over vernieuwing'),
        ('M2', '2027-01-19T09:00:00+01:00', 'Dag 2: onderhandelen, debatteren en improviseren'),
        ('M3', '2027-03-22T09:30:00+01:00', 'Dag 1: organisatiecultuur, diversiteit en inclusie'),
        ('M3', '2027-03-23T09:00:00+01:00', 'Dag 2: samenwerken in teams, met trainingsacteur'),
        ('M4', '2027-06-07T09:30:00+02:00', 'Dag 1: complexiteitsmanagement'),
        ('M4', '2027-06-08T09:00:00+02:00', 'Dag 2: leiderschap en coaching in een complex krachtenveld'),
        ('M5', '2027-10-04T13:00:00+02:00', 'Stagebijeenkomst: deelnemers presenteren hun stage'),
        ('M6', '2027-11-22T09:30:00+01:00', 'Dag 1: identiteit en angst, greep op het leven'),
        ('M6', '2027-11-23T09:00:00+01:00', 'Dag 2: van individu naar samenleving'),
        ('EIND', '2028-04-10T09:30:00+02:00', 'Dag 1: terugblik op de grootstedelijke opgave'),
        ('EIND', '2028-04-11T09:00:00+02:00', 'Dag 2: een actueel thema en het borgen van het geleerde')
        ) AS v (code, at, title) LOOP
        PERFORM triad_session_create(pg_temp.demo_run(v_cohort, r.code), r.at, r.title, true, 0);
    END LOOP;

    -- 25 placed (all active: the programme has started), then the waitlist.
    PERFORM pg_temp.demo_enroll('nsob', 'cohort', v_cohort, NULL);

    -- Preparatory assignments are made in sub-groups of five.
    FOR r IN SELECT ((e.rn - 1) / 5) + 1 AS g, e.id
               FROM (SELECT en.id, row_number() OVER (ORDER BY en.arrival) AS rn
                       FROM enrollment en
                      WHERE en.cohort_id = v_cohort AND en.placement = 'placed') e
              ORDER BY e.rn LOOP
        SELECT id INTO v_group FROM subgroup
         WHERE run_id = pg_temp.demo_run(v_cohort, 'M1') AND name = 'Subgroep ' || r.g;
        IF v_group IS NULL THEN
            SELECT id INTO v_group
              FROM triad_subgroup_create(pg_temp.demo_run(v_cohort, 'M1'), 'Subgroep ' || r.g,
                                         'assignments', 0);
        END IF;
        PERFORM triad_subgroup_member_add(v_group, r.id, 0);
    END LOOP;

    -- Module 1 has been given: everyone was there, except that Wouter was
    -- away on the second day, which blocks him until staff record how it
    -- was resolved (module 1 cannot be missed).
    FOR r IN SELECT s.id AS session_id, e.id AS enrollment_id,
                    CASE WHEN p.email = 'wouter.wensdroom@verzonnenstad.example'
                          AND s.starts_at > '2026-10-27' THEN 'excused' ELSE 'present' END AS status
               FROM session s
               JOIN enrollment e ON e.cohort_id = v_cohort AND e.placement = 'placed'
               JOIN person p ON p.id = e.person_id
              WHERE s.run_id = pg_temp.demo_run(v_cohort, 'M1')
              ORDER BY s.starts_at, e.arrival LOOP
        PERFORM triad_attendance_record(r.session_id, r.enrollment_id, r.status, 0);
    END LOOP;
END
$$;

-- ---- UT: Master Public Management, cohort 2025 ----

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'utwente');
    v_prog uuid;
    v_cohort uuid;
    v_run uuid;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'MPM';
    IF EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog AND name = 'MPM 2025') THEN
        RETURN;
    END IF;

    SELECT id INTO v_cohort
      FROM triad_cohort_create(v_prog, 'MPM 2025', '2025-09-01', '2027-11-30', 0);
    FOR r IN SELECT * FROM (VALUES
        ('MC01', '2025-09-05', '2025-11-28'), ('MC02', '2025-12-05', '2026-03-27'),
        ('MC03', '2026-04-10', '2026-07-03'), ('MC04', '2026-09-04', '2026-12-18'),
        ('MC05', '2027-01-15', '2027-03-26')) AS v (code, starts, ends) LOOP
        PERFORM triad_run_create(pg_temp.demo_module(v_prog, r.code), v_cohort, NULL, r.starts,
                                 r.ends, 0);
    END LOOP;
    v_run := pg_temp.demo_run(v_cohort, 'MC05');
    FOR r IN SELECT * FROM (VALUES
        ('2027-01-15T13:00:00+01:00', 'Digitale transities en de rol van de publiek manager'),
        ('2027-02-12T13:00:00+01:00', 'Algoritmen in de uitvoering: verantwoording en toezicht'),
        ('2027-03-12T13:00:00+01:00', 'Ontwerpsessie met casussen van de deelnemers'),
        ('2027-03-26T13:00:00+01:00', 'Presentaties')) AS v (at, title) LOOP
        PERFORM triad_session_create(v_run, r.at, r.title, true, 0);
    END LOOP;

    -- The programme participants first, so the standalone followers stay
    -- a minority of the masterclass group.
    PERFORM pg_temp.demo_enroll('utwente', 'cohort', v_cohort, NULL);

    -- They have done the first three core masterclasses.
    FOR r IN SELECT e.id, m.id AS module_id
               FROM enrollment e
               JOIN module m ON m.programme_id = v_prog AND m.code IN ('MC01', 'MC02', 'MC03')
              WHERE e.cohort_id = v_cohort AND e.status = 'active'
              ORDER BY e.arrival, m.sequence LOOP
        PERFORM triad_module_complete(r.id, r.module_id, 0);
    END LOOP;

    -- A masterclass is flexible: standalone followers need the core first,
    -- or an exemption that programme staff record with a reason.
    FOR r IN SELECT p.id, d.name
               FROM demo_people d JOIN person p ON lower(p.email) = lower(d.email)
              WHERE d.slug = 'utwente' AND d.grp = 'standalone' ORDER BY d.seq LOOP
        PERFORM triad_exemption_record(r.id, pg_temp.demo_module(v_prog, 'MC05'),
            'Volgt alleen deze masterclass; werkervaring met digitalisering in de publieke sector '
            || 'en academische vaardigheden uit een eerdere master besproken in de intake', 0);
    END LOOP;
    PERFORM pg_temp.demo_enroll('utwente', 'standalone', NULL, v_run);
END
$$;

-- ---- Leiden: MSc Public Sector Management, September 2026 and February 2027 ----

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'leiden');
    v_prog uuid;
    v_sep uuid;
    v_feb uuid;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = '60416';
    IF EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog AND name = 'PSM september 2026') THEN
        RETURN;
    END IF;

    SELECT id INTO v_sep
      FROM triad_cohort_create(v_prog, 'PSM september 2026', '2026-09-01', '2027-08-31', 0);
    SELECT id INTO v_feb
      FROM triad_cohort_create(v_prog, 'PSM februari 2027', '2027-02-01', '2028-01-31', 0);
    PERFORM triad_run_create(pg_temp.demo_module(v_prog, 'PPM'), v_sep, 25, '2026-09-01',
                             '2026-10-30', 0);
    PERFORM triad_run_create(pg_temp.demo_module(v_prog, 'PRM'), v_sep, 25, '2026-11-02',
                             '2027-01-29', 0);
    PERFORM triad_run_create(pg_temp.demo_module(v_prog, 'PPM'), v_feb, 25, '2027-02-01',
                             '2027-03-31', 0);
    -- Evening lectures, two to three times a week.
    FOR r IN SELECT * FROM (VALUES
        ('2026-11-03T18:30:00+01:00', 'Hoorcollege: wat is prestatiemanagement?'),
        ('2026-11-05T18:30:00+01:00', 'Hoorcollege: hoe meet je veiligheid?'),
        ('2026-11-10T18:30:00+01:00', 'Hoorcollege: docenten afrekenen op prestaties?')
        ) AS v (at, title) LOOP
        PERFORM triad_session_create(pg_temp.demo_run(v_sep, 'PRM'), r.at, r.title, true, 0);
    END LOOP;

    PERFORM pg_temp.demo_enroll('leiden', 'cohort', v_sep, NULL);
    PERFORM pg_temp.demo_enroll('leiden', 'cohort2', v_feb, NULL);
END
$$;

-- ---- HvA: Master Professioneel Meesterschap, cohort 2026 ----

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'hva');
    v_prog uuid;
    v_cohort uuid;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'MPM';
    IF EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog AND name = 'MPM 2026-2028') THEN
        RETURN;
    END IF;

    SELECT id INTO v_cohort
      FROM triad_cohort_create(v_prog, 'MPM 2026-2028', '2026-09-01', '2028-08-31', 0);
    PERFORM triad_run_create(pg_temp.demo_module(v_prog, 'SEM1'), v_cohort, 25, '2026-09-01',
                             '2027-01-31', 0);
    PERFORM triad_run_create(pg_temp.demo_module(v_prog, 'SEM2'), v_cohort, 25, '2027-02-01',
                             '2027-07-09', 0);
    PERFORM pg_temp.demo_enroll('hva', 'cohort', v_cohort, NULL);
END
$$;

-- ---- Fontys: Master in Zorg, cohort 2026, with prior learning ----

DO $$
DECLARE
    v_inst uuid := (SELECT id FROM institution WHERE slug = 'fontys');
    v_prog uuid;
    v_cohort uuid;
    v_assessor text;
    v_claim uuid;
    r record;
BEGIN
    PERFORM set_config('triad.institution_id', v_inst::text, true);
    SELECT id INTO v_prog FROM programme WHERE institution_id = v_inst AND code = 'MiZ';
    IF EXISTS (SELECT 1 FROM cohort WHERE programme_id = v_prog AND name = 'MiZ 2026') THEN
        RETURN;
    END IF;

    SELECT id INTO v_cohort
      FROM triad_cohort_create(v_prog, 'MiZ 2026', '2026-09-01', '2028-08-31', 0);
    PERFORM triad_run_create(pg_temp.demo_module(v_prog, 'LEI'), v_cohort, 25, '2026-09-01',
                             '2027-01-31', 0);
    PERFORM triad_run_create(pg_temp.demo_module(v_prog, 'ONZ'), v_cohort, 25, '2027-02-01',
                             '2027-06-30', 0);
    PERFORM pg_temp.demo_enroll('fontys', 'cohort', v_cohort, NULL);

    -- Validation of prior learning: two claims validated (their credits
    -- shorten the route), one still open.
    SELECT id::text INTO v_assessor FROM person WHERE email = 'bea.beoordeel@fontys-toets.example';
    FOR r IN SELECT * FROM (VALUES
        ('ilse.inbeelding@nergenshuizen.example', 'LU2',
         'Post-hbo opleiding praktijkgericht onderzoek afgerond (2023); verbeteronderzoek naar '
         || 'valpreventie op de afdeling, met onderzoeksverslag en presentatie aan het '
         || 'managementteam; verklaring van de praktijkcoach.',
         'Het verslag toont een methodisch uitgevoerd praktijkonderzoek op masterniveau; '
         || 'criterium gesprek met de assessor op 2026-10-14 voldoende.'),
        ('rachid.reflectief@zorggroep-denkbeeldig.example', 'LU4',
         'Vijf jaar voorzitter van het regionale netwerk ketenzorg dementie; verslagen van de '
         || 'netwerkbijeenkomsten, een samenwerkingsconvenant en 360-gradenfeedback van '
         || 'netwerkpartners.',
         'Interprofessionele samenwerking in een netwerk is aangetoond met bewijs uit meerdere '
         || 'bronnen.'),
        ('mieke.mantelzorg@verzonnenzorg.example', 'LU1',
         'Teamleider wijkverpleging sinds 2021; heeft de invoering van zelforganisatie in twee '
         || 'teams geleid; reflectieverslag en beoordeling door de leidinggevende bijgevoegd.',
         NULL)) AS v (email, outcome, evidence, decision) LOOP
        SELECT c.id INTO v_claim
          FROM triad_claim_create((SELECT id::text FROM person WHERE email = r.email),
                                  (SELECT id FROM learning_outcome
                                    WHERE programme_id = v_prog AND code = r.outcome),
                                  r.evidence, 0) c;
        IF r.decision IS NOT NULL THEN
            PERFORM triad_claim_decide(v_claim, true, r.decision, v_assessor, 0);
        END IF;
    END LOOP;
END
$$;

DROP FUNCTION pg_temp.demo_enroll(text, text, uuid, uuid);
DROP FUNCTION pg_temp.demo_run(uuid, text);
DROP FUNCTION pg_temp.demo_module(uuid, text);
DROP TABLE demo_people;
