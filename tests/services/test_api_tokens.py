from __future__ import annotations

import pytest
from sqlalchemy import select

from ivr.db.enums import Role
from ivr.db.models import ApiToken
from ivr.db.session import Database
from ivr.services.errors import NotFound, ValidationError
from ivr.services.tokens import Principal, Tokens


async def test_create_authenticate_revoke(db: Database) -> None:
    tokens = Tokens(db)
    token = await tokens.create("dispatch", "outage-feed")
    assert await tokens.authenticate(token) == Principal("outage-feed", Role.DISPATCH)
    assert await tokens.authenticate(token + "x") is None
    assert await tokens.authenticate("") is None
    async with db.sessionmaker() as session:
        stored = list(await session.scalars(select(ApiToken.token_sha256)))
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64

    await tokens.revoke("outage-feed")
    assert await tokens.authenticate(token) is None
    with pytest.raises(NotFound):
        await tokens.revoke("outage-feed")
    renewed = await tokens.create("dispatch", "outage-feed")
    assert renewed != token
    assert await tokens.authenticate(renewed) == Principal("outage-feed", Role.DISPATCH)


async def test_bad_role_and_duplicate_name(db: Database) -> None:
    tokens = Tokens(db)
    with pytest.raises(ValidationError) as excinfo:
        await tokens.create("root", "x")
    assert excinfo.value.field == "role"
    await tokens.create(Role.AGENT, "desk-1")
    with pytest.raises(ValidationError) as excinfo:
        await tokens.create(Role.AGENT, "desk-1")
    assert excinfo.value.field == "name"
