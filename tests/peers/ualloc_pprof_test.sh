#!/usr/bin/env bash
# Real peer: `go tool pprof` reads `ksight uallocs -c` of a workload with known
# allocations (tests/workloads/ualloc_known.cpp): ~256 MB alloc_space through
# ksight_alloc_big (freed at once: ~0 inuse) and ~64 MB alloc_space and
# inuse_space through ksight_alloc_small (pprof's MB are MiB). 64 KiB
# sampling: ±15% is more than 4σ.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "SKIPPED: needs root"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work GOCACHE=$work/gocache GOPATH=$work/gopath PPROF_TMPDIR=$work
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GO111MODULE=off
known="$KSIGHT_BINARY_DIR/tests/workloads/ksight_ualloc_known"
[ -x "$known" ] || { echo "FAIL: $known not built"; exit 1; }
"$KSIGHT_BIN" uallocs --sample-bytes 64KiB -o "$work/u.pb.gz" -c "$known --no-wait" 2>"$work/err"
cat "$work/err"
# cum (MB) of a function under a sample index.
cum() { go tool pprof -sample_index="$1" -unit=MB -top -nodecount=2000 "$work/u.pb.gz" 2>/dev/null |
        awk -v f="$2" '$NF == f { v = $4; sub(/MB$/, "", v); print v; found = 1 } END { if (!found) print 0 }'; }
go tool pprof -sample_index=alloc_space -top "$work/u.pb.gz" 2>&1 | head -12
big=$(cum alloc_space ksight_alloc_big); small=$(cum alloc_space ksight_alloc_small)
big_inuse=$(cum inuse_space ksight_alloc_big); small_inuse=$(cum inuse_space ksight_alloc_small)
echo "alloc_space big ${big} MB (256), small ${small} MB (64); inuse_space big ${big_inuse} MB (0), small ${small_inuse} MB (64)"
within() { awk -v v="$1" -v want="$2" 'BEGIN { exit !(v >= want * 0.85 && v <= want * 1.15) }'; }
within "$big" 256 || { echo "FAIL: alloc_space of ksight_alloc_big"; exit 1; }
within "$small" 64 || { echo "FAIL: alloc_space of ksight_alloc_small"; exit 1; }
within "$small_inuse" 64 || { echo "FAIL: inuse_space of ksight_alloc_small"; exit 1; }
awk -v v="$big_inuse" 'BEGIN { exit !(v < 2.56) }' || { echo "FAIL: inuse_space of ksight_alloc_big"; exit 1; }
grep -q 'lost: 0 ' "$work/err" || { echo "FAIL: losses reported"; exit 1; }
echo "PASS: go tool pprof reads the user allocation profile with the known bytes"
