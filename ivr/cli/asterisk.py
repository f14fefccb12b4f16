"""`ivr asterisk agents-conf`: the Asterisk include files generated from the agents table.

Writes `pjsip-agents.conf` (each agent's phone) and `queues-members.conf` (each agent in the
queues of their skills, primary skill at penalty 0). Phone passwords are derived from a site key
kept in DATA_DIR/agent-phones.key (created on first use, readable by its owner only), so running
the command again after an import keeps every phone's password.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

import click

from ivr.ami.agents_conf import (
    AgentConfError,
    AgentSeat,
    derived_password,
    pjsip_agents_conf,
    queue_members_conf,
)
from ivr.config import Settings
from ivr.db.session import Database, DatabaseNotMigrated
from ivr.services.agents import Agents

KEY_FILE = "agent-phones.key"
PJSIP_FILE = "pjsip-agents.conf"
MEMBERS_FILE = "queues-members.conf"


@click.group()
def asterisk() -> None:
    """The Asterisk side: files generated from the hotline's data."""


@asterisk.command("agents-conf")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("asterisk-conf"),
    show_default=True,
    help="Directory to write the include files to (Asterisk's /etc/asterisk).",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Site key for phone passwords [default: DATA_DIR/{KEY_FILE}].",
)
@click.pass_obj
def agents_conf(settings: Settings, out: Path, key_file: Path | None) -> None:
    """Write pjsip-agents.conf and queues-members.conf from the agents table."""
    try:
        seats = asyncio.run(_seats(settings))
        key = site_key(key_file or settings.data_dir / KEY_FILE)
        pjsip = pjsip_agents_conf(seats, lambda seat: derived_password(key, seat))
        members = queue_members_conf(seats)
    except (DatabaseNotMigrated, AgentConfError) as exc:
        raise click.ClickException(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    _write(out / PJSIP_FILE, pjsip, mode=0o640)  # holds phone passwords
    _write(out / MEMBERS_FILE, members, mode=0o644)
    click.echo(f"{len(seats)} agents: wrote {out / PJSIP_FILE} and {out / MEMBERS_FILE}")
    click.echo(
        'apply with: asterisk -rx "module reload res_pjsip.so"; asterisk -rx "queue reload members"'
    )


def site_key(path: Path) -> bytes:
    """The site key at `path`, created (32 random bytes, hex, mode 0600) if missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise click.ClickException(f"{path}: the site key is too short (32+ characters)")
    return key.encode("ascii")


async def _seats(settings: Settings) -> list[AgentSeat]:
    database = Database.from_settings(settings)
    try:
        await database.check_migrated()
        agents = await Agents(database).list()
    finally:
        await database.close()
    return [AgentSeat(a.agent, a.name, a.extension, a.ranked_skills) for a in agents]


def _write(path: Path, text: str, *, mode: int) -> None:
    """Replace `path` at once, so Asterisk never reads a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)  # O_CREAT's mode is cut by the umask
    os.replace(tmp, path)
