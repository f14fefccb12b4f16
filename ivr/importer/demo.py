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
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.db.session import Database
from ivr.importer.csvimport import ImportResult, import_csv

DEMO_NOW = datetime(2025, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ORDER = ("customers", "agents", "bills", "outages")  # bills need their customers first
STEP = timedelta(minutes=15)


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


def _shift_bill(row: dict[str, str], months: int) -> dict[str, str]:
    period = _add_months(date.fromisoformat(row["period"] + "-01"), months)
    row["period"] = period.strftime("%Y-%m")
    row["due_date"] = _add_months(date.fromisoformat(row["due_date"]), months).isoformat()
    if row["paid_at"]:
        paid = datetime.fromisoformat(row["paid_at"])
        row["paid_at"] = datetime.combine(
            _add_months(paid.date(), months), paid.timetz()
        ).isoformat()
    return row


def _rewrite(source: Path, target: Path, kind: str, now: datetime) -> None:
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        columns = list(reader.fieldnames or ())
    if kind == "outages":
        rows = [_shift_outage(row, outage_offset(now)) for row in rows]
    elif kind == "bills":
        rows = [_shift_bill(row, month_offset(now)) for row in rows]
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)


async def load_demo(db: Database, demo_dir: Path, now: datetime) -> dict[str, ImportResult]:
    """Import `demo_dir`'s four files, moved to `now` as described above. Idempotent."""
    results: dict[str, ImportResult] = {}
    with tempfile.TemporaryDirectory(prefix="ivr-demo-") as tmp:
        for kind in ORDER:
            shifted = Path(tmp) / f"{kind}.csv"
            _rewrite(demo_dir / f"{kind}.csv", shifted, kind, now)
            results[kind] = await import_csv(db, kind, shifted)
    return results
