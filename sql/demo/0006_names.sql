-- Demo data, part 6: the names people use. The employers get registry
-- numbers (made up: real chamber-of-commerce numbers have eight digits,
-- these say DEMO), so that a quick start can name them either way:
--   triad org show DEMO-0001
--   triad org show 'gemeente denkbeeldig'
-- and Fenna Fictief, who has a coach, a request for feedback and a
-- consent (part 3), can see her own after signing in with an invite:
--   triad --institution nsob invite create fenna.fictief@denkbeeldig.example \
--         --role participant
--   triad login --invite CODE; triad me
-- Loaded by the quick start as the schema owner; safe to load twice.

UPDATE organisation o
   SET registry_number = v.number
  FROM (VALUES ('Gemeente Denkbeeldig', 'DEMO-0001'),
               ('Gemeente Verzonnenstad', 'DEMO-0002'),
               ('Gemeente Fictiefdam', 'DEMO-0003'),
               ('Gemeente Nergenshoven', 'DEMO-0004'),
               ('Provincie Denkbeeldland', 'DEMO-0005'),
               ('Zorggroep Denkbeeldig', 'DEMO-0006'),
               ('Ziekenhuis Nergenshuizen', 'DEMO-0007')) AS v (name, number)
 WHERE o.name = v.name AND o.registry_number IS NULL
   AND NOT EXISTS (SELECT 1 FROM organisation x WHERE lower(x.registry_number) = lower(v.number));
