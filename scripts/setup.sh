#!/usr/bin/env bash
# One-command setup: install missing Debian packages, build rlisim (Release) into build/, and
# run the quickstart experiment (a synthetic CAIDA-like trace through a router at 90 % load).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target rlisim -j"$(nproc)"
echo
echo "rlisim binary: $(pwd)/build/rlisim"
echo
./build/rlisim run configs/quickstart.toml --out results/quickstart
