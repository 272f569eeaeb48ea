"""The core's messages go to logging.getLogger("rbpf")."""

from __future__ import annotations

import logging

import pytest

import rbpf
from conftest import obj_path


def test_load_failure_is_logged(root, caplog):
    caplog.set_level(logging.DEBUG, logger="rbpf")
    with rbpf.Object.open(obj_path("bad_section")) as obj:
        with pytest.raises(rbpf.BpfError):
            obj.load()
    recs = [r for r in caplog.records if r.name == "rbpf"]
    assert recs, "no log record from the core"
    assert all(not r.getMessage().startswith("rbpf: ") for r in recs)
    assert any("xdp_main" in r.getMessage() for r in recs)


def test_debug_messages_reach_debug_level(root, caplog):
    caplog.set_level(logging.DEBUG, logger="rbpf")
    with rbpf.Object.open(obj_path("syscount")) as obj:
        obj.load()
    levels = {r.levelno for r in caplog.records if r.name == "rbpf"}
    assert levels, "the core logged nothing while loading"
    assert levels <= {logging.DEBUG, logging.INFO, logging.WARNING}
