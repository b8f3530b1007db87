#!/usr/bin/env bash
# Peer test: `go tool pprof` (Debian golang-go) reads the pprof file ksight's
# writer produces for tests/export/synthetic_profile.cpp and sees the hot
# function first, both sample types, the labels, kernel frames in the kernel
# mapping and the inlined frame in order. Then pprof re-encodes the profile
# (`-proto`) and ksight's reader must see the same profile in both files.
#
# usage: pprof_synthetic_test.sh PATH/TO/ksight_write_fixture_profile PATH/TO/ksight_pprof_summary
set -euo pipefail

writer=${1:?usage: $0 ksight_write_fixture_profile ksight_pprof_summary}
summary=${2:?usage: $0 ksight_write_fixture_profile ksight_pprof_summary}
command -v go >/dev/null || { echo "FAIL: go missing (apt-get install golang-go)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pprof needs no network; keep go from reaching for a toolchain or a module
# proxy, and give it a writable home and cache.
export HOME=$work GOCACHE=$work/gocache GOPATH=$work/gopath PPROF_TMPDIR=$work
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GO111MODULE=off

failures=0
check() {  # check "what" command...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
contains() { grep -qF -- "$2" <<<"$1"; }

"$writer" "$work/cpu.pb.gz"
pprof() { go tool pprof "$@" "$work/cpu.pb.gz" 2>"$work/stderr" || { cat "$work/stderr"; return 1; }; }

top=$(pprof -top -sample_index=samples)
echo "$top"
first=$(awk '/flat%/ { getline; print; exit }' <<<"$top")
check "hot_leaf is the first row of -top" contains "$first" "hot_leaf"
check "hot_leaf has 100 flat samples" test "$(awk '{print $1}' <<<"$first")" = 100
check "kernel function listed" contains "$top" "ksys_write"
check "inlined frame marked" contains "$top" "hot_inner (inline)"

cpu_top=$(pprof -top)
check "default sample type is cpu" contains "$cpu_top" "Type: cpu"
check "cpu values in seconds" contains "$cpu_top" "1.01s 90.91%"

raw=$(pprof -raw)
check "both sample types, cpu default" contains "$raw" "samples/count cpu/nanoseconds[dflt]"
check "period" contains "$raw" "Period: 10101010"
check "comm label" contains "$raw" "comm:[app]"
check "pid label" contains "$raw" "pid:[100]"
check "numeric label with unit" contains "$raw" "cpu_time:[909090900 nanoseconds]"
check "kernel mapping" grep -qE '^[0-9]+: 0xffffffff81000000/0xffffffff83000000/0x0 \[kernel\.kallsyms\]' <<<"$raw"
check "module mapping" contains "$raw" "[nf_tables]"
check "build-id" contains "$raw" "/usr/bin/app a1b2c3d4e5f60718"
kmap=$(grep -E '^[0-9]+: 0xffffffff81000000/' <<<"$raw" | cut -d: -f1)
check "kernel frame in the kernel mapping" grep -qE "0xffffffff81200000 M=$kmap ksys_write" <<<"$raw"

traces=$(pprof -traces)
check "inline stack order" grep -Pzq 'hot_leaf\n\s+hot_inner \(inline\)\n\s+compute\n\s+main' <<<"$traces"
check "kernel stack under libc write" grep -Pzq 'ksys_write\n\s+entry_SYSCALL_64\n\s+write\n\s+main' <<<"$traces"

focus=$(pprof -top -sample_index=samples -tagfocus=comm=writer)
check "-tagfocus on comm keeps only writer" bash -c '! grep -q hot_leaf <<<"$0" && grep -q ksys_write <<<"$0"' "$focus"

# Round trip through pprof's own encoder (it renumbers and reorders tables).
pprof -proto >"$work/reencoded.pb.gz"
ours=$("$summary" "$work/cpu.pb.gz")
theirs=$("$summary" "$work/reencoded.pb.gz")
check "reader summary has the hot stack" contains "$ours" "compute (app.c:20);hot_inner (hot.h:5);hot_leaf (app.c:30) 100"
check "reader summary has labels" contains "$ours" "label comm=app 105"
check "reader sees pprof's re-encoding as the same profile" \
  diff <(echo "$ours") <(echo "$theirs")

if [ "$failures" -ne 0 ]; then
  echo "pprof_synthetic: $failures check(s) failed"
  exit 1
fi
echo "pprof_synthetic: all checks passed"
