-- Demo data, part 3: the workplace triangle. An agreement with a partner
-- municipality, coaching relations, a feedback request, feedback and a
-- consent, all through the functions of 0005_triangle. Hanneke Meedenker
-- coaches at NSOB and at the HvA with one credential, which is what the
-- shared service is for.
--
-- Coaches have no sign-in yet: staff create an invite for them with
-- `triad --institution nsob invite create PERSON_ID --role workplace-coach`
-- (or a new relation, which answers with one). Loaded by the quick start
-- as the schema owner, in one transaction; safe to load twice.

CREATE TEMP TABLE demo_rel (slug text, participant text, coach text, kind text);
INSERT INTO demo_rel VALUES
    ('nsob', 'fenna.fictief@denkbeeldig.example', 'hanneke.meedenker@denkbeeldig.example',
     'workplace_coach'),
    ('nsob', 'daan.denkbeeld@denkbeeldig.example', 'gert.klankbord@verzonnenstad.example',
     'workplace_coach'),
    ('hva', 'annelies.anekdote@sg-denkbeeldig.example', 'hanneke.meedenker@denkbeeldig.example',
     'confidant'),
    ('hva', 'annelies.anekdote@sg-denkbeeldig.example', 'greet.gastvrij@sg-denkbeeldig.example',
     'workplace_coach'),
    ('hva', 'kim.kennisrijk@mbo-fictief.example', 'vera.vertrouwd@mbo-fictief.example',
     'workplace_coach');

-- One institution at a time: the functions act in the tenant set here.
CREATE FUNCTION pg_temp.demo_relations(p_slug text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
BEGIN
    PERFORM set_config('triad.institution_id',
                       (SELECT id::text FROM institution WHERE slug = p_slug), true);
    FOR r IN SELECT e.id AS enrollment, c.id AS coach, d.kind
               FROM demo_rel d
               JOIN person pp ON lower(pp.email) = d.participant
               JOIN enrollment e ON e.person_id = pp.id AND e.institution_id = triad_tenant()
                                AND e.status <> 'withdrawn'
               JOIN person c ON lower(c.email) = d.coach
              WHERE d.slug = p_slug
                AND NOT EXISTS (SELECT 1 FROM coaching_relation x
                                 WHERE x.enrollment_id = e.id AND x.coach_person_id = c.id) LOOP
        PERFORM triad_relation_create(r.enrollment, r.coach, r.kind, '2026-10-26', '', 'active',
                                      NULL, 0);
    END LOOP;
END
$$;

SELECT pg_temp.demo_relations('nsob');

-- NSOB's partner: Gemeente Denkbeeldig hosts participants and an internship.
SELECT triad_agreement_create((SELECT id FROM organisation WHERE name = 'Gemeente Denkbeeldig'),
                              'professional_workplace', '2026-09-01', '', 16, 1, 2,
                              ARRAY['Hoofd Personeel en Organisatie (fictief)'],
                              ARRAY['Wethouder Wim Wensbeeld (fictief)'], '{}', 0)
 WHERE NOT EXISTS (SELECT 1 FROM agreement WHERE institution_id = triad_tenant());

-- Fenna asked Hanneke for feedback; Hanneke wrote some; Fenna lets her
-- employer see her progress.
SELECT triad_feedback_request_create(r.id, NULL, NULL, 'Paper 1',
           'Hoe kom ik over als ik het bewonersperspectief inbreng in het MT?',
           (current_date + 14)::text,
           pp.id::text, 0)
  FROM coaching_relation r
  JOIN enrollment e ON e.id = r.enrollment_id
  JOIN person pp ON pp.id = e.person_id
 WHERE lower(pp.email) = 'fenna.fictief@denkbeeldig.example'
   AND NOT EXISTS (SELECT 1 FROM feedback_request q WHERE q.relation_id = r.id);

SELECT triad_feedback_give(r.id,
           'MT-overleg over de wijkaanpak Noord, 3 november.',
           'Fenna bracht twee citaten van bewoners in en vroeg het MT wat die betekenden voor het plan.',
           'Het gesprek ging daarna over de wijk in plaats van over de planning.',
           'Vraag de volgende keer ook wie in het MT het contact met de wijk houdt.',
           NULL, NULL, NULL, r.coach_person_id::text, 0)
  FROM coaching_relation r
  JOIN enrollment e ON e.id = r.enrollment_id
  JOIN person pp ON pp.id = e.person_id
 WHERE lower(pp.email) = 'fenna.fictief@denkbeeldig.example'
   AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.relation_id = r.id);

SELECT triad_consent_set(e.id, e.employer_id, 'progress', pp.id::text, 0)
  FROM enrollment e JOIN person pp ON pp.id = e.person_id
 WHERE lower(pp.email) = 'fenna.fictief@denkbeeldig.example' AND e.employer_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM consent c WHERE c.enrollment_id = e.id);

SELECT pg_temp.demo_relations('hva');
