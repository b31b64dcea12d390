#!/usr/bin/env bash
# proto/permissions.sh TRIADD: rewrites the generated table of proto/PERMISSIONS.md
# (between its routes:begin and routes:end markers) with what `TRIADD routes` prints.
# The test test_registry_db fails when the committed file differs from it.
set -euo pipefail
triadd=${1:?usage: proto/permissions.sh PATH/TO/triadd}
doc="$(dirname "${BASH_SOURCE[0]}")/PERMISSIONS.md"
table=$("$triadd" routes)
awk -v table="$table" '
	/<!-- routes:begin -->/ { print; print table; skip = 1; next }
	/<!-- routes:end -->/ { skip = 0 }
	!skip { print }
' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
