#!/usr/bin/env bash
# events_pgbench.sh: write the pgbench side of the event registration benchmark.
#
#   tests/bench/events_pgbench.sh DIR
#
# writes DIR/register.pgbench, to be run as triadd's role with
#
#   pgbench -n -M extended -D clients=C -D k=0 -D events=E -D persons=P \
#       -D loaded=0 -D inst=bench-events -D token_id=UUID -D principal_id=UUID \
#       -f DIR/register.pgbench -c C ...
#
# Each transaction is what triadd sends for one RegisterForEvent of
# triad-bench --kind event signed in as an operator: in one pipeline,
# the daemon's cheap begin (one SELECT of set_config calls, daemon/db.c), the
# route's set_config, the route's statement
# (daemon/svc_event.c), and a sync; that is one implicit transaction, with the
# same SQL as the daemon's except that
#   * the ids are computed in the statement, md5('bench-event-' || e)::uuid
#     and md5('bench-person-' || p)::uuid (scale_events.sql made them so),
#     where the daemon binds them as text: pgbench cannot index a list;
#   * the institution's id is read once per client by its slug (the daemon
#     maps slugs to ids once); the person and organisation are NULL literals
#     with the daemon's casts where the daemon binds NULL for an operator
#     (pgbench cannot bind NULL); the staff flag (true) and the caller's
#     person in the statement ('', an operator has none) are literals too.
# Client c numbers its requests n = c + C * k, k = 0, 1, 2 ..., and request
# n registers person (n / E) mod P for event n mod E, exactly as triad-bench
# does for its client c: the same pairs, the same fill of every event.
set -euo pipefail

dir=${1:?usage: events_pgbench.sh DIR}
mkdir -p "$dir"

cat >"$dir/register.pgbench" <<'EOF'
-- RegisterForEvent: triadd's REGISTER_FOR_EVENT route, as an operator (staff).
\set n :client_id + :clients * :k
\set k :k + 1
\set e :n % :events
\set p (:n / :events) % :persons
\set reqid random(1, 9223372036854775807)
\if :loaded = 0
SELECT id AS inst_id FROM institution WHERE slug = :inst
\gset
\set loaded 1
\endif
\startpipeline
SELECT set_config('triad.institution_id', coalesce(:inst_id::uuid::text, ''), true), set_config('triad.principal_id', coalesce(:principal_id::uuid::text, ''), true), set_config('triad.person_id', coalesce(NULL::uuid::text, ''), true), set_config('triad.staff', coalesce(true::boolean, false)::text, true), set_config('triad.organisation_id', coalesce(NULL::uuid::text, ''), true);
SELECT set_config('triad.event_route', 'register_for_event', true);
SELECT * FROM triad_event_register(md5('bench-event-' || :e)::uuid, md5('bench-person-' || :p)::uuid, '', :reqid::numeric);
\endpipeline
EOF
