"""rbpf.Btf: type lookups and typed decoding with an object's BTF or the kernel's."""

from __future__ import annotations

import errno
import struct

import pytest

import rbpf
from conftest import obj_path


def test_object_btf_lookup_decode_encode():
    with rbpf.Object.open(obj_path("maps")) as obj:
        btf = obj.btf
        assert btf is not None and btf.type_cnt > 1
        hv = btf.find_by_name("struct hvalue")
        assert isinstance(hv, int) and hv > 0
        assert btf.find_by_name("struct no_such") is None
        assert btf.resolve_size("struct hvalue") == 16
        assert "hvalue" in btf.describe(hv)
        raw = struct.pack("=Q8s", 7, b"tag")
        v = btf.decode("struct hvalue", raw)
        assert isinstance(v, rbpf.Struct) and v.x == 7 and v.tag == b"tag\0\0\0\0\0"
        assert btf.encode(hv, {"x": 7, "tag": b"tag"}) == raw
        assert btf.encode("struct hkey", {"a": 1, "b": 2}) == struct.pack("=II", 1, 2)
        with pytest.raises(rbpf.BpfError) as ei:
            btf.decode("struct no_such", raw)
        assert ei.value.errno == errno.ENOENT


def test_object_btf_after_close():
    obj = rbpf.Object.open(obj_path("maps"))
    btf = obj.btf
    obj.close()
    with pytest.raises(rbpf.BpfError) as ei:
        btf.find_by_name("struct hkey")
    assert ei.value.errno == errno.EBADF


def test_vmlinux_btf():
    try:
        k = rbpf.Btf.vmlinux()
    except FileNotFoundError:
        pytest.skip("this kernel exposes no /sys/kernel/btf/vmlinux")
    assert k.type_cnt > 1000
    assert k.find_by_name("struct task_struct") is not None
    assert k.resolve_size("struct list_head") == 16
