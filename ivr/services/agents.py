"""The agents who take the calls the IVR hands over."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ivr.db.enums import Language, Skill
from ivr.db.models import Agent
from ivr.db.session import Database


@dataclass(frozen=True)
class AgentInfo:
    agent: str
    name: str
    extension: str
    skills: frozenset[Skill]
    languages: frozenset[Language]


class Agents:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, skill: Skill | str | None = None) -> list[AgentInfo]:
        """Every agent (or those with `skill`), by agent id."""
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(select(Agent).order_by(Agent.agent))
            agents = [
                AgentInfo(
                    agent=row.agent,
                    name=row.name,
                    extension=row.extension,
                    skills=frozenset(Skill(s.skill) for s in row.skills),
                    languages=frozenset(Language(lang.language) for lang in row.languages),
                )
                for row in rows
            ]
        if skill is not None:
            agents = [a for a in agents if Skill(skill) in a.skills]
        return agents
