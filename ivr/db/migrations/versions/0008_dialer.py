"""dialer: campaigns, their targets (follow-ups tied to work-order closures), attempts written
before they are dialled, the do-not-call list

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ("follow_up", "outage_notice", "callback", "list")
_STATUSES = ("draft", "running", "paused", "stopped")
_STATES = ("pending", "dialling", "completed", "refused", "opted_out", "wrong_person",
           "unreachable", "do_not_call", "cancelled")
_RESULTS = ("dialling", "answered", "no_answer", "busy", "congestion", "failed", "machine",
            "lost")
_TICKET_TYPES = ("repair", "complaint", "report", "enquiry", "suggestion", "praise",
                 "application", "meter_check", "reading_dispute")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", _enum(_KINDS, "kind"), nullable=False),
        sa.Column("status", _enum(_STATUSES, "status"), nullable=False),
        sa.Column("flow", sa.String(length=100), nullable=False),
        sa.Column("caller_id", sa.String(length=64), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_index(op.f("ix_campaigns_status"), "campaigns", ["status"], unique=False)
    op.create_table(
        "dial_targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("account", sa.String(length=10), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_type", _enum(_TICKET_TYPES, "ticket_type"), nullable=True),
        sa.Column("close_event_id", sa.Integer(), nullable=True),
        sa.Column("outage_id", sa.String(length=64), nullable=True),
        sa.Column("notice_of", sa.String(length=100), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", _enum(_STATES, "state"), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment_path", sa.String(length=500), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=True),
        sa.Column("escalation_ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_dial_targets_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_dial_targets_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["close_event_id"], ["ticket_events.id"],
                                name=op.f("fk_dial_targets_close_event_id_ticket_events")),
        sa.ForeignKeyConstraint(["escalation_ticket_id"], ["tickets.id"],
                                name=op.f("fk_dial_targets_escalation_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dial_targets")),
        sa.UniqueConstraint("close_event_id", name=op.f("uq_dial_targets_close_event_id")),
    )
    for column in ("campaign_id", "number", "ticket_id", "outage_id", "created_at"):
        op.create_index(op.f(f"ix_dial_targets_{column}"), "dial_targets", [column])
    op.create_index("ix_dial_targets_state_next_at", "dial_targets", ["state", "next_at"])
    op.create_table(
        "dial_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("result", _enum(_RESULTS, "result"), nullable=False),
        sa.Column("dialer", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uniqueid", sa.String(length=64), nullable=True),
        sa.Column("cause", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["target_id"], ["dial_targets.id"],
                                name=op.f("fk_dial_attempts_target_id_dial_targets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dial_attempts")),
        sa.UniqueConstraint("action_id", name=op.f("uq_dial_attempts_action_id")),
    )
    for column in ("target_id", "result", "uniqueid"):
        op.create_index(op.f(f"ix_dial_attempts_{column}"), "dial_attempts", [column])
    op.create_table(
        "do_not_call",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_do_not_call")),
    )


def downgrade() -> None:
    op.drop_table("do_not_call")
    op.drop_table("dial_attempts")
    op.drop_table("dial_targets")
    op.drop_index(op.f("ix_campaigns_status"), table_name="campaigns")
    op.drop_table("campaigns")
