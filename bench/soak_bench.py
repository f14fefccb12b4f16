"""Soak benchmark: calls without pause against `ivr serve` for a long time; does anything grow?

    python bench/soak_bench.py                      # 10 minutes, 20 calls at a time
    python bench/soak_bench.py --minutes 3 --concurrency 20

Spawns `ivr serve` like `agi_bench.py --spawn --demo` (a fresh SQLite data directory with the
demo data and the prompts rendered), then keeps `--concurrency` calls running: a demo customer
hears the outage, presses 1, then 2 for a repair report on odd calls (a work order each), and
hangs up. Reports the server's resident memory, open files and event-loop lag (the worst of the
last 10 s, from /api/health) over the first and the last minute, and the calls lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from agi_bench import LOST, free_port, prepare_demo, raise_fd_limit, rss_mb, wait_for_port

from ivr.pbxsim import CallTranscript, PbxConfig, SoundLibrary, simulate_call

CALLERS = ["+8613800138000", "+8613911110001", "+8613911110002", "+8615011110003"]
SCRIPTS = [["1", "h"], ["2", "1", "1", "", "h"]]  # outage information; a repair report


@dataclass
class Sample:
    at: float  # seconds since the start
    rss_mb: float
    open_files: int
    lag_ms: float | None


@dataclass
class Soak:
    samples: list[Sample] = field(default_factory=list)
    calls: int = 0
    lost: int = 0
    failed: int = 0  # the simulator itself raised


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def loop_lag(http_port: int) -> float | None:
    url = f"http://127.0.0.1:{http_port}/api/health"
    with urllib.request.urlopen(url, timeout=5) as resp:
        lag = json.load(resp).get("loop_lag_ms")
    return float(lag) if lag is not None else None


async def sampler(pid: int, http_port: int, soak: Soak, started: float, stop: asyncio.Event,
                  every: float) -> None:
    while not stop.is_set():
        lag = await asyncio.to_thread(loop_lag, http_port)
        soak.samples.append(Sample(time.monotonic() - started, rss_mb(pid, "VmRSS"),
                                   open_files(pid), lag))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def caller(port: int, config: PbxConfig, soak: Soak, deadline: float) -> None:
    while time.monotonic() < deadline:
        i = soak.calls
        soak.calls += 1
        try:
            t: CallTranscript = await simulate_call(
                "127.0.0.1", port, caller=CALLERS[i % len(CALLERS)],
                responses=SCRIPTS[i % len(SCRIPTS)], config=config)
        except Exception:
            soak.failed += 1
            continue
        if t.ended in LOST:
            soak.lost += 1


def summary(samples: list[Sample]) -> str:
    lags = [s.lag_ms for s in samples if s.lag_ms is not None]
    return (f"RSS {statistics.fmean(s.rss_mb for s in samples):6.1f} MB   "
            f"open files {max(s.open_files for s in samples):4d}   "
            f"loop lag p50 {statistics.median(lags) if lags else float('nan'):6.1f} ms, "
            f"max {max(lags) if lags else float('nan'):6.1f} ms   ({len(samples)} samples)")


async def soak(args: argparse.Namespace, process: subprocess.Popen[bytes], agi_port: int,
               http_port: int) -> None:
    await wait_for_port(agi_port, process, 120)
    config = PbxConfig(sounds=SoundLibrary(Path(args.sounds), {}), time_scale=args.time_scale)
    result = Soak()
    started = time.monotonic()
    deadline = started + args.minutes * 60
    stop = asyncio.Event()
    sampling = asyncio.create_task(
        sampler(process.pid, http_port, result, started, stop, args.sample_seconds))
    await asyncio.gather(*(caller(agi_port, config, result, deadline)
                           for _ in range(args.concurrency)))
    stop.set()
    await sampling
    wall = time.monotonic() - started
    first = [s for s in result.samples if s.at <= 60]
    last = [s for s in result.samples if s.at >= wall - 60]
    print(f"soak               {wall / 60:.1f} min, {args.concurrency} calls at a time")
    print(f"calls              {result.calls} ({result.calls / wall:.1f}/s), "
          f"lost {result.lost}, simulator errors {result.failed}")
    print(f"first minute       {summary(first)}")
    print(f"last minute        {summary(last)}")
    print(f"peak RSS (server)  {rss_mb(process.pid):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--time-scale", type=float, default=0.0,
                        help="1: prompts and pauses in real time (fewer calls, longer each)")
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    args = parser.parse_args()
    args.sounds = None
    raise_fd_limit()
    agi_port, http_port = free_port(), free_port()
    env = os.environ | {"IVR_AGI_BIND": f"127.0.0.1:{agi_port}",
                        "IVR_HTTP_BIND": f"127.0.0.1:{http_port}", "IVR_LOG_LEVEL": "WARNING"}
    env |= prepare_demo(args)
    process = subprocess.Popen([sys.executable, "-m", "ivr.cli.main", "serve"], env=env)
    try:
        asyncio.run(soak(args, process, agi_port, http_port))
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
