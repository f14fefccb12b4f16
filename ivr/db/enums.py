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


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


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
