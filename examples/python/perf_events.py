#!/usr/bin/env python3
"""Perf buffer: samples written with bpf_perf_event_output, one ring per CPU, decoded by
BTF, with lost-sample notices (libbpf's perf_buffer__new / __poll).

    sudo .venv/bin/python examples/python/perf_events.py [--burst 5]

bpf/perf_events.bpf.c emits `burst` records per getppid() call of this process.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import rbpf

OBJ = Path(__file__).resolve().parents[2] / "target" / "bpf" / "perf_events.bpf.o"


def main(burst: int) -> None:
    with rbpf.Object.open(OBJ) as obj:
        obj.rodata.target_pid = os.getpid()
        obj.load()
        obj.data.burst = burst

        def on_sample(cpu: int, rec: rbpf.Struct) -> None:
            comm = rec.comm.split(b"\0", 1)[0].decode()
            print(f"cpu {cpu}: pid {rec.pid} seq {rec.seq} cookie {rec.cookie:#x} comm {comm}")

        def on_lost(cpu: int, count: int) -> None:
            print(f"cpu {cpu}: lost {count} samples")

        with obj.attach_all(), rbpf.PerfBuffer(
            obj.maps["events"], on_sample, lost_callback=on_lost, value_type="struct perf_rec"
        ) as pb:
            os.getppid()
            pb.poll(1000)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--burst", type=int, default=5)
    main(ap.parse_args().burst)
