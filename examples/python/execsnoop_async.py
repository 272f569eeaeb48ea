#!/usr/bin/env python3
"""execsnoop with asyncio: the ring buffer's epoll fd in the event loop, no thread.

    sudo .venv/bin/python examples/python/execsnoop_async.py [--duration 3]
"""

from __future__ import annotations

import argparse
import asyncio
import struct
from pathlib import Path

import rbpf

OBJ = Path(__file__).resolve().parents[2] / "target" / "bpf" / "execsnoop.bpf.o"


# struct exec_event {u32 pid; u32 ppid; u64 ts_ns; char comm[16]; char filename[64];}
EXEC_EVENT = struct.Struct("=IIQ16s64s")


def cstr(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode(errors="replace")


async def main(duration: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    with rbpf.Object.open(OBJ) as obj:
        obj.load()
        with obj.attach_all(), rbpf.RingBuffer(obj.maps["events"], queue.put_nowait) as rb:
            loop.add_reader(rb.fileno(), rb.consume)  # drain when the epoll fd is readable
            try:
                proc = await asyncio.create_subprocess_exec("uname", "-a", stdout=asyncio.subprocess.DEVNULL)
                await proc.wait()
                end = loop.time() + duration
                while (left := end - loop.time()) > 0:
                    try:
                        raw = await asyncio.wait_for(queue.get(), left)
                    except TimeoutError:
                        break
                    # Raw records (bytes) here; execsnoop.py shows BTF-typed decoding.
                    pid, _ppid, _ts, comm, filename = EXEC_EVENT.unpack_from(raw)
                    print(f"{pid:>7}  {cstr(comm):<16} {cstr(filename)}")
            finally:
                loop.remove_reader(rb.fileno())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=3.0)
    asyncio.run(main(ap.parse_args().duration))
