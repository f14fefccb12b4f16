"""Loading the demo data in `demo/` so that it describes the present, whenever it is loaded.

The demo files are written as the world looked at `DEMO_NOW` (2025-11-25 10:00 Beijing time):
a fault outage that began at 08:40 and should end at 13:30, maintenance planned three days
later, a fault restored the evening before, and bills for the three months before. Loading
moves that world to the present:
- every outage time moves by the same offset, `now - DEMO_NOW` rounded to 15 minutes, so the
  fault is still in progress, the maintenance is still three days away and clock times stay
  round;
- bills move by whole months (period, due date and payment date alike), so the newest bill is
  always last month's.
The shifted files go through `import_csv` like any export, so the demo is checked as strictly.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.db.session import Database
from ivr.importer.csvimport import ImportResult, import_csv

DEMO_NOW = datetime(2025, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ORDER = ("customers", "agents", "bills", "outages")  # bills need their customers first
STEP = timedelta(minutes=15)
PAID_AT = time(10, 0, tzinfo=DEMO_NOW.tzinfo)  # generated customers pay at 10:00


def outage_offset(now: datetime) -> timedelta:
    return round((now - DEMO_NOW) / STEP) * STEP


def month_offset(now: datetime) -> int:
    local = now.astimezone(DEMO_NOW.tzinfo)
    return (local.year * 12 + local.month) - (DEMO_NOW.year * 12 + DEMO_NOW.month)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, 28))


def _shift_outage(row: dict[str, str], offset: timedelta) -> dict[str, str]:
    for column in ("starts_at", "restore_eta"):
        if row[column]:
            row[column] = (datetime.fromisoformat(row[column]) + offset).isoformat()
    return row


def _shift_bill(row: dict[str, str], months: int, now: datetime) -> dict[str, str]:
    period = _add_months(date.fromisoformat(row["period"] + "-01"), months)
    row["period"] = period.strftime("%Y-%m")
    row["due_date"] = _add_months(date.fromisoformat(row["due_date"]), months).isoformat()
    if row["paid_at"]:
        paid = datetime.fromisoformat(row["paid_at"])
        row["paid_at"] = paid_by(datetime.combine(
            _add_months(paid.date(), months), paid.timetz()), now).isoformat()
    return row


def paid_by(paid: datetime, now: datetime) -> datetime:
    """A payment no later than `now`: moving by whole months can carry one past today (the
    demo's payment on the 16th, loaded on the 2nd), and a caller must not hear of a payment
    made next week. Such a one is moved to the day before, at its own time of day."""
    if paid <= now:
        return paid
    local = now.astimezone(paid.tzinfo)
    return datetime.combine(local.date() - timedelta(days=1), paid.timetz())


def _rewrite(source: Path, target: Path, kind: str, now: datetime) -> None:
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        columns = list(reader.fieldnames or ())
    if kind == "outages":
        rows = [_shift_outage(row, outage_offset(now)) for row in rows]
    elif kind == "bills":
        rows = [_shift_bill(row, month_offset(now), now) for row in rows]
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)


async def load_demo(db: Database, demo_dir: Path, now: datetime,
                    extra_customers: int = 0) -> dict[str, ImportResult]:
    """Import `demo_dir`'s four files, moved to `now` as described above. Idempotent.

    `extra_customers` more customers (`demo_phone(i)`, each at their own address, with two
    months of bills) are generated beside the demo's own, for load tests with many
    different callers; they go through the same import."""
    results: dict[str, ImportResult] = {}
    with tempfile.TemporaryDirectory(prefix="ivr-demo-") as tmp:
        for kind in ORDER:
            shifted = Path(tmp) / f"{kind}.csv"
            _rewrite(demo_dir / f"{kind}.csv", shifted, kind, now)
            if kind in ("customers", "bills") and extra_customers > 0:
                _append_generated(shifted, kind, extra_customers, now)
            results[kind] = await import_csv(db, kind, shifted)
    return results


# The demo's areas and transformers, so generated customers meet its outages too.
_PLACES = (("城东", "城东-1号变", "建设路"), ("城东", "城东-2号变", "人民路"),
           ("城西", "城西-2号变", "西湖路"), ("城南", "城南-1号变", "南湖路"),
           ("高新区", "高新-1号变", "科技大道"))


def demo_phone(i: int) -> str:
    """The phone of generated customer `i` (0-based): the caller id a load test dials with."""
    return f"+86137{i:08d}"


def _append_generated(path: Path, kind: str, count: int, now: datetime) -> None:
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for i in range(count):
            account = f"52{i:08d}"
            if kind == "customers":
                area, transformer, road = _PLACES[i % len(_PLACES)]
                address = (f"江宁市{area}{road}{i // 100 + 1}号{i // 20 % 5 + 1}栋"
                           f"{i % 4 + 1}单元{i % 20 + 101}室")
                writer.writerow([account, f"用户{i}", demo_phone(i), address, area, transformer,
                                 "residential", "false", "", "zh-CN"])
            else:
                for back in (2, 1):
                    period = _add_months(now.astimezone(DEMO_NOW.tzinfo).date(), -back)
                    fen = 5000 + (i * 7919 + back * 131) % 40000
                    amount = f"{fen // 100}.{fen % 100:02d}"
                    paid = back == 2 or i % 3 == 0
                    due = _add_months(period.replace(day=20), 1)
                    writer.writerow([account, period.strftime("%Y-%m"), 100 + fen // 90, amount,
                                     due.isoformat(), amount if paid else "0",
                                     paid_by(datetime.combine(due.replace(day=5), PAID_AT),
                                             now).isoformat()
                                     if paid else ""])
