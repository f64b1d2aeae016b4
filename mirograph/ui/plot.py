"""Small inline SVG plots, drawn on the server (no chart library, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 240, 56, 16, 16, 34


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    css: str


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _ticks(hi: float, n: int = 4) -> list[float]:
    if hi <= 0:
        return [0.0]
    raw = hi / n
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    step = max(1.0, round(raw / mag) * mag)
    return [step * i for i in range(int(hi // step) + 1)]


def line_plot(
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    marks: Sequence[tuple[float, str]] = (),
    levels: Sequence[tuple[float, str]] = (),
    y_max: float | None = None,
    title: str = "",
) -> str:
    """Lines over a shared x axis, with vertical marks (events) and horizontal levels."""
    xs = [x for s in series for x, _ in s.points] + [m for m, _ in marks]
    ys = [y for s in series for _, y in s.points] + [v for v, _ in levels]
    x_hi = max(xs, default=1.0) or 1.0
    y_hi = y_max if y_max is not None else (max(ys, default=1.0) or 1.0) * 1.05
    sx = _scale(0, x_hi, LEFT, W - RIGHT)
    sy = _scale(0, y_hi, H - BOTTOM, TOP)
    out = [
        f'<svg class="plot" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in _ticks(y_hi):
        y = sy(tick)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">')
        out.append(f"{tick:,.0f}</text>")
    for tick in _ticks(x_hi, 6):
        x = sx(tick)
        out.append(f'<text class="tick" x="{x:.1f}" y="{H - BOTTOM + 14}" text-anchor="middle">')
        out.append(f"{tick:,.0f}</text>")
    for value, label in levels:
        y = sy(value)
        out.append(
            f'<line class="level" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}">'
            f"<title>{escape(label)}</title></line>"
        )
        out.append(f'<text class="level-label" x="{W - RIGHT}" y="{y - 3:.1f}" ')
        out.append(f'text-anchor="end">{escape(label)}</text>')
    for value, label in marks:
        x = sx(value)
        out.append(
            f'<line class="mark" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{H - BOTTOM}">'
            f"<title>{escape(label)}</title></line>"
        )
    for s in series:
        if not s.points:
            continue
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s.points)
        out.append(f'<polyline class="{s.css}" points="{path}"><title>{escape(s.label)}</title>')
        out.append("</polyline>")
    out.append(f'<text class="axis" x="{(LEFT + W) / 2}" y="{H - 4}" text-anchor="middle">')
    out.append(f"{escape(x_label)}</text>")
    out.append(f'<text class="axis" x="12" y="{TOP + 2}">{escape(y_label)}</text>')
    legend_x = LEFT + 8
    for s in series:
        out.append(
            f'<rect class="{s.css}-key" x="{legend_x}" y="{TOP + 4}" width="10" height="3"/>'
        )
        out.append(f'<text class="legend" x="{legend_x + 14}" y="{TOP + 9}">')
        out.append(f"{escape(s.label)}</text>")
        legend_x += 14 + 7 * len(s.label) + 16
    if marks:
        out.append(f'<text class="legend" x="{legend_x}" y="{TOP + 9}">┆ summary fold</text>')
    out.append("</svg>")
    return "".join(out)
