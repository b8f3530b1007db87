#!/usr/bin/env bash
# `ksight` (the front door, src/trace/cli/main.cpp with KSIGHT_FRONT) must
# hand every command but `trace` to ksight-core next to it, with the same
# arguments and exit code, and say clearly when ksight-core is missing.
# Usage: front_door_test.sh FRONT CORE
set -euo pipefail
front=$1 core=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ "$("$front" version)" == "$("$core" version)" ]] || fail "version differs from ksight-core's"
set +e
"$front" no-such-command >/dev/null 2>&1; front_rc=$?
"$core" no-such-command >/dev/null 2>&1; core_rc=$?
set -e
[[ $front_rc == "$core_rc" && $front_rc != 0 ]] || fail "exit code $front_rc, ksight-core gives $core_rc"
"$front" trace --help | grep -q -- "--list" || fail "trace --help is not the trace command's"

# Global options before the program, as ksight-core takes them.
trace_bin="$(dirname "$front")/ksight-trace"
if [[ -x "$trace_bin" ]]; then
  "$trace_bin" --log-level warn --help | grep -q -- "--list" || fail "ksight-trace --log-level X --help"
  "$trace_bin" --log-level=warn --help | grep -q -- "--list" || fail "ksight-trace --log-level=X --help"
fi

lonely=$(mktemp -d)
trap 'rm -rf "$lonely"' EXIT
cp "$front" "$lonely/ksight"
set +e
err=$("$lonely/ksight" version 2>&1); rc=$?
set -e
[[ $rc == 127 ]] || fail "missing ksight-core: exit $rc, want 127"
grep -q "cannot run $lonely/ksight-core" <<<"$err" || fail "missing ksight-core: unclear error: $err"
echo "front door: ok"
