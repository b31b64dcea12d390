#!/usr/bin/env bash
# tests/ha/run.sh: triadd through PostgreSQL failovers, on one machine.
#
#   bash tests/ha/run.sh [--build DIR]
#
# Builds a pg_auto_failover formation (Debian package postgresql-15-auto-failover,
# installed when missing and run as root): a monitor and two nodes on loopback ports,
# run by an unprivileged user (deploy/pg.sh's, `triad` by default). triadd runs against
# the formation's multi-host URI (target_session_attrs=read-write) while tests/ha/ha_load.c
# writes through it with idempotency keys, retrying refused writes with the same key.
# Then, one after the other:
#   1. a planned switchover (pg_autoctl perform switchover);
#   2. a crash of the primary's postmaster (kill -9; pg_autoctl restarts it).
# Checks: no acknowledged write is lost, no write is in the database twice, and reports
# for each event how long writes were refused (seconds).
#
# Binaries: $TRIADD and $HA_LOAD when set; else from DIR (default build-ha/, configured
# and built when it has none). Everything it starts is stopped on exit, pass or fail.
# Exit 0 when every check passed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../deploy/pg.sh
source "$ROOT/deploy/pg.sh"

BUILD=$ROOT/build-ha
while (($#)); do
	case $1 in
	--build) BUILD=$(realpath -m -- "${2:?--build needs a directory}"); shift 2 ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) triad_die "unknown argument: $1 (try --help)" ;;
	esac
done

START=$SECONDS
say() { printf '[ha %3ds] %s\n' $((SECONDS - START)) "$*"; }
now_ms() { date +%s%3N; }

# Runs CMD until it succeeds, for at most $1 seconds; fails with $2.
poll() {
	local limit=$1 what=$2 end
	shift 2
	end=$((SECONDS + limit))
	until "$@"; do
		((SECONDS < end)) || { say "FAILED: $what (after ${limit} s)"; return 1; }
		sleep 0.2
	done
}

# --------------------------------------------------------------------------------------
say "packages"
triad_install_packages postgresql-15-auto-failover postgresql procps
command -v pg_autoctl >/dev/null || triad_die "pg_autoctl is missing (package postgresql-15-auto-failover)"
PG_BIN=$(pg_bindir)

if [[ -z ${TRIADD:-} || -z ${HA_LOAD:-} ]]; then
	if [[ ! -x $BUILD/daemon/triadd || ! -x $BUILD/tests/ha-load ]]; then
		say "building into $BUILD"
		cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIAD_TESTS=ON >/dev/null
		cmake --build "$BUILD" -j2 --target triadd ha-load >/dev/null
	fi
	TRIADD=$BUILD/daemon/triadd
	HA_LOAD=$BUILD/tests/ha-load
fi
[[ -x $TRIADD && -x $HA_LOAD ]] || triad_die "no triadd or ha-load to run ($TRIADD, $HA_LOAD)"

# --------------------------------------------------------------------------------------
# Everything lives in one directory: the formation's in AF, owned by the unprivileged
# user; the daemon's config (it holds a password), token and logs beside it, private.
umask 077
TMP=$(mktemp -d -t triad-ha.XXXXXX)
chmod 0711 "$TMP"
triad_ensure_user
U=$(triad_user)
AF=$TMP/af
mkdir -p "$AF"
[[ $(id -u) -eq 0 ]] && chown "$U:" "$AF"
chmod 0700 "$AF"

PIDS=()          # pg_autoctl run (one per node and the monitor), in start order
TRIADD_PID=
LOAD_PID=

# pg_autoctl as the unprivileged user, with its files under $AF and its sockets in
# $AF/sock (PG_REGRESS_SOCK_DIR sets unix_socket_directories).
AF_ENV=(XDG_CONFIG_HOME="$AF/config" XDG_DATA_HOME="$AF/data" XDG_RUNTIME_DIR="$AF/run"
	PG_REGRESS_SOCK_DIR="$AF/sock" PGHOST="$AF/sock" PG_CONFIG="$PG_BIN/pg_config")
af() { triad_as_user env "${AF_ENV[@]}" pg_autoctl "$@"; }
af_psql() { triad_as_user env "${AF_ENV[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# Starts `pg_autoctl run` for one data directory in the background.
af_run() {
	triad_priv_prefix
	(cd / && exec "${TRIAD_PRIV[@]}" env "${AF_ENV[@]}" pg_autoctl run --pgdata "$1") \
		>>"$TMP/$(basename "$1").log" 2>&1 &
	PIDS+=($!)
}

# Waits up to $2 seconds for pid $1 to exit.
wait_gone() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

cleanup() {
	local rc=$? pid i d
	set +e
	[[ -n $LOAD_PID ]] && kill -KILL "$LOAD_PID" 2>/dev/null
	if [[ -n $TRIADD_PID ]]; then
		kill -TERM "$TRIADD_PID" 2>/dev/null
		wait_gone "$TRIADD_PID" 15 || kill -KILL "$TRIADD_PID" 2>/dev/null
	fi
	# The nodes first, then the monitor: each pg_autoctl stops its own PostgreSQL.
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[i]}
		kill -TERM "$pid" 2>/dev/null
		wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null
	done
	# A PostgreSQL left behind (its pg_autoctl killed): stop it by its data directory.
	for d in "$AF"/monitor "$AF"/node*; do
		[[ -f $d/postmaster.pid ]] &&
			triad_as_user "$PG_BIN/pg_ctl" -D "$d" -m immediate -w -t 30 stop >/dev/null 2>&1
	done
	if ((rc != 0)); then
		for f in "$TMP"/triadd.log "$TMP"/node*.log; do
			[[ -f $f ]] && { echo "--- last lines of $(basename "$f"):"; tail -n 15 "$f"; }
		done
		# The logs stay for a look (the load's log has every answer, timed).
		d=$(mktemp -d -t triad-ha-failed.XXXXXX)
		cp "$TMP"/*.log "$TMP"/*.out "$d"/ 2>/dev/null
		echo "logs kept in $d"
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------------------------------
say "formation: a monitor and two nodes"
PGCTL=$PG_BIN/pg_ctl
P_MON=$(triad_free_port)
P1=$(triad_free_port $((P_MON + 1)))
P2=$(triad_free_port $((P1 + 1)))
triad_as_user mkdir -p "$AF/run" "$AF/sock"
# A throwaway formation on loopback: trust, no TLS. Not a production setup (see
# deploy/OPERATIONS.md, "High availability").
af create monitor --pgdata "$AF/monitor" --pgport "$P_MON" --hostname 127.0.0.1 \
	--auth trust --no-ssl --pgctl "$PGCTL" >>"$TMP/monitor.log" 2>&1
af config set --pgdata "$AF/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null
af_run "$AF/monitor"
MONITOR_URI="postgres://autoctl_node@127.0.0.1:$P_MON/pg_auto_failover?sslmode=disable"
poll 60 "the monitor accepts connections" af_psql -h "$AF/sock" -p "$P_MON" -d pg_auto_failover -c 'SELECT 1' >/dev/null 2>&1

for n in 1 2; do
	port_var=P$n
	af create postgres --pgdata "$AF/node$n" --pgport "${!port_var}" --listen 127.0.0.1 \
		--hostname 127.0.0.1 --name "node$n" --dbname postgres --auth trust --no-ssl \
		--pgctl "$PGCTL" --monitor "$MONITOR_URI" >>"$TMP/node$n.log" 2>&1
	af_run "$AF/node$n"
done

# Prints "PRIMARY SECONDARY" (node names) when the formation is settled: one node
# primary and the other secondary, both as assigned. Fails otherwise.
settled() {
	af show state --pgdata "$AF/monitor" 2>/dev/null | awk -F'|' '
		function trim(s) { gsub(/^ +| +$/, "", s); return s }
		NF >= 7 && trim($1) ~ /^node/ {
			name = trim($1); rep = trim($(NF - 1)); asg = trim($NF)
			if (rep == "primary" && asg == "primary") p = name
			else if (rep == "secondary" && asg == "secondary") s = name
		}
		END { if (p != "" && s != "") { print p, s; exit 0 } exit 1 }'
}
# Sets PRIMARY and SECONDARY once the formation has settled.
read_roles() {
	local roles
	poll 180 "the formation settles (a primary and a secondary)" settled >/dev/null
	roles=$(settled) || return 1
	read -r PRIMARY SECONDARY <<<"$roles"
}
read_roles
URI=$(af show uri --pgdata "$AF/monitor" --formation default 2>/dev/null |
	grep -o 'postgres://[^ ]*target_session_attrs=[^ ]*' | head -n 1)
say "primary $PRIMARY, secondary $SECONDARY; formation URI $URI"

# --------------------------------------------------------------------------------------
say "database, roles and schema"
PW_OWNER=$(openssl rand -hex 24)
PW_APP=$(openssl rand -hex 24)
PRIMARY_PORT=$(af show state --pgdata "$AF/monitor" 2>/dev/null | awk -F'|' -v n="$PRIMARY" '
	{ gsub(/ /, "", $1); gsub(/ /, "", $3) } $1 == n { split($3, a, ":"); print a[2] }')
af_psql -h "$AF/sock" -p "$PRIMARY_PORT" -d postgres <<-EOF
	SET client_min_messages = warning;
	CREATE ROLE triad_owner LOGIN CREATEROLE PASSWORD '$PW_OWNER';
	CREATE ROLE triad_app NOLOGIN;
	CREATE ROLE triadd LOGIN PASSWORD '$PW_APP' IN ROLE triad_app;
	CREATE DATABASE triad OWNER triad_owner ENCODING 'UTF8' TEMPLATE template0;
	REVOKE ALL ON DATABASE triad FROM PUBLIC;
	GRANT CONNECT ON DATABASE triad TO triad_app;
EOF
# The formation's URI, for the database triad and with a role and its password.
with_role() { sed -e "s|^postgres://|postgres://$1:$2@|" -e 's|/postgres?|/triad?|' <<<"$URI"; }
OWNER_URI=$(with_role triad_owner "$PW_OWNER")
APP_URI=$(with_role triadd "$PW_APP")
[[ $APP_URI == *target_session_attrs=read-write* ]] || triad_die "the formation's URI lacks target_session_attrs=read-write: $URI"
"$TRIADD" migrate --db "$OWNER_URI" >"$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log"; exit 1; }
"$TRIADD" bootstrap --force --db "$OWNER_URI" 2>/dev/null | head -n 1 >"$TMP/token"
grep -q '^trd_' "$TMP/token" || triad_die "triadd bootstrap gave no token"

# --------------------------------------------------------------------------------------
say "triadd on the formation's URI"
LISTEN=$(triad_free_port)
HTTP=$(triad_free_port $((LISTEN + 1)))
cat >"$TMP/triadd.conf" <<-EOF
	[triadd]
	listen = 127.0.0.1:$LISTEN
	http_listen = 127.0.0.1:$HTTP
	tls = off
	db = $APP_URI
	pool_size = 4
	db_timeout_ms = 5000
	log_level = info
EOF
"$TRIADD" --config "$TMP/triadd.conf" >"$TMP/triadd.log" 2>&1 &
TRIADD_PID=$!
ready() {
	local reply
	reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$HTTP" &&
		printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3 && head -n 1 <&3) 2>/dev/null) || return 1
	[[ $reply == *" 200 "* ]]
}
poll 30 "triadd is ready" ready

STEM="ha$(date +%s)"
"$HA_LOAD" --addr "127.0.0.1:$LISTEN" --token-file "$TMP/token" --stem "$STEM" \
	--log "$TMP/load.log" --writers 4 >"$TMP/load.out" 2>&1 &
LOAD_PID=$!
acks_since() {
	[[ -f $TMP/load.log ]] || { echo 0; return; }
	awk -v t="$1" '$1 == "ack" && $2 >= t { n++ } END { print n + 0 }' "$TMP/load.log"
}
# True when at least $2 writes were acknowledged at or after time $1 (ms).
acked_since() { (($(acks_since "$1") >= $2)); }
poll 60 "writes are acknowledged" acked_since 0 50

# --------------------------------------------------------------------------------------
# The events. Each records its start (ms) and waits until the formation has settled
# again and writes flow: 50 acknowledged after the formation settled.
EVENTS=()
T_START=()
event_done() {
	read_roles
	local t
	t=$(now_ms)
	poll 120 "writes are acknowledged after: $1" acked_since "$t" 50
}
monitor_sql() { af_psql -h "$AF/sock" -p "$P_MON" -d pg_auto_failover -At -c "$1" 2>/dev/null; }

say "event 1: planned switchover ($PRIMARY -> $SECONDARY)"
EVENTS+=("switchover")
T_START+=("$(now_ms)")
af perform switchover --pgdata "$AF/monitor" >>"$TMP/switchover.log" 2>&1 || true
# perform switchover returns once the new primary is assigned; settled() waits for the
# old primary to follow it.
until read -r NEW _ < <(settled) && [[ $NEW != "$PRIMARY" ]]; do
	((SECONDS < START + 900)) || triad_die "the switchover did not happen"
	sleep 0.2
done
event_done "switchover"
say "primary is now $PRIMARY"

say "event 2: kill -9 of the primary's postmaster ($PRIMARY)"
PM=$(head -n 1 "$AF/$PRIMARY/postmaster.pid")
[[ $PM =~ ^[0-9]+$ ]] || triad_die "no postmaster pid for $PRIMARY"
EVENTS+=("postmaster crash")
T_START+=("$(now_ms)")
kill -KILL "$PM"
CRASHED=$PRIMARY
# The formation looks settled until the monitor hears of the crash. pg_autoctl starts
# the postmaster again (as the primary, or as a standby of the node promoted meanwhile);
# once the monitor has a report from the node with PostgreSQL running again, it has
# made its decision, and settled() means the formation has carried it out.
new_postmaster() {
	local pid
	pid=$(head -n 1 "$AF/$CRASHED/postmaster.pid" 2>/dev/null) &&
		[[ $pid =~ ^[0-9]+$ && $pid != "$PM" ]] && kill -0 "$pid" 2>/dev/null
}
poll 120 "PostgreSQL runs again on $CRASHED" new_postmaster
T_BACK=$(now_ms)
monitor_heard() {
	[[ $(monitor_sql "SELECT reportedpgisrunning AND reporttime > to_timestamp($T_BACK / 1000.0)
		FROM pgautofailover.node WHERE nodename = '$CRASHED'") == t ]]
}
poll 120 "the monitor hears from $CRASHED again" monitor_heard
event_done "postmaster crash"
say "primary is now $PRIMARY"
T_END=$(now_ms)

# --------------------------------------------------------------------------------------
say "stopping the load; retrying what is unacknowledged"
kill -TERM "$LOAD_PID"
set +e
wait "$LOAD_PID"
LOAD_RC=$?
set -e
LOAD_PID=
cat "$TMP/load.out"
FAILED=0
((LOAD_RC == 0)) || { say "FAILED: ha-load exited $LOAD_RC: some writes were never acknowledged"; FAILED=1; }

awk '$1 == "ack" { print $3 }' "$TMP/load.log" | sort >"$TMP/acked"
af_psql -h "$AF/sock" -p "$(af show state --pgdata "$AF/monitor" 2>/dev/null | awk -F'|' -v n="$PRIMARY" '
	{ gsub(/ /, "", $1); gsub(/ /, "", $3) } $1 == n { split($3, a, ":"); print a[2] }')" \
	-d triad -At -c "SELECT name FROM organisation WHERE name LIKE '$STEM-%'" | sort >"$TMP/stored"
LOST=$(comm -23 "$TMP/acked" <(sort -u "$TMP/stored") | wc -l)
DUPS=$(uniq -d "$TMP/stored" | wc -l)
say "acknowledged writes: $(wc -l <"$TMP/acked"); rows: $(wc -l <"$TMP/stored")"
if ((LOST > 0)); then
	say "FAILED: $LOST acknowledged writes are not in the database:"
	comm -23 "$TMP/acked" <(sort -u "$TMP/stored") | head -n 5
	FAILED=1
else
	say "ok: every acknowledged write is in the database"
fi
if ((DUPS > 0)); then
	say "FAILED: $DUPS writes are in the database more than once:"
	uniq -d "$TMP/stored" | head -n 5
	FAILED=1
else
	say "ok: no write is in the database twice"
fi

# How long writes were refused around each event: from the first refused answer after
# the event began to the first acknowledgement after it; and the longest time without
# any acknowledged write in the event's window.
echo
printf '%-18s %10s %10s %12s\n' "event" "refused_s" "refusals" "max_gap_s"
for i in "${!EVENTS[@]}"; do
	from=${T_START[i]}
	to=${T_START[i + 1]:-$T_END}
	awk -v from="$from" -v to="$to" -v name="${EVENTS[i]}" '
		$2 < from || $2 > to { if ($1 == "ack" && $2 < from) last = $2; next }
		$1 == "refused" { n++; if (first == "") first = $2 }
		$1 == "ack" {
			if (first != "" && back == "") back = $2
			if (last != "" && $2 - last > gap) gap = $2 - last
			last = $2
		}
		END {
			r = (first != "" && back != "") ? (back - first) / 1000 : 0
			printf "%-18s %10.1f %10d %12.1f\n", name, r, n, gap / 1000
		}' "$TMP/load.log"
done
echo
grep -E 'event=db_(unavailable|available|read_only|writable)' "$TMP/triadd.log" | sed 's/^/triadd: /' || true
kill -0 "$TRIADD_PID" || { say "FAILED: triadd is gone"; FAILED=1; }
say "done in $((SECONDS - START)) s"
((FAILED == 0))
