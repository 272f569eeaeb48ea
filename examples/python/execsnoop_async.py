#!/usr/bin/env python3
"""execsnoop with asyncio: `async for` over the ring buffer's records, decoded by BTF;
the epoll fd is watched by the event loop (add_reader), no thread.

    sudo .venv/bin/python examples/python/execsnoop_async.py [--duration 3]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import rbpf

OBJ = Path(__file__).resolve().parents[2] / "target" / "bpf" / "execsnoop.bpf.o"


def cstr(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode(errors="replace")


async def show(rb: rbpf.RingBuffer) -> None:
    async for e in rb.events():  # ends when rb is closed
        print(f"{e.pid:>7}  {cstr(e.comm):<16} {cstr(e.filename)}")


async def main(duration: float) -> None:
    with rbpf.Object.open(OBJ) as obj:
        obj.load()
        # No callback: the records go to `async for`.
        with obj.attach_all(), rbpf.RingBuffer(obj.maps["events"], value_type="struct exec_event") as rb:
            printer = asyncio.create_task(show(rb))
            proc = await asyncio.create_subprocess_exec("uname", "-a", stdout=asyncio.subprocess.DEVNULL)
            await proc.wait()
            await asyncio.sleep(duration)
        await printer  # closing the ring buffer ended the iteration


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=3.0)
    asyncio.run(main(ap.parse_args().duration))
