"""Fixtures shared by the tests against a real Asterisk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pbx_sounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hotline's own sounds for Asterisk (`ivr prompts pbx-sounds`), rendered once."""
    out = tmp_path_factory.mktemp("pbx-sounds")
    subprocess.run([sys.executable, "-m", "ivr.cli.main", "prompts", "pbx-sounds", "--out",
                    str(out)], check=True, capture_output=True)
    return out
