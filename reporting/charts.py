"""Server-rendered SVG bar charts: no JavaScript, no inline style (colours come from classes in
static/reporting/charts.css), so a strict Content-Security-Policy allows them. Every chart is drawn
next to a table of the same numbers for screen readers (templates/admin/reporting/_chart.html).
"""

from __future__ import annotations

import math
from html import escape

from django.utils.safestring import SafeString, mark_safe

from reporting.selectors import Series

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 92


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return f"{value:g}"


def bar_chart(series: Series, *, chart_id: str) -> SafeString:
    """Draw `series` as bars (stacked when it says so, else side by side) with axis, labels and legend."""
    n = max(len(series.categories), 1)
    totals = ([sum(row[1][i] for row in series.rows) for i in range(len(series.categories))] if series.stacked
              else [max((row[1][i] for row in series.rows), default=0) for i in range(len(series.categories))])
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    bar_w = slot * 0.7 / (1 if series.stacked else max(len(series.rows), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mp-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(series.title)} (the numbers are in the table below)</title>',
    ]
    for frac in (0, 0.5, 1):  # gridlines and y labels
        y = TOP + plot_h * (1 - frac)
        parts.append(f'<line class="mp-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="mp-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(_fmt(round(top * frac, 1)))}{escape(series.unit.strip() if frac == 1 else "")}</text>')
    for i, category in enumerate(series.categories):
        x0 = LEFT + slot * i + slot * 0.15
        base = TOP + plot_h
        for r, (name, values) in enumerate(series.rows):
            value = values[i]
            h = plot_h * value / top if top else 0
            x = x0 if series.stacked else x0 + r * bar_w
            y = base - h
            parts.append(f'<rect class="mp-bar mp-series-{r % 6}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}"><title>{escape(category)}, {escape(name)}: '
                         f'{escape(_fmt(value))}{escape(series.unit)}</title></rect>')
            if series.stacked:
                base = y
        lx, ly = LEFT + slot * i + slot / 2, TOP + plot_h + 12
        parts.append(f'<text class="mp-axis" x="{lx:.1f}" y="{ly:.1f}" text-anchor="end" '
                     f'transform="rotate(-35 {lx:.1f} {ly:.1f})">{escape(category)}</text>')
    if len(series.rows) > 1:  # legend
        x = LEFT
        for r, (name, _) in enumerate(series.rows):
            parts.append(f'<rect class="mp-series-{r % 6}" x="{x}" y="{HEIGHT - 14}" width="10" height="10"/>'
                         f'<text class="mp-legend" x="{x + 14}" y="{HEIGHT - 5}">{escape(name)}</text>')
            x += 14 + 7 * len(name) + 18
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of data in it went through escape()


def chart_context(series: Series, *, chart_id: str) -> dict:
    """What `admin/reporting/_chart.html` draws: the SVG and the table of the same numbers."""
    return {"id": chart_id, "series": series, "svg": bar_chart(series, chart_id=chart_id),
            "table_rows": [(category, [values[i] for _, values in series.rows])
                           for i, category in enumerate(series.categories)]}
