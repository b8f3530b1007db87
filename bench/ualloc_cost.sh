#!/usr/bin/env bash
# Cost of the user allocation profiler (issue 8) on an allocation-heavy
# program: tests/workloads/malloc_churn.c does N malloc/free pairs of 16..1024
# bytes on one thread and reports its own time (attach and exit excluded):
# CPU time per pair (user + kernel, where the uprobes run; the machine is
# shared, so wall time also measures the neighbours) and wall time.
# Rounds alternate: no profiler, `ksight uallocs -c` at the default rate
# (512 KiB), at a dense rate (4 KiB); medians and ratios to the baseline.
# Usage: bench/ualloc_cost.sh <build dir> [N allocations, default 2000000] [rounds, default 5]
# (root). Every malloc and free traps into a uprobe whether sampled or not,
# so the cost is per call, not per sample: N stays small enough to finish.
set -euo pipefail
build=${1:-build}
n=${2:-2000000}
rounds=${3:-5}
ksight=$build/ksight
churn=$build/tests/workloads/ksight_malloc_churn
[ -x "$ksight" ] && [ -x "$churn" ] || { echo "build ksight and ksight_malloc_churn first"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# CPU ns per allocation as the program measured it (wall ns in $tmp/wall).
ns_of() { tee -a "$tmp/wall" | sed -n 's/.* \([0-9.]*\) ns CPU each).*/\1/p'; }
base() { "$churn" "$n" | ns_of; }
with() {
  "$ksight" uallocs --sample-bytes "$1" -o "$tmp/u.pb.gz" -c "$churn $n" 2>"$tmp/err" | ns_of
  grep -o 'lost: [0-9]*' "$tmp/err" | sed "s/^/  rate $1 /" >&2
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$tmp/base"; : >"$tmp/default"; : >"$tmp/dense"
for round in $(seq "$rounds"); do
  b=$(base); d=$(with 512KiB); s=$(with 4KiB)
  echo "round $round: CPU ns per malloc+free without $b, default rate $d, 4 KiB rate $s"
  echo "$b" >>"$tmp/base"; echo "$d" >>"$tmp/default"; echo "$s" >>"$tmp/dense"
done
mb=$(median <"$tmp/base"); md=$(median <"$tmp/default"); ms=$(median <"$tmp/dense")
echo "wall times:"; sed 's/^/  /' "$tmp/wall"
echo "N=$n, $rounds rounds, median CPU ns per malloc+free: without $mb, default $md, 4 KiB $ms"
awk -v b="$mb" -v d="$md" -v s="$ms" 'BEGIN {
  printf "ratio default/without %.1fx (+%.0f ns per call pair), 4KiB/without %.1fx (+%.0f ns)\n",
         d / b, d - b, s / b, s - b }'
