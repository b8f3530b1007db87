#!/usr/bin/env python3
"""Stack completeness of ksight (pprof, via `go tool pprof -raw`) against
perf (`perf script --no-inline`), physical user frames only on both sides
(inlined frames are not counted, kernel frames are dropped).

Averages over two runs depend on where each run's samples fell (an
interpreter's depth varies with the moment), so besides the overall share
reaching main and average depth this compares depth per leaf function (the
function holding the sampled pc): for every leaf seen by both tools, the
sample-weighted share where ksight's mean depth >= perf's.

Usage: unwind_depth.py ksight.raw perf.txt  ->  one line of key=value."""
import re
import sys
from collections import defaultdict

MAIN = {"main", "__libc_start_call_main", "__libc_start_main"}


def strip_symbol(sym):
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    return sym.split("@@")[0]


def ksight_samples(path):
    """[(weight, [functions of user frames, leaf first; one per location])]"""
    text = open(path).read()
    mappings, locations, samples = {}, {}, []
    section, last_loc = None, None
    for line in text.splitlines():
        if line in ("Samples:", "Locations", "Mappings"):
            section = line
            continue
        if section == "Samples:":
            m = re.match(r"^\s+(\d+)\s+\d+:\s+([\d ]+)$", line)
            if m:
                samples.append((int(m.group(1)), [int(x) for x in m.group(2).split()]))
        elif section == "Locations":
            m = re.match(r"^\s+(\d+): 0x[0-9a-f]+ M=(\d+) (\S+)", line)
            if m:
                last_loc = int(m.group(1))
                locations[last_loc] = [int(m.group(2)), [m.group(3)]]
            elif last_loc is not None and line.strip():
                locations[last_loc][1].append(line.split()[0])  # inlined caller
        elif section == "Mappings":
            m = re.match(r"^(\d+): \S+ (\S+)", line)
            if m:
                mappings[int(m.group(1))] = m.group(2)
    out = []
    for weight, ids in samples:
        frames = []
        for i in ids:
            mapping, funcs = locations.get(i, [0, ["?"]])
            if mappings.get(mapping, "").startswith("[kernel") or mappings.get(mapping) == "[module]":
                continue
            frames.append(funcs)  # innermost first; funcs[-1] is the physical function
        out.append((weight, frames))
    return out


def perf_samples(path):
    out, frames, in_sample = [], [], False
    for line in open(path, errors="replace"):
        if not line.strip():
            if in_sample:
                out.append((1, frames))
            frames, in_sample = [], False
        elif not line.startswith("\t"):
            if in_sample:
                out.append((1, frames))
            frames, in_sample = [], True
        else:
            if "kernel.kallsyms" in line or "[unknown] ([unknown])" in line:
                continue
            parts = line.split()
            frames.append([strip_symbol(parts[1]) if len(parts) > 1 else "?"])
    if in_sample:
        out.append((1, frames))
    return out


def stats(samples):
    total = sum(w for w, _ in samples) or 1
    reach = sum(w for w, f in samples if any(fn in MAIN for funcs in f for fn in funcs))
    depth = sum(w * len(f) for w, f in samples)
    by_leaf = defaultdict(lambda: [0, 0])
    for w, f in samples:
        if f:
            by_leaf[f[0][-1]][0] += w
            by_leaf[f[0][-1]][1] += w * len(f)
    return total, reach / total, depth / total, by_leaf


def main():
    kn, kreach, kdepth, kleaf = stats(ksight_samples(sys.argv[1]))
    pn, preach, pdepth, pleaf = stats(perf_samples(sys.argv[2]))
    common = [leaf for leaf in kleaf if leaf in pleaf]
    weight = sum(kleaf[l][0] for l in common) or 1
    ge = sum(kleaf[l][0] for l in common if kleaf[l][1] / kleaf[l][0] >= pleaf[l][1] / pleaf[l][0] - 1e-9)
    worst = sorted(common, key=lambda l: kleaf[l][1] / kleaf[l][0] - pleaf[l][1] / pleaf[l][0])[:1]
    worst_txt = ",".join("%s:%.2f-vs-%.2f" % (l, kleaf[l][1] / kleaf[l][0], pleaf[l][1] / pleaf[l][0]) for l in worst)
    print("ksight_samples=%d ksight_main=%.3f ksight_depth=%.2f perf_samples=%d perf_main=%.3f "
          "perf_depth=%.2f common_leaves=%d ksight_ge_perf_share=%.3f worst_leaf=%s"
          % (kn, kreach, kdepth, pn, preach, pdepth, len(common), ge / weight, worst_txt or "-"))


if __name__ == "__main__":
    main()
