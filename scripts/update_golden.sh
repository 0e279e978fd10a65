#!/usr/bin/env bash
# Regenerates the golden outputs of the end-to-end tests. Run only on purpose, after a change
# that is meant to alter results, and review `git diff tests/e2e/data` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=${1:-build/rlisim}
out=$(mktemp -d)
"$exe" run tests/e2e/data/gnutella_replay.toml --quiet --out "$out" >/dev/null
mkdir -p tests/e2e/data/gnutella_expected
cp "$out/summary.json" "$out/flows.csv" tests/e2e/data/gnutella_expected/
rm -rf "$out"
echo "updated tests/e2e/data/gnutella_expected; review with: git diff tests/e2e/data"
