"""Dispatch's outage page over real HTTP: enter, update, restore; whom it reaches, calls drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr.db.session import Database
from ivr.services.calls import CallLog
from ivr.services.outages import Outages
from tests.conftest import CustomerFactory
from tests.web.staff import SignIn, csrf_of, sign_in, staff

__all__ = ["sign_in", "staff"]


async def test_dispatch_enters_updates_and_restores_an_outage(
    sign_in: SignIn, db: Database, add_customer: CustomerFactory
) -> None:
    await add_customer()  # in 城东
    await add_customer(account="5100099999", phone="+8613900139000", area="城西")
    client = await sign_in("dispatch")
    async with client.get("/outages") as resp:
        csrf = csrf_of(await resp.text())
    started = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf": csrf, "id": "F-77", "kind": "fault", "areas": "城东", "transformers": "",
            "starts_at": started, "restore_eta": "", "cause": "cable fault"}
    async with client.post("/outages", data=form) as resp:
        assert resp.status == 200
    outage = await Outages(db).get("F-77")
    assert outage is not None and outage.status == "active" and outage.areas == ("城东",)

    # the customer in 城东 calls twice while it lasts
    for n in (1, 2):
        at = datetime.now(UTC) - timedelta(minutes=n)
        await CallLog(db).finish(f"9.{n}", outcome="self_served", queue=None, ended_at=at,
                                 account="5100012345", events=[])
    eta = (datetime.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    async with client.post("/outages", data=form | {"restore_eta": eta}) as resp:
        html = await resp.text()
    updated = await Outages(db).get("F-77")
    assert updated is not None and updated.restore_eta is not None
    row = html.split('data-outage="F-77"')[1].split("</tr>")[0]
    assert '<td class="customers">1</td>' in row and '<td class="calls">2</td>' in row
    assert "张*" in row and "51******45" in row and "张伟" not in row  # masked for dispatch

    async with client.post("/outages/F-77/restore", data={"csrf": csrf}) as resp:
        assert resp.status == 200
    restored = await Outages(db).get("F-77")
    assert restored is not None and restored.status == "restored"


async def test_a_bad_outage_names_the_field(sign_in: SignIn) -> None:
    client = await sign_in("supervisor")
    async with client.get("/outages") as resp:
        csrf = csrf_of(await resp.text())
    form = {"csrf": csrf, "id": "F-78", "kind": "meteor", "areas": "城东",
            "starts_at": "2026-12-02T08:00"}
    async with client.post("/outages", data=form) as resp:
        assert resp.status == 400
        assert "kind" in await resp.text()
