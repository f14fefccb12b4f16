"""customers, outages, bills, agents, work orders, calls, API tokens

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:29:16.777179
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("extension", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("agent", name=op.f("pk_agents")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "agent",
                "supervisor",
                "survey",
                "dispatch",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_name"), ["name"], unique=False)

    op.create_table(
        "calls",
        sa.Column("uniqueid", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("account", sa.String(length=10), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("flow_name", sa.String(length=100), nullable=True),
        sa.Column("flow_version", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "self_served",
                "transferred",
                "caller_hung_up",
                "error",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("uniqueid", name=op.f("pk_calls")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_started_at"), ["started_at"], unique=False)

    op.create_table(
        "customers",
        sa.Column("account", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("transformer", sa.String(length=100), nullable=False),
        sa.Column(
            "customer_class",
            sa.Enum(
                "residential",
                "low_voltage",
                "high_voltage_single",
                "high_voltage_dual",
                name="customer_class",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("key_customer", sa.Boolean(), nullable=False),
        sa.Column("manager_phone", sa.String(length=16), nullable=True),
        sa.Column(
            "language",
            sa.Enum(
                "zh-CN",
                "en-US",
                name="language",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_area"), ["area"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_transformer"), ["transformer"], unique=False)

    op.create_table(
        "outages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "planned",
                "fault",
                "load_shedding",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restore_eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "active",
                "restored",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outages")),
    )
    with op.batch_alter_table("outages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outages_status"), ["status"], unique=False)

    op.create_table(
        "ticket_counters",
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "agent_languages",
        sa.Column(
            "language",
            sa.Enum(
                "zh-CN",
                "en-US",
                name="language",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent"],
            ["agents.agent"],
            name=op.f("fk_agent_languages_agent_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("language", "agent", name=op.f("pk_agent_languages")),
    )
    with op.batch_alter_table("agent_languages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_languages_agent"), ["agent"], unique=False)

    op.create_table(
        "agent_skills",
        sa.Column(
            "skill",
            sa.Enum(
                "repair",
                "billing",
                "complaint",
                "general",
                "emergency",
                name="skill",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent"],
            ["agents.agent"],
            name=op.f("fk_agent_skills_agent_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("skill", "agent", name=op.f("pk_agent_skills")),
    )
    with op.batch_alter_table("agent_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_skills_agent"), ["agent"], unique=False)

    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kwh", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount_due", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_paid", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account"], ["customers.account"], name=op.f("fk_bills_account_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("account", "period", name=op.f("uq_bills_account")),
    )
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bills_account"), ["account"], unique=False)

    op.create_table(
        "call_events",
        sa.Column("uniqueid", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uniqueid"],
            ["calls.uniqueid"],
            name=op.f("fk_call_events_uniqueid_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("uniqueid", "seq", name=op.f("pk_call_events")),
    )
    op.create_table(
        "outage_areas",
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("outage_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["outage_id"],
            ["outages.id"],
            name=op.f("fk_outage_areas_outage_id_outages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("area", "outage_id", name=op.f("pk_outage_areas")),
    )
    with op.batch_alter_table("outage_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outage_areas_outage_id"), ["outage_id"], unique=False)

    op.create_table(
        "outage_transformers",
        sa.Column("transformer", sa.String(length=100), nullable=False),
        sa.Column("outage_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["outage_id"],
            ["outages.id"],
            name=op.f("fk_outage_transformers_outage_id_outages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("transformer", "outage_id", name=op.f("pk_outage_transformers")),
    )
    with op.batch_alter_table("outage_transformers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outage_transformers_outage_id"), ["outage_id"], unique=False
        )

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "repair",
                "complaint",
                "report",
                "enquiry",
                "suggestion",
                "praise",
                "application",
                "meter_check",
                "reading_dispute",
                name="type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "closed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("account", sa.String(length=10), nullable=True),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("outage_id", sa.String(length=64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("call_uniqueid", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outages.id"], name=op.f("fk_tickets_outage_id_outages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_account"), ["account"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tickets_call_uniqueid"), ["call_uniqueid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tickets_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_outage_id"), ["outage_id"], unique=False)
        batch_op.create_index("ix_tickets_type_status", ["type", "status"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "open",
                "in_progress",
                "closed",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "open",
                "in_progress",
                "closed",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_events_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_type_status")
        batch_op.drop_index(batch_op.f("ix_tickets_outage_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_created_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_call_uniqueid"))
        batch_op.drop_index(batch_op.f("ix_tickets_account"))

    op.drop_table("tickets")
    with op.batch_alter_table("outage_transformers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outage_transformers_outage_id"))

    op.drop_table("outage_transformers")
    with op.batch_alter_table("outage_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outage_areas_outage_id"))

    op.drop_table("outage_areas")
    op.drop_table("call_events")
    with op.batch_alter_table("bills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bills_account"))

    op.drop_table("bills")
    with op.batch_alter_table("agent_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_skills_agent"))

    op.drop_table("agent_skills")
    with op.batch_alter_table("agent_languages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_languages_agent"))

    op.drop_table("agent_languages")
    op.drop_table("ticket_counters")
    with op.batch_alter_table("outages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outages_status"))

    op.drop_table("outages")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_transformer"))
        batch_op.drop_index(batch_op.f("ix_customers_phone"))
        batch_op.drop_index(batch_op.f("ix_customers_area"))

    op.drop_table("customers")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_started_at"))
        batch_op.drop_index(batch_op.f("ix_calls_account"))

    op.drop_table("calls")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_name"))

    op.drop_table("api_tokens")
    op.drop_table("agents")
