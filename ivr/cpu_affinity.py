"""Keeping a hotline process on the CPUs it is given (`IVR_CPUS`).

Each call hands work from the event loop to the database and file threads and back six times.
When the threads run on another core than the loop, every wake-up crosses cores, and on a
virtual machine that costs an inter-processor interrupt. On the two-core Intel virtual machine
of bench/RESULTS.md (issue #14, seventh step), a bill call cost 12-22% less CPU with the
process on one core, and the trivial script, which has no threads to wake, about 5% less; on a
two-core AMD one (eighth step) it cost no less.
The process is held by the GIL to about one core of Python anyway, so one process a core is
how a machine is filled (with PostgreSQL; README, several processes). What else runs in the
process shares those CPUs: speech recognition's threads, and the speech engine's processes it
starts. So this is a choice per deployment: unset, the kernel places the process.
"""

from __future__ import annotations

import os
from pathlib import Path


def parse_cpu_list(text: str) -> frozenset[int]:
    """CPUs written as `taskset -c` and the kernel's cpusets write them: `1`, `0,2`, `2-3,6`."""
    cpus: set[int] = set()
    for item in text.replace(" ", "").split(","):
        first, dash, last = item.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"expected CPU numbers such as 1, 0,2 or 2-3, got {text!r}")
        low, high = int(first), int(last) if dash else int(first)
        if high < low:
            raise ValueError(f"CPU range {item!r} runs backwards")
        cpus.update(range(low, high + 1))
    return frozenset(cpus)


def pin_process(cpus: frozenset[int]) -> None:
    """Keep every thread of this process, and whatever it starts later, on `cpus`.

    Affinity is per thread on Linux, and a new thread or child process inherits its creator's:
    so the threads already running are set one by one (`/proc/self/task`)."""
    available = os.sched_getaffinity(0)
    if not cpus <= available:
        missing = format_cpu_list(cpus - available)
        raise ValueError(f"CPU {missing} is not available to this process "
                         f"(available: {format_cpu_list(available)})")
    for task in Path("/proc/self/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
        except ProcessLookupError:  # a thread that ended meanwhile
            continue


def format_cpu_list(cpus: frozenset[int] | set[int]) -> str:
    """`{0, 1, 2, 5}` as `0-2,5`."""
    runs: list[list[int]] = []  # [first, last] of each run of consecutive CPUs
    for cpu in sorted(cpus):
        if runs and cpu == runs[-1][1] + 1:
            runs[-1][1] = cpu
        else:
            runs.append([cpu, cpu])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
