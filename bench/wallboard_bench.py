"""The wallboard with 1,000 calls in flight and 20 open browsers: event to screen (issue #12).

    python bench/wallboard_bench.py --calls 1000 --agents 200 --browsers 20 --rate 50

A real `ivr serve` (its own process, a fresh SQLite data directory) follows the AMI simulator
(`ivr/pbxsim/ami_server.py`, in this process), which sends the events of the calls at a steady
`--rate` of steps a second, each stamped as `timestampevents = yes` does. 20 headless Chromium
pages (Debian's, through Playwright) are signed in as a supervisor on `/wallboard`.

The steps, in order (each one phase, so that the figure it changes moves one way only and the
page showing "waiting >= k" can only mean the k-th join reached it):
  1. `--calls` callers join queues (Newchannel, QueueCallerJoin): "waiting" rises to 1,000;
  2. `--agents` of them are answered (AgentCalled, QueueCallerLeave, AgentConnect): timed on
     "on_call", which rises;
  3. those agents' calls end (AgentComplete, Hangup): "on_call" falls;
  4. the other callers give up (QueueCallerAbandon, QueueCallerLeave, Hangup): "waiting" falls.
Between phases the simulator pauses for a second, or the last figures of a phase would be
replaced by the next phase's before they were ever drawn and could not be told apart.

Event to screen, per step and page: from just before the simulator writes the step's events to
the moment that page's DOM holds the figure the step changed (a MutationObserver on the mark
`wallboard.js` sets once it has applied an update; a second time at the next animation frame,
i.e. when the frame with it is drawn). Both clocks are this machine's wall clock. The server
pushes the first event of a burst at once and then at most every 50 ms while events keep coming
(`ivr/web/pages/wallboard_hub.py`), one snapshot shared by every page; the page applies updates
once per animation frame. After the last step
the run waits (at most 120 s) until every page shows the end, so a page that fell behind is
timed to when it caught up rather than left out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from agi_bench import percentile, raise_fd_limit, rss_mb
from cluster_bench import Cluster, loadavg, prepare
from playwright.async_api import Browser, CDPSession, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ivr.asterisk_names import ASTERISK_QUEUES, QUEUES
from ivr.pbxsim.ami_server import AmiSimulator

CHROMIUM = os.environ.get("IVR_TEST_CHROMIUM") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        # 20 pages in one browser, none in front: a wall screen is never throttled
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"]
SUPERVISOR, PASSWORD = "wall", "wallboard-bench-1"

# Records each applied update: when the DOM held it, when the next frame was drawn, and the two
# figures read back from the DOM (not from the message).
RECORDER = """
window.__wb = [];
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    const t = Date.now();
    const w = document.querySelector('[data-k="waiting"]');
    const m = /on_call: (\\d+)/.exec(document.getElementById("agent-states").textContent);
    const rec = {t: t, f: 0, waiting: Number(w.textContent), on_call: m ? Number(m[1]) : 0};
    window.__wb.push(rec);
    requestAnimationFrame(() => { rec.f = Date.now(); });
  }).observe(document.body, {attributes: true, attributeFilter: ["data-updated"]});
});
"""


# The end of the run as the page shows it: nobody waiting, no agent on a call.
FINAL = ("() => { const r = window.__wb[window.__wb.length - 1];"
         " return r !== undefined && r.waiting === 0 && r.on_call === 0; }")


def descendants_cpu(root: int, exclude: int) -> float:
    """CPU seconds (user + system) of the processes under `root`, without `exclude`'s tree."""
    ticks = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parent[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    total = 0.0
    for pid, seconds in used.items():
        p = pid
        while p not in (0, 1, root, exclude) and p in parent:
            p = parent[p]
        if p == root and pid != root:
            total += seconds
    return total


@dataclass(frozen=True)
class Step:
    at_ms: float  # wall clock, just before the simulator wrote it
    figure: str  # "waiting" or "on_call"
    value: int  # the figure once the step is applied
    rising: bool


def call(i: int) -> dict[str, str]:
    return {"Uniqueid": f"1764600000.{i}", "Channel": f"PJSIP/carrier-{i:08x}",
            "CallerIDNum": f"1380013{i:04d}"}


def queue_of(i: int) -> str:
    return ASTERISK_QUEUES[QUEUES[i % len(QUEUES)]]


def agent(a: int, i: int) -> dict[str, str]:
    return {"Queue": queue_of(i), "MemberName": f"A{a:04d}", "Interface": f"PJSIP/{8000 + a}"}


async def drive(sim: AmiSimulator, calls: int, agents: int, rate: float) -> list[Step]:
    """The four phases at `rate` steps a second; returns what each step should show."""
    for a in range(agents):  # agents in the queue of the call they will take (not measured)
        await sim.emit({"Event": "QueueMemberAdded", **agent(a, a), "Status": "1",
                        "Paused": "0"})
    await asyncio.sleep(2)
    steps: list[Step] = []
    started = time.monotonic()
    n = 0

    async def send(events: list[dict[str, str]], figure: str, value: int, rising: bool) -> None:
        nonlocal n
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        steps.append(Step(time.time() * 1000, figure, value, rising))
        for event in events:
            await sim.emit(event)

    async def settle() -> None:  # a phase's last figure reaches the screen before the next
        nonlocal started
        await asyncio.sleep(1)
        started += 1

    for i in range(calls):
        await send([{"Event": "Newchannel", "Context": "hotline-inbound",
                     "ChannelStateDesc": "Up", **call(i)},
                    {"Event": "QueueCallerJoin", "Queue": queue_of(i), "Position": "1",
                     **call(i)}], "waiting", i + 1, True)
    await settle()
    for a in range(agents):
        await send([{"Event": "AgentCalled", **agent(a, a), **call(a)},
                    {"Event": "QueueCallerLeave", "Queue": queue_of(a), **call(a)},
                    {"Event": "AgentConnect", **agent(a, a), "HoldTime": "20", **call(a)}],
                   "on_call", a + 1, True)
    await settle()
    for a in range(agents):
        await send([{"Event": "AgentComplete", **agent(a, a), "HoldTime": "20",
                     "TalkTime": "60", "Reason": "caller", **call(a)},
                    {"Event": "Hangup", "Cause": "16", **call(a)}], "on_call", agents - a - 1,
                   False)
    await settle()
    for k, i in enumerate(range(agents, calls)):
        await send([{"Event": "QueueCallerAbandon", "Queue": queue_of(i), "Position": "1",
                     "OriginalPosition": "1", "HoldTime": "40", **call(i)},
                    {"Event": "QueueCallerLeave", "Queue": queue_of(i), **call(i)},
                    {"Event": "Hangup", "Cause": "16", **call(i)}], "waiting",
                   calls - agents - k - 1, False)
    return steps


def latencies(steps: list[Step], records: list[dict[str, float]]) -> tuple[list[float],
                                                                           list[float], int]:
    """Per step: ms until the DOM held it, ms until that frame was drawn; and the steps never
    shown. Records are in the order the page applied them."""
    dom, frame, missing = [], [], 0
    for step in steps:
        for rec in records:
            if rec["t"] < step.at_ms:
                continue
            v = rec[step.figure]
            if (v >= step.value) if step.rising else (v <= step.value):
                dom.append(rec["t"] - step.at_ms)
                frame.append((rec["f"] or rec["t"]) - step.at_ms)
                break
        else:
            missing += 1
    return dom, frame, missing


def add_supervisor(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "ivr.cli.main", "user", "add", SUPERVISOR, "--role",
                    "supervisor", "--password-stdin"], env=env, input=f"{PASSWORD}\n".encode(),
                   check=True, stdout=subprocess.DEVNULL)


async def sign_in(browser: Browser, base: str) -> Page:
    page = await browser.new_page(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    await page.add_init_script(RECORDER)
    await page.goto(base + "/")
    await page.fill("input[name=name]", SUPERVISOR)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/wallboard")
    await page.wait_for_function("document.body.dataset.updated")  # the feed is live
    return page


MAIN_THREAD = ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration")


async def main_thread(cdp: CDPSession) -> dict[str, float]:
    """Seconds the page's main thread has spent so far: in all, in scripts, styles, layout."""
    metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
    return {m["name"]: float(m["value"]) for m in metrics if m["name"] in MAIN_THREAD}


def fmt(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50):6.0f}  p99 {percentile(values, 99):6.0f}  "
            f"max {max(values, default=float('nan')):6.0f} ms")


async def run(args: argparse.Namespace) -> None:
    sim = await AmiSimulator().start()
    cluster: Cluster = await prepare("sqlite", prompts=False)
    try:
        await asyncio.to_thread(add_supervisor, cluster.env)
        cluster.env["IVR_AMI_URL"] = sim.url
        await cluster.start(1)
        try:
            await asyncio.wait_for(sim.authenticated_event.wait(), 30)
        except TimeoutError:
            raise SystemExit("the server never logged in to the AMI simulator") from None
        server = cluster.processes[0].pid
        base = f"http://127.0.0.1:{cluster.http_ports[0]}"
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            pages = [await sign_in(browser, base) for _ in range(args.browsers)]
            # Each page's main thread, as Chromium counts it: where a page's CPU goes
            sessions = [await p.context.new_cdp_session(p) for p in pages]
            for cdp in sessions:
                await cdp.send("Performance.enable")
            main_before = [await main_thread(cdp) for cdp in sessions]
            idle = rss_mb(server, "VmRSS")
            load_before = loadavg()
            cpu_before = cluster.cpu_seconds()[0]
            browsers_before = descendants_cpu(os.getpid(), exclude=server)
            started = time.perf_counter()
            steps = await drive(sim, args.calls, args.agents, args.rate)
            wall = time.perf_counter() - started
            # until every page shows the end (no one waiting, no agent on a call), at most 120 s
            settled = time.perf_counter()
            behind = 0
            for p in pages:
                try:
                    await p.wait_for_function(FINAL, timeout=max(1000, 120_000 - 1000 * (
                        time.perf_counter() - settled)))
                except PlaywrightTimeout:
                    behind += 1
            tail = time.perf_counter() - settled
            cpu = cluster.cpu_seconds()[0] - cpu_before
            browsers_cpu = descendants_cpu(os.getpid(), exclude=server) - browsers_before
            peak = rss_mb(server)
            records = [await p.evaluate("window.__wb") for p in pages]
            main_after = [await main_thread(cdp) for cdp in sessions]
            load_after = loadavg()
            await browser.close()
        print(f"wallboard: {args.calls} calls in flight, {args.agents} agents, {args.browsers} "
              f"browsers; {len(steps)} steps at {args.rate:.0f}/s over {wall:.0f} s")
        print(f"load average       before {load_before}, after {load_after} "
              f"({os.cpu_count()} cores)")
        everything_dom: list[float] = []
        everything_frame: list[float] = []
        for n, recs in enumerate(records):
            dom, frame, missing = latencies(steps, recs)
            everything_dom += dom
            everything_frame += frame
            print(f"browser {n + 1:2d}         DOM {fmt(dom)}; {len(recs)} updates applied"
                  + (f"; {missing} steps never shown" if missing else ""))
        print(f"all browsers, DOM  {fmt(everything_dom)} ({len(everything_dom)} step-pages)")
        print(f"all, frame drawn   {fmt(everything_frame)}")
        under = sum(1 for v in everything_dom if v < 100) / max(1, len(everything_dom))
        print(f"under 100 ms       {100 * under:.1f}% of steps (DOM)")
        print(f"pages at the end   {args.browsers - behind} of {args.browsers}, the last "
              f"{tail:.1f} s after the last step")
        print(f"browsers           CPU {browsers_cpu:.1f} s (Chromium and Playwright's driver)")
        spent = {k: sum(a[k] - b[k] for a, b in zip(main_after, main_before, strict=True))
                 / len(pages) for k in MAIN_THREAD}
        print("a page's main thread " + ", ".join(
            f"{k.removesuffix('Duration').lower()} {v:.1f} s" for k, v in spent.items())
            + f" (per page, over {wall:.0f} s)")
        print(f"server             CPU {cpu:.1f} s over {wall:.0f} s "
              f"({100 * cpu / wall:.0f}% of a core); memory idle {idle:.0f} MB, "
              f"peak {peak:.0f} MB")
    finally:
        await cluster.stop()
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=50.0, help="steps a second")
    args = parser.parse_args()
    if args.agents > args.calls:
        raise SystemExit("--agents must not exceed --calls")
    raise_fd_limit()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
