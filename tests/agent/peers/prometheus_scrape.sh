#!/usr/bin/env bash
# Peer: a real Prometheus server scrapes the agent, and PromQL through its
# HTTP API returns ksight series.
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root"; exit 0; fi
start_agent --sources.kmem=false
PROM_PORT=$(free_port)
cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: ksight
    static_configs:
      - targets: ["127.0.0.1:$AGENT_PORT"]
YAML
promtool check config "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

query() {
  curl -fsS --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"
}
has_result() {
  query "$1" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["status"]=="success" and d["data"]["result"] else 1)' 2>/dev/null
}

if ! wait_until 90 has_result 'up{job="ksight"} == 1'; then
  echo "Prometheus never saw the agent up" >&2
  tail -20 "$WORK/prometheus.log" >&2
  exit 1
fi
wait_until 60 has_result 'sum by (syscall) (rate(ksight_syscalls_total[5s])) > 0' || {
  echo "no ksight_syscalls_total rate" >&2; query 'ksight_syscalls_total' | head -c 500 >&2; exit 1; }
has_result 'ksight_build_info{version!=""}'
has_result 'histogram_quantile(0.99, sum by (le) (rate(ksight_syscall_duration_seconds_bucket[5s])))'
has_result 'ksight_events_lost_total{source="syscalls"}'
has_result 'process_resident_memory_bytes{job="ksight"}'
query 'topk(3, sum by (comm) (rate(ksight_syscalls_total[5s])))' | python3 -c '
import json, sys
d = json.load(sys.stdin)
for r in d["data"]["result"]:
    print("top syscall comm:", r["metric"].get("comm"), r["value"][1])'
echo "Prometheus scrape + PromQL: OK"
