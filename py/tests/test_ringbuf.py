"""Ring buffer: raw and BTF-decoded records, callback verdicts and exceptions, Ctrl-C,
fileno() for selectors."""

from __future__ import annotations

import os
import selectors
import signal
import struct
import threading
import time

import pytest

import rbpf
from conftest import obj_path


@pytest.fixture
def maps_obj(root):
    obj = rbpf.Object.open(obj_path("maps"))
    obj.rodata.target_pid = os.getpid()
    obj.load()
    links = obj.attach_all()
    try:
        yield obj
    finally:
        links.detach()
        obj.close()


def test_raw_records(maps_obj):
    got: list[bytes] = []
    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], got.append) as rb:
        assert rb.poll(0) == 0
        for _ in range(3):
            os.getpid()
        n = rb.poll(1000)
        assert n == len(got) >= 3
        assert all(isinstance(r, bytes) and len(r) == 8 for r in got)
        calls = [struct.unpack("=Q", r)[0] for r in got]
        assert calls == sorted(calls) and calls[0] >= 1


def test_callback_exception_is_reraised(maps_obj):
    seen = []

    def cb(rec):
        seen.append(rec)
        if len(seen) == 1:
            raise ValueError("boom from callback")

    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], cb) as rb:
        os.getpid()
        os.getpid()
        with pytest.raises(ValueError, match="boom from callback"):
            rb.poll(1000)
        assert len(seen) == 1  # consumption stopped at the failing record
        # The next record is still there for the next call.
        assert rb.consume() >= 1
        assert len(seen) >= 2


def test_nonzero_return_stops(maps_obj):
    got = []

    def cb(rec):
        got.append(rec)
        return 1

    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], cb) as rb:
        for _ in range(3):
            os.getpid()
        assert rb.consume() == 1
        assert len(got) == 1


def test_fileno_with_selectors(maps_obj):
    got = []
    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], got.append) as rb:
        fd = rb.fileno()
        assert fd >= 0
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        os.getpid()
        assert sel.select(timeout=2)
        sel.close()
        assert rb.consume() >= 1 and got


def test_ctrl_c_interrupts_poll(maps_obj):
    # No traffic: stop the BPF side from producing during the wait.
    rb = rbpf.RingBuffer(maps_obj.maps["ringbuf"], lambda r: None)
    main = threading.get_ident()
    timer = threading.Timer(0.3, lambda: signal.pthread_kill(main, signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            while True:
                rb.poll(-1)
    finally:
        timer.cancel()
        rb.close()
    assert time.monotonic() - start < 5


def test_closed_ring_buffer(maps_obj):
    rb = rbpf.RingBuffer(maps_obj.maps["ringbuf"], lambda r: None)
    rb.close()
    rb.close()
    with pytest.raises(rbpf.BpfError):
        rb.poll(0)


def test_non_ringbuf_map_is_einval(maps_obj):
    with pytest.raises(rbpf.BpfError) as ei:
        rbpf.RingBuffer(maps_obj.maps["array_map"], lambda r: None)
    assert ei.value.errno == 22


def test_decoded_exec_events(root, gated_child):
    with rbpf.Object.open(obj_path("execsnoop")) as obj:
        obj.load()
        events = []
        with obj.attach_all(), rbpf.RingBuffer(
            obj.maps["events"], events.append, value_type="struct exec_event"
        ) as rb:
            child = gated_child("/bin/true")
            child.release()
            # The child execs twice: /bin/sh (the gate), then /bin/true.
            def is_true(e: rbpf.Struct) -> bool:
                return e.pid == child.pid and e.filename.split(b"\0")[0] == b"/bin/true"

            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not any(is_true(e) for e in events):
                rb.poll(100)
        mine = [e for e in events if is_true(e)]
        assert mine, f"no exec of /bin/true by pid {child.pid} among {len(events)} events"
        assert any(e.pid == child.pid and e.comm.split(b"\0")[0] == b"sh" for e in events)
        e = mine[0]
        assert isinstance(e, rbpf.Struct)
        assert e.ppid == os.getpid() or e.ppid > 0
        assert e.comm.split(b"\0")[0] == b"true"
        assert e.filename.split(b"\0")[0] == b"/bin/true"
        assert e.ts_ns > 0
        assert set(e._asdict()) == {"pid", "ppid", "ts_ns", "comm", "filename"}


def test_two_rings_one_buffer(root):
    with rbpf.Object.open(obj_path("maps")) as a, rbpf.Object.open(obj_path("maps")) as b:
        for o in (a, b):
            o.rodata.target_pid = os.getpid()
            o.load()
        got = {"a": 0, "b": 0}
        rb = rbpf.RingBuffer()
        rb.add(a.maps["ringbuf"], lambda r: got.__setitem__("a", got["a"] + 1))
        rb.add(b.maps["ringbuf"], lambda r: got.__setitem__("b", got["b"] + 1))
        assert rb.ring_count == 2
        with a.attach_all(), b.attach_all():
            os.getpid()
        rb.poll(1000)
        rb.consume()
        rb.close()
        assert got["a"] >= 1 and got["b"] >= 1


def test_asyncio_add_reader(maps_obj):
    import asyncio

    got: list[bytes] = []
    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], got.append) as rb:

        async def main() -> None:
            loop = asyncio.get_running_loop()
            done = asyncio.Event()

            def ready() -> None:
                rb.consume()
                if got:
                    done.set()

            loop.add_reader(rb.fileno(), ready)
            try:
                os.getpid()
                await asyncio.wait_for(done.wait(), 5)
            finally:
                loop.remove_reader(rb.fileno())

        asyncio.run(main())
    assert got


def test_records_decoded_by_btf_typedef(maps_obj):
    got = []
    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], got.append, value_type="__u64") as rb:
        os.getpid()
        os.getpid()
        assert rb.poll(1000) >= 2
    assert all(isinstance(v, int) for v in got)
    assert got == sorted(got) and got[0] >= 1


def test_unknown_value_type_is_enoent(maps_obj):
    with pytest.raises(rbpf.BpfError) as ei:
        rbpf.RingBuffer(maps_obj.maps["ringbuf"], print, value_type="struct no_such_type")
    assert ei.value.errno == 2
    assert "no_such_type" in ei.value.strerror


def test_syscount_events_decoded(root):
    import platform

    nr = {"x86_64": 39, "aarch64": 172}.get(platform.machine())
    if nr is None:
        pytest.skip(f"getpid's syscall number is not known here for {platform.machine()}")
    with rbpf.Object.open(obj_path("syscount")) as obj:
        for p in obj.programs.values():
            p.autoload = p.name == "count_syscalls"
        obj.rodata.target_pid = os.getpid()
        obj.rodata.watch_syscall = nr
        obj.load()
        got: list = []
        with obj.programs["count_syscalls"].attach(), rbpf.RingBuffer(
            obj.maps["events"], got.append, value_type="struct event"
        ) as rb:
            for _ in range(3):
                os.getpid()
            rb.poll(1000)
    assert len(got) >= 3
    assert all(e.pid == os.getpid() and e.syscall_id == nr for e in got)
    assert all(e.comm.split(b"\0")[0] for e in got)


# ---- async for, zero-copy and batched delivery --------------------------------------


def _calls(rec: bytes) -> int:
    return struct.unpack("=Q", rec)[0]


def test_async_for_records(maps_obj):
    import asyncio

    rb = rbpf.RingBuffer(maps_obj.maps["ringbuf"])  # no callback: records go to `async for`

    async def main() -> list[bytes]:
        got: list[bytes] = []
        loop = asyncio.get_running_loop()
        # Produce from the loop once the iterator is waiting.
        loop.call_later(0.05, lambda: [os.getpid() for _ in range(3)])
        async for rec in rb.events():
            got.append(rec)
            if len(got) >= 3:
                break
        return got

    try:
        got = asyncio.run(asyncio.wait_for(main(), 5))
    finally:
        rb.close()
    assert len(got) >= 3 and all(isinstance(r, bytes) and len(r) == 8 for r in got)
    calls = [_calls(r) for r in got]
    assert calls == sorted(calls)


def test_async_for_decoded_and_ends_on_close(maps_obj):
    import asyncio

    rb = rbpf.RingBuffer(maps_obj.maps["ringbuf"], value_type="__u64")

    async def main() -> list[int]:
        got: list[int] = []
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, os.getpid)
        loop.call_later(0.5, rb.close)  # ends the iteration instead of hanging

        async for v in rb:  # __aiter__
            got.append(v)
        return got

    got = asyncio.run(asyncio.wait_for(main(), 5))
    assert got and all(isinstance(v, int) and v >= 1 for v in got)
    assert rb.closed


def test_async_for_keeps_loop_responsive(maps_obj):
    import asyncio

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def main() -> None:
        t = asyncio.create_task(ticker())
        produced = False

        def produce() -> None:
            nonlocal produced
            produced = True
            os.getpid()

        with rbpf.RingBuffer(maps_obj.maps["ringbuf"]) as rb:
            asyncio.get_running_loop().call_later(0.3, produce)
            async for _ in rb.events():
                if produced:
                    break
        t.cancel()

    asyncio.run(asyncio.wait_for(main(), 5))
    assert ticks >= 10  # the loop kept running while the iterator waited


def test_async_for_reraises_callback_exception(maps_obj, root):
    import asyncio

    # Two rings: one with a failing callback, one feeding `async for`.
    with rbpf.Object.open(obj_path("maps")) as other:
        other.rodata.target_pid = os.getpid()
        other.load()
        rb = rbpf.RingBuffer()

        def boom(rec: bytes) -> None:
            raise RuntimeError("callback failed")

        rb.add(maps_obj.maps["ringbuf"], boom)
        rb.add(other.maps["ringbuf"])

        async def main() -> None:
            asyncio.get_running_loop().call_later(0.05, os.getpid)
            async for _ in rb.events():
                pass

        with other.attach_all():
            with pytest.raises(RuntimeError, match="callback failed"):
                asyncio.run(asyncio.wait_for(main(), 5))
        rb.close()


def test_zero_copy_view_is_invalidated(maps_obj):
    kept: list[memoryview] = []
    seen: list[bytes] = []

    def cb(view: memoryview) -> None:
        assert isinstance(view, memoryview) and view.readonly
        seen.append(bytes(view))
        assert view.nbytes == 8 and _calls(view.tobytes()) >= 1
        kept.append(view)

    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], cb, copy=False) as rb:
        os.getpid()
        os.getpid()
        assert rb.poll(1000) >= 2
    assert len(kept) >= 2 and len(seen) == len(kept)
    with pytest.raises(ValueError, match="released"):
        bytes(kept[0])
    with pytest.raises(ValueError):
        kept[0][0]
    calls = [_calls(b) for b in seen]
    assert calls == sorted(calls)


def test_zero_copy_escaped_slice_is_an_error(maps_obj):
    escaped: list[memoryview] = []

    def cb(view: memoryview) -> None:
        escaped.append(view[0:4])  # a derived view outliving the callback

    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], cb, copy=False) as rb:
        os.getpid()
        with pytest.raises(BufferError, match="outlived"):
            rb.poll(1000)
    # The escaped view still reads mapped memory (kept alive), never freed memory.
    assert len(bytes(escaped[0])) == 4
    escaped.clear()


def test_zero_copy_mode_checks(maps_obj):
    m = maps_obj.maps["ringbuf"]
    with pytest.raises(ValueError, match="value_type"):
        rbpf.RingBuffer(m, print, copy=False, value_type="__u64")
    with pytest.raises(ValueError, match="batch"):
        rbpf.RingBuffer(m, print, copy=False, batch=True)
    with pytest.raises(ValueError, match="callback"):
        rbpf.RingBuffer(m, batch=True)
    with pytest.raises(TypeError):
        rbpf.RingBuffer(m, print, no_such_option=1)


def test_batch_delivery(maps_obj):
    batches: list[rbpf.RecordBatch] = []
    singles: list[bytes] = []
    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], batches.append, batch=True) as rb:
        for _ in range(50):
            os.getpid()
        n = rb.poll(1000)
        n += rb.consume()
    assert n >= 50
    assert 1 <= len(batches) <= 2  # one call per drain, not per record
    b = batches[0]
    assert isinstance(b, rbpf.RecordBatch)
    import collections.abc

    assert isinstance(b, collections.abc.Sequence)
    assert len(b) >= 50 and b.record_size == 8
    assert len(b.data) == 8 * len(b)
    recs = list(b)
    assert recs == b.tolist() and all(isinstance(r, bytes) for r in recs)
    assert b[-1] == recs[-1] and b[0] == b.data[:8]
    with pytest.raises(IndexError):
        b[len(b)]
    calls = [c for (c,) in struct.iter_unpack("=Q", b.data)]
    assert calls == [_calls(r) for r in recs] and calls == sorted(calls)
    singles = [r for bb in batches for r in bb]
    assert len(singles) == n


def test_batch_delivery_decoded(maps_obj):
    batches: list[rbpf.RecordBatch] = []
    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], batches.append, batch=True, value_type="__u64") as rb:
        for _ in range(5):
            os.getpid()
        rb.poll(1000)
    vals = [v for b in batches for v in b]
    assert len(vals) >= 5 and all(isinstance(v, int) for v in vals)
    assert vals == sorted(vals)


def test_batch_callback_exception_is_reraised(maps_obj):
    def cb(batch: rbpf.RecordBatch) -> None:
        raise KeyError("batch boom")

    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], cb, batch=True) as rb:
        os.getpid()
        with pytest.raises(KeyError, match="batch boom"):
            rb.poll(1000)


def test_ring_accessors_and_consume(maps_obj):
    got: list[bytes] = []
    with rbpf.RingBuffer(maps_obj.maps["ringbuf"], got.append) as rb:
        r = rb.ring(0)
        assert isinstance(r, rbpf.Ring) and r.index == 0
        assert r.size == 64 * 1024 and r.map_fd >= 0
        rb.consume()
        assert r.avail_data_size == 0 and r.consumer_pos == r.producer_pos
        for _ in range(3):
            os.getpid()
        # Each record: 8-byte header + 8 bytes.
        assert r.avail_data_size >= 3 * 16
        assert r.producer_pos - r.consumer_pos == r.avail_data_size
        assert r.consume(2) == 2 and len(got) == 2
        assert r.consume() >= 1
        assert r.avail_data_size == 0
        with pytest.raises(rbpf.BpfError) as ei:
            rb.ring(1)
        assert ei.value.errno == 22
    with pytest.raises(rbpf.BpfError):
        r.consumer_pos  # closed
