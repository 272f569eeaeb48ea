#!/usr/bin/env python3
"""Ring buffer throughput from Python (issue 5): records per second delivered to Python
by rbpf.RingBuffer, per record, batched and zero-copy, from a BPF producer that outpaces
the consumer.

    sudo .venv/bin/python py/bench_ringbuf.py [--secs 2] [--runs 3] [--json]

The producer is the same as the Rust/C benchmark's (bench/src/events.rs):
bpf/ringbench.bpf.c's `produce` (SEC("syscall")) run with BPF_PROG_TEST_RUN in a loop on
another thread, emitting 100k 16-byte records per run into a 256 KiB ring and counting
what does not fit, so the producer never waits for the consumer. The Python API has no
test-run call (yet), so this script issues BPF_PROG_TEST_RUN itself with ctypes (the
call releases the GIL). Each mode polls for `--secs` seconds; the figure is the median of
`--runs` runs of records delivered per second.

Modes:
  per-record   RingBuffer(map, cb): cb(bytes) once per record
  zero-copy    RingBuffer(map, cb, copy=False): cb(memoryview) once per record
  batch        RingBuffer(map, cb, batch=True): cb(RecordBatch) once per drain
  batch+items  as batch, and the callback also touches every record (iter_unpack)
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import struct
import sys
import threading
import time
from pathlib import Path

import rbpf

REPO = Path(__file__).resolve().parents[1]
OBJ = REPO / "target" / "bpf" / "ringbench.bpf.o"
PER_RUN = 100_000
SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(platform.machine())
BPF_PROG_TEST_RUN = 10

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def test_run(prog_fd: int) -> None:
    """BPF_PROG_TEST_RUN with no input (the `test` member of union bpf_attr)."""
    attr = (ctypes.c_uint8 * 80)()
    struct.pack_into("=I", attr, 0, prog_fd)
    if _libc.syscall(SYS_BPF, BPF_PROG_TEST_RUN, ctypes.byref(attr), ctypes.sizeof(attr)) < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"BPF_PROG_TEST_RUN: {os.strerror(e)}")


def measure(obj: rbpf.Object, mode: str, secs: float) -> float:
    m = obj.maps["bench_rb"]
    prog_fd = obj.programs["produce"].fd
    # Start from an empty ring.
    with rbpf.RingBuffer(m, lambda r: None, batch=True) as rb:
        rb.consume()
    n = 0

    def per_record(rec: object) -> None:
        nonlocal n
        n += 1

    def batched(b: rbpf.RecordBatch) -> None:
        nonlocal n
        n += len(b)

    def batched_items(b: rbpf.RecordBatch) -> None:
        nonlocal n
        s = 0
        for seq, _ in struct.iter_unpack("=QQ", b.data):
            s += seq
        n += len(b)

    if mode == "per-record":
        rb = rbpf.RingBuffer(m, per_record)
    elif mode == "zero-copy":
        rb = rbpf.RingBuffer(m, per_record, copy=False)
    elif mode == "batch":
        rb = rbpf.RingBuffer(m, batched, batch=True)
    elif mode == "batch+items":
        rb = rbpf.RingBuffer(m, batched_items, batch=True)
    else:
        raise ValueError(mode)

    stop = threading.Event()
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            while not stop.is_set():
                test_run(prog_fd)
        except BaseException as e:  # report it from the main thread
            errors.append(e)

    t = threading.Thread(target=produce, daemon=True)
    t.start()
    try:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < secs:
            rb.poll(100)
        elapsed = time.perf_counter() - t0
    finally:
        stop.set()
        t.join()
        rb.close()
    if errors:
        raise errors[0]
    return n / elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--secs", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modes", default="per-record,zero-copy,batch,batch+items")
    ap.add_argument("--json", action="store_true", help="print {mode: records/s} as JSON")
    a = ap.parse_args()
    if SYS_BPF is None:
        print(f"no bpf syscall number known for {platform.machine()}", file=sys.stderr)
        return 2
    if not OBJ.exists():
        print(f"{OBJ} is not built (cargo build -p rbpf-testprogs)", file=sys.stderr)
        return 2
    with rbpf.Object.open(OBJ) as obj:
        obj.load()
        obj.bss.nr_records = PER_RUN
        rates = {}
        for mode in a.modes.split(","):
            rates[mode] = statistics.median(measure(obj, mode, a.secs) for _ in range(a.runs))
    if a.json:
        print(json.dumps(rates))
    else:
        print("| Python consumer | records/s |\n| --- | ---: |")
        for mode, r in rates.items():
            print(f"| {mode} | {r / 1e6:.2f} M |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
