"""Small inline SVG charts for standalone HTML pages: a line of rates over
periods and grouped horizontal bars of rates.

The charts are plain SVG text (no scripts, no external files), so a page that
holds them opens anywhere, prints crisply and can be archived as one file.
Every label is escaped; a rate with no data is drawn as a gap, never as 0.
"""

from collections.abc import Sequence
from fractions import Fraction
from html import escape

from banshishi._model.rate import Rate

SERIES_COLOURS = ("#c0392b", "#2471a3", "#1e8449", "#b9770e")
"""Fill colours of the series, in order; chosen to stay apart in greyscale print."""

_FONT = 'font-family="inherit" font-size="12"'


def _percent(rate: Rate) -> float | None:
    value = rate.value
    return None if value is None else float(value * 100)


def _y_label(value: Fraction | int) -> str:
    return f"{int(value)}%"


def line_chart(points: Sequence[tuple[str, Rate]], *, title: str, width: int = 900) -> str:
    """A line chart of ``(label, rate)`` points, left to right, on a 0–100 % scale."""
    height, left, right, top, bottom = 260, 48, 56, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)
    parts = [_open(width, height, title)]
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
            f"{_y_label(tick)}</text>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, (label, rate) in enumerate(points):
        x = left + step * index
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle" {_FONT}>'
            f"{escape(label)}</text>"
        )
        percent = _percent(rate)
        if percent is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        y = top + plot_h * (1 - percent / 100)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{SERIES_COLOURS[0]}">'
            f"<title>{escape(label)}: {escape(str(rate))}</title></circle>"
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" {_FONT}>'
            f"{escape(rate.format())}</text>"
        )
    if segment:
        segments.append(segment)
    for run in segments:
        if len(run) > 1:
            parts.append(
                f'<polyline points="{" ".join(run)}" fill="none" '
                f'stroke="{SERIES_COLOURS[0]}" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[Rate]]],
    *,
    title: str,
    width: int = 900,
) -> str:
    """Horizontal bars on a 0–100 % scale: one cluster per group, one bar per
    series (``(name, rates in the order of groups)``), with a legend."""
    bar_h, gap, left, right, top = 14, 10, 200, 64, 44
    cluster = bar_h * len(series) + gap
    height = top + cluster * len(groups) + 12
    plot_w = width - left - right
    parts = [_open(width, height, title)]
    for index, (name, _) in enumerate(series):
        x = left + index * 130
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{_colour(index)}"/>'
            f'<text x="{x + 16}" y="18" {_FONT}>{escape(name)}</text>'
        )
    for tick in range(0, 101, 25):
        tick_x = left + plot_w * tick / 100
        parts.append(
            f'<line x1="{tick_x:.1f}" y1="{top - 6}" x2="{tick_x:.1f}" y2="{height - 8}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{tick_x:.1f}" y="{top - 10}" text-anchor="middle" {_FONT}>'
            f"{_y_label(tick)}</text>"
        )
    for row, group in enumerate(groups):
        y0 = top + row * cluster
        parts.append(
            f'<text x="{left - 8}" y="{y0 + bar_h * len(series) / 2 + 4:.1f}" '
            f'text-anchor="end" {_FONT}>{escape(group)}</text>'
        )
        for index, (name, rates) in enumerate(series):
            rate = rates[row]
            y = y0 + index * bar_h
            percent = _percent(rate)
            shown = rate.format()
            length = 0.0 if percent is None else plot_w * percent / 100
            parts.append(
                f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar_h - 2}" '
                f'fill="{_colour(index)}"><title>{escape(group)} {escape(name)}: '
                f"{escape(str(rate))}</title></rect>"
                f'<text x="{left + length + 4:.1f}" y="{y + bar_h - 4}" {_FONT}>'
                f"{escape(shown)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _colour(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
