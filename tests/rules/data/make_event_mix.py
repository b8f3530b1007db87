#!/usr/bin/env python3
"""Writes event_mix.jsonl: a deterministic mix of SecurityEvents shaped like a
busy host (package builds, web server, cron, ssh sessions) with a handful of
attacks in it. Used by the replay test and bench/rules_bench.cpp.
Run: python3 make_event_mix.py > event_mix.jsonl"""
import json
import random

rng = random.Random(5)
T0 = 1_763_776_000_000_000_000
t = T0


def proc(comm, pid, args=None, uid=1000, user="alice", anc=("bash", "sshd", "systemd"), tty=0,
         exe=None, cwd="/home/alice"):
    return {"pid": pid, "ppid": pid - 1, "tid": pid, "comm": comm,
            "exe": exe or f"/usr/bin/{comm}", "args": [comm] + (args or []), "cwd": cwd,
            "tty": tty, "uid": uid, "gid": uid, "user": user, "loginuid": uid,
            "ancestors": list(anc)}


def ev(type_, p, res=0, fd=None, args=None, container="host"):
    global t
    t += rng.randint(2_000, 60_000)
    e = {"type": type_, "ts": t, "res": res, "proc": p}
    if fd:
        e["fd"] = fd
    if args:
        e["args"] = args
    if container != "host":
        e["container"] = container
    return e


def benign():
    pid = rng.randint(2000, 30000)
    kind = rng.random()
    if kind < 0.45:
        comm = rng.choice(["cc1", "ld", "make", "python3", "node", "java", "nginx", "cat"])
        path = rng.choice(["/usr/include/stdio.h", "/home/alice/src/main.c", "/etc/ld.so.cache",
                           "/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/status",
                           "/var/www/html/index.html", "/etc/passwd", "/tmp/cc8x2.o"])
        flags = rng.choice(["O_RDONLY|O_CLOEXEC", "O_RDONLY", "O_WRONLY|O_CREAT|O_TRUNC"])
        if flags != "O_RDONLY|O_CLOEXEC" and not path.startswith(("/tmp", "/home")):
            flags = "O_RDONLY|O_CLOEXEC"
        return ev("openat", proc(comm, pid), res=3, fd={"name": path, "type": "f"},
                  args={"flags": flags, "mode": "0"})
    if kind < 0.65:
        comm = rng.choice(["ls", "git", "gcc", "sed", "awk", "grep", "date", "id"])
        return ev("execve", proc(comm, pid, ["-a"] if comm == "ls" else ["x"]))
    if kind < 0.8:
        dport = rng.choice([443, 80, 53, 5432, 6379])
        return ev("connect", proc(rng.choice(["curl", "python3", "node"]), pid),
                  res=rng.choice([0, 0, 0, -115]),
                  fd={"type": "4", "sip": "10.0.0.5", "sport": rng.randint(30000, 60000),
                      "dip": "10.0.0.%d" % rng.randint(1, 9), "dport": dport, "l4proto": "tcp"})
    if kind < 0.9:
        return ev("procexit", proc(rng.choice(["ls", "git", "sed"]), pid), args={"status": "0"})
    if kind < 0.95:
        return ev("dup2", proc("bash", pid), res=1, fd={"name": "pipe:[123]", "type": "p"},
                  args={"oldfd": "3", "newfd": "1"})
    return ev("unlinkat", proc("rm", pid), fd={"name": "/tmp/build-%d.o" % pid, "type": "f"},
              args={"path": "/tmp/build-%d.o" % pid})


def attacks():
    c = "3f2a9c1b7d4e"
    return [
        ev("openat", proc("python3", 7001), res=4, fd={"name": "/etc/shadow", "type": "f"},
           args={"flags": "O_RDONLY"}),
        ev("execve", proc("bash", 7002, ["-i"], uid=0, user="root", anc=("runc", "containerd-shim"),
                          tty=34816), container=c),
        ev("execve", proc("x", 7003, exe="/dev/shm/x", anc=("bash", "nginx"))),
        ev("dup2", proc("bash", 7004), res=0,
           fd={"type": "4", "sip": "10.0.0.5", "sport": 41000, "dip": "203.0.113.9", "dport": 4444},
           args={"oldfd": "3", "newfd": "0"}),
        ev("connect", proc("xmrig", 7005), res=-115,
           fd={"type": "4", "sip": "10.0.0.5", "sport": 41001, "dip": "198.51.100.7", "dport": 3333}),
        ev("finit_module", proc("insmod", 7006, ["rk.ko"], uid=0, user="root"),
           fd={"name": "/tmp/rk.ko", "type": "f"}, args={"name": "rk"}),
    ]


events = [benign() for _ in range(4000)]
for i, a in enumerate(attacks()):
    events.insert(500 + i * 600, a)
for e in events:
    print(json.dumps(e, separators=(",", ":")))
