"""Bounding guesses at account verification across calls.

A caller who may hang up and dial again must not get unlimited tries at the last four digits of
an account's phone: failures are stored and counted per account and per calling number over a
sliding window, and past the limit self-service verification is refused for either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from ivr.db.models import VerifyFailure
from ivr.db.session import Database
from ivr.masking import mask_account

log = logging.getLogger(__name__)


class VerifyGuard:
    def __init__(
        self,
        db: Database,
        *,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self.max_failures = max_failures
        self.window = window
        self._clock = clock

    async def locked(self, account: str | None, caller: str | None) -> bool:
        """True when the account or the calling number has used up its tries in the window."""
        since = self._clock() - self.window
        async with self._db.sessionmaker() as session:
            for column, value in ((VerifyFailure.account, account),
                                  (VerifyFailure.caller, caller)):
                failures = await session.scalar(_count(column, value, since)) if value else 0
                if (failures or 0) >= self.max_failures:
                    return True
        return False

    async def record_failure(self, account: str | None, caller: str | None) -> bool:
        """Count one failed verification; True when it used up the last try."""
        now = self._clock()
        async with self._db.sessionmaker() as session, session.begin():
            # Failures older than the window count for nothing: drop them, so the table stays
            # as small as the guessing going on.
            await session.execute(delete(VerifyFailure).where(VerifyFailure.at < now - self.window))
            session.add(VerifyFailure(at=now, account=account, caller=caller or None))
        locked = await self.locked(account, caller)
        if locked:
            log.warning("verification locked for account %s after %d failures",
                        mask_account(account), self.max_failures)
        return locked


def _count(
    column: InstrumentedAttribute[str | None], value: str, since: datetime
) -> Select[int]:
    return (
        select(func.count())
        .select_from(VerifyFailure)
        .where(column == value, VerifyFailure.at >= since)
    )
