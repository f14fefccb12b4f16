"""The layering of ARCHITECTURE.md holds: the import contracts in pyproject.toml pass, and they
break when a forbidden import is added, so the check cannot pass by checking nothing."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import ivr.db

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"


def _lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the `ivr` package and pyproject.toml found under `root`."""
    only = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--no-logo", "--no-cache", *only, str(root / "pyproject.toml")],
        cwd=root,
        # The package is found under `root` first, ahead of the installed one.
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_contracts_are_kept() -> None:
    result = _lint_imports(ROOT)
    if result.returncode != 0:
        pytest.fail(f"import contracts broken:\n{result.stdout}{result.stderr}", pytrace=False)
    assert "0 broken" in result.stdout


# (file to add the import to, the import, the contract it breaks)
FORBIDDEN = [
    ("flow/engine.py", "ivr.agi.session", "flow"),
    ("flow/context.py", "ivr.db.models", "flow"),
    ("services/customers.py", "aiohttp", "services"),
    ("services/bills.py", "ivr.flow.engine", "services"),
    ("web/auth.py", "ivr.db.session", "web"),
    ("agi/codec.py", "ivr.flow.engine", "agi"),
    ("speech/values.py", "ivr.services.customers", "speech"),
    ("db/models.py", "ivr.services.customers", "db"),
    ("cli/serve.py", "ivr.pbxsim", "pbxsim"),
    ("app.py", "ivr.pbxsim.call", "pbxsim"),
    ("dialer/runner.py", "ivr.ami.client", "dialer"),
    ("dialer/pacing.py", "ivr.db.models", "dialer"),
]


@pytest.mark.parametrize(("path", "imported", "contract"), FORBIDDEN)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, path: str, imported: str, contract: str
) -> None:
    shutil.copytree(ROOT / "ivr", tmp_path / "ivr", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    with (tmp_path / "ivr" / path).open("a", encoding="utf-8") as module:
        module.write(f"\nimport {imported}  # the forbidden import under test\n")
    importer = "ivr." + path.removesuffix(".py").replace("/", ".")

    result = _lint_imports(tmp_path, contract)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert f"{importer} -> {imported}" in result.stdout


def test_contracts_name_every_db_module_but_enums() -> None:
    """The contracts that allow `ivr.db.enums` list the other db modules one by one: a new
    module in ivr/db must be added to them, or it would be importable from any layer."""
    modules = {f"ivr.db.{m.name}" for m in pkgutil.iter_modules(ivr.db.__path__)}
    others = modules - {"ivr.db.enums"}
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    listing_db = [c for c in contracts if "ivr.db.models" in c.get("forbidden_modules", [])]
    assert {c["id"] for c in listing_db} == {"flow", "web", "speech", "dialer"}
    for contract in listing_db:
        named = {m for m in contract["forbidden_modules"] if m.startswith("ivr.db.")}
        assert named == others, contract["id"]


# Runs `ivr serve` as the console script does, with the hotline itself replaced by a probe that
# reports which simulator modules the command line and the production path have loaded.
SERVE_PROBE = """
import sys

import ivr.app
import ivr.cli.main
import ivr.cli.serve


async def probe(settings):
    loaded = sorted(m for m in sys.modules if m == "ivr.pbxsim" or m.startswith("ivr.pbxsim."))
    print("call command loaded:", "ivr.cli.call" in sys.modules)
    print("simulator modules:", loaded)


ivr.cli.serve.run_hotline = probe
sys.argv = ["ivr", "serve"]
ivr.cli.main.main()
"""


def test_ivr_serve_does_not_load_the_simulator(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SERVE_PROBE],
        cwd=tmp_path,
        env={**os.environ, "IVR_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # `ivr call` is registered (its module loaded) while the simulator it drives is not.
    assert "call command loaded: True" in result.stdout
    assert "simulator modules: []" in result.stdout, result.stdout
