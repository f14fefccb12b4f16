"""Outbound campaigns as the survey team runs them: create, start, pause, resume, stop; their
targets (added, or imported from CSV); the do-not-call list every campaign honours.

The rules JSON (window, pacing, retries) is checked by `check_rules`, handed in by the
composition root from the dialer, which is the one that reads them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ivr.db.enums import CampaignKind, CampaignStatus, Language, TargetState
from ivr.db.models import Campaign, DialTarget, DoNotCall
from ivr.db.session import Database
from ivr.services.errors import Conflict, NotFound, ValidationError, parse_choice
from ivr.services.phones import normalize_phone

RulesCheck = Callable[[dict[str, Any]], dict[str, Any]]

# action -> (states it may be taken from, the state it leads to)
MOVES: dict[str, tuple[tuple[CampaignStatus, ...], CampaignStatus]] = {
    "start": ((CampaignStatus.DRAFT,), CampaignStatus.RUNNING),
    "pause": ((CampaignStatus.RUNNING,), CampaignStatus.PAUSED),
    "resume": ((CampaignStatus.PAUSED,), CampaignStatus.RUNNING),
    "stop": ((CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.PAUSED),
             CampaignStatus.STOPPED),
}


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    name: str
    kind: str
    status: str
    flow: str
    caller_id: str
    rules: dict[str, Any]
    targets: dict[str, int] = field(default_factory=dict)  # state -> count


@dataclass(frozen=True)
class TargetRow:
    number: str
    language: str = Language.ZH_CN.value
    account: str | None = None
    priority: int = 0


class CsvProblem(ValidationError):
    """`FILE:LINE: column: problem`."""


class Campaigns:
    def __init__(self, db: Database, check_rules: RulesCheck = lambda raw: raw,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._db = db
        self._check = check_rules
        self._clock = clock

    async def create(self, *, name: str, kind: str, flow: str, caller_id: str = "",
                     rules: dict[str, Any] | None = None, by: str) -> CampaignInfo:
        name = name.strip()
        if not 0 < len(name) <= 100:
            raise ValidationError("name", "1 to 100 characters")
        parsed_kind = parse_choice(CampaignKind, "kind", kind)
        if not flow.strip() or len(flow) > 100:
            raise ValidationError("flow", "the name of a flow is required")
        if len(caller_id) > 64 or any(c in caller_id for c in "\r\n"):
            raise ValidationError("caller_id", "at most 64 characters, one line")
        checked = self._check(dict(rules or {}))
        async with self._db.sessionmaker() as session, session.begin():
            if await session.scalar(select(Campaign.id).where(Campaign.name == name)):
                raise Conflict(f"a campaign named {name!r} exists")
            row = Campaign(name=name, kind=parsed_kind, status=CampaignStatus.DRAFT,
                           flow=flow.strip(), caller_id=caller_id, rules=checked,
                           created_at=self._clock(), created_by=by)
            session.add(row)
            await session.flush()
            campaign_id = row.id
        return await self.get(campaign_id)

    async def get(self, campaign: int | str) -> CampaignInfo:
        async with self._db.sessionmaker() as session:
            row = await self._find(session, campaign)
            counts: dict[Any, int] = {
                state: count for state, count in await session.execute(
                    select(DialTarget.state, func.count())
                    .where(DialTarget.campaign_id == row.id).group_by(DialTarget.state))}
        return CampaignInfo(row.id, row.name, row.kind.value, row.status.value, row.flow,
                            row.caller_id, dict(row.rules or {}),
                            {TargetState(k).value: v for k, v in counts.items()})

    async def running(self) -> list[CampaignInfo]:
        """The campaigns a dialer should be dialling now (their rules unchecked). Each dialer
        reads this every second: one Core query run as one piece, no ORM objects."""
        query = (select(Campaign.id, Campaign.name, Campaign.kind, Campaign.status,
                        Campaign.flow, Campaign.caller_id, Campaign.rules)
                 .where(Campaign.status == CampaignStatus.RUNNING).order_by(Campaign.id))
        rows = await self._db.transactions.run(lambda conn: conn.execute(query).all())
        return [CampaignInfo(r.id, r.name, r.kind.value, r.status.value, r.flow, r.caller_id,
                             dict(r.rules or {})) for r in rows]

    async def list(self) -> list[CampaignInfo]:
        async with self._db.sessionmaker() as session:
            ids = list(await session.scalars(select(Campaign.id).order_by(Campaign.id)))
        return [await self.get(i) for i in ids]

    async def move(self, campaign: int | str, action: str) -> CampaignInfo:
        """start, pause, resume or stop; stop cancels the targets not yet ended."""
        if action not in MOVES:
            raise ValidationError("action", "start, pause, resume or stop")
        sources, target = MOVES[action]
        async with self._db.sessionmaker() as session, session.begin():
            row = await self._find(session, campaign)
            done = await session.execute(
                update(Campaign).where(Campaign.id == row.id, Campaign.status.in_(sources))
                .values(status=target).execution_options(synchronize_session=False))
            if getattr(done, "rowcount", 0) != 1:
                raise Conflict(f"campaign {row.name} is {row.status}: cannot {action}")
            if target == CampaignStatus.STOPPED:
                await session.execute(
                    update(DialTarget)
                    .where(DialTarget.campaign_id == row.id,
                           DialTarget.state == TargetState.PENDING)
                    .values(state=TargetState.CANCELLED, ended_at=self._clock(),
                            reason="campaign stopped")
                    .execution_options(synchronize_session=False))
            campaign_id = row.id
        return await self.get(campaign_id)

    async def set_rules(self, campaign: int | str, rules: dict[str, Any]) -> CampaignInfo:
        """Replace the rules (window, pacing, retries); a running dialer picks them up."""
        checked = self._check(dict(rules))
        async with self._db.sessionmaker() as session, session.begin():
            row = await self._find(session, campaign)
            row.rules = checked
            campaign_id = row.id
        return await self.get(campaign_id)

    async def add_targets(self, campaign: int | str, rows: Iterable[TargetRow]) -> int:
        """Add numbers to call; a number already pending in this campaign is not added twice."""
        now = self._clock()
        added = 0
        async with self._db.sessionmaker() as session, session.begin():
            row = await self._find(session, campaign)
            waiting = set(await session.scalars(select(DialTarget.number).where(
                DialTarget.campaign_id == row.id,
                DialTarget.state.in_((TargetState.PENDING, TargetState.DIALLING)))))
            for target in rows:
                if target.number in waiting:
                    continue
                waiting.add(target.number)
                session.add(DialTarget(
                    campaign_id=row.id, number=target.number, language=target.language,
                    account=target.account, priority=target.priority, state=TargetState.PENDING,
                    reason="to be called", attempts=0, next_at=now, created_at=now))
                added += 1
        return added

    async def import_csv(self, campaign: int | str, name: str, text: str) -> int:
        """Columns `number[,language,account,priority]`; all rows or none. A bad row raises
        `CsvProblem` as `FILE:LINE: column: problem`."""
        return await self.add_targets(campaign, parse_targets(name, text))

    async def do_not_call(self, number: str, reason: str, source: str) -> bool:
        """Put a number on the do-not-call list; False if it was there already."""
        phone = normalize_phone(number) or number.strip()
        if not phone or len(phone) > 32:
            raise ValidationError("number", "a phone number is required")
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        async with self._db.sessionmaker() as session, session.begin():
            done = await session.execute(
                insert(DoNotCall).values(number=phone, reason=reason[:200], source=source[:100],
                                         added_at=self._clock())
                .on_conflict_do_nothing(index_elements=[DoNotCall.number]))
            return bool(getattr(done, "rowcount", 0))

    async def _find(self, session: Any, campaign: int | str) -> Campaign:
        if isinstance(campaign, int) or campaign.isdigit():
            row = await session.get(Campaign, int(campaign))
        else:
            row = (await session.scalars(
                select(Campaign).where(Campaign.name == campaign))).one_or_none()
        if row is None:
            raise NotFound(f"no campaign {campaign!r}")
        return row  # type: ignore[no-any-return]


def parse_targets(name: str, text: str) -> list[TargetRow]:
    rows: list[TargetRow] = []
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "number" not in reader.fieldnames:
        raise CsvProblem(f"{name}:1: number", "column missing from the header")
    for record in reader:
        line = reader.line_num

        def problem(column: str, message: str, line: int = line) -> CsvProblem:
            return CsvProblem(f"{name}:{line}: {column}", message)

        number = normalize_phone(record.get("number") or "")
        if number is None:
            raise problem("number", f"{record.get('number')!r} is not a phone number")
        language = (record.get("language") or Language.ZH_CN.value).strip()
        if language not in {lang.value for lang in Language}:
            raise problem("language", f"{language!r} is not one of zh-CN, en-US")
        account = (record.get("account") or "").strip() or None
        if account is not None and not (len(account) == 10 and account.isdigit()):
            raise problem("account", "10 digits expected")
        raw_priority = (record.get("priority") or "0").strip()
        if not raw_priority.lstrip("-").isdigit():
            raise problem("priority", "a whole number expected")
        rows.append(TargetRow(number, language, account, int(raw_priority)))
    return rows
