"""The overview's 30-day chart: daily figures in the configured zone, drawn as inline SVG on
the server (no script, no external asset). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from html import escape
from typing import Final

DAYS: Final = 30
WIDTH: Final = 600
HEIGHT: Final = 120
_PAD_LEFT: Final = 44
_PAD_BOTTOM: Final = 18
_PAD_TOP: Final = 8


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    value: float


def days_ending(today: date, days: int = DAYS) -> list[date]:
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def per_local_day(
    hourly: Iterable[tuple[datetime, float]], zone: tzinfo, today: date, *, how: str = "sum"
) -> list[Day]:
    """Hourly figures (UTC hours) folded into local days; `how` is `sum` or `max`."""
    days = days_ending(today)
    totals: dict[date, float] = dict.fromkeys(days, 0.0)
    for hour, value in hourly:
        local = hour.astimezone(zone).date()
        if local not in totals:
            continue
        totals[local] = totals[local] + value if how == "sum" else max(totals[local], value)
    return [Day(day=d, value=totals[d]) for d in days]


def _nice_top(peak: float) -> float:
    if peak <= 0:
        return 1.0
    step = 10 ** (len(str(int(peak))) - 1)
    return float(((int(peak) // step) + 1) * step)


def bar_chart(series: Sequence[Day], *, title: str, unit: str, css_class: str) -> str:
    """An accessible SVG bar chart (role img, a title, each bar with its own <title>)."""
    top = _nice_top(max((d.value for d in series), default=0.0))
    inner_w = WIDTH - _PAD_LEFT - 4
    inner_h = HEIGHT - _PAD_BOTTOM - _PAD_TOP
    slot = inner_w / max(len(series), 1)
    bars = []
    for index, point in enumerate(series):
        height = inner_h * (point.value / top)
        x = _PAD_LEFT + index * slot + 1
        y = _PAD_TOP + inner_h - height
        label = f"{point.day.isoformat()}: {point.value:,.0f} {unit}"
        bars.append(
            f'<rect class="bar {escape(css_class)}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{max(slot - 2, 1):.1f}" height="{max(height, 0):.1f}">'
            f"<title>{escape(label)}</title></rect>"
        )
    first = series[0].day.strftime("%d %b") if series else ""
    last = series[-1].day.strftime("%d %b") if series else ""
    base = _PAD_TOP + inner_h
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="none">'
        f"<title>{escape(title)}</title>"
        f'<line class="axis" x1="{_PAD_LEFT}" y1="{base}" x2="{WIDTH - 4}" y2="{base}"/>'
        f'<line class="grid" x1="{_PAD_LEFT}" y1="{_PAD_TOP}" x2="{WIDTH - 4}" y2="{_PAD_TOP}"/>'
        f'<text class="tick" x="{_PAD_LEFT - 4}" y="{_PAD_TOP + 4}" text-anchor="end">'
        f"{top:,.0f}</text>"
        f'<text class="tick" x="{_PAD_LEFT - 4}" y="{base}" text-anchor="end">0</text>'
        f"{''.join(bars)}"
        f'<text class="tick" x="{_PAD_LEFT}" y="{HEIGHT - 4}">{escape(first)}</text>'
        f'<text class="tick" x="{WIDTH - 4}" y="{HEIGHT - 4}" text-anchor="end">'
        f"{escape(last)}</text></svg>"
    )
