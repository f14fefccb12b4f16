"""The hotline's services, built once over one database and handed to every caller of them.

`ivr.app` (the composition root) builds one `HotlineServices` for the call runner, the web app
and the dialer, so a dispatch update seen by the API clears the same outage cache calls read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ivr.db.session import Database
from ivr.services.agents import Agents
from ivr.services.announcements import Announcements
from ivr.services.bills import Bills
from ivr.services.calls import CallLog
from ivr.services.campaigns import Campaigns, RulesCheck
from ivr.services.customers import Customers
from ivr.services.dial_attempts import RetryPolicy
from ivr.services.do_not_call import DoNotCallList
from ivr.services.figures import Figures
from ivr.services.monthly_reports import MonthlyReports
from ivr.services.outage_cache import DEFAULT_TTL, CachedOutages
from ivr.services.outages import Outages
from ivr.services.pending_tickets import PendingTickets
from ivr.services.queue_stats import QueueStats
from ivr.services.staff_sessions import StaffSessions
from ivr.services.survey_board import SurveyBoard
from ivr.services.survey_calls import SurveyCalls
from ivr.services.surveys import Surveys
from ivr.services.tickets import Tickets
from ivr.services.tokens import Tokens
from ivr.services.users import Users
from ivr.services.verification import VerifyGuard
from ivr.services.voice_messages import VoiceMessages
from ivr.services.wrapups import Wrapups


@dataclass(frozen=True)
class HotlineServices:
    customers: Customers
    outages: Outages
    tickets: Tickets
    bills: Bills
    calls: CallLog
    agents: Agents
    tokens: Tokens
    queue_stats: QueueStats
    verification: VerifyGuard
    voice_messages: VoiceMessages
    users: Users
    figures: Figures
    wrapups: Wrapups
    surveys: Surveys
    campaigns: Campaigns
    survey_calls: SurveyCalls
    staff_sessions: StaffSessions
    survey_board: SurveyBoard
    monthly_reports: MonthlyReports
    announcements: Announcements  # emergency announcements and the calls per area
    do_not_call: DoNotCallList
    # Work orders the database could not take at once (None: they fail as before).
    pending_tickets: PendingTickets | None = None

    @classmethod
    def build(
        cls,
        db: Database,
        *,
        timezone: str,
        ring_seconds: float,
        repair_arrival_hours: float = 0.75,
        verify_max_failures: int = 5,
        verify_lockout_minutes: float = 30.0,
        voice_messages_dir: Path = Path("var/voice-messages"),
        ticket_spool: Path | None = None,
        ticket_wait: float = 3.0,
        outage_cache_seconds: float = DEFAULT_TTL,
        campaign_rules: RulesCheck = lambda raw: raw,  # the dialer's check, from ivr.app
        retry: RetryPolicy | None = None,  # the dialer's retry rules, from ivr.app
    ) -> HotlineServices:
        tickets = Tickets(db, timezone, repair_arrival=timedelta(hours=repair_arrival_hours))
        campaigns = Campaigns(db, campaign_rules)
        return cls(
            customers=Customers(db),
            # Storm callers on one area share a lookup.
            outages=CachedOutages(db, ttl=outage_cache_seconds),
            tickets=tickets,
            verification=VerifyGuard(
                db,
                max_failures=verify_max_failures,
                window=timedelta(minutes=verify_lockout_minutes),
            ),
            bills=Bills(db),
            calls=CallLog(db),
            agents=Agents(db),
            tokens=Tokens(db),
            # "Answered within three rings": the service-level threshold is three ring cycles.
            queue_stats=QueueStats(db, threshold=3 * ring_seconds),
            voice_messages=VoiceMessages(db, voice_messages_dir),
            users=Users(db),
            figures=Figures(db),
            wrapups=Wrapups(db),
            surveys=Surveys(db),
            campaigns=campaigns,
            survey_calls=SurveyCalls(db, tickets, campaigns, retry=retry),
            staff_sessions=StaffSessions(db),
            survey_board=SurveyBoard(db),
            monthly_reports=MonthlyReports(db),
            announcements=Announcements(db),
            do_not_call=DoNotCallList(db),
            pending_tickets=PendingTickets(db, tickets, ticket_spool, wait=ticket_wait)
            if ticket_spool is not None else None,
        )
