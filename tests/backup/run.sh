#!/usr/bin/env bash
# tests/backup/run.sh: a base backup taken under write load, restored to a point in
# time into a fresh cluster, served by triadd with the data as of that time.
#
#   1. a cluster with WAL archiving (archive_command, as deploy/OPERATIONS.md says);
#      triadd on it; a client writing organisations one after the other through it
#   2. pg_basebackup while the writes go on
#   3. write A, note the database's clock (the restore target), write B;
#      more writes; switch and archive the WAL; stop the cluster
#   4. a fresh cluster from the base backup, recovering from the archive to the target
#   5. triadd on the restored cluster; the client finds A and not B, and of the load
#      exactly the writes up to some point between A and B: every write acknowledged
#      before A, none sent after B was acknowledged, nothing missing in between
#
# Nothing waits by the clock: the load tells when it has started through a FIFO,
# pg_basebackup, pg_ctl -w and the archiver's final round at shutdown return when
# their work is done.
#
# Environment: TRIADD and TRIAD (tests/run.sh and ctest set them). Makes its own
# clusters; as root, they run as the user deploy/pg.sh uses.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../deploy/pg.sh
source "$ROOT/deploy/pg.sh"
# shellcheck source=../script_lib.sh
source "$ROOT/tests/script_lib.sh"

PGSH=$ROOT/deploy/pg.sh
tl_init backup
RUN=$$-$RANDOM
PG1=$TL_WORK/primary
PG2=$TL_WORK/restored
TL_ON_EXIT='bash "$PGSH" destroy "$PG1" >/dev/null 2>&1; bash "$PGSH" destroy "$PG2" >/dev/null 2>&1'

# Where the backup and the WAL archive go: a directory the cluster's user owns.
BACKUP=$TL_WORK/backup
mkdir -m 0700 "$BACKUP"
[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$BACKUP"
ARCHIVE=$BACKUP/wal
BASE=$BACKUP/base
triad_as_user mkdir -m 0700 "$ARCHIVE"

# ---------------------------------------------------------------------------------------
tl_step "a cluster that archives its WAL"
# A throwaway cluster (no fsync: this test is not about crashes), with what a base
# backup and archiving need put back: WAL for replicas, WAL senders.
bash "$PGSH" init "$PG1" "$(triad_free_port)" --throwaway >/dev/null
pg_load "$PG1"
bash "$PGSH" psql "$PG1" -q -v ON_ERROR_STOP=1 -d postgres \
	-c "ALTER SYSTEM SET wal_level = replica" \
	-c "ALTER SYSTEM SET max_wal_senders = 4" \
	-c "ALTER SYSTEM SET archive_mode = on" \
	-c "ALTER SYSTEM SET archive_command = 'test ! -f $ARCHIVE/%f && cp %p $ARCHIVE/%f'"
# pg_basebackup speaks the replication protocol: the superuser, over the socket.
printf 'local   replication  postgres  peer map=superuser\n' |
	triad_as_user tee -a "$PGDATA/pg_hba.conf" >/dev/null
bash "$PGSH" stop "$PG1"
bash "$PGSH" start "$PG1"
[[ $(bash "$PGSH" psql "$PG1" -At -d postgres -c "SHOW archive_mode") == on ]] ||
	tl_fail "archive_mode is not on"
"$TRIADD" migrate --db "$OWNER_DB" >/dev/null || tl_fail "triadd migrate"
OWNER_DB1=$OWNER_DB
TOKEN=$(tl_operator_token "$OWNER_DB")
tl_start_triadd primary "$APP_DB"
ADDR1=${TL_ADDR[primary]}

# ---------------------------------------------------------------------------------------
tl_step "a base backup under write load"
ACKED=$TL_WORK/acked
STARTED=$TL_WORK/load-started
STOP_AT=$TL_WORK/load-stop-at
: >"$ACKED"
mkfifo "$STARTED"
# One write after the other: org load-RUN-N, N counting up; N goes to $ACKED once the
# server has answered. Writes commit in the order of N. The load stops after the
# write whose number is in $STOP_AT, once that file exists.
(
	n=0
	while :; do
		n=$((n + 1))
		tl_triad "$ADDR1" "$TOKEN" org create --name "load-$RUN-$n" --kind other >/dev/null ||
			{ echo "load: write $n failed" >&2; exit 1; }
		echo "$n" >>"$ACKED"
		((n == 3)) && echo started >"$STARTED"
		[[ -s $STOP_AT ]] && ((n >= $(<"$STOP_AT"))) && exit 0
	done
) &
LOAD=$!
TL_PIDS+=("$LOAD")
read -r _ <"$STARTED"
before=$(wc -l <"$ACKED")
triad_as_user "$PG_BIN/pg_basebackup" -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres \
	-D "$BASE" --wal-method=stream --checkpoint=fast ||
	tl_fail "pg_basebackup"
after=$(wc -l <"$ACKED")
echo "writes acknowledged while the backup ran: $((after - before)) ($before before it)"
kill -0 "$LOAD" 2>/dev/null || tl_fail "the load stopped during the backup"
((after > before)) || tl_fail "no write was acknowledged while the backup ran"

# ---------------------------------------------------------------------------------------
tl_step "write A, the restore target, write B"
# Every load write acknowledged before A was sent must be in the restored data.
present_max=$(tail -n 1 "$ACKED")
tl_triad "$ADDR1" "$TOKEN" org create --name "pitr-a-$RUN" --kind other >/dev/null || tl_fail "write A"
# A has committed (its answer came); B will commit after this moment.
TARGET=$(bash "$PGSH" psql "$PG1" -At -d postgres -c "SELECT clock_timestamp()")
tl_triad "$ADDR1" "$TOKEN" org create --name "pitr-b-$RUN" --kind other >/dev/null || tl_fail "write B"
# The write in flight now may have begun before B's answer; the ones after it did not,
# and commit after B: none of them may be in the restored data.
absent_min=$(($(tail -n 1 "$ACKED") + 2))
echo "restore target: $TARGET (load writes up to $present_max before it; from $absent_min on after it)"
# A few more writes after B, so the WAL goes on past it; then the load ends.
echo $((absent_min + 2)) >"$STOP_AT.new"
mv "$STOP_AT.new" "$STOP_AT"
wait "$LOAD" || tl_fail "the load failed"
last=$(tail -n 1 "$ACKED")
echo "load writes in all: $last"

# The segment holding B goes to the archive now; the archiver's last round at
# shutdown copies every finished segment before the cluster stops.
SEGMENT=$(bash "$PGSH" psql "$PG1" -At -d postgres -c "SELECT pg_walfile_name(pg_switch_wal())")
tl_stop_triadd primary
bash "$PGSH" stop "$PG1"
[[ -f $ARCHIVE/$SEGMENT ]] || tl_fail "WAL segment $SEGMENT was not archived"
echo "archived: $(find "$ARCHIVE" -type f | wc -l) files, up to $SEGMENT"

# ---------------------------------------------------------------------------------------
tl_step "restore to the target into a fresh cluster"
mkdir -m 0700 "$PG2"
[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$PG2"
cp "$PG1/owner.password" "$PG1/app.password" "$PG2/"
# The new cluster's handle, as deploy/pg.sh makes one, around the backup's files.
PG_HOME=$(mktemp -d /var/tmp/triad-pg.XXXXXX)
chmod 0700 "$PG_HOME"
[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$PG_HOME"
PG_HOME_EXTERNAL=1
PG_PORT=$(triad_free_port)
PG_THROWAWAY=0
PG_READY=1
pg_write_env "$PG2"
pg_load "$PG2"
triad_as_user cp -a "$BASE" "$PGDATA"
pg_write_conf
triad_as_user tee -a "$PGDATA/postgresql.auto.conf" >/dev/null <<-EOF
	# Point-in-time recovery (tests/backup/run.sh)
	restore_command = 'cp $ARCHIVE/%f %p'
	recovery_target_time = '$TARGET'
	recovery_target_inclusive = off
	recovery_target_action = 'promote'
	# No connections until recovery is over.
	hot_standby = off
	# Not into the old cluster's archive.
	archive_mode = off
EOF
triad_as_user touch "$PGDATA/recovery.signal"
bash "$PGSH" start "$PG2"
# pg_ctl returns once recovery has begun; the server takes connections once it has
# reached the target and been promoted. Asks until then, to a deadline.
for ((i = 0; ; i++)); do
	state=$(bash "$PGSH" psql "$PG2" -At -d postgres -c "SELECT pg_is_in_recovery()" 2>/dev/null) || true
	[[ $state == f ]] && break
	((i < 1200)) || tl_fail "the restored cluster did not finish recovery within 120 s (see $PG_LOG)"
	sleep 0.1
done
grep -E 'recovery stopping before commit|last completed transaction' "$PG_LOG" | sed 's/^/  /' || true
grep -q 'recovery stopping before commit' "$PG_LOG" ||
	tl_fail "recovery did not stop at the target (see $PG_LOG)"

# ---------------------------------------------------------------------------------------
tl_step "triadd serves the data as of the target"
[[ $OWNER_DB != "$OWNER_DB1" ]] || tl_fail "the restored cluster has the old one's address"
tl_start_triadd restored "$APP_DB"
ADDR2=${TL_ADDR[restored]}
tl_triad "$ADDR2" "$TOKEN" org show "pitr-a-$RUN" >/dev/null ||
	tl_fail "write A (before the target) is not in the restored data"
rc=0
out=$(tl_triad "$ADDR2" "$TOKEN" org show "pitr-b-$RUN" 2>&1) || rc=$?
((rc == 1)) || tl_fail "write B (after the target): expected not found (exit 1), got exit $rc: $out"
grep -q 'no organisation called' <<<"$out" || tl_fail "write B: $out"

names=$(tl_triad "$ADDR2" "$TOKEN" --json org find "load-$RUN-" --all) || tl_fail "org find"
mapfile -t got < <(grep -o "\"load-$RUN-[0-9]*\"" <<<"$names" | sed "s/\"load-$RUN-\\([0-9]*\\)\"/\\1/" | sort -n)
k=${#got[@]}
for ((i = 0; i < k; i++)); do
	((got[i] == i + 1)) || tl_fail "load write $((i + 1)) is missing from the restored data, though ${got[i]} is there"
done
echo "restored load writes: 1..$k of $last"
((k >= present_max)) || tl_fail "load writes up to $present_max were acknowledged before A, but only 1..$k were restored"
((k < absent_min)) || tl_fail "load write $k was sent after B was acknowledged, but it was restored"
tl_stop_triadd restored
echo "ok"
