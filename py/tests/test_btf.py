"""rbpf.Btf: type lookups and typed decoding with an object's BTF or the kernel's."""

from __future__ import annotations

import errno
import struct

import pytest

import rbpf
from conftest import obj_path


def test_object_btf_lookup_decode_encode():
    with rbpf.Object.open(obj_path("maps")) as obj:
        btf = obj.btf
        assert btf is not None and btf.type_cnt > 1
        hv = btf.find_by_name("struct hvalue")
        assert isinstance(hv, int) and hv > 0
        assert btf.find_by_name("struct no_such") is None
        assert btf.resolve_size("struct hvalue") == 16
        assert "hvalue" in btf.describe(hv)
        raw = struct.pack("=Q8s", 7, b"tag")
        v = btf.decode("struct hvalue", raw)
        assert isinstance(v, rbpf.Struct) and v.x == 7 and v.tag == b"tag\0\0\0\0\0"
        assert btf.encode(hv, {"x": 7, "tag": b"tag"}) == raw
        assert btf.encode("struct hkey", {"a": 1, "b": 2}) == struct.pack("=II", 1, 2)
        with pytest.raises(rbpf.BpfError) as ei:
            btf.decode("struct no_such", raw)
        assert ei.value.errno == errno.ENOENT


def test_object_btf_after_close():
    obj = rbpf.Object.open(obj_path("maps"))
    btf = obj.btf
    obj.close()
    with pytest.raises(rbpf.BpfError) as ei:
        btf.find_by_name("struct hkey")
    assert ei.value.errno == errno.EBADF


def test_vmlinux_btf():
    try:
        k = rbpf.Btf.vmlinux()
    except FileNotFoundError:
        pytest.skip("this kernel exposes no /sys/kernel/btf/vmlinux")
    assert k.type_cnt > 1000
    assert k.find_by_name("struct task_struct") is not None
    assert k.resolve_size("struct list_head") == 16


# ---- kernel BTF checked against bpftool, btf_custom_path (issue 3) -----------------

import re
import shutil
import subprocess


def _vmlinux() -> rbpf.Btf:
    try:
        return rbpf.Btf.vmlinux()
    except FileNotFoundError:
        pytest.skip("this kernel exposes no /sys/kernel/btf/vmlinux")


def _bpftool_struct(name: str) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """(type id, size, {member: (type_id, bits_offset)}) of a struct, from bpftool's raw
    dump of /sys/kernel/btf/vmlinux."""
    bpftool = shutil.which("bpftool")
    if bpftool is None:
        pytest.skip("bpftool is not installed")
    out = subprocess.run(
        [bpftool, "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    head = re.compile(rf"^\[(\d+)\] STRUCT '{re.escape(name)}' size=(\d+) vlen=(\d+)$", re.M)
    m = head.search(out)
    assert m, f"bpftool shows no struct {name}"
    members = {}
    lines = out[m.end() + 1 :].split("\n")[: int(m.group(3))]
    for line in lines:
        mm = re.match(r"\s+'([^']*)' type_id=(\d+) bits_offset=(\d+)", line)
        assert mm, line
        members[mm.group(1)] = (int(mm.group(2)), int(mm.group(3)))
    return int(m.group(1)), int(m.group(2)), members


def test_vmlinux_task_struct_matches_bpftool():
    k = _vmlinux()
    tid, size, members = _bpftool_struct("task_struct")
    assert k.find_by_name("struct task_struct") == tid
    assert k.find_by_name("task_struct", kind="struct") == tid
    assert k.resolve_size("struct task_struct") == size
    t = k.type_by_id(tid)
    assert t["kind"] == "struct" and t["name"] == "task_struct" and t["size"] == size
    assert t["vlen"] == len(members) == len(t["members"])
    got = {m["name"]: (m["type_id"], m["bit_offset"]) for m in t["members"]}
    assert got == members
    tgid_type, tgid_bits = members["tgid"]
    assert got["tgid"] == (tgid_type, tgid_bits) and tgid_bits % 8 == 0
    # tgid is a pid_t: a typedef resolving to a 4-byte signed int.
    assert k.type_by_id(tgid_type)["kind"] == "typedef"
    assert k.resolve_size(tgid_type) == 4
    assert k.describe(tid) == "struct task_struct"


def test_btf_kinds_and_errors():
    k = _vmlinux()
    assert k.start_id == 1  # libbpf: the first id after void
    int_id = k.find_by_name("int", kind="int")
    assert int_id is not None
    t = k.type_by_id(int_id)
    assert t["kind"] == "int" and t["bits"] == 32 and t["signed"] and t["size"] == 4
    assert k.type_by_id(0)["kind"] == "void"
    with pytest.raises(ValueError, match="unknown kind"):
        k.find_by_name("task_struct", kind="structure")
    with pytest.raises(rbpf.BpfError) as ei:
        k.type_by_id(k.type_cnt)
    assert ei.value.errno == errno.EINVAL or ei.value.errno == errno.ENOENT


def test_btf_from_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        rbpf.Btf.from_file(tmp_path / "missing")
    bad = tmp_path / "bad.btf"
    bad.write_bytes(b"\x9f\xeb\x01\x00garbage")
    with pytest.raises(rbpf.BpfError) as ei:
        rbpf.Btf.from_file(bad)
    assert ei.value.errno == errno.EINVAL


def test_object_btf_raw_bytes_roundtrip(tmp_path):
    with rbpf.Object.open(obj_path("maps")) as obj:
        raw = obj.btf.raw_bytes()
    assert raw[:2] == b"\x9f\xeb"  # BTF magic
    f = tmp_path / "maps.btf"
    f.write_bytes(raw)
    b = rbpf.Btf.from_file(f)
    assert b.resolve_size("struct hvalue") == 16
    # The ELF's .BTF and the raw file agree.
    e = rbpf.Btf.from_file(obj_path("maps"))
    assert e.type_cnt == b.type_cnt


def test_btf_custom_path_copy_of_vmlinux(root, tmp_path):
    src = "/sys/kernel/btf/vmlinux"
    try:
        shutil.copyfile(src, tmp_path / "vmlinux")
    except FileNotFoundError:
        pytest.skip("this kernel exposes no /sys/kernel/btf/vmlinux")
    with rbpf.Object.open(obj_path("syscount"), btf_custom_path=tmp_path / "vmlinux") as obj:
        obj.load()
        assert obj.loaded
        assert all(p.fd >= 0 for p in obj.programs.values() if p.autoload)


def test_btf_custom_path_without_the_type_names_the_relocation(root, tmp_path):
    # A real BTF that lacks the kernel types syscount's CO-RE relocations need: the
    # .BTF of another object, written as a raw BTF file.
    with rbpf.Object.open(obj_path("maps")) as other:
        raw = other.btf.raw_bytes()
    small = tmp_path / "small.btf"
    small.write_bytes(raw)
    assert rbpf.Btf.from_file(small).find_by_name("struct trace_event_raw_sys_enter") is None
    with rbpf.Object.open(obj_path("syscount"), btf_custom_path=small) as obj:
        for p in obj.programs.values():
            p.autoload = p.name == "count_syscalls"
        with pytest.raises(rbpf.VerifierError) as ei:
            obj.load()
    e = ei.value
    assert e.errno == errno.EINVAL
    assert "count_syscalls" in e.strerror
    assert "failed to resolve CO-RE relocation" in e.strerror
    assert "struct trace_event_raw_sys_enter.id" in e.strerror
    assert "<invalid CO-RE relocation>" in e.log


def test_btf_custom_path_missing_file(root, tmp_path):
    with rbpf.Object.open(obj_path("syscount"), btf_custom_path=tmp_path / "nope") as obj:
        with pytest.raises(rbpf.BpfError) as ei:
            obj.load()
    assert ei.value.errno == errno.ENOENT
    assert "nope" in ei.value.strerror
