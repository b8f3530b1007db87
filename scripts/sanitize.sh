#!/usr/bin/env bash
# Runs the unit tests of the code that reads untrusted input under
# AddressSanitizer + UndefinedBehaviorSanitizer, in their own build
# directory: Falco-style rules and conditions, the one-liner language, the
# HTTP parser/tracker and OTLP encoding, pprof/Prometheus export, security
# event decoding, the profile store. Any sanitizer report fails the test.
#   scripts/sanitize.sh
# Env: KSIGHT_SANITIZE_BUILD (default <repo>/build-sanitize), JOBS (default nproc).
#
# Left out, because they test things a sanitizer changes rather than our
# code: the unwinder tests (they copy raw stack memory, redzones included,
# as the kernel would), the heap trimmer and the heap gauges (ASan replaces
# malloc).
# Prints "sanitize: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${KSIGHT_SANITIZE_BUILD:-$repo/build-sanitize}"
jobs="${JOBS:-$(nproc)}"
targets=(rules_test trace_test ksight_otel_test ksight_export_test security_decode_test store_test)
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DKSIGHT_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null || exit 1
cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$build/sanitize-build.log" 2>&1 || {
  tail -40 "$build/sanitize-build.log" >&2
  exit 1
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
passed=0 failed=0
for target in "${targets[@]}"; do
  bin=$(find "$build/tests" -type f -name "$target" -perm -u+x | head -1)
  if [ -z "$bin" ]; then
    echo "sanitize: $target was not built" >&2
    failed=$((failed + 1))
    continue
  fi
  log="$build/$target.log"
  (cd "$(dirname "$bin")" && "$bin" --gtest_brief=1) >"$log" 2>&1
  rc=$?
  ran=$(grep -oE '^\[==========\] [0-9]+ tests? from' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  bad=$(grep -cE '^\[  FAILED  \] [A-Za-z]' "$log" || true)
  if [ "$rc" -ne 0 ] || grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$log"; then
    echo "sanitize: $target FAILED (exit $rc); see $log" >&2
    grep -E -A12 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|^\[  FAILED' "$log" | head -60 >&2
    failed=$((failed + (bad > 0 ? bad : 1)))
    passed=$((passed + ran - bad))
  else
    echo "sanitize: $target: $ran tests clean"
    passed=$((passed + ran))
  fi
done
echo "sanitize: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
