#!/usr/bin/env python3
"""execsnoop: every exec on the machine, live, from a BPF ring buffer (rbpf's main demo).

    sudo .venv/bin/python examples/python/execsnoop.py [--duration 5]

Loads target/bpf/execsnoop.bpf.o (bpf/execsnoop.bpf.c), attaches its tracepoint
program, and prints one row per exec, decoded from the ring buffer by the object's BTF
type `struct exec_event` (no struct declared here). It runs a few harmless commands
itself so there is something to see on an idle machine, then prints a summary and exits.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

try:
    import rbpf
except ImportError:  # running from a source tree without installing: say how
    sys.exit("rbpf is not installed: run `make run` (or `cd py && maturin develop`) first")

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OBJ = REPO / "target" / "bpf" / "execsnoop.bpf.o"

# Harmless commands the demo runs itself, so events show up even on an idle machine.
DEMO_COMMANDS = [
    ["true"],
    ["uname", "-r"],
    ["date", "+%T"],
    ["id", "-u"],
    ["ls", "/"],
    ["sh", "-c", "echo hello from rbpf"],
    ["sleep", "0.1"],
    ["cat", "/proc/version"],
]


def cstr(b: bytes) -> str:
    """A char[N] field: up to the first NUL (ring records are not zeroed past it)."""
    return b.split(b"\0", 1)[0].decode(errors="replace")


def spawn_demo_commands(stop: threading.Event, interval: float) -> None:
    i = 0
    while not stop.wait(interval):
        cmd = DEMO_COMMANDS[i % len(DEMO_COMMANDS)]
        i += 1
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5)
        except (OSError, subprocess.SubprocessError):
            pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds to run (default 5)")
    ap.add_argument("--obj", type=Path, default=DEFAULT_OBJ, help="the compiled BPF object")
    ap.add_argument("--no-demo", action="store_true", help="do not run demo commands")
    ap.add_argument("--interval", type=float, default=0.4, help="seconds between demo commands")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("execsnoop needs root to load BPF programs; try: sudo " + " ".join(sys.argv), file=sys.stderr)
        return 1

    start_ns = time.monotonic_ns()  # bpf_ktime_get_ns() is CLOCK_MONOTONIC too
    seen = 0
    comms: collections.Counter[str] = collections.Counter()
    pids: set[int] = set()
    own = 0

    def on_exec(e: rbpf.Struct) -> None:
        nonlocal seen, own
        seen += 1
        pids.add(e.pid)
        comm = cstr(e.comm)
        comms[comm] += 1
        if e.ppid == os.getpid():
            own += 1
        t = max(0, e.ts_ns - start_ns) / 1e9
        print(f"{t:8.3f}  {e.pid:>7}  {e.ppid:>7}  {comm:<16} {cstr(e.filename)}", flush=True)

    with rbpf.Object.open(args.obj) as obj:
        obj.load()
        # Records are decoded by the object's own BTF: no struct declared here.
        events = rbpf.RingBuffer(obj.maps["events"], on_exec, value_type="struct exec_event")
        with obj.attach_all(), events as rb:
            print(f"Tracing exec() for {args.duration:g} s (object {obj.name}, Ctrl-C to stop early)\n")
            print(f"{'TIME(s)':>8}  {'PID':>7}  {'PPID':>7}  {'COMM':<16} FILENAME")
            stop = threading.Event()
            demo = threading.Thread(target=spawn_demo_commands, args=(stop, args.interval), daemon=True)
            if not args.no_demo:
                demo.start()
            deadline = time.monotonic() + args.duration
            try:
                while (left := deadline - time.monotonic()) > 0:
                    rb.poll(int(min(left, 0.1) * 1000) + 1)
            except KeyboardInterrupt:
                print("\ninterrupted")
            finally:
                stop.set()
                if demo.is_alive():
                    demo.join(timeout=6)
                rb.consume()  # whatever arrived meanwhile

    elapsed = (time.monotonic_ns() - start_ns) / 1e9
    print()
    print(f"Summary: {seen} exec events in {elapsed:.1f} s ({seen / elapsed:.1f}/s), "
          f"{len(pids)} processes, {own} started by this demo")
    if comms:
        print("Top commands:")
        for comm, n in comms.most_common(5):
            print(f"  {n:>5}  {comm}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        sys.exit(0)
