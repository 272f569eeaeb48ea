"""Handles release what they hold: no fd left behind by closed objects, dropped links,
ring buffers, or objects closed while their links and maps are still referenced."""

from __future__ import annotations

import gc
import os

import rbpf
from conftest import obj_path


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _cycle(with_ring: bool) -> None:
    obj = rbpf.Object.open(obj_path("maps"))
    obj.rodata.target_pid = os.getpid()
    obj.load()
    link = obj.programs["update_maps"].attach()
    if with_ring:
        rb = rbpf.RingBuffer(obj.maps["ringbuf"], lambda r: None)
        os.getpid()
        rb.poll(0)
        rb.close()
    link.detach()
    obj.close()


def test_no_fd_leak_over_cycles(root):
    _cycle(True)  # warm-up (vmlinux BTF cache, feature probes)
    gc.collect()
    before = _fds()
    for i in range(20):
        _cycle(with_ring=i % 2 == 0)
    gc.collect()
    assert _fds() == before


def test_dropped_handles_release_fds(root):
    _cycle(True)
    gc.collect()
    before = _fds()
    for _ in range(10):
        obj = rbpf.Object.open(obj_path("maps"))
        obj.load()
        _link = obj.programs["update_maps"].attach()
        _rb = rbpf.RingBuffer(obj.maps["ringbuf"], lambda r: None)
        _map = obj.maps["array_map"]
        del obj, _link, _rb, _map  # no close(), no detach()
    gc.collect()
    assert _fds() == before


def test_handles_after_object_close_do_not_crash(root):
    obj = rbpf.Object.open(obj_path("maps"))
    obj.rodata.target_pid = 4194305  # above PID_MAX_LIMIT: no other process's getpid() fills the ring
    obj.load()
    link = obj.programs["update_maps"].attach()
    m = obj.maps["array_map"]
    rb = rbpf.RingBuffer(obj.maps["ringbuf"], lambda r: None)
    obj.close()
    # The ring buffer holds its own fds; the map handle reports the closed object.
    assert rb.poll(0) == 0
    rb.close()
    try:
        m[0]
    except rbpf.BpfError as e:
        assert "closed" in e.strerror
    else:
        raise AssertionError("map access after close did not fail")
    link.detach()


def test_zero_copy_and_perf_buffers_release_fds(root):
    _cycle(True)
    gc.collect()
    before = _fds()
    for _ in range(5):
        with rbpf.Object.open(obj_path("maps")) as obj:
            obj.rodata.target_pid = os.getpid()
            obj.load()
            with obj.attach_all():
                views = []
                rb = rbpf.RingBuffer(obj.maps["ringbuf"], views.append, copy=False)
                os.getpid()
                rb.poll(100)
                rb.close()
        with rbpf.Object.open(obj_path("perf_events")) as obj:
            obj.load()
            pb = rbpf.PerfBuffer(obj.maps["events"], lambda cpu, d: None)
            pb.poll(0)
            del pb  # no close(): dropping it releases the per-CPU events too
    gc.collect()
    assert _fds() == before
