#!/usr/bin/env bash
# Cost of a function span (issue 7) on the traced thread: tests/otel/
# workloads/funcspan_loop.c calls a noinline function N times and reports
# ns per call. Rounds alternate: no agent, `ksight agent
# --http-function-span <loop>:ksight_traced` (uprobe + uretprobe, one span
# record per call; spans built, not exported) and, when installed, the peer
# bpftrace counting the same uprobe + uretprobe. Medians and ratios.
# Usage: bench/funcspan_cost.sh <build dir> [N calls, default 1000000] [rounds, default 5] (root)
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
rounds=${3:-5}
ksight=$build/ksight
loop=$build/tests/otel/ksight_funcspan_loop
[ -x "$ksight" ] && [ -x "$loop" ] || { echo "build ksight and ksight_funcspan_loop first"; exit 1; }
loop=$(realpath "$loop")
tmp=$(mktemp -d)
agent=
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

ns_of() { sed -n 's/.*(\([0-9.]*\) ns each).*/\1/p'; }
base() { "$loop" "$n" | ns_of; }
with() {
  "$ksight" agent --listen 127.0.0.1:0 --sources.syscalls=false --sources.kmem=false \
    --sources.net=false --profiler.enabled=false --security.enabled=false \
    --http-function-span "$loop:ksight_traced" >/dev/null 2>"$tmp/err" &
  agent=$!
  for _ in $(seq 600); do grep -q "ksight agent running" "$tmp/err" && break; sleep 0.1; done
  grep -q "sources.function_spans attached" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  "$loop" "$n" | ns_of
  kill "$agent"; wait "$agent" 2>/dev/null || true; agent=
}
peer() {
  bpftrace -e "uprobe:$loop:ksight_traced { @e = count(); } uretprobe:$loop:ksight_traced { @r = count(); }" \
    >"$tmp/bt" 2>&1 &
  agent=$!
  for _ in $(seq 600); do grep -q "Attaching" "$tmp/bt" && break; sleep 0.1; done
  sleep 0.5  # bpftrace prints Attaching before its probes are in; no later signal exists
  "$loop" "$n" | ns_of
  kill -INT "$agent"; wait "$agent" 2>/dev/null || true; agent=
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$tmp/base"; : >"$tmp/with"; : >"$tmp/peer"
for round in $(seq "$rounds"); do
  b=$(base); w=$(with); p=-
  command -v bpftrace >/dev/null && p=$(peer) && echo "$p" >>"$tmp/peer"
  echo "round $round: ns/call without $b, with function spans $w, bpftrace uprobe+uretprobe $p"
  echo "$b" >>"$tmp/base"; echo "$w" >>"$tmp/with"
done
mb=$(median <"$tmp/base"); mw=$(median <"$tmp/with"); mp=$(median <"$tmp/peer")
echo "N=$n, $rounds rounds, median ns per call: without $mb, with function spans $mw, bpftrace $mp"
awk -v b="$mb" -v w="$mw" -v p="$mp" 'BEGIN {
  printf "function spans +%.0f ns per traced call", w - b
  if (p != "") printf "; vs bpftrace counting the same probes %.2fx", w / p
  printf "\n" }'
