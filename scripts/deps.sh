#!/usr/bin/env bash
# Installs the Debian packages rlisim needs, skipping those already present. Debian 12.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libpcap-dev zlib1g-dev libboost-graph-dev libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev libabsl-dev libsqlite3-dev
  tshark tcpdump python3 python3-pandas python3-matplotlib
  # A private single-node cluster for the `rlisim sweep slurm` test (started by the test, on
  # its own configuration, key and ports; the packages' own services stay unconfigured).
  slurmctld slurmd slurm-client munge
  # Recording container-like kernel traces (scripts/capture-container-trace): namespaces,
  # veth/bridge/VXLAN devices, NAT, probes and background load.
  iproute2 iputils-ping iperf3 nftables
  # The cross-check of the router against ns-3 (tests/ns3).
  libns3-dev
  # The fuzz harnesses (scripts/fuzz.sh): libFuzzer ships with Clang's runtime libraries.
  clang-14 libclang-rt-14-dev
  # The format check of the suite (format.clang_format); it skips where this is missing.
  clang-format-14
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "deps: all ${#packages[@]} Debian packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
# tshark asks whether non-root users may capture; the answer does not matter for reading files.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
