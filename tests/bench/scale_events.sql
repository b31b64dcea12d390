-- scale_events.sql: the data of the event registration benchmark.
--
--   psql "$OWNER_DB" -v out=/tmp/events.txt -f tests/bench/scale_events.sql
--
-- as the schema owner, after `triadd migrate`. It makes an institution
-- bench-events with `persons` persons (default 2,000) and `events` symposia
-- (default 100) of capacity `capacity` (default 50) far in the future. Ids
-- are derived from their number, md5('bench-event-' || n)::uuid and
-- md5('bench-person-' || n)::uuid, so that pgbench's script can name them
-- without reading a table (events_pgbench.sh), while triad-bench reads them
-- from the file `out` writes: "event UUID" lines for n = 0 .. events - 1,
-- then "person UUID" lines, in order.
--
-- Registrations are made by the benchmark, through the daemon or pgbench:
-- request n registers person (n / events) mod persons for event n mod
-- events. compare_feedback.sh --kind event deletes them before every run.
-- Loading it twice only writes the file again.

\set ON_ERROR_STOP 1
\if :{?persons}
\else
\set persons 2000
\endif
\if :{?events}
\else
\set events 100
\endif
\if :{?capacity}
\else
\set capacity 50
\endif

SET client_min_messages = warning;

SELECT EXISTS (SELECT 1 FROM institution WHERE slug = 'bench-events') AS bench_exists \gset

\if :bench_exists
\echo 'scale_events: institution bench-events exists; not generating again'
\else
\echo 'scale_events: generating' :persons 'persons and' :events 'events of capacity' :capacity
BEGIN;
INSERT INTO institution (slug, name) VALUES ('bench-events', 'Benchmark Events Institute')
RETURNING id AS inst \gset
INSERT INTO person (id, name, email)
SELECT md5('bench-person-' || n)::uuid, 'Bench Guest ' || n,
       'bench.guest.' || n || '@bench-events.example'
  FROM generate_series(0, :persons - 1) n;
INSERT INTO member (institution_id, person_id)
SELECT :'inst', md5('bench-person-' || n)::uuid FROM generate_series(0, :persons - 1) n;
INSERT INTO event (institution_id, id, kind, title, starts_at, place, capacity)
SELECT :'inst', md5('bench-event-' || n)::uuid, 'symposium', 'Bench symposium ' || n,
       timestamptz '2099-06-01 13:00Z' + n * interval '1 day', 'Bench hall', :capacity
  FROM generate_series(0, :events - 1) n;
COMMIT;
VACUUM ANALYZE person;
VACUUM ANALYZE member;
VACUUM ANALYZE event;
\endif

SELECT count(*) AS events, min(capacity) AS capacity,
       (SELECT count(*) FROM member m JOIN institution i ON i.id = m.institution_id
         WHERE i.slug = 'bench-events') AS persons
  FROM event e JOIN institution i ON i.id = e.institution_id
 WHERE i.slug = 'bench-events';

\if :{?out}
COPY (SELECT line FROM (
          SELECT 0 AS part, n, 'event ' || md5('bench-event-' || n)::uuid AS line
            FROM generate_series(0, (SELECT count(*) FROM event e
                                       JOIN institution i ON i.id = e.institution_id
                                      WHERE i.slug = 'bench-events') - 1) n
          UNION ALL
          SELECT 1, n, 'person ' || md5('bench-person-' || n)::uuid
            FROM generate_series(0, (SELECT count(*) FROM member m
                                       JOIN institution i ON i.id = m.institution_id
                                      WHERE i.slug = 'bench-events') - 1) n) l
       ORDER BY part, n)
  TO STDOUT \g :out
\echo 'scale_events: wrote' :out
\endif
