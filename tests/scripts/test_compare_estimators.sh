#!/usr/bin/env bash
# scripts/compare_estimators.py sets utilization the way a sweep of configs/compare.toml does:
# one point run by the script (from another working directory) and the same point of a
# one-point `rlisim sweep` whose base is configs/compare.toml give the same summary, number for
# number; the script's tables carry the budget and the rates.
# Usage: tests/scripts/test_compare_estimators.sh RLISIM_BINARY WORKDIR
set -euo pipefail

source "$(dirname "$0")/script_test_args.sh"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

rm -rf "$work"
mkdir -p "$work/elsewhere"
work=$(realpath "$work")

# 1. The script, run from a folder that is not the repository; configs/compare.toml found
#    relative to the script. The binary is given, as a user with another build would.
(cd "$work/elsewhere" &&
  "$py" "$repo/scripts/compare_estimators.py" --rlisim "$rlisim" --profiles sanj \
    --utilizations 0.6 --duration 100ms --no-adaptive --out cmp >"$work/tables.md" \
    2>"$work/script.log") || { cat "$work/script.log" >&2; fail "compare_estimators.py failed"; }
script_summary=$work/elsewhere/cmp/sanj-0.6-all/summary.json
[[ -s $script_summary ]] || fail "no $script_summary"
for text in "samples/pkt" "link Gb/s" "offered Gb/s" "synthetic:sanj(6 Gb/s" "| multiflow |" \
  "| rli_corrected |"; do
  grep -qF -- "$text" "$work/tables.md" || fail "the tables lack '$text'"
done

# 2. The same point as a sweep over configs/compare.toml: the seed pinned to compare.toml's
#    (a sweep derives seeds otherwise), the profile and duration in [set], the target an axis.
cat >"$work/sweep.toml" <<EOF
base = "$repo/configs/compare.toml"
name = "compare-one-point"
[set]
seed = 1
"source.0.profile" = "sanj"
"source.0.duration" = "100ms"
[[axis]]
key = "utilization.target"
values = [0.6]
EOF
"$rlisim" sweep "$work/sweep.toml" --db "$work/sweep.sqlite" --jobs 1 --quiet ||
  fail "the sweep failed"

# 3. Number for number: the whole summary.json, every number and the resolved configuration
#    (the database keeps the same JSON with its keys sorted, so compare parsed documents).
"$py" - "$script_summary" "$work/sweep.sqlite" <<'EOF' || fail "the summaries differ"
import json, sqlite3, sys
script = json.load(open(sys.argv[1]))
rows = sqlite3.connect(sys.argv[2]).execute(
    "SELECT summary_json FROM points WHERE status = 'done'").fetchall()
if len(rows) != 1:
    sys.exit(f"expected one finished sweep point, found {len(rows)}")
sweep = json.loads(rows[0][0])
differ = [k for k in sorted(set(script) | set(sweep))
          if json.dumps(script.get(k), sort_keys=True) != json.dumps(sweep.get(k), sort_keys=True)]
if differ:
    sys.exit("summary.json parts that differ: " + ", ".join(differ))
print(f"identical: {len(script)} parts of summary.json, "
      f"{len(script['comparison']['estimators'])} estimator rows")
EOF

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "OK: compare_estimators.py and the sweep agree"
