#!/usr/bin/env bash
# tests/run.sh: the test command. Run from anywhere, as root on a fresh Debian 12 clone
# (it installs what is missing) or as a user who has the packages already.
#
#   bash tests/run.sh           build, unit + integration tests, failover test, 30 s of fuzzing
#   bash tests/run.sh --quick   the same without fuzzing
#   bash tests/run.sh --no-ha   without the failover test (tests/ha/run.sh, about 3 minutes)
#
# Steps: install missing packages and the npm tooling of tests/standards and tests/badges; build build-test/ with clang, ASan+UBSan and the
# libFuzzer targets (gcc and no fuzz targets when clang is unavailable); start a
# throwaway PostgreSQL in a temporary directory; `triadd migrate`; ctest; the failover
# test (a pg_auto_failover formation of its own: tests/ha/run.sh); fuzz.
# Everything it started is torn down on exit, whether the tests pass or not.
#
# What the tests get in their environment (integration tests depend on it):
#   TRIAD_TEST_DB          conninfo of the daemon's role (triadd, member of triad_app)
#   TRIAD_TEST_OWNER_DB    conninfo of triad_owner (owns the schema; for fixtures)
#   TRIAD_TEST_PG_STOP     shell command that stops the cluster; returns when it is down
#   TRIAD_TEST_PG_START    shell command that starts it again; returns when it is ready
#   TRIAD_TEST_PG_CRASH    shell command that stops it as a crash would (immediate)
#   TRIAD_TEST_PG_PSQL     shell command prefix: psql as the cluster's superuser
#   TRIADD, TRIAD          absolute paths of the daemon and the client under test
#   TRIAD_TEST_RUN         a marker of this run; daemons left behind are found by it
#   TRIAD_TEST_TMP         a private directory of this run (0711; its files 0600)
#   ASAN_OPTIONS, UBSAN_OPTIONS  a report exits 86 (ASan) or 87 (UBSan), see below
# Knobs: TRIAD_FUZZ_SECONDS (default 30) per fuzz target.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=../deploy/pg.sh
source "$ROOT/deploy/pg.sh"

QUICK=0
HA=1
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1 ;;
	--no-ha) HA=0 ;;
	-h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) triad_die "unknown argument: $arg (try --help)" ;;
	esac
done

START_TIME=$SECONDS
BUILD=$ROOT/build-test
step() { printf '\n== %s\n' "$*"; }

# ---------------------------------------------------------------------------------------
step "packages"
# python3 runs the tests' SMTP sink (tests/smtp_sink.py, the standard library only),
# which the tests that check mail start and stop themselves; tcpdump records what a
# session puts on the wire (test_capture); chromium renders the HTML return report
# headless (tests/report/run.sh).
BASE_PACKAGES=(build-essential cmake pkg-config libevent-dev libprotobuf-c-dev
	protobuf-c-compiler libpq-dev libinih-dev libssl-dev libsystemd-dev openssl libcmocka-dev
	postgresql procps protobuf-compiler python3 python3-protobuf tcpdump chromium)
FUZZ_PACKAGES=(clang libclang-rt-dev)
if [[ $(id -u) -eq 0 ]]; then
	triad_install_packages "${BASE_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
else
	triad_install_packages "${BASE_PACKAGES[@]}"
fi
echo "ok"

# ---------------------------------------------------------------------------------------
step "npm tooling (tests/standards, tests/badges)"
# The independent checkers, each directory pinned by its package-lock.json: the OOAPI v5
# document validator, xAPI's statement validator and an in-memory LRS (test_ooapi), and
# the certificates' verifier, jose and ajv (test_certificate). Installed when missing or
# older than the lock file; nodejs and npm come from Debian.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	if [[ $(id -u) -eq 0 ]]; then
		triad_install_packages nodejs npm
	else
		triad_die "npm is missing: install nodejs and npm (Debian packages), or run as root"
	fi
fi
for dir in "$ROOT/tests/standards" "$ROOT/tests/badges"; do
	if [[ ! -d $dir/node_modules || $dir/package-lock.json -nt $dir/node_modules ]]; then
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
			triad_die "npm ci in ${dir#"$ROOT/"} failed (see above)"
		touch "$dir/node_modules"
	fi
done
echo "ok"

# ---------------------------------------------------------------------------------------
step "build ($BUILD)"
PROBE=$(mktemp -d -t triad-probe.XXXXXX)
trap 'rm -rf "$PROBE"' EXIT

# clang is used when it can link a libFuzzer target; otherwise gcc without fuzz targets.
CC_NAME=gcc
FUZZ=OFF
if command -v clang >/dev/null 2>&1 &&
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }\n' |
	clang -x c -fsanitize=fuzzer,address,undefined -o "$PROBE/fuzz" - >/dev/null 2>&1; then
	CC_NAME=clang
	FUZZ=ON
else
	echo "note: clang with libFuzzer is not available; building with gcc, without fuzz targets"
fi

# A build directory configured with another compiler, or for a tree that has moved,
# cannot be reconfigured in place.
SIGNATURE="cc=$CC_NAME fuzz=$FUZZ sanitize=ON source=$ROOT"
if [[ -f $BUILD/CMakeCache.txt && "$(cat "$BUILD/.triad-signature" 2>/dev/null)" != "$SIGNATURE" ]]; then
	echo "reconfiguring $BUILD from scratch ($SIGNATURE)"
	rm -rf "$BUILD"
fi
mkdir -p "$BUILD"
if ! CC=$CC_NAME cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_C_FLAGS_DEBUG="-g -O1" -DTRIAD_SANITIZE=ON -DTRIAD_FUZZ=$FUZZ -DTRIAD_TESTS=ON \
	-DTRIAD_SYSTEMD=ON; then
	echo
	echo "FAILED: cmake could not configure the project (see the messages above)"
	exit 1
fi
echo "$SIGNATURE" >"$BUILD/.triad-signature"
if ! cmake --build "$BUILD" -j2; then
	echo
	echo "FAILED: the build failed (see the compiler messages above)"
	exit 1
fi

export TRIADD=$BUILD/daemon/triadd
export TRIAD=$BUILD/client/triad
[[ -x $TRIADD ]] || { echo "FAILED: the build produced no $TRIADD"; exit 1; }
[[ -x $TRIAD ]] || { echo "FAILED: the build produced no $TRIAD"; exit 1; }

# ---------------------------------------------------------------------------------------
step "sanitizer settings"
# LeakSanitizer stops itself with a fatal error where ptrace is not allowed (some
# sandboxes and containers). Try it on a program that leaks, and keep leak checking on
# only when it reports the leak.
LEAKS=1
cat >"$PROBE/leak.c" <<'EOF'
#include <stdlib.h>
void *keep;
int main(void) { keep = malloc(7); keep = 0; return 0; }
EOF
if $CC_NAME -fsanitize=address -g -o "$PROBE/leak" "$PROBE/leak.c" >/dev/null 2>&1; then
	leak_out=$(ASAN_OPTIONS=detect_leaks=1 "$PROBE/leak" 2>&1 || true)
	if ! grep -q 'detected memory leaks' <<<"$leak_out"; then
		LEAKS=0
		echo "note: LeakSanitizer cannot run here (ptrace is restricted); leak checking is OFF"
		grep -m1 'LeakSanitizer' <<<"$leak_out" | sed 's/^/      /' || true
	fi
else
	LEAKS=0
	echo "note: could not build a sanitizer probe with $CC_NAME; leak checking is OFF"
fi
# A sanitizer's report ends the program with an exit code of its own, which none of
# the programs under test uses (the client's are 0-4): 86 for ASan and LeakSanitizer,
# 87 for UBSan. In a build with both, the two share one exit code setting and UBSan's,
# read last, wins: every report exits 87. The harness also looks for the report itself.
export ASAN_OPTIONS="detect_leaks=$LEAKS:abort_on_error=0:exitcode=86${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
if [[ -f $ROOT/tests/lsan.supp ]]; then
	export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
echo "ASAN_OPTIONS=$ASAN_OPTIONS"
echo "UBSAN_OPTIONS=$UBSAN_OPTIONS"

# ---------------------------------------------------------------------------------------
step "throwaway PostgreSQL"
# From here on every file this run makes is private: the cluster's passwords, the
# daemons' configs (they hold one), logs.
umask 077
TMP=$(mktemp -d -t triad-test.XXXXXX)
# Traversable, not listable, by the user that runs PostgreSQL (secrets inside are 0600).
chmod 0711 "$TMP"
# The harness makes its private directory (0700) in here; removed on exit with the rest.
export TRIAD_TEST_TMP=$TMP
touch "$TMP/.started"   # files made after this are the run's (see the check after ctest)
export TRIAD_TEST_RUN="triad-test-$$-$RANDOM"

# Stops the daemons and clients that tests started and left running: processes of the
# binaries under test that carry this run's marker in their environment.
kill_leftovers() {
	local e pid comm exe pids=() alive=() i
	for e in /proc/[0-9]*/environ; do
		pid=${e#/proc/}
		pid=${pid%/environ}
		[[ $pid == "$$" ]] && continue
		{ read -r comm <"/proc/$pid/comm"; } 2>/dev/null || continue
		[[ $comm == triadd || $comm == triad ]] || continue
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
		exe=${exe% (deleted)}
		[[ $exe == "$TRIADD" || $exe == "$TRIAD" ]] || continue
		grep -qzx "TRIAD_TEST_RUN=$TRIAD_TEST_RUN" "$e" 2>/dev/null || continue
		pids+=("$pid")
	done
	((${#pids[@]})) || return 0
	echo "stopping ${#pids[@]} process(es) left behind by the tests: ${pids[*]}"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive=()
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive+=("$pid")
		done
		((${#alive[@]})) || return 0
		sleep 0.1
	done
	kill -KILL "${alive[@]}" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	kill_leftovers
	bash "$ROOT/deploy/pg.sh" destroy "$TMP/pg" >/dev/null 2>&1
	rm -rf "$TMP" "$PROBE"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash "$ROOT/deploy/pg.sh" init "$TMP/pg" "$(triad_free_port)" --throwaway
pg_load "$TMP/pg"
echo "PostgreSQL 127.0.0.1:$PG_PORT, data $PGDATA"

export TRIAD_TEST_DB=$APP_DB
export TRIAD_TEST_OWNER_DB=$OWNER_DB
TRIAD_TEST_PG_STOP=$(printf 'bash %q stop %q' "$ROOT/deploy/pg.sh" "$TMP/pg")
TRIAD_TEST_PG_START=$(printf 'bash %q start %q' "$ROOT/deploy/pg.sh" "$TMP/pg")
TRIAD_TEST_PG_CRASH=$(printf 'bash %q crash %q' "$ROOT/deploy/pg.sh" "$TMP/pg")
TRIAD_TEST_PG_PSQL=$(printf 'bash %q psql %q' "$ROOT/deploy/pg.sh" "$TMP/pg")
export TRIAD_TEST_PG_STOP TRIAD_TEST_PG_START TRIAD_TEST_PG_CRASH TRIAD_TEST_PG_PSQL
# The tests choose their own server and credentials.
unset TRIAD_ADDR TRIAD_TOKEN

# ---------------------------------------------------------------------------------------
step "migrate"
if ! "$TRIADD" migrate --db "$OWNER_DB"; then
	echo
	echo "FAILED: triadd migrate (PostgreSQL log: last lines below)"
	tail -n 20 "$PG_LOG" || true
	exit 1
fi

# ---------------------------------------------------------------------------------------
step "ctest"
CTEST_LOG=$TMP/ctest.log
set +e
ctest --test-dir "$BUILD" --output-on-failure -j2 --no-tests=error --timeout 600 2>&1 |
	tee "$CTEST_LOG"
CTEST_RC=${PIPESTATUS[0]}
set -e
kill_leftovers
# No file this run made may leave a password readable by others: not in the
# run's directory, not anywhere in the system's temporary directory.
LEAKED=$(find "$TMP" "${TMPDIR:-/tmp}" -xdev -type f -newer "$TMP/.started" -perm -o=r \
	-size -1024k -exec grep -l -E 'password=|trd_[A-Za-z0-9_-]{43}' {} + 2>/dev/null || true)
if [[ -n $LEAKED ]]; then
	echo "FAILED: files readable by others hold a password or token:"
	sed 's/^/  /' <<<"$LEAKED"
	CTEST_RC=1
fi
T_PASSED=0
T_FAILED=0
if summary=$(grep -Eo '[0-9]+ tests? failed out of [0-9]+' "$CTEST_LOG" | tail -n 1) && [[ -n $summary ]]; then
	read -r T_FAILED _ _ _ _ total <<<"$summary"
	T_PASSED=$((total - T_FAILED))
fi
if ((CTEST_RC != 0 && T_FAILED == 0)); then
	T_FAILED=1 # ctest itself failed (no tests found, a crash): count it
fi

# ---------------------------------------------------------------------------------------
# The failover test builds its own formation; it needs root (to install
# postgresql-15-auto-failover and run it as an unprivileged user) or pg_autoctl present.
H_PASSED=0
H_FAILED=0
HA_NOTE="skipped (--no-ha)"
if ((HA)) && [[ $(id -u) -ne 0 ]] && ! command -v pg_autoctl >/dev/null 2>&1; then
	HA_NOTE="skipped (needs root or pg_autoctl from postgresql-15-auto-failover)"
elif ((HA)); then
	step "failover (tests/ha/run.sh)"
	if TRIADD=$TRIADD HA_LOAD=$BUILD/tests/ha-load bash "$ROOT/tests/ha/run.sh" 2>&1 |
		tee "$TMP/ha.log"; then
		H_PASSED=1
		HA_NOTE="passed; writes refused (s): $(awk '$1 == "switchover" || $1 == "postmaster" {
			printf "%s%s %s", sep, $1, ($1 == "postmaster" ? $3 : $2); sep = ", " }' "$TMP/ha.log")"
	else
		H_FAILED=1
		HA_NOTE="FAILED (see above)"
	fi
fi

# ---------------------------------------------------------------------------------------
F_PASSED=0
F_FAILED=0
FUZZ_NOTES=()
if ((QUICK)); then
	FUZZ_NOTES+=("skipped (--quick)")
elif [[ ! -x $BUILD/tests/fuzz/fuzz_frame ]]; then
	FUZZ_NOTES+=("skipped (no fuzz targets built)")
else
	SECS=${TRIAD_FUZZ_SECONDS:-30}
	ARTIFACTS=$BUILD/fuzz-artifacts
	mkdir -p "$ARTIFACTS"
	for target in "$BUILD"/tests/fuzz/fuzz_*; do
		[[ -f $target && -x $target ]] || continue
		name=$(basename "$target")
		step "fuzz $name (${SECS} s)"
		# Seeds: tests/fuzz/corpus/<target>/, kept in the tree.
		seeds=()
		if [[ -d $ROOT/tests/fuzz/corpus/$name ]]; then
			seeds=("$ROOT/tests/fuzz/corpus/$name")
		fi
		corpus=$TMP/corpus-$name
		mkdir -p "$corpus"
		log=$TMP/$name.log
		if "$target" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
			-detect_leaks="$LEAKS" -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" \
			"$corpus" "${seeds[@]}" >"$log" 2>&1; then
			runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
			echo "no crash in $runs runs"
			FUZZ_NOTES+=("$name: no crash in $runs runs")
			F_PASSED=$((F_PASSED + 1))
		else
			tail -n 40 "$log"
			cp "$log" "$ARTIFACTS/$name.log"
			echo "FAILED: $name found a problem; input and log kept in $ARTIFACTS/"
			FUZZ_NOTES+=("$name: FAILED (see $ARTIFACTS/)")
			F_FAILED=$((F_FAILED + 1))
		fi
	done
fi

# ---------------------------------------------------------------------------------------
step "summary"
echo "build:   $CC_NAME, ASan+UBSan, fuzz targets $FUZZ, leak checking $([[ $LEAKS == 1 ]] && echo on || echo off)"
echo "ctest:   $T_PASSED passed, $T_FAILED failed"
echo "ha:      $HA_NOTE"
for n in "${FUZZ_NOTES[@]}"; do
	echo "fuzz:    $n"
done
echo "time:    $((SECONDS - START_TIME)) s"
echo "result: $((T_PASSED + H_PASSED + F_PASSED)) passed, $((T_FAILED + H_FAILED + F_FAILED)) failed"
((CTEST_RC == 0 && H_FAILED == 0 && F_FAILED == 0))
