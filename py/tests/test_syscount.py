"""Count the syscalls of a child process the test spawns, filtered by its pid through
.rodata; the same program through each attach call."""

from __future__ import annotations

import pytest

import rbpf
from conftest import obj_path


def _only(obj: rbpf.Object, name: str) -> None:
    for p in obj.programs.values():
        p.autoload = p.name == name


def test_counts_child_syscalls_auto_attach(root, gated_child):
    child = gated_child("ls", "-l", "/")
    with rbpf.Object.open(obj_path("syscount")) as obj:
        obj.rodata.target_pid = child.pid
        assert obj.rodata.target_pid == child.pid
        _only(obj, "count_syscalls")
        obj.load()
        with obj.programs["count_syscalls"].attach() as link:
            assert link.fd >= 0
            assert child.release() == 0
        assert link.detached
        counts = obj.maps["counts"]
        items = dict(counts.items())
        assert len(items) >= 5, items
        assert all(isinstance(k, int) and isinstance(v, int) and v > 0 for k, v in items.items())
        total = obj.bss.total
        assert total == sum(items.values())
        assert total >= 20
        # No counting after detach.
        child2 = gated_child("true")
        child2.release()
        assert obj.bss.total == total


def test_attach_tracepoint_explicit(root, gated_child):
    child = gated_child("true")
    with rbpf.Object.open(obj_path("syscount")) as obj:
        obj.rodata.target_pid = child.pid
        _only(obj, "count_syscalls")
        obj.load()
        link = obj.programs["count_syscalls"].attach_tracepoint("raw_syscalls", "sys_enter", bpf_cookie=7)
        try:
            child.release()
        finally:
            link.detach()
            link.detach()  # idempotent
        assert obj.bss.total > 0
        assert len(obj.maps["counts"]) > 0


def test_attach_raw_tracepoint(root, gated_child):
    child = gated_child("true")
    with rbpf.Object.open(obj_path("syscount")) as obj:
        obj.rodata.target_pid = child.pid
        _only(obj, "count_raw")
        obj.load()
        with obj.programs["count_raw"].attach_raw_tracepoint("sys_enter"):
            child.release()
        assert obj.bss.raw_total > 0
        assert obj.bss.total == 0


def test_attach_trace_tp_btf(root, gated_child):
    child = gated_child("true")
    with rbpf.Object.open(obj_path("syscount")) as obj:
        obj.rodata.target_pid = child.pid
        _only(obj, "count_btf")
        obj.load()
        with obj.programs["count_btf"].attach_trace():
            child.release()
        assert obj.bss.btf_total > 0


def test_attach_all_links_detached_by_close(root, gated_child):
    child = gated_child("true")
    obj = rbpf.Object.open(obj_path("syscount"))
    try:
        obj.rodata.target_pid = child.pid
        obj.load()
        links = obj.attach_all()
        assert len(links) == 3
        assert all(isinstance(l, rbpf.Link) for l in links)
        child.release()
        assert obj.bss.total > 0 and obj.bss.raw_total > 0 and obj.bss.btf_total > 0
    finally:
        obj.close()
    assert all(l.detached for l in links)


def test_link_outlives_object(root):
    obj = rbpf.Object.open(obj_path("syscount"))
    _only(obj, "count_syscalls")
    obj.load()
    link = obj.programs["count_syscalls"].attach()
    obj.close()
    assert link.fd >= 0
    link.detach()
    assert link.detached


def test_kwargs_validated_on_attach(root):
    with rbpf.Object.open(obj_path("syscount")) as obj:
        with pytest.raises(TypeError, match="cookie"):
            obj.programs["count_syscalls"].attach_tracepoint("raw_syscalls", "sys_enter", cookie=1)
