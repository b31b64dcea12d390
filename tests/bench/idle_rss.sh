#!/usr/bin/env bash
# idle_rss.sh: what an idle connection costs triadd in resident memory.
#
# Opens N connections (10,000 by default), completes the Hello on each, holds
# them idle, and samples triadd's VmRSS from /proc before, during and after.
# The figure that matters is (RSS held - RSS before) / connections.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	cat <<EOF
usage: $0 --pid PID [options]          measure a triadd that is already running
       $0 --config FILE [options]      start triadd --config FILE, measure, stop it

options:
  --addr HOST:PORT   triadd's address (default: listen= from --config, else
                     \$TRIAD_ADDR, else 127.0.0.1:7411)
  --connections N    idle connections to hold (default 10000; triadd's
                     max_connections defaults to 10000, so more needs a config)
  --duration S       seconds to hold them (default 20)
  --bench PATH       the triad-bench binary (default: \$TRIAD_BENCH, the build
                     tree next to this source tree, or triad-bench on PATH)
  --triadd PATH      the triadd binary for --config (default: \$TRIADD, the build
                     tree, or triadd on PATH)
  -h, --help

Every connection is a descriptor in triadd as well as here. This script raises
its own limit (and, as root, the hard limit) and so that of a triadd it starts;
a triadd you started yourself must have been started from a shell with a raised
limit, e.g. as root:  ulimit -Hn 1048576; ulimit -n 1048576; triadd --config ...
EOF
}

pid=
config=
addr=
conns=10000
duration=20
bench=${TRIAD_BENCH:-}
triadd=${TRIADD:-}

while [[ $# -gt 0 ]]; do
	case $1 in
	--pid) pid=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--addr) addr=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--triadd) triadd=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "idle_rss.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done

die() { echo "idle_rss.sh: $*" >&2; exit 1; }

[[ -n $pid || -n $config ]] || { usage >&2; exit 2; }
[[ -z $pid || -z $config ]] || die "give --pid or --config, not both"
[[ $conns =~ ^[1-9][0-9]*$ ]] || die "--connections must be a positive whole number"
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration must be a whole number of seconds"

find_binary() {	# find_binary NAME BUILD-RELATIVE-PATH
	local c
	for c in "$here/../../build/$2" "$(command -v "$1" || true)"; do
		if [[ -n $c && -x $c ]]; then echo "$c"; return; fi
	done
}
[[ -n $bench ]] || bench=$(find_binary triad-bench tests/bench/triad-bench)
[[ -n $bench && -x $bench ]] || die "triad-bench not found; build it or pass --bench PATH"

# Read KEY from the [triadd] section of the config file.
config_value() {
	awk -F= -v key="$1" '
		/^[ \t]*\[/ { in_s = ($0 ~ /^[ \t]*\[triadd\]/) }
		in_s && $1 ~ "^[ \t]*" key "[ \t]*$" {
			v = substr($0, index($0, "=") + 1); gsub(/^[ \t]+|[ \t]+$/, "", v); print v
		}' "$config" | tail -n1
}

if [[ -n $config ]]; then
	[[ -r $config ]] || die "cannot read $config"
	[[ -n $addr ]] || addr=$(config_value listen)
	maxc=$(config_value max_connections)
	if [[ $conns -gt ${maxc:-10000} ]]; then
		die "$conns connections exceed triadd's max_connections (${maxc:-10000}); raise it in $config"
	fi
fi
[[ -n $addr ]] || addr=${TRIAD_ADDR:-127.0.0.1:7411}

# Descriptors: every connection needs one here and one in triadd. As root the
# hard limit can be raised too; fs.nr_open caps both.
need=$((conns + 1024))
if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $need ]]; then
	if [[ $(id -u) -eq 0 && $(ulimit -Hn) != unlimited && $(ulimit -Hn) -lt $need ]]; then
		ulimit -Hn 1048576 2>/dev/null || ulimit -Hn "$need" 2>/dev/null || true
	fi
	hard=$(ulimit -Hn)
	if [[ $hard == unlimited ]]; then hard=1048576; fi
	ulimit -n "$hard" 2>/dev/null || true
fi
if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $need ]]; then
	die "the descriptor limit is $(ulimit -n) (hard $(ulimit -Hn)) but $conns connections need about $need;
run as root, or raise the hard limit first: ulimit -Hn 1048576; ulimit -n 1048576"
fi

started=
log=$(mktemp "${TMPDIR:-/tmp}/triad-idle-rss.XXXXXX")
cleanup() {
	if [[ -n $started ]] && kill -0 "$started" 2>/dev/null; then
		kill -TERM "$started" 2>/dev/null || true
		wait "$started" 2>/dev/null || true
	fi
	rm -f "$log" "$log.bench.out" "$log.bench.err"
}
trap cleanup EXIT

host=${addr%:*}; host=${host#[}; host=${host%]}
port=${addr##*:}
listening() { (exec 4<>"/dev/tcp/$host/$port") 2>/dev/null; }

if [[ -n $config ]]; then
	[[ -n $triadd ]] || triadd=$(find_binary triadd daemon/triadd)
	[[ -n $triadd && -x $triadd ]] || die "triadd not found; build it or pass --triadd PATH"
	listening && die "something already listens on $addr; stop it or use --pid"
	echo "+ ulimit -n $(ulimit -n); $triadd --config $config"
	"$triadd" --config "$config" >"$log" 2>&1 &
	started=$!
	pid=$started
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "triadd exited"; }
		listening && break
		sleep 0.1
	done
	listening || { cat "$log" >&2; die "triadd does not listen on $addr"; }
fi

[[ -r /proc/$pid/status ]] || die "no process $pid"
comm=$(cat "/proc/$pid/comm")
[[ $comm == triadd* ]] || echo "idle_rss.sh: note: process $pid is '$comm', not triadd" >&2

# The daemon's own descriptor limit decides whether it can accept them all.
dlimit=$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")
if [[ $dlimit != unlimited && $dlimit -lt $((conns + 100)) ]]; then
	die "triadd (pid $pid) may open only $dlimit files, too few for $conns connections.
Start it from a shell with a raised limit, e.g. as root:
    ulimit -Hn 1048576; ulimit -n 1048576; triadd --config FILE
or raise the running daemon's limit as root:
    prlimit --pid $pid --nofile=1048576:1048576"
fi

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Baseline: the daemon settled, with no connection of ours open.
sleep 1
base=()
for _ in 1 2 3; do base+=("$(rss_kb)"); sleep 0.3; done
rss_base=$(median "${base[@]}")

cmd=("$bench" --addr "$addr" --kind idle --connections "$conns" --duration "$duration" --json)
echo "+ ulimit -n $(ulimit -n); ${cmd[*]}"
"${cmd[@]}" >"$log.bench.out" 2>"$log.bench.err" &
bpid=$!

# Wait until every connection has finished its Hello.
for ((i = 0; i < 1200; i++)); do
	grep -qs 'ready:' "$log.bench.err" && break
	kill -0 "$bpid" 2>/dev/null || break
	sleep 0.1
done
grep -q 'ready:' "$log.bench.err" || { cat "$log.bench.err" >&2; die "triad-bench did not get ready"; }
sed -n 's/^triad-bench: //p' "$log.bench.err" | grep -v '^idle:' || true

held=()
while kill -0 "$bpid" 2>/dev/null; do
	held+=("$(rss_kb)")
	sleep 1
done
rc=0
wait "$bpid" || rc=$?
[[ $rc -eq 0 ]] || { cat "$log.bench.err" >&2; die "triad-bench failed (exit $rc)"; }
sleep 1
rss_after=$(rss_kb)

json=$(grep '^{' "$log.bench.out" | tail -n1)
field() { grep -o "\"$1\":[0-9.]*" <<<"$json" | head -n1 | cut -d: -f2; }
connected=$(field connected)
lost=$(field lost)
errors=$(field errors)
[[ ${#held[@]} -gt 0 ]] || die "no sample taken while the connections were held"
rss_held=$(median "${held[@]}")
rss_peak=$(printf '%s\n' "${held[@]}" | sort -n | tail -n1)

echo
echo "triadd pid $pid, $addr"
echo "connections held:  $connected of $conns for $duration s (lost $lost, errors $errors)"
printf 'RSS baseline:      %8d KiB\n' "$rss_base"
printf 'RSS at %-6s      %8d KiB (median of %d samples; peak %d KiB)\n' \
	"${connected}:" "$rss_held" "${#held[@]}" "$rss_peak"
printf 'RSS after close:   %8d KiB\n' "$rss_after"
if [[ ${connected:-0} -gt 0 ]]; then
	echo "per connection:    $(( (rss_held - rss_base) * 1024 / connected )) bytes"
fi
if [[ ${connected:-0} -lt $conns ]]; then
	echo "idle_rss.sh: only $connected of $conns connections opened: $(grep -o '"error_counts":{[^}]*}' <<<"$json")" >&2
	exit 1
fi
