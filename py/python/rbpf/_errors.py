"""The rbpf exception hierarchy.

Every rbpf error is a :class:`BpfError` (an :class:`OSError` with ``errno`` and
``strerror``).  Where a builtin ``OSError`` subclass fits the errno, the raised class
also derives from it, so ``except FileNotFoundError`` and ``except rbpf.BpfError``
both catch a missing object file.  Verifier rejections raise :class:`VerifierError`
with the full verifier log in ``.log``.
"""

from __future__ import annotations

import errno as _errno


class BpfError(OSError):
    """An rbpf failure: ``.errno`` (positive), ``.strerror`` (the message naming the
    object, program, map or section involved)."""

    @property
    def code(self) -> str:
        """The symbolic errno name, e.g. ``"EINVAL"``."""
        return _errno.errorcode.get(self.errno or 0, "EUNKNOWN")


class VerifierError(BpfError):
    """The kernel verifier rejected a program; ``.log`` holds the verifier log."""

    log: str

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.log = ""


class BpfFileNotFoundError(BpfError, FileNotFoundError):
    pass


class BpfPermissionError(BpfError, PermissionError):
    pass


class BpfFileExistsError(BpfError, FileExistsError):
    pass


class BpfProcessLookupError(BpfError, ProcessLookupError):
    pass


class BpfBlockingIOError(BpfError, BlockingIOError):
    pass


class BpfInterruptedError(BpfError, InterruptedError):
    pass


class BpfTimeoutError(BpfError, TimeoutError):
    pass


class BpfIsADirectoryError(BpfError, IsADirectoryError):
    pass


class BpfNotADirectoryError(BpfError, NotADirectoryError):
    pass


class BpfConnectionRefusedError(BpfError, ConnectionRefusedError):
    pass


# The same errno -> class table as CPython's OSError constructor uses for builtins
# (a subclass constructor does not remap, so rbpf keeps its own).
_BY_ERRNO: dict[int, type[BpfError]] = {
    _errno.ENOENT: BpfFileNotFoundError,
    _errno.EPERM: BpfPermissionError,
    _errno.EACCES: BpfPermissionError,
    _errno.EEXIST: BpfFileExistsError,
    _errno.ESRCH: BpfProcessLookupError,
    _errno.EAGAIN: BpfBlockingIOError,
    _errno.EALREADY: BpfBlockingIOError,
    _errno.EINPROGRESS: BpfBlockingIOError,
    _errno.EINTR: BpfInterruptedError,
    _errno.ETIMEDOUT: BpfTimeoutError,
    _errno.EISDIR: BpfIsADirectoryError,
    _errno.ENOTDIR: BpfNotADirectoryError,
    _errno.ECONNREFUSED: BpfConnectionRefusedError,
}


def _make(errno: int, message: str, log: str | None = None) -> BpfError:
    """Build the exception for one core error (called by the extension)."""
    if log is not None:
        err: BpfError = VerifierError(errno, message)
        err.log = log  # type: ignore[attr-defined]
        return err
    return _BY_ERRNO.get(errno, BpfError)(errno, message)


__all__ = [
    "BpfError",
    "VerifierError",
    "BpfFileNotFoundError",
    "BpfPermissionError",
    "BpfFileExistsError",
    "BpfProcessLookupError",
    "BpfBlockingIOError",
    "BpfInterruptedError",
    "BpfTimeoutError",
    "BpfIsADirectoryError",
    "BpfNotADirectoryError",
    "BpfConnectionRefusedError",
]
