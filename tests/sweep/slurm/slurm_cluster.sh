#!/usr/bin/env bash
# A private single-node Slurm cluster for tests: munged, slurmctld and slurmd with a generated
# configuration, key, state, logs, pid files and sockets all inside one directory.
#
#   slurm_cluster.sh start DIR   starts the daemons, waits until the node is idle, and prints
#                                the line to eval: `export SLURM_CONF=DIR/slurm.conf`
#   slurm_cluster.sh stop DIR    cancels the cluster's jobs and ends the processes it started
#
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge packages. Nothing outside
# DIR is read or written: /etc/slurm and the system munge key and socket are never used, and
# the daemons listen on free ports of this host's loopback address only.
# Exit codes of start: 0 running; 2 Slurm cannot be started here, with the reason on the last
# line of stderr ("cannot start Slurm: ..."); 1 usage error. A failed start leaves nothing
# running.
set -euo pipefail

# Marks every process of one cluster (daemons, step daemons, job tasks inherit it from slurmd),
# so stop can find the ones the pid files do not name.
readonly kMarkerName=RLISIM_SLURM_CLUSTER
readonly kIdleWaitSeconds=30
readonly kStopWaitSeconds=10

# Set by cmd_start once it may have started something; the EXIT trap then cleans up.
starting_dir=""

die_cannot_start() {
  failure=$*
  [[ -n $starting_dir ]] || echo "cannot start Slurm: $failure" >&2
  exit 2
}

# EXIT trap of a start: on failure, stop what was started, show the logs, and end with the
# reason so that it is the last line of stderr.
on_start_exit() {
  local rc=$?
  trap - EXIT
  set +e
  if ((rc != 0)); then
    cmd_stop "$starting_dir"
    show_logs "$starting_dir"
    echo "cannot start Slurm: ${failure:-start script failed (exit $rc)}" >&2
    ((rc == 2)) || rc=2
  fi
  exit "$rc"
}

# Prints the last lines of each log in DIR/log, for diagnosing a failed start.
show_logs() {
  local dir=$1 f
  for f in "$dir"/log/*.log; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 "$f" >&2 || true
  done
}

# Two free TCP ports on 127.0.0.1 (the kernel picks them; a race with another process binding
# them in the next milliseconds is possible but harmless for a test: the start then fails).
free_ports() {
  python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# The processes of the cluster in DIR: those carrying its marker in their environment, those
# Slurm daemons working in DIR/log (slurmstepd overwrites its environment with its title, but
# keeps slurmd's working directory), and all their descendants (job tasks).
cluster_pids() {
  local dir=$1 proc pid ppid cwd comm found=() stat
  declare -A mine=() parent=()
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    stat=$(cat "$proc/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    read -r _ ppid _ <<<"$stat"
    parent[$pid]=$ppid
    cwd=$(readlink "$proc/cwd" 2>/dev/null) || cwd=""
    comm=$(cat "$proc/comm" 2>/dev/null) || comm=""
    if [[ $cwd == "$dir/log" && $comm == slurm* ]] ||
      { tr '\0' '\n' <"$proc/environ"; } 2>/dev/null | grep -qxF "$kMarkerName=$dir"; then
      mine[$pid]=1
    fi
  done
  local grew=1
  while ((grew)); do
    grew=0
    for pid in "${!parent[@]}"; do
      if [[ -z ${mine[$pid]:-} && -n ${mine[${parent[$pid]}]:-} ]]; then
        mine[$pid]=1
        grew=1
      fi
    done
  done
  for pid in "${!mine[@]}"; do
    [[ $pid == "$$" || $pid == "$BASHPID" ]] || found+=("$pid")
  done
  ((${#found[@]} == 0)) || printf '%s\n' "${found[@]}"
}

# True while the process exists and is not a zombie (daemons are children of PID 1 here,
# which may reap them late; kill -0 succeeds on a zombie).
is_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# Sends TERM to the pids, waits up to kStopWaitSeconds, then KILLs what is left.
end_pids() {
  local pids=("$@") pid alive i
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < kStopWaitSeconds * 10; i++)); do
    alive=0
    for pid in "${pids[@]}"; do
      is_running "$pid" && alive=1
    done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

cmd_stop() {
  local dir=$1 name pid pids=()
  [[ -d $dir ]] || return 0
  dir=$(cd "$dir" && pwd)
  # Cancelling first lets slurmd end the step daemons and job tasks in order.
  if [[ -f $dir/slurm.conf && -f $dir/run/slurmctld.pid ]] &&
    kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
    SLURM_CONF=$dir/slurm.conf timeout 5 scancel --full --user=root >/dev/null 2>&1 || true
    SLURM_CONF=$dir/slurm.conf timeout 5 scancel --user=root >/dev/null 2>&1 || true
  fi
  for name in slurmd slurmctld munged; do
    [[ -f $dir/run/$name.pid ]] || continue
    pid=$(cat "$dir/run/$name.pid")
    # Only a process still carrying our marker: a stale pid file may name a reused pid.
    if [[ $pid =~ ^[0-9]+$ ]] && { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null |
      grep -qxF "$kMarkerName=$dir"; then
      pids+=("$pid")
    fi
  done
  end_pids "${pids[@]}"
  mapfile -t pids < <(cluster_pids "$dir")
  end_pids "${pids[@]}"
  rm -f "$dir"/run/*.pid
}

write_configs() {
  local dir=$1 node=$2 ctld_port=$3 slurmd_port=$4 hw
  # "NodeName=host CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1
  # RealMemory=24105": exactly what slurmd will report, so the node does not drain.
  hw=$(slurmd -C | head -n 1) || die_cannot_start "slurmd -C failed"
  [[ $hw == NodeName=* ]] || die_cannot_start "slurmd -C printed '$hw'"
  hw=${hw#NodeName=* }
  cat >"$dir/slurm.conf" <<EOF
# Generated by slurm_cluster.sh for a private single-node test cluster.
ClusterName=rlisimtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
TmpFS=$dir/tmp
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
# Start jobs as soon as they are submitted and CPUs free up (defaults batch for throughput).
SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1
# sbatch --wait polls every 2 s only while MinJobAge/2 <= 2 (else after 2, 10, 42 s...); records
# of finished jobs still outlive two polls, so it sees every array task's exit code.
MinJobAge=5
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node $hw State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  # Read only by cgroup plugins, which this cluster does not load; present so no daemon looks
  # for one elsewhere.
  cat >"$dir/cgroup.conf" <<EOF
CgroupPlugin=autodetect
ConstrainCores=no
ConstrainRAMSpace=no
EOF
}

# Starts munged on DIR's own key and socket and checks a credential round trip.
start_munge() {
  local dir=$1
  mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 ||
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 0400 "$dir/munge/munge.key"
  env "$kMarkerName=$dir" munged --force \
    --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed" 2>>"$dir/log/munged.log" ||
    die_cannot_start "munged refused to start"
  munge --socket="$dir/munge/munge.socket.2" --no-input 2>/dev/null |
    unmunge --socket="$dir/munge/munge.socket.2" >/dev/null 2>&1 ||
    die_cannot_start "munged runs but a credential does not round-trip"
}

# Waits until sinfo reports the node idle; fails after kIdleWaitSeconds.
wait_idle() {
  local dir=$1 state="" i
  for ((i = 0; i < kIdleWaitSeconds * 5; i++)); do
    state=$(SLURM_CONF=$dir/slurm.conf timeout 5 sinfo --noheader --format=%t 2>/dev/null |
      head -n 1) || true
    [[ $state == idle ]] && return 0
    sleep 0.2
  done
  die_cannot_start "node not idle after ${kIdleWaitSeconds}s (sinfo state: '${state:-none}')"
}

cmd_start() {
  local dir=$1 tool node ctld_port slurmd_port
  [[ $(id -u) -eq 0 ]] || die_cannot_start "needs root (slurmd runs jobs as their user)"
  for tool in munged munge unmunge slurmctld slurmd sinfo sbatch scancel python3; do
    command -v "$tool" >/dev/null ||
      die_cannot_start "'$tool' not found (Debian packages: slurmctld slurmd slurm-client munge)"
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # sun_path holds 108 bytes.
  ((${#dir} <= 80)) || die_cannot_start "DIR path longer than 80 characters: $dir"
  if [[ -f $dir/run/slurmctld.pid || -f $dir/run/munged.pid ]]; then
    die_cannot_start "$dir already holds a cluster (run stop first)"
  fi
  mkdir -p "$dir"/{munge,state,spool,log,run,tmp}
  chmod 0755 "$dir/munge"
  node=$(hostname -s)
  read -r ctld_port slurmd_port < <(free_ports)

  starting_dir=$dir
  trap on_start_exit EXIT
  start_munge "$dir"
  write_configs "$dir" "$node" "$ctld_port" "$slurmd_port"
  env "$kMarkerName=$dir" slurmctld -f "$dir/slurm.conf" -c -i 2>>"$dir/log/slurmctld.log" ||
    die_cannot_start "slurmctld refused to start"
  env "$kMarkerName=$dir" slurmd -f "$dir/slurm.conf" -N "$node" 2>>"$dir/log/slurmd.log" ||
    die_cannot_start "slurmd refused to start"
  wait_idle "$dir"
  trap - EXIT
  starting_dir=""
  echo "export SLURM_CONF=$dir/slurm.conf"
}

main() {
  if (($# != 2)) || [[ $1 != start && $1 != stop ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 1
  fi
  "cmd_$1" "$2"
}

main "$@"
