#!/usr/bin/env python3
"""Regenerate the constant block of python/rbpf/_rbpf.pyi from the built extension.

    python py/gen_stubs.py          # rewrite the block
    python py/gen_stubs.py --check  # exit 1 when the block is stale (test_stubs.py runs this)

The constants themselves come from the core's UAPI table (py/build.rs), so the stub
block is regenerated whenever those change.
"""

from __future__ import annotations

import sys
from pathlib import Path

STUB = Path(__file__).resolve().parent / "python" / "rbpf" / "_rbpf.pyi"
BEGIN = "# BEGIN GENERATED CONSTANTS"
END = "# END GENERATED CONSTANTS"


def constant_names() -> list[str]:
    from rbpf import _rbpf

    return sorted(k for k, v in vars(_rbpf).items() if k.startswith(("BPF_", "XDP_")) and isinstance(v, int))


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    begin_line, rest = rest.split("\n", 1)
    _, tail = rest.split(END, 1)
    from rbpf import _rbpf

    body = "".join(f"{name}: int\n" for name in constant_names())
    body += "\n__all__ = [\n" + "".join(f"    {name!r},\n" for name in _rbpf.__all__) + "]\n"
    return f"{head}{BEGIN}{begin_line}\n{body}{END}{tail}"


def main() -> int:
    text = STUB.read_text()
    new = render(text)
    if "--check" in sys.argv[1:]:
        if new != text:
            print(f"{STUB} is stale: run `python py/gen_stubs.py`", file=sys.stderr)
            return 1
        return 0
    if new != text:
        STUB.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
