-- scale_bare.sql: the plain table of the bare statements (ratios.sh).
--
--   psql -v ON_ERROR_STOP=1 -d "$OWNER_DB" -f tests/bench/scale_bare.sql
--
-- as the schema owner, after scale_feedback.sql. triad_bench.bare_feedback
-- holds a copy of the bench institution's feedback (the same number of rows,
-- the same texts and uuids) in a table with nothing around it: no row-level
-- security, no foreign keys, no audit, one index for "the 20 latest of a
-- participant". pgbench runs the bare statements on it as triadd's role
-- (feedback_pgbench.sh writes them): INSERT one row; SELECT the 20 latest for
-- a participant. What the daemon adds to those statements is the difference
-- between the feedback mix and this blend. Run again, it copies the feedback
-- again.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS triad_bench;
GRANT USAGE ON SCHEMA triad_bench TO triad_app;
DROP TABLE IF EXISTS triad_bench.bare_feedback;
CREATE TABLE triad_bench.bare_feedback (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    enrollment_id   uuid NOT NULL,
    coach_person_id uuid NOT NULL,
    situation       text NOT NULL,
    behaviour       text NOT NULL,
    effect          text NOT NULL DEFAULT '',
    suggestion      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO triad_bench.bare_feedback (id, enrollment_id, coach_person_id, situation, behaviour,
                                       effect, suggestion, created_at)
SELECT f.id, f.enrollment_id, f.coach_person_id, f.situation, f.behaviour, f.effect, f.suggestion,
       f.created_at
  FROM feedback f JOIN institution i ON i.id = f.institution_id
 WHERE i.slug = 'bench';
CREATE INDEX bare_feedback_latest ON triad_bench.bare_feedback (enrollment_id, created_at DESC);
GRANT SELECT, INSERT ON triad_bench.bare_feedback TO triad_app;
VACUUM ANALYZE triad_bench.bare_feedback;
SELECT count(*) AS bare_feedback_rows FROM triad_bench.bare_feedback;
