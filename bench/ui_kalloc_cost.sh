#!/usr/bin/env bash
# Cost of the kernel allocation profiler (issue 8) on an allocation-heavy
# program: 300 000 pipe2()+close() pairs (each pipe ~9 kmalloc/kmem_cache
# allocations), timed without and with `ksight kallocs` recording every
# process (sampled by bytes, 256 KiB by default), alternating runs in one
# session; prints kallocs' sample and loss line of each round.
# Usage: bench/ui_kalloc_cost.sh <build dir> [kallocs options, e.g. --sample-bytes 4KiB]   (root)
set -euo pipefail
build=${1:-build}
shift || true
ksight=$build/ksight
tmp=$(mktemp -d)
trap 'kill $prof 2>/dev/null || true; rm -rf "$tmp"' EXIT
cat > "$tmp/storm.c" <<'C'
#include <unistd.h>
int main(void) {
  int fds[2];
  for (int i = 0; i < 300000; ++i) {
    if (pipe(fds)) return 1;
    close(fds[0]);
    close(fds[1]);
  }
  return 0;
}
C
cc -O2 -o "$tmp/storm" "$tmp/storm.c"
run() { /usr/bin/time -f %e "$tmp/storm" 2>&1; }
prof=
for round in 1 2 3; do
  base=$(run)
  "$ksight" kallocs --duration 30s -o "$tmp/k.pb.gz" "$@" 2>"$tmp/err" &
  prof=$!
  sleep 2
  with=$(run)
  kill -INT $prof 2>/dev/null || true
  wait $prof 2>/dev/null || true
  prof=
  echo "round $round: without ${base}s, with kallocs ${with}s ($(grep -h '^samples' "$tmp/err" || true))"
done
