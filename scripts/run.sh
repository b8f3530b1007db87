#!/usr/bin/env bash
# The main job: installs what is missing, builds, and starts the node agent
# with its embedded defaults (metrics and UI on 127.0.0.1:9464).
# Usage: sudo scripts/run.sh [ksight agent flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/ksight agent "$@"
