"""The `api` fixture (tokens per role over real HTTP) for the storm-day tests."""

from tests.web.api_client import api

__all__ = ["api"]
