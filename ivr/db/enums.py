"""The closed value sets stored in the database; their values are what CSV and the API carry."""

from __future__ import annotations

from enum import StrEnum


class CustomerClass(StrEnum):
    RESIDENTIAL = "residential"
    LOW_VOLTAGE = "low_voltage"
    HIGH_VOLTAGE_SINGLE = "high_voltage_single"
    HIGH_VOLTAGE_DUAL = "high_voltage_dual"


class Language(StrEnum):
    ZH_CN = "zh-CN"
    EN_US = "en-US"


class OutageKind(StrEnum):
    PLANNED = "planned"
    FAULT = "fault"
    LOAD_SHEDDING = "load_shedding"


class OutageStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    RESTORED = "restored"


class Skill(StrEnum):
    REPAIR = "repair"
    BILLING = "billing"
    COMPLAINT = "complaint"
    GENERAL = "general"
    EMERGENCY = "emergency"


class TicketType(StrEnum):
    """Contact classes from the service rules.

    故障报修, 投诉, 举报, 咨询, 意见建议, 表扬, 业务受理, 计量.
    """

    REPAIR = "repair"
    COMPLAINT = "complaint"
    REPORT = "report"  # a report of misconduct (举报)
    ENQUIRY = "enquiry"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    APPLICATION = "application"  # a service application (业务受理)
    METER_CHECK = "meter_check"  # meter accuracy check (计费电能表校验)
    READING_DISPUTE = "reading_dispute"  # disputed meter reading (抄表数据异常)
    ESCALATION = "escalation"  # a follow-up found the customer unhappy: for a supervisor (回访升级)


class ContactType(StrEnum):
    """What a call was about, from the service rules: each contact is classified as one of these.

    停电信息, 故障报修, 投诉, 举报, 用电信息查询, 咨询, 业务受理, 意见建议, 表扬.
    Outage information and account queries are answered without a work order, so this is not
    `TicketType`.
    """

    OUTAGE_INFO = "outage_info"
    REPAIR = "repair"
    COMPLAINT = "complaint"
    REPORT = "report"
    ACCOUNT_QUERY = "account_query"
    ENQUIRY = "enquiry"
    APPLICATION = "application"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class TicketEventKind(StrEnum):
    """What one entry in a work order's history records."""

    OPENED = "opened"
    STATUS = "status"  # a move between open and in_progress
    ASSIGNED = "assigned"  # a new owner, with the reason
    NOTE = "note"
    CONTACTED = "contacted"  # the customer was reached (or, for a repair, the crew arrived)
    CLOSED = "closed"
    REOPENED = "reopened"


class CalendarDayKind(StrEnum):
    """An entry of the official holiday schedule an administrator loads."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"  # a weekend day made a working day (调休)


class CallOutcome(StrEnum):
    SELF_SERVED = "self_served"
    TRANSFERRED = "transferred"
    CALLER_HUNG_UP = "caller_hung_up"
    ERROR = "error"
    # The IVR stopped mid-call (kill -9, power loss): closed at the next start.
    INTERRUPTED = "interrupted"


class QueueOutcome(StrEnum):
    """How a caller's stay in a queue ended."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"  # the caller hung up while waiting
    TIMEOUT = "timeout"  # the queue gave up (timeout, leavewhenempty) or the dialplan moved on


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    SURVEY = "survey"
    DISPATCH = "dispatch"
    ADMIN = "admin"


class CampaignKind(StrEnum):
    """What an outbound campaign is for."""

    FOLLOW_UP = "follow_up"  # the standing 100% follow-up of closed repairs, complaints, reports
    OUTAGE_NOTICE = "outage_notice"  # key and own-transformer customers told of an outage
    CALLBACK = "callback"  # the callbacks the IVR promised
    LIST = "list"  # numbers imported from CSV


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class TargetState(StrEnum):
    """Where one number of a campaign stands. Every state but pending and dialling is an end."""

    PENDING = "pending"  # next_at says when, reason says why it waits
    DIALLING = "dialling"  # an attempt is in flight
    COMPLETED = "completed"
    REFUSED = "refused"  # answered, declined to take part
    OPTED_OUT = "opted_out"  # pressed 9: on the do-not-call list
    WRONG_PERSON = "wrong_person"
    UNREACHABLE = "unreachable"  # retries used up, or no number to call
    DO_NOT_CALL = "do_not_call"  # the number was on the do-not-call list before it was dialled
    CANCELLED = "cancelled"  # the campaign was stopped, or the outage no longer needs notice


class AttemptResult(StrEnum):
    """One dial of one target. `dialling` is written before the Originate is sent."""

    DIALLING = "dialling"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CONGESTION = "congestion"
    FAILED = "failed"
    MACHINE = "machine"  # answering machine (AMD)
    LOST = "lost"  # the dialer died with it in flight: counted, retried per the rules
