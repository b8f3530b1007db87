#!/usr/bin/env bash
# Real peer: `go tool pprof -traces -lines` reads `ksight profile` output for
# a -O2 -fomit-frame-pointer program whose debug info was split out, and shows
# the inlined functions with file:line, innermost first, down to main. Twice:
# with the debug file found through .gnu_debuglink next to the binary, and
# with it ONLY in the build-id layout under KSIGHT_DEBUG_ROOT (with a control
# run without KSIGHT_DEBUG_ROOT, which must not name the inlined functions).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "SKIPPED: needs root to load BPF programs"; exit 0; }
: "${KSIGHT_BIN:?}" "${KSIGHT_SOURCE_DIR:?}"
work=$(mktemp -d)
export HOME=$work GOCACHE=$work/gocache GOPATH=$work/gopath PPROF_TMPDIR=$work
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GO111MODULE=off
hog=
trap '[ -n "$hog" ] && kill $hog 2>/dev/null; rm -rf "$work"' EXIT
src="$KSIGHT_SOURCE_DIR/tests/unwind/peers/inline_hog.c"
fail() { echo "FAIL: $*"; exit 1; }

# Build, then split: link/bin + link/bin.debug (debuglink), buildid/bin with
# no debuglink and its debug file only at <root>/.build-id/xx/yyyy.debug.
mkdir -p "$work/link" "$work/buildid" "$work/root"
bin="$work/link/ksight_inline_hog"
cc -O2 -g -fomit-frame-pointer -Wl,--build-id -o "$bin" "$src"
objcopy --only-keep-debug "$bin" "$bin.debug"
strip --strip-debug "$bin"
cp "$bin" "$work/buildid/ksight_inline_hog"
objcopy --add-gnu-debuglink="$bin.debug" "$bin"
id=$(readelf -n "$bin" | awk '/Build ID:/ {print $3}')
[ -n "$id" ] || fail "no build-id in $bin"
mkdir -p "$work/root/.build-id/${id:0:2}"
cp "$bin.debug" "$work/root/.build-id/${id:0:2}/${id:2}.debug"
for b in "$bin" "$work/buildid/ksight_inline_hog"; do
  readelf -S "$b" | grep -q '\.debug_info' && fail "$b still has .debug_info"
done
readelf -S "$work/buildid/ksight_inline_hog" | grep -q gnu_debuglink && fail "buildid copy has a debuglink"

# Profiles one run of the hog at `$1`, with the environment in $2..; leaves
# `go tool pprof -traces -lines` output in $work/traces.
profile() {
  local exe=$1
  shift
  coproc HOG { exec "$exe" 20; }
  hog=$HOG_PID
  read -r -t 10 ready _ <&"${HOG[0]}" || fail "$exe did not start"
  [ "$ready" = ready ] || fail "$exe printed '$ready'"
  env "$@" "$KSIGHT_BIN" profile --pid "$hog" -d 3s -o "$work/x.pb.gz" 2>"$work/ksight.err" ||
    { cat "$work/ksight.err"; fail "ksight profile failed"; }
  kill $hog
  wait $hog 2>/dev/null || true
  hog=
  go tool pprof -traces -lines "$work/x.pb.gz" >"$work/traces" 2>&1 ||
    { cat "$work/traces"; fail "go tool pprof failed"; }
}

# Counts the traces whose frames include, in this order (innermost first),
# spin_inner at :22, spin_outer at :26, hog_work at :31 and main; prints
# "<matching> <traces of the hog> <traces naming spin_inner>".
count_inline_traces() {
  python3 - "$work/traces" <<'PY'
import re, sys
blocks = re.split(r"^-+\+-+$", open(sys.argv[1]).read(), flags=re.M)
want = [("spin_inner", "inline_hog.c:22"), ("spin_outer", "inline_hog.c:26"),
        ("hog_work", "inline_hog.c:31"), ("main", "inline_hog.c:")]
hog = match = inner = 0
for b in blocks:
    lines = [l.split() for l in b.strip().splitlines()]
    # A line is "[value] function file:line [(inline)]": take function, place.
    frames = []
    for f in lines:
        f = [w for w in f if w != "(inline)"]
        if len(f) >= 2 and ":" in f[-1]:
            frames.append((f[-2], f[-1].rsplit("/", 1)[-1]))
    words = set(w for f in lines for w in f)
    if not words & {"hog_work", "spin_inner", "spin_outer"}:
        continue
    hog += 1
    inner += "spin_inner" in words
    i = 0
    for fn, place in frames:
        if i < len(want) and fn == want[i][0] and place.startswith(want[i][1]):
            i += 1
    match += i == len(want)
print(match, hog, inner)
PY
}

check() {
  local label=$1
  read -r match total inner < <(count_inline_traces)
  echo "$label: $match of $total hog traces carry spin_inner:22 > spin_outer:26 > hog_work:31 > main"
  sed -n '1,14p' "$work/traces"
  [ "$total" -gt 0 ] || fail "$label: no trace of the hog"
  [ "$match" -gt 0 ] || fail "$label: no trace with the inlined frames in order"
  # Every trace in the inlined loop shows the whole chain in order (the
  # other hog traces are in now_seconds / clock_gettime).
  [ "$match" -eq "$inner" ] || fail "$label: $((inner - match)) traces name spin_inner without the chain"
}

profile "$bin"
check "debuglink"
profile "$work/buildid/ksight_inline_hog" KSIGHT_DEBUG_ROOT="$work/root"
check "build-id under KSIGHT_DEBUG_ROOT"
profile "$work/buildid/ksight_inline_hog" KSIGHT_DEBUG_ROOT=
read -r match total inner < <(count_inline_traces)
echo "control, no debug root: $match of $total hog traces with inlined frames"
[ "$total" -gt 0 ] || fail "control: no trace of the hog"
grep -q spin_inner "$work/traces" && fail "control: spin_inner named without its debug file"
echo "PASS: inlined frames and lines from split debug info via debuglink and the build-id layout"
