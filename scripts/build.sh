#!/usr/bin/env bash
# Configures and builds ksight (BPF objects, skeletons, binary, tests) into
# ./build. Usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${KSIGHT_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${KSIGHT_BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "build: $BUILD_DIR/ksight"
