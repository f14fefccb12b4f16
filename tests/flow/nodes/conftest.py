"""Node tests run on real services over a fresh database (tests/conftest.py `db`)."""

from __future__ import annotations

import pytest

from ivr.db.session import Database
from ivr.flow.services import FlowServices
from tests.flow.nodes.factory import TIMEZONE


@pytest.fixture
def services(db: Database) -> FlowServices:
    return FlowServices.from_database(db, TIMEZONE)
