#!/usr/bin/env bash
# Issue 8 benchmark: the agent's CPU and memory with every profile type on
# (CPU + off-CPU + kernel allocations + user allocations of the python3
# process of the load) against the agent with only CPU profiling, on a
# busy machine (two CPU-bound hogs + a file and socket workload), rounds
# alternating baseline / all so both see the same noise. Per configuration:
# medians over the rounds of agent CPU (s per minute, % of one core) and RSS
# (max, end), and the ratio all/baseline; then the UI query latency of a
# 1-hour range on the live agent (/api/v1/profile, cpu and offcpu) and the
# synthetic 1-hour store query of bench/ui_bench (if built).
#
# Usage: sudo bench/agent_all_profiles.sh [seconds per round, default 600] [rounds per config, default 2]
#        KSIGHT_BUILD_DIR=build-agent (default build), ALL_FLAGS (see below),
#        ONLY=base|all: one configuration per run, so that each run can take
#        the machine-wide benchmark lock for at most one round's time
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-600}
ROUNDS=${2:-2}
WARMUP=${WARMUP:-5}
BUILD=${KSIGHT_BUILD_DIR:-build}
KSIGHT=$BUILD/ksight
HOG=$BUILD/tests/workloads/ksight_cpu_hog
TICK=$(getconf CLK_TCK)
. bench/lib/busy_load.sh
bench_init "$KSIGHT" "$HOG"

total=$(((DURATION + WARMUP + 15) * ROUNDS * 2 + 120))
start_busy_load "$total" "$HOG" "$WORK"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# (Not `agent --help | grep -q`: with pipefail, grep closing the pipe early
# fails the whole test.)
AGENT_HELP=$("$KSIGHT" agent --help 2>&1 || true)
ALL_ARGS=(--profiler.offcpu=true --profiler.kalloc=true)
TYPES=(cpu offcpu kalloc)
# User allocations of one workload process: the python3 TCP loop.
if grep -q -- '--profiler.ualloc_pids' <<<"$AGENT_HELP"; then
  ALL_ARGS+=(--profiler.ualloc_pids="$BUSY_PY_PID")
  TYPES+=(ualloc)
fi
# ALL_FLAGS="--profiler.offcpu=true": compare CPU profiling with just these
# flags instead (e.g. to price one type alone).
if [ -n "${ALL_FLAGS:-}" ]; then
  read -r -a ALL_ARGS <<<"$ALL_FLAGS"
  TYPES=(cpu offcpu)
fi
BASE_ARGS=(--profiler.offcpu=false --profiler.kalloc=false)
# The security feed (alerts on stdout) is not what is measured here.
COMMON_ARGS=()
if grep -q -- '--security.enabled ' <<<"$AGENT_HELP"; then COMMON_ARGS+=(--security.enabled=false); fi

# One round: prints "cpu_s rss_max_kb rss_end_kb"; for "all" also leaves
# the query latencies in $WORK/latency.
round() {
  local config=$1
  shift
  local port
  port=$(free_port)
  "$KSIGHT" --log-level warn agent --listen "127.0.0.1:$port" "${COMMON_ARGS[@]}" "$@" \
    >/dev/null 2>"$WORK/agent-$config.log" &
  local pid=$!
  local deadline=$((SECONDS + 30))
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "agent ($config) not ready:" >&2
      cat "$WORK/agent-$config.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  sleep "$WARMUP"  # BPF load, first /proc scan: not what runs for hours
  local c0 c1 rss max=0 curve="$config: RssAnon MB at 0s $(($(rss_anon_kb "$pid") / 1024))"
  c0=$(cpu_ticks "$pid")
  for i in $(seq "$DURATION"); do
    sleep 1
    rss=$(rss_kb "$pid")
    [ "$rss" -gt "$max" ] && max=$rss
    if [ $((i % 60)) -eq 0 ] || [ "$i" -eq "$DURATION" ]; then
      curve+=", ${i}s $(($(rss_anon_kb "$pid") / 1024))"
    fi
  done
  echo "$curve" >>"$WORK/curves"
  c1=$(cpu_ticks "$pid")
  if [ "$config" = all ]; then
    local now from
    now=$(date +%s%N)
    from=$((now - 3600 * 1000000000))
    for type in "${TYPES[@]}"; do
      for _ in 1 2 3 4 5; do
        curl -s -o /dev/null -w '%{time_total}\n' -G "http://127.0.0.1:$port/api/v1/profile" \
          --data-urlencode "selector={type=\"$type\"}" --data-urlencode "from=$from" \
          --data-urlencode "to=$now"
      done | sort -n | awk -v t="$type" '{v[NR]=$1} END {print t, v[int((NR+1)/2)]}' >>"$WORK/latency"
    done
    curl -s "http://127.0.0.1:$port/metrics" | grep -E '^ksight_events_lost_total|^ksight_(kalloc|ualloc)_lost_total|^ksight_ualloc_(processes|attach_total)|^ksight_symbolizer_cache|^ksight_profile_store_(windows|bytes)|^ksight_heap_bytes' \
      >"$WORK/metrics-last" || true
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$(awk -v a="$c0" -v b="$c1" -v t="$TICK" 'BEGIN{printf "%.3f", (b - a) / t}') $max $rss"
}

: >"$WORK/base"
: >"$WORK/all"
: >"$WORK/latency"
: >"$WORK/curves"
: >"$WORK/metrics-last"
ONLY=${ONLY:-}
for r in $(seq "$ROUNDS"); do
  if [ "$ONLY" != all ]; then
    echo "round $r/$ROUNDS: cpu only (${DURATION}s)" >&2
    round base "${BASE_ARGS[@]}" >>"$WORK/base"
  fi
  if [ "$ONLY" != base ]; then
    echo "round $r/$ROUNDS: all profile types (${DURATION}s)" >&2
    round all "${ALL_ARGS[@]}" >>"$WORK/all"
  fi
done

median() { sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$1" | median; }

echo
echo "agent with every profile type vs CPU profiling only; ${ROUNDS} alternating rounds of ${DURATION}s each, medians"
echo "load: 2x ksight_cpu_hog + file write/read/delete loop + loopback TCP connect/echo loop; all: ${ALL_ARGS[*]}"
printf '%-10s %12s %12s %12s %12s %12s\n' config "cpu s" "cpu s/min" "% of core" "max RSS MB" "end RSS MB"
for config in base all; do
  [ -s "$WORK/$config" ] || continue
  cpu=$(col "$WORK/$config" 1)
  printf '%-10s %12.3f %12.3f %12.2f %12.1f %12.1f\n' "$config" "$cpu" \
    "$(awk -v c="$cpu" -v d="$DURATION" 'BEGIN{print c * 60 / d}')" \
    "$(awk -v c="$cpu" -v d="$DURATION" 'BEGIN{print 100 * c / d}')" \
    "$(awk -v k="$(col "$WORK/$config" 2)" 'BEGIN{print k / 1024}')" \
    "$(awk -v k="$(col "$WORK/$config" 3)" 'BEGIN{print k / 1024}')"
done
ratio() { awk -v a="$(col "$WORK/all" "$1")" -v b="$(col "$WORK/base" "$1")" 'BEGIN{ if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
if [ -s "$WORK/base" ] && [ -s "$WORK/all" ]; then
  echo "ratio all/base: cpu $(ratio 1), max RSS $(ratio 2), end RSS $(ratio 3)"
fi
echo "per round (cpu_s max_rss_kb end_rss_kb): base: $(tr '\n' ';' <"$WORK/base") all: $(tr '\n' ';' <"$WORK/all")"
echo "RssAnon over each round (after the ${WARMUP}s warm-up):"
sed 's/^/  /' "$WORK/curves"
echo
echo "UI query of a 1-hour range on the live agent (/api/v1/profile, median of 5, seconds; the range holds the last round's windows):"
sort "$WORK/latency" | awk '{l[$1] = l[$1] " " $2} END {for (t in l) print "  " t ":" l[t]}'
if [ -s "$WORK/metrics-last" ]; then
  echo "last round's losses and store size:"
  sed 's/^/  /' "$WORK/metrics-last"
fi
if [ -x "$BUILD/bench/ui_bench" ]; then
  echo
  echo "synthetic store, 1 hour of 10 s windows (bench/ui_bench):"
  "$BUILD/bench/ui_bench" --benchmark_min_time=0.5 2>/dev/null | grep -E 'Benchmark|OneHour|1h|Hour' || true
fi
