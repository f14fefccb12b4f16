"""Drive N simultaneous simulated calls through a FastAGI server and print the figures.

    python bench/agi_bench.py --self-check --calls 1000
    python bench/agi_bench.py --port 4573 --calls 1000 --keys 1 --keys 5100012345#
    python bench/agi_bench.py --spawn --calls 1000        # starts `ivr serve` on a free port
    python bench/agi_bench.py --spawn --demo --calls 1000 --keys 1 --keys h
        # the same, on a fresh SQLite data directory with the demo data and rendered prompts

Answer latency is from the TCP connect to the reply to ANSWER; command turnaround is from the
simulator's reply to the server's next command (the server's own processing time). A call is
lost when it cannot connect, is never answered, or the server falls silent. Memory per call is
the growth of the server's peak RSS over its RSS when idle, divided by the calls. With
--self-check a trivial menu server runs in a child process; the simulator shares the machine's
cores with it, as it does with any server started on the same host.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ivr.agi.server import start_agi_server
from ivr.agi.session import AgiChannel
from ivr.pbxsim import CallTranscript, EndReason, PbxConfig, SoundLibrary, simulate_call

LOST = (EndReason.CONNECT_FAILED, EndReason.IVR_SILENT)


async def trivial_menu(ch: AgiChannel) -> None:
    """The self-check flow: answer, a menu, one key, a transfer."""
    await ch.answer()
    digit = await ch.stream_file("menu", "12")
    if digit is None:
        digit = await ch.wait_for_digit(3000)
    await ch.set_variable("IVR_CHOICE", digit or "")
    await ch.exec("Queue", "general")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_mb(pid: int | None, field: str = "VmHWM") -> float:
    """The process's peak (VmHWM) or current (VmRSS) resident memory, from /proc."""
    if pid is None:  # this process (Linux reports kilobytes)
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_calls(args: argparse.Namespace, host: str, port: int) -> list[CallTranscript]:
    config = PbxConfig(
        time_scale=args.time_scale,
        sounds=SoundLibrary(Path(args.sounds) if args.sounds else None, {"menu": "Menu."}),
        command_timeout=args.command_timeout,
        connect_timeout=args.command_timeout,
    )

    async def one(i: int) -> CallTranscript:
        await asyncio.sleep(args.ramp * i / args.calls)  # spread arrivals over --ramp seconds
        caller = args.caller[i % len(args.caller)] if args.caller else f"+86138{i:08d}"
        return await simulate_call(host, port, script=args.script, caller=caller,
                                   responses=args.keys, config=config)

    return await asyncio.gather(*(one(i) for i in range(args.calls)))


def report(transcripts: list[CallTranscript], wall: float, peak_mb: float, idle_mb: float) -> None:
    answers = [t.answer_latency * 1000 for t in transcripts if t.answer_latency is not None]
    turns = [x * 1000 for t in transcripts for x in t.turnarounds]
    lost = [t for t in transcripts if t.ended in LOST or not t.answered]
    endings: dict[str, int] = {}
    for t in transcripts:
        endings[str(t.ended)] = endings.get(str(t.ended), 0) + 1
    rate = len(transcripts) / wall
    print(f"calls              {len(transcripts)} in {wall:.2f} s ({rate:.0f}/s)")
    print(f"answer latency     p50 {percentile(answers, 50):.1f} ms   "
          f"p99 {percentile(answers, 99):.1f} ms   max {max(answers, default=float('nan')):.1f} ms")
    print(f"command turnaround p50 {percentile(turns, 50):.2f} ms   "
          f"p99 {percentile(turns, 99):.2f} ms   ({len(turns)} commands, "
          f"mean {statistics.fmean(turns) if turns else float('nan'):.2f} ms)")
    by_verb: dict[str, list[float]] = {}
    for t in transcripts:  # turnaround i is the wait before command i + 1
        for x, exchange in zip(t.turnarounds, t.exchanges[1:], strict=False):
            verb = " ".join(exchange.command.split()[:2]).upper()
            by_verb.setdefault(verb, []).append(x * 1000)
    for verb, times in sorted(by_verb.items(), key=lambda kv: -percentile(kv[1], 99)):
        print(f"  before {verb:<18} p50 {percentile(times, 50):8.2f} ms   "
              f"p99 {percentile(times, 99):8.2f} ms   ({len(times)})")
    print(f"calls lost         {len(lost)}")
    print(f"peak RSS (server)  {peak_mb:.0f} MB   (idle {idle_mb:.0f} MB; "
          f"{(peak_mb - idle_mb) * 1024 / max(len(transcripts), 1):.0f} KB per call)")
    for ending, count in sorted(endings.items()):
        print(f"  ended: {ending}: {count}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return
    raise SystemExit(f"the server did not listen on {port} within {seconds} s")


def start_server(args: argparse.Namespace) -> subprocess.Popen[bytes] | None:
    """The server under test as a child process (--self-check, --spawn), or None."""
    if args.self_check:  # the trivial menu in its own process, as a real server would be
        args.host, args.port = "127.0.0.1", free_port()
        command = [sys.executable, __file__, "--serve-trivial", str(args.port)]
        return subprocess.Popen(command, env=os.environ)
    if args.spawn:
        args.host, args.port = "127.0.0.1", free_port()
        env = os.environ | {"IVR_AGI_BIND": f"127.0.0.1:{args.port}",
                            "IVR_HTTP_BIND": f"127.0.0.1:{free_port()}"}
        if args.demo:
            env |= prepare_demo(args)
        return subprocess.Popen([sys.executable, "-m", "ivr.cli.main", "serve"], env=env)
    return None


def prepare_demo(args: argparse.Namespace) -> dict[str, str]:
    """A fresh SQLite data directory with the demo data loaded and the prompts rendered."""
    data_dir = tempfile.mkdtemp(prefix="ivr-bench-")
    env = os.environ | {"IVR_DATA_DIR": data_dir}
    env.pop("IVR_DATABASE_URL", None)
    for command in (["demo", "load"], ["prompts", "build"]):
        subprocess.run([sys.executable, "-m", "ivr.cli.main", *command], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    args.sounds = args.sounds or str(Path(data_dir) / "prompt-cache")
    print(f"demo data in {data_dir}")
    return {"IVR_DATA_DIR": data_dir, "IVR_DATABASE_URL": ""}


async def serve_trivial(port: int) -> None:
    server = await start_agi_server(trivial_menu, "127.0.0.1", port)
    try:
        await asyncio.Event().wait()  # until terminated
    finally:
        await server.close(grace=0)


async def bench(args: argparse.Namespace, process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        await wait_for_port(args.port, process, 60)
    pid = process.pid if process else args.server_pid
    idle = rss_mb(pid, "VmRSS")
    started = time.perf_counter()
    transcripts = await run_calls(args, args.host, args.port)
    wall = time.perf_counter() - started
    report(transcripts, wall, rss_mb(pid), idle)


def main() -> None:
    args = parse_args()
    raise_fd_limit()
    if args.serve_trivial is not None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_trivial(args.serve_trivial))
        return
    process = start_server(args)
    try:
        asyncio.run(bench(args, process))
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--self-check", action="store_true", help="built-in trivial server")
    target.add_argument("--spawn", action="store_true", help="start `ivr serve` on a free port")
    parser.add_argument("--demo", action="store_true",
                        help="with --spawn: a fresh SQLite data dir with demo data and prompts")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4573)
    parser.add_argument("--server-pid", type=int, help="read the server's peak RSS from /proc")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--caller", action="append",
                        help="caller id, repeatable, used in turn (default: a new number a call)")
    parser.add_argument("--script", default="hotline")
    parser.add_argument("--keys", action="append", default=None,
                        help="caller responses, repeatable (default: 1, then hang up)")
    parser.add_argument("--sounds", help="directory the simulator finds prompts in")
    parser.add_argument("--time-scale", type=float, default=0.0)
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="seconds over which the calls arrive (0: all at once)")
    parser.add_argument("--serve-trivial", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--command-timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.keys is None:
        args.keys = ["1"]
    return args


if __name__ == "__main__":
    main()
