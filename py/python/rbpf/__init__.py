"""rbpf: libbpf rebuilt in Rust, for Python.

    import rbpf

    with rbpf.Object.open("prog.bpf.o") as obj:
        obj.rodata.target_pid = 1234          # globals, typed by BTF, before load
        obj.load()                            # the GIL is released while loading
        links = obj.attach_all()
        for key, value in obj.maps["counts"].items():
            ...

Names follow libbpf (see API.md): ``Object``, ``Program``, ``Map``, ``Link``,
``RingBuffer``, ``PerfBuffer``, ``UserRingBuffer``; errors are ``BpfError`` (an ``OSError``) and ``VerifierError``; the
library's messages go to ``logging.getLogger("rbpf")``.
"""

from __future__ import annotations

import collections.abc as _abc

from ._errors import *  # noqa: F403  (the exception classes)
from ._errors import BpfError, VerifierError
from ._types import LinkSet
from . import _rbpf
from ._rbpf import (
    BatchCursor,
    Btf,
    GlobalData,
    Link,
    Map,
    Object,
    PerfBuffer,
    Program,
    RecordBatch,
    Ring,
    RingBuffer,
    Struct,
    UserRingBuffer,
    UserRingSample,
    num_possible_cpus,
    opts_fields,
)
from ._rbpf import (  # attach helpers (issue 4): libbpf's fd-level netlink calls
    RBPF_TC_CUSTOM,
    RBPF_TC_EGRESS,
    RBPF_TC_F_REPLACE,
    RBPF_TC_INGRESS,
    RBPF_TC_QDISC,
    open_cpu_clock_sampler,
    tc_attach,
    tc_detach,
    tc_hook_create,
    tc_hook_destroy,
    tc_query,
    xdp_attach,
    xdp_detach,
    xdp_query,
    xdp_query_id,
)

# Kernel UAPI constants with their kernel names (BPF_ANY, BPF_PROG_TYPE_XDP, ...).
globals().update({k: v for k, v in vars(_rbpf).items() if k.startswith(("BPF_", "XDP_"))})

_abc.MutableMapping.register(Map)
_abc.Sequence.register(RecordBatch)

__version__: str = _rbpf.__version__

__all__ = [
    "Object",
    "Btf",
    "Program",
    "Map",
    "Link",
    "LinkSet",
    "RingBuffer",
    "Ring",
    "PerfBuffer",
    "UserRingBuffer",
    "UserRingSample",
    "RecordBatch",
    "BatchCursor",
    "GlobalData",
    "Struct",
    "BpfError",
    "VerifierError",
    "num_possible_cpus",
    "opts_fields",
    "open_cpu_clock_sampler",
    "xdp_attach",
    "xdp_detach",
    "xdp_query",
    "xdp_query_id",
    "tc_hook_create",
    "tc_hook_destroy",
    "tc_attach",
    "tc_detach",
    "tc_query",
    "RBPF_TC_INGRESS",
    "RBPF_TC_EGRESS",
    "RBPF_TC_CUSTOM",
    "RBPF_TC_QDISC",
    "RBPF_TC_F_REPLACE",
]
