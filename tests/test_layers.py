"""The dependency arrows of ARCHITECTURE.md, checked on every module's imports (including those
only for type checking): nothing imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "ivr"

# folder -> (forbidden module prefixes, allowed exceptions)
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "services": (
        ("ivr.ami", "ivr.agi", "ivr.web", "ivr.flow", "ivr.dialer", "ivr.pbxsim", "aiohttp"),
        (),
    ),
    "web": (("ivr.ami", "ivr.agi", "ivr.db", "ivr.pbxsim"), ("ivr.db.enums",)),
}


def imported_modules(path: Path, root: Path = PACKAGE.parent) -> list[tuple[int, str]]:
    """(line, module or module.name) of every import in `path`, a file under `root`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the module's own package
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("folder", sorted(RULES))
def test_no_import_points_upward(folder: str) -> None:
    forbidden, allowed = RULES[folder]
    files = sorted((PACKAGE / folder).rglob("*.py"))
    assert files, folder
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}"
        for path in files
        for line, module in imported_modules(path)
        if any(_matches(module, p) for p in forbidden)
        and not any(_matches(module, a) for a in allowed)
    ]
    assert wrong == []


def test_the_check_reads_every_kind_of_import(tmp_path: Path) -> None:
    module = tmp_path / "ivr" / "web" / "sample.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "import aiohttp.web\n"
        "from ..db import session\n"
        "if TYPE_CHECKING:\n"
        "    from ivr.ami.service import AmiService\n"
    )
    names = [name for _, name in imported_modules(module, root=tmp_path)]
    assert names == [
        "typing.TYPE_CHECKING",
        "aiohttp.web",
        "ivr.db.session",
        "ivr.ami.service.AmiService",
    ]
