"""Bar charts drawn on the server as SVG: nothing to download, nothing to build, readable on a
wall screen and in a printed report. Labels are escaped: they may carry queue or type names."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    width: int = 720,
    height: int = 240,
    second: Sequence[float] | None = None,  # drawn beside each bar (e.g. answered of offered)
) -> str:
    top, bottom, left = 40, 28, 36
    plot_h = height - top - bottom
    peak = max([*values, *(second or []), 1])
    slot = (width - left) / max(len(values), 1)
    bar_w = max(slot * (0.4 if second else 0.7), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" width="100%">',
        f'<text x="{left}" y="16">{escape(title)}</text>',
        f'<text x="4" y="{top + 10}">{_num(peak)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" stroke="#567"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + slot * 0.1
        parts.append(_bar(x, value, peak, plot_h, top, bar_w, "bar"))
        if second is not None:
            parts.append(_bar(x + bar_w, second[i], peak, plot_h, top, bar_w, "bar alt"))
        if value:
            h = plot_h * value / peak
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h - h - 3:.1f}">{_num(value)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{height - 10}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bar(x: float, value: float, peak: float, plot_h: float, top: int, w: float, cls: str) -> str:
    h = plot_h * value / peak
    return (
        f'<rect class="{cls}" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
        f'width="{w:.1f}" height="{h:.1f}"/>'
    )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
