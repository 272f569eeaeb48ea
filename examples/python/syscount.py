#!/usr/bin/env python3
"""Count the system calls of one command with rbpf.

    sudo .venv/bin/python examples/python/syscount.py [COMMAND ARGS...]   (default: ls -l /)

Opens target/bpf/syscount.bpf.o, sets the .rodata filter `target_pid` to the child's
pid before load, attaches the tracepoint program, lets the child run, then reads the
`counts` hash map (u32 syscall id -> u64 count, typed by BTF) and the `.bss` total.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import rbpf

OBJ = Path(__file__).resolve().parents[2] / "target" / "bpf" / "syscount.bpf.o"


def main() -> int:
    cmd = sys.argv[1:] or ["ls", "-l", "/"]
    # The child waits on stdin so the filter is in place before it runs.
    child = subprocess.Popen(["sh", "-c", 'read _; exec "$@"', "sh", *cmd], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        with rbpf.Object.open(OBJ) as obj:
            obj.rodata.target_pid = child.pid
            for prog in obj.programs.values():
                prog.autoload = prog.name == "count_syscalls"
            obj.load()
            with obj.programs["count_syscalls"].attach():
                assert child.stdin is not None
                child.stdin.close()
                child.wait()
            rows = sorted(obj.maps["counts"].items(), key=lambda kv: -kv[1])
            print(f"{'SYSCALL':>8}  {'COUNT':>7}")
            for nr, n in rows[:15]:
                print(f"{nr:>8}  {n:>7}")
            print(f"{obj.bss.total} syscalls, {len(rows)} distinct, by pid {child.pid} ({' '.join(cmd)})")
    finally:
        if child.poll() is None:
            child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
