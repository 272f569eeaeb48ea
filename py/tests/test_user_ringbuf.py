"""UserRingBuffer over bpf/user_ringbuf.bpf.c: user space reserves, fills and submits
samples; the `drain` program (run with BPF_PROG_TEST_RUN) reads them with
bpf_user_ringbuf_drain, summing each sample's first u64 and counting its size (second
u64)."""

from __future__ import annotations

import errno
import struct
import time

import pytest

import rbpf
from conftest import bpf_prog_test_run, obj_path


@pytest.fixture
def urb_obj(root):
    obj = rbpf.Object.open(obj_path("user_ringbuf"))
    obj.load()
    try:
        yield obj
    finally:
        obj.close()


def _drain(obj: rbpf.Object) -> tuple[int, int, int, int]:
    bpf_prog_test_run(obj.programs["drain"].fd)
    b = obj.bss
    return b.drained_cnt, b.drained_sum, b.drained_bytes, b.drain_ret


def test_reserve_write_submit_and_drain(urb_obj):
    with rbpf.UserRingBuffer(urb_obj.maps["user_ringbuf"]) as urb:
        assert urb.size == 16 * 1024 and urb.used == 0
        s = urb.reserve(16)
        assert len(s) == 16
        s.write(struct.pack("=QQ", 5, 16))
        s.submit()
        with urb.reserve(24) as s2:  # submitted on exit
            s2.write(struct.pack("=Q", 7))
            s2.write(struct.pack("=Q", 24), offset=8)
        urb.write(struct.pack("=QQ", 100, 16))  # reserve + copy + submit
        assert urb.used > 0
        cnt, total, nbytes, ret = _drain(urb_obj)
        assert (cnt, total, nbytes, ret) == (3, 112, 56, 3)
        assert urb.used == 0 and urb.consumer_pos == urb.producer_pos


def test_discarded_samples_are_not_seen(urb_obj):
    with rbpf.UserRingBuffer(urb_obj.maps["user_ringbuf"]) as urb:
        s = urb.reserve(16)
        s.write(struct.pack("=QQ", 1000, 16))
        s.discard()
        with pytest.raises(RuntimeError):
            with urb.reserve(16) as s2:  # an exception discards it
                s2.write(struct.pack("=QQ", 2000, 16))
                raise RuntimeError("abandon")
        s3 = urb.reserve(16)
        s3.write(struct.pack("=QQ", 3000, 16))
        del s3  # dropped unsubmitted: discarded
        urb.write(struct.pack("=QQ", 1, 16))
        cnt, total, _, _ = _drain(urb_obj)
        assert (cnt, total) == (1, 1)


def test_sample_misuse(urb_obj):
    with rbpf.UserRingBuffer(urb_obj.maps["user_ringbuf"]) as urb:
        s = urb.reserve(8)
        with pytest.raises(ValueError, match="don't fit"):
            s.write(b"x" * 9)
        with pytest.raises(ValueError):
            s.write(b"x" * 4, offset=6)
        s.write(memoryview(b"abcdefgh"))
        s.submit()
        with pytest.raises(rbpf.BpfError):
            s.submit()
        with pytest.raises(rbpf.BpfError):
            s.write(b"x")
        _drain(urb_obj)


def test_full_ring_and_blocking_reserve(urb_obj):
    with rbpf.UserRingBuffer(urb_obj.maps["user_ringbuf"]) as urb:
        with pytest.raises(rbpf.BpfError) as ei:
            urb.reserve(32 * 1024)
        assert ei.value.errno == errno.E2BIG
        n = 0
        while True:
            try:
                urb.write(struct.pack("=QQ", 1, 16) + bytes(1008))
            except rbpf.BpfError as e:
                assert e.errno == errno.ENOSPC
                break
            n += 1
            assert n < 100
        assert n >= 10
        t0 = time.monotonic()
        with pytest.raises(rbpf.BpfError) as ei:
            urb.reserve_blocking(1024, 200)
        assert ei.value.errno == errno.ENOSPC and "user_ringbuf" in ei.value.strerror
        assert 0.15 < time.monotonic() - t0 < 3
        cnt, total, _, _ = _drain(urb_obj)
        assert cnt == n and total == n
        s = urb.reserve_blocking(1024, 0)  # space again
        s.discard()


def test_not_a_user_ringbuf(root):
    with rbpf.Object.open(obj_path("maps")) as obj:
        obj.load()
        with pytest.raises(rbpf.BpfError) as ei:
            rbpf.UserRingBuffer(obj.maps["ringbuf"])
        assert ei.value.errno == errno.EINVAL and "ringbuf" in ei.value.strerror
        with pytest.raises(TypeError, match="no_such"):
            rbpf.UserRingBuffer(obj.maps["ringbuf"], no_such=1)


def test_closed(urb_obj):
    urb = rbpf.UserRingBuffer(urb_obj.maps["user_ringbuf"])
    s = urb.reserve(16)
    urb.close()
    urb.close()
    assert urb.closed
    with pytest.raises(rbpf.BpfError) as ei:
        urb.reserve(16)
    assert ei.value.errno == errno.EBADF
    # A sample reserved before close still has its memory.
    s.write(struct.pack("=QQ", 9, 16))
    s.submit()
    assert _drain(urb_obj)[0] == 1
