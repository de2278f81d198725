#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, on loopback, for CI and
# for developers: Debian's slurmctld + slurmd + munge, no slurmdbd, no systemd.
#
#   .ci/local-slurm.sh install  only install Debian's packages (CI does it early)
#   .ci/local-slurm.sh start    install (first time), configure, start, wait
#                               until the node is idle; fails loudly otherwise
#   .ci/local-slurm.sh stop     cancel jobs, stop the daemons by their pid
#                               files, remove the slurm.conf that start wrote
#   .ci/local-slurm.sh status   exit 0 if the cluster is up and the node usable
#
# Needs root (or passwordless sudo) and Debian's packages. Idempotent: `start`
# on a running cluster only checks it; `stop` on a stopped one does nothing.
# Every wait is bounded (SLURM_UP_TIMEOUT, default 60 s), so it never hangs.
#
# Why it looks like this (each point, if missed, makes Snakemake hang silently):
# - The config is written to the default path /etc/slurm/slurm.conf: the
#   executor plugin's job step removes every SLURM_* variable (SLURM_CONF too)
#   before its inner `srun`, which then reads only the default path.
# - No slurmdbd: `sacct` then only says "accounting storage is disabled", so
#   the profile uses the plugin's squeue status command, and MinJobAge=600
#   keeps finished jobs visible to squeue long after the plugin's first check.
# - EnforcePartLimits=ALL: a request the node cannot meet fails at sbatch.
# - proctrack/linuxproc and task/none: no cgroups needed.
set -euo pipefail

SLURM_UP_TIMEOUT=${SLURM_UP_TIMEOUT:-60}
CONF=/etc/slurm/slurm.conf
RUN=/run/slurm
STATE=/var/lib/slurm
LOGS=/var/log/slurm
MUNGE_RUN=/run/munge
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PID=$MUNGE_RUN/munged.pid
CTLD_PID=$RUN/slurmctld.pid
SLURMD_PID=$RUN/slurmd.pid
PARTITION=${SLURM_PARTITION_NAME:-debug}

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"

log() { echo "local-slurm: $*" >&2; }
die() {
  log "ERROR: $*"
  for f in "$LOGS/slurmctld.log" "$LOGS/slurmd.log" /var/log/munge/munged.log; do
    if [ -s "$f" ]; then
      echo "----- last lines of $f -----" >&2
      $SUDO tail -n 15 "$f" >&2 || true
    fi
  done
  log "daemons that did start are left running for inspection; '$0 stop' stops them"
  exit 1
}

# pid from a pid file, printed only if that process is alive.
alive_pid() {
  local pid
  [ -s "$1" ] || return 1
  pid=$($SUDO cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  $SUDO kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

node_name() { hostname -s; }

# The node's state as sinfo reports it ("idle", "mixed", "down*", ...), empty
# if the controller does not answer within 5 s.
node_state() {
  timeout 5 sinfo --noheader --nodes="$(node_name)" --format=%T 2>/dev/null | head -n 1 || true
}

install_packages() {
  local missing=()
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (apt-get update first)"
  $SUDO timeout 300 apt-get update -qq || die "apt-get update failed or took over 300 s"
  # Packages' maintainer scripts must not start daemons (no systemd here; this
  # script starts them itself). policy-rc.d exit 101 forbids that; keep any
  # existing policy.
  local policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  local rc=0
  $SUDO env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || rc=$?
  [ -n "$policy_added" ] && $SUDO rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed (exit $rc)"
}

write_config() {
  local node cpus mem tmp
  node=$(node_name)
  cpus=$(nproc)
  # MB of memory slurmd may hand out: all of it, as free(1) reports it.
  mem=$(free -m | awk '/^Mem:/ {print $2}')
  [[ "$cpus" =~ ^[0-9]+$ && "$mem" =~ ^[0-9]+$ ]] || die "cannot read CPUs ($cpus) or memory ($mem)"
  tmp=$(mktemp)
  cat >"$tmp" <<EOF
# Written by .ci/local-slurm.sh: a single-node test cluster on loopback.
ClusterName=localci
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/munge
CryptoType=crypto/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups on these machines.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct cannot answer; the plugin must use squeue.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
# Schedule a batch job at the controller's next 1 s tick instead of batching
# submissions for up to 3 s (the default): ~1 s instead of ~3 s per job.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Finished jobs stay visible to squeue for 10 minutes (the plugin's squeue
# status check must see a job's end state; it needs MinJobAge >= 3 x its
# first-check delay).
MinJobAge=600
# A request no node can meet is refused by sbatch instead of pending forever.
EnforcePartLimits=ALL
ReturnToService=2
# The config's CPUs/memory are what nproc/free report; trust them rather
# than draining the node over a mismatch with slurmd's own probe.
SlurmdParameters=config_overrides
SlurmdTimeout=60
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  $SUDO mkdir -p /etc/slurm
  if ! $SUDO cmp -s "$tmp" "$CONF"; then
    $SUDO install -m 644 "$tmp" "$CONF"
  fi
  rm -f "$tmp"
}

start_munge() {
  if alive_pid "$MUNGE_PID" >/dev/null; then return 0; fi
  id munge >/dev/null 2>&1 || die "user munge missing (package munge not installed?)"
  $SUDO mkdir -p "$MUNGE_RUN" /var/lib/munge /var/log/munge /etc/munge
  $SUDO chown munge:munge "$MUNGE_RUN" /var/lib/munge /var/log/munge /etc/munge
  $SUDO chmod 755 "$MUNGE_RUN"
  $SUDO chmod 700 /var/lib/munge /var/log/munge /etc/munge
  if [ ! -s "$MUNGE_KEY" ]; then
    log "creating munge key"
    $SUDO dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
  fi
  $SUDO chown munge:munge "$MUNGE_KEY"
  $SUDO chmod 400 "$MUNGE_KEY"
  $SUDO rm -f "$MUNGE_PID" "$MUNGE_RUN/munge.socket.2" "$MUNGE_RUN/munge.socket.2.lock"
  $SUDO runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGE_PID" \
    || die "munged did not start"
  local i
  for i in $(seq 1 50); do
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "munged started but munge -n | unmunge fails"
}

start_slurmctld() {
  if alive_pid "$CTLD_PID" >/dev/null; then return 0; fi
  $SUDO mkdir -p "$RUN" "$LOGS" "$STATE/slurmctld" "$STATE/slurmd"
  # A fresh cluster each start: no jobs or node states recovered from a
  # previous run (job ids start again at 1).
  $SUDO rm -rf "${STATE:?}/slurmctld/"*
  $SUDO rm -f "$CTLD_PID"
  # Keep one previous log, so the tail shown on failure is this start's.
  [ -e "$LOGS/slurmctld.log" ] && $SUDO mv -f "$LOGS/slurmctld.log" "$LOGS/slurmctld.log.old"
  $SUDO /usr/sbin/slurmctld -i || die "slurmctld did not start"
}

start_slurmd() {
  if alive_pid "$SLURMD_PID" >/dev/null; then return 0; fi
  $SUDO mkdir -p "$RUN" "$LOGS" "$STATE/slurmd"
  $SUDO rm -f "$SLURMD_PID"
  [ -e "$LOGS/slurmd.log" ] && $SUDO mv -f "$LOGS/slurmd.log" "$LOGS/slurmd.log.old"
  $SUDO /usr/sbin/slurmd -N "$(node_name)" || die "slurmd did not start"
}

wait_idle() {
  local deadline state
  deadline=$((SECONDS + SLURM_UP_TIMEOUT))
  while :; do
    state=$(node_state)
    case "$state" in
      idle | mixed | allocated | completing) return 0 ;;
    esac
    alive_pid "$CTLD_PID" >/dev/null || die "slurmctld exited (node state: '${state:-no answer}')"
    alive_pid "$SLURMD_PID" >/dev/null || die "slurmd exited (node state: '${state:-no answer}')"
    [ "$SECONDS" -lt "$deadline" ] ||
      die "node $(node_name) not idle after ${SLURM_UP_TIMEOUT}s (state: '${state:-no answer from slurmctld}')"
    sleep 0.2
  done
}

now_ms() { date +%s%3N; }

cmd_start() {
  local t0
  t0=$(now_ms)
  install_packages
  if alive_pid "$CTLD_PID" >/dev/null; then
    # Never rewrite the config under a running controller.
    log "slurmctld already running (pid $(alive_pid "$CTLD_PID")); keeping $CONF"
  else
    write_config
  fi
  start_munge
  start_slurmctld
  start_slurmd
  wait_idle
  local ms=$(($(now_ms) - t0))
  log "up in $((ms / 1000)).$(printf %03d $((ms % 1000)))s: node $(node_name) $(node_state), partition $PARTITION," \
    "$(awk '/^NodeName=/ {print $4, $5}' "$CONF")"
}

stop_pidfile() {
  local name=$1 file=$2 pid i
  pid=$(alive_pid "$file") || { $SUDO rm -f "$file"; return 0; }
  $SUDO kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    $SUDO kill -0 "$pid" 2>/dev/null || { $SUDO rm -f "$file"; log "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
  $SUDO kill -KILL "$pid" 2>/dev/null || true
  $SUDO rm -f "$file"
}

cmd_stop() {
  # Jobs first, so no slurmstepd or job process outlives the cluster.
  if alive_pid "$CTLD_PID" >/dev/null && command -v scancel >/dev/null; then
    timeout 10 scancel --quiet --full --user="$(id -un)" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      [ -z "$(timeout 5 squeue --noheader --states=RUNNING,COMPLETING,PENDING 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  stop_pidfile slurmd "$SLURMD_PID"
  stop_pidfile slurmctld "$CTLD_PID"
  stop_pidfile munged "$MUNGE_PID"
  # With the executor plugin installed, every `snakemake` call (a local one
  # too) runs `scontrol show config` while loading its plugins; with this
  # config in place and no slurmctld, that call retries for ~10 s. Without a
  # config it fails at once. `start` writes it again.
  if [ -f "$CONF" ] && head -n 1 "$CONF" | grep -q '^# Written by .ci/local-slurm.sh'; then
    $SUDO rm -f "$CONF"
  fi
}

cmd_status() {
  local ok=0 name file pid
  for name in munged slurmctld slurmd; do
    case $name in
      munged) file=$MUNGE_PID ;; slurmctld) file=$CTLD_PID ;; slurmd) file=$SLURMD_PID ;;
    esac
    if pid=$(alive_pid "$file"); then echo "$name: running (pid $pid)"; else echo "$name: stopped"; ok=1; fi
  done
  if [ $ok -eq 0 ]; then
    echo "node $(node_name): $(node_state)"
    timeout 5 sinfo || ok=1
  fi
  return $ok
}

case "${1:-}" in
  install) install_packages ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
