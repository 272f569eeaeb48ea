"""Small pure-Python helpers used by the extension."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._rbpf import Link


class LinkSet(list["Link"]):
    """The links made by ``Object.attach_all()``: a list that is also a context
    manager; ``detach()`` (alias ``close()``) detaches every link, idempotently."""

    def detach(self) -> None:
        first: BaseException | None = None
        for link in self:
            try:
                link.detach()
            except BaseException as e:  # detach the rest, report the first failure
                first = first or e
        if first is not None:
            raise first

    close = detach

    def __enter__(self) -> "LinkSet":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.detach()
