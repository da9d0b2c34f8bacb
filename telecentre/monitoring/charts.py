"""Small line charts drawn on the server as inline SVG (no JavaScript, no CDN)."""
from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from telecentre.common.templating import localtime

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 180, 64, 12, 12, 28


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def line_chart(series: dict[str, list[tuple[datetime, float]]], label: str) -> Markup:
    """An SVG chart of one or more named series of (time, value) points.

    The chart carries an accessible name and a table-free text summary
    (last value, min, max) for screen readers.
    """
    points = [p for pts in series.values() for p in pts]
    if not points:
        return Markup("")
    t0 = min(t for t, _ in points).timestamp()
    t1 = max(t for t, _ in points).timestamp()
    top = max(max(v for _, v in points), 1e-9)
    bottom = min(0.0, min(v for _, v in points))
    span_t, span_v = max(t1 - t0, 1.0), max(top - bottom, 1e-9)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def xy(t: datetime, v: float) -> str:
        x = LEFT + (t.timestamp() - t0) / span_t * plot_w
        y = TOP + (1 - (v - bottom) / span_v) * plot_h
        return f"{x:.1f},{y:.1f}"

    summary = "; ".join(f"{name}: {_short(pts[-1][1])} (min {_short(min(v for _, v in pts))}, "
                        f"max {_short(max(v for _, v in pts))})"
                        for name, pts in series.items() if pts)
    parts = [(f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
              f'aria-label="{escape(label)}: {escape(summary)}" '
              'xmlns="http://www.w3.org/2000/svg">'),
             (f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
              f'y2="{TOP + plot_h}"/>'),
             f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
             f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{_short(top)}</text>',
             f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">{_short(bottom)}</text>']
    first, last = min(t for t, _ in points), max(t for t, _ in points)
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}">{escape(localtime(first))}</text>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">'
                 f'{escape(localtime(last))}</text>')
    for n, (name, pts) in enumerate(series.items()):
        parts.append(f'<polyline class="series series-{n}" fill="none" '
                     f'points="{" ".join(xy(t, v) for t, v in pts)}"><title>{escape(name)}'
                     f'</title></polyline>')
        x, y = xy(*pts[-1]).split(",")  # the latest value, visible even as a single point
        parts.append(f'<circle class="series-{n}" cx="{x}" cy="{y}" r="3"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
