#!/usr/bin/env bash
# deploy/quickstart.sh: triadd on this machine, with its own PostgreSQL, in one command.
#
#   bash deploy/quickstart.sh [start]   install what is missing, build, start
#   bash deploy/quickstart.sh stop           stop triadd (SIGTERM) and PostgreSQL
#   bash deploy/quickstart.sh status         what runs, where
#   bash deploy/quickstart.sh reset          stop, then delete the run directory (the
#                                            database and its data included)
#
# Meant for a fresh Debian 12 machine, run as root; a user who has the packages
# installed can run it too. Everything lives in .run/ of this working tree (or, when the
# service user cannot reach the tree, in a directory under /var/tmp that it names):
#   pg/             the PostgreSQL cluster (pg/env has its connection strings)
#   triadd.conf     the daemon's configuration (mode 0600)
#   tls/            a local CA (ca.crt) and the server's certificate and key (mode 0600)
#   credential.key  the master key that seals certificate signing keys (mode 0600)
#   triadd.log      the daemon's log; triadd.pid its process id
# Running start again reuses the cluster and restarts triadd with a fresh build.
# PostgreSQL and triadd run as the system user $TRIAD_USER (default `triad`) when
# started by root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=pg.sh
source "$ROOT/deploy/pg.sh"

PACKAGES=(build-essential cmake pkg-config libevent-dev libprotobuf-c-dev protobuf-c-compiler
	libpq-dev libinih-dev libssl-dev libsystemd-dev openssl postgresql procps)
BUILD=$ROOT/build
CLIENT=$BUILD/client/triad
FALLBACK_RUN=/var/tmp/triad-quickstart-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)

say() { printf '%s\n' "$*"; }

# Prints the run directory of an earlier start, or nothing.
existing_run_dir() {
	if [[ -d $ROOT/.run ]]; then
		printf '%s\n' "$ROOT/.run"
	elif [[ -d $FALLBACK_RUN ]]; then
		printf '%s\n' "$FALLBACK_RUN"
	fi
}

# Prints the run directory to use: .run in the tree when the service user can reach
# the tree, a directory under /var/tmp otherwise.
choose_run_dir() {
	local existing
	existing=$(existing_run_dir)
	if [[ -n $existing ]]; then
		printf '%s\n' "$existing"
	elif triad_user_can_enter "$ROOT"; then
		printf '%s\n' "$ROOT/.run"
	else
		triad_say "note: user $(triad_user) cannot reach $ROOT (a parent directory is not traversable);"
		triad_say "      using $FALLBACK_RUN as the run directory instead of .run/"
		printf '%s\n' "$FALLBACK_RUN"
	fi
}

# Prints the pid of the triadd this script started in run directory $1, if it runs.
daemon_pid() {
	local pid comm
	[[ -f $1/triadd.pid ]] || return 1
	read -r pid <"$1/triadd.pid" || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	read -r comm <"/proc/$pid/comm" 2>/dev/null || return 1
	[[ $comm == triadd ]] || return 1
	printf '%s\n' "$pid"
}

# Reads the listen address from the daemon's configuration in run directory $1.
daemon_addr() {
	sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*//p' "$1/triadd.conf" 2>/dev/null | tail -n 1
}

# Sends SIGTERM to the daemon of run directory $1 and waits for it to drain and exit.
stop_daemon() {
	local run=$1 pid i
	if ! pid=$(daemon_pid "$run"); then
		rm -f "$run/triadd.pid"
		return 1
	fi
	kill -TERM "$pid"
	# drain_timeout_ms (10 s by default) plus a margin.
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "triadd (pid $pid) did not exit within 20 s of SIGTERM; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$run/triadd.pid"
	return 0
}

# Runs the client; prints nothing of its own.
client() {
	if [[ -x $CLIENT ]]; then
		timeout 10 "$CLIENT" "$@"
	else
		return 3
	fi
}

# The demo's certificates (Metropool 23, sql/demo/0008_assessment.sql): Gijs
# misses verified hours, so his check names that rule; Fleur met every rule
# and completed, and holds her certificate, which the daemon signs (the demo
# SQL cannot): issued here once, kept on later runs.
demo_certificates() {
	local addr=$1 fleur=fleur.afgerond@denkbeeldig.example gijs=gijs.urentekort@denkbeeldig.example
	say "\$ triad --institution nsob certificate check $gijs"
	client --addr "$addr" --institution nsob certificate check "$gijs" || :
	if ! client --addr "$addr" --institution nsob certificate show "$fleur" >/dev/null 2>&1; then
		say "\$ triad --institution nsob certificate issue $fleur"
		client --addr "$addr" --institution nsob certificate issue "$fleur" >/dev/null ||
			return
	fi
	say "\$ triad --institution nsob certificate show $fleur"
	client --addr "$addr" --institution nsob certificate show "$fleur"
}

# Makes (or keeps, while valid for another day) a CA and a server certificate
# for 127.0.0.1 and localhost in directory $1.
make_tls() {
	local dir=$1
	if [[ -s $dir/server.crt && -s $dir/server.key && -s $dir/ca.crt ]] &&
		openssl x509 -checkend 86400 -noout -in "$dir/server.crt" >/dev/null 2>&1; then
		say "ok: $dir/server.crt (kept)"
		return 0
	fi
	mkdir -p "$dir"
	chmod 0700 "$dir"
	(
		umask 077
		cd "$dir"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
			-subj "/CN=triad quick start CA" -keyout ca.key -out ca.crt
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj /CN=localhost -keyout server.key -out server.csr
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 397 -extfile server.ext -out server.crt
		rm -f server.csr server.ext
		chmod 0600 ca.key server.key
		chmod 0644 ca.crt server.crt
	) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log"; triad_die "making the TLS certificates failed"; }
	chmod 0755 "$dir"
	[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$dir/server.key"
	say "ok: $dir/ca.crt, $dir/server.crt (key mode 0600)"
}

cmd_start() {
	local run pg_port listen_port pid i rc addr f sum loaded

	say "== packages"
	triad_install_packages "${PACKAGES[@]}"
	triad_ensure_user
	say "ok"

	say "== build ($BUILD)"
	# A build directory made for a tree that has since moved cannot be reused.
	if [[ -f $BUILD/CMakeCache.txt ]] &&
		! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT" "$BUILD/CMakeCache.txt"; then
		rm -rf "$BUILD"
	fi
	mkdir -p "$BUILD"
	if ! { cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DTRIAD_SANITIZE=OFF -DTRIAD_FUZZ=OFF -DTRIAD_TESTS=OFF -DTRIAD_SYSTEMD=ON &&
		cmake --build "$BUILD" -j2; } >"$BUILD/quickstart-build.log" 2>&1; then
		tail -n 40 "$BUILD/quickstart-build.log"
		say ""
		say "FAILED: the build failed (full output in build/quickstart-build.log)"
		exit 1
	fi
	[[ -x $BUILD/daemon/triadd ]] || triad_die "the build produced no build/daemon/triadd"
	say "ok: build/daemon/triadd, build/client/triad"

	run=$(choose_run_dir)
	mkdir -p "$run"
	chmod 0700 "$run"
	[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$run"

	if stop_daemon "$run"; then
		say "stopped the running triadd; it restarts below"
	fi

	say "== PostgreSQL"
	if pg_load "$run/pg" && [[ $PG_READY == 1 ]]; then
		bash "$ROOT/deploy/pg.sh" start "$run/pg"
	else
		pg_port=$(triad_free_port 15432)
		bash "$ROOT/deploy/pg.sh" init "$run/pg" "$pg_port"
	fi
	pg_load "$run/pg"
	say "ok: 127.0.0.1:$PG_PORT, database triad (log: $PG_LOG)"

	# The daemon runs from a copy, so the service user never needs to reach build/.
	mkdir -p "$run/bin"
	cp "$BUILD/daemon/triadd" "$run/bin/.triadd.new"
	chmod 0755 "$run/bin/.triadd.new"
	mv -f "$run/bin/.triadd.new" "$run/bin/triadd"

	say "== migrate"
	(umask 077 && printf '[triadd]\ndb = %s\n' "$OWNER_DB" >"$run/migrate.conf")
	[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$run/migrate.conf"
	if ! (triad_as_user "$run/bin/triadd" migrate --config "$run/migrate.conf") >"$run/migrate.log" 2>&1; then
		cat "$run/migrate.log"
		triad_die "triadd migrate failed (output above; PostgreSQL log: $PG_LOG)"
	fi
	say "ok"

	# The first operator token, made once and kept (mode 0600) for this demo.
	if [[ ! -s $run/operator.token ]]; then
		say "== operator token"
		force=
		if triad_as_user "$run/bin/triadd" bootstrap --config "$run/migrate.conf" \
			>"$run/operator.token.new" 2>"$run/bootstrap.log"; then
			:
		elif grep -q "operator already exists" "$run/bootstrap.log"; then
			# The token file was lost but the operator exists: make another token.
			force=--force
			triad_as_user "$run/bin/triadd" bootstrap --force --config "$run/migrate.conf" \
				>"$run/operator.token.new" 2>"$run/bootstrap.log" ||
				triad_die "triadd bootstrap failed: $(cat "$run/bootstrap.log")"
		else
			triad_die "triadd bootstrap failed: $(cat "$run/bootstrap.log")"
		fi
		chmod 0600 "$run/operator.token.new"
		mv -f "$run/operator.token.new" "$run/operator.token"
		say "ok: operator token in ${run}/operator.token${force:+ (a new one: --force)}"
	fi
	export TRIAD_TOKEN
	TRIAD_TOKEN=$(<"$run/operator.token")

	shopt -s nullglob
	local demo=("$ROOT"/sql/demo/*.sql)
	shopt -u nullglob
	if ((${#demo[@]})); then
		say "== demo data"
		touch "$run/demo.loaded"
		for f in "${demo[@]}"; do
			sum=$(sha256sum "$f" | cut -d' ' -f1)
			loaded=$(awk -v n="$(basename "$f")" '$1 == n { print $2 }' "$run/demo.loaded")
			if [[ $loaded == "$sum" ]]; then
				continue
			elif [[ -n $loaded ]]; then
				say "note: sql/demo/$(basename "$f") changed since it was loaded; to load it afresh:"
				say "      bash deploy/quickstart.sh reset && bash deploy/quickstart.sh"
				continue
			fi
			if ! PGPASSWORD=$(<"$run/pg/owner.password") "$PG_BIN/psql" -X -q -1 \
				-v ON_ERROR_STOP=1 -f "$f" \
				"host=127.0.0.1 port=$PG_PORT dbname=triad user=triad_owner" >/dev/null; then
				triad_die "loading sql/demo/$(basename "$f") failed"
			fi
			printf '%s %s\n' "$(basename "$f")" "$sum" >>"$run/demo.loaded"
			say "loaded sql/demo/$(basename "$f")"
		done
	fi

	# A local CA and a certificate for 127.0.0.1 and localhost, made once (and again
	# when it is about to expire), so that the demo speaks TLS as production does.
	say "== TLS"
	make_tls "$run/tls"
	export TRIAD_CA=$run/tls/ca.crt

	# The master key that seals the institutions' certificate signing keys: made
	# once and kept (a new one would leave the keys already made unopenable).
	if [[ ! -s $run/credential.key ]]; then
		(umask 077 && openssl rand -hex 32 >"$run/credential.key")
		say "made $run/credential.key (the master key of certificate signing keys)"
	fi
	[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$run/credential.key"

	say "== triadd"
	listen_port=$(triad_free_port 7411)
	http_port=$(triad_free_port $((listen_port + 1)))
	(
		umask 077
		cat >"$run/triadd.conf" <<-EOF
			; Written by deploy/quickstart.sh; rewritten by every start.
			; Every key is described in deploy/triadd.conf.example.
			[triadd]
			listen = 127.0.0.1:$listen_port
			http_listen = 127.0.0.1:$http_port
			tls = on
			tls_cert = $run/tls/server.crt
			tls_key = $run/tls/server.key
			db = $APP_DB
			pool_size = 16
			log_level = info
			credential_key_file = $run/credential.key
			public_url = http://127.0.0.1:$http_port
		EOF
	)
	[[ $(id -u) -eq 0 ]] && chown "$(triad_user):" "$run/triadd.conf"
	triad_priv_prefix
	(
		cd /
		exec setsid "${TRIAD_PRIV[@]}" "$run/bin/triadd" --config "$run/triadd.conf" \
			</dev/null >>"$run/triadd.log" 2>&1
	) &
	pid=$!
	disown "$pid" 2>/dev/null || true
	printf '%s\n' "$pid" >"$run/triadd.pid"
	addr=127.0.0.1:$listen_port

	# Ready when the daemon answers; an answer that refuses the session (exit 4, no
	# token yet) counts, only "cannot connect" (3) does not.
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 20 "$run/triadd.log"
			triad_die "triadd exited during start-up (log above: $run/triadd.log)"
		fi
		rc=0
		if [[ -x $CLIENT ]]; then
			client --addr "$addr" ping >/dev/null 2>&1 || rc=$?
		else
			(exec 3<>"/dev/tcp/127.0.0.1/$listen_port") 2>/dev/null || rc=3
		fi
		((rc != 3 && rc != 124)) && break
		sleep 0.1
	done
	((rc != 3 && rc != 124)) || triad_die "triadd did not answer on $addr within 30 s (log: $run/triadd.log)"
	say "ok: pid $pid, listening on $addr"

	if [[ -x $CLIENT ]]; then
		say ""
		say "\$ triad --addr $addr --ca $run/tls/ca.crt ping"
		rc=0
		client --addr "$addr" ping || rc=$?
		if ((rc == 0)); then
			say "\$ triad --addr $addr ping --db"
			client --addr "$addr" ping --db || rc=$?
		fi
		if ((rc == 0)); then
			say "\$ triad --addr $addr whoami"
			client --addr "$addr" whoami || rc=$?
			say "\$ triad --addr $addr institution list"
			client --addr "$addr" institution list || rc=$?
		fi
		if ((rc == 0)) && [[ -s $ROOT/sql/demo/0008_assessment.sql ]]; then
			demo_certificates "$addr" || rc=$?
		fi
		if ((rc == 4)); then
			say "(triadd answered and asks for a credential: set TRIAD_TOKEN to an API token)"
		elif ((rc != 0)); then
			say "(triad ping exited with $rc; see $run/triadd.log)"
		fi
	fi

	local rel_run=$run
	[[ $run == "$ROOT/.run" ]] && rel_run=.run
	cat <<-EOF

		triad is running.
		  daemon     triadd, pid $pid, on $addr (TLS; CA $rel_run/tls/ca.crt), as user $(triad_user)
		  database   PostgreSQL on 127.0.0.1:$PG_PORT, database triad (roles: triad_owner, triadd)

		Try, as the service's operator:
		  export TRIAD_ADDR=$addr TRIAD_CA=$rel_run/tls/ca.crt
		  build/client/triad login --token "\$(cat $rel_run/operator.token)"
		  build/client/triad --help
		  build/client/triad institution list
		  build/client/triad --institution nsob person list
		  build/client/triad --institution fontys question list
		  build/client/triad --institution hva event list

		A participant's own view: Fenna signs in with an invite, in a directory of her own:
		  build/client/triad --institution nsob invite create fenna.fictief@denkbeeldig.example --role participant
		  XDG_CONFIG_HOME=$rel_run/fenna build/client/triad login --invite CODE
		  XDG_CONFIG_HOME=$rel_run/fenna build/client/triad me

		Health:  http://127.0.0.1:$http_port/readyz and /metrics (Prometheus)
		Logs:    $rel_run/triadd.log (daemon), $rel_run/pg/postgres.log (PostgreSQL)
		Config:  $rel_run/triadd.conf (see deploy/triadd.conf.example and deploy/OPERATIONS.md)
		Stop:    bash deploy/quickstart.sh stop     (status, reset: see deploy/quickstart.sh --help)
	EOF
}

cmd_stop() {
	local run
	run=$(existing_run_dir)
	if [[ -z $run ]]; then
		say "nothing to stop: no run directory (.run/) yet"
		return 0
	fi
	if stop_daemon "$run"; then
		say "triadd stopped"
	else
		say "triadd was not running"
	fi
	if [[ -f $run/pg/env ]]; then
		bash "$ROOT/deploy/pg.sh" stop "$run/pg"
		say "PostgreSQL stopped"
	fi
}

cmd_status() {
	local run pid addr rc=0
	run=$(existing_run_dir)
	if [[ -z $run ]]; then
		say "not started (no run directory yet; run: bash deploy/quickstart.sh)"
		return 3
	fi
	if pid=$(daemon_pid "$run"); then
		addr=$(daemon_addr "$run")
		say "triadd running: pid $pid on $addr (log $run/triadd.log)"
	else
		say "triadd stopped"
		rc=3
	fi
	if [[ -f $run/pg/env ]]; then
		bash "$ROOT/deploy/pg.sh" status "$run/pg" || rc=3
	fi
	return "$rc"
}

cmd_reset() {
	local run
	run=$(existing_run_dir)
	[[ -n $run ]] || { say "nothing to reset"; return 0; }
	cmd_stop
	[[ -f $run/pg/env ]] && bash "$ROOT/deploy/pg.sh" destroy "$run/pg"
	rm -rf -- "$run"
	say "removed $run"
}

case ${1:-start} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
reset) cmd_reset ;;
-h | --help | help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' ;;
*)
	sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
