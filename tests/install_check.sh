#!/usr/bin/env bash
# install_check.sh: `cmake --install` puts both programs, both manual pages and
# the bash completion where the README says, and the daemon's manual page
# documents every option of `triadd --help` and every key of its settings
# table. Exits non-zero on any miss.
#
# usage: install_check.sh BUILD_DIR SOURCE_DIR
set -u

if [[ $# -ne 2 ]]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
	exit 2
fi
build=$1 src=$2
prefix=$(mktemp -d) || exit 1
trap 'rm -rf "$prefix"' EXIT
fail=0
miss() { echo "MISSING: $*" >&2; fail=1; }

if ! cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1; then
	cat "$prefix.log" >&2
	rm -f "$prefix.log"
	echo "install_check: cmake --install failed" >&2
	exit 1
fi
rm -f "$prefix.log"
for f in bin/triad bin/triadd share/man/man1/triad.1 share/man/man8/triadd.8 \
	share/bash-completion/completions/triad; do
	[[ -f $prefix/$f ]] || miss "$f after cmake --install"
done

# Every key of the settings table (daemon/config.c) and every long option of
# `triadd --help` is in the manual page.
page=$src/daemon/triadd.8
keys=$(sed -n 's/^[[:space:]]*{"\([a-z_]*\)", SET_.*/\1/p' "$src/daemon/config.c")
[[ -n $keys ]] || miss "no settings found in daemon/config.c"
for k in $keys; do
	grep -q "^\.B[R]* .*\b${k}\b" "$page" || miss "key $k in triadd.8"
done
for o in $("$prefix/bin/triadd" --help | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q -- "${o//-/\\\\-}" "$page" || miss "option $o in triadd.8"
done
for c in migrate bootstrap check routes; do
	grep -q "^\.B $c\$\|^\.BR $c " "$page" || miss "command $c in triadd.8"
done

if ((fail)); then
	echo "install_check: see above" >&2
	exit 1
fi
echo "install_check: ok"
