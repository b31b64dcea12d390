#!/bin/bash
# Today's .proto files keep the released contract (proto/released/triad-v1.binpb),
# and the checker catches each kind of break: run on copies of the tree's files
# changed on purpose, it must refuse each with the right words.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
check="$py $src/proto/compat.py"
released=$src/proto/released/triad-v1.binpb
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$check descriptor "$tmp/current.binpb"
$check check "$released" "$tmp/current.binpb"

fail=0
# mutate NAME FILE OLD NEW WANT: copy the tree, replace the one line OLD in FILE
# by NEW, and expect the check to fail saying WANT ("" to expect a pass).
mutate() {
	local name=$1 file=$2 old=$3 new=$4 want=$5 dir=$tmp/$1 out rc
	mkdir -p "$dir"
	cp -r "$src/proto/triad" "$dir/"
	$py - "$dir/triad/v1/$file" "$old" "$new" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{old!r} is not exactly once in {path}")
open(path, "w").write(text.replace(old, new))
PY
	$check descriptor "$dir/set.binpb" "$dir"
	rc=0
	out=$($check check "$released" "$dir/set.binpb") || rc=$?
	if [[ -z $want ]]; then
		if ((rc != 0)); then
			echo "FAIL $name: a compatible change was refused: $out"
			fail=1
		fi
	elif ((rc == 0)) || [[ $out != *"$want"* ]]; then
		echo "FAIL $name: want a refusal saying '$want', got (exit $rc): $out"
		fail=1
	else
		echo "ok $name: ${out%%$'\n'*}"
	fi
}

# CreateTokenRequest's fields are the guinea pigs.
mutate renumbered access.proto '  string label = 1;
  // Days until' '  string label = 9;
  // Days until' 'triad.v1.CreateTokenRequest.label = 1: renumbered to 9'
mutate retyped access.proto '  string machine_name = 3;' '  int32 machine_name = 3;' \
	'triad.v1.CreateTokenRequest.machine_name = 3: type changed from string to int32'
mutate removed access.proto '  // For a machine: the organisation it is limited to. Optional.
  string organisation_id = 4;' '' \
	'triad.v1.CreateTokenRequest.organisation_id = 4: removed without `reserved 4;`'
mutate reserved access.proto '  // For a machine: the organisation it is limited to. Optional.
  string organisation_id = 4;' '  reserved 4;
  reserved "organisation_id";' ''
mutate kind_removed envelope.proto '    Ping ping = 11;' '' \
	'triad.v1.Request.ping = 11: request kind removed'
mutate added access.proto '  string machine_name = 3;' '  string machine_name = 3;
  string nickname = 99;' ''
exit $fail
