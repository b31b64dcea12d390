#!/usr/bin/env bash
# ratios.sh: every ratio of the performance goals, measured side by side in one
# run, in alternating rounds, on a cluster of its own.
#
#   bash tests/bench/ratios.sh [--rounds N] [--duration S] [--growth] ...
#
# It makes a throwaway PostgreSQL cluster (deploy/pg.sh, durable settings as in
# production: fsync and synchronous commit on), builds triadd and triad-bench
# when it is not given them, loads the bench data (scale_feedback.sql,
# scale_events.sql, scale_bare.sql), starts triadd, and then, round after
# round, with the order of the sides swapped every round:
#
#   * the feedback mix (triad-bench --kind feedback, 64 connections) against
#     pgbench running the daemon's statements (feedback_pgbench.sh) and
#     against pgbench running the bare statements on a plain table
#     (feedback_pgbench.sh too), both -M prepared at their best client count;
#   * p99 of the feedback mix at 64 connections offered half the round's peak
#     (triad-bench --rate);
#   * event registrations against pgbench running the daemon's statements;
#   * ping at pipeline 1 and 16 against redis-benchmark PING -P 1 and -P 16;
#
# then triadd's instructions per request under callgrind, the memory of
# 10,000 idle connections (idle_rss.sh), and with --growth the mix at 10^5,
# 10^6 and 10^7 feedback rows. It prints every figure as the median of the
# rounds with their range, every ratio with the goal next to it, and stops
# everything it started on exit. See README.md ("ratios.sh").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
# shellcheck source=../../deploy/pg.sh
source "$ROOT/deploy/pg.sh"
PGSH=$ROOT/deploy/pg.sh

usage() {
	cat <<EOF
usage: $0 [options]

  --rounds N            alternating rounds (default 3)
  --duration S          measured seconds of every run (default 15)
  --warmup S            unmeasured seconds before each (default 3)
  --rows N              feedback rows for the rounds (default 1000000)
  --connections C       connections of the feedback mix and events (default 64)
  --pgbench-clients L   pgbench client counts tried each round, the best
                        counts (default 8,16,64)
  --ping-connections C  connections of the ping runs (default 50)
  --growth              also the growth run: the mix at each of --growth-sizes
  --growth-sizes L      feedback rows of the growth run (default 1e5,1e6,1e7)
  --growth-only         the growth run alone: no rounds, statements, ping,
                        instructions or idle connections
  --no-redis            skip the ping runs against Redis
  --no-callgrind        skip the instructions per request
  --no-idle             skip the idle connections' memory
  --idle-connections N  idle connections (default 10000)
  --triadd PATH         the daemon to measure (default: build one, see below)
  --bench PATH          triad-bench (default: build it)
  --build DIR           where to build both when not given (default
                        build-bench in the source tree: RelWithDebInfo, no
                        sanitizers)
  --triadd-conf LINE    an extra line for triadd's config, e.g.
                        'pool_size = 8' (repeatable)
  --pg-set NAME=VALUE   an extra PostgreSQL setting (repeatable), e.g.
                        shared_buffers=2GB
  --keep DIR            keep the work directory (logs, pgbench scripts) in DIR
  -h, --help
EOF
}

rounds=3
secs=15
warm=3
rows=1000000
conns=64
pg_clients=8,16,64
ping_conns=50
growth=false
main=true
growth_sizes=1e5,1e6,1e7
do_redis=true
do_callgrind=true
do_idle=true
idle_conns=10000
triadd=
bench=
build=$ROOT/build-bench
keep=
triadd_conf=()
pg_set=()

while [[ $# -gt 0 ]]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--duration) secs=$2; shift 2 ;;
	--warmup) warm=$2; shift 2 ;;
	--rows) rows=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--pgbench-clients) pg_clients=$2; shift 2 ;;
	--ping-connections) ping_conns=$2; shift 2 ;;
	--growth) growth=true; shift ;;
	--growth-sizes) growth_sizes=$2; growth=true; shift 2 ;;
	--growth-only) growth=true; main=false; do_redis=false; do_callgrind=false; do_idle=false
		shift ;;
	--no-redis) do_redis=false; shift ;;
	--no-callgrind) do_callgrind=false; shift ;;
	--no-idle) do_idle=false; shift ;;
	--idle-connections) idle_conns=$2; shift 2 ;;
	--triadd) triadd=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--triadd-conf) triadd_conf+=("$2"); shift 2 ;;
	--pg-set) pg_set+=("$2"); shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "ratios.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done

die() { echo "ratios.sh: $*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

# A count: digits, or 1e5-style.
count() {
	local v=$1
	if [[ $v =~ ^([1-9][0-9]*)e([0-9]+)$ ]]; then
		v=${BASH_REMATCH[1]}
		for ((i = 0; i < BASH_REMATCH[2]; i++)); do v=${v}0; done
	fi
	[[ $v =~ ^[1-9][0-9]*$ ]] || die "not a positive whole number: $1"
	printf '%s\n' "$v"
}
for n in "$rounds" "$secs" "$conns" "$ping_conns" "$idle_conns"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive whole number: $n"
done
[[ $warm =~ ^[0-9]+$ ]] || die "--warmup: not a whole number: $warm"
rows=$(count "$rows")
IFS=, read -r -a clients_list <<<"$pg_clients"
for n in "${clients_list[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "--pgbench-clients: $pg_clients"; done
sizes=()
if $growth; then
	IFS=, read -r -a gs <<<"$growth_sizes"
	for n in "${gs[@]}"; do sizes+=("$(count "$n")"); done
	((${#sizes[@]} >= 2)) || die "--growth-sizes wants at least two sizes"
fi

# ---------------------------------------------------------------------------------------
# What it needs

pkgs=(postgresql postgresql-contrib procps)
$do_callgrind && pkgs+=(valgrind)
$do_redis && pkgs+=(redis-server redis-tools)
[[ -z $triadd || -z $bench ]] && pkgs+=(build-essential cmake pkg-config libevent-dev
	libprotobuf-c-dev protobuf-c-compiler libpq-dev libinih-dev libssl-dev libsystemd-dev
	libcmocka-dev openssl)
triad_install_packages "${pkgs[@]}"
command -v pgbench >/dev/null || die "pgbench is not installed"
command -v psql >/dev/null || die "psql is not installed"
if $do_redis; then
	for p in redis-server redis-benchmark redis-cli; do
		command -v "$p" >/dev/null || die "$p is not installed (or pass --no-redis)"
	done
fi
if $do_callgrind; then
	for p in valgrind callgrind_control; do
		command -v "$p" >/dev/null || die "$p is not installed (or pass --no-callgrind)"
	done
fi

if [[ -z $triadd || -z $bench ]]; then
	say "== build ($build, RelWithDebInfo)"
	mkdir -p "$build"
	{ cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIAD_SANITIZE=OFF \
		-DTRIAD_FUZZ=OFF -DTRIAD_TESTS=ON &&
		cmake --build "$build" -j"$(nproc)" --target triadd triad-bench; } \
		>"$build/ratios-build.log" 2>&1 ||
		{ tail -n 30 "$build/ratios-build.log" >&2; die "the build failed ($build/ratios-build.log)"; }
	[[ -n $triadd ]] || triadd=$build/daemon/triadd
	[[ -n $bench ]] || bench=$build/tests/bench/triad-bench
fi
[[ -x $triadd ]] || die "no triadd at $triadd"
[[ -x $bench ]] || die "no triad-bench at $bench"
triadd=$(realpath "$triadd")
bench=$(realpath "$bench")

# Descriptors for 10,000 idle connections, here and in the triadd started here.
need=$((idle_conns + 1024))
if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $need ]]; then
	if [[ $(id -u) -eq 0 ]]; then
		ulimit -Hn 1048576 2>/dev/null || ulimit -Hn "$need" 2>/dev/null || true
	fi
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

# ---------------------------------------------------------------------------------------
# Everything started here is stopped on exit.

umask 077
work=$(mktemp -d "${TMPDIR:-/tmp}/triad-ratios.XXXXXX")
chmod 0711 "$work"
PG=$work/pg
pids=()
redis_pid=
cleanup() {
	local rc=$? p
	set +e
	for p in "${pids[@]}" $redis_pid; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}" $redis_pid; do
		wait "$p" 2>/dev/null
	done
	[[ -f $PG/env ]] && bash "$PGSH" destroy "$PG" >/dev/null 2>&1
	if [[ -n $keep ]]; then
		mkdir -p "$keep" && cp -a "$work/." "$keep/" 2>/dev/null
		say "work directory kept in $keep"
	fi
	if ((rc != 0)); then
		for f in "$work"/*.log; do
			[[ -f $f ]] || continue
			echo "--- last lines of $f:" >&2
			tail -n 15 "$f" >&2
		done
	fi
	rm -rf -- "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints a command the way it could be typed again, passwords hidden.
show() {
	local line
	line=$(printf '%q ' "$@")
	line=$(sed -E 's/(password=)[^ \\]*/\1***/g' <<<"$line")
	echo "  + $line" >&3
}
exec 3>&1

# wait_for WHAT SECONDS CMD...: polls CMD until it succeeds, or fails at the deadline.
wait_for() {
	local what=$1 limit=$2 deadline
	shift 2
	deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "$what: not ready within $limit s"
		sleep 0.1
	done
}

median() {
	printf '%s\n' "$@" | awk '$1 != "-" && $1 != ""' | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) print "-";
			else if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2;
		}'
}
range() {
	printf '%s\n' "$@" | awk '$1 != "-" && $1 != ""' | sort -g | awk '
		NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s-%s", lo, hi; else print "-" }'
}
# fig V...: "median [min-max]" of rates, in whole requests per second.
fig() {
	local m lo hi
	m=$(median "$@")
	IFS=- read -r lo hi <<<"$(range "$@")"
	awk -v m="$m" -v lo="$lo" -v hi="$hi" 'BEGIN { printf "%.0f [%.0f-%.0f]", m, lo, hi }'
}
# fig_ms V...: the same of milliseconds.
fig_ms() { printf '%s [%s]' "$(median "$@")" "$(range "$@")"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
ms() { awk -v u="$1" 'BEGIN { if (u == "") print "-"; else printf "%.2f", u / 1000 }'; }

json_field() {	# json_field FIELD FILE: a number from triad-bench's JSON (the whole run)
	local text
	text=$(cat "$2")
	text=${text%%\"ops\":*}
	grep -o "\"$1\":[0-9.]*" <<<"$text" | head -n1 | cut -d: -f2
}

# ---------------------------------------------------------------------------------------
say "== a cluster of its own"
bash "$PGSH" init "$PG" "$(triad_free_port)" >"$work/pg-init.log" 2>&1 ||
	{ cat "$work/pg-init.log" >&2; die "pg.sh init failed"; }
pg_load "$PG"
# pg_stat_statements shows which statements each side ran (see "statements").
settings=("shared_preload_libraries=pg_stat_statements"
	"max_connections=400" "${pg_set[@]}")
for s in "${settings[@]}"; do
	[[ $s == *=* ]] || die "--pg-set wants NAME=VALUE: $s"
	bash "$PGSH" psql "$PG" -q -v ON_ERROR_STOP=1 -d postgres \
		-c "ALTER SYSTEM SET ${s%%=*} = '${s#*=}'" >/dev/null || die "cannot set $s"
done
bash "$PGSH" stop "$PG"
bash "$PGSH" start "$PG"
pg_load "$PG"
"$triadd" migrate --db "$OWNER_DB" >"$work/migrate.log" 2>&1 || die "triadd migrate failed"
bash "$PGSH" psql "$PG" -q -v ON_ERROR_STOP=1 -d triad \
	-c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
say "PostgreSQL $(bash "$PGSH" psql "$PG" -At -d postgres -c 'SHOW server_version'), port $PG_PORT;" \
	"settings: ${settings[*]}"

# Loads run as the superuser with the foreign-key triggers off (the rows reference
# what the script itself made), as the owner for everything else.
load_sql() {	# load_sql FILE [psql -v ...]
	local f=$1
	shift
	bash "$PGSH" psql "$PG" -X -q -v ON_ERROR_STOP=1 -d triad "$@" \
		-c "SET session_replication_role = replica" -c "SET ROLE triad_owner" -f - <"$f"
}

say "== data: $rows feedback rows, events, the plain table"
t0=$SECONDS
load_sql "$here/scale_feedback.sql" -v rows="$rows" -v out='|cat' \
	>"$work/tokens.raw" 2>"$work/load.log" || { cat "$work/load.log" >&2; die "scale_feedback.sql failed"; }
grep -E '^(token,|trd_)' "$work/tokens.raw" >"$work/tokens.csv" || die "no token file written"
psql -X -q -v ON_ERROR_STOP=1 -d "$OWNER_DB" -v out='|cat' -f "$here/scale_events.sql" \
	>"$work/events.raw" 2>>"$work/load.log" || die "scale_events.sql failed"
grep -E '^(event|person) ' "$work/events.raw" >"$work/events.txt" || die "no events file written"
psql -X -q -v ON_ERROR_STOP=1 -d "$OWNER_DB" -f "$here/scale_bare.sql" >>"$work/load.log" 2>&1 ||
	die "scale_bare.sql failed"
# What the loads left for autovacuum (and the statistics) is done now, not during
# the first run of round 1, which is triad's.
bash "$PGSH" psql "$PG" -X -q -v ON_ERROR_STOP=1 -d triad -c "VACUUM ANALYZE" >>"$work/load.log" 2>&1 ||
	die "VACUUM ANALYZE after the load failed"
say "loaded in $((SECONDS - t0)) s"
operator=$("$triadd" bootstrap --force --db "$OWNER_DB" 2>/dev/null) || die "triadd bootstrap failed"
[[ $operator == trd_* ]] || die "triadd bootstrap printed no token"

# The session the event pgbench runs as: the operator's token's ids.
read -r token_id principal_id <<<"$(psql -X -At -F ' ' -d "$APP_DB" -v tok="$operator" \
	<<<"SELECT id, principal_id FROM api_token WHERE prefix = left(:'tok', 12)")"
[[ -n ${principal_id:-} ]] || die "cannot read the operator token's ids as triadd's role"
nevents=$(grep -c '^event ' "$work/events.txt")
npersons=$(grep -c '^person ' "$work/events.txt")
read -r ncoach nrel <<<"$(psql -X -At -F ' ' -d "$APP_DB" \
	-c "SELECT count(*), min(cardinality(rel)) FROM triad_bench.coach")"
say "bench data: $ncoach coaches x $nrel relations, $nevents events, $npersons persons"
"$here/feedback_pgbench.sh" "$work/sql" "$nrel"
"$here/events_pgbench.sh" "$work/sql"

# ---------------------------------------------------------------------------------------
# triadd

log_value() { sed -n "s/.* event=$2 .*\\<$3=\\([^ ]*\\).*/\\1/p" "$1" | head -n 1; }

# start_triadd NAME [PREFIX...]: triadd (under PREFIX, e.g. valgrind) on loopback
# ports the kernel picks; sets ADDR and HTTP from its log, PID.
start_triadd() {
	local name=$1 conf=$work/$1.conf log=$work/$1.log l
	shift
	{
		printf '[triadd]\nlisten = 127.0.0.1:0\nhttp_listen = 127.0.0.1:0\ntls = off\n'
		printf 'db = %s\n' "$APP_DB"
		for l in "${triadd_conf[@]}"; do printf '%s\n' "$l"; done
	} >"$conf"
	show "$@" "$triadd" --config "$conf"
	"$@" "$triadd" --config "$conf" >"$log" 2>&1 &
	PID=$!
	pids+=("$PID")
	local deadline=$((SECONDS + 300))
	until grep -q 'event=listening ' "$log" 2>/dev/null; do
		kill -0 "$PID" 2>/dev/null || { cat "$log" >&2; die "triadd $name exited at start"; }
		((SECONDS < deadline)) || die "triadd $name did not listen within 300 s"
		sleep 0.1
	done
	ADDR=$(log_value "$log" listening addr)
	HTTP=$(log_value "$log" http_listening addr)
	# Ready when its whole pool is connected (slow under valgrind: SCRAM).
	local pool
	pool=$(log_value "$log" listening pool)
	wait_for "triadd $name's database pool" 600 pool_up "$HTTP" "${pool:-1}"
}

# metric HOST:PORT NAME: a figure of a triadd's /metrics (its http_listen).
metric() {
	local host=${1%:*} port=${1##*:} body
	exec 5<>"/dev/tcp/$host/$port" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&5
	body=$(cat <&5)
	exec 5<&-
	awk -v m="$2" '$1 == m { printf "%d\n", $2 }' <<<"$body"
}

# pool_up HOST:PORT POOL: true when every database connection of the pool is up.
pool_up() {
	local up
	up=$(metric "$1" triad_db_connections_up) || return 1
	[[ -n $up ]] && ((up >= $2))
}

stop_pid() {	# stop_pid PID: SIGTERM and wait
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local p keep_pids=()
	for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep_pids+=("$p"); done
	pids=("${keep_pids[@]}")
}

say "== triadd"
start_triadd main
TADDR=$ADDR
TPID=$PID
say "triadd $("$triadd" --version 2>/dev/null | head -n1) on $TADDR (pid $TPID)," \
	"config: ${triadd_conf[*]:-defaults}"
say "triad-bench $bench"
say "$(pgbench --version), client counts ${clients_list[*]}, -M prepared, generic plans (as the daemon)"

# ---------------------------------------------------------------------------------------
# One run of each kind

# reset_feedback: remove what earlier runs gave (the rows with triad-bench's and
# pgbench's text) and their idempotency keys, so every run starts from the same data.
reset_feedback() {
	bash "$PGSH" psql "$PG" -X -q -v ON_ERROR_STOP=1 -d triad >/dev/null <<-'EOF' || die "resetting the feedback failed"
		DELETE FROM feedback
		 WHERE institution_id = (SELECT id FROM institution WHERE slug = 'bench')
		   AND situation = 'In the Monday team meeting about the new intake procedure';
		DELETE FROM triad_bench.bare_feedback
		 WHERE situation = 'In the Monday team meeting about the new intake procedure';
		DELETE FROM idempotency_key
		 WHERE principal_id IN (SELECT principal_id FROM triad_bench.coach);
		VACUUM feedback;
		VACUUM triad_bench.bare_feedback;
		VACUUM idempotency_key;
	EOF
}

# reset_events: wait until triadd has run what the last run queued (the bench stops
# without waiting for its answers), then delete the registrations.
reset_events() {
	local count last=-1 deadline=$((SECONDS + 60))
	while ((SECONDS < deadline)); do
		count=$(psql -X -At -d "$OWNER_DB" -c "SELECT count(*) FROM event_registration") ||
			die "counting registrations failed"
		[[ $count == "$last" ]] && break
		last=$count
		sleep 0.5
	done
	bash "$PGSH" psql "$PG" -X -q -v ON_ERROR_STOP=1 -d triad >/dev/null <<-'EOF' || die "resetting the events failed"
		DELETE FROM event_registration
		 WHERE event_id IN (SELECT e.id FROM event e JOIN institution i ON i.id = e.institution_id
		                     WHERE i.slug = 'bench-events' AND e.starts_at > now());
		VACUUM event_registration;
	EOF
}

# CPU time, from the kernel's accounting: perf's samples over a few seconds proved
# too coarse to compare the sides. cpu_ticks prints "PG TRIADD": the clock ticks of the
# cluster (the postmaster, its live children, and the children it has reaped: those
# of pgbench's sessions that have ended), of triadd and of redis-server. cpu_begin NAME
# before a run, cpu_end NAME REQUESTS after it: $work/NAME.cpu holds "PG_US TRIADD_US
# REDIS_US", each one's CPU per request over the whole run (warm-up, sign-ins and
# connections included).
cpu_ticks() {
	local pm
	pm=$(head -n 1 "$PG/data/postmaster.pid")
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } |
		awk -v pm="$pm" -v td="${TPID:-0}" -v rd="${redis_pid:-0}" '
		$1 == pm || $4 == pm { pg += $14 + $15 + $16 + $17 }
		$1 == td { t += $14 + $15 }
		$1 == rd || $4 == rd { r += $14 + $15 }
		END { printf "%d %d %d\n", pg, t, r }'
}
cpu_begin() { cpu_ticks >"$work/$1.cpu0"; }
cpu_end() {
	local pg0 t0 r0 pg1 t1 r1
	read -r pg0 t0 r0 <"$work/$1.cpu0"
	read -r pg1 t1 r1 <<<"$(cpu_ticks)"
	awk -v n="$2" -v pg=$((pg1 - pg0)) -v t=$((t1 - t0)) -v r=$((r1 - r0)) -v hz="$(getconf CLK_TCK)" '
		function us(ticks,  v) { v = ticks / hz / n * 1e6; return sprintf(v >= 10 ? "%.0f" : "%.2f", v) }
		BEGIN { if (n > 0) print us(pg), us(t), us(r); else print "- - -" }' >"$work/$1.cpu"
}
# cpu_of NAME: "PG_US TRIADD_US REDIS_US" of a run, or "- - -".
cpu_of() { cat "$work/$1.cpu" 2>/dev/null || echo "- - -"; }

# triad_run NAME ARGS...: one triad-bench run; prints "RPS P99_US ERRORS UNSENT" (UNSENT:
# with --rate, the requests that were due but never sent, the daemon being behind).
triad_run() {
	local name=$1 rc=0
	shift
	local cmd=("$bench" --addr "$TADDR" --warmup "$warm" --json "$@")
	show "${cmd[@]}"
	cpu_begin "$name"
	"${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	((rc == 0)) || die "$name failed (exit $rc): $(cat "$work/$name.err")"
	cpu_end "$name" "$(json_field requests_total "$work/$name.out")"
	local rps p99 errs
	rps=$(json_field rps "$work/$name.out")
	p99=$(json_field p99_us "$work/$name.out")
	errs=$(json_field errors "$work/$name.out")
	[[ -n $rps ]] || die "$name printed no result: $(cat "$work/$name.err")"
	((${errs%.*} == 0)) || say "    note: $name had $errs errors: $(grep -o '"error_counts":{[^}]*}' "$work/$name.out")"
	echo "$rps $p99 $errs $(json_field unsent "$work/$name.out")"
}

# op_p99 OP FILE: the p99 (us) of one kind of request in triad-bench's --json answer.
op_p99() { sed -n "s/.*\"$1\":{[^}]*\"p99_us\":\([0-9.]*\).*/\1/p" "$2"; }

feedback_args() { echo --kind feedback --tokens "$work/tokens.csv" --connections "$conns" --pipeline 1; }
event_args() {
	echo --kind event --events "$work/events.txt" --institution bench-events --token "$operator" \
		--connections "$conns" --pipeline 1
}

# pgbench_run NAME CLIENTS ARGS...: one pgbench run with -M prepared of warm-up +
# duration + 2 seconds; from its per-second aggregate log, only the `duration` seconds
# that begin `warm-up` seconds after its first transaction count, so connections are
# open (SCRAM takes a while), warm, and their statements prepared. Prints "TPS".
# Its sessions keep generic plans, as the daemon's do (daemon/pool.c).
pgbench_run() {
	local name=$1 c=$2 rc=0
	shift 2
	local j=$((c < 2 ? c : 2))
	mkdir -p "$work/$name.log"
	local cmd=(pgbench -n -M prepared -c "$c" -j "$j" -T $((warm + secs + 2)) -l --aggregate-interval=1
		--log-prefix="$work/$name.log/agg" "$@" "$APP_DB")
	show "${cmd[@]}"
	cpu_begin "$name"
	PGOPTIONS="-c plan_cache_mode=force_generic_plan" "${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	local aborted
	aborted=$(grep -c 'aborted' "$work/$name.err" || true)
	((rc == 0 && aborted == 0)) || die "$name failed (exit $rc): $(tail -n 20 "$work/$name.err")"
	cpu_end "$name" "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/$name.out")"
	cat "$work/$name.log"/agg.* | awk -v w="$warm" -v d="$secs" '
		{ t[NR] = $1; n[NR] = $2; if ($2 > 0 && (t0 == "" || $1 < t0)) t0 = $1; if ($1 > last) last = $1 }
		END {
			# The last second may be cut short by the end of the run: not counted.
			for (i = 1; i <= NR; i++)
				if (t[i] >= t0 + w && t[i] < t0 + w + d && t[i] < last) {
					s += n[i]
					if (!(t[i] in seen)) { seen[t[i]] = 1; k++ }
				}
			printf "%.1f\n", k ? s / k : 0
		}'
}

# pgbench_rate_p99 NAME CLIENTS RATE ARGS...: pgbench offered RATE transactions a
# second (-R) at CLIENTS clients; prints "P99_US TPS" of the transactions that ended in
# the `duration` seconds that begin `warm-up` + 2 seconds after its first one. With -R,
# pgbench counts each transaction's latency from the time it was due, as triad-bench
# --rate does, so a schedule it falls behind shows in the figure. Its schedule starts
# before its sessions have signed in, prepared and read their rows, and it takes a
# couple of seconds to catch up with what fell due meanwhile: hence the 2 seconds.
pgbench_rate_p99() {
	local name=$1 c=$2 rate=$3 rc=0
	shift 3
	local j=$((c < 2 ? c : 2))
	rm -rf "$work/$name.log"
	mkdir -p "$work/$name.log"
	local cmd=(pgbench -n -M prepared -c "$c" -j "$j" -R "$rate" -T $((warm + secs + 4)) -l
		--log-prefix="$work/$name.log/tx" "$@" "$APP_DB")
	show "${cmd[@]}"
	PGOPTIONS="-c plan_cache_mode=force_generic_plan" "${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	((rc == 0)) || die "$name failed (exit $rc): $(tail -n 20 "$work/$name.err")"
	# Each line: client, transaction, latency (us), script, end (s, us).
	cat "$work/$name.log"/tx.* | awk -v w="$((warm + 2))" -v d="$secs" '
		{ t = $5 + $6 / 1e6; lat[NR] = $3; end[NR] = t; if (t0 == "" || t < t0) t0 = t }
		END {
			for (i = 1; i <= NR; i++)
				if (end[i] >= t0 + w && end[i] < t0 + w + d) print lat[i]
		}' | sort -n | awk -v d="$secs" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "0 0"; exit }
			k = int(NR * 0.99); if (k < 1) k = 1
			printf "%d %.1f\n", v[k], NR / d
		}'
}

# pgbench_best NAME ARGS...: pgbench_run at each client count; prints "TPS CLIENTS"
# of the best.
pgbench_best() {
	local name=$1 c tps best=0 bestc=0
	shift
	for c in "${clients_list[@]}"; do
		[[ $name == events* ]] && reset_events
		[[ $name == same* || $name == bare* ]] && reset_feedback
		tps=$(pgbench_run "$name-c$c" "$c" -D clients="$c" "$@")
		printf '    %-26s %10s tps  PostgreSQL %s us/tx\n' "$name, $c clients" "$tps" \
			"$(cpu_of "$name-c$c" | cut -d' ' -f1)" >&3
		if awk -v a="$tps" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$tps; bestc=$c; fi
	done
	echo "$best $bestc"
}

same_args() {
	echo -D loaded=0 -f "$work/sql/give.pgbench@20" -f "$work/sql/coachees.pgbench@40" \
		-f "$work/sql/list.pgbench@40"
}
bare_args() {
	echo -D loaded=0 -f "$work/sql/bare_give.pgbench@20" -f "$work/sql/bare_list.pgbench@80"
}
event_pg_args() {
	echo -D k=0 -D events="$nevents" -D persons="$npersons" -D loaded=0 -D inst=bench-events \
		-D token_id="$token_id" -D principal_id="$principal_id" -f "$work/sql/register.pgbench"
}

# redis_run NAME PIPELINE: redis-benchmark PING (multi-bulk) with --ping-connections
# clients, redis_n[PIPELINE] requests (sized to last about `duration` seconds).
declare -A redis_n=([1]=20000 [16]=100000)
redis_run() {
	local name=$1 p=$2
	local cmd=(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$ping_conns" -P "$p"
		-n "${redis_n[$p]}" -t ping_mbulk --csv)
	show "${cmd[@]}"
	cpu_begin "$name"
	"${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" || die "$name failed: $(cat "$work/$name.err")"
	cpu_end "$name" "${redis_n[$p]}"
	local rps
	rps=$(awk -F'"' '$2 == "PING_MBULK" { print $4 }' "$work/$name.out")
	[[ -n $rps ]] || die "$name printed no result: $(cat "$work/$name.out" "$work/$name.err")"
	printf '%.1f\n' "$rps"
}

# ---------------------------------------------------------------------------------------
# Redis

if $do_redis; then
	say "== redis-server (private, no persistence)"
	REDIS_PORT=$(triad_free_port)
	mkdir -m 0777 "$work/redis"
	triad_priv_prefix
	(cd "$work/redis" && exec "${TRIAD_PRIV[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
		--save '' --appendonly no --daemonize no --dir "$work/redis" --logfile '') \
		>"$work/redis.log" 2>&1 &
	redis_pid=$!
	wait_for "redis-server" 30 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
	say "$(redis-server --version | awk '{ print $1, $2, $3 }') on 127.0.0.1:$REDIS_PORT (pid $redis_pid)"
	# Size the runs from one short run of each depth, not counted. redis-benchmark
	# has no duration: -n is the rate times --duration.
	for p in 1 16; do
		r=$(redis_run "redis-size$p" "$p")
		redis_n[$p]=$(awk -v r="$r" -v d="$secs" 'BEGIN { n = r * d; printf "%d", n < 10000 ? 10000 : n }')
	done
fi

# ---------------------------------------------------------------------------------------
# Rounds

f_t=() f_same=() f_same_c=() f_bare=() f_bare_c=() f_p99=() f_p99_pg=() f_rate=()
f_t_pgus=() f_t_tdus=() f_same_pgus=() e_t=() e_pg=() e_pg_c=()
p1_t=() p1_r=() p16_t=() p16_r=() p1_tus=() p1_rus=() p16_tus=() p16_rus=()
keep() { local -n into=$1; into+=("$2"); }	# keep ARRAY VALUE: appends to the named array
main_rounds=$rounds
$main || main_rounds=0
((main_rounds > 0)) && { say; say "== $rounds rounds of $secs s (+ $warm s warm-up), sides alternating"; }
if ((main_rounds > 0)); then
	# One unmeasured run of the mix on each side first, so that round 1's first run,
	# triad's, does not alone meet cold caches and the daemon's pool unplanned.
	say "unmeasured: the mix once on each side"
	reset_feedback
	# shellcheck disable=SC2046
	triad_run "warm-triad" $(feedback_args) --duration "$secs" >/dev/null
	reset_feedback
	# shellcheck disable=SC2046
	pgbench_run "warm-same" 16 -D clients=16 $(same_args) >/dev/null
fi
for ((r = 1; r <= main_rounds; r++)); do
	say "round $r of $rounds"
	flip=$((r % 2 == 0))

	# The feedback mix: triad, pgbench on the same statements, pgbench on the bare ones.
	order=(triad same bare)
	((flip)) && order=(bare same triad)
	for side in "${order[@]}"; do
		case $side in
		triad)
			reset_feedback
			# shellcheck disable=SC2046
			res=$(triad_run "feedback-$r" $(feedback_args) --duration "$secs")
			read -r rps p99 errs <<<"$res"
			f_t+=("$rps")
			read -r pgus tdus _ <<<"$(cpu_of "feedback-$r")"
			f_t_pgus+=("$pgus"); f_t_tdus+=("$tdus")
			printf '    %-26s %10s req/s  p99 %s ms  PostgreSQL %s us/req, triadd %s us/req\n' \
				"triad feedback mix" "$rps" "$(ms "$p99")" "$pgus" "$tdus"
			;;
		same)
			# shellcheck disable=SC2046
			res=$(pgbench_best "same-$r" $(same_args))
			read -r tps c <<<"$res"
			f_same+=("$tps"); f_same_c+=("$c")
			read -r pgus tdus _ <<<"$(cpu_of "same-$r-c$c")"
			f_same_pgus+=("$pgus")
			;;
		bare)
			# shellcheck disable=SC2046
			res=$(pgbench_best "bare-$r" $(bare_args))
			read -r tps c <<<"$res"
			f_bare+=("$tps"); f_bare_c+=("$c")
			;;
		esac
	done

	# p99 at half this round's peak, offered on a schedule.
	rate=$(awk -v r="${f_t[-1]}" 'BEGIN { printf "%d", r / 2 }')
	if ((rate > 0)); then
		reset_feedback
		# shellcheck disable=SC2046
		res=$(triad_run "rate-$r" $(feedback_args) --pipeline 4 --rate "$rate" \
			--duration "$secs")
		read -r rps p99 errs unsent <<<"$res"
		f_p99+=("$(ms "$p99")"); f_rate+=("$rate")
		printf '    %-26s %10s req/s  p99 %s ms (offered %s, due but not sent %s)\n' \
			"triad mix at half peak" "$rps" "$(ms "$p99")" "$rate" "${unsent:-0}"
		# Which requests make the p99: each kind's own.
		printf '    %-26s give %s ms, coachees %s ms, list %s ms\n' "  p99 by kind" \
			"$(ms "$(op_p99 give "$work/rate-$r.out")")" \
			"$(ms "$(op_p99 coachees "$work/rate-$r.out")")" \
			"$(ms "$(op_p99 list "$work/rate-$r.out")")"
		# The same statements offered at the same rate by pgbench, at its best
		# client count of this round: what PostgreSQL alone gives on this machine.
		reset_feedback
		# shellcheck disable=SC2046
		read -r p99 tps <<<"$(pgbench_rate_p99 "rate-pgbench-$r" "${f_same_c[-1]}" "$rate" \
			-D clients="${f_same_c[-1]}" $(same_args))"
		f_p99_pg+=("$(ms "$p99")")
		printf '    %-26s %10s tps  p99 %s ms (%s clients)\n' "pgbench at the same rate" "$tps" \
			"$(ms "$p99")" "${f_same_c[-1]}"
	fi

	# Event registrations.
	order=(triad pgbench)
	((flip)) && order=(pgbench triad)
	for side in "${order[@]}"; do
		if [[ $side == triad ]]; then
			reset_events
			# shellcheck disable=SC2046
			res=$(triad_run "events-$r" $(event_args) --duration "$secs")
			read -r rps p99 errs <<<"$res"
			e_t+=("$rps")
			read -r pgus tdus _ <<<"$(cpu_of "events-$r")"
			printf '    %-26s %10s req/s  p99 %s ms  PostgreSQL %s us/req, triadd %s us/req\n' \
				"triad event registrations" "$rps" "$(ms "$p99")" "$pgus" "$tdus"
		else
			# shellcheck disable=SC2046
			res=$(pgbench_best "events-$r" $(event_pg_args))
			read -r tps c <<<"$res"
			e_pg+=("$tps"); e_pg_c+=("$c")
		fi
	done

	# Ping against Redis, unpipelined and at depth 16.
	if $do_redis; then
		order=(triad redis)
		((flip)) && order=(redis triad)
		for p in 1 16; do
			for side in "${order[@]}"; do
				if [[ $side == triad ]]; then
					res=$(triad_run "ping$p-$r" --kind ping --token "$operator" \
						--connections "$ping_conns" --pipeline "$p" --duration "$secs")
					read -r rps p99 errs <<<"$res"
					read -r _ us _ <<<"$(cpu_of "ping$p-$r")"
					keep "p${p}_t" "$rps"
					keep "p${p}_tus" "$us"
					printf '    %-26s %10s req/s  triadd %s us/req\n' "triad ping, pipeline $p" "$rps" "$us"
				else
					rps=$(redis_run "redis$p-$r" "$p")
					read -r _ _ us <<<"$(cpu_of "redis$p-$r")"
					keep "p${p}_r" "$rps"
					keep "p${p}_rus" "$us"
					printf '    %-26s %10s req/s  redis-server %s us/req\n' "redis PING, -P $p" "$rps" "$us"
				fi
			done
		done
	fi
done
reset_feedback
reset_events

# ---------------------------------------------------------------------------------------
# Which statements each side ran: pg_stat_statements over one more run of each.

# statements NAME REQUESTS CONNECTIONS: the frequent statements of triadd's role since
# the last reset, leaving out those run once per connection (a Hello, pgbench's first
# read). Constants read as $, as pg_stat_statements writes them: it keeps the text of
# a statement prepared before its reset (the daemon's) as it was written.
statements() {
	bash "$PGSH" psql "$PG" -At -F $'\t' -d triad -v n="$2" -v c="$3" >"$work/$1.stmts" <<-'EOF'
		SELECT calls, round((total_plan_time + total_exec_time)::numeric / greatest(calls, 1), 3),
		       round((shared_blks_hit + shared_blks_read)::numeric / greatest(calls, 1), 1),
		       regexp_replace(regexp_replace(regexp_replace(regexp_replace(
		           regexp_replace(query, '\s+', ' ', 'g'),
		           '\$[0-9]+', '$', 'g'),
		           '''([^'']|'''')*''', '$', 'g'),
		           '\m(true|false|null)\M', '$', 'gi'),
		           '(^|[^$\w])[0-9]+\M', '\1$', 'g')
		  FROM pg_stat_statements
		 WHERE userid = 'triadd'::regrole AND calls >= :n::bigint / 50 AND calls > :c::bigint
		 ORDER BY calls DESC LIMIT 12
	EOF
}
stmts_reset() { bash "$PGSH" psql "$PG" -q -d triad -c "SELECT pg_stat_statements_reset()" >/dev/null; }

if $main; then
say
stmt_secs=$((warm > 5 ? warm : 5))
say "== statements (pg_stat_statements, one more run of each, $stmt_secs s)"
reset_feedback
stmts_reset
# shellcheck disable=SC2046
triad_run stmts-triad $(feedback_args) --duration "$stmt_secs" >/dev/null
statements triad "$(json_field requests_total "$work/stmts-triad.out")" "$conns"
reset_feedback
stmts_reset
# shellcheck disable=SC2046
save_secs=$secs
secs=$stmt_secs
# shellcheck disable=SC2046
pgbench_run stmts-pgbench 16 $(same_args) >/dev/null
secs=$save_secs
statements pgbench "$(cat "$work/stmts-pgbench.log"/agg.* | awk '{ n += $2 } END { print n + 0 }')" 16
say "  triadd's role while triad-bench ran the mix (calls, ms and buffers per call, statement):"
sed 's/^/    /' "$work/triad.stmts" | cut -c1-200
say "  the same role while pgbench ran feedback_pgbench.sh's scripts:"
sed 's/^/    /' "$work/pgbench.stmts" | cut -c1-200
# pg_stat_statements leaves out the utility statements pgbench prepares (-M prepared):
# BEGIN, COMMIT and NOTIFY are in its scripts but not in its counts.
missing=$(cut -f4 "$work/triad.stmts" | grep -v -x -F -f <(cut -f4 "$work/pgbench.stmts") |
	grep -v -E '^(BEGIN|COMMIT|ROLLBACK|NOTIFY triad_events)$' || true)
if [[ -n $missing ]]; then
	say "  WARNING: statements the daemon ran that pgbench's scripts do not (update feedback_pgbench.sh):"
	while IFS= read -r l; do printf '    %s\n' "${l:0:200}"; done <<<"$missing"
else
	say "  every frequent statement of the daemon is in pgbench's scripts"
fi
fi

# ---------------------------------------------------------------------------------------
# Instructions per request: a second triadd under callgrind.

ir_ping=- ir_mix=-
if $do_callgrind; then
	say
	say "== instructions per request (triadd under callgrind, its user space only)"
	# Under valgrind the daemon is some 50 times slower: its timeouts are raised.
	triadd_conf+=("db_timeout_ms = 120000" "hello_timeout_ms = 120000")
	start_triadd callgrind valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p"
	CG_ADDR=$ADDR CG_HTTP=$HTTP CG_PID=$PID
	cg_dumped() { (($(find "$work" -name "callgrind.out.$CG_PID.*" | wc -l) > CG_BEFORE)); }
	# cg_count NAME ARGS...: triad-bench against it; prints triadd's Ir per request.
	cg_count() {
		local name=$1 before n0 n1 dump ir
		shift
		before=$(find "$work" -name "callgrind.out.$CG_PID.*" | wc -l)
		callgrind_control -z "$CG_PID" >/dev/null 2>&1 || die "callgrind_control -z failed"
		n0=$(metric "$CG_HTTP" triad_requests_total)
		local cmd=("$bench" --addr "$CG_ADDR" --warmup 0 --json "$@")
		show "${cmd[@]}"
		"${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" || die "$name failed: $(cat "$work/$name.err")"
		# The bench stops without waiting for its last answers: let the daemon finish
		# them (the counter stops moving) before the dump.
		local last=-1 deadline=$((SECONDS + 60))
		n1=$(metric "$CG_HTTP" triad_requests_total)
		while [[ $n1 != "$last" ]] && ((SECONDS < deadline)); do
			last=$n1
			sleep 1
			n1=$(metric "$CG_HTTP" triad_requests_total)
		done
		callgrind_control -d "$CG_PID" >/dev/null 2>&1 || die "callgrind_control -d failed"
		CG_BEFORE=$before
		wait_for "the callgrind dump" 60 cg_dumped
		dump=$(find "$work" -name "callgrind.out.$CG_PID.*" | sort -t. -k3 -n | tail -n1)
		ir=$(sed -nE 's/^(summary|totals): ([0-9]+).*/\2/p' "$dump" | head -n1)
		[[ $ir =~ ^[0-9]+$ && $n1 -gt $n0 ]] || die "$name: no count (Ir '$ir', requests $n0..$n1)"
		printf '    %-26s %12s Ir / %8s requests = %s Ir per request\n' "$name" "$ir" "$((n1 - n0))" \
			"$((ir / (n1 - n0)))" >&3
		echo "$((ir / (n1 - n0)))"
	}
	ir_ping=$(cg_count cg-ping --kind ping --token "$operator" --connections "$ping_conns" \
		--pipeline 16 --duration 5)
	reset_feedback
	# shellcheck disable=SC2046
	ir_mix=$(cg_count cg-mix $(feedback_args) --duration 10)
	stop_pid "$CG_PID"
	reset_feedback
fi

# ---------------------------------------------------------------------------------------
# Idle connections' memory.

idle_bytes=- idle_mib=-
if $do_idle; then
	say
	say "== $idle_conns idle connections (idle_rss.sh)"
	TRIAD_TOKEN=$operator bash "$here/idle_rss.sh" --pid "$TPID" --addr "$TADDR" --bench "$bench" \
		--connections "$idle_conns" >"$work/idle.out" 2>&1 || { cat "$work/idle.out"; die "idle_rss.sh failed"; }
	grep -E '^(RSS|per connection|connections held)' "$work/idle.out" | sed 's/^/    /'
	idle_bytes=$(sed -nE 's/^per connection: *([0-9]+) bytes/\1/p' "$work/idle.out")
	base=$(sed -nE 's/^RSS baseline: *([0-9]+) KiB/\1/p' "$work/idle.out")
	held=$(sed -nE 's/^RSS at [0-9]+: *([0-9]+) KiB.*/\1/p' "$work/idle.out")
	[[ -n $base && -n $held ]] && idle_mib=$(awk -v a="$held" -v b="$base" 'BEGIN { printf "%.1f", (a - b) / 1024 }')
fi

# ---------------------------------------------------------------------------------------
# Growth: the same mix at each size.

g_rps=() g_med=()
if $growth; then
	say
	say "== growth: the feedback mix at ${sizes[*]} feedback rows ($rounds runs each)"
	for size in "${sizes[@]}"; do
		reset_feedback
		t0=$SECONDS
		load_sql "$here/scale_feedback.sql" -v rows="$size" >>"$work/load.log" 2>&1 ||
			die "scale_feedback.sql -v rows=$size failed"
		say "  $size rows (loaded in $((SECONDS - t0)) s)"
		runs=()
		for ((r = 1; r <= rounds; r++)); do
			reset_feedback
			# shellcheck disable=SC2046
			res=$(triad_run "growth-$size-$r" $(feedback_args) --duration "$secs")
			read -r rps p99 errs <<<"$res"
			runs+=("$rps")
			printf '    %-26s %10s req/s  p99 %s ms\n' "triad feedback mix" "$rps" "$(ms "$p99")"
		done
		g_rps+=("$(fig "${runs[@]}")")
		g_med+=("$(median "${runs[@]}")")
	done
fi

# ---------------------------------------------------------------------------------------
# Summary

common() { printf '%s\n' "$@" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'; }
line() {	# line LABEL A-FIGURE B-FIGURE RATIO GOAL
	printf '  %-34s %-30s %-30s %6s  (goal %s)\n' "$1" "$2" "$3" "$4" "$5"
}

say
say "== summary: medians of $rounds rounds [min-max], $secs s each; ratio = median / median"
printf '  %-34s %-30s %-30s %6s\n' "" "triad" "other side" "ratio"
if $main; then
line "feedback mix / bare statements" "$(fig "${f_t[@]}") r/s" \
	"$(fig "${f_bare[@]}") @$(common "${f_bare_c[@]}")c" \
	"$(ratio "$(median "${f_t[@]}")" "$(median "${f_bare[@]}")")" ">= 0.7"
line "feedback mix / pgbench same stmts" "$(fig "${f_t[@]}") r/s" \
	"$(fig "${f_same[@]}") @$(common "${f_same_c[@]}")c" \
	"$(ratio "$(median "${f_t[@]}")" "$(median "${f_same[@]}")")" ">= 1.0"
printf '  %-34s %-30s %-30s %6s\n' "  PostgreSQL CPU per request" "$(fig "${f_t_pgus[@]}") us" \
	"$(fig "${f_same_pgus[@]}") us" "$(ratio "$(median "${f_t_pgus[@]}")" "$(median "${f_same_pgus[@]}")")"
printf '  %-34s %-30s\n' "  triadd CPU per request" "$(fig "${f_t_tdus[@]}") us"
line "events / pgbench same stmts" "$(fig "${e_t[@]}") r/s" \
	"$(fig "${e_pg[@]}") @$(common "${e_pg_c[@]}")c" \
	"$(ratio "$(median "${e_t[@]}")" "$(median "${e_pg[@]}")")" ">= 1.0"
fi
if $do_redis; then
	# Each load generator runs on the same two cores as its server. The server's CPU
	# per ping says what the server costs, whichever client is the bottleneck; the
	# ratio is of pings per CPU-second, Redis's own being 1.
	line "ping pipeline 16 / redis -P 16" "$(fig "${p16_t[@]}") r/s" "$(fig "${p16_r[@]}") r/s" \
		"$(ratio "$(median "${p16_t[@]}")" "$(median "${p16_r[@]}")")" ">= 0.8"
	printf '  %-34s %-30s %-30s %6s\n' "  server CPU per ping" "$(fig_ms "${p16_tus[@]}") us" \
		"$(fig_ms "${p16_rus[@]}") us" "$(ratio "$(median "${p16_rus[@]}")" "$(median "${p16_tus[@]}")")"
	line "ping unpipelined / redis -P 1" "$(fig "${p1_t[@]}") r/s" "$(fig "${p1_r[@]}") r/s" \
		"$(ratio "$(median "${p1_t[@]}")" "$(median "${p1_r[@]}")")" ">= 1.0"
	printf '  %-34s %-30s %-30s %6s\n' "  server CPU per ping" "$(fig_ms "${p1_tus[@]}") us" \
		"$(fig_ms "${p1_rus[@]}") us" "$(ratio "$(median "${p1_rus[@]}")" "$(median "${p1_tus[@]}")")"
fi
if ((${#f_p99[@]} > 0)); then
	printf '  %-34s %-30s %-30s %6s  (goal %s)\n' "p99, $conns conns at half peak" \
		"$(fig_ms "${f_p99[@]}") ms" "offered $(median "${f_rate[@]}") r/s" "" "<= 5 ms"
	# The same rate offered by pgbench: the ratio is triad's p99 over PostgreSQL's own.
	printf '  %-34s %-30s %-30s %6s\n' "  p99 / pgbench at the same rate" "" \
		"$(fig_ms "${f_p99_pg[@]}") ms @$(common "${f_same_c[@]}")c" \
		"$(ratio "$(median "${f_p99[@]}")" "$(median "${f_p99_pg[@]}")")"
fi
if $growth; then
	for ((i = 0; i < ${#sizes[@]}; i++)); do
		printf '  %-34s %-30s\n' "growth: mix at ${sizes[i]} rows" "${g_rps[i]} r/s"
	done
	first=${g_med[0]} last=${g_med[-1]}
	line "growth: ${sizes[-1]} / ${sizes[0]} rows" "$(printf '%.0f' "$last") r/s" \
		"$(printf '%.0f' "$first") r/s" "$(ratio "$last" "$first")" ">= 0.9"
fi
if $do_callgrind; then
	printf '  %-34s %s\n' "triadd Ir per pipelined ping" "$ir_ping (issue: 14,400 before; goal: half)"
	printf '  %-34s %s\n' "triadd Ir per feedback request" "$ir_mix (issue: 144,000 before)"
fi
if $do_idle; then
	printf '  %-34s %-30s %-30s %6s  (goal %s)\n' "$idle_conns idle connections" "$idle_mib MiB" \
		"${idle_bytes} B each" "" "< 64 MiB"
fi
say "  (@Nc: pgbench's best client count, the most frequent over the rounds)"
