#!/usr/bin/env bash
# End-to-end check of the ground truth's per-flow p50/p99 against numpy.quantile: runs
# tests/e2e/data/truth_quantiles.toml with --packets-out and recomputes every flow's quantiles
# from the packet log (tests/scripts/check_truth_quantiles.py).
# Usage: tests/scripts/test_truth_quantiles.sh RLISIM_BINARY WORKDIR   (exit 77: skipped)
set -euo pipefail

source "$(dirname "$0")/script_test_args.sh"

if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "SKIP: $py lacks numpy (Debian: python3-numpy)"
  exit 77
fi

rm -rf "$work"
mkdir -p "$work"
"$rlisim" run "$repo/tests/e2e/data/truth_quantiles.toml" --quiet --out "$work/out" \
  --packets-out "$work/packets.csv" >"$work/run.log" 2>&1 ||
  { cat "$work/run.log" >&2; echo "FAIL: rlisim run exited with an error" >&2; exit 1; }
"$py" "$repo/tests/scripts/check_truth_quantiles.py" "$work/packets.csv" "$work/out"
