"""Static and global subprograms, a bpf_loop callback, shared by two entry programs."""

from __future__ import annotations

import os

import rbpf
from conftest import obj_path


def test_static_and_global_subprograms(root):
    with rbpf.Object.open(obj_path("subprogs")) as obj:
        assert list(obj.programs) == ["on_getpid", "on_sys_enter"]
        obj.rodata.target_pid = os.getpid()
        obj.load()
        with obj.attach_all():
            os.getpid()
        bss = obj.bss
        assert bss.tp_runs >= 1 and bss.raw_runs >= 1
        assert bss.tp_result == 116  # global_fn(static_fn(5))
        assert bss.raw_result == 122  # global_fn(static_fn(7))
        assert bss.tp_loop_sum == 45 and bss.raw_loop_sum == 45


def test_subprogram_input_from_rodata(root):
    with rbpf.Object.open(obj_path("subprogs")) as obj:
        obj.rodata.target_pid = os.getpid()
        obj.rodata.input = 10
        obj.load()
        with obj.attach_all():
            os.getpid()
        assert obj.bss.tp_result == 131  # 3*10+1 + 100
