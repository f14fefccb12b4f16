"""The agents file ranks skills: the first is primary. Import keeps that order, re-import too."""

from __future__ import annotations

from pathlib import Path

from ivr.ami.agents_conf import memberships
from ivr.db.enums import Skill
from ivr.db.session import Database
from ivr.importer import import_csv
from ivr.services.agents import Agents

HEADER = "agent,name,extension,skills,languages\n"


async def test_skill_order_survives_import_and_reimport(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text(
        HEADER
        + 'A001,Li Na,8001,"general; repair; emergency",zh-CN\n'
        + "A002,Wang Fang,8002,emergency;billing;emergency,zh-CN\n",
        encoding="utf-8",
    )
    await import_csv(db, "agents", path)
    agents = Agents(db)
    a001 = await agents.get("A001")
    assert a001 is not None
    assert a001.ranked_skills == (Skill.GENERAL, Skill.REPAIR, Skill.EMERGENCY)
    assert a001.skills == {Skill.GENERAL, Skill.REPAIR, Skill.EMERGENCY}
    assert memberships(a001.ranked_skills) == [("general", 0), ("repair", 1), ("emergency", 1)]
    a002 = await agents.get("A002")
    assert a002 is not None and a002.ranked_skills == (Skill.EMERGENCY, Skill.BILLING)

    path.write_text(HEADER + "A001,Li Na,8001,repair;general,zh-CN\n", encoding="utf-8")
    await import_csv(db, "agents", path)
    a001 = await agents.get("A001")
    assert a001 is not None and a001.ranked_skills == (Skill.REPAIR, Skill.GENERAL)
    assert [a.ranked_skills for a in await agents.list(skill="repair")] == [
        (Skill.REPAIR, Skill.GENERAL)
    ]
    assert await agents.get("A404") is None
