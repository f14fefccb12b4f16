"""The `api` fixture for every web test."""

from tests.web.api_client import api

__all__ = ["api"]
