#!/bin/sh
# Block I/O with a known answer: COUNT direct writes of 64 KiB to a loop
# device of our own. Nothing else writes to that device, so every write
# request on it is one of ours, whichever task the block layer issues it from
# (a filesystem file would add metadata and journal requests, and dd may
# dispatch other tasks' queued requests on a shared disk).
# Usage: loop_direct_writes.sh COUNT
set -eu
count=${1:-8}
img=$(mktemp /tmp/ksight_loop.XXXXXX)
dev=
cleanup() {
  [ -n "$dev" ] && losetup -d "$dev"
  rm -f "$img"
}
trap cleanup EXIT INT TERM
truncate -s 4M "$img"
dev=$(losetup --find --show "$img")
dd if=/dev/zero of="$dev" bs=64k count="$count" oflag=direct status=none
