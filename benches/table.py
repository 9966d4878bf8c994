#!/usr/bin/env python3
"""Turns criterion's console output into the ops/s tables of BENCHMARKS.md.

    cargo bench -p dongpo-benches --bench crypto | tee bench.log
    python3 benches/table.py bench.log
"""
import re
import sys
from collections import defaultdict

UNITS = {"ps": 1e-12, "ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}

def parse(lines):
    results = {}
    name = None
    for line in lines:
        m = re.match(r"^(\S+/\S+)\s*(time:.*)?$", line.strip())
        if m and "/" in m.group(1) and not line.startswith(" "):
            name = m.group(1)
            rest = m.group(2) or ""
        else:
            rest = line
        t = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", rest)
        if t and name:
            results[name] = float(t.group(1)) * UNITS[t.group(2)]
            name = None
    return results

def main():
    results = parse(open(sys.argv[1], encoding="utf-8"))
    for group in ("verify", "sign"):
        rows = defaultdict(dict)
        backends = []
        for key, secs in results.items():
            g, case, backend = key.split("/")
            if g != group:
                continue
            rows[case][backend] = 1.0 / secs
            if backend not in backends:
                backends.append(backend)
        print(f"\n{group} (ops/s, one core)\n")
        print("| algorithm | " + " | ".join(backends) + " |")
        print("|---|" + "---|" * len(backends))
        for case, cells in rows.items():
            print(f"| {case} | " + " | ".join(f"{cells[b]:,.0f}" if b in cells else "-" for b in backends) + " |")

if __name__ == "__main__":
    main()
