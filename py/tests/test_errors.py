"""Bad inputs and the exception hierarchy (pure parsing: no root needed)."""

from __future__ import annotations

import errno
import os

import pytest

import rbpf
from conftest import obj_path


def test_missing_file_is_file_not_found_and_bpf_error(tmp_path):
    missing = tmp_path / "nope.bpf.o"
    with pytest.raises(FileNotFoundError) as ei:
        rbpf.Object.open(missing)
    e = ei.value
    assert isinstance(e, rbpf.BpfError)
    assert isinstance(e, OSError)
    assert e.errno == errno.ENOENT
    assert e.code == "ENOENT"
    assert "nope.bpf.o" in e.strerror


def test_missing_file_caught_as_bpf_error(tmp_path):
    with pytest.raises(rbpf.BpfError) as ei:
        rbpf.Object.open(str(tmp_path / "missing.o"))
    assert ei.value.errno == errno.ENOENT


@pytest.mark.parametrize(
    "data",
    [b"", b"\x7fELF", b"garbage, not an ELF file at all" * 4, b"\x00" * 64],
    ids=["empty", "magic-only", "garbage", "zeros"],
)
def test_bad_bytes_are_einval_with_message(data):
    with pytest.raises(rbpf.BpfError) as ei:
        rbpf.Object.open(data)
    assert ei.value.errno == errno.EINVAL
    assert ei.value.strerror  # a message, not just a number


def test_truncated_elf_is_einval():
    good = obj_path("syscount").read_bytes()
    for cut in (16, 64, len(good) // 2, len(good) - 1):
        with pytest.raises(rbpf.BpfError) as ei:
            rbpf.Object.open(good[:cut])
        assert ei.value.errno == errno.EINVAL, cut
        assert ei.value.strerror


def test_garbage_file_on_disk_is_einval(tmp_path):
    p = tmp_path / "junk.bpf.o"
    p.write_bytes(os.urandom(4096))
    with pytest.raises(rbpf.BpfError) as ei:
        rbpf.Object.open(p)
    assert ei.value.errno == errno.EINVAL


def test_unknown_keyword_is_type_error():
    with pytest.raises(TypeError, match="no_such_option"):
        rbpf.Object.open(obj_path("syscount"), no_such_option=1)


def test_wrong_keyword_type_is_type_error():
    with pytest.raises(TypeError, match="relaxed_maps"):
        rbpf.Object.open(obj_path("syscount"), relaxed_maps="yes")
    with pytest.raises(TypeError, match="kernel_log_level"):
        rbpf.Object.open(obj_path("syscount"), kernel_log_level="1")


def test_wrong_source_type_is_type_error():
    with pytest.raises(TypeError):
        rbpf.Object.open(12345)  # type: ignore[arg-type]


def test_use_after_close_is_ebadf():
    obj = rbpf.Object.open(obj_path("syscount"))
    prog = obj.programs["count_syscalls"]
    m = obj.maps["counts"]
    obj.close()
    obj.close()  # idempotent
    for action in (
        obj.load,
        lambda: prog.section_name,
        lambda: prog.fd,
        lambda: m.key_size,
        lambda: m.lookup(1),
        lambda: obj.rodata,
        obj.attach_all,
    ):
        with pytest.raises(rbpf.BpfError) as ei:
            action()
        assert ei.value.errno == errno.EBADF
        assert "closed" in ei.value.strerror
    # Names stay readable for messages.
    assert prog.name == "count_syscalls"
    assert m.name == "counts"


def test_context_manager_closes():
    with rbpf.Object.open(obj_path("syscount")) as obj:
        assert obj.name == "syscount"
    with pytest.raises(rbpf.BpfError):
        obj.load()


def test_error_class_hierarchy():
    assert issubclass(rbpf.BpfError, OSError)
    assert issubclass(rbpf.VerifierError, rbpf.BpfError)
    assert issubclass(rbpf.BpfPermissionError, PermissionError)
    assert issubclass(rbpf.BpfFileNotFoundError, FileNotFoundError)
    from rbpf._errors import _make

    e = _make(errno.EPERM, "map '.rodata' is read-only after load")
    assert isinstance(e, PermissionError) and isinstance(e, rbpf.BpfError)
    assert e.errno == errno.EPERM and e.strerror.startswith("map '.rodata'")
    v = _make(errno.EACCES, "prog 'x': verifier rejected", "0: R1=ctx\n")
    assert isinstance(v, rbpf.VerifierError) and v.log.startswith("0:")
