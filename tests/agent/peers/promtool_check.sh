#!/usr/bin/env bash
# Peer: Prometheus' own linter accepts the agent's /metrics exposition.
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root"; exit 0; fi
start_agent
# Let every source report at least once, then generate TCP traffic so the
# histograms and labelled series are populated.
curl -fsS -o /dev/null "http://127.0.0.1:$AGENT_PORT/metrics"
for series in ksight_tcp_connections_total ksight_syscalls_total ksight_syscall_duration_seconds_bucket \
    ksight_kmalloc_bytes_total; do
  wait_until 30 sh -c "curl -fs http://127.0.0.1:$AGENT_PORT/metrics | grep -q '^$series{'" ||
    { echo "no $series series" >&2; exit 1; }
done
curl -fsS "http://127.0.0.1:$AGENT_PORT/metrics" > "$WORK/metrics.txt"
echo "scraped $(grep -vc '^#' "$WORK/metrics.txt") series"
promtool check metrics < "$WORK/metrics.txt"
for family in ksight_syscalls_total ksight_syscall_duration_seconds ksight_events_total \
    ksight_events_lost_total ksight_build_info process_cpu_seconds_total \
    process_resident_memory_bytes ksight_tcp_connections_total ksight_kmalloc_bytes_total; do
  grep -q "^# TYPE $family " "$WORK/metrics.txt" || { echo "missing $family" >&2; exit 1; }
done
echo "promtool check metrics: OK"
