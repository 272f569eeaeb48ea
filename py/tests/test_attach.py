"""Issue 4 attach kinds from Python: uprobe / uretprobe / uprobe.multi, USDT, XDP, tcx and
TC (netlink) on a veth pair between two namespaces the test creates, cgroup, iterator,
socket filter, perf_event, link pinning, and the clear errors of kprobe / lsm here."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

import rbpf

FIXTURE_SRC = r"""
#include <sys/sdt.h>
#include <stdlib.h>
volatile int sink;
struct pair { long pad; long a; int arr[4]; };
__attribute__((noinline)) int rbpf_c_target(int x) { sink += x; return x * 2; }
__attribute__((noinline)) void rbpf_c_site(long i, struct pair *p, int idx) {
    DTRACE_PROBE4(rbpftest, args4, i, p->a, -5, p->arr[idx]);
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    struct pair p = { .pad = 1, .a = 4242, .arr = { 10, 11, 12, 13 } };
    for (int i = 0; i < n; i++) { rbpf_c_target(i); rbpf_c_site(i, &p, i & 3); }
    return 0;
}
"""

N = 7


@pytest.fixture
def probed(tmp_path: Path) -> str:
    """The probed C program, built with cc in a temp dir (removed by pytest)."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler (cc) to build the probed program")
    src = tmp_path / "probed.c"
    src.write_text(FIXTURE_SRC)
    binary = tmp_path / "probed"
    r = subprocess.run([cc, "-O2", "-o", str(binary), str(src)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot build the probed program with cc (<sys/sdt.h> from systemtap-sdt-dev): {r.stderr}")
    return str(binary)


def run(binary: str, n: int) -> None:
    subprocess.run([binary, str(n)], check=True, timeout=30)


# --- uprobes ----------------------------------------------------------------------------


def test_uprobe_and_uretprobe_count_calls(root: None, open_obj: Callable[..., Any], probed: str) -> None:
    obj = open_obj("attach_probes")
    obj.load()
    entry = obj.programs["count_uprobe"].attach_uprobe(probed, func_name="rbpf_c_target", bpf_cookie=42)
    ret = obj.programs["count_uretprobe"].attach_uprobe(probed, func_name="rbpf_c_target", retprobe=True)
    run(probed, N)
    assert obj.bss.uprobe_cnt == N
    assert obj.bss.uprobe_arg == N - 1
    assert obj.bss.uprobe_cookie == 42
    assert obj.bss.uretprobe_cnt == N
    assert obj.bss.uretprobe_ret == 2 * (N - 1)
    entry.detach()
    entry.detach()  # idempotent
    ret.close()
    run(probed, 2)
    assert obj.bss.uprobe_cnt == N


def test_uprobe_errors(root: None, open_obj: Callable[..., Any], probed: str) -> None:
    obj = open_obj("attach_probes")
    obj.load()
    p = obj.programs["count_uprobe"]
    with pytest.raises(FileNotFoundError) as e:
        p.attach_uprobe("/nonexistent/rbpf")
    assert "prog 'count_uprobe'" in str(e.value)
    with pytest.raises(rbpf.BpfError) as e2:
        p.attach_uprobe(probed, func_name="no_such_function")
    assert "no_such_function" in str(e2.value)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        p.attach_uprobe(probed, bogus=1)
    with pytest.raises(ValueError, match="attach_mode"):
        p.attach_uprobe(probed, func_name="rbpf_c_target", attach_mode="nope")


def test_uprobe_pid_filter_and_attach_mode(root: None, open_obj: Callable[..., Any], probed: str, gated_child: Any) -> None:
    obj = open_obj("attach_probes")
    obj.load()
    child = gated_child(probed, str(N))
    with obj.programs["count_uprobe"].attach_uprobe(probed, pid=child.pid, func_name="rbpf_c_target", attach_mode="perf"):
        run(probed, 3)  # another process: not counted
        assert child.release() == 0
        assert obj.bss.uprobe_cnt == N


def test_uprobe_multi(root: None, open_obj: Callable[..., Any], probed: str) -> None:
    obj = open_obj("attach_probes")
    obj.load()
    p = obj.programs["count_multi"]
    with p.attach_uprobe_multi(probed, "rbpf_c_*"):
        run(probed, N)
        assert obj.bss.multi_cnt == 2 * N  # rbpf_c_target and rbpf_c_site
    with p.attach_uprobe_multi(probed, syms=["rbpf_c_target"], cookies=[7]):
        run(probed, 2)
        assert obj.bss.multi_cnt == 2 * N + 2


# --- USDT -------------------------------------------------------------------------------


def test_usdt_arguments_and_cookie(root: None, open_obj: Callable[..., Any], probed: str) -> None:
    obj = open_obj("attach_probes")
    obj.load()
    link = obj.programs["usdt_args4"].attach_usdt(probed, "rbpftest", "args4", usdt_cookie=0xC0FFEE)
    run(probed, N)
    assert obj.bss.usdt_cnt == N
    assert obj.bss.usdt_arg_cnt == 4
    assert obj.bss.usdt_cookie == 0xC0FFEE
    assert list(obj.bss.usdt_args) == [N - 1, 4242, -5, 10 + ((N - 1) & 3)]
    assert link.fd == -1  # a bundle of uprobes, as libbpf's usdt link
    link.detach()
    with pytest.raises(FileNotFoundError, match="prog 'usdt_args4'"):
        obj.programs["usdt_args4"].attach_usdt(probed, "rbpftest", "nope")


def test_usdt_without_usdt_header_says_so(root: None, open_obj: Callable[..., Any], probed: str) -> None:
    net = open_obj("attach_net")
    net.load()
    with pytest.raises(ProcessLookupError, match=r"did you forget to include bpf/usdt\.bpf\.h\?"):
        net.programs["on_sample"].attach_usdt(probed, "rbpftest", "args4")


# --- kprobes / lsm: refused by this kernel, with a clear error ---------------------------


def test_kprobe_kinds_report_missing_kprobes(root: None, open_obj: Callable[..., Any]) -> None:
    if os.path.exists("/sys/kernel/tracing/kprobe_events") or os.path.exists("/sys/bus/event_source/devices/kprobe"):
        pytest.skip("this kernel has kprobes: the 'not supported' error cannot be observed")
    obj = open_obj("attach_kprobe")
    obj.load()
    progs = obj.programs
    for call in (
        lambda: progs["kprobe_nanosleep"].attach_kprobe("do_nanosleep"),
        lambda: progs["kretprobe_nanosleep"].attach_kprobe("do_nanosleep", retprobe=True),
        lambda: progs["ksyscall_nanosleep"].attach_ksyscall("nanosleep"),
        lambda: progs["kprobe_nanosleep"].attach(),
    ):
        with pytest.raises(rbpf.BpfError) as e:
            call()
        assert e.value.errno == 95  # EOPNOTSUPP
        assert "kprobes are not supported by this kernel" in str(e.value)
    with pytest.raises(rbpf.BpfError) as e:
        progs["kprobe_multi_nanosleep"].attach_kprobe_multi(syms=["do_nanosleep"])
    assert e.value.errno == 95
    assert "kprobe.multi links are not supported" in str(e.value)
    with pytest.raises(TypeError, match="unexpected keyword argument 'pid'"):
        progs["kprobe_nanosleep"].attach_kprobe("do_nanosleep", pid=1)


# --- network: two namespaces joined by a veth pair ---------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def _setns(name: str) -> None:
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns {name}: {os.strerror(e)}")
    finally:
        os.close(fd)


class NetPair:
    """ns_a (va, 10.X.Y.1) <-veth-> ns_b (vb, 10.X.Y.2). `run(fn)` calls fn in a thread
    that joined ns_b, holding a UDP socket of ns_a: netns is per thread, so the test's
    own thread never leaves the root namespace."""

    def __init__(self) -> None:
        pid = os.getpid()
        self.ns_a, self.ns_b = f"rbpf_py_{pid}_a", f"rbpf_py_{pid}_b"
        self.addr_b = f"10.{(pid >> 8) & 0xFF}.{pid & 0xFF}.2"
        addr_a = f"10.{(pid >> 8) & 0xFF}.{pid & 0xFF}.1"
        for cmd in (
            f"ip netns add {self.ns_a}",
            f"ip netns add {self.ns_b}",
            f"ip -n {self.ns_a} link add va type veth peer name vb netns {self.ns_b}",
            f"ip -n {self.ns_a} addr add {addr_a}/24 dev va",
            f"ip -n {self.ns_b} addr add {self.addr_b}/24 dev vb",
            f"ip -n {self.ns_a} link set va up",
            f"ip -n {self.ns_b} link set vb up",
        ):
            subprocess.run(cmd.split(), check=True, capture_output=True)

    def remove(self) -> None:
        for ns in (self.ns_a, self.ns_b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def run(self, fn: Callable[["NetPair"], None]) -> None:
        err: list[BaseException] = []

        def body() -> None:
            try:
                _setns(self.ns_a)
                self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    _setns(self.ns_b)
                    fn(self)
                finally:
                    self.sock.close()
            except BaseException as e:  # re-raised in the test's thread
                err.append(e)

        t = threading.Thread(target=body)
        t.start()
        t.join()
        if err:
            raise err[0]

    def count(self, read: Callable[[], int], n: int) -> int:
        """Counter delta over n datagrams, after a warm-up datagram (ARP)."""
        self._send(1)
        before = read()
        self._send(n)
        return read() - before

    def _send(self, n: int) -> None:
        for _ in range(n):
            with contextlib.suppress(BlockingIOError):
                self.sock.sendto(b"rbpf", (self.addr_b, 9))
            time.sleep(0.002)
        time.sleep(0.05)


@pytest.fixture
def netpair(root: None) -> Iterator[NetPair]:
    if shutil.which("ip") is None or subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        pytest.skip("`ip netns` (iproute2) is not available")
    np_ = NetPair.__new__(NetPair)
    pid = os.getpid()
    np_.ns_a, np_.ns_b = f"rbpf_py_{pid}_a", f"rbpf_py_{pid}_b"
    try:
        np_.__init__()  # type: ignore[misc]
        yield np_
    finally:
        np_.remove()


def test_xdp_link_and_netlink(netpair: NetPair, open_obj: Callable[..., Any]) -> None:
    obj = open_obj("attach_net")
    obj.load()
    prog = obj.programs["xdp_count"]
    pkts = lambda: obj.bss.xdp_pkts  # noqa: E731

    def body(np_: NetPair) -> None:
        link = prog.attach_xdp("vb")  # an interface name of this thread's namespace
        try:
            assert np_.count(pkts, 5) == 5
            assert rbpf.xdp_query_id("vb") > 0
            with pytest.raises(rbpf.BpfError) as e:
                prog.attach_xdp(socket.if_nametoindex("vb"))
            assert "prog 'xdp_count'" in str(e.value) and "already has an XDP program" in str(e.value)
        finally:
            link.detach()
        assert np_.count(pkts, 2) == 0

        rbpf.xdp_attach("vb", prog, rbpf.XDP_FLAGS_SKB_MODE)
        try:
            assert np_.count(pkts, 3) == 3
            q = rbpf.xdp_query("vb")
            assert q["prog_id"] > 0 and q["skb_prog_id"] == q["prog_id"]
            assert q["attach_mode"] == 2  # XDP_ATTACHED_SKB
        finally:
            rbpf.xdp_detach("vb", rbpf.XDP_FLAGS_SKB_MODE)
        assert rbpf.xdp_query_id("vb") == 0
        with pytest.raises(rbpf.BpfError):
            prog.attach_xdp("no_such_if0")

    netpair.run(body)


def test_tcx_and_tc_count_packets(netpair: NetPair, open_obj: Callable[..., Any]) -> None:
    obj = open_obj("attach_net")
    obj.load()
    tcx, tc = obj.programs["tcx_count"], obj.programs["tc_count"]

    def body(np_: NetPair) -> None:
        # tcx link, ingress from the section name; then its program replaced.
        with tcx.attach_tcx("vb") as link:
            assert link.fd >= 0
            assert np_.count(lambda: obj.bss.tcx_pkts, 4) == 4
            link.update_program(tc)
            assert np_.count(lambda: obj.bss.tc_pkts, 2) == 2
        assert np_.count(lambda: obj.bss.tc_pkts, 2) == 0

        # TC over netlink as a link: the filter and the qdisc it made go on detach.
        with tc.attach_tc("vb", "ingress", priority=1, handle=1):
            assert np_.count(lambda: obj.bss.tc_pkts, 3) == 3
        assert np_.count(lambda: obj.bss.tc_pkts, 2) == 0

        # libbpf's bpf_tc_* calls.
        rbpf.tc_hook_create("vb", "ingress")  # not EEXIST: the link removed its qdisc
        try:
            with pytest.raises(FileExistsError):
                rbpf.tc_hook_create("vb", "ingress")
            r = rbpf.tc_attach("vb", "ingress", tc)
            assert r["prog_id"] > 0 and r["handle"] > 0 and r["priority"] > 0
            assert np_.count(lambda: obj.bss.tc_pkts, 5) == 5
            assert rbpf.tc_query("vb", "ingress", handle=r["handle"], priority=r["priority"]) == r["prog_id"]
            rbpf.tc_detach("vb", "ingress", handle=r["handle"], priority=r["priority"])
            with pytest.raises(rbpf.BpfError):
                rbpf.tc_query("vb", "ingress", handle=r["handle"], priority=r["priority"])
            with pytest.raises(TypeError, match="prog_fd"):
                rbpf.tc_attach("vb", "ingress", tc, prog_fd=3)
            with pytest.raises(ValueError, match="attach_point"):
                rbpf.tc_attach("vb", "sideways", tc)
        finally:
            rbpf.tc_hook_destroy("vb", "ingress+egress")

    netpair.run(body)


# --- cgroup, iterator, socket filter, perf_event, pinning --------------------------------


def test_cgroup_counts_socket_creation(root: None, open_obj: Callable[..., Any], tmp_path: Path) -> None:
    base = "/sys/fs/cgroup/unified"
    if not os.path.exists(f"{base}/cgroup.procs"):
        base = "/sys/fs/cgroup"
        if not os.path.exists(f"{base}/cgroup.controllers"):
            pytest.skip("no cgroup v2 mount")
    cg = f"{base}/rbpf_py_{os.getpid()}"
    os.mkdir(cg)
    try:
        obj = open_obj("attach_net")
        obj.load()
        prog = obj.programs["sock_create"]
        child = (
            "import os, socket, sys\n"
            f"open('{cg}/cgroup.procs', 'w').write(str(os.getpid()))\n"
            "for _ in range(3): socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()\n"
        )
        with prog.attach_cgroup(cg):  # a path
            subprocess.run(["python3", "-c", child], check=True, timeout=30)
            assert obj.bss.sock_creates == 3
        fd = os.open(cg, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with prog.attach_cgroup(fd, flags=0):  # an fd
                pass
        finally:
            os.close(fd)
        with pytest.raises(OSError, match="prog 'sock_create'"):
            prog.attach_cgroup(-1)
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            prog.attach_cgroup(cg, bogus=1)
    finally:
        os.rmdir(cg)


def test_iter_output(root: None, open_obj: Callable[..., Any]) -> None:
    obj = open_obj("attach_net")
    pid = os.getpid()
    obj.rodata.target_tgid = pid
    obj.load()
    with obj.programs["dump_task"].attach_iter() as link:
        out = link.iter_read().decode()
        lines = out.splitlines()
        assert f"{pid} {pid}" in lines
        assert all(line.split()[0] == str(pid) for line in lines)
        fd = link.iter_create()
        try:
            assert os.read(fd, 4096).decode().splitlines()[0] == lines[0]
        finally:
            os.close(fd)


def test_link_pin_open_unpin(root: None, open_obj: Callable[..., Any]) -> None:
    obj = open_obj("attach_net")
    obj.rodata.target_tgid = os.getpid()
    obj.load()
    path = f"/sys/fs/bpf/rbpf_py_link_{os.getpid()}"
    link = obj.programs["dump_task"].attach_iter()
    try:
        link.pin(path)
        assert link.pin_path == path
        assert os.path.exists(path)
        with rbpf.Link.open(path) as opened:
            assert opened.fd >= 0
            assert opened.info()["prog_id"] == link.info()["prog_id"]
            assert f"{os.getpid()} {os.getpid()}" in opened.iter_read().decode()
        link.unpin()
        assert not os.path.exists(path)
        assert link.pin_path is None
    finally:
        link.detach()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def test_socket_filter(root: None, open_obj: Callable[..., Any]) -> None:
    obj = open_obj("attach_net")
    obj.load()
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        with obj.programs["sock_filter"].attach_socket_filter(b):
            for _ in range(3):
                a.send(b"x")
                assert b.recv(16) == b"x"
            assert obj.bss.sock_filter_pkts == 3
        a.send(b"y")
        assert b.recv(16) == b"y"
        assert obj.bss.sock_filter_pkts == 3


def test_perf_event_cpu_clock(root: None, open_obj: Callable[..., Any]) -> None:
    obj = open_obj("attach_net")
    obj.load()
    fd = rbpf.open_cpu_clock_sampler(pid=0, cpu=-1, period=100_000)
    try:
        with obj.programs["on_sample"].attach_perf_event(fd):
            deadline = time.monotonic() + 5
            x = 0
            while obj.bss.perf_samples == 0 and time.monotonic() < deadline:
                x += sum(range(10000))  # burn CPU on this thread
            assert obj.bss.perf_samples > 0
    finally:
        os.close(fd)
    with pytest.raises(rbpf.BpfError):
        rbpf.open_cpu_clock_sampler(period=0)



# --- the keyword arguments come from the core's option declarations ------------------------


def _stub_kwonly(cls_name: str | None, meth: str) -> list[str]:
    import ast

    from rbpf import _rbpf

    tree = ast.parse((Path(_rbpf.__file__).parent / "_rbpf.pyi").read_text())
    body = tree.body
    if cls_name is not None:
        body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name).body
    f = next(n for n in body if isinstance(n, ast.FunctionDef) and n.name == meth)
    return [a.arg for a in f.args.kwonlyargs]


@pytest.mark.parametrize(
    "cls_name, meth, c_name, extra",
    [
        ("Program", "attach_uprobe", "rbpf_uprobe_opts", ["pid", "func_offset"]),
        ("Program", "attach_uprobe_multi", "rbpf_uprobe_multi_opts", ["pid", "syms", "offsets", "ref_ctr_offsets", "cookies"]),
        ("Program", "attach_usdt", "rbpf_usdt_opts", ["pid"]),
        ("Program", "attach_kprobe", "rbpf_kprobe_opts", []),
        ("Program", "attach_ksyscall", "rbpf_ksyscall_opts", []),
        ("Program", "attach_kprobe_multi", "rbpf_kprobe_multi_opts", ["syms", "addrs", "cookies"]),
        ("Program", "attach_tcx", "rbpf_tcx_opts", []),
        ("Program", "attach_netkit", "rbpf_netkit_opts", []),
        ("Program", "attach_cgroup", "rbpf_cgroup_opts", []),
        ("Program", "attach_iter", "rbpf_iter_attach_opts", ["map"]),
        ("Program", "attach_perf_event", "rbpf_perf_event_opts", []),
        ("Program", "attach_netfilter", "rbpf_netfilter_opts", []),
        (None, "xdp_attach", "rbpf_xdp_attach_opts", []),
        (None, "tc_hook_create", "rbpf_tc_hook", ["ifindex", "attach_point"]),
        (None, "tc_attach", "rbpf_tc_opts", ["replace", "prog_fd", "prog_id"]),
    ],
)
def test_attach_keywords_match_core(cls_name: str | None, meth: str, c_name: str, extra: list[str]) -> None:
    from rbpf import _rbpf

    core = [f for f in _rbpf.opts_fields()[c_name] if f not in extra]
    stub = [a for a in _stub_kwonly(cls_name, meth) if a not in extra]
    assert sorted(stub) == sorted(core)


def test_attach_unknown_keyword_is_type_error(root: None, open_obj: Callable[..., Any]) -> None:
    obj = open_obj("attach_net")
    obj.load()
    p = obj.programs["tcx_count"]
    for call in (
        lambda: p.attach_tcx(1, bogus=1),
        lambda: obj.programs["dump_task"].attach_iter(bogus=1),
        lambda: obj.programs["on_sample"].attach_perf_event(0, bogus=1),
        lambda: rbpf.xdp_attach(1, p, 0, bogus=1),
    ):
        with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
            call()
    with pytest.raises(TypeError, match="must be int"):
        p.attach_tcx(1, flags="x")
    with pytest.raises(TypeError, match="ifindex"):
        p.attach_tcx(1.5)


# --- sockmap and netns: a small object built here with clang -------------------------------

SOCKNS_SRC = r"""
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
struct {
    __uint(type, BPF_MAP_TYPE_SOCKMAP);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u32);
} sock_map SEC(".maps");
SEC("sk_msg") int msg_pass(struct sk_msg_md *m) { return SK_PASS; }
SEC("flow_dissector") int dissect(struct __sk_buff *skb) { return BPF_OK; }
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.fixture
def sockns_obj(root: None, tmp_path: Path) -> Iterator[Any]:
    clang = shutil.which("clang-19") or shutil.which("clang")
    if clang is None:
        pytest.skip("no clang to build the sk_msg / flow_dissector object")
    src, out = tmp_path / "sockns.bpf.c", tmp_path / "sockns.bpf.o"
    src.write_text(SOCKNS_SRC)
    r = subprocess.run(
        [clang, "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        pytest.skip(f"cannot build the sk_msg / flow_dissector object with clang: {r.stderr}")
    with rbpf.Object.open(out) as obj:
        obj.load()
        yield obj


def test_sockmap_attach(sockns_obj: Any) -> None:
    prog, m = sockns_obj.programs["msg_pass"], sockns_obj.maps["sock_map"]
    with prog.attach_sockmap(m) as link:  # an rbpf.Map
        assert not link.detached
    assert link.detached
    with prog.attach_sockmap(m.fd):  # or its fd
        pass
    with pytest.raises(rbpf.BpfError, match="prog 'msg_pass'"):
        prog.attach_sockmap(-1)


def test_netns_attach(sockns_obj: Any, netpair: NetPair) -> None:
    prog = sockns_obj.programs["dissect"]
    with prog.attach_netns(f"/run/netns/{netpair.ns_a}") as link:  # a path
        assert link.fd >= 0
        assert link.info()["prog_id"] > 0
        with pytest.raises(rbpf.BpfError):  # one flow dissector per namespace
            prog.attach_netns(f"/run/netns/{netpair.ns_a}")
    fd = os.open(f"/run/netns/{netpair.ns_b}", os.O_RDONLY)
    try:
        with prog.attach_netns(fd):  # an fd
            pass
    finally:
        os.close(fd)
    with pytest.raises(FileNotFoundError):
        prog.attach_netns("/run/netns/rbpf_no_such_ns")


def test_uprobe_by_file_offset(root: None, open_obj: Callable[..., Any], probed: str) -> None:
    """func_offset alone (a file offset), from the ELF symbol table read here."""
    import struct as st

    data = Path(probed).read_bytes()
    off = _elf_func_file_offset(data, b"rbpf_c_target", st)
    obj = open_obj("attach_probes")
    obj.load()
    link = obj.programs["count_uprobe"].attach_uprobe(probed, func_offset=off)
    try:
        run(probed, 3)
        assert obj.bss.uprobe_cnt == 3
    finally:
        link.detach()


def _elf_func_file_offset(data: bytes, name: bytes, st: Any) -> int:
    """File offset of a function in a 64-bit little-endian ELF (symtab, section-relative)."""
    shoff, = st.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = st.unpack_from("<HHH", data, 0x3A)
    secs = [st.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for s in secs:
        if s[1] != 2:  # SHT_SYMTAB
            continue
        strtab = secs[s[6]]
        for i in range(s[5] // 24):
            st_name, _info, _other, shndx, value, _size = st.unpack_from("<IBBHQQ", data, s[4] + i * 24)
            start = strtab[4] + st_name
            if data[start : data.index(b"\0", start)] == name:
                sec = secs[shndx]
                return value - sec[3] + sec[4]  # vaddr - sh_addr + sh_offset
    pytest.skip(f"{name!r} not found in the probed program's symtab")
    return 0
