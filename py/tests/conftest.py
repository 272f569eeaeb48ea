"""Shared fixtures: object paths, root/kernel skips, spawning a gated child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BPF_DIR = REPO_ROOT / "target" / "bpf"


def obj_path(name: str) -> Path:
    """target/bpf/<name>.bpf.o, built by `cargo build -p rbpf-testprogs`."""
    p = BPF_DIR / f"{name}.bpf.o"
    if not p.exists():
        pytest.skip(f"{p} is not built (run `cargo build -p rbpf-testprogs`)")
    return p


def _mount(kind: str, where: str) -> None:
    if os.path.ismount(where):
        return
    subprocess.run(["mount", "-t", kind, kind, where], check=False, capture_output=True)


@pytest.fixture
def root() -> None:
    """Kernel tests: skip (with the reason) unless running as root."""
    if os.geteuid() != 0:
        pytest.skip("needs root to load BPF programs (run pytest as root)")
    _mount("bpf", "/sys/fs/bpf")
    _mount("tracefs", "/sys/kernel/tracing")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "root" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kernel)


class GatedChild:
    """A child process that waits on stdin before exec'ing its command, so a test can
    install a pid filter before the child does anything."""

    def __init__(self, *argv: str) -> None:
        self.proc = subprocess.Popen(
            ["sh", "-c", 'read _; exec "$@"', "sh", *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pid = self.proc.pid

    def release(self, timeout: float = 10) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def gated_child() -> Iterator[type[GatedChild]]:
    made: list[GatedChild] = []

    class _Tracked(GatedChild):
        def __init__(self, *argv: str) -> None:
            super().__init__(*argv)
            made.append(self)

    yield _Tracked
    for c in made:
        c.kill()


@pytest.fixture
def open_obj() -> Iterator:
    """open_obj("syscount", **opts) -> rbpf.Object, closed at teardown."""
    import rbpf

    objs: list = []

    def _open(name: str, **opts):
        o = rbpf.Object.open(obj_path(name), **opts)
        objs.append(o)
        return o

    yield _open
    for o in objs:
        o.close()


sys.path.insert(0, str(Path(__file__).parent))


def bpf_prog_test_run(prog_fd: int) -> None:
    """BPF_PROG_TEST_RUN with no input (for SEC("syscall") programs). The Python API has
    no test-run call yet (.notes/requests-python.md #8), so issue the syscall directly."""
    import ctypes
    import platform
    import struct

    nr = {"x86_64": 321, "aarch64": 280}.get(platform.machine())
    if nr is None:
        pytest.skip(f"no bpf syscall number known for {platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    attr = (ctypes.c_uint8 * 80)()  # union bpf_attr, the `test` member
    struct.pack_into("=I", attr, 0, prog_fd)
    if libc.syscall(nr, 10, ctypes.byref(attr), ctypes.sizeof(attr)) < 0:  # BPF_PROG_TEST_RUN
        e = ctypes.get_errno()
        raise OSError(e, f"BPF_PROG_TEST_RUN: {os.strerror(e)}")
