#!/usr/bin/env bash
# Builds the libFuzzer targets (rules engine, HTTP tracker) with clang (ASan + libFuzzer)
# in their own build directory and runs each for a bounded time. Exits non-zero
# when a target finds a crash, leak, timeout or sanitizer report.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
# Env: KSIGHT_FUZZ_BUILD (default <repo>/build-fuzz), JOBS (default 2).
set -euo pipefail

seconds="${1:-60}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${KSIGHT_FUZZ_BUILD:-$repo/build-fuzz}"
jobs="${JOBS:-2}"
cxx="$(command -v clang++ || command -v clang++-14)"
cc="$(command -v clang || command -v clang-14)"

cmake -S "$repo" -B "$build" -DKSIGHT_FUZZ=ON -DKSIGHT_BUILD_TESTS=OFF -DKSIGHT_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer" >/dev/null
cmake --build "$build" -j"$jobs" --target condition_fuzzer rules_loader_fuzzer http_tracker_fuzzer

work="$build/fuzz-run"
mkdir -p "$work/corpus-condition" "$work/corpus-rules" "$work/corpus-http" "$work/artifacts"
cp "$repo"/fuzz/corpus/condition/* "$work/corpus-condition/"
cp "$repo"/rules/*.yaml "$work/corpus-rules/"
cp "$repo"/fuzz/corpus/rules/*.yaml "$work/corpus-rules/" 2>/dev/null || true
cp "$repo"/tests/rules/data/*.yaml "$work/corpus-rules/"  # Falco-style files
cp "$repo"/fuzz/corpus/http/* "$work/corpus-http/"

status=0
run() {
  local target="$1" corpus="$2"
  echo "fuzz: $target for ${seconds}s"
  if ! "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=16384 -artifact_prefix="$work/artifacts/$target-" -print_final_stats=1 \
      "$corpus" >"$work/$target.log" 2>&1; then
    echo "fuzz: $target FOUND A PROBLEM; see $work/$target.log and $work/artifacts/" >&2
    tail -40 "$work/$target.log" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$work/$target.log" || true
  fi
}
run condition_fuzzer "$work/corpus-condition"
run rules_loader_fuzzer "$work/corpus-rules"
run http_tracker_fuzzer "$work/corpus-http"
exit $status
