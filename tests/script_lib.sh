# tests/script_lib.sh: what the script tests (tests/lb, tests/backup) share:
# starting and stopping triadd in the background, and failing with a reason.
# Sourced, after deploy/pg.sh. Needs TRIADD and TRIAD (tests/run.sh and ctest set
# them); tl_init makes the private directory $TL_WORK, removed on exit with every
# process started here.

tl_fail() {
	printf 'FAILED: %s\n' "$*" >&2
	exit 1
}

tl_step() { printf '== %s\n' "$*"; }

TL_PIDS=()

tl_cleanup() {
	local rc=$? pid
	set +e
	for pid in "${TL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${TL_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [[ -n ${TL_ON_EXIT:-} ]]; then
		eval "$TL_ON_EXIT"
	fi
	if ((rc != 0)) && [[ -d ${TL_WORK:-} ]]; then
		local f
		for f in "$TL_WORK"/*.log; do
			[[ -f $f ]] || continue
			echo "--- last lines of $f:" >&2
			tail -n 15 "$f" >&2
		done
	fi
	[[ -n ${TL_WORK:-} ]] && rm -rf -- "$TL_WORK"
	exit "$rc"
}

# Makes $TL_WORK (0711: the PostgreSQL user may have to enter it; files 0600).
tl_init() {
	: "${TRIADD:?TRIADD must name the daemon under test}"
	: "${TRIAD:?TRIAD must name the client under test}"
	umask 077
	TL_WORK=$(mktemp -d "${TRIAD_TEST_TMP:-${TMPDIR:-/tmp}}/$1.XXXXXX")
	chmod 0711 "$TL_WORK"
	trap tl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# The value of KEY in the first `event=EVENT ... KEY=VALUE` line of FILE, or nothing.
tl_log_value() {
	sed -n "s/.* event=$2 .*\\<$3=\\([^ ]*\\).*/\\1/p" "$1" | head -n 1
}

# Starts triadd NAME on loopback (plain TCP, ports chosen by the kernel) with the
# database conninfo DB and extra config lines, and waits until it listens. Sets
# TL_PID[NAME], TL_ADDR[NAME] (protocol) and TL_HTTP[NAME] (operations port).
declare -A TL_PID TL_ADDR TL_HTTP
tl_start_triadd() {
	local name=$1 db=$2 extra=${3:-} conf log i
	conf=$TL_WORK/$name.conf
	log=$TL_WORK/$name.log
	printf '[triadd]\nlisten = 127.0.0.1:0\nhttp_listen = 127.0.0.1:0\ndb = %s\npool_size = 2\ntls = off\n%s\n' \
		"$db" "$extra" >"$conf"
	"$TRIADD" --config "$conf" >"$log" 2>&1 &
	TL_PID[$name]=$!
	TL_PIDS+=("$!")
	# The log says where it listens; the loop ends at that line or at the deadline.
	for ((i = 0; i < 400; i++)); do
		if grep -q 'event=listening ' "$log" 2>/dev/null; then
			TL_ADDR[$name]=$(tl_log_value "$log" listening addr)
			TL_HTTP[$name]=$(tl_log_value "$log" http_listening addr)
			return 0
		fi
		kill -0 "${TL_PID[$name]}" 2>/dev/null || tl_fail "triadd $name exited at start (log: $log)"
		sleep 0.05
	done
	tl_fail "triadd $name did not listen within 20 s"
}

# Stops triadd NAME with SIGTERM; fails unless it exits 0 without a sanitizer report.
tl_stop_triadd() {
	local name=$1 rc=0
	kill -TERM "${TL_PID[$name]}"
	wait "${TL_PID[$name]}" || rc=$?
	((rc == 0)) || tl_fail "triadd $name exited with $rc"
	if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TL_WORK/$name.log"; then
		tl_fail "triadd $name: sanitizer report in $TL_WORK/$name.log"
	fi
}

# Prints a new operator token (triadd bootstrap --force, as the schema owner OWNER_DB).
tl_operator_token() {
	local t
	t=$("$TRIADD" bootstrap --force --db "$1" 2>/dev/null) || tl_fail "triadd bootstrap failed"
	[[ $t == trd_* ]] || tl_fail "triadd bootstrap printed no token"
	printf '%s\n' "$t"
}

# Runs the client against ADDR with TOKEN (plain TCP, no config directory): triad ARGS.
tl_triad() {
	local addr=$1 token=$2
	shift 2
	HOME=$TL_WORK XDG_CONFIG_HOME=$TL_WORK/config TRIAD_PLAIN=1 \
		"$TRIAD" --addr "$addr" --token "$token" "$@" </dev/null
}
