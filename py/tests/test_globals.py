"""Global variables by name: written before load, read live after load, .rodata frozen."""

from __future__ import annotations

import errno
import os

import pytest

import rbpf
from conftest import obj_path


def test_initial_values_before_load():
    with rbpf.Object.open(obj_path("globals")) as obj:
        assert obj.rodata.target_pid == 0
        assert obj.rodata.ro_u32 == 1
        assert obj.rodata.ro_s64 == -5
        assert obj.rodata.ro_str.rstrip(b"\0") == b"hello"
        assert obj.data.data_int == 7
        cfg = obj.data.data_cfg
        assert cfg.a == 11
        assert cfg.name.rstrip(b"\0") == b"cfg-name"
        assert cfg.arr == [100, 200, 300]
        assert cfg._asdict()["arr"] == [100, 200, 300]
        assert obj.datasec(".data.custom").custom_data == 3
        assert obj.datasec(".rodata.custom").custom_ro == 4
        assert obj.bss.bss_counter == 0
        assert set(dir(obj.bss)) >= {"bss_counter", "bss_cfg", "bss_arr"}
        with pytest.raises(AttributeError):
            obj.rodata.no_such_var
        with pytest.raises(KeyError):
            obj.datasec(".data.nope")


def test_char_array_rules():
    with rbpf.Object.open(obj_path("globals")) as obj:
        obj.rodata.ro_str = b"abc"  # shorter: zero-padded
        assert obj.rodata.ro_str == b"abc" + b"\0" * 13
        obj.rodata.ro_str = b"x" * 16
        assert obj.rodata.ro_str == b"x" * 16
        with pytest.raises(rbpf.BpfError) as ei:
            obj.rodata.ro_str = b"y" * 17  # longer: an error
        assert ei.value.errno == errno.EINVAL
        with pytest.raises(rbpf.BpfError):
            obj.rodata.ro_u32 = 1 << 40  # out of range for u32


def test_globals_reach_the_kernel(root):
    with rbpf.Object.open(obj_path("globals")) as obj:
        obj.rodata.target_pid = os.getpid()
        obj.rodata.ro_u32 = 0xDEADBEEF
        obj.rodata.ro_s64 = -123456789012
        obj.rodata.ro_str = b"from-python"
        obj.data.data_int = -42
        obj.data.data_cfg = {"a": 5, "name": b"py-cfg", "arr": [1, 2, 3]}
        obj.datasec(".data.custom").custom_data = 33
        obj.datasec(".rodata.custom").custom_ro = 44
        obj.load()
        with obj.attach_all():
            for _ in range(3):
                os.getpid()
        bss = obj.bss
        assert bss.bss_counter >= 3
        assert bss.out_ro_u32 == 0xDEADBEEF
        assert bss.out_ro_s64 == -123456789012
        assert bss.out_ro_str.rstrip(b"\0") == b"from-python"
        assert bss.out_data_int == -42
        assert bss.out_custom_data == 33
        assert bss.out_custom_ro == 44
        assert bss.bss_cfg.a == 5
        assert bss.bss_cfg.name.rstrip(b"\0") == b"py-cfg"
        assert bss.bss_cfg == {"a": 5, "name": bss.bss_cfg.name, "arr": [1, 2, 3]}
        assert bss.bss_arr == [1, 3, 5, 0xDEADBEEF]

        # .rodata is frozen after load; .bss stays writable and live.
        with pytest.raises(PermissionError) as ei:
            obj.rodata.ro_u32 = 1
        assert isinstance(ei.value, rbpf.BpfError) and ei.value.errno == errno.EPERM
        assert obj.rodata.ro_u32 == 0xDEADBEEF
        obj.bss.bss_counter = 0
        assert obj.bss.bss_counter == 0


def test_struct_partial_update_keeps_other_members():
    with rbpf.Object.open(obj_path("globals")) as obj:
        obj.data.data_cfg = {"a": 99}
        cfg = obj.data.data_cfg
        assert cfg.a == 99
        assert cfg.arr == [100, 200, 300]
