#!/usr/bin/env bash
# One-command setup: install missing Debian packages, build rlisim (Release) into build/, and
# run the quickstart: RLI and the baselines at an equal measurement budget on a synthetic
# CAIDA-like trace through a 10 Gb/s router port at 90 % load (configs/compare.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target rlisim -j"$(nproc)"
echo
echo "rlisim binary: $(pwd)/build/rlisim"
echo
./build/rlisim run configs/compare.toml --out results/quickstart
/usr/bin/python3 scripts/plot_run.py results/quickstart >/dev/null
echo
echo "files:   $(pwd)/results/quickstart/{summary.json,flows.csv,config.toml}"
echo "figure:  $(pwd)/results/quickstart/error_cdf.png (per-flow error CDF of every estimator)"
echo "more:    python3 scripts/compare_estimators.py (0.3-0.98 load, chic and sanj);"
echo "         scripts/reproduce-rli (the RLI paper's claims at equal budgets, report.md)"
