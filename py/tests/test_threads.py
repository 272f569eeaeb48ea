"""load() runs without the GIL: other threads keep running and may use the object's
handles meanwhile (they wait for the load, they do not deadlock)."""

from __future__ import annotations

import logging
import threading

import pytest

import rbpf
from conftest import obj_path


def test_other_threads_run_during_load(root):
    with rbpf.Object.open(obj_path("subprogs")) as obj:
        prog = obj.programs["on_getpid"]
        errors: list[BaseException] = []
        reads = 0

        def loader() -> None:
            try:
                obj.load()
            except BaseException as e:  # reported below
                errors.append(e)

        t = threading.Thread(target=loader)
        t.start()
        while t.is_alive() or reads < 50:
            assert prog.section_name == "tp/syscalls/sys_enter_getpid"
            reads += 1
        t.join()
        assert not errors, errors
        assert prog.fd > 0


class _TouchingHandler(logging.Handler):
    """A log handler that uses the object while the core is logging from inside load."""

    def __init__(self, obj: rbpf.Object) -> None:
        super().__init__(logging.DEBUG)
        self.obj = obj
        self.outcomes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _ = self.obj.programs["on_getpid"].section_name
            self.outcomes.append("ok")
        except RuntimeError:
            self.outcomes.append("refused")


def test_log_handler_touching_object_does_not_deadlock(root):
    log = logging.getLogger("rbpf")
    with rbpf.Object.open(obj_path("subprogs")) as obj:
        h = _TouchingHandler(obj)
        old = log.level
        log.addHandler(h)
        log.setLevel(logging.DEBUG)
        try:
            obj.load()
        finally:
            log.removeHandler(h)
            log.setLevel(old)
        # Messages logged while the object was busy are refused, never deadlocked.
        assert set(h.outcomes) <= {"ok", "refused"}


def _spin_while_polling(buf) -> int:
    """Poll `buf` for 0.5 s on a thread; count main-thread iterations meanwhile."""
    errors: list[BaseException] = []

    def poller() -> None:
        try:
            buf.poll(500)
        except BaseException as e:  # reported below
            errors.append(e)

    t = threading.Thread(target=poller)
    t.start()
    spins = 0
    while t.is_alive():
        spins += 1
    t.join()
    assert not errors, errors
    return spins


def test_ring_and_perf_poll_release_the_gil(root):
    # Nothing is produced: the pollers just wait; the main thread must keep running.
    with rbpf.Object.open(obj_path("maps")) as maps, rbpf.Object.open(obj_path("perf_events")) as perf:
        maps.rodata.target_pid = 4194305  # no producer
        perf.rodata.target_pid = 4194305
        maps.load()
        perf.load()
        with rbpf.RingBuffer(maps.maps["ringbuf"], lambda r: None) as rb:
            assert _spin_while_polling(rb) > 1000
        with rbpf.PerfBuffer(perf.maps["events"], lambda c, d: None) as pb:
            assert _spin_while_polling(pb) > 1000


def test_callback_polling_its_own_buffer_is_ebusy(root):
    import errno
    import os

    with rbpf.Object.open(obj_path("maps")) as obj:
        obj.rodata.target_pid = os.getpid()
        obj.load()
        with obj.attach_all():

            def cb(rec: bytes) -> None:
                rb.consume()  # re-entrant: refused, not a deadlock

            with rbpf.RingBuffer(obj.maps["ringbuf"], cb) as rb:
                os.getpid()
                with pytest.raises(rbpf.BpfError) as ei:
                    rb.poll(1000)
                assert ei.value.errno == errno.EBUSY
