"""Settings: a wrong value stops start-up with a message naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.main import cli
from ivr.config import Settings, SettingsError


def test_plain_database_urls_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", "postgresql://ivr@db.example/hotline")
    assert Settings.load().sqlalchemy_url == "postgresql+asyncpg://ivr@db.example/hotline"
    monkeypatch.setenv("IVR_DATABASE_URL", "sqlite:///srv/ivr.db")
    assert Settings.load().sqlalchemy_url == "sqlite+aiosqlite:///srv/ivr.db"


@pytest.mark.parametrize(
    "name,value,says",
    [
        ("IVR_AGI_BIND", "4573", "IVR_AGI_BIND"),
        ("IVR_HTTP_BIND", "localhost:99999", "IVR_HTTP_BIND"),
        ("IVR_RING_SECONDS", "-1", "IVR_RING_SECONDS"),
        ("IVR_DEFAULT_LANGUAGE", "fr-FR", "IVR_DEFAULT_LANGUAGE"),
        ("IVR_DATABASE_URL", "mysql://root@localhost/ivr", "IVR_DATABASE_URL"),
        ("IVR_LOG_LEVEL", "verbose", "IVR_LOG_LEVEL"),
        ("IVR_TIMEZONE", "Mars/Base", "IVR_TIMEZONE"),
        ("IVR_OUTBOUND_DIAL", "PJSIP/carrier", "IVR_OUTBOUND_DIAL"),
        ("IVR_OUTBOUND_DIAL", "PJSIP/{number}@{trunk}", "IVR_OUTBOUND_DIAL"),
    ],
)
def test_a_wrong_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=says):
        Settings.load()


def test_config_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "ivr.toml"
    config.write_text('agi_bind = "0.0.0.0:4600"\nring_seconds = 4\n', encoding="utf-8")
    monkeypatch.setenv("IVR_CONFIG", str(config))
    monkeypatch.setenv("IVR_RING_SECONDS", "6")
    settings = Settings.load()
    assert settings.agi_address == ("0.0.0.0", 4600)
    assert settings.ring_seconds == 6


def test_a_broken_config_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "ivr.toml"
    config.write_text("agi_bind = \n", encoding="utf-8")
    monkeypatch.setenv("IVR_CONFIG", str(config))
    with pytest.raises(SettingsError, match="IVR_CONFIG"):
        Settings.load()


def test_the_command_line_reports_a_wrong_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_AGI_BIND", "nowhere")
    result = CliRunner().invoke(cli, ["flows", "check"])
    assert result.exit_code == 1
    assert "IVR_AGI_BIND" in result.output


def test_serve_refuses_an_unmigrated_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IVR_AGI_BIND", "127.0.0.1:0")
    monkeypatch.setenv("IVR_HTTP_BIND", "127.0.0.1:0")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert "run `ivr db upgrade`" in result.output
