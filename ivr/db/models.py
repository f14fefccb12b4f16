"""The tables. Plain data: the rules that fill and read them live in `ivr.services`.

Account numbers on tickets and calls are deliberately not foreign keys: a repair report or a
call record must never be lost because the customer file has not caught up with the caller.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ivr.db.enums import (
    AttemptResult,
    CalendarDayKind,
    CallOutcome,
    CampaignKind,
    CampaignStatus,
    ContactType,
    CustomerClass,
    Language,
    OutageKind,
    OutageStatus,
    QueueOutcome,
    Role,
    Skill,
    TargetState,
    TicketEventKind,
    TicketStatus,
    TicketType,
)
from ivr.db.types import UtcDateTime, str_enum

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(14, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Customer(Base):
    __tablename__ = "customers"

    account: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    address: Mapped[str] = mapped_column(String(400))
    area: Mapped[str] = mapped_column(String(100), index=True)
    transformer: Mapped[str] = mapped_column(String(100), index=True)
    customer_class: Mapped[CustomerClass] = mapped_column(str_enum(CustomerClass, "customer_class"))
    key_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    manager_phone: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[Language] = mapped_column(str_enum(Language, "language"))


class Outage(Base):
    __tablename__ = "outages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[OutageKind] = mapped_column(str_enum(OutageKind, "kind"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    restore_eta: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cause: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OutageStatus] = mapped_column(str_enum(OutageStatus, "status"), index=True)
    restored_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    areas: Mapped[list[OutageArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OutageArea.area"
    )
    transformers: Mapped[list[OutageTransformer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OutageTransformer.transformer"
    )


class OutageArea(Base):
    """One area an outage covers; the key leads with the area: "outages in area X" uses it."""

    __tablename__ = "outage_areas"

    area: Mapped[str] = mapped_column(String(100), primary_key=True)
    outage_id: Mapped[str] = mapped_column(
        ForeignKey("outages.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class OutageTransformer(Base):
    __tablename__ = "outage_transformers"

    transformer: Mapped[str] = mapped_column(String(100), primary_key=True)
    outage_id: Mapped[str] = mapped_column(
        ForeignKey("outages.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("account", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(ForeignKey("customers.account"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    kwh: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    amount_due: Mapped[Decimal] = mapped_column(Money)
    due_date: Mapped[date] = mapped_column(Date)
    amount_paid: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Agent(Base):
    __tablename__ = "agents"

    agent: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    extension: Mapped[str] = mapped_column(String(32))

    skills: Mapped[list[AgentSkill]] = relationship(  # primary skill first
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by=lambda: [AgentSkill.position, AgentSkill.skill],
    )
    languages: Mapped[list[AgentLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgentLanguage.language"
    )


class AgentSkill(Base):
    __tablename__ = "agent_skills"

    skill: Mapped[Skill] = mapped_column(str_enum(Skill, "skill"), primary_key=True)
    agent: Mapped[str] = mapped_column(
        ForeignKey("agents.agent", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Order in the agents file: 0 is the primary skill (queue penalty 0), the rest secondary.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AgentLanguage(Base):
    __tablename__ = "agent_languages"

    language: Mapped[Language] = mapped_column(str_enum(Language, "language"), primary_key=True)
    agent: Mapped[str] = mapped_column(
        ForeignKey("agents.agent", ondelete="CASCADE"), primary_key=True, index=True
    )


class Ticket(Base):
    """A work order (工单)."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_type_status", "type", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # R20261125-0042
    type: Mapped[TicketType] = mapped_column(str_enum(TicketType, "type"))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "status"))
    account: Mapped[str | None] = mapped_column(String(10), index=True)
    caller: Mapped[str | None] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    outage_id: Mapped[str | None] = mapped_column(ForeignKey("outages.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    contact_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolve_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(100), index=True)  # team or person (首问)
    contacted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # True when a deadline fell in a year with no official holiday schedule known.
    deadline_provisional: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # An escalation: the order whose follow-up call opened it.
    escalates_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    escalates: Mapped[Ticket | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    events: Mapped[list[TicketEvent]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TicketEvent.id"
    )


class TicketEvent(Base):
    """One change in a work order's life: who did what, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[TicketStatus | None] = mapped_column(str_enum(TicketStatus, "from_status"))
    to_status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "to_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[TicketEventKind] = mapped_column(
        str_enum(TicketEventKind, "kind"), default=TicketEventKind.STATUS, server_default="status"
    )
    owner: Mapped[str | None] = mapped_column(String(100))  # the owner after an assignment


class VoiceMessage(Base):
    """A caller's recorded words (a complaint, a danger location...) kept with a work order.

    `path` is relative to the voice-message directory under the data directory.
    """

    __tablename__ = "voice_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    seconds: Mapped[float] = mapped_column(Float)
    transcript: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Free transcription after the call: None (no model for the language), "pending",
    # "working" (claimed at `dictation_claimed_at`), "done", "empty" or "failed".
    dictation: Mapped[str | None] = mapped_column(String(12), index=True)
    dictation_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dictation_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TicketCounter(Base):
    """The last sequence number handed out per number prefix (`R20261125`)."""

    __tablename__ = "ticket_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class CalendarDay(Base):
    """A day of an official holiday schedule (holiday or make-up working day) loaded by hand,
    for years the holiday package does not cover yet."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[CalendarDayKind] = mapped_column(str_enum(CalendarDayKind, "kind"))
    name: Mapped[str] = mapped_column(String(100), default="")
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class VerifyFailure(Base):
    """A failed self-service verification, counted across calls to bound guessing."""

    __tablename__ = "verify_failures"
    __table_args__ = (
        Index("ix_verify_failures_account_at", "account", "at"),
        Index("ix_verify_failures_caller_at", "caller", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    account: Mapped[str | None] = mapped_column(String(10))
    caller: Mapped[str | None] = mapped_column(String(128))


class Call(Base):
    __tablename__ = "calls"

    uniqueid: Mapped[str] = mapped_column(String(64), primary_key=True)
    caller: Mapped[str | None] = mapped_column(String(128))
    account: Mapped[str | None] = mapped_column(String(10), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    flow_name: Mapped[str | None] = mapped_column(String(100))
    flow_version: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[CallOutcome | None] = mapped_column(str_enum(CallOutcome, "outcome"))
    queue: Mapped[str | None] = mapped_column(String(64))
    # What the call was about (the last service the caller chose); None: they chose none.
    contact_type: Mapped[ContactType | None] = mapped_column(
        str_enum(ContactType, "contact_type"), index=True
    )
    # The IVR instance running the call (host and FastAGI bind): after a crash, that instance
    # closes its own open calls at start, never another live instance's.
    instance: Mapped[str | None] = mapped_column(String(128))

    events: Mapped[list[CallEvent]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CallEvent.seq"
    )


class CallEvent(Base):
    """One step of a caller's journey through the flows."""

    __tablename__ = "call_events"

    uniqueid: Mapped[str] = mapped_column(
        ForeignKey("calls.uniqueid", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebUser(Base):
    """A member of staff who signs in to the pages; the password is kept as an argon2 hash."""

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CallWrapup(Base):
    """An agent's wrap-up of a call (its code, a note) and, when promised, a callback."""

    __tablename__ = "call_wrapups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), index=True)
    agent: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    callback_number: Mapped[str | None] = mapped_column(String(32))
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PbxCall(Base):
    """An inbound call as Asterisk's event stream showed it (AMI), keyed by its unique id.

    Separate from `calls` (what the IVR did over FastAGI): a call that reached a queue through
    the dialplan's fallback, with the IVR unreachable, has a row here and none there.
    """

    __tablename__ = "pbx_calls"

    uniqueid: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(200))
    caller: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)  # Newchannel
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # Newstate Up
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    pickup_seconds: Mapped[float | None] = mapped_column(Float)  # ring-to-answer of the IVR
    hangup_cause: Mapped[str] = mapped_column(String(100), default="")

    legs: Mapped[list[QueueLegRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="QueueLegRow.seq"
    )


class QueueLegRow(Base):
    """One stay of a caller in one queue: the unit the service level counts."""

    __tablename__ = "queue_legs"
    __table_args__ = (Index("ix_queue_legs_queue_joined_at", "queue", "joined_at"),)

    uniqueid: Mapped[str] = mapped_column(
        ForeignKey("pbx_calls.uniqueid", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0, 1, ... in the call
    queue: Mapped[str] = mapped_column(String(64))  # the hotline's name (`general`)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    position: Mapped[int] = mapped_column(Integer)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    agent: Mapped[str | None] = mapped_column(String(64), index=True)
    agent_interface: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[QueueOutcome] = mapped_column(str_enum(QueueOutcome, "outcome"))
    within_three_rings: Mapped[bool] = mapped_column(Boolean)

    attempts: Mapped[list[RingAttemptRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RingAttemptRow.seq"
    )


class RingAttemptRow(Base):
    """One agent phone rung for one queue leg (`AgentCalled` to answer or `AgentRingNoAnswer`)."""

    __tablename__ = "ring_attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["uniqueid", "leg_seq"],
            ["queue_legs.uniqueid", "queue_legs.seq"],
            ondelete="CASCADE",
        ),
    )

    uniqueid: Mapped[str] = mapped_column(String(64), primary_key=True)
    leg_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    interface: Mapped[str] = mapped_column(String(100))
    member: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ring_seconds: Mapped[float | None] = mapped_column(Float)
    answered: Mapped[bool] = mapped_column(Boolean)


class Campaign(Base):
    """An outbound campaign: whom it calls (its targets), the flow an answered call runs, and
    its rules (calling window, pacing, retries) as JSON the dialer validates."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[CampaignKind] = mapped_column(str_enum(CampaignKind, "kind"))
    status: Mapped[CampaignStatus] = mapped_column(str_enum(CampaignStatus, "status"), index=True)
    flow: Mapped[str] = mapped_column(String(100))
    caller_id: Mapped[str] = mapped_column(String(64), default="")
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class DialTarget(Base):
    """One number a campaign must reach, and how that ended. A follow-up target is tied to the
    closing of its work order (`close_event_id`, unique): one closure, one follow-up."""

    __tablename__ = "dial_targets"
    __table_args__ = (Index("ix_dial_targets_state_next_at", "state", "next_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(8))
    account: Mapped[str | None] = mapped_column(String(10))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_type: Mapped[TicketType | None] = mapped_column(str_enum(TicketType, "ticket_type"))
    close_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_events.id"), unique=True
    )
    outage_id: Mapped[str | None] = mapped_column(String(64), index=True)
    notice_of: Mapped[str | None] = mapped_column(String(100))  # the outage times noticed
    # An outage notice must reach the customer by `notice_due` (the notice period before the
    # start or the changed time); `notice_late`: the outage was posted too late for that.
    notice_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notice_late: Mapped[bool | None] = mapped_column(Boolean)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first (key customers)
    state: Mapped[TargetState] = mapped_column(str_enum(TargetState, "state"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Answers of the answered call (survey: resolved, score 1-5, comment; notice: confirmed).
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[int | None] = mapped_column(Integer)
    comment_path: Mapped[str | None] = mapped_column(String(500))
    confirmed: Mapped[bool | None] = mapped_column(Boolean)
    escalation_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class DialAttempt(Base):
    """One dial, written (`dialling`) before the Originate goes out; `action_id` is what the
    PBX's OriginateResponse carries back."""

    __tablename__ = "dial_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("dial_targets.id"), index=True)
    action_id: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[str] = mapped_column(String(32))
    result: Mapped[AttemptResult] = mapped_column(str_enum(AttemptResult, "result"), index=True)
    dialer: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)
    cause: Mapped[str | None] = mapped_column(String(100))


class DoNotCall(Base):
    """A number no campaign may dial (imported, or the customer pressed 9)."""

    __tablename__ = "do_not_call"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FlowVersion(Base):
    """A flow file's text as it went into service: every accepted reload that changed it, who
    made the change (`system`/the OS user for the file watcher, the staff name for a page edit)
    and how (`start`, `reload`, `edit`, `rollback`)."""

    __tablename__ = "flow_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow: Mapped[str] = mapped_column(String(100), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    set_version: Mapped[str] = mapped_column(String(64))  # the flow set's hash, as calls record
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffSession(Base):
    """A signed-in member of staff. Only the SHA-256 of the cookie's id is kept: a copy of the
    table signs nobody in. Kept here so a restart of `ivr serve` signs nobody out."""

    __tablename__ = "staff_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class MonthlyReport(Base):
    """The report of a month (`YYYY-MM`), written once by whichever process claimed the row:
    `writing` while claimed, `ready` with its figures and XLSX."""

    __tablename__ = "monthly_reports"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    xlsx: Mapped[bytes | None] = mapped_column(LargeBinary)


class Announcement(Base):
    """An emergency announcement callers hear right after the greeting (storm days): what
    happened, what is being done, when the next update comes, in every language, until it
    expires or is ended. `areas` empty: every caller, identified or not."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)  # language -> {"what", "doing"}
    next_update_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    outage_id: Mapped[str | None] = mapped_column(String(64))  # drafted from this outage
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(100))
