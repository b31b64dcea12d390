-- scale_feedback.sql: the data of the feedback benchmark (compare_feedback.sh).
--
-- Run as the schema owner on a migrated database (with or without the demo
-- data):
--
--   psql -v ON_ERROR_STOP=1 -v out=/tmp/bench_coaches.csv \
--        -d "$OWNER_DB" -f tests/bench/scale_feedback.sql
--
-- It adds an institution of its own, slug 'bench', and touches nothing
-- else of the database:
--
--   * a programme BENCH and one cohort;
--   * coaches x per_coach participants (persons, members), each enrolled
--     (active, placed) in the cohort;
--   * `coaches` coaches (persons, members, principals, a workplace_coach
--     grant and one API token each), each with an active coaching relation
--     to per_coach participants, so every participant has one coach;
--   * `feedback` feedback rows, spread evenly over the relations (100 each
--     by default) and over the past year, without idempotency keys;
--   * the schema triad_bench with the table triad_bench.coach, one row per
--     coach with the ids pgbench needs (readable by triad_app);
--
-- and writes, when -v out=FILE is given, a CSV with one line per relation:
--
--   token,token_id,principal_id,person_id,relation_id,enrollment_id,institution_id
--
-- which triad-bench --kind feedback --tokens FILE reads.
--
-- Variables (-v NAME=VALUE), with their defaults: coaches=1000,
-- per_coach=10, feedback=1000000, seed=triad-bench, out (no CSV).
-- rows=N is the same as feedback=N, and also works on a database that has
-- the bench institution already: it then adds or removes generated
-- feedback rows until the institution has exactly N (see "growth" below).
--
-- The tokens are derived from the seed: 'trd_' followed by 43 lowercase hex
-- digits of md5(seed:coach:N), which are valid base64url. Anyone who knows
-- the seed can sign in as a bench coach: load this into a database meant for
-- benchmarks only, or pass a seed of your own.
--
-- Run again when the institution exists (without -v rows), it generates
-- nothing and only rebuilds triad_bench.coach and the CSV (with the same seed; a different
-- one fails the token check). To start over: drop the database, or
-- DROP SCHEMA triad_bench CASCADE and remove the bench institution's rows.
--
-- It takes well under a minute for the defaults on a small machine: plain
-- INSERT ... SELECT in one transaction, then VACUUM ANALYZE.
--
-- Growth (-v rows=N on an existing bench institution): the feedback rows go
-- to exactly N. Rows are added as one INSERT ... SELECT FROM generate_series,
-- older than the ones there (row a is a - 1 minutes ... a x 30 s old, on
-- relation a mod relations), so the latest feedback of every relation stays
-- what it was; rows are removed oldest first, followed by VACUUM FULL so the
-- table and its indexes are as compact as a fresh load. When more rows are
-- added than there are, the indexes that are not constraints are dropped
-- first and built again after the load (from their own definitions in
-- pg_indexes), which is faster than maintaining them row by row. Run by a
-- superuser that has done SET session_replication_role = replica and SET
-- ROLE to the owner (tests/bench/ratios.sh does), the foreign-key checks of
-- the load are skipped as well: the rows reference what the script made.
-- 10,000,000 rows take a few minutes on a small machine.

\set ON_ERROR_STOP 1
\if :{?coaches}
\else
\set coaches 1000
\endif
\if :{?per_coach}
\else
\set per_coach 10
\endif
\if :{?rows}
\set feedback :rows
\elif :{?feedback}
\else
\set feedback 1000000
\endif
\if :{?seed}
\else
\set seed triad-bench
\endif

SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
-- Only this session's commits: the data is regenerated, not precious.
SET synchronous_commit = off;
SET client_min_messages = warning;

SELECT EXISTS (SELECT 1 FROM institution WHERE slug = 'bench') AS bench_exists \gset

\if :bench_exists
\if :{?rows}
\echo 'scale_feedback: institution bench exists; bringing its feedback to' :rows 'rows'
SELECT id AS inst FROM institution WHERE slug = 'bench' \gset
SELECT count(*) AS have FROM feedback WHERE institution_id = :'inst' \gset
SELECT count(*) AS nrel FROM coaching_relation WHERE institution_id = :'inst' \gset
SELECT :rows::bigint > :have::bigint AS grow, :rows::bigint < :have::bigint AS shrink,
       :rows::bigint - :have::bigint > :have::bigint AS rebuild \gset
\if :grow
BEGIN;
CREATE TEMP TABLE bench_rel ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY id))::int - 1 AS k, id AS relation_id, enrollment_id,
       coach_person_id
  FROM coaching_relation WHERE institution_id = :'inst';
CREATE UNIQUE INDEX ON bench_rel (k);
ANALYZE bench_rel;
-- The indexes that no constraint owns, to build again after the load.
CREATE TEMP TABLE bench_idx ON COMMIT DROP AS
SELECT i.indexname, i.indexdef
  FROM pg_indexes i
 WHERE i.schemaname = current_schema() AND i.tablename = 'feedback'
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                    WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
   AND :'rebuild'::boolean;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT indexname FROM bench_idx LOOP
        EXECUTE format('DROP INDEX %I', r.indexname);
    END LOOP;
END
$$;
-- In the order of their (random) ids, so that the primary key is filled page
-- after page instead of at random places all over it.
INSERT INTO feedback (institution_id, id, relation_id, enrollment_id, coach_person_id, situation,
                      behaviour, effect, suggestion, created_at)
SELECT :'inst', gen_random_uuid(), r.relation_id, r.enrollment_id, r.coach_person_id,
       'In the ' || (ARRAY['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])[a % 5 + 1]
           || ' team meeting about case ' || a,
       'You summarised the options before anyone asked and named the risk of each.',
       CASE WHEN a % 3 = 0 THEN '' ELSE 'The team decided within ten minutes.' END,
       CASE WHEN a % 4 = 0 THEN 'Say which option you prefer, and why.' ELSE '' END,
       now() - interval '1 minute' - a * interval '30 seconds'
  FROM generate_series(:have::bigint, :rows::bigint - 1) a
  JOIN bench_rel r ON r.k = a % :nrel
 ORDER BY 2;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT indexdef FROM bench_idx LOOP
        EXECUTE r.indexdef;
    END LOOP;
END
$$;
COMMIT;
VACUUM ANALYZE feedback;
\elif :shrink
DELETE FROM feedback
 WHERE institution_id = :'inst'
   AND id IN (SELECT id FROM feedback WHERE institution_id = :'inst'
               ORDER BY created_at LIMIT :have::bigint - :rows::bigint);
VACUUM FULL feedback;
ANALYZE feedback;
\endif
\else
\echo 'scale_feedback: institution bench exists; not generating again'
\endif
\else
\echo 'scale_feedback: generating' :coaches 'coaches x' :per_coach 'participants,' :feedback 'feedback rows'
BEGIN;

INSERT INTO institution (slug, name) VALUES ('bench', 'Benchmark Institute')
RETURNING id AS inst \gset

INSERT INTO programme (institution_id, code, name, award, ects, duration_months, language, mode)
VALUES (:'inst', 'BENCH', 'Benchmark programme', 'certificate', 30, 12, 'nl', 'part_time')
RETURNING id AS prog \gset

INSERT INTO cohort (institution_id, programme_id, name, starts_on, ends_on)
VALUES (:'inst', :'prog', 'Bench', current_date - 365, current_date + 365)
RETURNING id AS cohort \gset

-- Participants: n = 1 .. coaches * per_coach.
CREATE TEMP TABLE bench_p ON COMMIT DROP AS
SELECT g AS n, gen_random_uuid() AS person_id, gen_random_uuid() AS enrollment_id
  FROM generate_series(1, :coaches * :per_coach) g;

INSERT INTO person (id, name, email)
SELECT person_id, 'Bench Participant ' || n, 'bench.participant.' || n || '@bench.example'
  FROM bench_p;
INSERT INTO member (institution_id, person_id) SELECT :'inst', person_id FROM bench_p;
INSERT INTO enrollment (institution_id, id, person_id, track, cohort_id, status, placement,
                        created_at, updated_at)
SELECT :'inst', enrollment_id, person_id, 'programme', :'cohort', 'active', 'placed',
       now() - interval '1 year', now() - interval '1 year'
  FROM bench_p ORDER BY n;

-- Coaches: n = 1 .. coaches; coach c coaches participants c, c + coaches, ...
CREATE TEMP TABLE bench_c ON COMMIT DROP AS
SELECT g AS n, gen_random_uuid() AS person_id, gen_random_uuid() AS principal_id,
       gen_random_uuid() AS token_id,
       'trd_' || md5(:'seed' || ':coach:' || g) || left(md5(:'seed' || ':coach2:' || g), 11)
           AS token
  FROM generate_series(1, :coaches) g;

INSERT INTO person (id, name, email)
SELECT person_id, 'Bench Coach ' || n, 'bench.coach.' || n || '@bench.example' FROM bench_c;
INSERT INTO member (institution_id, person_id) SELECT :'inst', person_id FROM bench_c;
INSERT INTO principal (id, kind, person_id, name)
SELECT principal_id, 'person', person_id, 'Bench Coach ' || n FROM bench_c;
INSERT INTO role_grant (institution_id, principal_id, role)
SELECT :'inst', principal_id, 'workplace_coach' FROM bench_c;
INSERT INTO api_token (id, principal_id, prefix, hash, label)
SELECT token_id, principal_id, left(token, 12), sha256(convert_to(token, 'UTF8')), 'triad-bench'
  FROM bench_c;

CREATE TEMP TABLE bench_r ON COMMIT DROP AS
SELECT p.n, gen_random_uuid() AS relation_id, p.enrollment_id, c.person_id AS coach_person_id
  FROM bench_p p JOIN bench_c c ON c.n = (p.n - 1) % :coaches + 1;
CREATE UNIQUE INDEX ON bench_r (n);
ANALYZE bench_r;

INSERT INTO coaching_relation (institution_id, id, enrollment_id, coach_person_id, kind, status,
                               starts_on, created_at)
SELECT :'inst', relation_id, enrollment_id, coach_person_id, 'workplace_coach', 'active',
       current_date - 365, now() - interval '1 year'
  FROM bench_r ORDER BY n;

-- Feedback g goes to relation g mod relations, 30 s after feedback g - 1,
-- the last one a minute ago: a year of it for the defaults.
INSERT INTO feedback (institution_id, relation_id, enrollment_id, coach_person_id, situation,
                      behaviour, effect, suggestion, created_at)
SELECT :'inst', r.relation_id, r.enrollment_id, r.coach_person_id,
       'In the ' || (ARRAY['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])[g % 5 + 1]
           || ' team meeting about case ' || g,
       'You summarised the options before anyone asked and named the risk of each.',
       CASE WHEN g % 3 = 0 THEN '' ELSE 'The team decided within ten minutes.' END,
       CASE WHEN g % 4 = 0 THEN 'Say which option you prefer, and why.' ELSE '' END,
       now() - interval '1 minute' - (:feedback - 1 - g) * interval '30 seconds'
  FROM generate_series(0, :feedback - 1) g
  JOIN bench_r r ON r.n = g % (:coaches * :per_coach) + 1;

COMMIT;

VACUUM ANALYZE feedback;
VACUUM ANALYZE coaching_relation;
VACUUM ANALYZE enrollment;
VACUUM ANALYZE person;
VACUUM ANALYZE member;
VACUUM ANALYZE principal;
VACUUM ANALYZE role_grant;
VACUUM ANALYZE api_token;
\endif

-- ---- what the load generators read ----

SELECT id AS inst FROM institution WHERE slug = 'bench' \gset

-- The return report's counts of feedback per enrollment and month
-- (feedback_month, migration 0023), counted again from the rows: a load
-- under session_replication_role = replica fires none of the triggers that
-- keep them.
SELECT current_setting('session_replication_role') = 'replica' AS no_triggers \gset
\if :no_triggers
BEGIN;
DELETE FROM feedback_month WHERE institution_id = :'inst';
INSERT INTO feedback_month (institution_id, enrollment_id, month, n)
SELECT institution_id, enrollment_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date,
       count(*)
  FROM feedback WHERE institution_id = :'inst'
 GROUP BY 1, 2, 3;
COMMIT;
\endif

-- Every bench coach, its token recomputed from the seed and checked.
CREATE TEMP TABLE bench_coach AS
WITH c AS (
    SELECT substring(p.email FROM '^bench\.coach\.([0-9]+)@')::int AS k, p.id AS person_id,
           pr.id AS principal_id, t.id AS token_id, t.hash
      FROM person p
      JOIN principal pr ON pr.person_id = p.id
      JOIN api_token t ON t.principal_id = pr.id AND t.label = 'triad-bench'
     WHERE p.email LIKE 'bench.coach.%@bench.example'
)
SELECT (row_number() OVER (ORDER BY c.k))::int - 1 AS n, c.k, c.token_id, c.principal_id,
       c.person_id, :'inst'::uuid AS institution_id,
       'trd_' || md5(:'seed' || ':coach:' || c.k) || left(md5(:'seed' || ':coach2:' || c.k), 11)
           AS token,
       c.hash, r.rel, r.enr
  FROM c
  CROSS JOIN LATERAL (
      SELECT array_agg(r.id ORDER BY e.arrival) AS rel,
             array_agg(r.enrollment_id ORDER BY e.arrival) AS enr
        FROM coaching_relation r
        JOIN enrollment e ON e.institution_id = r.institution_id AND e.id = r.enrollment_id
       WHERE r.institution_id = :'inst' AND r.coach_person_id = c.person_id
         AND r.status = 'active') r;

SELECT count(*) > 0 AS bad_tokens FROM bench_coach
 WHERE hash <> sha256(convert_to(token, 'UTF8')) \gset
\if :bad_tokens
DO $$ BEGIN RAISE EXCEPTION 'scale_feedback: the stored tokens were made with another seed; pass -v seed=...'; END $$;
\endif

-- What pgbench reads, as triad_app: one row per coach, n from 0 (pgbench
-- takes coach n = client_id mod coaches), the ids of its session, and its
-- relations and their enrollments in the same order. No secrets.
CREATE SCHEMA IF NOT EXISTS triad_bench;
GRANT USAGE ON SCHEMA triad_bench TO triad_app;
DROP TABLE IF EXISTS triad_bench.coach;
CREATE TABLE triad_bench.coach AS
SELECT n, token_id, principal_id, person_id, institution_id, rel, enr FROM bench_coach;
ALTER TABLE triad_bench.coach ADD PRIMARY KEY (n);
GRANT SELECT ON triad_bench.coach TO triad_app;
ANALYZE triad_bench.coach;

SELECT count(*) AS coaches, min(cardinality(rel)) AS min_relations,
       max(cardinality(rel)) AS max_relations,
       (SELECT count(*) FROM feedback WHERE institution_id = :'inst') AS feedback
  FROM triad_bench.coach;

\if :{?out}
COPY (SELECT c.token, c.token_id, c.principal_id, c.person_id, u.rel AS relation_id,
             u.enr AS enrollment_id, c.institution_id
        FROM bench_coach c
        CROSS JOIN LATERAL unnest(c.rel, c.enr) WITH ORDINALITY AS u (rel, enr, i)
       ORDER BY c.n, u.i)
  TO STDOUT WITH (FORMAT csv, HEADER) \g :out
\echo 'scale_feedback: wrote' :out
\endif
