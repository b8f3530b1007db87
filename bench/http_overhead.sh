#!/usr/bin/env bash
# Issue 7 benchmark: what HTTP spans cost a loaded web server. wrk drives
# nginx on loopback for a fixed time, alternating in one run between no agent
# and `ksight agent --http --otlp-endpoint` (spans exported by gRPC to a
# counting receiver; the agent's other sources off, so the figure is the
# HTTP capture's own). Prints requests/s per round, the mean ratio
# (agent / none; the target is >= 0.95) and the agent's CPU per 1,000
# requests (utime+stime from /proc).
# Usage: sudo bench/http_overhead.sh [seconds per round, default 10] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
ROUNDS=${2:-3}
BUILD=${KSIGHT_BUILD_DIR:-build}
KSIGHT=$BUILD/ksight
SINK=$BUILD/tests/otel/ksight_otlp_sink
WRK_ARGS=${WRK_ARGS:--t2 -c32}
# AGENT_ARGS=--http measures capture + parsing + metrics without export.
WORK=$(mktemp -d)
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NGINX_PORT=$(free_port)
SINK_PORT=$(free_port)
AGENT_PORT=$(free_port)

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
"$SINK" "$SINK_PORT" > "$WORK/sink.log" &
sleep 1

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One wrk round; prints "requests requests_per_second".
run_wrk() {
  wrk $WRK_ARGS -d "${SECS}s" "http://127.0.0.1:$NGINX_PORT/api/items/42" > "$WORK/wrk.txt"
  local reqs rps
  reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
  echo "$reqs $rps"
}

HZ=$(getconf CLK_TCK)
printf '%-6s %-8s %14s %12s %18s\n' round mode "requests/s" requests "agent ms/1k req"
none_sum=0; agent_sum=0; cpu_sum=0; req_sum=0; NONE_RPS=(); AGENT_RPS=()
for round in $(seq "$ROUNDS"); do
  read -r reqs rps < <(run_wrk)
  printf '%-6s %-8s %14s %12s %18s\n' "$round" none "$rps" "$reqs" -
  none_sum=$(awk -v a="$none_sum" -v b="$rps" 'BEGIN{print a + b}')
  NONE_RPS+=("$rps")

  "$KSIGHT" --log-level warn agent --listen "127.0.0.1:$AGENT_PORT" \
    --sources.syscalls=false --sources.kmem=false --sources.net=false --sources.process=false \
    --profiler.enabled=false ${AGENT_ARGS:---otlp-endpoint 127.0.0.1:$SINK_PORT} 2> "$WORK/agent.log" &
  agent=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$AGENT_PORT/readyz" >/dev/null && break; sleep 0.2; done
  before=$(cpu_ticks "$agent")
  read -r reqs rps < <(run_wrk)
  sleep 1.5  # the agent drains what the last second captured
  after=$(cpu_ticks "$agent")
  curl -s "http://127.0.0.1:$AGENT_PORT/metrics" > "$WORK/metrics.txt" || true
  kill -TERM "$agent"; wait "$agent" || true
  # Losses, so a fast but lossy agent cannot pass for a cheap one.
  awk '/^ksight_events_lost_total\{source="http"\}/ {printf "       ring-buffer lost %s", $2}
       /^ksight_events_total\{source="http"\}/ {printf "       payloads %s", $2}
       /^ksight_spans_dropped_total/ {printf "       spans dropped %s %s", $1, $2}
       /^ksight_spans_exported_total/ {printf "       spans exported %s", $2}
       END {print ""}' "$WORK/metrics.txt"
  ms=$(awk -v t=$((after - before)) -v hz="$HZ" -v r="$reqs" 'BEGIN{printf "%.3f", t / hz * 1000 / (r / 1000)}')
  printf '%-6s %-8s %14s %12s %18s\n' "$round" agent "$rps" "$reqs" "$ms"
  agent_sum=$(awk -v a="$agent_sum" -v b="$rps" 'BEGIN{print a + b}')
  AGENT_RPS+=("$rps")
  cpu_sum=$(awk -v a="$cpu_sum" -v t=$((after - before)) -v hz="$HZ" 'BEGIN{print a + t / hz}')
  req_sum=$((req_sum + reqs))
done

echo
awk -v n="$none_sum" -v a="$agent_sum" -v r="$ROUNDS" 'BEGIN{
  printf "mean requests/s: none %.0f, agent %.0f, ratio %.3f (%.1f%% fewer)\n", n / r, a / r, a / n, (1 - a / n) * 100 }'
# Medians, and the median of each round's own ratio (agent / the none round
# just before it): the baseline moves with the machine's other load.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
RATIOS=()
for i in "${!NONE_RPS[@]}"; do
  RATIOS+=("$(awk -v a="${AGENT_RPS[$i]}" -v n="${NONE_RPS[$i]}" 'BEGIN{printf "%.3f", a / n}')")
done
echo "median requests/s: none $(median "${NONE_RPS[@]}"), agent $(median "${AGENT_RPS[@]}"); per-round ratios ${RATIOS[*]}, median $(median "${RATIOS[@]}")"
awk -v c="$cpu_sum" -v q="$req_sum" 'BEGIN{
  printf "agent CPU: %.2f s for %d requests = %.3f ms per 1,000 requests\n", c, q, c * 1000 / (q / 1000) }'
echo "spans received by the sink: $(tail -n 1 "$WORK/sink.log" | awk '{print $2}')"
