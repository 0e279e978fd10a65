#!/usr/bin/env bash
# Live test: records tiny real traces with scripts/capture-container-trace (5 probes; veth, and
# bridge with NAT) and measures them with `rlisim container measure`. Exit 77 (skipped) where recording is impossible
# (not root, no tracefs), unless RLISIM_REQUIRE_TRACEFS=1, under which that is a failure.
# usage: test_capture_container_trace.sh SOURCE_DIR RLISIM_BINARY SCRATCH_DIR
set -euo pipefail
src=$1 exe=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"

for mode in veth bridge-nat; do
  dir=$scratch/$mode
  mkdir -p "$dir"
  set +e
  "$src/scripts/capture-container-trace" --mode "$mode" --count 5 --interval 0.05 --out "$dir" \
    >"$dir/capture.log" 2>&1
  rc=$?
  set -e
  cat "$dir/capture.log"
  if ((rc == 77)); then
    if [[ ${RLISIM_REQUIRE_TRACEFS:-0} == 1 ]]; then
      echo "FAIL: RLISIM_REQUIRE_TRACEFS=1 but the capture cannot record here" >&2
      exit 1
    fi
    echo "SKIP: cannot record kernel traces here"
    exit 77
  fi
  ((rc == 0)) || { echo "FAIL: capture exited $rc" >&2; exit 1; }

  # The last line is the measure command to run; run it with this build's binary.
  cmd=$(tail -1 "$dir/capture.log")
  [[ $cmd == "rlisim container measure "* ]] || { echo "FAIL: last line is not the measure command: $cmd" >&2; exit 1; }
  out=$("$exe" ${cmd#rlisim } --json)
  echo "$out"
  python3 - "$out" <<'EOF'
import json, sys
j = json.loads(sys.argv[1])
assert j["egress"]["count"] >= 4, j["egress"]
assert j["ingress"]["count"] >= 4, j["ingress"]
assert j["rtt"]["adjusted_probes"] >= 4, j["rtt"]
assert 0 < j["egress"]["p50_us"] < 10000
print("OK: live capture measured")
EOF
  # Nothing left behind: no namespaces or tracefs instance of this run.
  tag=$(grep -o 'instances/rlisim-[0-9a-z]*' "$dir/meta.txt" | head -1 | sed 's/.*rlisim-//')
  if ip netns list | grep -q "^rl${tag}"; then echo "FAIL: namespaces left behind" >&2; exit 1; fi
  if [[ -d /sys/kernel/tracing/instances/rlisim-$tag ]]; then echo "FAIL: tracefs instance left" >&2; exit 1; fi
done
