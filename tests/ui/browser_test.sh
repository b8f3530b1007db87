#!/usr/bin/env bash
# Runs browser_test.js: installs the `ws` npm package into a temporary
# directory (nothing is downloaded but that), then drives Debian's chromium.
# Usage: browser_test.sh <ui_fixture_server> <artifact dir>
set -euo pipefail
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "SKIP: $chromium missing (scripts/install-deps.sh installs Debian chromium)"
  exit 0
fi
tmp=$(mktemp -d /tmp/ksight-ui-browser-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
npm install --prefix "$tmp" --no-audit --no-fund --silent ws@8 >/dev/null
NODE_PATH="$tmp/node_modules" node "$(dirname "$0")/browser_test.js" "$chromium" "$1" "$2"
