"""Chart options for Apache ECharts (vendored under static/vendor/echarts, drawn in the browser
by static/charts.js). The server only describes the chart as JSON: labels travel as data and
ECharts sets them as text, so a queue or type name can never inject markup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SCRIPTS = ("/static/vendor/echarts/echarts.min.js", "/static/charts.js")


def bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str = "",
    stacked: bool = False,
    percent: bool = False,  # a 0-100 axis, values shown with %
    colors: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A bar chart: one bar per label for each (name, values) series."""
    option: dict[str, Any] = {
        "backgroundColor": "transparent",
        "animation": False,  # a wall screen redraws often; a printed report has no motion
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"show": len(series) > 1, "top": 0, "right": 0},
        "grid": {"left": 48, "right": 16, "top": 40, "bottom": 28},
        "xAxis": {"type": "category", "data": list(labels)},
        "yAxis": {"type": "value", "minInterval": 1, **({"max": 100} if percent else {})},
        "series": [
            {"name": name, "type": "bar", "data": list(values),
             "label": {"show": True, "position": "inside" if stacked else "top",
                       **({"formatter": "{c}%"} if percent else {})},
             **({"stack": "all"} if stacked else {})}
            for name, values in series
        ],
    }
    if colors:
        option["color"] = list(colors)
    return option


def pie(slices: Sequence[tuple[str, float]], *, title: str = "",
        colors: Sequence[str] | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {
        "backgroundColor": "transparent",
        "animation": False,
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item"},
        "series": [{"type": "pie", "radius": ["35%", "65%"], "top": 24,
                    "label": {"formatter": "{b}: {c}"},
                    "data": [{"name": n, "value": v} for n, v in slices]}],
    }
    if colors:
        option["color"] = list(colors)
    return option
