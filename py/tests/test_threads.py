"""load() runs without the GIL: other threads keep running and may use the object's
handles meanwhile (they wait for the load, they do not deadlock)."""

from __future__ import annotations

import logging
import threading

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
