#!/usr/bin/env bash
# Peer: Prometheus' own linter accepts the agent's /metrics exposition.
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root"; exit 0; fi
start_agent --http

# Text that is not UTF-8 where the agent turns it into labels: a process
# whose name is raw bytes (its executable's file name: exec sets comm from
# it) making syscalls, and an HTTP request whose path is raw bytes.
# Prometheus refuses a whole scrape over one such label value; the agent
# must print U+FFFD instead.
BADNAME="$WORK/ksight"$'\xff\xfe'"utf"
ln -s /bin/sh "$BADNAME"
"$BADNAME" -c 'while :; do : < /dev/null; done' &
BADNAME_PID=$!
HTTP_PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 "$HTTP_PORT" --directory "$WORK" >/dev/null 2>&1 &
HTTP_PID=$!
trap 'kill "$BADNAME_PID" "$HTTP_PID" 2>/dev/null || true; cleanup' EXIT
wait_until 20 python3 -c "import socket; socket.create_connection(('127.0.0.1', $HTTP_PORT)).close()" 2>/dev/null
python3 - "$HTTP_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /caf\xe9/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(4096):
    pass
PY
FFFD=$'\xef\xbf\xbd'
for series in "ksight_syscalls_total{syscall=\"[a-z_0-9]*\",comm=\"ksight${FFFD}${FFFD}utf\"" \
    "http_requests_total{method=\"GET\",path=\"/caf${FFFD}/${FFFD}\""; do
  wait_until 30 sh -c "curl -fs http://127.0.0.1:$AGENT_PORT/metrics | grep -q '$series'" ||
    { echo "no series matching $series" >&2; curl -fs "http://127.0.0.1:$AGENT_PORT/metrics" | grep -a 'ksight.*utf\|caf' >&2; exit 1; }
done
kill "$BADNAME_PID" "$HTTP_PID" 2>/dev/null || true
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
