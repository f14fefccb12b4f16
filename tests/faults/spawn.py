"""`ivr serve` as a real child process, for faults only a whole process shows (kill -9, the
open-file limit), and the prompt cache it needs rendered once per test session."""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hotline import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def prompt_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every static prompt rendered once (espeak-ng), shared by the spawned servers."""
    data_dir = tmp_path_factory.mktemp("faults-prompts")
    env = os.environ | {"IVR_DATA_DIR": str(data_dir), "IVR_DATABASE_URL": "",
                        "IVR_FLOWS_DIR": str(ROOT / "flows"),
                        "IVR_PROMPTS_DIR": str(ROOT / "prompts")}
    subprocess.run([sys.executable, "-m", "ivr.cli.main", "prompts", "build"], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return data_dir / "prompt-cache"


@dataclass
class Served:
    """One `ivr serve` process; `start()` again after `kill()` is a restart on the same ports."""

    data_dir: Path
    database_url: str
    prompt_cache: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    open_files: int | None = None  # hard and soft RLIMIT_NOFILE of the child
    agi_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"serve-{self.starts}.log"

    def env(self) -> dict[str, str]:
        return os.environ | {
            "IVR_DATA_DIR": str(self.data_dir),
            "IVR_DATABASE_URL": self.database_url,
            "IVR_AGI_BIND": f"127.0.0.1:{self.agi_port}",
            "IVR_HTTP_BIND": f"127.0.0.1:{self.http_port}",
            "IVR_FLOWS_DIR": str(ROOT / "flows"),
            "IVR_PROMPTS_DIR": str(ROOT / "prompts"),
            "IVR_SHUTDOWN_GRACE": "2",
        } | self.extra_env

    async def start(self, wait: float = 60) -> None:
        self.launch()
        deadline = time.monotonic() + wait
        while True:
            assert self.process is not None
            log = self.log_path.read_text(errors="replace")
            if self.process.poll() is not None:
                raise AssertionError(f"ivr serve exited: {log[-3000:]}")
            if "hotline up" in log:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"ivr serve did not start: {log[-3000:]}")
            await asyncio.sleep(0.1)

    def launch(self) -> None:
        cache = self.data_dir / "prompt-cache"
        if not cache.exists():
            shutil.copytree(self.prompt_cache, cache)
        self.starts += 1
        limit = self.open_files

        def limit_files() -> None:
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ivr.cli.main", "serve"], env=self.env(), stdout=log,
            stderr=subprocess.STDOUT, preexec_fn=limit_files if limit else None,
        )
        log.close()

    def kill(self) -> None:
        """kill -9: no shutdown, no grace, no final writes."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """An `ivr` command against the same database (e.g. an import)."""
        return subprocess.run([sys.executable, "-m", "ivr.cli.main", *args], env=self.env(),
                              capture_output=True, text=True, check=False)


SpawnServe = Callable[..., Served]


@pytest.fixture
def spawn_serve(
    database_url: str, prompt_cache: Path, tmp_path: Path
) -> Iterator[SpawnServe]:
    """`spawn_serve(open_files=256, extra_env={...})` -> a `Served` (not yet started)."""
    served: list[Served] = []

    def make(**options: object) -> Served:
        server = Served(tmp_path, database_url, prompt_cache, **options)  # type: ignore[arg-type]
        served.append(server)
        return server

    yield make
    for server in served:
        server.stop()
