#!/usr/bin/env bash
# feedback_pgbench.sh: write the pgbench side of the feedback benchmark.
#
#   tests/bench/feedback_pgbench.sh DIR [RELATIONS]
#
# writes DIR/give.pgbench, DIR/coachees.pgbench and DIR/list.pgbench, to be
# run as triadd's role with
#
#   pgbench -n -M prepared -D loaded=0 \
#       -f DIR/give.pgbench@20 -f DIR/coachees.pgbench@40 -f DIR/list.pgbench@40 ...
#
# Each transaction is what triadd sends for one request of triad-bench
# --kind feedback (daemon/db.c, daemon/dispatch.c, daemon/svc_triangle.c),
# with the same SQL text and the same parameters as the daemon's:
#   * ListCoachees and ListFeedback: in one pipeline, the cheap begin (one
#     SELECT of set_config calls, daemon/db.c), the route's statement in the
#     shape the daemon prepares for the fields set (ListFeedback for one
#     enrollment, first page), and a sync; one implicit transaction;
#   * GiveFeedback (an idempotent write with a key): in one pipeline, BEGIN,
#     the cheap begin, the route's set_config, triad_idempotency_claim(...),
#     the route's statement and a sync; then in a second pipeline
#     triad_idempotency_store(...) of the answer (a constant of the answer's
#     size) and COMMIT; then NOTIFY triad_events, which the daemon sends from
#     a connection of its own once writes that emit events have committed
#     (daemon/stream.c; it sends one for several commits when they come
#     faster than the NOTIFYs go, pgbench one per write);
# except that
#   * pgbench numbers parameters in order of appearance, one per use: the
#     daemon's "$1 ... $1" is pgbench's "$3 ... $4" with the same value twice;
#   * where the daemon binds a NULL parameter, pgbench (which cannot bind
#     NULL) writes a NULL literal with the same cast; pg_stat_statements
#     shows the same normalised statement for both.
# ratios.sh compares the statements each side ran (pg_stat_statements) and
# says so when the daemon's have changed and these scripts no longer match.
#
# It also writes DIR/bare_give.pgbench and DIR/bare_list.pgbench, the bare
# statements on the plain table triad_bench.bare_feedback (scale_bare.sql):
# INSERT one feedback row; SELECT the 20 latest for a participant, each an
# implicit transaction of its own, run with the weights 20 and 80.
#
# Client c acts as coach c mod coaches of triad_bench.coach (written by
# scale_feedback.sql), as triad-bench's connection c signs in as the c-th
# coach of the token file. Its first transaction also reads that row once
# (the ids, relations and texts, into variables: -D loaded=0 makes it run),
# like the daemon's Hello once per connection. Each request then picks one of
# the coach's RELATIONS relations (default 10) at random: pgbench cannot
# index a list, so every script holds one branch per relation.
set -euo pipefail

dir=${1:?usage: feedback_pgbench.sh DIR [RELATIONS]}
nrel=${2:-10}
[[ $nrel =~ ^[1-9][0-9]*$ ]] || { echo "feedback_pgbench.sh: not a count: $nrel" >&2; exit 2; }
mkdir -p "$dir"

# The texts of GiveFeedback: the same as triad_bench.c's GIVE_* strings.
situation='In the Monday team meeting about the new intake procedure'
behaviour='You summarised the options before anyone asked and named the risk of each.'
effect='The team decided within ten minutes.'
suggestion='Say which option you prefer, and why.'

# init: the once-per-client read of the coach's row.
init() {
	local i cols=""
	for ((i = 0; i < nrel; i++)); do
		cols+=", rel[$((i + 1))] AS r$i, enr[$((i + 1))] AS e$i"
	done
	cat <<-EOF
	\\if :loaded = 0
	SELECT token_id, principal_id, person_id, institution_id AS inst$cols,
	       '$situation' AS situation, '$behaviour' AS behaviour,
	       '$effect' AS effect, '$suggestion' AS suggestion,
	       '' AS empty, 'false' AS staff, 21 AS lim, 51 AS climit, 0 AS coffset, 1 AS grants,
	       'give_feedback' AS route, 86400 AS ttl, 'false' AS secret,
	       '\\x' || encode(sha256('triad-bench'), 'hex') AS hash,
	       '\\x' || repeat('5a', 433) AS answer
	  FROM triad_bench.coach
	 WHERE n = :client_id % (SELECT count(*) FROM triad_bench.coach)
	\\gset
	\\set loaded 1
	\\endif
	EOF
}

# branches TEMPLATE: one pipeline per relation, @R@ and @E@ replaced by the
# variables of relation k.
branches() {
	local i kw
	echo "\\set k random(0, $((nrel - 1)))"
	for ((i = 0; i < nrel; i++)); do
		if ((i == 0)); then kw='\if'; else kw='\elif'; fi
		echo "$kw :k = $i"
		sed -e "s/@R@/r$i/g" -e "s/@E@/e$i/g" <<<"$1"
	done
	echo '\endif'
}

{
	echo "-- GiveFeedback: triadd's GIVE_FEEDBACK route, a fresh idempotency key each time."
	init
	echo '\set key random(1, 9223372036854775807)'
	echo '\set reqid random(1, 9223372036854775807)'
	branches '\startpipeline
BEGIN;
SELECT set_config('"'triad.institution_id'"', coalesce(:inst::uuid::text, '"''"'), true), set_config('"'triad.principal_id'"', coalesce(:principal_id::uuid::text, '"''"'), true), set_config('"'triad.person_id'"', coalesce(:person_id::uuid::text, '"''"'), true), set_config('"'triad.staff'"', coalesce(:staff::boolean, false)::text, true), set_config('"'triad.organisation_id'"', coalesce(NULL::uuid::text, '"''"'), true);
SELECT set_config('"'triad.event_route'"', :route, true);
SELECT triad_idempotency_claim(:key, :hash::bytea, :route, :ttl::int);
SELECT * FROM triad_feedback_give(nullif(:@R@, '"''"')::uuid, :situation, :behaviour, :effect, :suggestion, nullif(:empty, '"''"')::uuid, nullif(:empty, '"''"')::uuid, nullif(:empty, '"''"')::uuid, :person_id, :reqid::numeric);
\endpipeline
\startpipeline
SELECT triad_idempotency_store(:key, nullif(:answer, '"''"')::bytea, :secret::boolean);
COMMIT;
\endpipeline
NOTIFY triad_events;'
} >"$dir/give.pgbench"

{
	echo "-- ListCoachees: triadd's LIST_COACHEES route (no institution: a coach's own view)."
	init
	echo '\startpipeline'
	echo "SELECT set_config('triad.institution_id', coalesce(NULL::uuid::text, ''), true), set_config('triad.principal_id', coalesce(:principal_id::uuid::text, ''), true), set_config('triad.person_id', coalesce(:person_id::uuid::text, ''), true), set_config('triad.staff', coalesce(:staff::boolean, false)::text, true), set_config('triad.organisation_id', coalesce(NULL::uuid::text, ''), true);"
	echo 'SELECT * FROM triad_coachees(:person_id) ORDER BY institution_slug, participant_name, relation_id LIMIT :climit::int OFFSET :coffset::int;'
	echo '\endpipeline'
} >"$dir/coachees.pgbench"

{
	echo "-- ListFeedback: triadd's LIST_FEEDBACK route, first page of 20 (LIMIT 21)."
	init
	branches '\startpipeline
SELECT set_config('"'triad.institution_id'"', coalesce(:inst::uuid::text, '"''"'), true), set_config('"'triad.principal_id'"', coalesce(:principal_id::uuid::text, '"''"'), true), set_config('"'triad.person_id'"', coalesce(:person_id::uuid::text, '"''"'), true), set_config('"'triad.staff'"', coalesce(:staff::boolean, false)::text, true), set_config('"'triad.organisation_id'"', coalesce(NULL::uuid::text, '"''"'), true);
SELECT * FROM feedback_v WHERE id = ANY (ARRAY(SELECT id FROM feedback_seen WHERE (enrollment_id = nullif(:@E@, '"''"')::uuid) AND true ORDER BY id LIMIT :lim::int)) ORDER BY id;
\endpipeline'
} >"$dir/list.pgbench"

{
	echo "-- The bare INSERT: one feedback row into the plain table, nothing else."
	init
	branches 'INSERT INTO triad_bench.bare_feedback (enrollment_id, coach_person_id, situation, behaviour, effect, suggestion) VALUES (:@E@, :person_id, :situation, :behaviour, :effect, :suggestion);'
} >"$dir/bare_give.pgbench"

{
	echo "-- The bare SELECT: the 20 latest feedback rows of one participant."
	init
	branches 'SELECT * FROM triad_bench.bare_feedback WHERE enrollment_id = :@E@ ORDER BY created_at DESC LIMIT 20;'
} >"$dir/bare_list.pgbench"
