#!/usr/bin/env bash
# Passes the tests: installs dependencies, builds, and runs every tier
#   1. unit    GoogleTest, no root
#   2. kernel  root: real BPF programs against tests/workloads (must run, not skip)
#   3. peers   our outputs read by real tools (go tool pprof, promtool, Prometheus, OTLP)
#   4. sanitize  the unit tests of input-facing code under ASan + UBSan
#   5. fuzz    the rule parser, rule loader and HTTP tracker fuzzers, bounded time (clang)
# and ends with one summary line. Run as root: sudo scripts/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${KSIGHT_BUILD_DIR:-build}

scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1

passed=0 failed=0 skipped=0
run_tier() {
  local tier=$1
  local log="$BUILD_DIR/ctest-$tier.log"
  echo "=== tier: $tier ==="
  (cd "$BUILD_DIR" && ctest -L "^$tier\$" --output-on-failure --timeout 600) 2>&1 | tee "$log"
  local total fail skip
  total=$(grep -oE 'tests failed out of [0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  fail=$(grep -oE '[0-9]+ tests failed out of' "$log" | grep -oE '^[0-9]+' || echo 0)
  skip=$(grep -cE '\(Skipped\)' "$log" || true)
  total=${total:-0} fail=${fail:-0} skip=${skip:-0}
  echo "tier $tier: $((total - fail - skip)) ran and passed, $fail failed, $skip skipped"
  if [ "$tier" = kernel ] && [ "$skip" -gt 0 ]; then
    echo "WARNING: $skip kernel tests SKIPPED (see the reasons above)"
  fi
  passed=$((passed + total - fail - skip)) failed=$((failed + fail)) skipped=$((skipped + skip))
}

if [ "$(id -u)" -ne 0 ]; then
  echo "WARNING: not root: the kernel and peer tiers need root and will skip"
fi
run_tier unit
run_tier kernel
run_tier peers

echo "=== tier: sanitize ==="
sanitize_log="$BUILD_DIR/sanitize.log"
scripts/sanitize.sh 2>&1 | tee "$sanitize_log"
sanitize_rc=${PIPESTATUS[0]}
san_passed=$(grep -oE '^sanitize: [0-9]+ passed' "$sanitize_log" | grep -oE '[0-9]+' || echo 0)
san_failed=$(grep -oE '[0-9]+ failed$' "$sanitize_log" | tail -1 | grep -oE '^[0-9]+' || echo 0)
[ "$sanitize_rc" -ne 0 ] && [ "${san_failed:-0}" -eq 0 ] && san_failed=1  # build failure
passed=$((passed + ${san_passed:-0})) failed=$((failed + ${san_failed:-0}))

if [ -x scripts/fuzz.sh ]; then
  echo "=== tier: fuzz ==="
  if scripts/fuzz.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
