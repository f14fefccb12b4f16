"""Queue history from the AMI event stream: storing finished call records, and service levels.

The records and the arithmetic are `ivr.services.queue_records` (plain dataclasses and pure
functions, no I/O): rows are turned back into `CallRecord`s and `service_level()` counts them, so
the live figures and the stored ones cannot drift apart.

Storing is idempotent: a record stored again (a retry after a commit whose reply was lost, or a
call seen again after an AMI reconnect) replaces the earlier rows of that call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import defaultload

from ivr.asterisk_names import QUEUES
from ivr.db.enums import QueueOutcome
from ivr.db.models import PbxCall, QueueLegRow, RingAttemptRow
from ivr.db.session import Database
from ivr.services.errors import ValidationError
from ivr.services.queue_records import (
    CallRecord,
    LegOutcome,
    QueueLeg,
    RingAttempt,
    ServiceLevelReport,
)
from ivr.services.queue_records import service_level as compute_service_level

_OUTCOMES = {
    LegOutcome.ANSWERED: QueueOutcome.ANSWERED,
    LegOutcome.ABANDONED: QueueOutcome.ABANDONED,
    LegOutcome.EXITED: QueueOutcome.TIMEOUT,
}


class QueueStats:
    def __init__(self, db: Database, *, threshold: float) -> None:
        """`threshold`: the three-ring time in seconds (3 x the ring length)."""
        self._db = db
        self.threshold = threshold

    async def store(self, record: CallRecord) -> None:
        """Write one finished call (its queue legs and ring attempts), replacing any earlier copy.

        Legs still waiting are not stored: a finished call has none, and a half-known leg
        would count as offered but neither answered nor abandoned.
        """
        call = _call_row(record, self.threshold)
        async with self._db.sessionmaker() as session, session.begin():
            await session.execute(delete(PbxCall).where(PbxCall.uniqueid == record.uniqueid))
            session.add(call)

    async def get(self, uniqueid: str) -> CallRecord | None:
        async with self._db.sessionmaker() as session:
            row = await session.get(PbxCall, uniqueid)
            return _record(row) if row is not None else None

    async def legs(self, uniqueid: str) -> list[QueueLegRow]:
        """The stored rows of one call's queue legs (with their ring attempts)."""
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(
                select(QueueLegRow)
                .where(QueueLegRow.uniqueid == uniqueid)
                .order_by(QueueLegRow.seq)
            )
            return list(rows)

    async def service_level(
        self, since: datetime, until: datetime, *, queues: Iterable[str] = QUEUES
    ) -> ServiceLevelReport:
        """Per queue and overall, for legs that joined in `[since, until)`; the IVR's pickup for
        calls that started in it. Every queue in `queues` has a row, calls or not."""
        for name, moment in (("from", since), ("to", until)):
            if moment.tzinfo is None:
                raise ValidationError(name, "a date and time with a UTC offset is needed")
        if until <= since:
            raise ValidationError("to", "must be later than from")
        leg_in_range = select(QueueLegRow.uniqueid).where(
            QueueLegRow.joined_at >= since, QueueLegRow.joined_at < until
        )
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(
                select(PbxCall)
                .options(defaultload(PbxCall.legs).raiseload(QueueLegRow.attempts))  # not needed
                .where(
                    or_(
                        (PbxCall.started_at >= since) & (PbxCall.started_at < until),
                        PbxCall.uniqueid.in_(leg_in_range),
                    )
                )
            )
            records = [_record(row, attempts=False) for row in rows]
        return compute_service_level(
            records,
            threshold=self.threshold,
            since=since.timestamp(),
            until=until.timestamp(),
            queues=queues,
        )


def _call_row(record: CallRecord, threshold: float) -> PbxCall:
    legs = []
    finished = [leg for leg in record.legs if leg.outcome is not LegOutcome.WAITING]
    for seq, leg in enumerate(finished):
        legs.append(
            QueueLegRow(
                uniqueid=record.uniqueid,
                seq=seq,
                queue=leg.queue,
                joined_at=_when(leg.joined_at),
                position=leg.position,
                left_at=_when_or_none(leg.left_at),
                connected_at=_when_or_none(leg.connected_at),
                completed_at=_when_or_none(leg.completed_at),
                wait_seconds=leg.wait_seconds,
                agent=leg.agent,
                agent_interface=leg.agent_interface,
                outcome=_OUTCOMES[leg.outcome],
                within_three_rings=leg.within(threshold),
                attempts=[
                    RingAttemptRow(
                        uniqueid=record.uniqueid,
                        leg_seq=seq,
                        seq=n,
                        interface=attempt.interface,
                        member=attempt.member,
                        started_at=_when(attempt.started_at),
                        ended_at=_when_or_none(attempt.ended_at),
                        ring_seconds=attempt.ring_seconds,
                        answered=attempt.answered,
                    )
                    for n, attempt in enumerate(leg.attempts)
                ],
            )
        )
    return PbxCall(
        uniqueid=record.uniqueid,
        channel=record.channel,
        caller=record.caller,
        started_at=_when(record.started_at),
        answered_at=_when_or_none(record.answered_at),
        ended_at=_when_or_none(record.ended_at),
        pickup_seconds=record.pickup_seconds,
        hangup_cause=record.hangup_cause,
        legs=legs,
    )


def _record(row: PbxCall, *, attempts: bool = True) -> CallRecord:
    return CallRecord(
        uniqueid=row.uniqueid,
        channel=row.channel,
        caller=row.caller,
        started_at=row.started_at.timestamp(),
        answered_at=_epoch(row.answered_at),
        ended_at=_epoch(row.ended_at),
        hangup_cause=row.hangup_cause,
        legs=[
            QueueLeg(
                queue=leg.queue,
                joined_at=leg.joined_at.timestamp(),
                position=leg.position,
                left_at=_epoch(leg.left_at),
                connected_at=_epoch(leg.connected_at),
                completed_at=_epoch(leg.completed_at),
                agent=leg.agent,
                agent_interface=leg.agent_interface,
                abandoned=leg.outcome == QueueOutcome.ABANDONED,
                attempts=[
                    RingAttempt(
                        interface=a.interface,
                        member=a.member,
                        started_at=a.started_at.timestamp(),
                        ended_at=_epoch(a.ended_at),
                        answered=a.answered,
                    )
                    for a in (leg.attempts if attempts else ())
                ],
            )
            for leg in row.legs
        ],
    )


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _when_or_none(epoch: float | None) -> datetime | None:
    return None if epoch is None else _when(epoch)


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()
