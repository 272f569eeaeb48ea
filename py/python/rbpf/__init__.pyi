from ._errors import (
    BpfBlockingIOError as BpfBlockingIOError,
    BpfConnectionRefusedError as BpfConnectionRefusedError,
    BpfError as BpfError,
    BpfFileExistsError as BpfFileExistsError,
    BpfFileNotFoundError as BpfFileNotFoundError,
    BpfInterruptedError as BpfInterruptedError,
    BpfIsADirectoryError as BpfIsADirectoryError,
    BpfNotADirectoryError as BpfNotADirectoryError,
    BpfPermissionError as BpfPermissionError,
    BpfProcessLookupError as BpfProcessLookupError,
    BpfTimeoutError as BpfTimeoutError,
    VerifierError as VerifierError,
)
from ._rbpf import (
    BatchCursor as BatchCursor,
    Btf as Btf,
    GlobalData as GlobalData,
    Link as Link,
    Map as Map,
    Object as Object,
    PerfBuffer as PerfBuffer,
    Program as Program,
    RecordBatch as RecordBatch,
    RingBuffer as RingBuffer,
    Struct as Struct,
    num_possible_cpus as num_possible_cpus,
    opts_fields as opts_fields,
)
from ._types import LinkSet as LinkSet
from ._rbpf import *  # the BPF_* / XDP_* constants

__all__ = [
    "Object",
    "Btf",
    "Program",
    "Map",
    "Link",
    "LinkSet",
    "RingBuffer",
    "PerfBuffer",
    "RecordBatch",
    "BatchCursor",
    "GlobalData",
    "Struct",
    "BpfError",
    "VerifierError",
    "num_possible_cpus",
    "opts_fields",
]

