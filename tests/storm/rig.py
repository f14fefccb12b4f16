"""The shipped flows with site settings (queue hours), a hotline on them, and a caller."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ivr.app import Hotline
from ivr.db.models import DialTarget
from ivr.db.session import Database
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.config import ExecBehaviour, PbxConfig
from ivr.pbxsim.transcript import CallTranscript
from tests.hotline import CALLER, ROOT


def site_flows(tmp_path: Path, hours_yaml: str) -> Path:
    """A copy of the shipped flows with `hours_yaml` as flows/hours/queues.yaml."""
    flows = tmp_path / "site-flows"
    shutil.copytree(ROOT / "flows", flows)
    (flows / "hours" / "queues.yaml").write_text(hours_yaml, encoding="utf-8")
    return flows


def fixed_clock(at: datetime) -> Callable[[], datetime]:
    return lambda: at


async def place(hotline: Hotline, *responses: str, caller: str | None = CALLER,
                queue_status: str = "") -> CallTranscript:
    config = PbxConfig()
    if queue_status:
        config.applications = dict(config.applications) | {
            "queue": ExecBehaviour(0, sets={"QUEUESTATUS": queue_status})}
    return await simulate_call("127.0.0.1", hotline.agi_port, caller=caller,
                               responses=responses, config=config)


def queues_run(t: CallTranscript) -> list[str]:
    return [a.args for a in t.apps if a.application.lower() == "queue"]


async def callbacks(db: Database) -> list[DialTarget]:
    async with db.sessionmaker() as session:
        return list(await session.scalars(select(DialTarget).order_by(DialTarget.id)))
