"""The type stubs are current: the generated constant block matches the extension, and
mypy's stubtest finds the stubs consistent with the runtime."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

PY_DIR = Path(__file__).resolve().parents[1]


def test_generated_constants_block_is_fresh():
    r = subprocess.run([sys.executable, str(PY_DIR / "gen_stubs.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_stubtest():
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed in this environment (pip install mypy)")
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "rbpf", "--allowlist", str(PY_DIR / "stubtest-allowlist.txt")],
        capture_output=True,
        text=True,
        cwd="/",  # not the source tree: stubtest must see the installed package only once
    )
    assert r.returncode == 0, r.stdout + r.stderr
