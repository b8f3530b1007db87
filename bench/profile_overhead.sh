#!/usr/bin/env bash
# Issue 2 benchmark: the CPU cost of profiling the same CPU-bound workload at
# 99 Hz with ksight, `perf record -F 99 -a -g` (+ `perf report` to get
# symbols, as ksight does), and bpftrace `profile:hz:99 { @[kstack, ustack,
# comm] = count(); }`, in the same run. Prints each tool's own CPU seconds per
# minute of profiling and the ratio to ksight's, ksight's peak RSS, and the
# symbolizer's throughput (cold and warm cache).
# Usage: sudo bench/profile_overhead.sh [seconds per tool, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TOOL=${1:-20}
BUILD=${KSIGHT_BUILD_DIR:-build}
KSIGHT=$BUILD/ksight
HOG=$BUILD/tests/workloads/ksight_cpu_hog
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; kill $(jobs -p) 2>/dev/null || true' EXIT

# One hog per CPU for the whole run, so every tool sees the same busy machine.
for _ in $(seq "$(nproc)"); do "$HOG" $((SECONDS_PER_TOOL * 6 + 30)) >/dev/null & done

# Runs a command under GNU time; prints "user+sys maxrss_kb". (GNU time puts
# "Command exited with non-zero status" first when timeout stops a tool.)
measure() {
  /usr/bin/time -f "%U %S %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || true
  tail -n 1 "$WORK/time" | awk '{printf "%.3f %d\n", $1 + $2, $3}'
}

per_minute() { awk -v c="$1" -v s="$SECONDS_PER_TOOL" 'BEGIN{printf "%.3f", c * 60 / s}'; }

read -r ksight_cpu ksight_rss < <(measure "$KSIGHT" --log-level warn profile -a -F 99 \
  -d "${SECONDS_PER_TOOL}s" -o "$WORK/ksight.pb.gz")
read -r perf_rec_cpu perf_rss < <(measure perf record -F 99 -a -g -o "$WORK/perf.data" -- \
  sleep "$SECONDS_PER_TOOL")
read -r perf_rep_cpu _ < <(measure perf report -i "$WORK/perf.data" --stdio --no-children)
read -r bpftrace_cpu bpftrace_rss < <(measure timeout -s INT "$SECONDS_PER_TOOL" bpftrace -e \
  'profile:hz:99 { @[kstack, ustack, comm] = count(); }')

perf_cpu=$(awk -v a="$perf_rec_cpu" -v b="$perf_rep_cpu" 'BEGIN{printf "%.3f", a + b}')
ratio() { awk -v t="$1" -v k="$ksight_cpu" 'BEGIN{ if (k > 0) printf "%.2fx", t / k; else print "n/a" }'; }

printf '\n%-28s %12s %14s %12s %10s\n' tool "cpu s" "cpu s/min" "vs ksight" "max RSS"
printf '%-28s %12s %14s %12s %8sMB\n' "ksight profile" "$ksight_cpu" "$(per_minute "$ksight_cpu")" 1.00x $((ksight_rss / 1024))
printf '%-28s %12s %14s %12s %8sMB\n' "perf record -g" "$perf_rec_cpu" "$(per_minute "$perf_rec_cpu")" "$(ratio "$perf_rec_cpu")" $((perf_rss / 1024))
printf '%-28s %12s %14s %12s %10s\n' "perf record + report" "$perf_cpu" "$(per_minute "$perf_cpu")" "$(ratio "$perf_cpu")" -
printf '%-28s %12s %14s %12s %8sMB\n' "bpftrace profile:hz:99" "$bpftrace_cpu" "$(per_minute "$bpftrace_cpu")" "$(ratio "$bpftrace_cpu")" $((bpftrace_rss / 1024))

if [ -x "$BUILD/bench/symbolizer_bench" ]; then
  echo
  echo "symbolizer throughput (items_per_second = addresses/s):"
  "$BUILD/bench/symbolizer_bench" --benchmark_min_time=0.5 2>/dev/null | grep -E 'Cold|Warm|cold|warm|Benchmark'
fi
