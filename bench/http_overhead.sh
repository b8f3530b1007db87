#!/usr/bin/env bash
# Issue 7 benchmark: what HTTP spans cost a loaded web server. wrk drives
# nginx on loopback for a fixed time, alternating in one run between no agent
# and `ksight agent --http --otlp-endpoint` (spans exported by gRPC to a
# counting receiver; the agent's other sources off, so the figure is the
# HTTP capture's own). Prints requests/s per round, the mean ratio
# (agent / none; the target is >= 0.95) and the agent's CPU per 1,000
# requests (utime+stime from /proc).
#
# Placements (PLACEMENT=unpinned|pinned|both, default both):
#   unpinned  everything shares every CPU (the worst case on a 2-core VM:
#             the agent and the sink take cycles from nginx and wrk)
#   pinned    nginx + wrk on CPU0, agent + sink on CPU1 (taskset), as on a
#             real node where the agent does not share the server's core; the
#             BPF hooks still run on CPU0, in nginx's and wrk's syscalls
# Options (environment):
#   WRK_ARGS    default "-t1 -c32"
#   AGENT_ARGS  default "--otlp-endpoint <sink>"; "--http" measures capture,
#               parsing and metrics without export
#   EXTRA       flags added to AGENT_ARGS, e.g. "--http-span-sample-ratio 0.1"
#               or "--otlp-compression none"
#   SINK_MODE   ack (default): the sink answers every export OK without
#               parsing it (tests/otel/otlp_sink.cpp --ack-only), so its CPU,
#               which on this 2-core VM is taken from nginx and wrk, stays
#               small; the agent's ksight_spans_exported_total is what it
#               acknowledged. parse: it decodes every request with the
#               official protos and counts the spans (a collector's work)
#   PERF=1      perf record -g the agent during the first agent round of each
#               placement; the top of the report goes to $PERF_DIR (/tmp).
#               PERF_CALLGRAPH=dwarf unwinds through libc's frame-pointer-less
#               malloc/memmove too (bigger data, a little more perturbation)
#   BPF_STATS=1 kernel.bpf_stats_enabled during agent rounds; prints the
#               mean ns per run of each http program (adds a little cost)
#   FLOOR=1     after each agent round, two more rounds that split the
#               kernel's share out (build/bench/http_hook_floor, on the
#               agent's CPUs): "empty" = empty programs on the same two
#               tracepoints (the dispatch alone); "capture" = the agent's own
#               BPF programs with a consumer that only counts the records
#               (the capture without any user-space work)
#   AGENT_WRAP  a command the agent runs under, e.g. "chrt -b 0" (SCHED_BATCH)
#   CALIBRATE=1 pinned only: also one round with a plain busy loop (no agent)
#               on the agent's CPUs, i.e. what any CPU use there costs the
#               server on this machine (vCPUs sharing a core)
# Usage: sudo bench/http_overhead.sh [seconds per round, default 10] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
ROUNDS=${2:-3}
BUILD=${KSIGHT_BUILD_DIR:-build}
KSIGHT=$BUILD/ksight
SINK=$BUILD/tests/otel/ksight_otlp_sink
FLOOR_BIN=$BUILD/bench/http_hook_floor
WRK_ARGS=${WRK_ARGS:--t1 -c32}
PLACEMENT=${PLACEMENT:-both}
PERF_DIR=${PERF_DIR:-/tmp}
WORK=$(mktemp -d)
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  [ "${BPF_STATS:-0}" = 1 ] && sysctl -q kernel.bpf_stats_enabled=0 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NGINX_PORT=$(free_port)
SINK_PORT=$(free_port)
AGENT_PORT=$(free_port)
AGENT_ARGS="${AGENT_ARGS:---otlp-endpoint 127.0.0.1:$SINK_PORT} ${EXTRA:-}"

mkdir -p "$WORK/logs" "$WORK/www"
echo "hello from nginx" > "$WORK/www/index.html"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    location /api/ { return 200 "ok\n"; }
  }
}
CONF
/usr/sbin/nginx -p "$WORK" -c "$WORK/nginx.conf"
SINK_MODE=${SINK_MODE:-ack}
case $SINK_MODE in
  ack) "$SINK" "$SINK_PORT" --ack-only > "$WORK/sink.log" & ;;
  parse) "$SINK" "$SINK_PORT" > "$WORK/sink.log" & ;;
  *) echo "SINK_MODE must be ack or parse" >&2; exit 2 ;;
esac
SINK_PID=$!
sleep 1
NCPU=$(nproc)
ALL_CPUS="0-$((NCPU - 1))"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Every thread of nginx (master + worker) and of the sink onto a CPU list.
place() { # server_cpus agent_cpus
  local master
  master=$(cat "$WORK/nginx.pid")
  for pid in "$master" $(pgrep -P "$master" || true); do taskset -a -p -c "$1" "$pid" >/dev/null; done
  taskset -a -p -c "$2" "$SINK_PID" >/dev/null
}

# One wrk round on CPU list $1; prints "requests requests_per_second".
run_wrk() {
  taskset -c "$1" wrk $WRK_ARGS -d "${SECS}s" "http://127.0.0.1:$NGINX_PORT/api/items/42" > "$WORK/wrk.txt"
  local reqs rps
  reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
  echo "$reqs $rps"
}

# Mean ns per run of each http program (bpf_stats), from bpftool's JSON.
bpf_prog_costs() {
  bpftool prog show -j | python3 -c '
import json, sys
progs = [p for p in json.load(sys.stdin) if p.get("run_cnt") and
         (p.get("name", "").startswith(("enter_", "exit_", "sock_state", "sock_recv", "sock_send")))]
print("       bpf ns/run: " + ", ".join("%s %.0f (%d runs)" % (p["name"], p["run_time_ns"] / p["run_cnt"], p["run_cnt"])
      for p in sorted(progs, key=lambda p: -p["run_cnt"])[:10]))'
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# One wrk round with `http_hook_floor $1` attached on CPU list $2; prints
# "requests requests_per_second".
run_floor() {
  taskset -c "$2" "$FLOOR_BIN" "$1" > "$WORK/floor.out" &
  local floor=$!
  while ! grep -q attached "$WORK/floor.out"; do
    kill -0 "$floor" 2>/dev/null || { echo "http_hook_floor $1 failed" >&2; exit 1; }
    sleep 0.1
  done
  run_wrk "$3"
  kill -INT "$floor"; wait "$floor" || true
}

HZ=$(getconf CLK_TCK)
SUMMARY=()
run_placement() { # name server_cpus agent_cpus
  local name=$1 server_cpus=$2 agent_cpus=$3
  place "$server_cpus" "$agent_cpus"
  echo "== placement $name: nginx + wrk on CPUs $server_cpus, agent + sink on CPUs $agent_cpus"
  printf '%-6s %-8s %14s %12s %18s\n' round mode "requests/s" requests "agent ms/1k req"
  local none_sum=0 agent_sum=0 cpu_sum=0 sink_sum=0 req_sum=0 reqs rps
  local NONE_RPS=() AGENT_RPS=() RATIOS=() EMPTY_RATIOS=() CAPTURE_RATIOS=()
  for round in $(seq "$ROUNDS"); do
    read -r reqs rps < <(run_wrk "$server_cpus")
    printf '%-6s %-8s %14s %12s %18s\n' "$round" none "$rps" "$reqs" -
    none_sum=$(awk -v a="$none_sum" -v b="$rps" 'BEGIN{print a + b}')
    NONE_RPS+=("$rps")

    taskset -c "$agent_cpus" ${AGENT_WRAP:-} "$KSIGHT" --log-level warn agent --listen "127.0.0.1:$AGENT_PORT" \
      --sources.syscalls=false --sources.kmem=false --sources.net=false --sources.process=false \
      --security.enabled=false --profiler.enabled=false $AGENT_ARGS 2> "$WORK/agent.log" &
    agent=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$AGENT_PORT/readyz" >/dev/null && break; sleep 0.2; done
    [ "${BPF_STATS:-0}" = 1 ] && sysctl -q kernel.bpf_stats_enabled=1
    local perf_pid=
    if [ "${PERF:-0}" = 1 ] && [ "$round" = 1 ]; then
      perf record -q -e cpu-clock -F 999 --call-graph "${PERF_CALLGRAPH:-fp}" -p "$agent" -o "$PERF_DIR/http_overhead_$name.perf.data" -- sleep "$SECS" 2>/dev/null &
      perf_pid=$!
    fi
    before=$(cpu_ticks "$agent")
    sink_before=$(cpu_ticks "$SINK_PID")
    read -r reqs rps < <(run_wrk "$server_cpus")
    sleep 1.5  # the agent drains what the last second captured
    after=$(cpu_ticks "$agent")
    sink_ticks=$(($(cpu_ticks "$SINK_PID") - sink_before))
    [ "${BPF_STATS:-0}" = 1 ] && { bpf_prog_costs; sysctl -q kernel.bpf_stats_enabled=0; }
    if [ -n "$perf_pid" ]; then
      wait "$perf_pid" || true
      perf report -i "$PERF_DIR/http_overhead_$name.perf.data" --no-children --percent-limit 0.7 --stdio -g none \
        > "$PERF_DIR/http_overhead_perf_$name.txt" 2>/dev/null || true
      echo "       perf report: $PERF_DIR/http_overhead_perf_$name.txt"
    fi
    curl -s "http://127.0.0.1:$AGENT_PORT/metrics" > "$WORK/metrics.txt" || true
    kill -TERM "$agent"; wait "$agent" || true
    # Losses, so a fast but lossy agent cannot pass for a cheap one.
    awk '/^ksight_events_lost_total\{source="http"\}/ {printf "       ring-buffer lost %s", $2}
         /^ksight_events_total\{source="http"\}/ {printf "       payloads %s", $2}
         /^ksight_spans_dropped_total/ {printf "       spans dropped %s %s", $1, $2}
         /^ksight_spans_exported_total/ {printf "       spans exported %s", $2}
         /^ksight_spans_sampled_out_total/ {printf "       spans sampled out %s", $2}
         END {print ""}' "$WORK/metrics.txt"
    ms=$(awk -v t=$((after - before)) -v hz="$HZ" -v r="$reqs" 'BEGIN{printf "%.3f", t / hz * 1000 / (r / 1000)}')
    printf '%-6s %-8s %14s %12s %18s\n' "$round" agent "$rps" "$reqs" "$ms"
    agent_sum=$(awk -v a="$agent_sum" -v b="$rps" 'BEGIN{print a + b}')
    AGENT_RPS+=("$rps")
    cpu_sum=$(awk -v a="$cpu_sum" -v t=$((after - before)) -v hz="$HZ" 'BEGIN{print a + t / hz}')
    sink_sum=$(awk -v a="$sink_sum" -v t="$sink_ticks" -v hz="$HZ" 'BEGIN{print a + t / hz}')
    req_sum=$((req_sum + reqs))
    if [ "${FLOOR:-0}" = 1 ]; then
      local mode
      for mode in empty capture; do
        run_floor "$mode" "$agent_cpus" "$server_cpus" > "$WORK/floor_round.txt"
        read -r reqs rps < "$WORK/floor_round.txt"
        printf '%-6s %-8s %14s %12s %18s   %s\n' "$round" "$mode" "$rps" "$reqs" - "$(tail -n 1 "$WORK/floor.out")"
        local ratio
        ratio=$(awk -v a="$rps" -v n="${NONE_RPS[-1]}" 'BEGIN{printf "%.3f", a / n}')
        if [ "$mode" = empty ]; then EMPTY_RATIOS+=("$ratio"); else CAPTURE_RATIOS+=("$ratio"); fi
      done
    fi
  done
  # Medians, and the median of each round's own ratio (agent / the none
  # round just before it): the baseline moves with the machine's other load.
  for i in "${!NONE_RPS[@]}"; do
    RATIOS+=("$(awk -v a="${AGENT_RPS[$i]}" -v n="${NONE_RPS[$i]}" 'BEGIN{printf "%.3f", a / n}')")
  done
  local line
  line=$(awk -v n="$none_sum" -v a="$agent_sum" -v r="$ROUNDS" -v c="$cpu_sum" -v q="$req_sum" -v k="$sink_sum" 'BEGIN{
    printf "mean requests/s none %.0f, agent %.0f, ratio %.3f; agent CPU %.2f s for %d requests = %.3f ms per 1,000 requests (the OTLP sink: %.3f)",
      n / r, a / r, a / n, c, q, c * 1000 / (q / 1000), k * 1000 / (q / 1000) }')
  line="$name: $line; median none $(median "${NONE_RPS[@]}"), agent $(median "${AGENT_RPS[@]}"); per-round ratios ${RATIOS[*]}, median $(median "${RATIOS[@]}")"
  if [ "${FLOOR:-0}" = 1 ]; then
    line="$line; empty hooks: ratios ${EMPTY_RATIOS[*]}, median $(median "${EMPTY_RATIOS[@]}"); capture only: ratios ${CAPTURE_RATIOS[*]}, median $(median "${CAPTURE_RATIOS[@]}")"
  fi
  if [ "${CALIBRATE:-0}" = 1 ] && [ "$server_cpus" != "$agent_cpus" ]; then
    read -r reqs rps < <(run_wrk "$server_cpus")
    taskset -c "$agent_cpus" sh -c 'while :; do :; done' &
    local busy=$!
    local busy_reqs busy_rps
    read -r busy_reqs busy_rps < <(run_wrk "$server_cpus")
    kill "$busy"
    line="$line; calibration: idle agent CPUs $rps, a busy loop there $busy_rps requests/s"
  fi
  echo "$line"
  echo
  SUMMARY+=("$line")
}

if [ "$NCPU" -lt 2 ] && [ "$PLACEMENT" != unpinned ]; then
  echo "pinned placement needs 2 CPUs; running unpinned only" >&2
  PLACEMENT=unpinned
fi
case $PLACEMENT in
  unpinned) run_placement unpinned "$ALL_CPUS" "$ALL_CPUS" ;;
  pinned) run_placement pinned 0 "1-$((NCPU - 1))" ;;
  both)
    run_placement unpinned "$ALL_CPUS" "$ALL_CPUS"
    run_placement pinned 0 "1-$((NCPU - 1))"
    ;;
  *) echo "PLACEMENT must be unpinned, pinned or both" >&2; exit 2 ;;
esac
echo "agent args: $AGENT_ARGS; wrk $WRK_ARGS, ${SECS}s x $ROUNDS rounds; sink $SINK_MODE"
printf '%s\n' "${SUMMARY[@]}"
echo "the sink's last count: $(tail -n 1 "$WORK/sink.log")"
