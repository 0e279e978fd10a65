#!/usr/bin/env bash
# One-command test: install missing Debian packages, build with tests, run the whole suite.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: address + undefined-behaviour sanitizers)
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
flags=(-DCMAKE_BUILD_TYPE=Release -DRLISIM_WERROR=ON)
if [[ "${1:-}" == "--sanitize" ]]; then
  build=build-asan
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRLISIM_SANITIZE=address,undefined -DRLISIM_WERROR=ON)
fi

bash scripts/deps.sh
cmake -S . -B "$build" -G Ninja "${flags[@]}"
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 900
