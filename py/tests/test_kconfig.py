""".kconfig externs from the running kernel's config, and the kconfig= open option."""

from __future__ import annotations

import gzip
import os
import platform
import re

import pytest

import rbpf
from conftest import obj_path


def _config(name: str) -> str | None:
    try:
        text = gzip.open("/proc/config.gz", "rt").read()
    except OSError:
        return None
    m = re.search(rf"^{name}=(.*)$", text, re.M)
    return m.group(1) if m else None


def _kernel_version() -> int:
    nums = [int(x) for x in re.findall(r"\d+", platform.release())[:3]]
    a, b, c = (nums + [0, 0, 0])[:3]
    return (a << 16) + (b << 8) + min(c, 255)


def _run(obj: rbpf.Object) -> None:
    obj.rodata.target_pid = os.getpid()
    obj.load()
    with obj.attach_all():
        os.getpid()


def test_kconfig_externs(root):
    hz = _config("CONFIG_HZ")
    if hz is None:
        pytest.skip("/proc/config.gz is not available")
    with rbpf.Object.open(obj_path("kconfig")) as obj:
        _run(obj)
        bss = obj.bss
        assert bss.runs >= 1
        assert bss.out_hz == int(hz)
        assert bss.out_version == _kernel_version()
        assert bss.out_bpf_syscall == 1
        assert obj.data.out_missing == 0  # initialised to -1: lives in .data
        assert obj.kconfig.CONFIG_HZ == int(hz)
        assert obj.kconfig.LINUX_KERNEL_VERSION == _kernel_version()


def test_kconfig_option_overrides(root):
    with rbpf.Object.open(obj_path("kconfig"), kconfig="CONFIG_HZ=123\nCONFIG_DEFAULT_HOSTNAME=\"py\"") as obj:
        _run(obj)
        assert obj.bss.out_hz == 123
        assert obj.bss.out_hostname.split(b"\0")[0] == b"py"
