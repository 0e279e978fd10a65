#!/usr/bin/env bash
# Cross-check of rlisim's router against ns-3 on the same synthetic pcaps: every packet's fate
# and delay must agree under timing = "ns3"; the differences under the default exact timing
# are measured and explained by compare_fates, not asserted away.
# Usage: tests/ns3/ns3_crosscheck.sh RLISIM NS3_FIFO_REPLAY COMPARE_FATES WORKDIR
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 RLISIM NS3_FIFO_REPLAY COMPARE_FATES WORKDIR" >&2
  exit 2
fi
rlisim=$(realpath "$1")
replay=$(realpath "$2")
compare=$(realpath "$3")
work=$4
here=$(cd "$(dirname "$0")" && pwd)

# Must agree with buffer_packets in crosscheck.toml.
queue_packets=16
# Fewer drops than this and the check would hardly exercise the full buffer.
min_drops=500

rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")

# One scenario: a bursty CAIDA-like trace (profile sanj) offered at OFFERED to a port of
# RATE_BPS, through rlisim under both timings and through ns-3.
scenario() {
  local name=$1 rate_bps=$2 offered=$3 seed=$4
  local dir=$work/$name
  mkdir -p "$dir"
  echo "== $name: port ${rate_bps} b/s, trace at $offered"
  "$rlisim" trace gen --profile sanj --rate "$offered" --duration 0.25s --seed "$seed" \
    -o "$dir/trace.pcap" > "$dir/trace_gen.txt"
  for timing in ns3 exact; do
    "$rlisim" run "$here/crosscheck.toml" --quiet --set "source.0.path=$dir/trace.pcap" \
      --set "router.port.0.rate=$rate_bps" --set "router.timing=$timing" \
      --out "$dir/run-$timing" --packets-out "$dir/rlisim-$timing.csv" > "$dir/run-$timing.txt"
  done
  "$replay" --pcap="$dir/trace.pcap" --rate="$rate_bps" --queue-packets="$queue_packets" \
    --out="$dir/ns3.csv"
  "$compare" "$dir/ns3.csv" "$dir/rlisim-ns3.csv" "$dir/rlisim-exact.csv" "$rate_bps" \
    "$queue_packets" "$min_drops"
}

# 3 Gb/s: serialisation times are not whole nanoseconds (100 B = 266.67 ns), so both
# conventions matter; about 120 k packets at 93 % load.
scenario rounding 3000000000 2.8Gbps 11
# 2 Gb/s: 4 ns per byte, whole nanoseconds under both timings, so only the tie order differs;
# about 80 k packets at 88 % load.
scenario ties 2000000000 1.87Gbps 12
