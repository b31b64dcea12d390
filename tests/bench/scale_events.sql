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
-- events. compare_feedback.sh --kind event and ratios.sh delete them before
-- every run. Loading it twice only writes the file again.
--
-- The institution also has a history: `past` symposia (default 500) that
-- took place in the years before, with `history` registrations (default
-- 100,000) spread over them, which the benchmark never touches. So the table
-- of registrations is never empty, as on a service in use: a run that starts
-- from an empty table is planned for an empty table, and a connection that
-- lives across runs (the daemon's pool) keeps plans that scan it whole as it
-- fills (tests/bench/README.md).

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
\if :{?past}
\else
\set past 500
\endif
\if :{?history}
\else
\set history 100000
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
INSERT INTO event (institution_id, id, kind, title, starts_at, place, capacity)
SELECT :'inst', md5('bench-past-event-' || n)::uuid, 'symposium', 'Past symposium ' || n,
       timestamptz '2020-01-06 13:00Z' + n * interval '3 days', 'Bench hall', 1000
  FROM generate_series(0, :past - 1) n;
-- Registration h: person h mod persons at past symposium h / persons, so no
-- pair twice while history <= past x persons; placed, in order of arrival.
INSERT INTO event_registration (institution_id, event_id, person_id, placement)
SELECT :'inst', md5('bench-past-event-' || (h / :persons) % :past)::uuid,
       md5('bench-person-' || h % :persons)::uuid, 'placed'
  FROM generate_series(0, least(:history, :past * :persons) - 1) h
 ORDER BY h;
COMMIT;
VACUUM ANALYZE person;
VACUUM ANALYZE member;
VACUUM ANALYZE event;
VACUUM ANALYZE event_registration;
\endif

SELECT count(*) FILTER (WHERE starts_at > now()) AS events,
       min(capacity) FILTER (WHERE starts_at > now()) AS capacity,
       (SELECT count(*) FROM event_registration r JOIN institution i ON i.id = r.institution_id
         WHERE i.slug = 'bench-events') AS registrations,
       (SELECT count(*) FROM member m JOIN institution i ON i.id = m.institution_id
         WHERE i.slug = 'bench-events') AS persons
  FROM event e JOIN institution i ON i.id = e.institution_id
 WHERE i.slug = 'bench-events';

\if :{?out}
COPY (SELECT line FROM (
          SELECT 0 AS part, n, 'event ' || md5('bench-event-' || n)::uuid AS line
            FROM generate_series(0, (SELECT count(*) FROM event e
                                       JOIN institution i ON i.id = e.institution_id
                                      WHERE i.slug = 'bench-events'
                                        AND e.starts_at > now()) - 1) n
          UNION ALL
          SELECT 1, n, 'person ' || md5('bench-person-' || n)::uuid
            FROM generate_series(0, (SELECT count(*) FROM member m
                                       JOIN institution i ON i.id = m.institution_id
                                      WHERE i.slug = 'bench-events') - 1) n) l
       ORDER BY part, n)
  TO STDOUT \g :out
\echo 'scale_events: wrote' :out
\endif
