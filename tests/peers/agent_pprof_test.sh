#!/usr/bin/env bash
# Real peer: `go tool pprof` reads the agent's GET /debug/pprof/profile, fed
# by the continuous CPU profiler (2 s windows here), and names the hot
# function of a workload with a known stack.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "SKIPPED: needs root"; exit 0; }
work=$(mktemp -d)
export HOME=$work GOCACHE=$work/gocache GOPATH=$work/gopath PPROF_TMPDIR=$work
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GO111MODULE=off
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hog_bin="$KSIGHT_BINARY_DIR/tests/workloads/ksight_cpu_hog"
[ -x "$hog_bin" ] || { echo "FAIL: $hog_bin not built"; exit 1; }
"$hog_bin" 60 >/dev/null &
hog=$!
"$KSIGHT_BIN" agent --listen "127.0.0.1:$port" --profiler.window 2s >"$work/agent.log" 2>&1 &
agent=$!
trap 'kill $hog $agent 2>/dev/null; wait $agent 2>/dev/null; rm -rf "$work"' EXIT

# Poll until a window has closed (the endpoint answers 503 before), 30 s at most.
code=000
for _ in $(seq 60); do
  code=$(curl -s -o "$work/cpu.pb.gz" -w '%{http_code}' "http://127.0.0.1:$port/debug/pprof/profile?seconds=10" || true)
  [ "$code" = 200 ] && break
  kill -0 $agent 2>/dev/null || { cat "$work/agent.log"; exit 1; }
  sleep 0.5
done
[ "$code" = 200 ] || { echo "FAIL: /debug/pprof/profile answered $code"; cat "$work/agent.log"; exit 1; }

# Files, not pipes, into grep -q: it exits at the first match, and under
# pipefail the writer's SIGPIPE failed the test when a busy machine made
# the outputs large.
go tool pprof -top -nodecount=2000 "$work/cpu.pb.gz" >"$work/top.txt" 2>&1
head -12 "$work/top.txt"
grep -q 'Type: cpu' "$work/top.txt" || { echo "FAIL: not a cpu profile"; exit 1; }
grep -q 'hog_leaf' "$work/top.txt" || { echo "FAIL: hog_leaf missing from the agent's profile"; exit 1; }
# The UI page and its series API answer on the same listener.
curl -sf -o "$work/index.html" "http://127.0.0.1:$port/" || { echo "FAIL: GET / failed"; exit 1; }
grep -q '<html' "$work/index.html" || { echo "FAIL: no UI at /"; exit 1; }
curl -sf -o "$work/series.json" "http://127.0.0.1:$port/api/v1/series" || { echo "FAIL: GET /api/v1/series failed"; exit 1; }
grep -q 'ksight_cpu_hog' "$work/series.json" || { echo "FAIL: hog series missing"; exit 1; }
echo "PASS: go tool pprof read the agent's profile; UI serves the hog's series"
