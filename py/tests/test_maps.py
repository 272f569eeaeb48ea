"""Hash, array and per-CPU maps: typed by BTF, raw bytes accepted, sizes checked."""

from __future__ import annotations

import errno
import os
import struct

import pytest

import rbpf
from conftest import obj_path

CALLS = 5


@pytest.fixture
def maps_obj(root):
    obj = rbpf.Object.open(obj_path("maps"))
    obj.rodata.target_pid = os.getpid()
    obj.load()
    try:
        yield obj
    finally:
        obj.close()


@pytest.fixture
def fed(maps_obj):
    """maps_obj after the BPF side ran CALLS times."""
    with maps_obj.attach_all():
        for _ in range(CALLS):
            os.getpid()
    return maps_obj


def test_filled_by_bpf(fed):
    m = fed.maps
    assert m["array_map"][0] == CALLS
    v = m["hash_map"][{"a": 1, "b": 2}]
    assert isinstance(v, rbpf.Struct)
    assert v.x == CALLS
    assert v.tag.rstrip(b"\0") == b"getpid"
    assert v._fields == ("x", "tag")
    assert m["lru_hash"][os.getpid()] == CALLS
    assert m["nopre_hash"][7] == CALLS
    assert m["numa_hash"][9] == 9


def test_percpu_values_are_lists(fed):
    ncpu = rbpf.num_possible_cpus()
    pa = fed.maps["percpu_array"]
    assert pa.percpu
    vals = pa[0]
    assert isinstance(vals, list) and len(vals) == ncpu
    assert sum(vals) == CALLS
    assert sum(fed.maps["percpu_hash"][1]) == CALLS
    pa[2] = list(range(ncpu))
    assert pa[2] == list(range(ncpu))
    with pytest.raises(rbpf.BpfError) as ei:
        pa[3] = [1] * (ncpu + 1)
    assert ei.value.errno == errno.EINVAL
    raw = pa.lookup(2, raw=True)
    assert isinstance(raw, bytes) and len(raw) == 8 * ncpu


def test_hash_struct_key_value_ops(maps_obj):
    h = maps_obj.maps["hash_map"]
    assert len(h) == 0
    h[{"a": 3, "b": 4}] = {"x": 10, "tag": b"ten"}
    h.update({"a": 5, "b": 6}, {"x": 20, "tag": b"twenty"}, rbpf.BPF_NOEXIST)
    with pytest.raises(FileExistsError):
        h.update({"a": 5, "b": 6}, {"x": 21}, rbpf.BPF_NOEXIST)
    assert {"a": 3, "b": 4} in h
    assert {"a": 9, "b": 9} not in h
    assert h[{"a": 3, "b": 4}].x == 10
    assert h[{"a": 5, "b": 6}].tag == b"twenty\0\0"
    keys = sorted((k.a, k.b) for k in h.keys())
    assert keys == [(3, 4), (5, 6)]
    assert len(h) == 2
    assert sorted(v.x for v in h.values()) == [10, 20]
    assert dict(((k.a, k.b), v.x) for k, v in h.items()) == {(3, 4): 10, (5, 6): 20}
    # Struct keys are hashable by value, so items() can build a dict.
    by_key = dict(h.items())
    assert len(by_key) == 2
    fresh = next(k for k in h.keys() if k.a == 3)  # a new, equal Struct
    assert by_key[fresh].x == 10
    # Raw bytes are always accepted, in and out.
    raw_key = struct.pack("=II", 3, 4)
    assert h.lookup(raw_key, raw=True) == struct.pack("=Q8s", 10, b"ten")
    h[raw_key] = struct.pack("=Q8s", 11, b"eleven")
    assert h[{"a": 3, "b": 4}].x == 11
    del h[{"a": 3, "b": 4}]
    with pytest.raises(KeyError):
        h[{"a": 3, "b": 4}]
    with pytest.raises(KeyError):
        del h[{"a": 3, "b": 4}]
    with pytest.raises(FileNotFoundError):
        h.delete({"a": 3, "b": 4})
    assert h.lookup({"a": 3, "b": 4}) is None
    assert h.get({"a": 3, "b": 4}, "dflt") == "dflt"
    assert h.pop({"a": 5, "b": 6}).x == 20
    assert len(h) == 0


def test_array_map(maps_obj):
    a = maps_obj.maps["array_map"]
    assert len(a) == 16  # every index of an array exists
    a[3] = 99
    assert a[3] == 99
    assert a.lookup(3) == 99
    assert a.items()[3] == (3, 99)
    with pytest.raises(rbpf.BpfError):
        a[16] = 1  # past max_entries


def test_int_like_keys(maps_obj):
    import enum

    class Slot(enum.IntEnum):
        FIVE = 5

    a = maps_obj.maps["array_map"]
    a[Slot.FIVE] = 55
    assert a[5] == 55


def test_map_without_btf_types(maps_obj):
    s = maps_obj.maps["sized_array"]
    assert (s.key_size, s.value_size) == (4, 8)
    s[1] = struct.pack("=Q", 1234)
    assert s[1] == struct.pack("=Q", 1234)  # no BTF: bytes out
    s[2] = 77  # an int of the value size
    assert struct.unpack("=Q", s[2])[0] == 77


def test_wrong_key_size_is_einval_with_core_message(maps_obj):
    h = maps_obj.maps["hash_map"]
    with pytest.raises(rbpf.BpfError) as ei:
        h.lookup(b"\x01\x02\x03")
    assert ei.value.errno == errno.EINVAL
    assert "hash_map" in ei.value.strerror
    assert "key size" in ei.value.strerror
    with pytest.raises(rbpf.BpfError) as ei:
        maps_obj.maps["array_map"].update(b"\0" * 5, 1)
    assert ei.value.errno == errno.EINVAL


def test_mutable_mapping_registration(maps_obj):
    import collections.abc

    assert isinstance(maps_obj.maps["array_map"], collections.abc.MutableMapping)


# ---- pinning, freeze, sizes, initial values, mmap ------------------------------------


def test_pin_unpin(maps_obj):
    m = maps_obj.maps["array_map"]
    path = f"/sys/fs/bpf/rbpf_py_test_{os.getpid()}"
    assert not m.is_pinned and m.pin_path is None
    m[3] = 33
    m.pin(path)
    try:
        assert os.path.exists(path) and m.is_pinned and m.pin_path == path
        # A second object reuses the pinned map through pin_path.
        with rbpf.Object.open(obj_path("maps")) as other:
            other.maps["array_map"].pin_path = path
            other.load()
            assert other.maps["array_map"][3] == 33
            other.maps["array_map"][4] = 44
        assert m[4] == 44
    finally:
        m.unpin()
    assert not os.path.exists(path) and not m.is_pinned
    with pytest.raises(rbpf.BpfError) as ei:
        m.unpin()  # nothing there any more
    assert ei.value.errno == errno.ENOENT


def test_freeze(maps_obj):
    m = maps_obj.maps["array_map"]
    m[1] = 5
    m.freeze()
    assert m[1] == 5
    with pytest.raises(rbpf.BpfError) as ei:
        m[1] = 6
    assert ei.value.errno == errno.EPERM


def test_value_size_and_initial_value_before_load(root):
    with rbpf.Object.open(obj_path("maps")) as obj:
        m = obj.maps["sized_array"]  # key_size 4 / value_size 8, no BTF types
        m.value_size = 16
        assert m.value_size == 16
        obj.load()
        m[0] = bytes(range(16))
        assert m[0] == bytes(range(16))
        with pytest.raises(rbpf.BpfError) as ei:
            m.value_size = 8
        assert ei.value.errno == errno.EBUSY
    with rbpf.Object.open(obj_path("maps")) as obj:
        ro = obj.rodata._map
        assert ro.section_name == ".rodata" and ro.value_size == 4
        ro.set_initial_value(struct.pack("=i", 4242))
        assert obj.rodata.target_pid == 4242
        with pytest.raises(rbpf.BpfError) as ei:
            obj.maps["array_map"].set_initial_value(bytes(128))  # only global-data maps
        assert ei.value.errno == errno.EINVAL
        assert obj.maps["array_map"].section_name is None
        obj.load()
        assert obj.rodata.target_pid == 4242


def test_mmap_shared_with_lookups(root):
    with rbpf.Object.open(obj_path("map_types")) as obj:
        obj.load()
        m = obj.maps["mmapable"]
        view = m.mmap()
        assert isinstance(view, memoryview) and not view.readonly
        assert view.nbytes >= 64 * 8
        m[5] = 0xABCD
        assert struct.unpack_from("=Q", view, 5 * 8)[0] == 0xABCD
        struct.pack_into("=Q", view, 7 * 8, 1234)
        assert m[7] == 1234
        words = view.cast("Q")
        words[9] = 99
        assert m[9] == 99
        del words
        with pytest.raises(rbpf.BpfError):
            obj.maps["inner_a"].mmap()  # not BPF_F_MMAPABLE
    # The mapping outlives the object while the view exists.
    assert struct.unpack_from("=Q", view, 7 * 8)[0] == 1234
    view.release()
