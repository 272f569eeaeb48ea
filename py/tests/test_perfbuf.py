"""PerfBuffer over bpf/perf_events.bpf.c (bpf_perf_event_output on getppid()): per-CPU
(cpu, data) callbacks like libbpf's sample_cb, BTF-decoded samples, lost-sample
notices, exceptions, Ctrl-C, selectors and asyncio."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import selectors
import signal
import struct
import threading
import time

import pytest

import rbpf
from conftest import obj_path

COOKIE = 0x1122334455667788
REC = struct.Struct("=IIQ16s")  # struct perf_rec


@pytest.fixture
def perf_obj(root):
    obj = rbpf.Object.open(obj_path("perf_events"))
    obj.rodata.target_pid = os.getpid()
    obj.load()
    links = obj.attach_all()
    try:
        yield obj
    finally:
        links.detach()
        obj.close()


def _poll_until(pb: rbpf.PerfBuffer, cond, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        pb.poll(100)


def test_raw_samples_per_cpu(perf_obj):
    got: list[tuple[int, bytes]] = []
    with rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, data: got.append((cpu, data))) as pb:
        assert 1 <= pb.buffer_cnt <= rbpf.num_possible_cpus()
        cpus = [pb.buffer_cpu(i) for i in range(pb.buffer_cnt)]
        assert all(pb.buffer_fd(i) >= 0 for i in range(pb.buffer_cnt))
        assert pb.fileno() >= 0
        for _ in range(3):
            os.getppid()
        _poll_until(pb, lambda: len(got) >= 3)
    assert len(got) >= 3
    for cpu, data in got:
        assert cpu in cpus
        assert isinstance(data, bytes) and REC.size <= len(data) <= REC.size + 4  # kernel padding
        pid, _seq, cookie, comm = REC.unpack_from(data)
        assert pid == os.getpid() and cookie == COOKIE and comm.split(b"\0")[0]
    seqs = [REC.unpack_from(d)[1] for _, d in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_decoded_samples_and_burst(perf_obj):
    perf_obj.data.burst = 20
    got: list = []
    with rbpf.PerfBuffer(
        perf_obj.maps["events"], lambda cpu, rec: got.append(rec), value_type="struct perf_rec"
    ) as pb:
        os.getppid()
        _poll_until(pb, lambda: len(got) >= 20)
    assert len(got) >= 20
    first = got[0]
    assert isinstance(first, rbpf.Struct)
    assert set(first._asdict()) == {"pid", "seq", "cookie", "comm"}
    assert first.pid == os.getpid() and first.cookie == COOKIE
    seqs = [r.seq for r in got[:20]]
    assert seqs == list(range(seqs[0], seqs[0] + 20))


def test_lost_samples_reported(perf_obj):
    perf_obj.data.burst = 1024  # ~48 KiB of samples into one 4 KiB buffer
    lost: list[tuple[int, int]] = []
    samples = 0

    def on_sample(cpu: int, data: bytes) -> None:
        nonlocal samples
        samples += 1

    with rbpf.PerfBuffer(
        perf_obj.maps["events"], on_sample, page_cnt=1, lost_callback=lambda cpu, n: lost.append((cpu, n))
    ) as pb:
        # The kernel reports the loss with the first sample that fits once the
        # consumer has made room: overflow, drain, emit again.
        deadline = time.monotonic() + 5
        while not lost and time.monotonic() < deadline:
            os.getppid()
            pb.poll(100)
    assert lost, "no lost-sample notice from an overflowing one-page buffer"
    assert all(n > 0 for _, n in lost)
    assert samples < 1024 * 5


def test_lost_samples_logged_without_callback(perf_obj, caplog):
    perf_obj.data.burst = 1024
    with caplog.at_level(logging.WARNING, logger="rbpf"):
        with rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, data: None, page_cnt=1) as pb:
            deadline = time.monotonic() + 5
            while "lost" not in caplog.text and time.monotonic() < deadline:
                os.getppid()
                pb.poll(100)
    assert "perf buffer 'events': lost" in caplog.text


def test_callback_exception_is_reraised(perf_obj):
    seen = []

    def cb(cpu: int, data: bytes) -> None:
        seen.append(data)
        if len(seen) == 1:
            raise ValueError("perf boom")

    with rbpf.PerfBuffer(perf_obj.maps["events"], cb) as pb:
        os.getppid()
        os.getppid()
        with pytest.raises(ValueError, match="perf boom"):
            _poll_until(pb, lambda: False)
        assert len(seen) == 1  # consumption stopped at the failing sample
        # The next one is still there.
        assert pb.consume() >= 1
        assert len(seen) >= 2


def test_nonzero_return_stops(perf_obj):
    got = []
    with rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, d: got.append(d) or 1) as pb:
        for _ in range(3):
            os.getppid()
        time.sleep(0.05)
        assert pb.consume() == 1
        assert len(got) == 1


def test_consume_buffer_and_bad_index(perf_obj):
    got = []
    with rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, d: got.append(cpu)) as pb:
        os.getppid()
        time.sleep(0.05)
        n = sum(pb.consume_buffer(i) for i in range(pb.buffer_cnt))
        assert n >= 1 and len(got) == n
        with pytest.raises(rbpf.BpfError) as ei:
            pb.consume_buffer(pb.buffer_cnt)
        assert ei.value.errno == errno.EINVAL
        with pytest.raises(rbpf.BpfError):
            pb.buffer_fd(pb.buffer_cnt)


def test_selectors(perf_obj):
    got = []
    with rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, d: got.append(d)) as pb:
        sel = selectors.DefaultSelector()
        sel.register(pb.fileno(), selectors.EVENT_READ)
        os.getppid()
        assert sel.select(timeout=2)
        sel.close()
        assert pb.consume() >= 1 and got


def test_ctrl_c_interrupts_poll(perf_obj):
    pb = rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, d: None)
    main = threading.get_ident()
    timer = threading.Timer(0.3, lambda: signal.pthread_kill(main, signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            while True:
                pb.poll(None)
    finally:
        timer.cancel()
        pb.close()
    assert time.monotonic() - start < 5


def test_async_for_pairs(perf_obj):
    pb = rbpf.PerfBuffer(perf_obj.maps["events"], value_type="struct perf_rec")

    async def main() -> list:
        got = []
        asyncio.get_running_loop().call_later(0.05, lambda: [os.getppid() for _ in range(2)])
        async for cpu, rec in pb.events():
            got.append((cpu, rec))
            if len(got) >= 2:
                break
        return got

    try:
        got = asyncio.run(asyncio.wait_for(main(), 5))
    finally:
        pb.close()
    assert len(got) == 2
    assert all(isinstance(cpu, int) and rec.pid == os.getpid() for cpu, rec in got)


def test_close_is_idempotent_and_blocks_use(perf_obj):
    pb = rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, d: None)
    assert not pb.closed
    pb.close()
    pb.close()
    assert pb.closed
    with pytest.raises(rbpf.BpfError) as ei:
        pb.poll(0)
    assert ei.value.errno == errno.EBADF


def test_argument_errors(perf_obj):
    with pytest.raises(rbpf.BpfError) as ei:
        rbpf.PerfBuffer(perf_obj.maps["events"], print, page_cnt=3)
    assert ei.value.errno == errno.EINVAL and "power of 2" in ei.value.strerror
    with pytest.raises(TypeError, match="no_such"):
        rbpf.PerfBuffer(perf_obj.maps["events"], print, no_such=1)
    with pytest.raises(TypeError):
        rbpf.PerfBuffer(perf_obj.maps["events"], 42)
    # No zero-copy form for perf buffers (wrapped samples live in a reused scratch buffer).
    with pytest.raises(TypeError, match="copy"):
        rbpf.PerfBuffer(perf_obj.maps["events"], print, copy=False)


def test_not_a_perf_event_array(root):
    with rbpf.Object.open(obj_path("maps")) as obj:
        obj.load()
        with pytest.raises(rbpf.BpfError) as ei:
            rbpf.PerfBuffer(obj.maps["array_map"], print)
        assert ei.value.errno == errno.EINVAL
        assert "array_map" in ei.value.strerror


def test_sample_period_option(perf_obj):
    got = []
    with rbpf.PerfBuffer(perf_obj.maps["events"], lambda cpu, d: got.append(d), sample_period=1) as pb:
        os.getppid()
        _poll_until(pb, lambda: bool(got))
    assert got
