#!/usr/bin/env bash
# Issue 4 benchmark: user stacks of code without frame pointers, in one run on
# the same two busy CPUs (Debian's python3 busy loop + ksight_cpu_hog_nofp):
#   perf record --call-graph dwarf + perf script (the same design, perf's code)
#   ksight profile --unwind dwarf
#   ksight profile --unwind fp (frame pointers only, the old path)
# For each: share of samples whose user stack reaches main (main,
# __libc_start_call_main or __libc_start_main), average user depth, CPU per
# sample on the user side, kernel-side cost per sample (BPF run time from
# kernel.bpf_stats_enabled), tool CPU at 19 Hz and 99 Hz, and the memory held
# for unwinding (RSS over fp-only, per 100 MB of mapped binaries). Ratios
# against perf and against fp-only at the end.
# Usage: sudo bench/unwind_vs_perf.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
BUILD=${KSIGHT_BUILD_DIR:-build}
KSIGHT=$BUILD/ksight
HOG=$BUILD/tests/workloads/ksight_cpu_hog_nofp
PY=/usr/bin/python3
WORK=$(mktemp -d)
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

total=$((SECS * 30 + 120))
"$PY" -c "import time
t = time.time() + $total
while time.time() < t:
    sum(i * i for i in range(1000))" &
py_pid=$!
"$HOG" "$total" >/dev/null &
hog_pid=$!
pids=("$py_pid" "$hog_pid")
sleep 1

# Bytes of the distinct files mapped executable by the two workloads.
mapped_bytes=$(for p in "${pids[@]}"; do awk '$2 ~ /x/ && $6 ~ /^\// {print $6}' /proc/$p/maps; done |
  sort -u | xargs stat -L -c %s | awk '{s += $1} END {print s}')

measure() {  # cmd... -> "cpu_seconds maxrss_kb"
  /usr/bin/time -f "%U %S %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || true
  awk '{printf "%.3f %d\n", $1 + $2, $3}' "$WORK/time"
}

# Folded stacks -> "samples reach_share avg_user_depth".
folded_stats() {
  awk '{
    n = $NF; line = $0; sub(/ [0-9]+$/, "", line);
    k = split(line, f, ";"); depth = 0; main = 0;
    for (i = 2; i <= k; i++) {
      if (f[i] ~ /_\[k\]$/) continue;
      depth++;
      if (f[i] == "main" || f[i] == "__libc_start_call_main" || f[i] == "__libc_start_main") main = 1;
    }
    s += n; m += main * n; d += depth * n;
  } END { if (s == 0) s = 1; printf "%d %.3f %.1f\n", s, m / s, d / s }' "$1"
}

# perf script (no inline expansion) -> "samples reach_share avg_user_depth".
perf_stats() {
  awk '
    /^[^\t]/ { if (in_s) flush(); in_s = 1; depth = 0; main = 0; next }
    /^\t/ {
      if ($0 ~ /kernel\.kallsyms|\[unknown\] \(\[unknown\]\)/) next;
      depth++; sym = $2;
      if (sym ~ /^(main|__libc_start_call_main|__libc_start_main[a-z_]*)\+/) main = 1;
      next
    }
    /^$/ { if (in_s) flush(); in_s = 0 }
    function flush() { s++; m += main; d += depth; in_s = 0 }
    END { if (in_s) flush(); if (s == 0) s = 1; printf "%d %.3f %.1f\n", s, m / s, d / s }' "$1"
}

bpf_stats_on() { sysctl -q -w kernel.bpf_stats_enabled=1 || true; }
# BPF ns per run of the sampler, read while ksight runs.
bpf_ns_per_sample() {
  sleep "$((SECS - 1))"
  bpftool prog show name on_cpu_sample --json 2>/dev/null |
    awk -F'[,:}]' '{for (i = 1; i <= NF; i++) { if ($i ~ /"run_time_ns"/) t = $(i+1); if ($i ~ /"run_cnt"/) c = $(i+1) }}
      END { if (c > 0) printf "%.0f\n", t / c; else print "n/a" }'
}

pid_args=(--pid "$py_pid" --pid "$hog_pid")
bpf_stats_on

run_ksight() {  # mode hz -> sets K_CPU K_RSS K_STATS K_BPFNS K_US
  bpf_ns_per_sample >"$WORK/bpfns" &
  local waiter=$!
  read -r K_CPU K_RSS < <(measure "$KSIGHT" --log-level warn profile "${pid_args[@]}" -F "$2" \
    --unwind "$1" -d "${SECS}s" -o "$WORK/k-$1-$2.folded")
  wait "$waiter" || true
  K_BPFNS=$(cat "$WORK/bpfns")
  K_STATS=$(folded_stats "$WORK/k-$1-$2.folded")
  K_US=$(grep -o '[0-9.]* us/unwind' "$WORK/stderr" | awk '{print $1}' || true)
  K_US=${K_US:-0}
  cp "$WORK/stderr" "$WORK/unwind-$1$2"
  grep -h "unwind\|samples" "$WORK/stderr" | sed "s/^/    [$1 $2 Hz] /" >&2 || true
}

declare -A cpu rss stats bpfns us pdata
for hz in 99 19; do
  for mode in dwarf fp; do
    run_ksight "$mode" "$hz"
    cpu[$mode$hz]=$K_CPU rss[$mode$hz]=$K_RSS stats[$mode$hz]=$K_STATS bpfns[$mode$hz]=$K_BPFNS us[$mode$hz]=$K_US
  done
  read -r prec_cpu prec_rss < <(measure perf record -q -F "$hz" --call-graph dwarf,16384 \
    -p "$py_pid,$hog_pid" -o "$WORK/perf$hz.data" -- sleep "$SECS")
  read -r pscript_cpu pscript_rss < <(measure sh -c \
    "perf script --no-inline -i $WORK/perf$hz.data > $WORK/perf$hz.txt")
  cpu[perf$hz]=$(awk -v a="$prec_cpu" -v b="$pscript_cpu" 'BEGIN{printf "%.3f", a + b}')
  cpu[perfscript$hz]=$pscript_cpu
  rss[perf$hz]=$(( prec_rss > pscript_rss ? prec_rss : pscript_rss ))
  stats[perf$hz]=$(perf_stats "$WORK/perf$hz.txt")
  pdata[$hz]=$(stat -c %s "$WORK/perf$hz.data")
done

row() {  # label key
  read -r n share depth <<<"${stats[$2]}"
  local per_sample_us
  per_sample_us=$(awk -v c="${cpu[$2]}" -v n="$n" 'BEGIN{ if (n > 0) printf "%.1f", c * 1e6 / n; else print "n/a" }')
  printf '%-30s %8s %8.1f%% %7s %10s %12s %10s %9sMB\n' "$1" "$n" "$(awk -v s="$share" 'BEGIN{print s*100}')" \
    "$depth" "${cpu[$2]}" "$per_sample_us" "${3:-}" $(( ${rss[$2]} / 1024 ))
}

echo
echo "workloads: python3 busy loop (pid $py_pid) + ksight_cpu_hog_nofp (pid $hog_pid), ${SECS}s per run"
echo "mapped executable files: $((mapped_bytes / 1048576)) MB"
for hz in 99 19; do
  echo
  printf '%-30s %8s %9s %7s %10s %12s %10s %11s\n' "at $hz Hz" samples "→main" depth "cpu s" "us/sample" "bpf ns" "max RSS"
  row "perf record dwarf + script" "perf$hz" "-"
  row "ksight --unwind dwarf" "dwarf$hz" "${bpfns[dwarf$hz]}"
  row "ksight --unwind fp" "fp$hz" "${bpfns[fp$hz]}"
  echo "  ksight unwind CPU only: ${us[dwarf$hz]} us per DWARF unwind; perf script alone: $(awk -v c="${cpu[perfscript$hz]}" -v n="$(echo "${stats[perf$hz]}" | cut -d' ' -f1)" 'BEGIN{printf "%.1f", c*1e6/n}') us/sample; perf.data $(( ${pdata[$hz]} / 1024 )) KiB"
  echo "  agent CPU: dwarf $(awk -v c="${cpu[dwarf$hz]}" -v s="$SECS" 'BEGIN{printf "%.2f%%", c*100/s}') of one CPU, fp $(awk -v c="${cpu[fp$hz]}" -v s="$SECS" 'BEGIN{printf "%.2f%%", c*100/s}'), perf $(awk -v c="${cpu[perf$hz]}" -v s="$SECS" 'BEGIN{printf "%.2f%%", c*100/s}')"
  echo "  ratios: ksight dwarf / perf cpu = $(awk -v a="${cpu[dwarf$hz]}" -v b="${cpu[perf$hz]}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }'),  ksight dwarf / fp cpu = $(awk -v a="${cpu[dwarf$hz]}" -v b="${cpu[fp$hz]}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }'),  bpf ns dwarf / fp = $(awk -v a="${bpfns[dwarf$hz]}" -v b="${bpfns[fp$hz]}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }')"
  echo "  unwinder state (ksight's own estimate): $(grep -h -o 'unwind state [0-9]* KiB' "$WORK/unwind-dwarf$hz" || echo n/a)"
  echo "  unwind memory: ksight dwarf RSS - fp RSS = $(( (${rss[dwarf$hz]} - ${rss[fp$hz]}) / 1024 )) MB for $((mapped_bytes / 1048576)) MB mapped = $(awk -v d="$(( ${rss[dwarf$hz]} - ${rss[fp$hz]} ))" -v m="$mapped_bytes" 'BEGIN{ printf "%.1f", d * 1024 / m * 100 }') MB per 100 MB mapped"
done
