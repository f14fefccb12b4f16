"""A real Asterisk (IVR_TEST_ASTERISK) running the shipped asterisk-conf/ in a temporary directory,
with the site files filled in for loopback: the AMI port and SIP port free ones, the FastAGI
address given, optionally a carrier trunk identified by 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .confparse import CONF

ASTERISK = os.environ.get("IVR_TEST_ASTERISK", "")
needs_asterisk = pytest.mark.skipif(
    not ASTERISK, reason="set IVR_TEST_ASTERISK to an Asterisk 20/22 binary to run these"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Pbx:
    url: str  # the IVR's IVR_AMI_URL
    conf: Path  # asterisk.conf of this instance
    root: Path
    sip_port: int

    def rx(self, command: str) -> str:
        """A CLI command over the instance's control socket."""
        return subprocess.run(
            [ASTERISK, "-C", str(self.conf), "-rx", command],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout

    def messages(self) -> str:
        return (self.root / "log" / "messages.log").read_text(errors="replace")

    def has_module_file(self, module: str) -> bool:
        settings = self.rx("core show settings")
        line = next(ln for ln in settings.splitlines() if "Module directory:" in ln)
        return (Path(line.split(":", 1)[1].strip()) / module).is_file()


def _wait_for_ami(proc: subprocess.Popen[bytes], port: int, console: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Asterisk exited ({proc.returncode}):\n{console.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"AMI did not open on port {port}:\n{console.read_text()[-3000:]}")


# A carrier trunk for SIPp on this host: identified by address, no registration, no qualify.
LOOPBACK_CARRIER = """[carrier](carrier-endpoint)
aors = carrier
[carrier](carrier-aor)
[carrier](carrier-identify)
endpoint = carrier
match = 127.0.0.1
"""


def stock_data_dir() -> Path | None:
    """The binary's own astdatadir (XML documentation, sounds), for the usual install layouts."""
    prefix = Path(ASTERISK).resolve().parent.parent
    for candidate in (prefix / "var/lib/asterisk", prefix / "share/asterisk",
                      Path("/var/lib/asterisk"), Path("/usr/share/asterisk")):
        if (candidate / "documentation").is_dir():
            return candidate
    return None


def data_dir_with_sounds(root: Path, sounds: Path) -> Path:
    """An astdatadir that is the binary's own with the hotline's sounds (`ivr prompts
    pbx-sounds`) added to its sounds directory; the binary's own files are linked, not copied."""
    stock = stock_data_dir()
    if stock is None:
        pytest.skip(f"cannot find the data directory of {ASTERISK}")
    data = root / "data"
    data.mkdir()
    for entry in stock.iterdir():
        if entry.name != "sounds":
            (data / entry.name).symlink_to(entry)
    shutil.copytree(sounds, data / "sounds")
    for entry in (stock / "sounds").glob("*/*"):  # <language>/<file or folder>
        target = data / "sounds" / entry.parent.name / entry.name
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            target.symlink_to(entry)
    return data


@contextmanager
def running_asterisk(
    root: Path,
    agi_port: int | Sequence[int],
    *,
    carrier: str = "",
    globals_extra: str = "",
    sounds: Path | None = None,
    dialplan_extra: str = "",
    modules_extra: Sequence[str] = (),
) -> Iterator[Pbx]:
    """Asterisk in the foreground on `root`, the IVR expected on 127.0.0.1:`agi_port` (several
    ports: IVR_AGI_HOSTS lists each, in this order); with `sounds`, the hotline's own sounds
    installed beside the binary's. `dialplan_extra` (contexts) is appended to this copy's
    extensions.conf and `modules_extra` loaded besides modules.conf's: the test's own callee."""
    etc = root / "etc"
    shutil.copytree(CONF, etc)
    ports = [agi_port] if isinstance(agi_port, int) else list(agi_port)
    agi_hosts = "&".join(f"127.0.0.1:{port}" for port in ports)
    if dialplan_extra:
        with (etc / "extensions.conf").open("a") as f:
            f.write("\n" + dialplan_extra)
    if modules_extra:
        with (etc / "modules.conf").open("a") as f:
            f.write("".join(f"load = {module}\n" for module in modules_extra))
    ami_port, sip_port = free_port(), free_port()
    for d in ("run", "log", "lib", "spool", "db"):
        (root / d).mkdir()
    # The shipped [options] (maxcalls, maxfiles) with this instance's directories. astdatadir
    # is the binary's own (its XML documentation, without which the core refuses to start, and
    # its sounds), or a copy of it with the hotline's sounds added.
    data = f"astdatadir => {data_dir_with_sounds(root, sounds)}\n" if sounds else ""
    options = (CONF / "asterisk.conf").read_text().replace("[options]", "[options]\nnocolor = yes")
    (etc / "asterisk.conf").write_text(
        "[directories]\n"
        f"astetcdir => {etc}\nastrundir => {root / 'run'}\nastlogdir => {root / 'log'}\n"
        f"astvarlibdir => {root / 'lib'}\nastspooldir => {root / 'spool'}\n"
        f"astdbdir => {root / 'db'}\n{data}\n" + options
    )
    secret = "test-" + os.urandom(8).hex()
    manager = (etc / "manager.conf").read_text().replace("port = 5038", f"port = {ami_port}")
    (etc / "manager.conf").write_text(manager)
    (etc / "manager-ivr.conf").write_text(
        (etc / "manager-ivr.conf.sample").read_text().replace("CHANGE-ME", secret)
    )
    (etc / "hotline-globals.conf").write_text(
        f"IVR_AGI_HOSTS = {agi_hosts}\n{globals_extra}"
    )
    pjsip = (etc / "pjsip.conf").read_text().replace("0.0.0.0:5060", f"127.0.0.1:{sip_port}")
    (etc / "pjsip.conf").write_text(pjsip)
    if carrier:
        (etc / "pjsip-carrier.conf").write_text(carrier)
    console = root / "console.log"
    with console.open("wb") as out:
        proc = subprocess.Popen(
            [ASTERISK, "-f", "-n", "-C", str(etc / "asterisk.conf")],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_for_ami(proc, ami_port, console)
        pbx = Pbx(
            f"ami://hotline-ivr:{secret}@127.0.0.1:{ami_port}",
            etc / "asterisk.conf",
            root,
            sip_port,
        )
        pbx.rx("core waitfullybooted")
        yield pbx
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
