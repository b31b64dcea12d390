#!/usr/bin/env bash
# deploy/pg.sh: a private PostgreSQL cluster for the quick start and the tests.
#
#   pg.sh init DIR PORT [--throwaway]   create a cluster, its roles and the database
#                                       `triad`; leaves it running
#   pg.sh start DIR                     start it (no-op when running); waits until ready
#   pg.sh stop DIR                      stop it (fast shutdown); waits until it is down
#   pg.sh crash DIR                     stop it as a crash would (immediate shutdown)
#   pg.sh status DIR                    exit 0 running, 3 stopped, 4 no cluster in DIR
#   pg.sh destroy DIR                   stop it and remove every file it has
#   pg.sh psql DIR [ARGS...]            psql as the cluster's superuser, over its socket
#   pg.sh freeport [FIRST]              print a free TCP port on 127.0.0.1, FIRST or above
#
# DIR is the cluster's handle. After init it holds:
#   env                shell assignments: PGCTL PGDATA PG_PORT PG_SOCKDIR PG_HOME PG_LOG
#                      PG_OS_USER OWNER_DB APP_DB (mode 0600; `source` it)
#   owner.password     password of triad_owner (owns the database; for migrations)
#   app.password       password of triadd (the daemon's login; member of triad_app)
#   postgres.log       the server log
#
# Roles: the superuser `postgres` is reachable only through the cluster's Unix socket,
# by the operating-system user that runs the cluster (peer authentication), and is used
# for setup alone. triad_owner and triadd log in over TCP on 127.0.0.1 with
# scram-sha-256 and random passwords.
#
# PostgreSQL refuses to run as root. Run as root, this script runs the server as the
# system user $TRIAD_USER (default `triad`, created if missing). When that user cannot
# reach DIR (an ancestor directory is not traversable, as with a clone under /root),
# or when DIR's socket path would be too long, the cluster's files live in a directory
# under /var/tmp instead; env says where, and destroy removes it.
#
# The file can also be sourced: it then only defines its functions (triad_*, pg_*),
# which deploy/quickstart.sh and tests/run.sh use.

# ---------------------------------------------------------------------------------------
# Helpers shared with quickstart.sh and tests/run.sh

triad_say() { printf '%s\n' "$*" >&2; }
triad_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The unprivileged user that runs PostgreSQL (and the quick start's triadd).
triad_user() {
	if [[ $(id -u) -eq 0 ]]; then
		printf '%s\n' "${TRIAD_USER:-triad}"
	else
		id -un
	fi
}

# Creates the system user when running as root and it does not exist yet.
triad_ensure_user() {
	local u
	u=$(triad_user)
	[[ $(id -u) -eq 0 ]] || return 0
	id -u "$u" >/dev/null 2>&1 && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "triad service" "$u" ||
		triad_die "could not create system user $u"
	triad_say "created system user $u"
}

# Sets the array TRIAD_PRIV to the command prefix that runs a program as the
# unprivileged user with a clean environment (empty when already unprivileged).
# setpriv execs, so `(cd / && exec "${TRIAD_PRIV[@]}" prog) &` leaves prog's pid in $!.
triad_priv_prefix() {
	TRIAD_PRIV=()
	if [[ $(id -u) -eq 0 ]]; then
		local u
		u=$(triad_user)
		TRIAD_PRIV=(setpriv --reuid="$u" --regid="$u" --init-groups --reset-env --)
	fi
}

# Runs a command as the unprivileged user, from / (the caller's directory may be out
# of that user's reach), in a subshell.
triad_as_user() (
	triad_priv_prefix
	cd / && exec "${TRIAD_PRIV[@]}" "$@"
)

# True when the unprivileged user can enter directory $1 (every ancestor traversable).
triad_user_can_enter() {
	(triad_as_user test -d "$1" -a -x "$1") 2>/dev/null
}

# True when nothing listens on, and nothing has bound, 127.0.0.1:$1. Like the servers
# (which set SO_REUSEADDR), it ignores connections in TIME_WAIT.
triad_port_free() {
	local p=$1
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		return 1
	fi
	if command -v python3 >/dev/null 2>&1; then
		python3 - "$p" 2>/dev/null <<-'EOF'
			import socket, sys
			s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
			s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
			try:
			    s.bind(("127.0.0.1", int(sys.argv[1])))
			except OSError:
			    sys.exit(1)
		EOF
		return
	fi
	if command -v ss >/dev/null 2>&1; then
		[[ -z $(ss -Htan "sport = :$p" 2>/dev/null) ]]
		return
	fi
	return 0
}

# Prints the first free port at or above $1 (wrapping within 1024..65535). Without $1,
# starts at a random port below the kernel's range for outgoing connections, so that
# a client's ephemeral port does not take it before the server binds.
triad_free_port() {
	local p=${1:-} i low=32768
	if [[ -z $p ]]; then
		read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
		((low > 11000)) || low=32768
		p=$((10000 + RANDOM % (low - 11000)))
	fi
	for ((i = 0; i < 2000; i++)); do
		((p > 65535)) && p=1024
		if triad_port_free "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
		p=$((p + 1))
	done
	triad_die "no free TCP port found on 127.0.0.1"
}

# Prints the packages among "$@" that are not installed.
triad_missing_packages() {
	local p
	for p in "$@"; do
		[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == 'install ok installed' ]] ||
			printf '%s\n' "$p"
	done
}

# Installs the packages among "$@" that are missing. Needs root only when something is
# missing; apt-get update runs only then.
triad_install_packages() {
	command -v dpkg-query >/dev/null 2>&1 || {
		triad_say "note: not a Debian system; assuming the build dependencies are present"
		return 0
	}
	local missing
	missing=$(triad_missing_packages "$@" | tr '\n' ' ')
	[[ -z ${missing// /} ]] && return 0
	if [[ $(id -u) -ne 0 ]]; then
		triad_die "missing packages: $missing
run as root, or install them first: sudo apt-get install $missing"
	fi
	triad_say "installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update >/dev/null || triad_die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends $missing \
		>/dev/null || triad_die "apt-get install failed: $missing"
}

# ---------------------------------------------------------------------------------------
# The cluster

# Prints the directory with PostgreSQL's server programs (initdb, pg_ctl, postgres).
pg_bindir() {
	local d
	if [[ -n ${PGBIN:-} ]]; then
		[[ -x $PGBIN/initdb ]] || triad_die "PGBIN=$PGBIN has no initdb"
		printf '%s\n' "$PGBIN"
		return
	fi
	if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
		printf '%s\n' /usr/lib/postgresql/15/bin
		return
	fi
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5 -n -r); do
		[[ -x $d/initdb ]] && { printf '%s\n' "$d"; return; }
	done
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir)
		[[ -x $d/initdb ]] && { printf '%s\n' "$d"; return; }
	fi
	triad_die "PostgreSQL server programs not found (install the package postgresql)"
}

# Loads DIR/env into the current shell; fails when DIR holds no cluster.
pg_load() {
	local dir=$1
	[[ -f $dir/env ]] || return 1
	# shellcheck disable=SC1091
	source "$dir/env"
}

# Prints NAME='VALUE' (or NAME=VALUE escaped by %q when VALUE holds a quote).
pg_assign() {
	if [[ $2 == *"'"* ]]; then
		printf '%s=%q\n' "$1" "$2"
	else
		printf "%s='%s'\n" "$1" "$2"
	fi
}

# Writes DIR/env from the PG_* variables of the current shell.
pg_write_env() {
	local dir=$1 tmp
	tmp=$(mktemp "$dir/.env.XXXXXX")
	chmod 0600 "$tmp"
	{
		printf '# Written by deploy/pg.sh; sourced by it and by its callers.\n'
		pg_assign PG_READY "$PG_READY"
		pg_assign PG_BIN "$PG_BIN"
		pg_assign PGCTL "$PG_BIN/pg_ctl"
		pg_assign PGDATA "$PG_HOME/data"
		pg_assign PG_HOME "$PG_HOME"
		pg_assign PG_HOME_EXTERNAL "$PG_HOME_EXTERNAL"
		pg_assign PG_SOCKDIR "$PG_HOME/sock"
		pg_assign PG_LOG "$PG_HOME/postgres.log"
		pg_assign PG_PORT "$PG_PORT"
		pg_assign PG_OS_USER "$PG_OS_USER"
		pg_assign PG_THROWAWAY "$PG_THROWAWAY"
		if [[ -s $dir/owner.password && -s $dir/app.password ]]; then
			pg_assign OWNER_DB "host=127.0.0.1 port=$PG_PORT dbname=triad user=triad_owner password=$(<"$dir/owner.password")"
			pg_assign APP_DB "host=127.0.0.1 port=$PG_PORT dbname=triad user=triadd password=$(<"$dir/app.password")"
		fi
	} >"$tmp"
	mv -f "$tmp" "$dir/env"
}

# Writes the settings this script owns into PGDATA/triad-cluster.conf, which
# postgresql.conf includes.
pg_write_conf() {
	local f="$PG_HOME/data/triad-cluster.conf"
	triad_as_user tee "$f" >/dev/null <<-EOF
		# Written by deploy/pg.sh; rewritten when the port changes.
		listen_addresses = '127.0.0.1'
		port = $PG_PORT
		unix_socket_directories = '$PG_HOME/sock'
		unix_socket_permissions = 0700
		max_connections = 300
		password_encryption = 'scram-sha-256'
		log_min_messages = warning
		log_line_prefix = '%m [%p] %q%u@%d '
		log_timezone = 'UTC'
		timezone = 'UTC'
	EOF
	if [[ $PG_THROWAWAY == 1 ]]; then
		# Speed over durability: only for a cluster that a test run throws away.
		triad_as_user tee -a "$f" >/dev/null <<-'EOF'
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			wal_level = minimal
			max_wal_senders = 0
			checkpoint_timeout = 30min
			max_wal_size = 1GB
		EOF
	fi
}

# Makes sure the socket directory exists (it may sit on a /tmp cleaned since).
pg_prepare_sockdir() {
	(triad_as_user mkdir -p -m 0700 "$PG_HOME/sock") || triad_die "cannot create $PG_HOME/sock"
}

pg_running() {
	(triad_as_user "$PGCTL" -D "$PGDATA" status) >/dev/null 2>&1
}

pg_log_tail() {
	[[ -r $PG_LOG ]] || return 0
	triad_say "--- last lines of $PG_LOG:"
	tail -n 15 "$PG_LOG" >&2
}

# Starts the cluster of DIR and waits until it accepts connections. When its port has
# been taken by someone else meanwhile, moves it to a free port and rewrites DIR/env.
pg_start() {
	local dir=$1 attempt
	pg_load "$dir" || triad_die "$dir holds no cluster (run: pg.sh init $dir PORT)"
	pg_running && return 0
	pg_prepare_sockdir
	for ((attempt = 1; attempt <= 5; attempt++)); do
		if ! triad_port_free "$PG_PORT"; then
			PG_PORT=$(triad_free_port $((PG_PORT + 1)))
			triad_say "pg: port taken; moving the cluster to port $PG_PORT"
			pg_write_conf
			pg_write_env "$dir"
		fi
		if (triad_as_user "$PGCTL" -D "$PGDATA" -l "$PG_LOG" -w -t 120 -s start) >/dev/null 2>&1; then
			return 0
		fi
		# A port grabbed between our check and the server's bind: try another one.
		if grep -q 'could not bind\|could not create any TCP/IP sockets' <<<"$(tail -n 20 "$PG_LOG" 2>/dev/null)"; then
			continue
		fi
		break
	done
	pg_log_tail
	triad_die "PostgreSQL in $PGDATA did not start"
}

pg_stop() {
	local dir=$1
	pg_load "$dir" || triad_die "$dir holds no cluster"
	[[ -f $PGDATA/postmaster.pid ]] || return 0
	if ! (triad_as_user "$PGCTL" -D "$PGDATA" -m fast -w -t 60 -s stop) >/dev/null 2>&1; then
		pg_running || return 0
		triad_say "pg: fast shutdown failed; forcing it"
		(triad_as_user "$PGCTL" -D "$PGDATA" -m immediate -w -t 30 -s stop) >/dev/null 2>&1 ||
			triad_die "could not stop PostgreSQL in $PGDATA"
	fi
}

# Stops the cluster as a crash would: no checkpoint, no goodbye to clients
# (pg_ctl -m immediate); the next start recovers from the WAL.
pg_crash() {
	local dir=$1
	pg_load "$dir" || triad_die "$dir holds no cluster"
	[[ -f $PGDATA/postmaster.pid ]] || return 0
	(triad_as_user "$PGCTL" -D "$PGDATA" -m immediate -w -t 60 -s stop) >/dev/null 2>&1 ||
		triad_die "could not stop PostgreSQL in $PGDATA"
}

pg_status() {
	local dir=$1
	if ! pg_load "$dir" || [[ $PG_READY != 1 ]]; then
		echo "no cluster in $dir"
		return 4
	fi
	if pg_running; then
		echo "PostgreSQL running on 127.0.0.1:$PG_PORT (data $PGDATA, log $PG_LOG)"
		return 0
	fi
	echo "PostgreSQL stopped (data $PGDATA, port $PG_PORT)"
	return 3
}

# Removes an external cluster home, and only one that this script made.
pg_remove_home() {
	case $1 in
	/var/tmp/triad-pg.?*) rm -rf -- "$1" ;;
	esac
}

pg_destroy() {
	local dir=$1
	if pg_load "$dir"; then
		if [[ -f $PGDATA/postmaster.pid ]]; then
			(triad_as_user "$PGCTL" -D "$PGDATA" -m immediate -w -t 30 -s stop) >/dev/null 2>&1 || true
		fi
		[[ $PG_HOME_EXTERNAL == 1 ]] && pg_remove_home "$PG_HOME"
	fi
	[[ -n $dir && $dir != / ]] && rm -rf -- "$dir"
}

pg_psql() {
	local dir=$1
	shift
	pg_load "$dir" || triad_die "$dir holds no cluster"
	triad_as_user "$PG_BIN/psql" -X -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres "$@"
}

# Creates a cluster in DIR listening on 127.0.0.1:PORT, with the roles triad_owner,
# triad_app and triadd and the database triad, and leaves it running. Re-running it
# after an interrupted init starts over; on a finished cluster it refuses.
pg_init() {
	local dir=$1 port=$2 throwaway=${3:-0} locale_opt u pw_owner pw_app
	[[ $port =~ ^[0-9]+$ ]] || triad_die "PORT must be a number, not '$port'"
	dir=$(realpath -m -- "$dir")
	if pg_load "$dir"; then
		[[ $PG_READY == 1 ]] && triad_die "$dir already holds a cluster (use start, or destroy it first)"
		triad_say "pg: $dir holds an unfinished cluster; starting over"
		pg_destroy "$dir"
	fi

	triad_ensure_user
	u=$(triad_user)
	PG_OS_USER=$u
	PG_BIN=$(pg_bindir)
	PG_PORT=$port
	PG_THROWAWAY=$throwaway
	PG_READY=0

	mkdir -p -- "$dir"
	chmod 0700 "$dir"
	[[ $(id -u) -eq 0 ]] && chown "$u:" "$dir"

	# Where the cluster's files go: DIR itself, unless the user cannot reach it or the
	# socket path would not fit the 108 bytes of a Unix socket address.
	PG_HOME=$dir
	PG_HOME_EXTERNAL=0
	if ! triad_user_can_enter "$dir"; then
		PG_HOME=$(mktemp -d /var/tmp/triad-pg.XXXXXX)
		PG_HOME_EXTERNAL=1
		triad_say "note: user $u cannot reach $dir (a parent directory is not traversable);"
		triad_say "      the cluster's files live in $PG_HOME instead"
	elif ((${#dir} + 20 > 100)); then
		PG_HOME=$(mktemp -d /var/tmp/triad-pg.XXXXXX)
		PG_HOME_EXTERNAL=1
		triad_say "note: $dir is too deep for a Unix socket path; the cluster's files live in $PG_HOME"
	fi
	if [[ $PG_HOME_EXTERNAL == 1 ]]; then
		chmod 0700 "$PG_HOME"
		[[ $(id -u) -eq 0 ]] && chown "$u:" "$PG_HOME"
	fi
	pg_write_env "$dir"
	# shellcheck disable=SC1091
	source "$dir/env"
	(triad_as_user touch "$PG_LOG") || triad_die "cannot write $PG_LOG"
	[[ $PG_HOME_EXTERNAL == 1 ]] && ln -sfn "$PG_LOG" "$dir/postgres.log"

	locale_opt=--no-locale
	grep -qix 'c\.utf-\?8' <<<"$(locale -a 2>/dev/null)" && locale_opt=--locale=C.UTF-8
	local sync_opt=
	[[ $throwaway == 1 ]] && sync_opt=--no-sync
	# shellcheck disable=SC2086
	if ! (triad_as_user "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 $locale_opt \
		--auth-local=peer --auth-host=scram-sha-256 $sync_opt) >>"$PG_LOG" 2>&1; then
		pg_log_tail
		triad_die "initdb failed"
	fi

	pg_write_conf
	printf "\ninclude 'triad-cluster.conf'\n" | triad_as_user tee -a "$PGDATA/postgresql.conf" >/dev/null
	triad_as_user tee "$PGDATA/pg_hba.conf" >/dev/null <<-'EOF'
		# Written by deploy/pg.sh.
		# TYPE  DATABASE  USER      ADDRESS        METHOD
		local   all       postgres                 peer map=superuser
		host    all       all       127.0.0.1/32   scram-sha-256
	EOF
	printf '# Written by deploy/pg.sh.\nsuperuser  %s  postgres\n' "$u" |
		triad_as_user tee "$PGDATA/pg_ident.conf" >/dev/null

	pg_start "$dir"

	pw_owner=$(openssl rand -hex 24 2>/dev/null || od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
	pw_app=$(openssl rand -hex 24 2>/dev/null || od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
	[[ ${#pw_owner} -eq 48 && ${#pw_app} -eq 48 ]] || triad_die "could not generate passwords"
	# Passwords travel on stdin, never on a command line.
	if ! pg_psql "$dir" -q -d postgres -v ON_ERROR_STOP=1 >>"$PG_LOG" 2>&1 <<-EOF; then
		SET client_min_messages = warning;
		CREATE ROLE triad_owner LOGIN CREATEROLE PASSWORD '$pw_owner';
		DO \$\$
		BEGIN
		    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'triad_app') THEN
		        CREATE ROLE triad_app NOLOGIN;
		    END IF;
		END
		\$\$;
		CREATE ROLE triadd LOGIN PASSWORD '$pw_app' IN ROLE triad_app;
		CREATE DATABASE triad OWNER triad_owner ENCODING 'UTF8' TEMPLATE template0;
		REVOKE ALL ON DATABASE triad FROM PUBLIC;
		GRANT CONNECT ON DATABASE triad TO triad_app;
	EOF
		pg_log_tail
		triad_die "creating roles and database failed"
	fi
	(umask 077 && printf '%s\n' "$pw_owner" >"$dir/owner.password" && printf '%s\n' "$pw_app" >"$dir/app.password")
	PG_READY=1
	pg_write_env "$dir"
}

pg_usage() {
	sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

pg_main() {
	set -euo pipefail
	umask 022
	local cmd=${1:-}
	shift || true
	case $cmd in
	init)
		[[ $# -ge 2 ]] || pg_usage
		local t=0
		[[ ${3:-} == --throwaway ]] && t=1
		pg_init "$1" "$2" "$t"
		;;
	start) [[ $# -eq 1 ]] || pg_usage; pg_start "$(realpath -m -- "$1")" ;;
	stop) [[ $# -eq 1 ]] || pg_usage; pg_stop "$(realpath -m -- "$1")" ;;
	crash) [[ $# -eq 1 ]] || pg_usage; pg_crash "$(realpath -m -- "$1")" ;;
	status) [[ $# -eq 1 ]] || pg_usage; pg_status "$(realpath -m -- "$1")" ;;
	destroy) [[ $# -eq 1 ]] || pg_usage; pg_destroy "$(realpath -m -- "$1")" ;;
	psql) [[ $# -ge 1 ]] || pg_usage; pg_psql "$(realpath -m -- "$1")" "${@:2}" ;;
	freeport) triad_free_port "${1:-}" ;;
	*) pg_usage ;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	pg_main "$@"
fi
