"""The SVG charts: data escaped, bars proportional, no inline style or script (strict CSP)."""

from __future__ import annotations

import re

from reporting.charts import HEIGHT, bar_chart, chart_context
from reporting.selectors import Series


def test_labels_are_escaped_and_nothing_inline_a_strict_csp_blocks():
    series = Series("Load <b>", ['<script>alert(1)</script>', "o'neil"], [("Open & late", [3, 1])])
    svg = str(bar_chart(series, chart_id="c1"))
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "Load &lt;b&gt;" in svg and "Open &amp; late" in svg
    assert "style=" not in svg and "on" + "load" not in svg.lower()


def test_bar_heights_are_proportional_and_stacks_add_up():
    series = Series("t", ["a", "b"], [("x", [2, 4]), ("y", [2, 0])])
    svg = str(bar_chart(series, chart_id="c2"))
    heights = [float(h) for h in re.findall(r'class="mp-bar mp-series-\d" x="[\d.]+" y="[\d.]+" width="[\d.]+" '
                                            r'height="([\d.]+)"', svg)]
    # a: 2 + 2 stacked, b: 4 + 0; the axis tops at 4, so a's two halves and b's bar fill the plot.
    plot = heights[2]
    assert heights == [plot / 2, plot / 2, plot, 0.0] and 0 < plot < HEIGHT


def test_the_table_holds_the_same_numbers():
    series = Series("t", ["Jan", "Feb"], [("know", [1, 2]), ("delete", [0, 5])])
    assert chart_context(series, chart_id="c3")["table_rows"] == [("Jan", [1, 0]), ("Feb", [2, 5])]


def test_an_empty_chart_still_draws():
    svg = str(bar_chart(Series("none", [], [("x", [])]), chart_id="c4"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
