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
    ranked_skills: tuple[Skill, ...] = ()  # the same skills, primary first


class Agents:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, skill: Skill | str | None = None) -> list[AgentInfo]:
        """Every agent (or those with `skill`), by agent id."""
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(select(Agent).order_by(Agent.agent))
            agents = [_info(row) for row in rows]
        if skill is not None:
            agents = [a for a in agents if Skill(skill) in a.skills]
        return agents

    async def get(self, agent: str) -> AgentInfo | None:
        async with self._db.sessionmaker() as session:
            row = await session.get(Agent, agent)
            return _info(row) if row is not None else None


def _info(row: Agent) -> AgentInfo:
    ranked = tuple(Skill(s.skill) for s in row.skills)  # the relationship orders by position
    return AgentInfo(
        agent=row.agent,
        name=row.name,
        extension=row.extension,
        skills=frozenset(ranked),
        languages=frozenset(Language(lang.language) for lang in row.languages),
        ranked_skills=ranked,
    )
