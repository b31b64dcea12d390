#!/usr/bin/env bash
# feedback_pgbench.sh: write the pgbench side of the feedback benchmark.
#
#   tests/bench/feedback_pgbench.sh DIR [RELATIONS]
#
# writes DIR/give.pgbench, DIR/coachees.pgbench and DIR/list.pgbench, to be
# run as triadd's role with
#
#   pgbench -n -M extended -D loaded=0 \
#       -f DIR/give.pgbench@20 -f DIR/coachees.pgbench@40 -f DIR/list.pgbench@40 ...
#
# Each transaction is what triadd sends for one request of triad-bench
# --kind feedback: in one pipeline, SELECT triad_begin(...), the route's
# statement, and a sync; that is one implicit transaction, with the same SQL
# text and the same parameters as the daemon's (daemon/svc_triangle.c),
# except that
#   * pgbench numbers parameters in order of appearance, one per use: the
#     daemon's "$1 ... $1" is pgbench's "$3 ... $4" with the same value twice;
#   * ListCoachees opens with triad_begin(NULL, ...) where the daemon binds a
#     NULL parameter: pgbench cannot bind NULL.
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
	       '' AS empty, 'false' AS staff, 21 AS lim
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
SELECT triad_begin(:inst, :token_id::uuid, :principal_id::uuid, 1);
SELECT * FROM triad_feedback_give(nullif(:@R@, '"''"')::uuid, :situation, :behaviour, :effect, :suggestion, nullif(:empty, '"''"')::uuid, nullif(:empty, '"''"')::uuid, nullif(:empty, '"''"')::uuid, :person_id, :key, :reqid::numeric);
\endpipeline'
} >"$dir/give.pgbench"

{
	echo "-- ListCoachees: triadd's LIST_COACHEES route (no institution: a coach's own view)."
	init
	echo '\startpipeline'
	echo 'SELECT triad_begin(NULL, :token_id::uuid, :principal_id::uuid, NULL);'
	echo 'SELECT * FROM triad_coachees(:person_id);'
	echo '\endpipeline'
} >"$dir/coachees.pgbench"

{
	echo "-- ListFeedback: triadd's LIST_FEEDBACK route, first page of 20 (LIMIT 21)."
	init
	branches '\startpipeline
SELECT triad_begin(:inst, :token_id::uuid, :principal_id::uuid, 1, :person_id::uuid, :staff::boolean);
SELECT * FROM feedback_v WHERE (nullif(:@E@, '"''"') IS NULL OR enrollment_id = nullif(:@E@, '"''"')::uuid) AND (nullif(:empty, '"''"') IS NULL OR id > nullif(:empty, '"''"')::uuid) ORDER BY id LIMIT :lim::int;
\endpipeline'
} >"$dir/list.pgbench"
