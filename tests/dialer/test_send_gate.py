"""The send gate: Originates written at most `per_second` in any span of a second and its
guard, however many were claimed at once."""

from __future__ import annotations

import asyncio

from ivr.dialer.pacing import SendGate


async def test_a_batch_claimed_at_once_is_written_spaced() -> None:
    loop = asyncio.get_running_loop()
    gate = SendGate(lambda: 5.0, clock=loop.time, guard=0.1)
    sent: list[float] = []

    async def send() -> None:
        await gate.wait()
        sent.append(loop.time())

    await asyncio.gather(*(send() for _ in range(12)))
    assert len(sent) == 12
    for i, at in enumerate(sent):  # no 1.1 s span holds more than five writes
        assert sum(1 for other in sent[i:] if other - at < 1.1) <= 5
    assert sent[-1] - sent[0] >= 2 * 1.1 - 0.01  # 12 writes at 5 per 1.1 s: three spans


async def test_the_call_over_the_rate_waits_for_the_span_to_pass() -> None:
    loop = asyncio.get_running_loop()
    gate = SendGate(lambda: 4.0, clock=loop.time, guard=0.0)
    await gate.wait()
    started = loop.time()
    for _ in range(3):
        await gate.wait()
    assert loop.time() - started < 0.1  # four within the first second
    await gate.wait()
    assert loop.time() - started >= 0.99  # the fifth waits for the span to pass



async def test_a_campaign_held_by_a_full_trunk_keeps_its_own_rate() -> None:
    loop = asyncio.get_running_loop()
    trunk = SendGate(lambda: 3.0, clock=loop.time, guard=0.0)
    campaign = SendGate(lambda: 2.0, clock=loop.time, guard=0.0)
    for _ in range(3):  # another campaign has just filled the trunk's second
        await trunk.wait()
    sent: list[float] = []

    async def send() -> None:
        await campaign.wait(trunk)
        sent.append(loop.time())

    await asyncio.gather(*(send() for _ in range(3)))
    # Counted by the campaign only when the trunk let them go: two at the trunk's next
    # second, the third a second after (not three at once, as a campaign that counted its
    # writes while they queued for the trunk would send).
    sent.sort()
    assert sent[1] - sent[0] < 0.1 and sent[2] - sent[0] >= 0.99


async def test_writers_waiting_take_turns() -> None:
    """Only the first of those waiting sleeps until the next slot: calls claimed at once are
    let through in the order they came, not all woken at every slot to find it taken."""
    loop = asyncio.get_running_loop()
    checks = 0

    class Counted(SendGate):
        def delay(self, now: float) -> float:
            nonlocal checks
            checks += 1
            return super().delay(now)

    gate = Counted(lambda: 5.0, clock=loop.time, guard=0.0)
    for _ in range(5):  # a second's writes, spread: its slots free one at a time
        await gate.wait()
        await asyncio.sleep(0.05)
    checks = 0
    order: list[int] = []

    async def send(i: int) -> None:
        await gate.wait()
        order.append(i)

    await asyncio.gather(*(send(i) for i in range(8)))
    assert order == list(range(8))
    assert checks <= 2 * 8  # a waiter checks when its turn comes, and after its one sleep
