from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ivr.db.enums import OutageKind, OutageStatus
from ivr.db.session import Database
from ivr.services.customers import CustomerInfo, Customers
from ivr.services.errors import NotFound, ValidationError
from ivr.services.outages import OutageInput, Outages

NOW = datetime(2025, 11, 25, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)


def outage(outage_id: str, **overrides: object) -> OutageInput:
    values: dict[str, object] = {
        "id": outage_id,
        "kind": "fault",
        "starts_at": NOW - H,
        "restore_eta": NOW + 3 * H,
        "status": "active",
        "areas": ("城东",),
        "transformers": (),
        "cause": "cable fault",
    } | overrides
    return OutageInput(**values)  # type: ignore[arg-type]


@pytest.fixture
async def customer(db: Database, add_customer: object) -> CustomerInfo:
    await add_customer()  # type: ignore[operator]
    info = await Customers(db).by_account("5100012345")
    assert info is not None
    return info


async def test_current_outages_cover_area_or_transformer(
    db: Database, customer: CustomerInfo
) -> None:
    outages = Outages(db)
    await outages.upsert(outage("AREA"), now=NOW)
    await outages.upsert(outage("TRANSFORMER", areas=(), transformers=("城东-1号变",)), now=NOW)
    await outages.upsert(
        outage("ELSEWHERE", areas=("城西",), transformers=("城西-1号变",)), now=NOW
    )
    report = await outages.affecting(customer, NOW)
    assert sorted(o.id for o in report.active) == ["AREA", "TRANSFORMER"]
    assert report.planned_soon == []


async def test_restored_outage_is_never_current(db: Database, customer: CustomerInfo) -> None:
    outages = Outages(db)
    await outages.upsert(outage("F1"), now=NOW)
    restored = await outages.restore("F1", NOW - timedelta(minutes=5))
    assert restored.status is OutageStatus.RESTORED
    assert restored.restored_at == NOW - timedelta(minutes=5)
    report = await outages.affecting(customer, NOW)
    assert report.active == [] and report.planned_soon == []
    # Even one restored "early" whose ETA is still ahead.
    await outages.upsert(outage("F2", status="restored"), now=NOW)
    assert (await outages.affecting(customer, NOW)).active == []


async def test_planned_outages_within_seven_days(db: Database, customer: CustomerInfo) -> None:
    outages = Outages(db)
    planned = {"kind": "planned", "status": "scheduled"}
    await outages.upsert(
        outage("SOON", starts_at=NOW + 48 * H, restore_eta=NOW + 56 * H, **planned)
    )
    await outages.upsert(
        outage("LATER", starts_at=NOW + 8 * 24 * H, restore_eta=NOW + 200 * H, **planned)
    )
    await outages.upsert(outage("BEGUN", starts_at=NOW - H, restore_eta=NOW + H, **planned))
    await outages.upsert(outage("OVER", starts_at=NOW - 5 * H, restore_eta=NOW - H, **planned))
    report = await outages.affecting(customer, NOW)
    assert [o.id for o in report.planned_soon] == ["SOON"]
    # Planned work whose start has passed is in progress, whatever dispatch's status says.
    assert [o.id for o in report.active] == ["BEGUN"]


async def test_find_active_for_prefers_the_transformer(
    db: Database, customer: CustomerInfo
) -> None:
    outages = Outages(db)
    assert await outages.find_active_for(customer, NOW) is None
    await outages.upsert(outage("AREA", starts_at=NOW - 2 * H), now=NOW)
    await outages.upsert(outage("TR", areas=(), transformers=("城东-1号变",)), now=NOW)
    found = await outages.find_active_for(customer, NOW)
    assert found is not None and found.id == "TR"


async def test_upsert_replaces_coverage_and_fields(db: Database, customer: CustomerInfo) -> None:
    outages = Outages(db)
    first = await outages.upsert(outage("F1", areas=("城东", "城南")), now=NOW)
    assert first.areas == ("城东", "城南") and first.kind is OutageKind.FAULT
    second = await outages.upsert(
        outage("F1", areas=("城西",), transformers=("城西-2号变",), cause="storm"), now=NOW + H
    )
    assert second.areas == ("城西",) and second.transformers == ("城西-2号变",)
    assert second.cause == "storm" and second.updated_at == NOW + H
    assert (await outages.affecting(customer, NOW + H)).active == []
    assert [o.id for o in await outages.list(area="城西")] == ["F1"]
    assert await outages.list(area="城东") == []
    assert [o.id for o in await outages.list(status="active")] == ["F1"]
    assert await outages.list(status="restored") == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": ""}, "id"),
        ({"id": "has space"}, "id"),
        ({"kind": "blackout"}, "kind"),
        ({"status": "done"}, "status"),
        ({"areas": (), "transformers": ()}, "areas"),
        ({"starts_at": datetime(2025, 11, 25, 9, 0)}, "starts_at"),
        ({"restore_eta": datetime(2025, 11, 25, 9, 0)}, "restore_eta"),
        ({"restore_eta": NOW - 2 * H}, "restore_eta"),
    ],
)
async def test_upsert_validation_names_the_field(
    db: Database, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        await Outages(db).upsert(outage("F1", **overrides), now=NOW)
    assert excinfo.value.field == field
    assert await Outages(db).list() == []


async def test_restore_unknown_outage(db: Database) -> None:
    with pytest.raises(NotFound):
        await Outages(db).restore("nope", NOW)


async def test_unknown_eta_is_allowed(db: Database, customer: CustomerInfo) -> None:
    await Outages(db).upsert(outage("F1", restore_eta=None), now=NOW)
    [active] = (await Outages(db).affecting(customer, NOW)).active
    assert active.restore_eta is None
