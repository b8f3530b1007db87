#!/usr/bin/env bash
# Per-syscall overhead of the agent's syscall accounting, side by side in one
# run with bpftrace's `tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }`
# and with no tracing, on a getppid(2) loop; then the agent's CPU and RSS idle
# and under a syscall storm, with the events carried and lost.
#
#   sudo bench/agent_syscall_overhead.sh [path/to/ksight] [calls per run] [rounds]
#
# Each configuration runs `rounds` times, interleaved, and the median ns/call
# is reported; overheads are ratios against the same run's baseline because
# absolute numbers drift between machines and minutes.
set -euo pipefail
KSIGHT=${1:-build/ksight}
CALLS=${2:-5000000}
ROUNDS=${3:-5}
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/ksight-bench-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TRACER_PID=""
cleanup() {
  [ -n "$TRACER_PID" ] && kill "$TRACER_PID" 2>/dev/null && wait "$TRACER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 2; }

cc -O2 -o "$WORK/getppid_loop" "$SRC_DIR/tests/agent/workloads/agent_workload.c"
loop() { "$WORK/getppid_loop" getppid "$CALLS"; }

metric() {  # metric <name> [label filter regex]: sum of matching series
  curl -fs "http://127.0.0.1:$PORT/metrics" | awk -v n="$1" -v f="${2:-}" \
    '$1 ~ "^"n"({|$)" && $1 ~ f { s += $2 } END { printf "%.0f\n", s }'
}

start_agent() {
  "$KSIGHT" agent --listen "127.0.0.1:$PORT" "$@" > "$WORK/agent.log" 2>&1 &
  TRACER_PID=$!
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" && return 0
    sleep 0.1
  done
  cat "$WORK/agent.log" >&2
  exit 1
}

start_bpftrace() {
  bpftrace -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }' > "$WORK/bpftrace.log" 2>&1 &
  TRACER_PID=$!
  for _ in $(seq 1 600); do
    grep -q "Attaching" "$WORK/bpftrace.log" 2>/dev/null && { sleep 1; return 0; }
    sleep 0.1
  done
  cat "$WORK/bpftrace.log" >&2
  exit 1
}

stop_tracer() {
  kill -INT "$TRACER_PID" 2>/dev/null || true
  wait "$TRACER_PID" 2>/dev/null || true
  TRACER_PID=""
}

# run_config <name> <start command...|none>
run_config() {
  local name=$1; shift
  [ "$1" = none ] || "$@"
  loop >> "$WORK/$name.ns"
  [ "$1" = none ] || stop_tracer
}

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "getppid loop: $CALLS calls per run, $ROUNDS interleaved rounds"
for r in $(seq 1 "$ROUNDS"); do
  run_config none none
  run_config agent_counts start_agent --sources.process=false --sources.kmem=false \
    --sources.net=false --sources.syscall_latency=false
  run_config agent_latency start_agent --sources.process=false --sources.kmem=false --sources.net=false
  run_config agent_default start_agent
  run_config bpftrace start_bpftrace
  echo "  round $r done"
done

none=$(median "$WORK/none.ns")
bpft=$(median "$WORK/bpftrace.ns")
printf '\n%-44s %10s %12s %10s\n' "configuration" "ns/call" "added ns" "vs bpftrace"
for c in none agent_counts agent_latency agent_default bpftrace; do
  m=$(median "$WORK/$c.ns")
  awk -v c="$c" -v m="$m" -v n="$none" -v b="$bpft" 'BEGIN {
    label["none"]="no tracing"
    label["agent_counts"]="ksight agent, syscall counts only"
    label["agent_latency"]="ksight agent, counts + latency histogram"
    label["agent_default"]="ksight agent, default config (all sources)"
    label["bpftrace"]="bpftrace @[comm] = count()"
    printf "%-44s %10.1f %12.1f %10s\n", label[c], m, m - n, (c=="none" ? "-" : sprintf("%.2fx", (m - n) / (b - n)))
  }'
done

# Agent cost: idle, then under a storm of getppid from one core.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
tck=$(getconf CLK_TCK)
start_agent
sleep 3
t0=$(cpu_ticks "$TRACER_PID"); sleep 10; t1=$(cpu_ticks "$TRACER_PID")
printf '\nagent idle (default config, 10 s): CPU %.2f%% of one core, RSS %d KiB\n' \
  "$(echo "($t1 - $t0) * 100 / ($tck * 10)" | bc -l)" "$(rss_kib "$TRACER_PID")"

ev0=$(metric ksight_events_total 'source="syscalls"'); lost0=$(metric ksight_events_lost_total)
t0=$(cpu_ticks "$TRACER_PID"); s0=$(date +%s.%N)
storm_calls=$((CALLS * 4))
"$WORK/getppid_loop" getppid "$storm_calls" > /dev/null
s1=$(date +%s.%N); t1=$(cpu_ticks "$TRACER_PID")
sleep 2  # one more collect interval
ev1=$(metric ksight_events_total 'source="syscalls"'); lost1=$(metric ksight_events_lost_total)
secs=$(echo "$s1 - $s0" | bc -l)
printf 'agent under storm (%d getppid in %.1f s = %.2f M syscalls/s): CPU %.2f%% of one core, RSS %d KiB\n' \
  "$storm_calls" "$secs" "$(echo "$storm_calls / $secs / 1000000" | bc -l)" \
  "$(echo "($t1 - $t0) * 100 / ($tck * $secs)" | bc -l)" "$(rss_kib "$TRACER_PID")"
printf 'syscalls accounted during the storm: %d (%.2f M/s), lost: %d\n' \
  "$((ev1 - ev0))" "$(echo "($ev1 - $ev0) / $secs / 1000000" | bc -l)" "$((lost1 - lost0))"
stop_tracer
