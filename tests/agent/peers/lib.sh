# Shared by the agent peer tests: start the real agent on a free loopback
# port and wait until it is ready. Needs root (BPF), curl and python3.
set -euo pipefail

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_until <seconds> <command...>: polls the command until it succeeds.
wait_until() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then return 1; fi
    sleep 0.2
  done
}

start_agent() {
  : "${KSIGHT_BIN:?KSIGHT_BIN must point at the ksight binary}"
  WORK=$(mktemp -d /tmp/ksight-peer-XXXXXX)
  AGENT_PORT=$(free_port)
  "$KSIGHT_BIN" agent --listen "127.0.0.1:$AGENT_PORT" --collect_interval 500ms "$@" \
    > "$WORK/agent.log" 2>&1 &
  AGENT_PID=$!
  trap cleanup EXIT
  if ! wait_until 60 curl -fs -o /dev/null "http://127.0.0.1:$AGENT_PORT/readyz"; then
    echo "agent did not become ready:" >&2
    cat "$WORK/agent.log" >&2
    exit 1
  fi
}

cleanup() {
  [ -n "${PROM_PID:-}" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null || true
  [ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
