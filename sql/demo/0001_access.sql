-- Demo data, part 1: the institutions, organisations and people of the
-- seed documents (see ../shared seeds index in the README), so a fresh quick
-- start has something to look at. Loaded by deploy/quickstart.sh as the
-- schema owner; safe to load twice.

INSERT INTO institution (slug, name) VALUES
    ('utwente', 'University of Twente'),
    ('leiden', 'Leiden University'),
    ('hva', 'Hogeschool van Amsterdam'),
    ('fontys', 'Fontys Hogescholen'),
    ('nsob', 'Nederlandse School voor Openbaar Bestuur')
ON CONFLICT (slug) DO NOTHING;

INSERT INTO organisation (name, kind)
SELECT v.name, v.kind
  FROM (VALUES ('Gemeente Amsterdam', 'municipality'),
               ('Gemeente Utrecht', 'municipality'),
               ('Gemeente Maastricht', 'municipality')) AS v (name, kind)
 WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.name = v.name);

INSERT INTO person (name, email) VALUES
    ('Anne de Vries', 'anne.devries@nsob.example'),
    ('Bram Jansen', 'bram.jansen@amsterdam.example'),
    ('Carla Bakker', 'carla.bakker@utrecht.example')
ON CONFLICT ((lower(email))) DO NOTHING;

-- Anne runs the Metropool programme at NSOB; Bram and Carla follow it and
-- are known to NSOB.
INSERT INTO member (institution_id, person_id)
SELECT i.id, p.id
  FROM institution i, person p
 WHERE i.slug = 'nsob'
   AND p.email IN ('anne.devries@nsob.example', 'bram.jansen@amsterdam.example',
                   'carla.bakker@utrecht.example')
ON CONFLICT DO NOTHING;

INSERT INTO principal (kind, person_id, name)
SELECT 'person', p.id, p.name FROM person p WHERE p.email = 'anne.devries@nsob.example'
ON CONFLICT (person_id) DO NOTHING;

INSERT INTO role_grant (institution_id, principal_id, role)
SELECT i.id, pr.id, 'institution_admin'
  FROM institution i, principal pr JOIN person p ON p.id = pr.person_id
 WHERE i.slug = 'nsob' AND p.email = 'anne.devries@nsob.example'
ON CONFLICT DO NOTHING;
