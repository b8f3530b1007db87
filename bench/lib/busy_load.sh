# The busy machine of the issue 8 agent benchmarks, sourced by
# bench/agent_all_profiles.sh and bench/agent_rss_curve.sh: two CPU-bound
# hogs, files written/read/deleted by short-lived processes (a new pid
# every few ms: what grows per-process state) and TCP connections over
# loopback with short blocking waits (off-CPU, kmalloc).
#
# start_busy_load SECONDS HOG WORKDIR: starts it in the background (the
# caller's EXIT trap kills its jobs).
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
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_anon_kb() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
