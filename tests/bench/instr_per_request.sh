#!/usr/bin/env bash
# instr_per_request.sh: triadd's own instructions per request, counted by
# callgrind, with start-up, connection and Hello costs taken out.
#
# It starts TRIADD --config CONF under valgrind --tool=callgrind, waits for
# the database pool, then runs triad-bench twice (SHORT and LONG seconds,
# --warmup 0), zeroing the counters before each run and dumping them after
# it (callgrind_control -z / -d). What the two runs share (connecting, the
# Hellos, closing, the tail of answers still in flight) cancels out of
#   (Ir_long - Ir_short) / (requests_long - requests_short)
# where requests are the answers triad-bench received (requests_total).
# Only triadd's user-space instructions count: not the kernel's, not
# PostgreSQL's, not the bench's.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 --triadd PATH --config FILE --addr HOST:PORT [options] [-- BENCH-ARGS...]
  --kind K          triad-bench --kind (default ping)
  --short S         seconds of the first run (default 5)
  --long S          seconds of the second run (default 15)
  --connections C   (default 50)
  --pipeline D      (default 16)
  --bench PATH      triad-bench (default: \$TRIAD_BENCH, build/tests/bench/triad-bench)
  --keep DIR        keep the callgrind dumps in DIR (for callgrind_annotate)
BENCH-ARGS go to triad-bench as they are: --token T, or --tokens FILE --institution I.
The config must have log_level = info (the script waits for event=listening)
and generous db_timeout_ms and hello_timeout_ms: under callgrind triadd runs
some 50 times slower.
USAGE
}

triadd= conf= addr= kind=ping short=5 long=15 conns=50 pipeline=16 keep=
here=$(cd "$(dirname "$0")" && pwd)
bench=${TRIAD_BENCH:-$here/../../build/tests/bench/triad-bench}
while [[ $# -gt 0 ]]; do
	case $1 in
	--triadd) triadd=$2; shift 2 ;;
	--config) conf=$2; shift 2 ;;
	--addr) addr=$2; shift 2 ;;
	--kind) kind=$2; shift 2 ;;
	--short) short=$2; shift 2 ;;
	--long) long=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--pipeline) pipeline=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) usage; exit 0 ;;
	*) echo "instr_per_request.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done
die() { echo "instr_per_request.sh: $*" >&2; exit 1; }
[[ -n $triadd && -n $conf && -n $addr ]] || { usage >&2; exit 2; }
[[ -x $bench ]] || die "triad-bench not found: $bench"
command -v callgrind_control >/dev/null || die "valgrind (callgrind_control) is not installed"
host=${addr%:*} port=${addr##*:}
if (exec 4<>"/dev/tcp/$host/$port") 2>/dev/null; then
	die "something already listens on $addr"
fi

work=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/triad-instr.XXXXXX")}
mkdir -p "$work"
valgrind --tool=callgrind --collect-atstart=yes --callgrind-out-file="$work/callgrind.out.%p" \
	"$triadd" --config "$conf" >"$work/triadd.log" 2>&1 &
vg=$!
cleanup() { kill -TERM "$vg" 2>/dev/null || true; wait "$vg" 2>/dev/null || true; [[ -n $keep ]] || rm -rf "$work"; }
trap cleanup EXIT
for ((i = 0; i < 1500; i++)); do
	kill -0 "$vg" 2>/dev/null || { cat "$work/triadd.log" >&2; die "triadd exited"; }
	grep -q "event=listening" "$work/triadd.log" && break
	sleep 0.2
done
grep -q "event=listening" "$work/triadd.log" || die "triadd did not start listening (log_level = info?)"
sleep 5   # the pool connects

field() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
declare -a ir req
n=0
for secs in "$short" "$long"; do
	callgrind_control -z "$vg" >/dev/null
	"$bench" --addr "$addr" --kind "$kind" --connections "$conns" --pipeline "$pipeline" \
		--duration "$secs" --warmup 0 --json "$@" >"$work/bench$n.json" 2>"$work/bench$n.err" ||
		{ cat "$work/bench$n.err" >&2; die "triad-bench failed"; }
	sleep 2   # what was still in flight is answered (or dropped) before the dump
	dumps() { find "$work" -name "callgrind.out.$vg.*" | wc -l; }
	before=$(dumps)
	callgrind_control -d "$vg" >/dev/null
	for ((i = 0; i < 100; i++)); do
		[[ $(dumps) -gt $before ]] && break
		sleep 0.2
	done
	dump=$(find "$work" -name "callgrind.out.$vg.*" | sort -V | tail -n1)
	ir[n]=$(sed -nE 's/^summary: ([0-9]+).*/\1/p' "$dump")
	req[n]=$(field "$work/bench$n.json" requests_total)
	errs=$(field "$work/bench$n.json" errors)
	printf '%3s s: %12s instructions, %8s requests, errors %s (%s)\n' "$secs" "${ir[n]}" "${req[n]}" "$errs" "$dump"
	n=$((n + 1))
done
(( req[1] > req[0] )) || die "the long run answered no more requests than the short one"
echo "triadd $kind: $(( (ir[1] - ir[0]) / (req[1] - req[0]) )) instructions per request"
