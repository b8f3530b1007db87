# The busy machine of the issue 8 agent benchmarks, sourced by
# bench/agent_all_profiles.sh and bench/agent_rss_curve.sh: two CPU-bound
# hogs, files written/read/deleted by short-lived processes (a new pid
# every few ms: what grows per-process state) and TCP connections over
# loopback with short blocking waits (off-CPU, kmalloc).
#
# bench_init KSIGHT HOG: checks both binaries and makes WORK, a temporary
# directory removed at exit together with every background job.
bench_init() {
  [ -x "$1" ] || { echo "build $1 first" >&2; exit 1; }
  [ -x "$2" ] || { echo "build $2 first (target ksight_cpu_hog)" >&2; exit 1; }
  WORK=$(mktemp -d)
  trap 'for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
}

# start_busy_load SECONDS HOG WORKDIR: starts it in the background (the
# caller's EXIT trap kills its jobs); BUSY_PY_PID is the long-running
# python3 process of the TCP loop (a user allocation target).
start_busy_load() {
  local seconds=$1 hog=$2 work=$3
  "$hog" "$seconds" >/dev/null &
  "$hog" "$seconds" >/dev/null &
  (while :; do
    dd if=/dev/zero of="$work/f" bs=64k count=16 status=none
    cat "$work/f" >/dev/null
    rm -f "$work/f"
  done) &
  python3 - "$seconds" <<'PY' &
import socket, sys, threading, time
end = time.time() + int(sys.argv[1])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(64)
port = srv.getsockname()[1]
def serve():
    while True:
        c, _ = srv.accept()
        c.sendall(c.recv(4096)); c.close()
threading.Thread(target=serve, daemon=True).start()
while time.time() < end:
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"x" * 4096); s.recv(4096); s.close()
    time.sleep(0.002)
PY
  BUSY_PY_PID=$!
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_anon_kb() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
