#!/usr/bin/env bash
# End-to-end test of `rlisim sweep slurm` on a real single-node Slurm cluster that this test
# starts on this host (slurm_cluster.sh): submits the generated array job, merges the shard
# databases and checks them against a local unsharded run of the same sweep.
#
#   slurm_sweep_test.sh RLISIM_BINARY WORKDIR
#   slurm_sweep_test.sh --smoke WORKDIR    only the cluster and a trivial array job (no rlisim)
#
# Exit codes: 0 pass; 1 fail; 77 skip, only where Slurm cannot be started (not root, packages
# missing, daemons refuse), with "SKIP: <reason>". RLISIM_REQUIRE_SLURM=1 turns that skip into
# a failure, for machines where Slurm must work. WORKDIR is created (or emptied, if an earlier
# run of this test made it) and keeps every artifact, including the cluster's logs.
set -euo pipefail

readonly kSkip=77
readonly kSbatchTimeout=180
# Columns of the exported CSVs that legitimately differ between two runs of the same point.
readonly kTimingColumns="wall_s,started_at,finished_at,host,packets_per_second"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
started=$SECONDS

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 RLISIM_BINARY WORKDIR | $0 --smoke WORKDIR" >&2
  exit 1
}

(($# == 2)) || usage
mode=sweep
rlisim=""
if [[ $1 == --smoke ]]; then
  mode=smoke
else
  [[ -x $1 ]] || fail "rlisim binary '$1' is not an executable file"
  rlisim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fi
work=$2

# WORKDIR: new, or one this test made before (marker file), never someone else's folder.
if [[ -e $work ]]; then
  if [[ -f $work/.slurm_sweep_test ]]; then
    rm -rf "$work"
  elif [[ -n $(ls -A "$work") ]]; then
    fail "WORKDIR $work exists, is not empty and was not made by this test"
  fi
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
touch "$work/.slurm_sweep_test"

# The cluster lives in a short /tmp path (munge's socket path must fit in 108 bytes); its
# logs are copied into WORKDIR when it stops.
tmp=${TMPDIR:-/tmp}
((${#tmp} <= 40)) || tmp=/tmp
cluster=$(mktemp -d "$tmp/rlisim-slurm.XXXXXX")

cleanup() {
  local rc=$?
  set +e
  bash "$here/slurm_cluster.sh" stop "$cluster"
  mkdir -p "$work/cluster-logs"
  cp "$cluster"/log/*.log "$cluster"/slurm.conf "$work/cluster-logs/" 2>/dev/null
  rm -rf "$cluster"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

start_rc=0
bash "$here/slurm_cluster.sh" start "$cluster" >"$work/cluster-env.sh" 2>"$work/cluster-start.err" ||
  start_rc=$?
if ((start_rc != 0)); then
  reason=$(tail -n 1 "$work/cluster-start.err")
  if ((start_rc == 2)) && [[ ${RLISIM_REQUIRE_SLURM:-0} != 1 ]]; then
    echo "SKIP: ${reason:-Slurm cannot be started (no reason given)}"
    exit "$kSkip"
  fi
  cat "$work/cluster-start.err" >&2
  fail "Slurm did not start: $reason"
fi
# shellcheck source=/dev/null
source "$work/cluster-env.sh"
export SLURM_CONF
echo "cluster up in $((SECONDS - started)) s ($SLURM_CONF)"

# Prints what the array tasks wrote and slurmd's errors about them, for diagnosing a failed
# job (slurmd reports there what a task's own output cannot show, e.g. an unopenable --output).
show_job_output() {
  local f
  for f in "$work"/slurm-*.out "$work"/shards/slurm-*.out; do
    [[ -s $f ]] || continue
    echo "---- $f" >&2
    tail -n 20 "$f" >&2
  done
  echo "---- job errors in slurmd.log" >&2
  grep -F '.batch] error' "$cluster/log/slurmd.log" | tail -n 10 >&2 || true
}

# sbatch --wait exits with the highest exit code of the array's tasks.
submit_and_wait() {
  local script=$1 rc=0
  (cd "$work" && timeout "$kSbatchTimeout" sbatch --wait "$script") || rc=$?
  if ((rc != 0)); then
    show_job_output
    ((rc != 124)) || fail "sbatch --wait $script still waiting after ${kSbatchTimeout}s"
    fail "sbatch --wait $script exited $rc (an array task failed)"
  fi
}

if [[ $mode == smoke ]]; then
  cat >"$work/smoke.sh" <<EOF
#!/bin/bash
#SBATCH --array=0-3%2
#SBATCH --cpus-per-task=1
#SBATCH --time=00:01:00
#SBATCH --output=$work/slurm-%A_%a.out
echo "task \$SLURM_ARRAY_TASK_ID of \$SLURM_ARRAY_TASK_COUNT" >"$work/task-\$SLURM_ARRAY_TASK_ID.txt"
EOF
  submit_and_wait "$work/smoke.sh"
  for i in 0 1 2 3; do
    grep -qx "task $i of 4" "$work/task-$i.txt" 2>/dev/null || fail "array task $i wrote no file"
  done
  echo "PASS: 4 array tasks ran on the test cluster ($((SECONDS - started)) s)"
  exit 0
fi

# The sweep: 3 grid points x 2 repetitions = 6 runs, each a 50 ms simulation with the RLI
# estimator on (so results.csv and cdfs.csv have rows to compare, not only points.csv).
readonly kValues=(0.5 0.8 0.95)
readonly kRepetitions=2
readonly kTasks=3
cat >"$work/sweep.toml" <<EOF
base = "$repo/configs/quickstart.toml"
repetitions = $kRepetitions
[set]
"source.0.duration" = "0.05s"
"rli.policy" = "static"
[[axis]]
key = "utilization.target"
values = [$(
  IFS=,
  echo "${kValues[*]}"
)]
EOF
expected=$((${#kValues[@]} * kRepetitions))

(cd "$work" && "$rlisim" sweep slurm "$work/sweep.toml" --tasks "$kTasks" --throttle 2 \
  --db-dir "$work/shards" --cpus-per-task 1 --time 00:05:00 --rlisim "$rlisim" \
  --out "$work/job.sh") || fail "rlisim sweep slurm failed"
grep -q "^#SBATCH --array=0-$((kTasks - 1))%2\$" "$work/job.sh" ||
  fail "job.sh has no '#SBATCH --array=0-$((kTasks - 1))%2' line"
submit_and_wait "$work/job.sh"
echo "array job done after $((SECONDS - started)) s"

shards=()
for ((i = 0; i < kTasks; i++)); do
  [[ -s $work/shards/shard-$i.sqlite ]] || fail "array task $i left no shards/shard-$i.sqlite"
  shards+=("$work/shards/shard-$i.sqlite")
  "$rlisim" sweep export "${shards[i]}" --csv "$work/shard-$i-csv" ||
    fail "rlisim sweep export of shard $i failed"
done
"$rlisim" sweep merge "$work/merged.sqlite" "${shards[@]}" || fail "rlisim sweep merge failed"
"$rlisim" sweep export "$work/merged.sqlite" --csv "$work/merged-csv" ||
  fail "rlisim sweep export of the merged database failed"
"$rlisim" sweep status "$work/merged.sqlite" || fail "rlisim sweep status failed"

"$rlisim" sweep "$work/sweep.toml" --db "$work/local.sqlite" --jobs 2 --quiet ||
  fail "local rlisim sweep failed"
"$rlisim" sweep export "$work/local.sqlite" --csv "$work/local-csv" ||
  fail "rlisim sweep export of the local database failed"

python3 "$here/compare_sweeps.py" --expected "$expected" --tasks "$kTasks" \
  --ignore "$kTimingColumns" --work "$work" || fail "merged results differ from expectations"

echo "PASS: $expected points over $kTasks Slurm array tasks, merged = local" \
  "($((SECONDS - started)) s)"
