#!/usr/bin/env bash
# tests/lb/run.sh: Debian's HAProxy with deploy/haproxy.cfg in front of two triadd
# on one database. Checks that
#   - the health check (GET /readyz) finds both instances up;
#   - sessions through the balancer reach both instances;
#   - an instance that is stopped is taken out by the health check, and every
#     request after that is served by the other one.
#
# The configuration is the shipped file from `defaults` on; only what differs on one
# machine is replaced: the frontend's address, the two servers (both on 127.0.0.1,
# so each with its own check port), and the global section (no chroot, no daemon).
#
# Environment (tests/run.sh sets it): TRIADD, TRIAD, TRIAD_TEST_DB, TRIAD_TEST_OWNER_DB.
# Installs haproxy with apt when it is missing (as root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../deploy/pg.sh
source "$ROOT/deploy/pg.sh"
# shellcheck source=../script_lib.sh
source "$ROOT/tests/script_lib.sh"

: "${TRIAD_TEST_DB:?}" "${TRIAD_TEST_OWNER_DB:?}"
# Only root can install it; anyone else without it skips the test (ctest: 77).
if [[ $(id -u) -ne 0 ]] && ! command -v haproxy >/dev/null; then
	echo "skipped: haproxy is not installed (apt-get install haproxy, or run as root)"
	exit 77
fi
triad_install_packages haproxy
command -v haproxy >/dev/null || tl_fail "haproxy is not installed"
tl_init lb

# HAProxy's view of its servers: "name|status|check_status" per server of the backend,
# from `show stat` (CSV) on its stats socket; nothing while HAProxy is starting.
lb_servers() {
	local line
	{ exec 3<>"/dev/tcp/127.0.0.1/$STATS_PORT"; } 2>/dev/null || return 0
	printf 'show stat\n' >&3
	while IFS= read -r line <&3; do
		printf '%s\n' "$line"
	done | awk -F, '
		NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == "triadd" && $2 != "BACKEND" && $2 != "FRONTEND" {
			print $2 "|" $col["status"] "|" $col["check_status"]
		}'
	exec 3<&-
}

# Waits (up to 30 s, polling the stats socket) until HAProxy says "$1|$2" of a
# server: its name, status and last check's result (a pattern).
lb_await() {
	local i
	for ((i = 0; i < 300; i++)); do
		# shellcheck disable=SC2053
		[[ $(lb_servers | grep "^$1|") == $1\|$2 ]] && return 0
		sleep 0.1
	done
	lb_servers >&2
	tl_fail "HAProxy did not say $1|$2 within 30 s"
}

sessions() { grep -c 'event=session_open ' "$TL_WORK/$1.log" || true; }

tl_step "two triadd on one database"
tl_start_triadd a "$TRIAD_TEST_DB"
tl_start_triadd b "$TRIAD_TEST_DB"
TOKEN=$(tl_operator_token "$TRIAD_TEST_OWNER_DB")
echo "a: ${TL_ADDR[a]} (operations ${TL_HTTP[a]}), b: ${TL_ADDR[b]} (operations ${TL_HTTP[b]})"

tl_step "HAProxy with deploy/haproxy.cfg"
LB_PORT=$(triad_free_port)
STATS_PORT=$(triad_free_port $((LB_PORT + 1)))
CFG=$TL_WORK/haproxy.cfg
{
	printf 'global\n\tlog stderr format raw local0\n\tstats socket ipv4@127.0.0.1:%s level user\n\tmaxconn 1000\n\n' "$STATS_PORT"
	sed -n '/^defaults/,$p' "$ROOT/deploy/haproxy.cfg" |
		sed -e "s/^\\([[:space:]]*\\)bind .*/\\1bind 127.0.0.1:$LB_PORT/" \
			-e 's/^\([[:space:]]*default-server.*\) port [0-9]*/\1/' \
			-e '/^[[:space:]]*server /d'
	printf '\tserver a %s port %s\n' "${TL_ADDR[a]}" "${TL_HTTP[a]##*:}"
	printf '\tserver b %s port %s\n' "${TL_ADDR[b]}" "${TL_HTTP[b]##*:}"
} >"$CFG"
grep -q 'http-check send meth GET uri /readyz' "$CFG" || tl_fail "the health check is not GET /readyz"
haproxy -c -q -f "$CFG" || tl_fail "HAProxy refuses the configuration"
haproxy -db -f "$CFG" >"$TL_WORK/haproxy.log" 2>&1 &
TL_PIDS+=("$!")
# L7OK: the HTTP check passed (a plain TCP check would say L4OK).
lb_await a 'UP|L7OK'
lb_await b 'UP|L7OK'
lb_servers

tl_step "sessions through the balancer reach both instances"
a0=$(sessions a) b0=$(sessions b)
for i in 1 2 3 4 5 6; do
	tl_triad "127.0.0.1:$LB_PORT" "$TOKEN" whoami >/dev/null || tl_fail "whoami $i through the balancer"
done
a1=$(sessions a) b1=$(sessions b)
echo "sessions: a $((a1 - a0)), b $((b1 - b0))"
((a1 - a0 + b1 - b0 == 6)) || tl_fail "6 sessions through the balancer, but the instances saw $((a1 - a0 + b1 - b0))"
((a1 > a0 && b1 > b0)) || tl_fail "the sessions did not reach both instances"

tl_step "a stopped instance is taken out by the health check"
tl_stop_triadd b
lb_await b 'DOWN|*'
lb_servers
for i in 1 2 3 4 5 6; do
	tl_triad "127.0.0.1:$LB_PORT" "$TOKEN" whoami >/dev/null || tl_fail "whoami $i after b stopped"
done
a2=$(sessions a)
((a2 - a1 == 6)) || tl_fail "6 sessions after b stopped, but a saw $((a2 - a1))"
tl_stop_triadd a
echo "ok"
