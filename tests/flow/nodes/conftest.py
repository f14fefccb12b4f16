"""Node tests run on real services over a fresh database (tests/conftest.py `db`)."""

from __future__ import annotations

import pytest

from ivr.db.session import Database
from ivr.services.hotline_services import HotlineServices
from tests.flow.nodes.factory import RING_SECONDS, TIMEZONE


@pytest.fixture
def services(db: Database) -> HotlineServices:
    return HotlineServices.build(db, timezone=TIMEZONE, ring_seconds=RING_SECONDS)
