#!/usr/bin/env python3
"""Global variables from Python: write .rodata/.data before load, read .bss live after.

    sudo .venv/bin/python examples/python/globals.py
"""

from __future__ import annotations

import os
from pathlib import Path

import rbpf

OBJ = Path(__file__).resolve().parents[2] / "target" / "bpf" / "globals.bpf.o"

with rbpf.Object.open(OBJ) as obj:
    print("before load:", obj.rodata)
    obj.rodata.target_pid = os.getpid()      # only count this process
    obj.rodata.ro_str = b"hi from python"    # char[16]: shorter input is zero-padded
    obj.data.data_cfg = {"a": 1, "name": b"cfg", "arr": [10, 20, 30]}  # a struct from a dict
    obj.load()
    with obj.attach_all():
        for _ in range(3):
            os.getpid()                      # each getpid() runs the BPF program
    bss = obj.bss
    print("bss_counter =", bss.bss_counter)
    print("out_ro_str  =", bss.out_ro_str.split(b"\0")[0])
    print("bss_cfg     =", bss.bss_cfg)      # a Struct: attribute access, _asdict()
    print("bss_arr     =", bss.bss_arr)
    try:
        obj.rodata.ro_u32 = 5
    except PermissionError as e:             # also an rbpf.BpfError
        print("writing .rodata after load:", e)
