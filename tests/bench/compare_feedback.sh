#!/usr/bin/env bash
# compare_feedback.sh: triadd's feedback mix (or, with --kind event, its
# event registrations) against pgbench running the same SQL, on the same
# cluster, in alternating rounds.
#
# triad-bench --kind feedback signs each connection in as one coach of the
# bench data (scale_feedback.sql) and sends GiveFeedback, ListCoachees and
# ListFeedback (20/40/40 by default). pgbench runs, as triadd's role, the
# statements triadd sends for those requests, each request one pipelined
# implicit transaction (triad_begin, the statement, a sync), in the same
# proportions, with the same number of connections (feedback_pgbench.sh
# writes its scripts). With --kind event, triad-bench --kind event registers
# the persons of scale_events.sql for its events as an operator, and pgbench
# runs RegisterForEvent's statements (events_pgbench.sh). See README.md for
# how to set it up and read it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	cat <<EOF
usage: TRIAD_ADDR=HOST:PORT PGBENCH_DB=CONNINFO $0 --tokens FILE [options]
       TRIAD_ADDR=HOST:PORT PGBENCH_DB=CONNINFO TRIAD_TOKEN=OPERATOR_TOKEN \
           $0 --kind event --events FILE [options]

  TRIAD_ADDR    address of a running triadd
  PGBENCH_DB    conninfo (or URI) of the database triadd uses, as triadd's role
                (APP_DB in .run/pg/env of the quick start)

options:
  --kind K            feedback (default) or event
  --tokens FILE       the CSV scale_feedback.sql wrote (-v out=FILE); required
                      for --kind feedback
  --events FILE       the ids scale_events.sql wrote (-v out=FILE); required
                      for --kind event, with an operator's TRIAD_TOKEN
  --rounds N          rounds, each one run of every configuration on each side
                      (default 5)
  --seconds S         length of every run (default 15)
  --warmup S          one unmeasured run of each side first (default 5; 0: none)
  --connections C     triad-bench connections and pgbench clients (default 64)
  --pipeline "D ..."  triad-bench depths to compare, each against the same
                      pgbench run (default 1; "1 16" adds depth 16)
  --jobs J            pgbench threads, -j (default 2)
  --threads N         triad-bench threads (default 1)
  --mix G,C,L         percent give, coachees, list (default 20,40,40)
  --reset-db CONNINFO the schema owner's conninfo (OWNER_DB): before every run,
                      delete the feedback earlier runs gave (the rows with an
                      idempotency key in institution bench), or with --kind
                      event the registrations, and VACUUM, so every run
                      starts from the same data (see README.md)
  --bench PATH        the triad-bench binary (default: \$TRIAD_BENCH, the build
                      tree next to this source tree, or triad-bench on PATH)
  --callgrind 'CMD'   after the rounds, start triadd as CMD under callgrind and
                      count its own instructions per request (slow; optional)
  --callgrind-addr A  the address CMD listens on (required with --callgrind)
  -h, --help
EOF
}

rounds=5
secs=15
warm=5
conns=64
depths=1
jobs=2
threads=1
mix=20,40,40
kind=feedback
tokens=
events=
reset_db=
bench=${TRIAD_BENCH:-}
callgrind_cmd=
callgrind_addr=

while [[ $# -gt 0 ]]; do
	case $1 in
	--kind) kind=$2; shift 2 ;;
	--tokens) tokens=$2; shift 2 ;;
	--events) events=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--warmup) warm=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--pipeline) depths=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--mix) mix=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--reset-db) reset_db=$2; shift 2 ;;
	--callgrind) callgrind_cmd=$2; shift 2 ;;
	--callgrind-addr) callgrind_addr=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "compare_feedback.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done

die() { echo "compare_feedback.sh: $*" >&2; exit 1; }

[[ -n ${TRIAD_ADDR:-} ]] || die "set TRIAD_ADDR to the address of a running triadd"
[[ -n ${PGBENCH_DB:-} ]] || die "set PGBENCH_DB to the conninfo of triadd's database (triadd's role)"
case $kind in
feedback) [[ -n $tokens && -r $tokens ]] || die "--tokens FILE: the CSV written by scale_feedback.sql" ;;
event)
	[[ -n $events && -r $events ]] || die "--events FILE: the ids written by scale_events.sql"
	[[ -n ${TRIAD_TOKEN:-} ]] || die "--kind event: set TRIAD_TOKEN to an operator's token"
	;;
*) die "--kind: feedback or event, not $kind" ;;
esac
for n in "$rounds" "$secs" "$conns" "$jobs" "$threads" $depths; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive whole number: $n"
done
[[ $warm =~ ^[0-9]+$ ]] || die "not a whole number: $warm"
[[ $mix =~ ^([0-9]+),([0-9]+),([0-9]+)$ ]] || die "--mix wants G,C,L"
w_give=${BASH_REMATCH[1]} w_coachees=${BASH_REMATCH[2]} w_list=${BASH_REMATCH[3]}
((w_give + w_coachees + w_list == 100)) || die "--mix must add up to 100"
if [[ -n $callgrind_cmd ]]; then
	[[ -n $callgrind_addr ]] || die "--callgrind needs --callgrind-addr"
	[[ $callgrind_addr != "$TRIAD_ADDR" ]] || die "--callgrind-addr must differ from TRIAD_ADDR"
	command -v valgrind >/dev/null || die "valgrind is not installed"
	command -v callgrind_control >/dev/null || die "callgrind_control is not installed"
fi

if [[ -z $bench ]]; then
	for c in "$here/../../build/tests/bench/triad-bench" "$(command -v triad-bench || true)"; do
		if [[ -n $c && -x $c ]]; then bench=$c; break; fi
	done
fi
[[ -n $bench && -x $bench ]] || die "triad-bench not found; build it or pass --bench PATH"
command -v pgbench >/dev/null || die "pgbench is not installed"
command -v psql >/dev/null || die "psql is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/triad-compare-$kind.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ $kind == event ]]; then
	nevents=$(grep -c '^event ' "$events" || true)
	npersons=$(grep -c '^person ' "$events" || true)
	[[ $nevents -gt 0 && $npersons -gt 0 ]] || die "$events: no event and person lines"
	# The session pgbench opens, as triadd's Hello would: the token's ids.
	ids=$(psql -X -At -F ' ' -d "$PGBENCH_DB" -v tok="$TRIAD_TOKEN" 2>&1 \
		<<<"SELECT id, principal_id FROM api_token WHERE prefix = left(:'tok', 12)") ||
		die "cannot read the token's ids as triadd's role: $ids"
	read -r token_id principal_id <<<"$ids"
	[[ -n ${principal_id:-} ]] || die "TRIAD_TOKEN is not a token of this database"
	"$here/events_pgbench.sh" "$work"
	ncoach=0 nrel=0
else
	# The bench data as pgbench will see it: every coach with the same number of
	# relations (the scripts hold one branch per relation).
	shape=$(psql -X -At -F ' ' -d "$PGBENCH_DB" -c \
		"SELECT count(*), min(cardinality(rel)), max(cardinality(rel)) FROM triad_bench.coach" 2>&1) ||
		die "cannot read triad_bench.coach as triadd's role (load scale_feedback.sql first): $shape"
	read -r ncoach nrel maxrel <<<"$shape"
	[[ $ncoach -gt 0 && $nrel == "$maxrel" ]] ||
		die "triad_bench.coach: $ncoach coaches with $nrel to $maxrel relations; want the same for all"
	[[ $ncoach -ge $conns ]] ||
		echo "note: $ncoach coaches for $conns connections: some coaches are used by several" >&2
	"$here/feedback_pgbench.sh" "$work" "$nrel"
fi
ops=(give coachees list)
[[ $kind == event ]] && ops=(register)

exec 3>&1

# Print a command the way it could be typed again, with any password hidden.
show() {
	local line
	line=$(printf '%q ' "$@")
	line=$(sed -E 's/(password=)[^ \\]*/\1***/g; s#(://[^:/@]*:)[^@]*@#\1***@#g' <<<"$line")
	echo "  + $line" >&3
}

perf_note=
if command -v perf >/dev/null; then
	probe=$(perf stat -a -x, -e instructions -- true 2>&1 || true)
	val=$(awk -F, '$3 ~ /^instructions/ { print $1 }' <<<"$probe" | tail -n1)
	if [[ $val =~ ^[0-9]+$ ]]; then
		perf_note="perf has counters here, but this script does not use them; compare.sh does"
	elif [[ $probe == *"not supported"* ]]; then
		perf_note="perf reports instructions as <not supported> (no hardware counters here)"
	else
		perf_note="perf stat -a failed: $(head -n1 <<<"$probe")"
	fi
else
	perf_note="perf is not installed"
fi

median() {
	printf '%s\n' "$@" | awk '$1 != "-" && $1 != ""' | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) print "-";
			else if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2;
		}'
}

# json_field FIELD FILE [OP]: a number from triad-bench's JSON, of the whole
# run or of one kind of request.
json_field() {
	local text
	text=$(cat "$2")
	if [[ -n ${3:-} ]]; then
		text=$(grep -o "\"$3\":{[^}]*}" <<<"$text" | head -n1)
	else
		text=${text%%\"ops\":*}
	fi
	grep -o "\"$1\":[0-9.]*" <<<"$text" | head -n1 | cut -d: -f2
}

# reset: with --reset-db, remove what earlier runs gave (the rows with
# triad-bench's and pgbench's text; the generated ones have others), so that
# every run starts from the same data.
reset() {
	[[ -n $reset_db ]] || return 0
	local table=feedback
	local sql="DELETE FROM feedback WHERE situation = 'In the Monday team meeting about the new intake procedure' AND institution_id = (SELECT id FROM institution WHERE slug = 'bench')"
	if [[ $kind == event ]]; then
		table=event_registration
		sql="DELETE FROM event_registration WHERE event_id IN (SELECT e.id FROM event e JOIN institution i ON i.id = e.institution_id WHERE i.slug = 'bench-events' AND e.starts_at > now())"
		# triad-bench stops without waiting for its answers, and triadd still
		# runs what was queued: wait until the registrations stop growing, or
		# they would collide with the next run's.
		local count last=-1 i
		for ((i = 0; i < 60; i++)); do
			count=$(psql -X -At -d "$reset_db" -c "SELECT max(arrival) FROM event_registration") ||
				die "--reset-db failed"
			[[ $count == "$last" ]] && break
			last=$count
			sleep 0.5
		done
	fi
	show psql -X -q -v ON_ERROR_STOP=1 -d "$reset_db" -c "$sql" -c "VACUUM $table"
	psql -X -q -v ON_ERROR_STOP=1 -d "$reset_db" -c "$sql" -c "VACUUM $table" >/dev/null ||
		die "--reset-db failed"
}

# op_note V...: the p99 of each kind of request, "give 1.2, coachees 0.8, ...".
op_note() {
	local i out=""
	for ((i = 0; i < ${#ops[@]}; i++)); do
		out+="${out:+, }${ops[i]} ${1:--}"
		shift || true
	done
	echo "$out"
}

bench_cmd() {	# bench_cmd ADDR DEPTH SECONDS
	if [[ $kind == event ]]; then
		bcmd=("$bench" --addr "$1" --kind event --events "$events" --institution bench-events)
	else
		bcmd=("$bench" --addr "$1" --kind feedback --tokens "$tokens" --mix "$mix")
	fi
	bcmd+=(--connections "$conns" --pipeline "$2" --threads "$threads"
	       --duration "$3" --warmup 0 --json)
}

pgbench_cmd() {	# pgbench_cmd SECONDS LOGPREFIX
	pcmd=(pgbench -n -M extended -c "$conns" -j "$jobs" -T "$1" -l --log-prefix="$2")
	if [[ $kind == event ]]; then
		pcmd+=(-D clients="$conns" -D k=0 -D events="$nevents" -D persons="$npersons"
		       -D loaded=0 -D inst=bench-events -D token_id="$token_id" -D principal_id="$principal_id"
		       -f "$work/register.pgbench")
	else
		pcmd+=(-D loaded=0 -f "$work/give.pgbench@$w_give"
		       -f "$work/coachees.pgbench@$w_coachees" -f "$work/list.pgbench@$w_list")
	fi
	pcmd+=("$PGBENCH_DB")
}

# triad_round NAME DEPTH: prints "RPS P99_MS ERRORS GIVE_P99 COACHEES_P99 LIST_P99".
triad_round() {
	local name=$1 depth=$2 rc=0
	reset
	bench_cmd "$TRIAD_ADDR" "$depth" "$secs"
	show "${bcmd[@]}"
	"${bcmd[@]}" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	[[ $rc -eq 0 ]] || die "round $name failed (exit $rc): $(cat "$work/$name.err")"
	local rps p99 errs
	rps=$(json_field rps "$work/$name.out")
	p99=$(json_field p99_us "$work/$name.out")
	errs=$(json_field errors "$work/$name.out")
	[[ -n $rps ]] || die "round $name printed no result: $(cat "$work/$name.err")"
	local out="$rps $(awk -v u="$p99" 'BEGIN { printf "%.1f", u / 1000 }') $errs"
	for op in "${ops[@]}"; do
		out+=" $(awk -v u="$(json_field p99_us "$work/$name.out" "$op")" \
			'BEGIN { printf "%.1f", u / 1000 }')"
	done
	echo "$out"
}

# log_p99 SCRIPT FILES...: the 99th percentile latency in ms of pgbench's
# per-transaction log (column 3 in us; column 4 the script, "" for all).
log_p99() {
	local script=$1; shift
	cat "$@" | awk -v s="$script" 's == "" || $4 == s { print $3 }' | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "-"; exit }
			i = int(NR * 0.99); if (i < NR * 0.99) i++; if (i < 1) i = 1;
			printf "%.1f\n", v[i] / 1000 }'
}

# pgbench_round NAME: prints "TPS P99_MS FAILED GIVE_P99 COACHEES_P99 LIST_P99".
pgbench_round() {
	local name=$1 rc=0
	reset
	mkdir -p "$work/$name.log"
	pgbench_cmd "$secs" "$work/$name.log/tx"
	show "${pcmd[@]}"
	"${pcmd[@]}" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	local tps failed aborted
	tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$work/$name.out" | head -n1)
	failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$work/$name.out")
	aborted=$(grep -c 'aborted' "$work/$name.err" || true)
	[[ $rc -eq 0 && -n $tps && $aborted -eq 0 ]] ||
		die "pgbench round $name failed (exit $rc): $(tail -n 20 "$work/$name.err" "$work/$name.out")"
	tps=$(awk -v v="$tps" 'BEGIN { printf "%.1f", v }')
	local logs=("$work/$name.log"/tx.*)
	echo "$tps $(log_p99 "" "${logs[@]}") ${failed:-0} $(log_p99 0 "${logs[@]}")" \
		"$(log_p99 1 "${logs[@]}") $(log_p99 2 "${logs[@]}")"
}

echo "triad-bench: $bench"
echo "pgbench:     $(pgbench --version)"
if [[ $kind == event ]]; then
	echo "data:        $nevents events x $npersons persons (scale_events.sql, $events)"
	echo "requests:    RegisterForEvent of a new pair every time; $conns connections;" \
		"pgbench -j $jobs; triad-bench pipeline depths: $depths"
else
	echo "data:        $ncoach coaches x $nrel relations (triad_bench.coach), tokens $tokens"
	echo "mix:         give $w_give%, coachees $w_coachees%, list $w_list%; $conns connections;" \
		"pgbench -j $jobs; triad-bench pipeline depths: $depths"
fi
echo "scripts:     $(cd "$work" && echo *.pgbench)"
if [[ -n $reset_db ]]; then
	echo "reset:       before every run, what earlier runs gave or registered is deleted (--reset-db)"
else
	echo "reset:       none: the gives of every run make the next run's gives dearer (see --reset-db)"
fi
echo "instructions: not measured per round: $perf_note${callgrind_cmd:+; see callgrind below}"
echo

if [[ $warm -gt 0 ]]; then
	echo "warm-up, not counted"
	reset
	bench_cmd "$TRIAD_ADDR" "${depths%% *}" "$warm"
	show "${bcmd[@]}"
	"${bcmd[@]}" >/dev/null 2>"$work/warm.err" || die "warm-up failed: $(cat "$work/warm.err")"
	mkdir -p "$work/warm.log"
	reset
	pgbench_cmd "$warm" "$work/warm.log/tx"
	show "${pcmd[@]}"
	"${pcmd[@]}" >/dev/null 2>"$work/warm-pgbench.err" ||
		die "pgbench warm-up failed: $(tail -n 20 "$work/warm-pgbench.err")"
	echo
fi

# One pgbench run per round serves every depth: pgbench's shape does not
# change with triad-bench's depth. Odd rounds start with triad-bench, even
# rounds with pgbench, so that a drift over the run (the feedback table
# grows by what the rounds give) does not favour one side.
declare -A t_rps t_p99 t_g t_c t_l
declare -a p_rps p_p99 p_g p_c p_l
t_err=0
p_err=0
for ((r = 1; r <= rounds; r++)); do
	echo "round $r of $rounds"
	order=(triad pgbench)
	((r % 2 == 0)) && order=(pgbench triad)
	for side in "${order[@]}"; do
		if [[ $side == pgbench ]]; then
			res=$(pgbench_round "pgbench-$r")
			read -r rps p99 errs g c l <<<"$res"
			p_rps+=("$rps"); p_p99+=("$p99"); p_g+=("$g"); p_c+=("$c"); p_l+=("$l")
			p_err=$((p_err + errs))
			printf '    pgbench          %9s tps    p99 %7s ms (%s)  failed %s\n' \
				"$rps" "$p99" "$(op_note "$g" "$c" "$l")" "$errs"
			continue
		fi
		for d in $depths; do
			res=$(triad_round "triad-d$d-$r" "$d")
			read -r rps p99 errs g c l <<<"$res"
			t_rps[$d]+="$rps "; t_p99[$d]+="$p99 "; t_g[$d]+="$g "; t_c[$d]+="$c "
			t_l[$d]+="$l "
			t_err=$((t_err + errs))
			printf '    triad depth %-4s %9s req/s  p99 %7s ms (%s)  errors %s\n' \
				"$d" "$rps" "$p99" "$(op_note "$g" "$c" "$l")" "$errs"
		done
	done
done

pm=$(median "${p_rps[@]}")
echo
echo "medians over $rounds rounds of $secs s, $conns connections (p99 in ms: median of the rounds' p99):"
printf '  %-24s %10s %-5s  p99 %7s  (%s)\n' \
	"pgbench (-j $jobs)" "$pm" tps "$(median "${p_p99[@]}")" \
	"$(op_note "$(median "${p_g[@]}")" "$(median "${p_c[@]}")" "$(median "${p_l[@]}")")"
for d in $depths; do
	# shellcheck disable=SC2086
	tm=$(median ${t_rps[$d]})
	ratio=$(awk -v a="$tm" -v b="$pm" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	# shellcheck disable=SC2086
	printf '  %-24s %10s %-5s  p99 %7s  (%s)  ratio %s\n' \
		"triad, pipeline $d" "$tm" req/s "$(median ${t_p99[$d]})" \
		"$(op_note "$(median ${t_g[$d]})" "$(median ${t_c[$d]})" "$(median ${t_l[$d]})")" "$ratio"
done
echo "  errors: triad $t_err, pgbench failed $p_err"
echo "  ratio = triad req/s / pgbench tps, medians; goal >= 0.90"

# Optional: triadd's own instructions per request, counted by callgrind, as
# in compare.sh. triadd runs some 50 times slower there: the count per
# request is what this is for, not the rate. Only triadd's user space.
if [[ -n $callgrind_cmd ]]; then
	host=${callgrind_addr%:*}; host=${host#[}; host=${host%]}
	port=${callgrind_addr##*:}
	if (exec 4<>"/dev/tcp/$host/$port") 2>/dev/null; then
		die "something already listens on $callgrind_addr"
	fi
	echo
	echo "callgrind: triadd under valgrind, its own instructions per request"
	read -r -a daemon <<<"$callgrind_cmd"
	show valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" "${daemon[@]}"
	valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" "${daemon[@]}" \
		>"$work/callgrind-triadd.log" 2>&1 &
	vg=$!
	for ((i = 0; i < 300; i++)); do
		kill -0 "$vg" 2>/dev/null || { cat "$work/callgrind-triadd.log" >&2; die "triadd under callgrind exited"; }
		(exec 4<>"/dev/tcp/$host/$port") 2>/dev/null && break
		sleep 0.2
	done
	reset
	dumps_before=$(find "$work" -name "callgrind.out.$vg.*" | wc -l)
	show callgrind_control -z "$vg"
	callgrind_control -z "$vg" >/dev/null 2>&1 || die "callgrind_control -z failed"
	bench_cmd "$callgrind_addr" "${depths%% *}" "$secs"
	show "${bcmd[@]}"
	"${bcmd[@]}" >"$work/cg.out" 2>"$work/cg.err" ||
		{ cat "$work/cg.err" >&2; die "triad-bench under callgrind failed"; }
	show callgrind_control -d "$vg"
	callgrind_control -d "$vg" >/dev/null 2>&1 || die "callgrind_control -d failed"
	for ((i = 0; i < 50; i++)); do
		[[ $(find "$work" -name "callgrind.out.$vg.*" | wc -l) -gt $dumps_before ]] && break
		sleep 0.2
	done
	dump=$(find "$work" -name "callgrind.out.$vg.*" | sort -t. -k3 -n | tail -n1)
	ir=$(sed -nE 's/^summary: ([0-9]+).*/\1/p' "$dump")
	total=$(json_field requests_total "$work/cg.out")
	per=-
	[[ $ir =~ ^[0-9]+$ && $total =~ ^[0-9]+$ && $total -gt 0 ]] && per=$((ir / total))
	printf "  triadd $kind %10s requests (%s connections included their Hello)  %8s instructions per request (triadd only)\n" \
		"$total" "$conns" "$per"
	kill -TERM "$vg" 2>/dev/null || true
	wait "$vg" 2>/dev/null || true
fi
