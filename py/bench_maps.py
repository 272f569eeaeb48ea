#!/usr/bin/env python3
"""Map throughput from Python (issue 5): single lookups / updates and whole-map reads
with batch lookups against a per-key loop, on a 10000-entry u32 -> u64 hash map (the
same shape as bench/src/events.rs), elements per second.

    sudo .venv/bin/python py/bench_maps.py [--secs 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable

import rbpf

REPO = Path(__file__).resolve().parents[1]
OBJ = REPO / "target" / "bpf" / "maps.bpf.o"
ENTRIES = 10_000


def rate(secs: float, step: Callable[[], int]) -> float:
    """Elements per second: `step()` returns how many it handled."""
    n = 0
    t0 = time.perf_counter()
    while (t := time.perf_counter() - t0) < secs:
        n += step()
    return n / t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--secs", type=float, default=1.0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not OBJ.exists():
        print(f"{OBJ} is not built (cargo build -p rbpf-testprogs)", file=sys.stderr)
        return 2
    with rbpf.Object.open(OBJ) as obj:
        m = obj.maps["nopre_hash"]  # u32 -> u64 hash
        m.max_entries = ENTRIES
        obj.load()
        m.update_batch(range(ENTRIES), range(ENTRIES))
        i = 0

        def lookup() -> int:
            nonlocal i
            for _ in range(1000):
                m.lookup(i % ENTRIES)
                i += 1
            return 1000

        def update() -> int:
            nonlocal i
            for _ in range(1000):
                m.update(i % ENTRIES, i)
                i += 1
            return 1000

        def per_key_walk() -> int:
            n = 0
            k = m.next_key()
            while k is not None:
                m.lookup(k)
                n += 1
                k = m.next_key(k)
            return n

        def batch_walk() -> int:
            cur = rbpf.BatchCursor()
            n = 0
            while not cur.done:
                keys, _ = m.lookup_batch(cur, 1000)
                n += len(keys)
            return n

        def items() -> int:
            return len(m.items())

        rows = {
            "lookup, map.lookup(key)": rate(a.secs, lookup),
            "update, map.update(key, value)": rate(a.secs, update),
            "whole map, per-key loop (next_key + lookup)": rate(a.secs, per_key_walk),
            "whole map, lookup_batch x1000": rate(a.secs, batch_walk),
            "whole map, items()": rate(a.secs, items),
        }
    if a.json:
        print(json.dumps(rows))
    else:
        print("| Python operation | elements/s |\n| --- | ---: |")
        for name, r in rows.items():
            print(f"| {name} | {r / 1e6:.2f} M |")
        loop = rows["whole map, per-key loop (next_key + lookup)"]
        print(f"\nbatch lookup vs per-key loop: {rows['whole map, lookup_batch x1000'] / loop:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
