#!/usr/bin/env bash
# The binary stands alone: copied out of the build tree and run with the source checkout hidden
# (a private mount namespace lays an empty tmpfs over it), every command works; so does the
# binary that `cmake --install` puts under a prefix. Without the rights to hide the checkout
# (not root, no user namespaces) the commands still run from the copy, and the test says so.
# Usage: test_standalone_binary.sh RLISIM_BINARY WORKDIR [BUILD_DIR]
set -euo pipefail
source "$(dirname "$0")/script_test_args.sh" "$1" "$2"
build=${3:-}

# Outside the checkout, which is hidden below (WORKDIR is usually inside it).
work=$(mktemp -d /tmp/rlisim-standalone.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/data" "$work/out"
cp "$rlisim" "$work/bin/rlisim"
alone="$work/bin/rlisim"
data="$work/data"

# Inputs copied beside the outputs, so nothing below reads the checkout.
cat > "$data/run.toml" <<'TOML'
seed = 3
[[source]]
kind = "synthetic"
profile = "chic"
rate = "200Mbps"
duration = "20ms"
[router]
port = [{ rate = "1Gbps" }]
TOML
cat > "$data/sweep.toml" <<'TOML'
base = "run.toml"
[[axis]]
key = "utilization.target"
values = [0.3, 0.6]
TOML
cp "$repo/traces/samples/gnutella.pcap" "$data/"
cp "$repo/traces/samples/kernel/veth-idle/trace.txt" "$data/veth.trace"
cp "$repo/configs/topologies/dc-star.toml" "$data/topology.toml"

hide=()
if unshare -m true 2> /dev/null; then
  hide=(unshare -m bash -c 'mount -t tmpfs none "$0" && exec "$@"' "$repo")
elif unshare -rm true 2> /dev/null; then
  hide=(unshare -rm bash -c 'mount -t tmpfs none "$0" && exec "$@"' "$repo")
else
  echo "note: cannot hide the checkout here (no mount namespace); running from the copy only"
fi

check() {
  local name=$1
  shift
  if ! (cd "$work/out" && "${hide[@]}" "$@") > "$work/out/$name.log" 2>&1; then
    echo "FAIL: $name: $*" >&2
    tail -5 "$work/out/$name.log" >&2
    exit 1
  fi
}

run_every_command() {
  local bin=$1
  check run "$bin" run "$data/run.toml" --quiet --out run
  check trace-stats "$bin" trace stats "$data/gnutella.pcap"
  check trace-gen "$bin" trace gen --profile sanj --rate 50Mbps --duration 20ms -o gen.pcap
  check measure "$bin" container measure "$data/veth.trace" --inner-dev cs --outer-dev os
  check fit "$bin" container fit "$data/veth.trace" --inner-dev cs --outer-dev os --mode bridge
  check reproduce "$bin" container reproduce
  check topology-paths "$bin" topology paths "$data/topology.toml"
  check topology-rtt "$bin" topology rtt "$data/topology.toml" --probes 20
  check sweep "$bin" sweep "$data/sweep.toml" --db sweep.sqlite --quiet
  check sweep-status "$bin" sweep status sweep.sqlite
  check sweep-export "$bin" sweep export sweep.sqlite --csv sweep-csv
  check sweep-manifest "$bin" sweep manifest "$data/sweep.toml"
  check sweep-slurm "$bin" sweep slurm "$data/sweep.toml" --tasks 2 -o job.sh
  check sweep-merge "$bin" sweep merge merged.sqlite sweep.sqlite
  check sweep-schema "$bin" sweep schema
}

run_every_command "$alone"
cmp "$work/out/reproduce.log" <("$rlisim" container reproduce) || {
  echo "FAIL: the copied binary reproduces differently from the built one" >&2
  exit 1
}

if [[ -n $build ]]; then
  rm -rf "$work/out" "$work/prefix" && mkdir -p "$work/out"
  cmake --install "$build" --prefix "$work/prefix" > /dev/null
  run_every_command "$work/prefix/bin/rlisim"
fi
echo "ok: every command ran from a copy of the binary outside the checkout"
