#!/usr/bin/env bash
# Cost of slow syscall spans (issue 7, --http-slow-syscall) on a process the
# agent does NOT time: raw_syscalls sys_enter/sys_exit run for every syscall
# on the node, and for processes outside the `pids` map the cost is one hash
# lookup. A getppid(2) loop (compiled here) reports ns per syscall; rounds
# alternate no agent / `ksight agent --http` / the same plus
# `--http-slow-syscall 10ms`. Medians; the last two differ only by slowsys.
# Usage: bench/slowsys_cost.sh <build dir> [calls, default 2000000] [rounds, default 5] (root)
set -euo pipefail
build=${1:-build}
n=${2:-2000000}
rounds=${3:-5}
ksight=$build/ksight
[ -x "$ksight" ] || { echo "build ksight first"; exit 1; }
tmp=$(mktemp -d)
agent=
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cat >"$tmp/loop.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char** argv) {
  long n = atol(argv[1]);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; ++i) syscall(SYS_getppid);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
C
cc -O2 -o "$tmp/loop" "$tmp/loop.c"

run_with() {
  "$ksight" agent --listen 127.0.0.1:0 --sources.syscalls=false --sources.kmem=false \
    --sources.net=false --profiler.enabled=false --security.enabled=false "$@" \
    >/dev/null 2>"$tmp/err" &
  agent=$!
  for _ in $(seq 600); do grep -q "ksight agent running" "$tmp/err" && break; sleep 0.1; done
  "$tmp/loop" "$n"
  kill "$agent"; wait "$agent" 2>/dev/null || true; agent=
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$tmp/none"; : >"$tmp/http"; : >"$tmp/slow"
for round in $(seq "$rounds"); do
  a=$("$tmp/loop" "$n"); b=$(run_with --http); c=$(run_with --http --http-slow-syscall 10ms)
  echo "round $round: ns/getppid none $a, --http $b, --http --http-slow-syscall 10ms $c"
  echo "$a" >>"$tmp/none"; echo "$b" >>"$tmp/http"; echo "$c" >>"$tmp/slow"
done
ma=$(median <"$tmp/none"); mb=$(median <"$tmp/http"); mc=$(median <"$tmp/slow")
echo "N=$n, $rounds rounds, median ns per getppid: none $ma, --http $mb, + slow syscalls $mc"
awk -v a="$ma" -v b="$mb" -v c="$mc" 'BEGIN {
  printf "slow syscall hooks: +%.0f ns per syscall of an untimed process (%.2fx of --http alone)\n", c - b, c / b }'
