#!/usr/bin/env bash
# The agent's RssAnon over time under the busy load of bench/lib/busy_load.sh
# (issue 8: does memory stay flat once every cap is reached?). Every
# INTERVAL seconds prints: seconds, RssAnon MB, malloc's heap in use and
# free (ksight_heap_bytes), the store's windows and estimated bytes, the
# symbolizer's process snapshots and objects.
#
# Usage: sudo bench/agent_rss_curve.sh [seconds, default 300] [interval, default 15] [agent flags...]
#        KSIGHT=path/to/ksight (default build/ksight)
#        HEAPTRACK=out-prefix: run the agent under heaptrack, killed at the end
#        (SIGKILL, so what it still holds is reported as leaked)
# Run it under the machine-wide lock: flock /tmp/ksight-bench.lock bench/agent_rss_curve.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-300}
INTERVAL=${2:-15}
shift $(($# >= 2 ? 2 : $#))
KSIGHT=${KSIGHT:-build/ksight}
HOG=${HOG:-build/tests/workloads/ksight_cpu_hog}
. bench/lib/busy_load.sh
bench_init "$KSIGHT" "$HOG"
start_busy_load $((DURATION + 60)) "$HOG" "$WORK"

port=$(free_port)
agent=("$KSIGHT" --log-level warn agent --listen "127.0.0.1:$port" "$@")
if [ -n "${HEAPTRACK:-}" ]; then
  heaptrack -o "$HEAPTRACK" "${agent[@]}" >"$WORK/heaptrack.out" 2>&1 &
  wrapper=$!
else
  "${agent[@]}" >/dev/null 2>"$WORK/agent.log" &
fi
deadline=$((SECONDS + 60))
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
  [ $SECONDS -lt $deadline ] || { echo "agent not ready" >&2; cat "$WORK"/*.log "$WORK"/*.out >&2 || true; exit 1; }
  sleep 0.5
done
# The agent's own pid (under heaptrack it is the child of the wrapper).
pid=$(pgrep -n -f -- "agent --listen 127.0.0.1:$port" | head -1)
metric() { awk -v m="$1" '$1 == m {print $2}' "$WORK/metrics"; }
start=$SECONDS
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b / 1048576}'; }
echo "t_s rss_anon_mb heap_in_use_mb heap_free_mb store_windows store_mem_mb snapshots objects trim_s"
while [ $((SECONDS - start)) -lt "$DURATION" ]; do
  sleep "$INTERVAL"
  curl -s "http://127.0.0.1:$port/metrics" >"$WORK/metrics" || true
  printf '%d %s %s %s %s %s %s %s %s\n' $((SECONDS - start)) "$(mb $(($(rss_anon_kb "$pid") * 1024)))" \
    "$(mb "$(metric 'ksight_heap_bytes{state="in_use"}')")" "$(mb "$(metric 'ksight_heap_bytes{state="free"}')")" \
    "$(metric 'ksight_profile_store_windows{where="memory"}')" \
    "$(mb "$(metric 'ksight_profile_store_bytes{where="memory"}')")" \
    "$(metric 'ksight_symbolizer_cache{what="processes"}')" "$(metric 'ksight_symbolizer_cache{what="objects"}')" \
    "$(metric ksight_heap_trim_seconds_total)"
done
if [ -n "${HEAPTRACK:-}" ]; then
  kill -KILL "$pid"
  wait "$wrapper" || true
  cat "$WORK/heaptrack.out"
else
  kill -TERM "$pid"
  wait "$pid" || true
fi
