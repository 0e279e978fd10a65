#!/usr/bin/env bash
# End-to-end test of scripts/reproduce-rli, plot_sweep.py and sweep_report.py on a tiny grid
# (50 ms of traffic per point, 2 utilizations, every sweep of the default grid: 40 points), a
# rerun and a smaller grid in the same folder, then of the figure skipping on a sweep without
# baselines and without interference.
# Usage: tests/scripts/test_plot_sweep.sh RLISIM_BINARY WORKDIR   (exit 77: skipped)
set -euo pipefail

source "$(dirname "$0")/script_test_args.sh"

if ! "$py" -c 'import pandas, matplotlib' 2>/dev/null; then
  echo "SKIP: $py lacks pandas or matplotlib (Debian: python3-pandas python3-matplotlib)"
  exit 77
fi

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
nonempty() {
  [[ -s $1 ]] || fail "missing or empty: $1"
}

rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")

# 1. The whole reproduction, tiny: 50 ms of traffic per point, 2 utilizations; every sweep
#    (budgets x adaptive presets, buffers, paced flows) and every figure and report section.
out=$work/repro
args=(--rlisim "$rlisim" --out "$out" --jobs 2 --duration 50ms)
"$repo/scripts/reproduce-rli" "${args[@]}" --utilizations 0.3 0.9 >"$work/repro1.log" 2>&1 ||
  { cat "$work/repro1.log" >&2; fail "reproduce-rli exited with $?"; }
for name in a_error_cdf_chic_buffer-100_packets a_error_cdf_sanj_buffer-100_packets \
  b_median_error_buffer-100_packets c_overhead_buffer-100_packets \
  d_interference_cdf_buffer-100_packets e_loss_difference_buffer-100_packets \
  f_equal_budget_buffer-100_packets f_equal_budget_buffer-10_ms g_sensitivity; do
  nonempty "$out/figures/$name.png"
  nonempty "$out/figures/$name.pdf"
done
report=$out/report.md
nonempty "$report"
for heading in "## Wall time" "## The paper's claims at equal budgets" \
  "### Adaptive presets at the budget they spent" "### Median error at equal budget" \
  "### RLI's two receivers on the same references" "### Per-flow burstiness" \
  "### Delay autocorrelation and loss per point" "### Interference and loss"; do
  grep -qF -- "$heading" "$report" || fail "report.md lacks '$heading'"
done
for claim in 1 2 6 4; do
  grep -qE "^\| $claim \| .*\| (reproduced|not reproduced)" "$report" ||
    fail "report.md has no verdict row for claim $claim"
done
# The equal-budget table at 1/100: chic and sanj at 0.3 and 0.9, every estimator.
rows=$(awk '/^Budget 1\/100 /{t=1; next} t && /^\| (chic|sanj) /{n++} t && /^$/ && n{exit}
            END{print n+0}' "$report")
[[ $rows -eq 4 ]] || fail "equal-budget table at 1/100 has $rows rows, expected 4"
grep -q "| RLI | RLI corrected | LDA | NetFlow (naive) | Multiflow | Trajectory sampling |" \
  "$report" || fail "equal-budget table lacks the estimator columns"
grep -qF "](../repro/figures/" "$report" && fail "figure links are not relative to report.md"
grep -qF "](figures/g_sensitivity.png)" "$report" || fail "report.md does not link figure g"

# 2. Rerun: burstiness kept, every point skipped.
"$repo/scripts/reproduce-rli" "${args[@]}" --utilizations 0.3 0.9 >"$work/repro2.log" 2>&1 ||
  { cat "$work/repro2.log" >&2; fail "reproduce-rli rerun exited with $?"; }
[[ $(grep -c "(0 now, " "$work/repro2.log") -eq 3 ]] || fail "the rerun ran points again"
[[ $(grep -c "statistics present with the same parameters, kept" "$work/repro2.log") -eq 4 ]] ||
  fail "the rerun measured the traffic again"

# 2b. A smaller grid into the same folder: the database keeps the 0.3 points, but figures and
#     report show only this grid's (0.9).
"$repo/scripts/reproduce-rli" "${args[@]}" --utilizations 0.9 >"$work/repro3.log" 2>&1 ||
  { cat "$work/repro3.log" >&2; fail "reproduce-rli on a smaller grid exited with $?"; }
grep -q "Utilization targets: 0.9\. " "$report" || fail "report.md shows points of another grid"
grep -qE "^\| chic \| 0\.3 \|" "$report" && fail "report.md has a row of the 0.3 points"

# 3. No baselines, no interference: figures d and e are skipped with a message, none is empty.
bare=$work/bare
mkdir -p "$bare"
cat >"$bare/base.toml" <<'EOF'
seed = 1
[[source]]
kind = "synthetic"
profile = "chic"
rate = "1Gbps"
duration = "50ms"
[[router.port]]
rate = "10Gbps"
buffer_packets = 1000
[utilization]
target = 0.5
[rli]
policy = "static"
interference = false
EOF
cat >"$bare/sweep.toml" <<'EOF'
base = "base.toml"
[[axis]]
key = "utilization.target"
values = [0.3, 0.7]
[[axis]]
key = "rli.n"
values = [10, 100]
EOF
"$rlisim" sweep "$bare/sweep.toml" --db "$bare/results.sqlite" --jobs 2 --quiet
"$py" "$repo/scripts/plot_sweep.py" "$bare/results.sqlite" --out "$bare/figures" \
  2>"$bare/plot.log" || { cat "$bare/plot.log" >&2; fail "plot_sweep.py failed on the bare sweep"; }
for name in a_error_cdf_trace b_median_error c_overhead; do
  nonempty "$bare/figures/$name.png"
  nonempty "$bare/figures/$name.pdf"
done
for name in d_interference_cdf e_loss_difference; do
  [[ ! -e $bare/figures/$name.png ]] || fail "$name drawn without interference data"
  grep -q "skipping $name" "$bare/plot.log" || fail "no message for the skipped $name"
done
"$py" "$repo/scripts/sweep_report.py" "$bare/results.sqlite" --out "$bare" \
  --figures "$bare/figures" || fail "sweep_report.py failed on the bare sweep"
grep -q "RLI static-10 | RLI static-100" "$bare/report.md" ||
  fail "bare report lacks the per-n RLI columns"
grep -q "not drawn (no interference CDFs" "$bare/report.md" ||
  fail "bare report does not say why figure d is missing"

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "OK: tiny reproduction, rerun and bare sweep"
