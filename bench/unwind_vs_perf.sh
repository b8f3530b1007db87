#!/usr/bin/env bash
# Issue 4 benchmark: user stacks of code without frame pointers, in one run on
# the same two busy CPUs (Debian's python3 busy loop + ksight_cpu_hog_nofp):
#   perf record --call-graph dwarf + perf script (the same design, perf's code)
#   ksight profile --unwind dwarf
#   ksight profile --unwind fp (frame pointers only, the old path)
# For each: share of samples whose user stack reaches main (main,
# __libc_start_call_main or __libc_start_main), average user depth in
# physical frames on both sides (bench/unwind_depth.py: ksight's pprof through
# `go tool pprof -raw`, perf script --no-inline; inlined frames not counted),
# depth per leaf function (the fair comparison: averages of two runs differ
# by where their samples fell), CPU per sample on the user side, kernel-side
# cost per sample (BPF run time from kernel.bpf_stats_enabled), tool CPU at
# 19 Hz and 99 Hz, and the memory held for unwinding (RSS over fp-only, and
# the unwinder's own state, per 100 MB of mapped binaries). Ratios against
# perf and against fp-only at the end. Then the agent (`ksight agent`,
# every process, profiler.unwind=dwarf vs fp, alternating rounds) CPU at
# 19 and 99 Hz with the two workloads busy.
# Usage: sudo bench/unwind_vs_perf.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
BUILD=${KSIGHT_BUILD_DIR:-build}
KSIGHT=$BUILD/ksight
HOG=$BUILD/tests/workloads/ksight_cpu_hog_nofp
PY=/usr/bin/python3
WORK=$(mktemp -d)
export HOME=$WORK GOCACHE=$WORK/gocache GOPATH=$WORK/gopath PPROF_TMPDIR=$WORK GOTOOLCHAIN=local
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
    --unwind "$1" -d "${SECS}s" -o "$WORK/k-$1-$2.pb.gz")
  wait "$waiter" || true
  K_BPFNS=$(cat "$WORK/bpfns")
  go tool pprof -raw "$WORK/k-$1-$2.pb.gz" >"$WORK/k-$1-$2.raw" 2>/dev/null
  cp "$WORK/stderr" "$WORK/unwind-$1$2"
  K_US=$(grep -o '[0-9.]* us/unwind' "$WORK/stderr" | awk '{print $1}' || true)
  K_US=${K_US:-0}
  grep -h "unwind\|samples" "$WORK/stderr" | sed "s/^/    [$1 $2 Hz] /" >&2 || true
}

# key=value line, keys... -> their values, space-separated.
kv() {
  local line=$1
  shift
  for k in "$@"; do grep -o "$k=[^ ]*" <<<"$line" | cut -d= -f2; done | paste -sd' '
}

declare -A cpu rss stats bpfns us pdata cmp
for hz in 99 19; do
  for mode in dwarf fp; do
    run_ksight "$mode" "$hz"
    cpu[$mode$hz]=$K_CPU rss[$mode$hz]=$K_RSS bpfns[$mode$hz]=$K_BPFNS us[$mode$hz]=$K_US
  done
  read -r prec_cpu prec_rss < <(measure perf record -q -F "$hz" --call-graph dwarf,16384 \
    -p "$py_pid,$hog_pid" -o "$WORK/perf$hz.data" -- sleep "$SECS")
  read -r pscript_cpu pscript_rss < <(measure sh -c \
    "perf script --no-inline -i $WORK/perf$hz.data > $WORK/perf$hz.txt")
  cpu[perf$hz]=$(awk -v a="$prec_cpu" -v b="$pscript_cpu" 'BEGIN{printf "%.3f", a + b}')
  cpu[perfscript$hz]=$pscript_cpu
  rss[perf$hz]=$(( prec_rss > pscript_rss ? prec_rss : pscript_rss ))
  for mode in dwarf fp; do
    cmp[$mode$hz]=$(bench/unwind_depth.py "$WORK/k-$mode-$hz.raw" "$WORK/perf$hz.txt")
    stats[$mode$hz]=$(kv "${cmp[$mode$hz]}" ksight_samples ksight_main ksight_depth)
  done
  stats[perf$hz]=$(kv "${cmp[dwarf$hz]}" perf_samples perf_main perf_depth)
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
  echo "  per leaf function (dwarf vs perf): $(kv "${cmp[dwarf$hz]}" common_leaves) leaves in both, ksight depth >= perf's for $(awk -v s="$(kv "${cmp[dwarf$hz]}" ksight_ge_perf_share)" 'BEGIN{printf "%.1f%%", s*100}') of ksight's samples; least favourable leaf $(kv "${cmp[dwarf$hz]}" worst_leaf)"
  state_kib=$(grep -h -o 'unwind state [0-9]* KiB' "$WORK/unwind-dwarf$hz" | grep -o '[0-9]*' || echo 0)
  echo "  unwinder state (ksight's own estimate): ${state_kib} KiB = $(awk -v k="$state_kib" -v m="$mapped_bytes" 'BEGIN{printf "%.2f", k * 1024 / m * 100}') MB per 100 MB mapped"
  echo "  unwind memory: ksight dwarf RSS - fp RSS = $(( (${rss[dwarf$hz]} - ${rss[fp$hz]}) / 1024 )) MB for $((mapped_bytes / 1048576)) MB mapped = $(awk -v d="$(( ${rss[dwarf$hz]} - ${rss[fp$hz]} ))" -v m="$mapped_bytes" 'BEGIN{ printf "%.1f", d * 1024 / m * 100 }') MB per 100 MB mapped"
done

# The agent: every process sampled (the two busy workloads plus whatever else
# runs), profiler.unwind=dwarf vs fp, alternating rounds, CPU from
# /proc/PID/stat over SECS after it is ready (startup excluded).
# Every boolean switched on by default except profiler.* turned off (sources,
# security feed, ...): only the CPU profiler runs.
mapfile -t agent_off < <("$KSIGHT" agent --print-config 2>/dev/null |
  awk '/^[a-z_]+:$/ {sec = substr($1, 1, length($1) - 1)}
       /^  [a-z_]+: true$/ && sec != "profiler" {k = $1; sub(/:$/, "", k); print "--" sec "." k "=false"}')
# RSS counts the pages of the ELF files libelf mmaps (page cache shared with
# the profiled processes); RssAnon is the agent's own memory.
agent_round() {  # mode hz -> "cpu_seconds rss_kb unwind_state_bytes unwind_processes anon_kb"
  local port=$((20000 + RANDOM % 20000))
  "$KSIGHT" agent --listen "127.0.0.1:$port" --log_level warn --profiler.unwind "$1" \
    --profiler.frequency "$2" "${agent_off[@]}" >"$WORK/agent.log" 2>&1 &
  local apid=$! t0 t1
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  t0=$(awk '{print $14 + $15}' "/proc/$apid/stat")
  sleep "$SECS"
  t1=$(awk '{print $14 + $15}' "/proc/$apid/stat")
  local metrics rss anon
  metrics=$(curl -sf "http://127.0.0.1:$port/metrics" || true)
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$apid/status")
  anon=$(awk '/^RssAnon/ {print $2}' "/proc/$apid/status")
  kill "$apid"
  wait "$apid" 2>/dev/null || true
  awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" -v r="$rss" -v an="$anon" \
    -v s="$(awk '/^ksight_unwind_state_bytes / {print $2}' <<<"$metrics")" \
    -v p="$(awk '/^ksight_unwind_processes / {print $2}' <<<"$metrics")" \
    'BEGIN{printf "%.2f %d %d %d %d\n", (b - a) / hz, r, s, p, an}'
}

echo
echo "agent (ksight agent, all processes, profiler.* only), ${SECS}s per round, rounds alternate fp/dwarf:"
for hz in 19 99; do
  declare -a acpu_fp=() acpu_dw=()
  for round in 1 2 3; do
    read -r c r _ _ fa < <(agent_round fp "$hz")
    acpu_fp+=("$c")
    read -r c r s p a < <(agent_round dwarf "$hz")
    acpu_dw+=("$c")
    echo "  $hz Hz round $round: fp ${acpu_fp[-1]} s, dwarf ${acpu_dw[-1]} s CPU; RssAnon fp $((fa / 1024)) MB, dwarf $((a / 1024)) MB (RSS $((r / 1024)) MB); unwind state $((s / 1024)) KiB for $p processes"
  done
  mfp=$(printf '%s\n' "${acpu_fp[@]}" | sort -g | sed -n 2p)
  mdw=$(printf '%s\n' "${acpu_dw[@]}" | sort -g | sed -n 2p)
  echo "  $hz Hz medians: fp $(awk -v c="$mfp" -v s="$SECS" 'BEGIN{printf "%.2f%%", c*100/s}') of one CPU, dwarf $(awk -v c="$mdw" -v s="$SECS" 'BEGIN{printf "%.2f%%", c*100/s}'); dwarf / fp = $(awk -v a="$mdw" -v b="$mfp" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }'); dwarf / (perf record + perf script, 2 processes, above) = $(awk -v a="$mdw" -v b="${cpu[perf$hz]}" 'BEGIN{ if (b > 0) printf "%.2fx", a/b; else print "n/a" }')"
done
