#!/usr/bin/env bash
# tests/sync/run.sh: under synchronous replication, a repeated write is answered only
# once its first answer is on a standby.
#
# A write whose connection was lost at its COMMIT may be committed on the primary and
# not yet on the synchronous standby (a crash of the primary between the two). A
# repeat with the same idempotency key finds it there; answering it at once would
# acknowledge a write that a failover to the standby loses. So triadd first commits a
# write of its own, which waits for the standby like every commit that wrote WAL.
#
#   1. a cluster with synchronous_commit = on and WAL senders; triadd on it
#   2. a write with key K is acknowledged (no standby is required yet)
#   3. synchronous_standby_names names a standby that never connects: from now on no
#      commit is confirmed
#   4. the repeat of K is not acknowledged: triadd answers that it could not confirm
#      it (or that its outcome is unknown), within its deadline
#   5. a new write is not acknowledged either (the cluster does wait for a standby)
#   6. with no standby required again, the repeat of K is acknowledged with the
#      organisation of step 2
#
# Environment: TRIADD and TRIAD (ctest sets them). Makes its own cluster.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../deploy/pg.sh
source "$ROOT/deploy/pg.sh"
# shellcheck source=../script_lib.sh
source "$ROOT/tests/script_lib.sh"

PGSH=$ROOT/deploy/pg.sh
tl_init sync
PG=$TL_WORK/pg
TL_ON_EXIT='bash "$PGSH" destroy "$PG" >/dev/null 2>&1'
command -v protoc >/dev/null || tl_fail "protoc is missing (package protobuf-compiler)"
PY=/usr/bin/python3
"$PY" -c 'import google.protobuf' 2>/dev/null || tl_fail "$PY lacks the protobuf module (package python3-protobuf)"

# ---------------------------------------------------------------------------------------
tl_step "a cluster whose commits wait for a synchronous standby once one is named"
bash "$PGSH" init "$PG" "$(triad_free_port)" --throwaway >/dev/null
pg_load "$PG"
bash "$PGSH" psql "$PG" -q -v ON_ERROR_STOP=1 -d postgres \
	-c "ALTER SYSTEM SET wal_level = replica" \
	-c "ALTER SYSTEM SET max_wal_senders = 4" \
	-c "ALTER SYSTEM SET synchronous_commit = on"
bash "$PGSH" stop "$PG"
bash "$PGSH" start "$PG"
"$TRIADD" migrate --db "$OWNER_DB" >/dev/null || tl_fail "triadd migrate"
TOKEN=$(tl_operator_token "$OWNER_DB")
# A short deadline: a commit that waits for the absent standby is given up on soon.
tl_start_triadd sync "$APP_DB" "db_timeout_ms = 3000"
ADDR=${TL_ADDR[sync]}

GEN=$TL_WORK/gen
mkdir -p "$GEN"
protoc -I"$ROOT/proto" --python_out="$GEN" "$ROOT"/proto/triad/v1/*.proto
# One session for every write (signing in writes too, and commits will wait).
coproc WRITER { PYTHONPATH="$GEN:$ROOT/examples/python" exec "$PY" "$ROOT/tests/sync/repeat.py" "$ADDR" "$TOKEN" 2>"$TL_WORK/writer.log"; }
TL_PIDS+=("$WRITER_PID")
read -r -t 30 ready <&"${WRITER[0]}" || tl_fail "the writer did not sign in (see writer.log)"
[[ $ready == READY ]] || tl_fail "the writer said: $ready"
# write KEY NAME [TIMEOUT_S]: sets ANSWER to the writer's line for it (no command
# substitution: a subshell has no access to the writer's pipes).
write() {
	printf '%s %s %s\n' "$1" "$2" "${3:-30}" >&"${WRITER[1]}"
	read -r -t $((${3:-30} + 5)) ANSWER <&"${WRITER[0]}" || tl_fail "the writer gave no line for $1"
}
standby() {
	bash "$PGSH" psql "$PG" -q -v ON_ERROR_STOP=1 -d postgres \
		-c "ALTER SYSTEM SET synchronous_standby_names = '$1'" -c "SELECT pg_reload_conf()" >/dev/null
	# The reload reaches every backend at its next command; wait until a new
	# session sees it.
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(bash "$PGSH" psql "$PG" -At -d postgres -c "SHOW synchronous_standby_names") == "$1" ]] && return 0
		sleep 0.05
	done
	tl_fail "synchronous_standby_names did not become '$1'"
}

KEY=sync-$$-$RANDOM
NAME=sync-org-$$-$RANDOM

# ---------------------------------------------------------------------------------------
tl_step "a write is acknowledged"
write "$KEY" "$NAME"
first=$ANSWER
[[ $first == "OK "* ]] || tl_fail "the first write was not acknowledged: $first"
ORG=${first#OK }

# ---------------------------------------------------------------------------------------
tl_step "no commit is confirmed: the repeat is not acknowledged"
standby never_connects
write "$KEY" "$NAME" 20
again=$ANSWER
case $again in
CODE_UNAVAILABLE*"could not be confirmed"* | CODE_OUTCOME_UNKNOWN*) echo "repeat: $again" ;;
*) tl_fail "the repeat was answered while no standby confirmed it: $again" ;;
esac
write "$KEY-new" "$NAME-new" 20
fresh=$ANSWER
case $fresh in
CODE_OUTCOME_UNKNOWN* | CODE_UNAVAILABLE*) echo "new write: $fresh" ;;
*) tl_fail "a new write was answered while no standby confirmed it: $fresh" ;;
esac

# ---------------------------------------------------------------------------------------
tl_step "no standby required: the repeat is acknowledged with the first answer"
standby ''
write "$KEY" "$NAME"
last=$ANSWER
[[ $last == "OK $ORG" ]] || tl_fail "the repeat gave '$last', not the first answer 'OK $ORG'"
exec {WRITER[1]}>&-
wait "$WRITER_PID" || true
tl_stop_triadd sync
echo "ok"
