# Type stubs for the rbpf._rbpf extension (hand-written; the keyword arguments of the
# *_opts-taking calls are checked against the core's option declaration by
# py/tests/test_opts.py::test_stub_keywords_match_core).

import builtins
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, Literal, final

from ._types import LinkSet

__version__: str

_Path = str | os.PathLike[str]
_Buffer = bytes | bytearray | memoryview

def opts_fields() -> dict[str, list[str]]: ...
def opts_desc() -> dict[str, list[tuple[str, str, str]]]: ...
def num_possible_cpus() -> int: ...

# Attach helpers (issue 4): libbpf's fd-level netlink calls. `ifindex` also accepts an
# interface name of the calling thread's network namespace.
_IfIndex = int | str
_TcPoint = Literal["ingress", "egress", "ingress+egress", "both", "custom", "qdisc"] | int
_HasFd = int | Any

def open_cpu_clock_sampler(*, pid: int = 0, cpu: int = -1, period: int = 1000000, freq: bool = False) -> int: ...
def xdp_attach(ifindex: _IfIndex, prog: _HasFd, flags: int = 0, /, *, old_prog_fd: int = 0) -> None: ...
def xdp_detach(ifindex: _IfIndex, flags: int = 0, /, *, old_prog_fd: int = 0) -> None: ...
def xdp_query(ifindex: _IfIndex, flags: int = 0, /) -> dict[str, int]: ...
def xdp_query_id(ifindex: _IfIndex, flags: int = 0, /) -> int: ...
def tc_hook_create(
    ifindex: _IfIndex, attach_point: _TcPoint | None = None, /, *, parent: int = 0, handle: int = 0, qdisc: str | None = None
) -> None: ...
def tc_hook_destroy(
    ifindex: _IfIndex, attach_point: _TcPoint | None = None, /, *, parent: int = 0, handle: int = 0, qdisc: str | None = None
) -> None: ...
def tc_attach(
    ifindex: _IfIndex,
    attach_point: _TcPoint,
    prog: _HasFd,
    /,
    *,
    replace: bool = False,
    flags: int = 0,
    handle: int = 0,
    priority: int = 0,
) -> dict[str, int]: ...
def tc_detach(ifindex: _IfIndex, attach_point: _TcPoint, /, *, flags: int = 0, handle: int = 0, priority: int = 0) -> None: ...
def tc_query(ifindex: _IfIndex, attach_point: _TcPoint, /, *, flags: int = 0, handle: int = 0, priority: int = 0) -> int: ...

RBPF_TC_INGRESS: int
RBPF_TC_EGRESS: int
RBPF_TC_CUSTOM: int
RBPF_TC_QDISC: int
RBPF_TC_F_REPLACE: int

@final
class Struct:
    """A decoded BTF struct/union: attribute access, ``_asdict()``, ``_fields``."""

    @property
    def _fields(self) -> tuple[str, ...]: ...
    def _asdict(self) -> dict[str, Any]: ...
    def __getattr__(self, name: str, /) -> Any: ...
    def __getitem__(self, key: str, /) -> Any: ...
    def __contains__(self, key: str, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Btf:
    @staticmethod
    def vmlinux() -> Btf: ...
    @staticmethod
    def from_file(path: _Path, base: Btf | None = None) -> Btf: ...
    @property
    def type_cnt(self) -> int: ...
    @property
    def start_id(self) -> int: ...
    def find_by_name(self, name: str, kind: str | None = None) -> int | None: ...
    def type_by_id(self, id: int) -> dict[str, Any]: ...
    def resolve_size(self, type: int | str) -> int: ...
    def describe(self, type: int | str) -> str: ...
    def decode(self, type: int | str, data: bytes) -> Any: ...
    def encode(self, type: int | str, value: Any) -> bytes: ...
    def raw_bytes(self) -> bytes: ...

@final
class Link:
    @property
    def fd(self) -> int: ...
    @property
    def detached(self) -> bool: ...
    @property
    def pin_path(self) -> str | None: ...
    def detach(self) -> None: ...
    def close(self) -> None: ...
    def pin(self, path: _Path) -> None: ...
    def unpin(self) -> None: ...
    @staticmethod
    def open(path: _Path) -> Link: ...
    def update_program(self, prog: Program | int) -> None: ...
    def disconnect(self) -> None: ...
    def iter_read(self) -> bytes: ...
    def iter_create(self) -> int: ...
    def info(self) -> dict[str, int]: ...
    def __enter__(self) -> Link: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]: ...

@final
class Program:
    @property
    def name(self) -> str: ...
    @property
    def section_name(self) -> str: ...
    @property
    def type(self) -> int: ...
    @type.setter
    def type(self, value: int | str) -> None: ...
    expected_attach_type: int
    autoload: bool
    autoattach: bool
    flags: int
    log_level: int
    @property
    def fd(self) -> int: ...
    @property
    def insn_cnt(self) -> int: ...
    def attach(self) -> Link: ...
    def attach_tracepoint(self, category: str, name: str, /, *, bpf_cookie: int = 0) -> Link: ...
    def attach_raw_tracepoint(self, name: str, /, *, cookie: int = 0) -> Link: ...
    def attach_trace(self, *, cookie: int = 0) -> Link: ...
    def attach_uprobe(
        self,
        path: str,
        /,
        *,
        pid: int = -1,
        func_offset: int = 0,
        ref_ctr_offset: int = 0,
        bpf_cookie: int = 0,
        retprobe: bool = False,
        func_name: str | None = None,
        attach_mode: Literal["default", "legacy", "perf", "link"] | int = 0,
    ) -> Link: ...
    def attach_uprobe_multi(
        self,
        path: str,
        func_pattern: str | None = None,
        /,
        *,
        pid: int = -1,
        syms: Iterable[str] | None = None,
        offsets: Iterable[int] | None = None,
        ref_ctr_offsets: Iterable[int] | None = None,
        cookies: Iterable[int] | None = None,
        retprobe: bool = False,
        session: bool = False,
    ) -> Link: ...
    def attach_usdt(self, path: str, provider: str, name: str, /, *, pid: int = -1, usdt_cookie: int = 0) -> Link: ...
    def attach_kprobe(
        self,
        func_name: str,
        /,
        *,
        bpf_cookie: int = 0,
        offset: int = 0,
        retprobe: bool = False,
        attach_mode: Literal["default", "legacy", "perf", "link"] | int = 0,
    ) -> Link: ...
    def attach_ksyscall(self, syscall_name: str, /, *, bpf_cookie: int = 0, retprobe: bool = False) -> Link: ...
    def attach_kprobe_multi(
        self,
        pattern: str | None = None,
        /,
        *,
        syms: Iterable[str] | None = None,
        addrs: Iterable[int] | None = None,
        cookies: Iterable[int] | None = None,
        retprobe: bool = False,
        session: bool = False,
        unique_match: bool = False,
    ) -> Link: ...
    def attach_xdp(self, ifindex: int | str, /, *, flags: int = 0, mode: Literal["skb", "drv", "hw"] | None = None) -> Link: ...
    def attach_tcx(
        self, ifindex: int | str, /, *, flags: int = 0, relative_fd: int = 0, relative_id: int = 0, expected_revision: int = 0
    ) -> Link: ...
    def attach_netkit(
        self, ifindex: int | str, /, *, flags: int = 0, relative_fd: int = 0, relative_id: int = 0, expected_revision: int = 0
    ) -> Link: ...
    def attach_tc(
        self,
        ifindex: int | str,
        attach_point: Literal["ingress", "egress"] | int | None = None,
        /,
        *,
        priority: int = 0,
        handle: int = 0,
    ) -> Link: ...
    def attach_cgroup(
        self, cgroup: int | _Path, /, *, flags: int = 0, relative_fd: int = 0, relative_id: int = 0, expected_revision: int = 0
    ) -> Link: ...
    def attach_netns(self, netns: int | _Path, /) -> Link: ...
    def attach_sockmap(self, map: Map | int, /) -> Link: ...
    def attach_socket_filter(self, sock: Any, /) -> Link: ...
    def attach_iter(
        self,
        *,
        map: Map | int | None = None,
        map_fd: int = 0,
        cgroup_fd: int = 0,
        order: int = 0,
        tid: int = 0,
        pid: int = 0,
        pid_fd: int = 0,
    ) -> Link: ...
    def attach_perf_event(
        self, perf_fd: int | Any, /, *, bpf_cookie: int = 0, force_ioctl_attach: bool = False, dont_enable: bool = False
    ) -> Link: ...
    def attach_netfilter(self, *, pf: int = 0, hooknum: int = 0, priority: int = 0, flags: int = 0) -> Link: ...
    def attach_lsm(self) -> Link: ...

@final
class Map:
    """A BPF map; a ``collections.abc.MutableMapping`` (registered)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> int: ...
    @property
    def key_size(self) -> int: ...
    value_size: int
    max_entries: int
    @property
    def map_flags(self) -> int: ...
    @property
    def fd(self) -> int: ...
    @property
    def percpu(self) -> bool: ...
    @property
    def section_name(self) -> str | None: ...
    pin_path: str | None
    @property
    def is_pinned(self) -> bool: ...
    def pin(self, path: _Path | None = None) -> None: ...
    def unpin(self, path: _Path | None = None) -> None: ...
    def freeze(self) -> None: ...
    def set_initial_value(self, data: bytes) -> None: ...
    def mmap(self) -> memoryview: ...
    @staticmethod
    def from_pinned(path: _Path) -> Map: ...
    def close(self) -> None: ...
    def __enter__(self) -> Map: ...
    def __exit__(
        self, exc_type: builtins.type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]: ...
    def lookup(self, key: Any, flags: int = 0, *, raw: bool = False) -> Any | None: ...
    def update(self, key: Any, value: Any, flags: int = 0) -> None: ...
    def delete(self, key: Any, flags: int = 0) -> None: ...
    def lookup_and_delete(self, key: Any, flags: int = 0) -> Any | None: ...
    def next_key(self, key: Any | None = None) -> Any | None: ...
    def keys(self) -> list[Any]: ...
    def values(self) -> list[Any]: ...
    def items(self) -> list[tuple[Any, Any]]: ...
    def lookup_batch(
        self, cursor: BatchCursor | None = None, count: int = 256, *, elem_flags: int = 0, flags: int = 0
    ) -> tuple[list[Any], list[Any]]: ...
    def lookup_and_delete_batch(
        self, cursor: BatchCursor | None = None, count: int = 256, *, elem_flags: int = 0, flags: int = 0
    ) -> tuple[list[Any], list[Any]]: ...
    def update_batch(self, keys: Iterable[Any], values: Iterable[Any], *, elem_flags: int = 0, flags: int = 0) -> int: ...
    def delete_batch(self, keys: Iterable[Any], *, elem_flags: int = 0, flags: int = 0) -> int: ...
    def get(self, key: Any, default: Any = None) -> Any: ...
    def pop(self, key: Any, *default: Any) -> Any: ...
    def clear(self) -> None: ...
    def __getitem__(self, key: Any, /) -> Any: ...
    def __setitem__(self, key: Any, value: Any, /) -> None: ...
    def __delitem__(self, key: Any, /) -> None: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...

@final
class BatchCursor:
    """The position of a batch walk (``Map.lookup_batch``); ``done`` at the end."""

    def __init__(self) -> None: ...
    @property
    def done(self) -> bool: ...
    def reset(self) -> None: ...

@final
class GlobalData:
    """Variables of one global-data section by name (``obj.rodata.x``)."""

    @property
    def _name(self) -> str: ...
    @property
    def _map(self) -> Map: ...
    def _asdict(self) -> dict[str, Any]: ...
    def __getattr__(self, name: str, /) -> Any: ...
    def __setattr__(self, name: str, value: Any, /) -> None: ...

@final
class Object:
    @staticmethod
    def open(
        src: _Path | _Buffer,
        /,
        *,
        object_name: str | None = None,
        relaxed_maps: bool = False,
        pin_root_path: _Path | None = None,
        kconfig: str | None = None,
        btf_custom_path: _Path | None = None,
        kernel_log_level: int = 0,
    ) -> Object: ...
    @property
    def name(self) -> str: ...
    @property
    def kversion(self) -> int: ...
    @property
    def loaded(self) -> bool: ...
    @property
    def btf(self) -> Btf | None: ...
    @property
    def programs(self) -> MappingProxyType[str, Program]: ...
    @property
    def maps(self) -> MappingProxyType[str, Map]: ...
    @property
    def data(self) -> GlobalData: ...
    @property
    def rodata(self) -> GlobalData: ...
    @property
    def bss(self) -> GlobalData: ...
    @property
    def kconfig(self) -> GlobalData: ...
    def datasec(self, name: str) -> GlobalData: ...
    def load(self) -> None: ...
    def attach_all(self) -> LinkSet: ...
    def close(self) -> None: ...
    def __enter__(self) -> Object: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]: ...

@final
class RecordBatch:
    """The records one buffer had in one poll/consume (``batch=True``): a read-only
    sequence (bytes, or decoded by ``value_type``); ``data`` holds them all back to back
    and ``record_size`` is their common size (None when sizes differ)."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> Any: ...
    @property
    def data(self) -> bytes: ...
    @property
    def record_size(self) -> int | None: ...
    def tolist(self) -> list[Any]: ...

@final
class _RecordView:
    """The exporter behind ``copy=False`` records (never constructed by users)."""

@final
class Ring:
    """One ring of a RingBuffer (libbpf's ``ring_buffer__ring``)."""

    @property
    def index(self) -> int: ...
    @property
    def consumer_pos(self) -> int: ...
    @property
    def producer_pos(self) -> int: ...
    @property
    def avail_data_size(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def map_fd(self) -> int: ...
    def consume(self, n: int | None = None) -> int: ...

@final
class RingBuffer:
    def __new__(
        cls,
        map: Map | None = None,
        callback: Callable[[Any], int | None] | None = None,
        *,
        value_type: str | int | None = None,
        copy: bool = True,
        batch: bool = False,
    ) -> RingBuffer: ...
    def add(
        self,
        map: Map,
        callback: Callable[[Any], int | None] | None = None,
        *,
        value_type: str | int | None = None,
        copy: bool = True,
        batch: bool = False,
    ) -> int: ...
    def poll(self, timeout_ms: int | None = -1) -> int: ...
    def consume(self) -> int: ...
    def consume_n(self, n: int) -> int: ...
    def fileno(self) -> int: ...
    @property
    def ring_count(self) -> int: ...
    def ring(self, idx: int) -> Ring: ...
    @property
    def closed(self) -> bool: ...
    def events(self) -> AsyncIterator[Any]: ...
    def __aiter__(self) -> AsyncIterator[Any]: ...
    def _take(self) -> list[Any] | None: ...
    def _add_waker(self, waker: Callable[[], object]) -> None: ...
    def _remove_waker(self, waker: Callable[[], object]) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> RingBuffer: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]: ...

@final
class PerfBuffer:
    def __new__(
        cls,
        map: Map,
        callback: Callable[[int, Any], int | None] | None = None,
        *,
        page_cnt: int = 8,
        lost_callback: Callable[[int, int], int | None] | None = None,
        value_type: str | int | None = None,
        sample_period: int = 0,
    ) -> PerfBuffer: ...
    def poll(self, timeout_ms: int | None = -1) -> int: ...
    def consume(self) -> int: ...
    def consume_buffer(self, idx: int) -> int: ...
    @property
    def buffer_cnt(self) -> int: ...
    def buffer_fd(self, idx: int) -> int: ...
    def buffer_cpu(self, idx: int) -> int: ...
    def fileno(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def events(self) -> AsyncIterator[tuple[int, Any]]: ...
    def __aiter__(self) -> AsyncIterator[tuple[int, Any]]: ...
    def _take(self) -> list[tuple[int, Any]] | None: ...
    def _add_waker(self, waker: Callable[[], object]) -> None: ...
    def _remove_waker(self, waker: Callable[[], object]) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> PerfBuffer: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]: ...

@final
class UserRingBuffer:
    def __new__(cls, map: Map) -> UserRingBuffer: ...
    def reserve(self, size: int) -> UserRingSample: ...
    def reserve_blocking(self, size: int, timeout_ms: int | None = -1) -> UserRingSample: ...
    def write(self, data: _Buffer) -> None: ...
    @property
    def size(self) -> int: ...
    @property
    def used(self) -> int: ...
    @property
    def consumer_pos(self) -> int: ...
    @property
    def producer_pos(self) -> int: ...
    def fileno(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> UserRingBuffer: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]: ...

@final
class UserRingSample:
    """A reserved sample: ``write()`` then ``submit()`` or ``discard()``; a context
    manager that submits on success and discards on an exception."""

    def __len__(self) -> int: ...
    def write(self, data: _Buffer, offset: int = 0) -> None: ...
    def submit(self) -> None: ...
    def discard(self) -> None: ...
    def __enter__(self) -> UserRingSample: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> Literal[False]: ...

# Kernel UAPI constants.
# BEGIN GENERATED CONSTANTS (python py/gen_stubs.py; checked by py/tests/test_stubs.py)
BPF_ANY: int
BPF_CGROUP_DEVICE: int
BPF_CGROUP_GETSOCKOPT: int
BPF_CGROUP_INET4_BIND: int
BPF_CGROUP_INET4_CONNECT: int
BPF_CGROUP_INET4_GETPEERNAME: int
BPF_CGROUP_INET4_GETSOCKNAME: int
BPF_CGROUP_INET4_POST_BIND: int
BPF_CGROUP_INET6_BIND: int
BPF_CGROUP_INET6_CONNECT: int
BPF_CGROUP_INET6_GETPEERNAME: int
BPF_CGROUP_INET6_GETSOCKNAME: int
BPF_CGROUP_INET6_POST_BIND: int
BPF_CGROUP_INET_EGRESS: int
BPF_CGROUP_INET_INGRESS: int
BPF_CGROUP_INET_SOCK_CREATE: int
BPF_CGROUP_INET_SOCK_RELEASE: int
BPF_CGROUP_SETSOCKOPT: int
BPF_CGROUP_SOCK_OPS: int
BPF_CGROUP_SYSCTL: int
BPF_CGROUP_UDP4_RECVMSG: int
BPF_CGROUP_UDP4_SENDMSG: int
BPF_CGROUP_UDP6_RECVMSG: int
BPF_CGROUP_UDP6_SENDMSG: int
BPF_CGROUP_UNIX_CONNECT: int
BPF_CGROUP_UNIX_GETPEERNAME: int
BPF_CGROUP_UNIX_GETSOCKNAME: int
BPF_CGROUP_UNIX_RECVMSG: int
BPF_CGROUP_UNIX_SENDMSG: int
BPF_EXIST: int
BPF_FLOW_DISSECTOR: int
BPF_F_AFTER: int
BPF_F_ALLOW_MULTI: int
BPF_F_ALLOW_OVERRIDE: int
BPF_F_ANY_ALIGNMENT: int
BPF_F_BEFORE: int
BPF_F_CLONE: int
BPF_F_ID: int
BPF_F_INNER_MAP: int
BPF_F_KPROBE_MULTI_RETURN: int
BPF_F_LINK: int
BPF_F_LOCK: int
BPF_F_MMAPABLE: int
BPF_F_NO_COMMON_LRU: int
BPF_F_NO_PREALLOC: int
BPF_F_NUMA_NODE: int
BPF_F_PATH_FD: int
BPF_F_PRESERVE_ELEMS: int
BPF_F_RDONLY: int
BPF_F_RDONLY_PROG: int
BPF_F_REPLACE: int
BPF_F_SLEEPABLE: int
BPF_F_STACK_BUILD_ID: int
BPF_F_STRICT_ALIGNMENT: int
BPF_F_TEST_RND_HI32: int
BPF_F_TEST_STATE_FREQ: int
BPF_F_UPROBE_MULTI_RETURN: int
BPF_F_WRONLY: int
BPF_F_WRONLY_PROG: int
BPF_F_XDP_DEV_BOUND_ONLY: int
BPF_F_XDP_HAS_FRAGS: int
BPF_F_ZERO_SEED: int
BPF_LINK_TYPE_CGROUP: int
BPF_LINK_TYPE_ITER: int
BPF_LINK_TYPE_KPROBE_MULTI: int
BPF_LINK_TYPE_NETFILTER: int
BPF_LINK_TYPE_NETKIT: int
BPF_LINK_TYPE_NETNS: int
BPF_LINK_TYPE_PERF_EVENT: int
BPF_LINK_TYPE_RAW_TRACEPOINT: int
BPF_LINK_TYPE_SOCKMAP: int
BPF_LINK_TYPE_STRUCT_OPS: int
BPF_LINK_TYPE_TCX: int
BPF_LINK_TYPE_TRACING: int
BPF_LINK_TYPE_UNSPEC: int
BPF_LINK_TYPE_UPROBE_MULTI: int
BPF_LINK_TYPE_XDP: int
BPF_LIRC_MODE2: int
BPF_LSM_CGROUP: int
BPF_LSM_MAC: int
BPF_MAP_TYPE_ARENA: int
BPF_MAP_TYPE_ARRAY: int
BPF_MAP_TYPE_ARRAY_OF_MAPS: int
BPF_MAP_TYPE_BLOOM_FILTER: int
BPF_MAP_TYPE_CGROUP_ARRAY: int
BPF_MAP_TYPE_CGROUP_STORAGE: int
BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED: int
BPF_MAP_TYPE_CGRP_STORAGE: int
BPF_MAP_TYPE_CPUMAP: int
BPF_MAP_TYPE_DEVMAP: int
BPF_MAP_TYPE_DEVMAP_HASH: int
BPF_MAP_TYPE_HASH: int
BPF_MAP_TYPE_HASH_OF_MAPS: int
BPF_MAP_TYPE_INODE_STORAGE: int
BPF_MAP_TYPE_LPM_TRIE: int
BPF_MAP_TYPE_LRU_HASH: int
BPF_MAP_TYPE_LRU_PERCPU_HASH: int
BPF_MAP_TYPE_PERCPU_ARRAY: int
BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: int
BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED: int
BPF_MAP_TYPE_PERCPU_HASH: int
BPF_MAP_TYPE_PERF_EVENT_ARRAY: int
BPF_MAP_TYPE_PROG_ARRAY: int
BPF_MAP_TYPE_QUEUE: int
BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: int
BPF_MAP_TYPE_RINGBUF: int
BPF_MAP_TYPE_SK_STORAGE: int
BPF_MAP_TYPE_SOCKHASH: int
BPF_MAP_TYPE_SOCKMAP: int
BPF_MAP_TYPE_STACK: int
BPF_MAP_TYPE_STACK_TRACE: int
BPF_MAP_TYPE_STRUCT_OPS: int
BPF_MAP_TYPE_TASK_STORAGE: int
BPF_MAP_TYPE_UNSPEC: int
BPF_MAP_TYPE_USER_RINGBUF: int
BPF_MAP_TYPE_XSKMAP: int
BPF_MODIFY_RETURN: int
BPF_NETFILTER: int
BPF_NETKIT_PEER: int
BPF_NETKIT_PRIMARY: int
BPF_NOEXIST: int
BPF_PERF_EVENT: int
BPF_PROG_TYPE_CGROUP_DEVICE: int
BPF_PROG_TYPE_CGROUP_SKB: int
BPF_PROG_TYPE_CGROUP_SOCK: int
BPF_PROG_TYPE_CGROUP_SOCKOPT: int
BPF_PROG_TYPE_CGROUP_SOCK_ADDR: int
BPF_PROG_TYPE_CGROUP_SYSCTL: int
BPF_PROG_TYPE_EXT: int
BPF_PROG_TYPE_FLOW_DISSECTOR: int
BPF_PROG_TYPE_KPROBE: int
BPF_PROG_TYPE_LIRC_MODE2: int
BPF_PROG_TYPE_LSM: int
BPF_PROG_TYPE_LWT_IN: int
BPF_PROG_TYPE_LWT_OUT: int
BPF_PROG_TYPE_LWT_SEG6LOCAL: int
BPF_PROG_TYPE_LWT_XMIT: int
BPF_PROG_TYPE_NETFILTER: int
BPF_PROG_TYPE_PERF_EVENT: int
BPF_PROG_TYPE_RAW_TRACEPOINT: int
BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: int
BPF_PROG_TYPE_SCHED_ACT: int
BPF_PROG_TYPE_SCHED_CLS: int
BPF_PROG_TYPE_SK_LOOKUP: int
BPF_PROG_TYPE_SK_MSG: int
BPF_PROG_TYPE_SK_REUSEPORT: int
BPF_PROG_TYPE_SK_SKB: int
BPF_PROG_TYPE_SOCKET_FILTER: int
BPF_PROG_TYPE_SOCK_OPS: int
BPF_PROG_TYPE_STRUCT_OPS: int
BPF_PROG_TYPE_SYSCALL: int
BPF_PROG_TYPE_TRACEPOINT: int
BPF_PROG_TYPE_TRACING: int
BPF_PROG_TYPE_UNSPEC: int
BPF_PROG_TYPE_XDP: int
BPF_SK_LOOKUP: int
BPF_SK_MSG_VERDICT: int
BPF_SK_REUSEPORT_SELECT: int
BPF_SK_REUSEPORT_SELECT_OR_MIGRATE: int
BPF_SK_SKB_STREAM_PARSER: int
BPF_SK_SKB_STREAM_VERDICT: int
BPF_SK_SKB_VERDICT: int
BPF_STRUCT_OPS: int
BPF_TCX_EGRESS: int
BPF_TCX_INGRESS: int
BPF_TRACE_FENTRY: int
BPF_TRACE_FEXIT: int
BPF_TRACE_ITER: int
BPF_TRACE_KPROBE_MULTI: int
BPF_TRACE_KPROBE_SESSION: int
BPF_TRACE_RAW_TP: int
BPF_TRACE_UPROBE_MULTI: int
BPF_TRACE_UPROBE_SESSION: int
BPF_XDP: int
BPF_XDP_CPUMAP: int
BPF_XDP_DEVMAP: int
XDP_FLAGS_DRV_MODE: int
XDP_FLAGS_HW_MODE: int
XDP_FLAGS_REPLACE: int
XDP_FLAGS_SKB_MODE: int
XDP_FLAGS_UPDATE_IF_NOEXIST: int

__all__ = [
    'Object',
    'Program',
    'Link',
    'GlobalData',
    'Map',
    'BatchCursor',
    'RingBuffer',
    'Ring',
    'PerfBuffer',
    'UserRingBuffer',
    'UserRingSample',
    'RecordBatch',
    '_RecordView',
    'Struct',
    'Btf',
    'opts_fields',
    'opts_desc',
    'open_cpu_clock_sampler',
    'xdp_attach',
    'xdp_detach',
    'xdp_query',
    'xdp_query_id',
    'tc_hook_create',
    'tc_hook_destroy',
    'tc_attach',
    'tc_detach',
    'tc_query',
    'RBPF_TC_INGRESS',
    'RBPF_TC_EGRESS',
    'RBPF_TC_CUSTOM',
    'RBPF_TC_QDISC',
    'RBPF_TC_F_REPLACE',
    'num_possible_cpus',
    'BPF_PROG_TYPE_UNSPEC',
    'BPF_PROG_TYPE_SOCKET_FILTER',
    'BPF_PROG_TYPE_KPROBE',
    'BPF_PROG_TYPE_SCHED_CLS',
    'BPF_PROG_TYPE_SCHED_ACT',
    'BPF_PROG_TYPE_TRACEPOINT',
    'BPF_PROG_TYPE_XDP',
    'BPF_PROG_TYPE_PERF_EVENT',
    'BPF_PROG_TYPE_CGROUP_SKB',
    'BPF_PROG_TYPE_CGROUP_SOCK',
    'BPF_PROG_TYPE_LWT_IN',
    'BPF_PROG_TYPE_LWT_OUT',
    'BPF_PROG_TYPE_LWT_XMIT',
    'BPF_PROG_TYPE_SOCK_OPS',
    'BPF_PROG_TYPE_SK_SKB',
    'BPF_PROG_TYPE_CGROUP_DEVICE',
    'BPF_PROG_TYPE_SK_MSG',
    'BPF_PROG_TYPE_RAW_TRACEPOINT',
    'BPF_PROG_TYPE_CGROUP_SOCK_ADDR',
    'BPF_PROG_TYPE_LWT_SEG6LOCAL',
    'BPF_PROG_TYPE_LIRC_MODE2',
    'BPF_PROG_TYPE_SK_REUSEPORT',
    'BPF_PROG_TYPE_FLOW_DISSECTOR',
    'BPF_PROG_TYPE_CGROUP_SYSCTL',
    'BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE',
    'BPF_PROG_TYPE_CGROUP_SOCKOPT',
    'BPF_PROG_TYPE_TRACING',
    'BPF_PROG_TYPE_STRUCT_OPS',
    'BPF_PROG_TYPE_EXT',
    'BPF_PROG_TYPE_LSM',
    'BPF_PROG_TYPE_SK_LOOKUP',
    'BPF_PROG_TYPE_SYSCALL',
    'BPF_PROG_TYPE_NETFILTER',
    'BPF_CGROUP_INET_INGRESS',
    'BPF_CGROUP_INET_EGRESS',
    'BPF_CGROUP_INET_SOCK_CREATE',
    'BPF_CGROUP_SOCK_OPS',
    'BPF_SK_SKB_STREAM_PARSER',
    'BPF_SK_SKB_STREAM_VERDICT',
    'BPF_CGROUP_DEVICE',
    'BPF_SK_MSG_VERDICT',
    'BPF_CGROUP_INET4_BIND',
    'BPF_CGROUP_INET6_BIND',
    'BPF_CGROUP_INET4_CONNECT',
    'BPF_CGROUP_INET6_CONNECT',
    'BPF_CGROUP_INET4_POST_BIND',
    'BPF_CGROUP_INET6_POST_BIND',
    'BPF_CGROUP_UDP4_SENDMSG',
    'BPF_CGROUP_UDP6_SENDMSG',
    'BPF_LIRC_MODE2',
    'BPF_FLOW_DISSECTOR',
    'BPF_CGROUP_SYSCTL',
    'BPF_CGROUP_UDP4_RECVMSG',
    'BPF_CGROUP_UDP6_RECVMSG',
    'BPF_CGROUP_GETSOCKOPT',
    'BPF_CGROUP_SETSOCKOPT',
    'BPF_TRACE_RAW_TP',
    'BPF_TRACE_FENTRY',
    'BPF_TRACE_FEXIT',
    'BPF_MODIFY_RETURN',
    'BPF_LSM_MAC',
    'BPF_TRACE_ITER',
    'BPF_CGROUP_INET4_GETPEERNAME',
    'BPF_CGROUP_INET6_GETPEERNAME',
    'BPF_CGROUP_INET4_GETSOCKNAME',
    'BPF_CGROUP_INET6_GETSOCKNAME',
    'BPF_XDP_DEVMAP',
    'BPF_CGROUP_INET_SOCK_RELEASE',
    'BPF_XDP_CPUMAP',
    'BPF_SK_LOOKUP',
    'BPF_XDP',
    'BPF_SK_SKB_VERDICT',
    'BPF_SK_REUSEPORT_SELECT',
    'BPF_SK_REUSEPORT_SELECT_OR_MIGRATE',
    'BPF_PERF_EVENT',
    'BPF_TRACE_KPROBE_MULTI',
    'BPF_LSM_CGROUP',
    'BPF_STRUCT_OPS',
    'BPF_NETFILTER',
    'BPF_TCX_INGRESS',
    'BPF_TCX_EGRESS',
    'BPF_TRACE_UPROBE_MULTI',
    'BPF_CGROUP_UNIX_CONNECT',
    'BPF_CGROUP_UNIX_SENDMSG',
    'BPF_CGROUP_UNIX_RECVMSG',
    'BPF_CGROUP_UNIX_GETPEERNAME',
    'BPF_CGROUP_UNIX_GETSOCKNAME',
    'BPF_NETKIT_PRIMARY',
    'BPF_NETKIT_PEER',
    'BPF_TRACE_KPROBE_SESSION',
    'BPF_TRACE_UPROBE_SESSION',
    'BPF_MAP_TYPE_UNSPEC',
    'BPF_MAP_TYPE_HASH',
    'BPF_MAP_TYPE_ARRAY',
    'BPF_MAP_TYPE_PROG_ARRAY',
    'BPF_MAP_TYPE_PERF_EVENT_ARRAY',
    'BPF_MAP_TYPE_PERCPU_HASH',
    'BPF_MAP_TYPE_PERCPU_ARRAY',
    'BPF_MAP_TYPE_STACK_TRACE',
    'BPF_MAP_TYPE_CGROUP_ARRAY',
    'BPF_MAP_TYPE_LRU_HASH',
    'BPF_MAP_TYPE_LRU_PERCPU_HASH',
    'BPF_MAP_TYPE_LPM_TRIE',
    'BPF_MAP_TYPE_ARRAY_OF_MAPS',
    'BPF_MAP_TYPE_HASH_OF_MAPS',
    'BPF_MAP_TYPE_DEVMAP',
    'BPF_MAP_TYPE_SOCKMAP',
    'BPF_MAP_TYPE_CPUMAP',
    'BPF_MAP_TYPE_XSKMAP',
    'BPF_MAP_TYPE_SOCKHASH',
    'BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED',
    'BPF_MAP_TYPE_CGROUP_STORAGE',
    'BPF_MAP_TYPE_REUSEPORT_SOCKARRAY',
    'BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED',
    'BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE',
    'BPF_MAP_TYPE_QUEUE',
    'BPF_MAP_TYPE_STACK',
    'BPF_MAP_TYPE_SK_STORAGE',
    'BPF_MAP_TYPE_DEVMAP_HASH',
    'BPF_MAP_TYPE_STRUCT_OPS',
    'BPF_MAP_TYPE_RINGBUF',
    'BPF_MAP_TYPE_INODE_STORAGE',
    'BPF_MAP_TYPE_TASK_STORAGE',
    'BPF_MAP_TYPE_BLOOM_FILTER',
    'BPF_MAP_TYPE_USER_RINGBUF',
    'BPF_MAP_TYPE_CGRP_STORAGE',
    'BPF_MAP_TYPE_ARENA',
    'BPF_LINK_TYPE_UNSPEC',
    'BPF_LINK_TYPE_RAW_TRACEPOINT',
    'BPF_LINK_TYPE_TRACING',
    'BPF_LINK_TYPE_CGROUP',
    'BPF_LINK_TYPE_ITER',
    'BPF_LINK_TYPE_NETNS',
    'BPF_LINK_TYPE_XDP',
    'BPF_LINK_TYPE_PERF_EVENT',
    'BPF_LINK_TYPE_KPROBE_MULTI',
    'BPF_LINK_TYPE_STRUCT_OPS',
    'BPF_LINK_TYPE_NETFILTER',
    'BPF_LINK_TYPE_TCX',
    'BPF_LINK_TYPE_UPROBE_MULTI',
    'BPF_LINK_TYPE_NETKIT',
    'BPF_LINK_TYPE_SOCKMAP',
    'BPF_ANY',
    'BPF_NOEXIST',
    'BPF_EXIST',
    'BPF_F_LOCK',
    'BPF_F_NO_PREALLOC',
    'BPF_F_NO_COMMON_LRU',
    'BPF_F_NUMA_NODE',
    'BPF_F_RDONLY',
    'BPF_F_WRONLY',
    'BPF_F_STACK_BUILD_ID',
    'BPF_F_ZERO_SEED',
    'BPF_F_RDONLY_PROG',
    'BPF_F_WRONLY_PROG',
    'BPF_F_CLONE',
    'BPF_F_MMAPABLE',
    'BPF_F_PRESERVE_ELEMS',
    'BPF_F_INNER_MAP',
    'BPF_F_LINK',
    'BPF_F_PATH_FD',
    'BPF_F_STRICT_ALIGNMENT',
    'BPF_F_ANY_ALIGNMENT',
    'BPF_F_TEST_RND_HI32',
    'BPF_F_TEST_STATE_FREQ',
    'BPF_F_SLEEPABLE',
    'BPF_F_XDP_HAS_FRAGS',
    'BPF_F_XDP_DEV_BOUND_ONLY',
    'XDP_FLAGS_UPDATE_IF_NOEXIST',
    'XDP_FLAGS_SKB_MODE',
    'XDP_FLAGS_DRV_MODE',
    'XDP_FLAGS_HW_MODE',
    'XDP_FLAGS_REPLACE',
    'BPF_F_ALLOW_OVERRIDE',
    'BPF_F_ALLOW_MULTI',
    'BPF_F_REPLACE',
    'BPF_F_BEFORE',
    'BPF_F_AFTER',
    'BPF_F_ID',
    'BPF_F_KPROBE_MULTI_RETURN',
    'BPF_F_UPROBE_MULTI_RETURN',
    '__version__',
]
# END GENERATED CONSTANTS
