"""Opening objects, programs and maps as parsed, the strict SEC("xdp/main") rule."""

from __future__ import annotations

import collections.abc
import errno

import pytest

import rbpf
from conftest import obj_path


def test_open_from_path_str_and_bytes():
    p = obj_path("syscount")
    for src in (p, str(p), p.read_bytes(), bytearray(p.read_bytes())):
        with rbpf.Object.open(src) as obj:
            assert list(obj.programs) == ["count_syscalls", "count_raw", "count_btf"]


def test_programs_mapping():
    with rbpf.Object.open(obj_path("syscount")) as obj:
        progs = obj.programs
        assert isinstance(progs, collections.abc.Mapping)
        p = progs["count_syscalls"]
        assert p is obj.programs["count_syscalls"]
        assert p.name == "count_syscalls"
        assert p.section_name == "tracepoint/raw_syscalls/sys_enter"
        assert p.type == rbpf.BPF_PROG_TYPE_TRACEPOINT
        assert progs["count_raw"].type == rbpf.BPF_PROG_TYPE_RAW_TRACEPOINT
        assert progs["count_btf"].type == rbpf.BPF_PROG_TYPE_TRACING
        assert p.autoload is True
        assert p.insn_cnt > 0
        with pytest.raises(TypeError):
            progs["x"] = p  # type: ignore[index]
        with pytest.raises(KeyError):
            progs["missing"]
        with pytest.raises(rbpf.BpfError) as ei:
            p.fd  # not loaded
        assert ei.value.errno == errno.EINVAL


def test_maps_mapping():
    with rbpf.Object.open(obj_path("syscount")) as obj:
        maps = obj.maps
        assert "counts" in maps and "events" in maps
        counts = maps["counts"]
        assert counts.type == rbpf.BPF_MAP_TYPE_HASH
        assert (counts.key_size, counts.value_size, counts.max_entries) == (4, 8, 1024)
        assert maps["events"].type == rbpf.BPF_MAP_TYPE_RINGBUF
        assert isinstance(counts, collections.abc.MutableMapping)
        counts.max_entries = 2048
        assert counts.max_entries == 2048


def test_autoload_setter():
    with rbpf.Object.open(obj_path("syscount")) as obj:
        p = obj.programs["count_raw"]
        p.autoload = False
        assert p.autoload is False


def test_bad_section_opens_then_load_fails_einval(root):
    with rbpf.Object.open(obj_path("bad_section")) as obj:
        p = obj.programs["xdp_main"]
        assert p.section_name == "xdp/main"
        with pytest.raises(rbpf.BpfError) as ei:
            obj.load()
        assert ei.value.errno == errno.EINVAL
        assert "xdp_main" in ei.value.strerror
        assert "xdp/main" in ei.value.strerror


@pytest.mark.parametrize("new_type", ["xdp", "BPF_PROG_TYPE_XDP", None])
def test_bad_section_rescued_by_type(root, new_type):
    with rbpf.Object.open(obj_path("bad_section")) as obj:
        p = obj.programs["xdp_main"]
        p.type = rbpf.BPF_PROG_TYPE_XDP if new_type is None else new_type
        assert p.type == rbpf.BPF_PROG_TYPE_XDP
        obj.load()
        assert p.fd > 0
        assert obj.programs["xdp_pass"].fd > 0
        with pytest.raises(rbpf.BpfError) as ei:
            p.type = rbpf.BPF_PROG_TYPE_SCHED_CLS  # after load
        assert ei.value.errno == errno.EBUSY


def test_bad_section_skipped_by_autoload(root):
    with rbpf.Object.open(obj_path("bad_section")) as obj:
        obj.programs["xdp_main"].autoload = False
        obj.load()
        assert obj.programs["xdp_pass"].fd > 0


def test_unknown_type_name_is_value_error():
    with rbpf.Object.open(obj_path("bad_section")) as obj:
        with pytest.raises(ValueError):
            obj.programs["xdp_main"].type = "no_such_type"


def test_verifier_rejection_raises_verifier_error_with_log(root):
    with rbpf.Object.open(obj_path("syscount")) as obj:
        for p in obj.programs.values():
            p.autoload = p.name == "count_syscalls"
        # A tracepoint program loaded as a socket filter: its helpers and context
        # accesses are not allowed there, so the verifier rejects it.
        obj.programs["count_syscalls"].type = "socket_filter"
        with pytest.raises(rbpf.VerifierError) as ei:
            obj.load()
        e = ei.value
        assert isinstance(e, rbpf.BpfError)
        assert e.errno in (errno.EACCES, errno.EINVAL)
        assert "count_syscalls" in e.strerror
        assert isinstance(e.log, str) and len(e.log) > 0
