"""Settings, from `IVR_*` environment variables and an optional TOML file (`IVR_CONFIG`).

A wrong setting stops start-up with a message that names it (`Settings.load` raises
`SettingsError`), rather than surfacing later in the middle of a call.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ivr.cpu_affinity import parse_cpu_list
from ivr.db.enums import Language

DEFAULT_DATA_DIR = Path("var")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


def _parse_bind(value: str, name: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:  # 0: any free port
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


class Settings(BaseSettings):
    """Every knob of the hotline. Environment names are the field names upper-cased with `IVR_`."""

    model_config = SettingsConfigDict(env_prefix="IVR_", extra="forbid")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""  # empty: SQLite at DATA_DIR/ivr.db
    agi_bind: str = "127.0.0.1:4573"
    http_bind: str = "127.0.0.1:8080"
    flows_dir: Path = Path("flows")
    prompts_dir: Path = Path("prompts")
    # Demo customers and bills the flows page's simulator calls with (its own sandbox database).
    demo_dir: Path = Path("demo")
    default_language: str = Language.ZH_CN.value
    country: str = "CN"  # region for parsing caller numbers without a country code
    timezone: str = "Asia/Shanghai"
    # One ring cycle in China is 1 s tone + 4 s silence; "three rings" is 3 x ring_seconds.
    ring_seconds: float = Field(default=5.0, gt=0, le=30)
    ami_url: str = ""  # ami://user:secret@host:5038; empty: no AMI
    outbound_dial: str = "PJSIP/{number}@carrier"
    agi_read_timeout: float = Field(default=30.0, gt=0)  # seconds to wait for Asterisk's reply
    # Seconds a prompt or recording may run beyond its own timeouts before Asterisk is presumed
    # gone: longer than the longest announcement (an outage list can run for minutes).
    agi_media_timeout: float = Field(default=600.0, gt=0)
    agi_header_limit: int = Field(default=16384, gt=0)  # bytes of agi_* environment accepted
    # The whole agi_* header must arrive within this many seconds (Asterisk sends it at once).
    agi_header_timeout: float = Field(default=5.0, gt=0)
    # FastAGI connections open at once; 0: sized from the open-file limit (ivr/agi/limits.py).
    agi_max_connections: int = Field(default=0, ge=0)
    tts_timeout: float = Field(default=10.0, gt=0)
    # Seconds a caller waits for their work order to be written; past it they are told and put
    # through to a person, and the work order is kept on disk and written when the database can.
    ticket_write_wait: float = Field(default=3.0, gt=0)
    shutdown_grace: float = Field(default=30.0, ge=0)  # seconds live calls get to finish on stop
    # With other processes on PostgreSQL: how often the open calls of dead ones are looked for.
    cluster_sweep_seconds: float = Field(default=10.0, gt=0)
    # Seconds one process's callers share an outage answer (a storm asks it thousands of times).
    # On PostgreSQL a change anywhere clears it at once; on SQLite a change made by another
    # process reaches callers within this lifetime.
    outage_cache_seconds: float = Field(default=2.0, gt=0, le=300)
    # vosk model directories (a deployment download); unset: pocketsphinx's embedded English.
    vosk_model_zh_cn: Path | None = None
    vosk_model_en_us: Path | None = None
    log_level: str = "INFO"
    # The repair crew's arrival commitment, the deadline of a repair work order (城区45分钟,
    # 农村90分钟, 特殊边远地区2小时: set it for the area this hotline serves).
    repair_arrival_hours: float = Field(default=0.75, gt=0, le=72)
    # Failed account verifications (account number + last four digits) per account and per
    # caller number, across calls: past the limit within the window, self-service is refused.
    verify_max_failures: int = Field(default=5, ge=1, le=100)
    verify_lockout_minutes: float = Field(default=30.0, gt=0, le=24 * 60)
    # Wallboard alarms: today's share answered within three rings below this (per cent), or a
    # caller waiting in a queue longer than this (seconds).
    alarm_three_rings_pct: float = Field(default=80.0, ge=0, le=100)
    alarm_wait_seconds: float = Field(default=60.0, gt=0)
    # Honest waits: past this estimated wait the caller is offered a callback instead.
    callback_offer_wait_seconds: float = Field(default=300.0, gt=0)
    # An agent's call length assumed for the estimate until the queue has measured ones.
    queue_talk_seconds: float = Field(default=180.0, gt=0, le=3600)
    # Calls about one area in a minute past which supervisors are alerted (and offered an
    # emergency announcement drafted from its outage).
    alarm_area_calls_per_minute: int = Field(default=20, ge=1)
    # Outbound: `ivr serve` runs the dialer (with AMI) unless this is false; `ivr dialer` runs
    # it alone. The trunk's simultaneous outbound calls cap every campaign's pacing together.
    dialer: bool = True
    dialer_name: str = ""  # in the attempts' records; empty: host name and process id
    trunk_channels: int = Field(default=30, ge=1, le=10000)
    # CPUs `ivr serve` keeps to, as `taskset -c` writes them (`1`, `0,2`, `2-3`); empty: the
    # kernel places it. One process a core: its threads then wake each other on one core
    # (ivr/cpu_affinity.py says what that saves and what shares the CPUs).
    cpus: str = ""

    @field_validator("agi_bind", "http_bind")
    @classmethod
    def _check_bind(cls, value: str) -> str:
        _parse_bind(value, "bind")
        return value

    @field_validator("cpus")
    @classmethod
    def _check_cpus(cls, value: str) -> str:
        if value.strip():
            parse_cpu_list(value)
        return value.strip()

    @property
    def cpu_set(self) -> frozenset[int]:
        """`cpus` as CPU numbers (empty: not set)."""
        return parse_cpu_list(self.cpus) if self.cpus else frozenset()

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        known = [language.value for language in Language]
        if value not in known:
            raise ValueError(f"expected {' or '.join(known)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("outbound_dial")
    @classmethod
    def _check_dial(cls, value: str) -> str:
        if "{number}" not in value:
            raise ValueError("the dial string must contain {number}, e.g. PJSIP/{number}@carrier")
        try:
            value.format(number="1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{number}} may be filled in ({exc})") from None
        return value

    @property
    def agi_address(self) -> tuple[str, int]:
        return _parse_bind(self.agi_bind, "agi_bind")

    @property
    def http_address(self) -> tuple[str, int]:
        return _parse_bind(self.http_bind, "http_bind")

    @property
    def prompt_cache_dir(self) -> Path:
        return self.data_dir / "prompt-cache"

    @property
    def voice_messages_dir(self) -> Path:
        """Callers' voice messages kept with work orders (shared with Asterisk, which writes
        them)."""
        return self.data_dir / "voice-messages"

    @property
    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL, accepting URLs as users write them (`sqlite:///x.db`, `postgresql://`)."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'ivr.db'}"
        for plain, driver in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            return url
        raise SettingsError(
            f"IVR_DATABASE_URL: unsupported database URL {url.split(':', 1)[0]!r} "
            "(use sqlite:///PATH or postgresql://USER@HOST/DB)"
        )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Settings from `IVR_CONFIG` (TOML, field names as keys), overridden by `IVR_*`."""
        file_values: dict[str, Any] = {}
        config_path = os.environ.get("IVR_CONFIG")
        if config_path:
            try:
                file_values = tomllib.loads(Path(config_path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SettingsError(f"IVR_CONFIG: cannot read {config_path}: {exc}") from exc
        env_names = {k[4:].lower() for k in os.environ if k.startswith("IVR_")}
        merged = {k: v for k, v in file_values.items() if k not in env_names} | overrides
        try:
            settings = cls(**merged)
            settings.sqlalchemy_url  # noqa: B018 - validate the URL now, not at first use
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                problems.append(f"IVR_{field.upper()}: {err['msg']}")
            raise SettingsError("; ".join(problems)) from None
        return settings
