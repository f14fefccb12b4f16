"""Several `ivr serve` processes behind the dialplan's host loop (`ivr/pbxsim/dialplan.py` plays
`[hotline-agi]`: a random first host, the next on a refused connect), and print the figures.

    python bench/cluster_bench.py scale --processes 1 --db postgresql --calls 600 --concurrency 60
    python bench/cluster_bench.py scale --processes 2 --db postgresql --calls 600 --concurrency 60
    python bench/cluster_bench.py scale --processes 1 --db sqlite --calls 600 --concurrency 60
    python bench/cluster_bench.py kill --rate 10 --seconds 40 --time-scale 0.2
    python bench/cluster_bench.py storm --normal-hour 120 --minutes 2
    python bench/cluster_bench.py storm --normal-hour 60 --minutes 1 --announce --leave 0.6

Each run starts from a fresh data directory (and a fresh PostgreSQL database, created under the
server of IVR_TEST_POSTGRES_URL and dropped afterwards) with the demo data and the prompts
rendered; every process of a run shares that data directory, as processes on one machine do.
Callers are demo customers in 城东, where the demo has an active fault outage: identified,
greeted, told about the outage, they press 1 (outage information) and hang up.

`scale` sends the calls without real-time pauses, `--concurrency` at a time: throughput, answer
latency (TCP connect to the reply to ANSWER, on the process that took the call) and the servers'
CPU time per call (user + system, from /proc: the cost of a call on that database). `kill`
sends calls at a steady rate with (scaled) real-time prompts and kill -9s one of two processes
halfway: calls lost, and from when every new call reached the survivor. `storm` sends 14 times a
normal hour's calls within `--minutes`, real-time prompts, over two processes; with `--announce`
an emergency announcement is switched on for the callers' area first (`ivr announce on`), a
`--leave` share of the callers hang up at the menu after it and the others press 2 and go on; the
share that left is counted from the call log the IVR wrote, not from what the callers meant to do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agi_bench import free_port, percentile, raise_fd_limit, rss_mb, wait_for_port
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ivr.config import Settings
from ivr.pbxsim import PbxConfig, SoundLibrary
from ivr.pbxsim.dialplan import DialplanCall, Outcome, call_hotline

CALLERS = ["+8613800138000", "+8613911110001", "+8613911110002", "+8615011110003",
           "+8618611110004", "+8613611110005", "+8613711110006", "+8615011110027"]
KEYS = ["1", "h"]
FAILED = (Outcome.LOST, Outcome.NONE, Outcome.SILENT)


@dataclass
class Cluster:
    env: dict[str, str]
    data_dir: Path
    database: str | None = None  # the PostgreSQL database to drop afterwards
    admin_url: str | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    http_ports: list[int] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.ports]

    def spawn(self) -> None:
        port, http_port = free_port(), free_port()
        self.http_ports.append(http_port)
        env = self.env | {"IVR_AGI_BIND": f"127.0.0.1:{port}",
                          "IVR_HTTP_BIND": f"127.0.0.1:{http_port}", "IVR_DIALER": "0",
                          "IVR_CLUSTER_SWEEP_SECONDS": "1"}
        with (self.data_dir / f"serve-{port}.log").open("wb") as log:
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "ivr.cli.main", "serve"], env=env, stdout=log,
                stderr=subprocess.STDOUT))
        self.ports.append(port)

    async def start(self, count: int) -> None:
        for _ in range(count):
            self.spawn()
        for port, process in zip(self.ports, self.processes, strict=True):
            await wait_for_port(port, process, 120)

    def loop_lags_ms(self) -> list[float]:
        """Each process's worst event-loop lag of the last minute (its /api/health)."""
        lags = []
        for port in self.http_ports:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health",
                                            timeout=10) as response:
                    lags.append(float(json.load(response).get("loop_lag_ms") or 0.0))
            except (OSError, ValueError):
                lags.append(float("nan"))
        return lags

    def cpu_seconds(self) -> list[float]:
        ticks = os.sysconf("SC_CLK_TCK")
        out = []
        for process in self.processes:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                out.append((int(fields[11]) + int(fields[12])) / ticks)
            except (FileNotFoundError, IndexError, ValueError):
                out.append(float("nan"))
        return out

    async def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.database and self.admin_url:
            await _admin(self.admin_url, f'DROP DATABASE "{self.database}" WITH (FORCE)')


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def prepare(db: str, prompts: bool = True) -> Cluster:
    """A fresh data directory (and PostgreSQL database) with demo data and rendered prompts."""
    data_dir = Path(tempfile.mkdtemp(prefix="ivr-cluster-bench-"))
    env = os.environ | {"IVR_DATA_DIR": str(data_dir), "IVR_DATABASE_URL": ""}
    cluster = Cluster(env, data_dir)
    if db == "postgresql":
        raw = os.environ.get("IVR_TEST_POSTGRES_URL")
        if not raw:
            raise SystemExit("--db postgresql needs IVR_TEST_POSTGRES_URL (a server to create in)")
        cluster.admin_url = Settings(database_url=raw).sqlalchemy_url
        cluster.database = f"ivr_bench_{secrets.token_hex(4)}"
        await _admin(cluster.admin_url, f'CREATE DATABASE "{cluster.database}"')
        url = make_url(raw).set(database=cluster.database)
        env["IVR_DATABASE_URL"] = url.render_as_string(hide_password=False)
    for command in (["db", "upgrade"], ["demo", "load"]):
        await asyncio.to_thread(_ivr, command, env)
    if prompts:
        await asyncio.to_thread(_build_prompts, env)
    return cluster


def _build_prompts(env: dict[str, str]) -> None:
    """`ivr prompts build`; prompts it could not render are told, and the run goes on without
    them (a call that needs one plays its fallback, as it would in production)."""
    done = subprocess.run([sys.executable, "-m", "ivr.cli.main", "prompts", "build"], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        unfit = [line for line in done.stdout.splitlines() + done.stderr.splitlines()
                 if "unfit after" in line or line.startswith("Error")]
        print("prompts build failed for some prompts, going on:", *unfit, sep="\n  ")


def loadavg() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _ivr(command: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "ivr.cli.main", *command], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def config(data_dir: Path, time_scale: float) -> PbxConfig:
    return PbxConfig(time_scale=time_scale, sounds=SoundLibrary(data_dir / "prompt-cache"),
                     command_timeout=60.0)


def answers_ms(calls: list[DialplanCall]) -> list[float]:
    return [c.transcript.answer_latency * 1000 for c in calls
            if c.transcript is not None and c.transcript.answer_latency is not None]


def outcomes(calls: list[DialplanCall]) -> str:
    counts: dict[str, int] = {}
    for call in calls:
        counts[call.outcome.value] = counts.get(call.outcome.value, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


async def scale(args: argparse.Namespace) -> None:
    cluster = await prepare(args.db)
    try:
        await cluster.start(args.processes)
        pbx = config(cluster.data_dir, 0.0)
        gate = asyncio.Semaphore(args.concurrency)

        async def one(i: int) -> DialplanCall:
            async with gate:
                return await call_hotline(cluster.hosts, caller=CALLERS[i % len(CALLERS)],
                                          responses=KEYS, config=pbx)

        await asyncio.gather(*(one(i) for i in range(min(args.concurrency, 40))))  # warm up
        cpu_before, own_before = cluster.cpu_seconds(), time.process_time()
        started = time.perf_counter()
        calls = await asyncio.gather(*(one(i) for i in range(args.calls)))
        wall = time.perf_counter() - started
        cpu = sum(cpu_seconds - before for cpu_seconds, before
                  in zip(cluster.cpu_seconds(), cpu_before, strict=True))
        answers = answers_ms(calls)
        by_host = {h: sum(1 for c in calls if c.served_by == h) for h in cluster.hosts}
        print(f"{args.processes} process(es), {args.db}: {len(calls)} calls, "
              f"{args.concurrency} at a time")
        print(f"throughput         {len(calls) / wall:.1f} calls/s ({wall:.2f} s)")
        print(f"answer latency     p50 {percentile(answers, 50):.1f} ms   "
              f"p99 {percentile(answers, 99):.1f} ms")
        print(f"server CPU         {cpu * 1000 / len(calls):.1f} ms per call "
              f"({cpu:.1f} s over {args.processes} process(es))")
        print(f"simulator CPU      {(time.process_time() - own_before) * 1000 / len(calls):.1f}"
              " ms per call (the callers and the dialplan, one process)")
        print(f"calls per process  {sorted(by_host.values())}")
        print(f"outcomes           {outcomes(calls)}")
    finally:
        await cluster.stop()


async def kill(args: argparse.Namespace) -> None:
    cluster = await prepare("postgresql")
    try:
        await cluster.start(2)
        pbx = config(cluster.data_dir, args.time_scale)
        victim = cluster.hosts[0]
        started = time.monotonic()
        killed_at: list[float] = []
        inside: list[int] = []  # calls answered by the victim and still up when it died

        async def one(i: int) -> tuple[float, DialplanCall]:
            await asyncio.sleep(i / args.rate)
            at = time.monotonic() - started
            call = await call_hotline(cluster.hosts, caller=CALLERS[i % len(CALLERS)],
                                      responses=KEYS, config=pbx)
            return at, call

        async def killer() -> None:
            await asyncio.sleep(args.seconds / 2)
            killed_at.append(time.monotonic() - started)
            with contextlib.suppress(ProcessLookupError):
                os.kill(cluster.processes[0].pid, signal.SIGKILL)
            inside.append(_established(cluster.ports[0]))

        results, _ = await asyncio.gather(
            asyncio.gather(*(one(i) for i in range(int(args.rate * args.seconds)))), killer())
        kill_at = killed_at[0]
        before = [c for at, c in results if at < kill_at]
        after = [(at, c) for at, c in results if at >= kill_at]
        lost = [c for c in before if c.outcome in FAILED]
        failed_after = [at for at, c in after if c.outcome in FAILED or c.served_by == victim]
        refused_first = sum(1 for _, c in after if len(c.tries) > 1)
        print(f"2 processes, postgresql: {len(results)} calls at {args.rate}/s, "
              f"time scale {args.time_scale}; kill -9 of one at {kill_at:.1f} s")
        print(f"calls inside it    {inside[0]} connections open at the kill")
        print(f"calls lost         {len(lost)} (all sent to the fallback: "
              f"{all(c.fallback for c in lost)}), of {len(before)} started before the kill")
        print(f"after the kill     {len(after)} calls, {refused_first} tried the dead one first; "
              f"failed {len(failed_after)}")
        last = max(failed_after, default=kill_at) - kill_at
        print(f"all new calls to the survivor from {last:.2f} s after the kill")
        print(f"outcomes           {outcomes([c for _, c in results])}")
    finally:
        await cluster.stop()


def _established(port: int) -> int:
    """TCP connections established to `port` right now (from /proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "01" and int(local.split(":")[1], 16) == port:
            count += 1
    return count


ANNOUNCE_AREA = "城东"  # the demo callers' area, where the demo has an active fault outage
AFTER_ANNOUNCEMENT = ("h",)  # hang up at the menu after it: the announcement was the answer
GO_ON = ("2", *KEYS)  # 2 at the menu after it, then the outage information as usual


def switch_announcement_on(cluster: Cluster) -> None:
    """`ivr announce on` for the callers' area, before the processes start (so every one of
    them reads it at once); its audio is rendered and checked by the command."""
    expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat(timespec="minutes")
    subprocess.run([sys.executable, "-m", "ivr.cli.main", "announce", "on",
                    "--area", ANNOUNCE_AREA, "--what-zh", "城东大风刮断线路，城东大面积停电",
                    "--doing-zh", "抢修人员已到现场，预计傍晚前恢复供电",
                    "--what-en", "The storm brought down lines in Chengdong",
                    "--doing-en", "Crews are on site; power is expected back by evening",
                    "--expires", expires, "--by", "bench"],
                   env=cluster.env, check=True, stdout=subprocess.DEVNULL)


async def left_after_announcement(cluster: Cluster) -> tuple[int, int, int]:
    """From the call log the IVR wrote: (calls that heard the announcement to its end, those
    of them whose call ended there as self-served, calls logged)."""
    engine = create_async_engine(Settings(data_dir=cluster.data_dir,
                                          database_url=cluster.env["IVR_DATABASE_URL"])
                                 .sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT c.uniqueid, c.outcome, e.kind FROM calls c "
                "LEFT JOIN call_events e ON e.uniqueid = c.uniqueid "
                "ORDER BY c.uniqueid, e.seq"))).all()
    finally:
        await engine.dispose()
    kinds: dict[str, list[str]] = {}
    outcome: dict[str, str | None] = {}
    for uid, out, kind in rows:
        kinds.setdefault(uid, [])
        outcome[uid] = out
        if kind is not None:
            kinds[uid].append(kind)
    heard = [uid for uid, k in kinds.items() if "announcement_heard" in k]
    # left there: self-served, no key pressed after it and no node past the menu after it
    after = {uid: kinds[uid][kinds[uid].index("announcement_heard") + 1:] for uid in heard}
    left = [uid for uid in heard if outcome[uid] == "self_served"
            and "key" not in after[uid] and after[uid].count("node") <= 1]
    return len(heard), len(left), len(kinds)


async def storm(args: argparse.Namespace) -> None:
    cluster = await prepare("postgresql")
    try:
        if args.announce:
            await asyncio.to_thread(switch_announcement_on, cluster)
        await cluster.start(2)
        pbx = config(cluster.data_dir, 1.0)
        total = args.normal_hour * 14
        spread = args.minutes * 60
        # who hangs up after the announcement: drawn once, fixed by the seed
        draw = random.Random(args.seed)
        leaves = [args.announce and draw.random() < args.leave for _ in range(total)]

        async def one(i: int) -> DialplanCall:
            await asyncio.sleep(spread * i / total)
            script = AFTER_ANNOUNCEMENT if leaves[i] else GO_ON if args.announce else KEYS
            return await call_hotline(cluster.hosts, caller=CALLERS[i % len(CALLERS)],
                                      responses=script, config=pbx)

        idle = [rss_mb(p.pid, "VmRSS") for p in cluster.processes]
        lags: list[float] = [0.0] * len(cluster.processes)

        async def watch_lag() -> None:
            while True:
                await asyncio.sleep(10)
                now = await asyncio.to_thread(cluster.loop_lags_ms)
                lags[:] = [max(a, b) for a, b in zip(lags, now, strict=True)]

        watcher = asyncio.create_task(watch_lag())
        own_before, cpu_before = time.process_time(), cluster.cpu_seconds()
        started = time.perf_counter()
        calls = await asyncio.gather(*(one(i) for i in range(total)))
        wall = time.perf_counter() - started
        watcher.cancel()
        own = time.process_time() - own_before
        cpu = [a - b for a, b in zip(cluster.cpu_seconds(), cpu_before, strict=True)]
        peak = [rss_mb(p.pid) for p in cluster.processes]
        answers = answers_ms(calls)
        lengths = [c.transcript.exchanges[-1].at for c in calls
                   if c.transcript is not None and c.transcript.exchanges]
        load = loadavg()
        print(f"storm: {total} calls (14 x {args.normal_hour}) arriving over {spread:.0f} s "
              f"({total / spread:.1f}/s), real-time prompts, 2 processes, postgresql; "
              f"load average at the end {load}")
        answered = sum(1 for c in calls if c.transcript and c.transcript.answered)
        print(f"answered           {answered} of {total}; outcomes {outcomes(calls)}")
        print(f"answer latency     p50 {percentile(answers, 50):.1f} ms   "
              f"p99 {percentile(answers, 99):.1f} ms   max {max(answers, default=0):.1f} ms")
        print(f"calls per second   {total / wall:.1f} completed over {wall:.0f} s "
              f"(calls last {percentile(lengths, 50):.0f} s each)")
        print(f"memory             idle {[round(m) for m in idle]} MB, "
              f"peak {[round(m) for m in peak]} MB per process")
        print(f"CPU                IVR processes {[round(c, 1) for c in cpu]} s, "
              f"simulator {own:.1f} s (of {wall:.0f} s)")
        print(f"event-loop lag     worst {[round(lag) for lag in lags]} ms per process")
        if args.announce:
            heard, left, logged = await left_after_announcement(cluster)
            print(f"announcement on    for {ANNOUNCE_AREA}; the callers were told to leave after "
                  f"it with probability {args.leave:.2f} ({sum(leaves)} of {total})")
            print(f"left after it      {left} of {heard} who heard it to the end "
                  f"({100 * left / max(1, heard):.1f}%), from the call log ({logged} calls "
                  "logged)")
    finally:
        await cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="run", required=True)
    p = sub.add_parser("scale")
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    p.add_argument("--calls", type=int, default=600)
    p.add_argument("--concurrency", type=int, default=60)
    p = sub.add_parser("kill")
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--seconds", type=float, default=40.0)
    p.add_argument("--time-scale", type=float, default=0.2)
    p = sub.add_parser("storm")
    p.add_argument("--normal-hour", type=int, default=120)
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--announce", action="store_true",
                   help="an emergency announcement on for the callers' area first")
    p.add_argument("--leave", type=float, default=0.6,
                   help="share of callers who hang up after the announcement")
    p.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    raise_fd_limit()
    asyncio.run({"scale": scale, "kill": kill, "storm": storm}[args.run](args))


if __name__ == "__main__":
    main()
