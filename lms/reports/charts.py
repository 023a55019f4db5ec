"""Charts drawn on the server as SVG geometry for templates (no script, no inline style).

Each function returns plain numbers that ``reports/_bars.svg.html`` and ``_line.svg.html``
turn into shapes; the page shows the same figures in a table beside each chart.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 220
GAP = 6


@dataclass
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: float
    low: bool = False


def bars(
    items: list[tuple[str, float | None, str]],
    *,
    maximum: float | None = None,
    threshold: float | None = None,
) -> dict:
    """Horizontal bars: ``items`` are (label, value, text shown at the end of the bar)."""
    values = [v for _l, v, _t in items if v is not None]
    top = maximum or max(values, default=0) or 1
    span = WIDTH - LABEL_WIDTH - 70
    shown = []
    for index, (label, value, text) in enumerate(items):
        value = value or 0
        shown.append(
            Bar(
                label=label[:34],
                value=value,
                text=text,
                y=index * (BAR_HEIGHT + GAP),
                width=round(span * value / top, 1),
                low=threshold is not None and value < threshold,
            )
        )
    return {
        "bars": shown,
        "width": WIDTH,
        "height": max(len(shown), 1) * (BAR_HEIGHT + GAP),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "text_y": BAR_HEIGHT // 2 + 5,
    }


def line(points: list[tuple[str, float]], *, height: int = 220) -> dict:
    """A line over evenly spaced labels (months), with a dot and the value at each point."""
    left, right, top, bottom = 40, 20, 20, 40
    inner_w = WIDTH - left - right
    inner_h = height - top - bottom
    peak = max((v for _l, v in points), default=0) or 1
    step = inner_w / max(len(points) - 1, 1)
    dots = []
    for index, (label, value) in enumerate(points):
        x = round(left + index * step, 1)
        y = round(top + inner_h - inner_h * value / peak, 1)
        dots.append({"x": x, "y": y, "label": label, "value": value})
    return {
        "width": WIDTH,
        "height": height,
        "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "baseline": top + inner_h,
        "left": left,
        "right": WIDTH - right,
        "label_y": top + inner_h + 18,
        "peak": peak,
    }
