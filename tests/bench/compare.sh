#!/usr/bin/env bash
# compare.sh: triadd's database ping against pgbench's SELECT 1, on the same
# PostgreSQL cluster, in alternating rounds.
#
# Both sides do the same database work per request: one `SELECT 1` in its own
# implicit transaction over the extended query protocol with the unnamed
# statement (triadd's Ping{database=true}; pgbench -M extended). The question
# answered is what going through triadd costs, or saves, compared with talking
# to PostgreSQL directly. See README.md for how to read the numbers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	cat <<EOF
usage: TRIAD_ADDR=HOST:PORT PGBENCH_DB=CONNINFO $0 [options]

  TRIAD_ADDR    address of a running triadd
  PGBENCH_DB    conninfo (or URI) of the database triadd uses, as triadd's role
  TRIAD_TOKEN   a valid API token for the Hello (the daemon checks it; e.g. the
                first token of the file scale_feedback.sql writes)

options:
  --rounds N          rounds of each kind, alternated (default 5)
  --seconds S         length of every round (default 10)
  --connections C     triad-bench connections and pgbench clients (default 64)
  --pipeline D        requests outstanding per triad-bench connection (default 16)
  --jobs J            pgbench threads, -j (default 2)
  --threads N         triad-bench threads (default 1)
  --bench PATH        the triad-bench binary (default: \$TRIAD_BENCH, the build
                      tree next to this source tree, or triad-bench on PATH)
  --no-ping           skip the ping (no database) rounds
  --callgrind 'CMD'   after the rounds, start triadd as CMD under callgrind and
                      count its own instructions per request (slow; optional)
  --callgrind-addr A  the address CMD listens on (required with --callgrind,
                      and must differ from TRIAD_ADDR)
  -h, --help
EOF
}

rounds=5
secs=10
conns=64
pipeline=16
jobs=2
threads=1
bench=${TRIAD_BENCH:-}
do_ping=true
callgrind_cmd=
callgrind_addr=

while [[ $# -gt 0 ]]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--pipeline) pipeline=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--no-ping) do_ping=false; shift ;;
	--callgrind) callgrind_cmd=$2; shift 2 ;;
	--callgrind-addr) callgrind_addr=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "compare.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done

die() { echo "compare.sh: $*" >&2; exit 1; }

[[ -n ${TRIAD_ADDR:-} ]] || die "set TRIAD_ADDR to the address of a running triadd"
[[ -n ${PGBENCH_DB:-} ]] || die "set PGBENCH_DB to the conninfo of triadd's database"
for n in "$rounds" "$secs" "$conns" "$pipeline" "$jobs" "$threads"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive whole number: $n"
done
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

work=$(mktemp -d "${TMPDIR:-/tmp}/triad-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'SELECT 1;\n' > "$work/select1.sql"

# Descriptor 3 is the terminal's stdout even inside $(...).
exec 3>&1

# Print a command the way it could be typed again, with any password hidden.
show() {
	local line
	line=$(printf '%q ' "$@")
	line=$(sed -E 's/(password=)[^ \\]*/\1***/g; s#(://[^:/@]*:)[^@]*@#\1***@#g' <<<"$line")
	echo "  + $line" >&3
}

# perf: instructions are the steady figure, but only hardware with exposed
# counters gives them (not most VMs and containers).
perf_ok=false
perf_note=
if command -v perf >/dev/null; then
	probe=$(perf stat -a -x, -e instructions -- true 2>&1 || true)
	val=$(awk -F, '$3 ~ /^instructions/ { print $1 }' <<<"$probe" | tail -n1)
	if [[ $val =~ ^[0-9]+$ ]]; then
		perf_ok=true
	elif [[ $probe == *"not supported"* ]]; then
		perf_note="perf reports instructions as <not supported> (no hardware counters here)"
	else
		perf_note="perf stat -a failed: $(head -n1 <<<"$probe")"
	fi
else
	perf_note="perf is not installed"
fi

# run_round NAME CMD...: run CMD (under perf stat -a when it works) with its
# stdout in $work/NAME.out and stderr in $work/NAME.err; the instruction count
# goes to $work/NAME.instr ("-" when unknown). Fails when CMD fails.
run_round() {
	local name=$1; shift
	local rc=0
	if $perf_ok; then
		show perf stat -a -x, -e instructions -o "$work/$name.perf" -- "$@"
		perf stat -a -x, -e instructions -o "$work/$name.perf" -- "$@" \
			>"$work/$name.out" 2>"$work/$name.err" || rc=$?
		awk -F, '$3 ~ /^instructions/ { print $1 }' "$work/$name.perf" | tail -n1 >"$work/$name.instr"
	else
		show "$@"
		"$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
		echo - >"$work/$name.instr"
	fi
	if [[ $rc -ne 0 ]]; then
		echo "compare.sh: round $name failed (exit $rc):" >&2
		cat "$work/$name.err" "$work/$name.out" >&2
		exit 1
	fi
}

json_field() {
	grep -o "\"$1\":[0-9.]*" "$2" | head -n1 | cut -d: -f2
}

# per_request INSTR COUNT: instructions per request, or "-".
per_request() {
	if [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ && $2 -gt 0 ]]; then
		echo $(( $1 / $2 ))
	else
		echo -
	fi
}

median() {
	printf '%s\n' "$@" | awk '$1 != "-"' | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) print "-";
			else if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2;
		}'
}

# bench_cmd ADDR KIND: set the array bench to the triad-bench command line.
# No warm-up, as pgbench has none; both count from their first request.
bench_cmd() {
	bcmd=("$bench" --addr "$1" --kind "$2" --connections "$conns" --pipeline "$pipeline"
	      --threads "$threads" --duration "$secs" --warmup 0 --json)
}

# triad_round NAME KIND: one triad-bench round; prints "RPS IPR ERRORS".
triad_round() {
	local name=$1 kind=$2
	bench_cmd "$TRIAD_ADDR" "$kind"
	run_round "$name" "${bcmd[@]}"
	local rps total errs
	rps=$(json_field rps "$work/$name.out")
	total=$(json_field requests_total "$work/$name.out")
	errs=$(json_field errors "$work/$name.out")
	[[ -n $rps ]] || die "round $name printed no result: $(cat "$work/$name.err")"
	echo "$rps $(per_request "$(cat "$work/$name.instr")" "$total") $errs"
}

# pgbench_round NAME: one pgbench round; prints "TPS IPR FAILED".
pgbench_round() {
	local name=$1
	run_round "$name" pgbench -n -M extended -c "$conns" -j "$jobs" -T "$secs" \
		-f "$work/select1.sql" "$PGBENCH_DB"
	local tps total failed
	tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$work/$name.out" | head -n1)
	total=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$work/$name.out")
	failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$work/$name.out")
	[[ -n $tps ]] || die "pgbench printed no tps: $(cat "$work/$name.out" "$work/$name.err")"
	tps=$(awk -v v="$tps" 'BEGIN { printf "%.1f", v }')
	echo "$tps $(per_request "$(cat "$work/$name.instr")" "$total") ${failed:-0}"
}

echo "triad-bench: $bench"
echo "pgbench:     $(pgbench --version)"
echo "script:      $work/select1.sql contains: $(cat "$work/select1.sql")"
if $perf_ok; then
	echo "instructions: perf stat -a (whole machine: load generator + triadd + PostgreSQL)"
else
	echo "instructions: not measured: $perf_note"
fi
echo

declare -a t_rps t_ipr p_rps p_ipr n_rps n_ipr
t_err=0
p_err=0
n_err=0
for ((r = 1; r <= rounds; r++)); do
	echo "round $r of $rounds"
	res=$(triad_round "triad-db-$r" ping-db)
	read -r rps ipr errs <<<"$res"
	t_rps+=("$rps"); t_ipr+=("$ipr"); t_err=$((t_err + errs))
	printf '  triad ping-db  %12s req/s  %8s instr/req  errors %s\n' "$rps" "$ipr" "$errs"

	res=$(pgbench_round "pgbench-$r")
	read -r rps ipr errs <<<"$res"
	p_rps+=("$rps"); p_ipr+=("$ipr"); p_err=$((p_err + errs))
	printf '  pgbench        %12s tps    %8s instr/req  failed %s\n' "$rps" "$ipr" "$errs"

	if $do_ping; then
		res=$(triad_round "triad-ping-$r" ping)
		read -r rps ipr errs <<<"$res"
		n_rps+=("$rps"); n_ipr+=("$ipr"); n_err=$((n_err + errs))
		printf '  triad ping     %12s req/s  %8s instr/req  errors %s\n' "$rps" "$ipr" "$errs"
	fi
done

tm=$(median "${t_rps[@]}")
pm=$(median "${p_rps[@]}")
ratio=$(awk -v a="$tm" -v b="$pm" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
echo
echo "medians over $rounds rounds of $secs s, $conns connections:"
printf '  triad ping-db (pipeline %s)  %12s req/s  %8s instr/req  errors %s\n' \
	"$pipeline" "$tm" "$(median "${t_ipr[@]}")" "$t_err"
printf '  pgbench SELECT 1 (-j %s)      %12s tps    %8s instr/req  failed %s\n' \
	"$jobs" "$pm" "$(median "${p_ipr[@]}")" "$p_err"
echo "  ratio triad/pgbench (median throughput): $ratio"
if $do_ping; then
	printf '  triad ping, no database      %12s req/s  %8s instr/req  errors %s\n' \
		"$(median "${n_rps[@]}")" "$(median "${n_ipr[@]}")" "$n_err"
fi
$perf_ok || echo "  instr/req: $perf_note${callgrind_cmd:+; see callgrind below}"

# Optional: triadd's own instructions per request, counted by callgrind. It
# runs the daemon some 50 times slower, so these rounds say nothing about
# throughput; the count per request is what they are for. Only triadd's user
# space is counted, not the kernel and not PostgreSQL.
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
	kinds=(ping-db)
	$do_ping && kinds+=(ping)
	for kind in "${kinds[@]}"; do
		dumps_before=$(find "$work" -name "callgrind.out.$vg.*" | wc -l)
		show callgrind_control -z "$vg"
		callgrind_control -z "$vg" >/dev/null 2>&1 || die "callgrind_control -z failed"
		bench_cmd "$callgrind_addr" "$kind"
		show "${bcmd[@]}"
		"${bcmd[@]}" >"$work/cg-$kind.out" 2>"$work/cg-$kind.err" ||
			{ cat "$work/cg-$kind.err" >&2; die "triad-bench under callgrind failed"; }
		show callgrind_control -d "$vg"
		callgrind_control -d "$vg" >/dev/null 2>&1 || die "callgrind_control -d failed"
		for ((i = 0; i < 50; i++)); do
			[[ $(find "$work" -name "callgrind.out.$vg.*" | wc -l) -gt $dumps_before ]] && break
			sleep 0.2
		done
		dump=$(find "$work" -name "callgrind.out.$vg.*" | sort -t. -k3 -n | tail -n1)
		ir=$(sed -nE 's/^summary: ([0-9]+).*/\1/p' "$dump")
		total=$(json_field requests_total "$work/cg-$kind.out")
		printf '  triadd %-8s %10s requests  %8s instructions per request (triadd only)\n' \
			"$kind" "$total" "$(per_request "$ir" "$total")"
	done
	kill -TERM "$vg" 2>/dev/null || true
	wait "$vg" 2>/dev/null || true
fi
