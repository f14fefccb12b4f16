"""CPU of one hand-off of blocking work from the event loop to a thread and back.

    python bench/hop_bench.py --hops 20000

A call hands work to threads about six times (its four database transactions, the writing of
its two joined sentences). This measures the hand-off alone, with work that does nothing:
through the default executor (`asyncio.to_thread`, the joined sentences' writes), through a
one-thread executor (`ivr.db.transactions`), and through a leaner thread of this file's own
(a `queue.SimpleQueue` in, one `call_soon_threadsafe` out: tried for the hotline and not taken,
bench/RESULTS.md); first one hand-off at a time (the loop idle in between, as at 50 calls a
second), then 20 tasks handing off at once (a storm). Prints the process's CPU (user + system,
both threads) per hand-off, p50 and p99 of the round trip, the best of `--repeat` rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import resource
import statistics
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]", Callable[[], None]]


class LeanThread:
    """One daemon thread fed by a C queue; results set on the loop's own future."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        threading.Thread(target=self._work, daemon=True).start()

    def run(self, fn: Callable[[], None]) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._jobs.put((loop, future, fn))
        return future

    def _work(self) -> None:
        while True:
            loop, future, fn = self._jobs.get()
            fn()
            loop.call_soon_threadsafe(_done, future)


def _done(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.set_result(None)


def nothing() -> None:
    return None


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(hop: Callable[[], Awaitable[None]], hops: int,
                  tasks: int) -> tuple[float, float, float]:
    """(CPU µs per hop, p50 µs, p99 µs of a round trip) for `hops` hand-offs by `tasks` tasks."""
    rounds: list[float] = []

    async def one_task(n: int) -> None:
        for _ in range(n):
            started = time.perf_counter()
            await hop()
            rounds.append(time.perf_counter() - started)

    for _ in range(200):  # threads started, caches warm
        await hop()
    before = cpu()
    await asyncio.gather(*(one_task(hops // tasks) for _ in range(tasks)))
    spent = cpu() - before
    rounds.sort()
    done = len(rounds)
    return (spent / done * 1e6, statistics.median(rounds) * 1e6,
            rounds[min(done - 1, round(0.99 * (done - 1)))] * 1e6)


async def bench(hops: int, repeat: int) -> None:
    loop = asyncio.get_running_loop()
    single = ThreadPoolExecutor(1)
    lean = LeanThread()
    ways: dict[str, Callable[[], Awaitable[None]]] = {
        "asyncio.to_thread (default executor)": lambda: asyncio.to_thread(nothing),
        "run_in_executor, one-thread executor": lambda: loop.run_in_executor(single, nothing),
        "lean thread (SimpleQueue, call_soon_threadsafe)": lambda: lean.run(nothing),
    }
    for tasks in (1, 20):
        print(f"--- {'one hand-off at a time' if tasks == 1 else f'{tasks} tasks at once'}"
              f", {hops} hand-offs, best of {repeat}")
        for name, hop in ways.items():
            best = min([await measure(hop, hops, tasks) for _ in range(repeat)])
            print(f"{name:48} CPU {best[0]:6.1f} µs a hop   round trip p50 {best[1]:6.1f} µs"
                  f"   p99 {best[2]:7.1f} µs")
    single.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hops", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(bench(args.hops, args.repeat))


if __name__ == "__main__":
    main()
