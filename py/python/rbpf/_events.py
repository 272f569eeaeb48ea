"""``async for`` over a RingBuffer's or PerfBuffer's records, on the running asyncio loop.

The buffer's epoll fd (``fileno()``) is watched with ``loop.add_reader``: no thread, no
executor. Each wake-up drains the buffer once (``_take()``, which also runs the
callbacks of rings that have one) and yields the records kept for iteration. The
iteration ends when the buffer is closed (close() wakes a waiting iterator); a callback's
exception is raised from the ``async for``.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Protocol


class _Source(Protocol):
    def fileno(self) -> int: ...
    def _take(self) -> list[Any] | None: ...
    def _add_waker(self, waker: Any) -> None: ...
    def _remove_waker(self, waker: Any) -> None: ...


async def aiter_records(buf: _Source) -> AsyncIterator[Any]:
    loop = asyncio.get_running_loop()
    while True:
        records = buf._take()
        if records is None:  # closed
            return
        if records:
            for rec in records:
                yield rec
            # A busy buffer must not starve the loop's other tasks.
            await asyncio.sleep(0)
            continue
        ready = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        def wake_threadsafe() -> None:  # close() may run on another thread
            if not loop.is_closed():
                loop.call_soon_threadsafe(wake)

        fd = buf.fileno()
        buf._add_waker(wake_threadsafe)
        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
            buf._remove_waker(wake_threadsafe)
