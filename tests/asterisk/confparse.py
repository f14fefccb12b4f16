"""Just enough of Asterisk's config syntax to check asterisk-conf/ from the tests:
sections with template markers, `key = value` and `key => value` lines, `;` comments,
`#include`/`#tryinclude`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "asterisk-conf"
_SECTION = re.compile(r"^\[([^\]]+)\](?:\(([^)]*)\))?")


@dataclass
class Section:
    name: str
    options: str  # "!" template, "+" append, "tmpl" inherits, "" plain
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_template(self) -> bool:
        return "!" in self.options

    def get(self, key: str) -> list[str]:
        return [v for k, v in self.lines if k == key]


@dataclass
class ConfFile:
    sections: list[Section]
    includes: list[tuple[str, str]]  # (directive, file)

    def named(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]

    def value(self, section: str, key: str) -> str:
        """The effective value, following template inheritance."""
        for s in reversed(self.named(section)):
            if s.get(key):
                return s.get(key)[-1]
            for parent in (p for p in s.options.split(",") if p and p not in "!+"):
                try:
                    return self.value(parent.strip(), key)
                except KeyError:
                    pass
        raise KeyError(f"[{section}] {key}")


def strip_comment(line: str) -> str:
    out = re.split(r"(?<!\\);", line, maxsplit=1)[0]
    return out.strip()


def parse(path: Path) -> ConfFile:
    sections: list[Section] = []
    includes: list[tuple[str, str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = strip_comment(raw)
        if not line:
            continue
        if line.startswith("#"):
            directive, _, target = line[1:].partition(" ")
            includes.append((directive, target.strip().strip('"')))
            continue
        match = _SECTION.match(line)
        if match:
            sections.append(Section(match.group(1), match.group(2) or ""))
            continue
        key, sep, value = line.partition("=>") if "=>" in line else line.partition("=")
        assert sep, f"{path.name}: not a config line: {raw!r}"
        assert sections, f"{path.name}: line outside a section: {raw!r}"
        sections[-1].lines.append((key.strip(), value.strip()))
    return ConfFile(sections, includes)
