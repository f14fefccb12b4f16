"""Opening hours of the agent queues, kept with the flows in `flows/hours/queues.yaml`:

    billing: {open: "08:30", close: "17:30", days: workdays}
    complaint: {open: "08:00", close: "20:00", days: weekdays, weekdays: [1, 2, 3, 4, 5, 6],
                holidays: closed}

A queue not listed is staffed around the clock. Checked with the flows (file:line problems) and
reloaded with them; `emergency` cannot be given hours: danger always reaches a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ivr import asterisk_names as pbx
from ivr.flow.problems import FlowConfigError, Problem, did_you_mean
from ivr.flow.yamlfile import line_of, load_yaml
from ivr.services.business_hours import ALWAYS_OPEN_QUEUES, HoursError, OpeningHours, QueueHours

HOURS_FILE = Path("hours") / "queues.yaml"  # under the flows directory


def load_hours(flows_dir: Path) -> tuple[OpeningHours, list[Path], list[Problem]]:
    """The hours file (absent: every queue always open), the files read, every problem."""
    path = flows_dir / HOURS_FILE
    if not path.is_file():
        return OpeningHours(), [], []
    try:
        doc = load_yaml(path)
    except FlowConfigError as exc:
        return OpeningHours(), [path], list(exc.problems)
    if doc is None:
        return OpeningHours(), [path], []
    if not isinstance(doc, Mapping):
        return OpeningHours(), [path], [Problem(path, 1, "expected a mapping of queue to hours")]
    problems: list[Problem] = []
    queues: dict[str, QueueHours] = {}
    for name, raw in doc.items():
        queue = str(name)
        line = line_of(doc, [name])
        if queue not in pbx.QUEUES:
            hint = did_you_mean(queue, pbx.QUEUES)
            problems.append(Problem(path, line, f"unknown queue{hint} (queues: "
                                                f"{', '.join(pbx.QUEUES)})", key=queue))
            continue
        if queue in ALWAYS_OPEN_QUEUES:
            problems.append(Problem(path, line, "always open: danger reports must always "
                                                "reach a person", key=queue))
            continue
        if not isinstance(raw, Mapping):
            problems.append(Problem(path, line, "expected open, close, days...", key=queue))
            continue
        try:
            queues[queue] = QueueHours.parse(raw)
        except HoursError as exc:
            problems.append(Problem(path, line_of(doc, [name, exc.key]), exc.problem,
                                    key=f"{queue}.{exc.key}"))
    return OpeningHours(queues), [path], problems
