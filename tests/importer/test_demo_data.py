from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.db.enums import OutageKind
from ivr.db.session import Database
from ivr.importer.demo import demo_phone, load_demo
from ivr.services.bills import Bills
from ivr.services.customers import Customers
from ivr.services.outages import Outages
from ivr.services.tokens import Tokens

DEMO = Path(__file__).resolve().parents[2] / "demo"


@pytest.mark.parametrize(
    "now",
    [datetime(2025, 11, 25, 2, 0, tzinfo=UTC), datetime(2027, 3, 9, 13, 7, tzinfo=UTC)],
    ids=["as-written", "later"],
)
async def test_demo_describes_the_present_whenever_loaded(db: Database, now: datetime) -> None:
    results = await load_demo(db, DEMO, now)
    assert results["customers"].inserted == 30
    assert (await load_demo(db, DEMO, now))["bills"].updated == results["bills"].inserted

    customers = Customers(db)
    caller = await customers.by_phone("13800138000")
    assert caller is not None
    report = await Outages(db).affecting(caller, now)
    [fault] = report.active
    assert fault.kind is OutageKind.FAULT and fault.restore_eta is not None
    assert fault.starts_at < now < fault.restore_eta

    west = await customers.by_phone("+8613911110008")  # on 城西-2号变
    assert west is not None
    [planned] = (await Outages(db).affecting(west, now)).planned_soon
    assert now < planned.starts_at < now + timedelta(days=7)

    south = await customers.by_phone("+8613211110015")
    assert south is not None
    assert (await Outages(db).affecting(south, now)).active == []  # restored yesterday

    summary = await Bills(db).summary(caller.account)
    assert summary.last_bill is not None
    local = now.astimezone(fault.starts_at.tzinfo)
    last_month = (local.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert summary.last_bill.period == last_month
    key = await customers.by_account("5100099001")
    assert key is not None and key.key_customer and key.manager_phone
    english = await customers.by_phone("+442079460123")
    assert english is not None and english.language == "en-US"


async def test_generated_customers_are_each_a_different_caller(db: Database) -> None:
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    results = await load_demo(db, DEMO, now, extra_customers=250)
    assert results["customers"].inserted == 280
    customers = Customers(db)
    found = [await customers.by_phone(demo_phone(i)) for i in (0, 1, 137, 249)]
    assert all(c is not None for c in found)
    assert len({c.address for c in found if c}) == 4  # each their own address to read back
    assert len({address for address, _ in await customers.addresses()}) == 280
    summary = await Bills(db).summary(found[2].account if found[2] else "")
    assert summary.last_bill is not None and summary.last_bill.period == "2026-11"
    assert await customers.by_phone(demo_phone(250)) is None


@pytest.mark.parametrize("now", [datetime(2026, 12, 2, 2, 0, tzinfo=UTC),  # the 2nd, 10:00
                                 datetime(2027, 3, 1, 0, 30, tzinfo=UTC)])
async def test_no_payment_is_after_the_day_the_demo_is_loaded(db: Database,
                                                               now: datetime) -> None:
    # Early in a month the demo's payments (made mid-month, moved by whole months) and the
    # generated customers' (on the 5th) would fall days after today: a caller would hear of
    # a payment not made yet.
    await load_demo(db, DEMO, now, extra_customers=30)
    bills = Bills(db)
    paid = []
    for account in [f"51000123{i:02d}" for i in range(30)] + [f"52{i:08d}" for i in range(30)]:
        summary = await bills.summary(account)
        if summary.last_payment is not None:
            paid.append(summary.last_payment.paid_at)
    assert len(paid) >= 30
    assert max(paid) <= now
    assert max(paid) >= now - timedelta(days=2)  # still recent: moved back, not dropped


def test_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    runner = CliRunner()

    refused = runner.invoke(cli, ["import", "customers", str(DEMO / "customers.csv")])
    assert refused.exit_code == 1
    assert "is at revision none (empty)" in refused.output
    assert "run `ivr db upgrade`" in refused.output

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    current = runner.invoke(cli, ["db", "current"])
    assert current.exit_code == 0, current.output

    imported = runner.invoke(cli, ["import", "customers", str(DEMO / "customers.csv")])
    assert imported.exit_code == 0, imported.output
    assert "customers: 30 new, 0 updated" in imported.output

    bad = tmp_path / "bills.csv"
    bad.write_text("account,period\n", encoding="utf-8")
    failed = runner.invoke(cli, ["import", "bills", str(bad)])
    assert failed.exit_code == 1
    assert f"{bad}:1: header: missing column(s) kwh" in failed.output

    created = runner.invoke(cli, ["token", "create", "--role", "dispatch", "--name", "feed"])
    assert created.exit_code == 0, created.output
    token = created.output.strip()

    async def holder() -> object:
        database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'ivr.db'}")
        try:
            return await Tokens(database).authenticate(token)
        finally:
            await database.close()

    principal = asyncio.run(holder())
    assert principal is not None and principal.name == "feed"  # type: ignore[attr-defined]
    assert runner.invoke(cli, ["token", "revoke", "feed"]).exit_code == 0
    assert runner.invoke(cli, ["token", "revoke", "feed"]).exit_code == 1

    loaded = runner.invoke(cli, ["demo", "load", "--dir", str(DEMO)])
    assert loaded.exit_code == 0, loaded.output
    assert "outages: 3 new" in loaded.output and "customers: 0 new, 30 updated" in loaded.output
