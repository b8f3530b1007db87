#!/usr/bin/env bash
# ksight trace vs bpftrace, same machine, same run (needs root):
#   1. time from command start to the first event delivered, and
#   2. added ns per syscall of `tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }`
#      on a getppid loop, against no tracing.
# Prints medians and the ratios ksight/bpftrace.
#
# Usage: bench/trace_vs_bpftrace.sh [BUILD_DIR]   (default: build)
#   RUNS=5 CALLS=2000000 to change the repetitions; FIRST_ONLY=1 stops after part 1.
set -euo pipefail

BUILD=${1:-${KSIGHT_BINARY_DIR:-build}}
KSIGHT=${KSIGHT_BIN:-$BUILD/ksight}
# The lean one-liner binary (src/trace/cli/main.cpp): same code as
# `ksight trace`, without the agent's shared libraries.
LEAN=${KSIGHT_TRACE_BIN:-$BUILD/ksight-trace}
LOOP=$BUILD/tests/trace/workloads/getppid_loop
BPFTRACE=${BPFTRACE:-bpftrace}
RUNS=${RUNS:-5}
CALLS=${CALLS:-2000000}
for f in "$KSIGHT" "$LEAN" "$LOOP"; do [[ -x $f ]] || { echo "missing $f (build ksight, ksight_trace_cli and trace_workload_getppid_loop)" >&2; exit 1; }; done
command -v "$BPFTRACE" >/dev/null || { echo "bpftrace not found" >&2; exit 1; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_ns() { date +%s%N; }

# --- 1. time to first event -------------------------------------------------
# A getppid loop runs in the background; each tool traces getppid, prints one
# line at the first event and exits. We time start -> first line on stdout.
FIRST_PROG='tracepoint:syscalls:sys_enter_getppid { printf("first\n"); exit(); }'
first_event_ms() {  # stops the clock when the line arrives, not when the tool has torn down
  local start end
  start=$(now_ns)
  grep -m1 -q first < <("$@" 2>/dev/null)
  end=$(now_ns)
  wait $! 2>/dev/null || true
  echo "scale=1; ($end - $start) / 1000000" | bc
}

"$LOOP" 2000000000 2>/dev/null &
BG=$!
trap 'kill $BG 2>/dev/null || true' EXIT
ks_first=(); lean_first=(); bt_first=()
for _ in $(seq "$RUNS"); do  # alternate the tools: the machine's load drifts
  ks_first+=("$(first_event_ms "$KSIGHT" trace "$FIRST_PROG")")
  bt_first+=("$(first_event_ms "$BPFTRACE" -e "$FIRST_PROG")")
  lean_first+=("$(first_event_ms "$LEAN" trace "$FIRST_PROG")")
done
kill $BG; wait $BG 2>/dev/null || true
trap - EXIT
KS_FIRST=$(printf '%s\n' "${ks_first[@]}" | median)
BT_FIRST=$(printf '%s\n' "${bt_first[@]}" | median)
LEAN_FIRST=$(printf '%s\n' "${lean_first[@]}" | median)
print_first() {
  echo "time to first event (median of $RUNS, ms):  ksight trace ${KS_FIRST}  ksight-trace ${LEAN_FIRST}  bpftrace ${BT_FIRST}"
  echo "  ratio ksight trace/bpftrace: $(echo "scale=3; $KS_FIRST / $BT_FIRST" | bc)   ksight-trace/bpftrace: $(echo "scale=3; $LEAN_FIRST / $BT_FIRST" | bc)   (target <= 0.2)"
}
if [[ ${FIRST_ONLY:-0} == 1 ]]; then print_first; exit 0; fi

# --- 2. per-syscall overhead -------------------------------------------------
COUNT_PROG='tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'
loop_ns() { "$LOOP" "$CALLS" 2>&1 >/dev/null | tail -1; }

traced_ns() {  # tool args...: start the tool, wait until attached, run the loop
  local out; out=$(mktemp)
  "$@" >"$out" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do grep -q "Attaching" "$out" && break; sleep 0.05; done
  sleep 0.5  # bpftrace prints "Attaching" just before it attaches
  loop_ns
  kill -INT $pid
  # A tool still starting up may not have its SIGINT handler yet (bpftrace
  # once hung here for minutes): give it 5 s, then kill it and say so.
  for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
  if kill -0 $pid 2>/dev/null; then
    echo "warning: $1 ignored SIGINT; killed (this round may not have been traced)" >&2
    kill -KILL $pid 2>/dev/null || true
  fi
  wait $pid 2>/dev/null || true
  rm -f "$out"
}

none=(); ks=(); bt=()
for _ in $(seq "$RUNS"); do
  none+=("$(loop_ns)")
  ks+=("$(traced_ns "$KSIGHT" trace "$COUNT_PROG")")
  bt+=("$(traced_ns "$BPFTRACE" -e "$COUNT_PROG")")
done
NONE=$(printf '%s\n' "${none[@]}" | median)
KS=$(printf '%s\n' "${ks[@]}" | median)
BT=$(printf '%s\n' "${bt[@]}" | median)

print_first
echo "getppid ns/call (median of $RUNS x $CALLS):  none ${NONE}  ksight ${KS}  bpftrace ${BT}"
KS_ADD=$(echo "$KS - $NONE" | bc); BT_ADD=$(echo "$BT - $NONE" | bc)
echo "  added ns/syscall: ksight ${KS_ADD}  bpftrace ${BT_ADD}"
echo "  ratio ksight/bpftrace: $(echo "scale=3; $KS_ADD / $BT_ADD" | bc)   (target <= 0.6)"
