"""LIBBPF_PIN_BY_NAME from Python (bpf/pinned.bpf.c): pinned under pin_root_path at load,
reused by a second object, left in bpffs after close, and refused when the pinned map
does not match (the message names the differing parameter)."""

from __future__ import annotations

import errno
import os
import shutil
import uuid

import pytest

import rbpf
from conftest import obj_path


@pytest.fixture
def pin_root(root):
    d = f"/sys/fs/bpf/rbpf_py_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    os.mkdir(d)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_pin_by_name_is_reused(pin_root):
    with rbpf.Object.open(obj_path("pinned"), pin_root_path=pin_root) as a:
        a.rodata.target_pid = os.getpid()
        a.load()
        pm = a.maps["pinned_map"]
        assert pm.pin_path == f"{pin_root}/pinned_map" and pm.is_pinned
        assert os.path.exists(f"{pin_root}/pinned_map")
        assert not os.path.exists(f"{pin_root}/private_map")
        with a.attach_all():
            os.getpid()
        first = pm[0]
        assert first >= 1
    # Left in bpffs after close; a second object reuses it, values and all.
    assert os.path.exists(f"{pin_root}/pinned_map")
    with rbpf.Object.open(obj_path("pinned"), pin_root_path=pin_root) as b:
        b.load()
        assert b.maps["pinned_map"][0] == first
        assert b.maps["private_map"][0] == 0
        b.maps["pinned_map"].unpin()
    assert not os.path.exists(f"{pin_root}/pinned_map")


def test_mismatched_pinned_map_is_refused(pin_root):
    with rbpf.Object.open(obj_path("pinned"), pin_root_path=pin_root) as a:
        a.maps["pinned_map"].max_entries = 8  # pin an incompatible map
        a.load()
    with rbpf.Object.open(obj_path("pinned"), pin_root_path=pin_root) as b:
        with pytest.raises(rbpf.BpfError) as ei:
            b.load()
    e = ei.value
    assert e.errno == errno.EINVAL
    assert "pinned_map" in e.strerror and "max_entries" in e.strerror


def test_open_pinned_map_standalone(pin_root):
    with rbpf.Object.open(obj_path("pinned"), pin_root_path=pin_root) as a:
        a.load()
        a.maps["pinned_map"][2] = 77
    path = f"{pin_root}/pinned_map"
    with rbpf.Map.from_pinned(path) as m:
        assert m.name == "pinned_map" and m.key_size == 4 and m.value_size == 8
        assert m.max_entries == 4 and m.type == rbpf.BPF_MAP_TYPE_ARRAY
        assert m.is_pinned and m.pin_path == path
        # No object BTF: ints of the key/value size, or raw bytes.
        assert m[2] == (77).to_bytes(8, "little")
        m[1] = 5
        assert m.lookup(1) == (5).to_bytes(8, "little")
        assert len(m.items()) == 4
        keys, values = m.lookup_batch(count=4)
        assert len(keys) == 4 and values[2] == (77).to_bytes(8, "little")
        with pytest.raises(rbpf.BpfError) as ei:
            rbpf.RingBuffer(m, print, value_type="struct x")
        assert ei.value.errno == errno.ENOENT
    with pytest.raises(rbpf.BpfError) as ei:
        m[0]
    assert ei.value.errno == errno.EBADF
    # The first object's values are there for a second object too.
    with rbpf.Object.open(obj_path("pinned"), pin_root_path=pin_root) as b:
        b.load()
        assert b.maps["pinned_map"][1] == 5
    with pytest.raises(FileNotFoundError):
        rbpf.Map.from_pinned(f"{pin_root}/nothing")
