"""Drive N simultaneous simulated calls through a FastAGI server and print the figures.

    python bench/agi_bench.py --self-check --calls 1000
    python bench/agi_bench.py --port 4573 --calls 1000 --keys 1 --keys 5100012345#
    python bench/agi_bench.py --spawn --calls 1000        # starts `ivr serve` on a free port
    python bench/agi_bench.py --spawn --demo --calls 1000 --keys 1 --keys h
        # the same, on a fresh SQLite data directory with the demo data and rendered prompts
    python bench/agi_bench.py --spawn --demo --demo-customers 3000 --calls 3000 --ramp 60 \
        --keys 3 --keys h --compare-trivial
        # the bill query by 3,000 different customers at 50 a second, then the trivial
        # script with as many commands per call, in the same run

Answer latency is from the TCP connect to the reply to ANSWER; command turnaround is from the
simulator's reply to the server's next command (the server's own processing time). A call is
lost when it cannot connect, is never answered, or the server falls silent. Memory per call is
the growth of the server's peak RSS over its RSS when idle, divided by the calls. CPU per call
is the server process's user and system time over the run (/proc/PID/stat) divided by the
calls; statements per call come from /api/health's count of SQL statements (the health
requests' own subtracted). Key-to-first-word is, per prompt, the time from the reply that
carried the caller's key to the STREAM FILE of the prompt that follows. With --self-check a
trivial menu server runs in a child process; the simulator shares the machine's cores with
it, as it does with any server started on the same host.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ivr.agi.server import start_agi_server
from ivr.agi.session import AgiChannel
from ivr.importer.demo import demo_phone
from ivr.pbxsim import CallTranscript, EndReason, PbxConfig, SoundLibrary, simulate_call

LOST = (EndReason.CONNECT_FAILED, EndReason.IVR_SILENT)


TRIVIAL_PROMPTS = int(os.environ.get("BENCH_TRIVIAL_PROMPTS", "1"))


async def trivial_menu(ch: AgiChannel) -> None:
    """The self-check flow: answer, a menu (and BENCH_TRIVIAL_PROMPTS - 1 more prompts, to
    match another script's commands), one key, a transfer."""
    await ch.answer()
    digit = await ch.stream_file("menu", "12")
    for _ in range(TRIVIAL_PROMPTS - 1):
        await ch.stream_file("menu", "12")
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
        if args.caller:
            caller = args.caller[i % len(args.caller)]
        elif args.demo_customers:
            caller = demo_phone(i % args.demo_customers)  # a different customer each call
        else:
            caller = f"+86138{i:08d}"
        return await simulate_call(host, port, script=args.script, caller=caller,
                                   responses=args.keys, config=config)

    return await asyncio.gather(*(one(i) for i in range(args.calls)))


_RESULT = re.compile(r"result=(-?\d+)")


def key_to_first_word(transcripts: list[CallTranscript]) -> dict[str, list[float]]:
    """Per prompt (its first words), ms from the reply carrying a key to its STREAM FILE."""
    by_prompt: dict[str, list[float]] = {}
    for t in transcripts:
        texts = {h.file.strip('"'): h.text for h in t.heard}
        for wait, before, command in zip(t.turnarounds, t.exchanges, t.exchanges[1:],
                                         strict=False):
            words = command.command.split()
            if words[:2] != ["STREAM", "FILE"] or len(words) < 3:
                continue
            found = _RESULT.search(before.reply)
            if found is None or int(found.group(1)) <= 0:  # no key: not after the caller's key
                continue
            file = words[2].strip('"')
            label = (texts.get(file) or Path(file).name)[:10]
            by_prompt.setdefault(label, []).append(wait * 1000)
    return by_prompt


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
    print("key to first word of the next prompt (reply with the key -> STREAM FILE):")
    waits = key_to_first_word(transcripts)
    every = [t for times in waits.values() for t in times]
    if every:  # the figure the aim is stated in: every caller's wait, whatever they heard
        print(f"  {'every prompt':<12} p50 {percentile(every, 50):8.2f} ms   "
              f"p99 {percentile(every, 99):8.2f} ms   max {max(every):8.2f} ms   ({len(every)})")
    for label, times in sorted(waits.items(), key=lambda kv: -len(kv[1])):
        print(f"  {label:<12} p50 {percentile(times, 50):8.2f} ms   "
              f"p99 {percentile(times, 99):8.2f} ms   max {max(times):8.2f} ms   ({len(times)})")
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
        args.host, args.port, args.http_port = "127.0.0.1", free_port(), free_port()
        env = os.environ | {"IVR_AGI_BIND": f"127.0.0.1:{args.port}",
                            "IVR_HTTP_BIND": f"127.0.0.1:{args.http_port}"}
        if args.demo:
            env |= prepare_demo(args)
        return subprocess.Popen([sys.executable, "-m", "ivr.cli.main", "serve"], env=env)
    return None


def prepare_demo(args: argparse.Namespace) -> dict[str, str]:
    """A fresh SQLite data directory with the demo data loaded, the prompts rendered and
    every customer's address rendered ahead (as `ivr prompts addresses` after an import, or
    the server's own background job given a quiet hour): the calls measure the calls."""
    data_dir = tempfile.mkdtemp(prefix="ivr-bench-")
    env = os.environ | {"IVR_DATA_DIR": data_dir}
    env.pop("IVR_DATABASE_URL", None)
    load = ["demo", "load", "--customers", str(args.demo_customers)]
    for command in (load, ["prompts", "build"], ["prompts", "addresses"]):
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


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (this one when `pid` is None)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    _, _, user, system = cpu_split(pid)
    return user + system


def cpu_split(pid: int) -> tuple[float, float, float, float]:
    """(user, system) of the process's main thread (the hotline's event loop), then of the
    process as a whole, so far: where the time goes, the loop or the threads it hands to."""
    def times(stat: str) -> tuple[float, float]:
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    # the thread first: it never counts for more than the whole read after it
    return (*times(f"/proc/{pid}/task/{pid}/stat"), *times(f"/proc/{pid}/stat"))


def statements(http_port: int | None) -> int | None:
    """The server's SQL statements so far, from /api/health (None: no web port known)."""
    if http_port is None:
        return None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/api/health",
                                    timeout=120) as r:
            count: int = json.load(r).get("database_statements", 0)
            return count
    except OSError as exc:  # a server too busy to answer: the other figures still count
        print(f"(no statement count: /api/health did not answer: {exc})")
        return None


async def settle(pid: int, quiet: float = 0.03, most: float = 120.0) -> None:
    """Wait until the server's start-up work is done (it checks every cached address file
    once, say): its CPU below `quiet` of a core over a second, so that work is not counted
    as the calls'."""
    waited = time.perf_counter()
    while time.perf_counter() - waited < most:
        before = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        if cpu_seconds(pid) - before < quiet:
            break
    print(f"server settled after {time.perf_counter() - waited:.1f} s")


async def bench(args: argparse.Namespace,
                process: subprocess.Popen[bytes] | None) -> tuple[float, float]:
    """Run the calls and print the figures; returns (commands, CPU ms) per call."""
    if process is not None:
        await wait_for_port(args.port, process, 600)
    pid = process.pid if process else args.server_pid
    if pid is not None:
        await settle(pid)
    idle = rss_mb(pid, "VmRSS")
    before = statements(args.http_port)
    health_cost = (statements(args.http_port) or 0) - (before or 0)  # one health request's own
    cpu = cpu_seconds(pid)
    split_before = cpu_split(pid) if pid is not None else None
    started = time.perf_counter()
    transcripts = await run_calls(args, args.host, args.port)
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu
    split = ([b - a for a, b in zip(split_before, cpu_split(pid), strict=True)]
             if split_before is not None and pid is not None else None)
    report(transcripts, wall, rss_mb(pid), idle)
    after = statements(args.http_port)
    calls = max(len(transcripts), 1)
    commands = sum(len(t.exchanges) for t in transcripts) / calls
    print(f"CPU per call       {cpu * 1000 / calls:.2f} ms (server process, {cpu:.2f} s in all; "
          f"{commands:.1f} commands per call)")
    if split is not None:
        loop_user, loop_sys, user, system = (t * 1000 / calls for t in split)
        print(f"  event-loop thread {loop_user + loop_sys:.2f} ms (user {loop_user:.2f}, system "
              f"{loop_sys:.2f}); other threads {user + system - loop_user - loop_sys:.2f} ms; "
              f"all: user {user:.2f}, system {system:.2f}")
    if before is not None and after is not None:
        print(f"statements per call {(after - before - health_cost) / calls:.2f}")
    return commands, cpu * 1000 / calls


def compare_trivial(args: argparse.Namespace, commands: int, cpu_ms: float) -> None:
    """The trivial script with as many commands per call, the same calls, in this run."""
    prompts = max(1, commands - 4)  # answer, set variable, exec and the final hangup
    port = free_port()
    env = os.environ | {"BENCH_TRIVIAL_PROMPTS": str(prompts)}
    process = subprocess.Popen([sys.executable, __file__, "--serve-trivial", str(port)], env=env)
    trivial = argparse.Namespace(**{**vars(args), "port": port, "script": "hotline",
                                    "http_port": None, "compare_trivial": False,
                                    "server_pid": process.pid})
    print(f"--- the trivial script, {prompts} prompt(s) a call, same calls ---")
    try:
        asyncio.run(bench(trivial, process))
    finally:
        process.terminate()
        process.wait(10)
    print(f"(the hotline above: {cpu_ms:.2f} ms CPU per call)")


def main() -> None:
    args = parse_args()
    raise_fd_limit()
    if args.serve_trivial is not None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_trivial(args.serve_trivial))
        return
    process = start_server(args)
    try:
        commands, cpu_ms = asyncio.run(bench(args, process))
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
    if args.compare_trivial:
        compare_trivial(args, round(commands), cpu_ms)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--self-check", action="store_true", help="built-in trivial server")
    target.add_argument("--spawn", action="store_true", help="start `ivr serve` on a free port")
    parser.add_argument("--demo", action="store_true",
                        help="with --spawn: a fresh SQLite data dir with demo data and prompts")
    parser.add_argument("--demo-customers", type=int, default=0,
                        help="with --demo: generate this many more customers and call as "
                             "them, a different one each call (ivr demo load --customers)")
    parser.add_argument("--compare-trivial", action="store_true",
                        help="then the trivial script with as many commands, in the same run")
    parser.add_argument("--http-port", type=int, help="the server's web port (/api/health)")
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
