"""The monthly report (月报) for the previous month, ready on the 1st without anyone asking
(the rules want it filed by the 5th).

Runs inside `ivr serve`: at start (catching up a month missed while the hotline was down) and
then every few minutes, it works out which month was last completed and, if no report for it
is stored, claims the month in the database and writes the XLSX and the figures there. Several
processes on one database never both write: only the one whose claim lands does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from ivr.web.pages.reports import ReportSource, report, workbook

log = logging.getLogger(__name__)

# Calls still in progress at midnight are written when they end: wait a little into the 1st.
GRACE = timedelta(minutes=30)
CHECK_SECONDS = 600.0


def month_due(now: datetime, source: ReportSource, grace: timedelta = GRACE) -> date:
    """The first day of the last month completed (local time) at least `grace` ago."""
    local = (now - grace).astimezone(source.timezone).date()
    return (local.replace(day=1) - timedelta(days=1)).replace(day=1)


class MonthlyReportJob:
    def __init__(self, source: ReportSource, *, instance: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 grace: timedelta = GRACE, check_seconds: float = CHECK_SECONDS) -> None:
        self._source = source
        self._instance = instance
        self._clock = clock
        self._grace = grace
        self._check = check_seconds

    async def run_once(self) -> str | None:
        """Write the due month's report if nobody has; the month written (YYYY-MM) or None."""
        now = self._clock()
        first = month_due(now, self._source, self._grace)
        month = first.strftime("%Y-%m")
        reports = self._source.services.monthly_reports
        if await reports.ready(month):  # the usual case: a read, no write every few minutes
            return None
        if not await reports.claim(month, self._instance, now):
            return None  # written already, or being written by another process
        try:
            data = await report(self._source, "month", first, now=now)
            body = await asyncio.to_thread(workbook, data)  # openpyxl is CPU: off the loop
            if not await reports.finish(month, self._instance, data, body, self._clock()):
                log.warning("monthly report %s: claim taken over meanwhile; not stored", month)
                return None
        except BaseException:
            await asyncio.shield(reports.release(month, self._instance))
            raise
        log.info("monthly report %s written (%d calls)", month, data["calls"])
        return month

    async def run(self) -> None:
        """Until cancelled: check now, then every `check_seconds`; a failure is retried."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("monthly report failed; retrying in %.0f s", self._check)
            await asyncio.sleep(self._check)
