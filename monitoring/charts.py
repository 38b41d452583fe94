"""Charts of the monitoring pages, drawn on the server as inline SVG.

The same markup goes into the page and into its PDF (WeasyPrint runs no JavaScript), needs
no script (nothing for a Content-Security-Policy to allow) and no file from elsewhere. A
single series is reports.pdf.bar_chart_svg; this module adds the paired chart: each row a
label and two bars, the chosen year's above the year before's. Two layouts: the wide one
(170 mm, labels left of the bars) for the PDF and screens from 576 px, the compact one
(90 mm, each label on its own line above its bars) for phones, where the wide one scaled
down to 350 px would set its text at 7 px.

Colours: the chosen year is a dark solid bar, the year before a light bar outlined in the
same dark colour, so the two stay apart printed in greyscale, and each bar keeps a 3:1
contrast with the white page (WCAG 1.4.11) through its fill or its outline. Every chart is
`role="img"` with a `<title>` and an `aria-label`; the page sets the table it is drawn from
beside it, which is what a screen reader reads and what a user copies.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

NOW_FILL = "#1d3f72"  # 11.6:1 on white; prints near black
BEFORE_FILL = "#c9d3e3"  # prints light grey; its outline (NOW_FILL) carries the contrast
ROW_MM = 9.0
BAR_MM = 3.4
FONT_MM = 3.5  # 10 pt
LEGEND_MM = 8.0
LABEL_SHARE = 0.34
VALUE_MM = 14.0  # room after the longest bar for its value, at least
DIGIT_MM = FONT_MM * 0.55  # a digit or separator's width, generously
GAP_MM = 2.0
LABEL_CHARS = 30
COMPACT_MM = 90.0  # the compact layout's width: 10 pt text reads at about 14 px on a phone
COMPACT_LABEL_CHARS = 48
COMPACT_ROW_MM = FONT_MM * 1.3 + 2 * BAR_MM + 2.5


def _mm(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def paired_bar_chart_svg(
    rows: Sequence[tuple[str, int, int]],
    *,
    title: str,
    legend: tuple[str, str],
    width_mm: float | None = None,
    compact: bool = False,
) -> SafeString:
    """A horizontal paired bar chart as inline SVG: for each (label, now, before) of `rows`
    a bar for the chosen year and one for the year before, on one scale, the value after
    each bar. `legend` names the two series (e.g. ("2026", "2025")); `title` is the chart's
    accessible name (its <title> and aria-label). `compact` sets each label on its own line
    above its bars (for phones; labels up to COMPACT_LABEL_CHARS) instead of left of them
    (up to LABEL_CHARS). Sizes in millimetres (the PDF's unit; the page scales the chart to
    its column); `width_mm` defaults to 170 (wide) or COMPACT_MM. Values are counts (0
    allowed); raises ValueError for a negative one. Every text is escaped; long labels are
    shortened with "…"."""
    if any(now < 0 or before < 0 for _label, now, before in rows):
        raise ValueError("paired_bar_chart_svg draws counts: values must be >= 0")
    width_mm = width_mm or (COMPACT_MM if compact else 170.0)
    if compact:
        label_x, anchor, bar_x, row_mm, limit = (
            0.0,
            "start",
            0.5,
            COMPACT_ROW_MM,
            COMPACT_LABEL_CHARS,
        )
        bars_at, label_at = FONT_MM * 1.3, FONT_MM * 0.95  # from the row's top
    else:
        label_x, anchor, row_mm, limit = width_mm * LABEL_SHARE, "end", ROW_MM, LABEL_CHARS
        bar_x = label_x + GAP_MM
        bars_at = (ROW_MM - 2 * BAR_MM) / 2
        label_at = bars_at + BAR_MM + FONT_MM * 0.35  # beside the middle of the two bars
    peak = max((max(now, before) for _label, now, before in rows), default=0)
    value_mm = max(VALUE_MM, 2 + DIGIT_MM * len(_number(peak)))  # a huge count stays inside
    span = max(width_mm - bar_x - value_mm, 1.0)
    height = LEGEND_MM + row_mm * max(len(rows), 1)

    def bar(value: int) -> float:
        return span * value / peak if peak else 0.0

    drawn = []
    for index, (label, now, before) in enumerate(rows):
        top = LEGEND_MM + index * row_mm + bars_at
        middle = top + BAR_MM
        drawn.append(
            (
                _mm(label_x),
                _mm(LEGEND_MM + index * row_mm + label_at),
                anchor,
                _short(label, limit),
                _mm(bar_x),
                _mm(top),
                _mm(bar(now)),
                _mm(BAR_MM),
                NOW_FILL,
                _mm(bar_x + bar(now) + 1),
                _mm(top + BAR_MM / 2 + FONT_MM * 0.35),
                _number(now),
                _mm(bar_x),
                _mm(middle),
                _mm(bar(before)),
                _mm(BAR_MM),
                BEFORE_FILL,
                NOW_FILL,
                _mm(bar_x + bar(before) + 1),
                _mm(middle + BAR_MM / 2 + FONT_MM * 0.35),
                _number(before),
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="{}">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="0.25"/>'
        '<text x="{}" y="{}">{}</text>',
        drawn,
    )
    key = format_html(
        '<rect x="{x}" y="1.5" width="4" height="{b}" fill="{now}"/>'
        '<text x="{tx}" y="{ty}">{a}</text>'
        '<rect x="{x2}" y="1.5" width="4" height="{b}" fill="{before}" stroke="{now}"'
        ' stroke-width="0.25"/><text x="{tx2}" y="{ty}">{c}</text>',
        x=_mm(bar_x),
        b=_mm(BAR_MM),
        now=NOW_FILL,
        before=BEFORE_FILL,
        tx=_mm(bar_x + 5.5),
        ty=_mm(1.5 + BAR_MM / 2 + FONT_MM * 0.35),
        a=legend[0],
        x2=_mm(bar_x + 30),
        tx2=_mm(bar_x + 35.5),
        c=legend[1],
    )
    # The wide layout's axis runs down the bars' left edge; the compact one's labels sit
    # there, so it has none.
    axis = (
        ""
        if compact
        else format_html(
            '<line x1="{x}" y1="{top}" x2="{x}" y2="{h}" stroke="#000" stroke-width="0.2"/>',
            x=_mm(bar_x),
            top=_mm(LEGEND_MM),
            h=_mm(height),
        )
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}"'
        ' width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" font-family="Liberation Serif,'
        ' serif" font-size="{f}"><title>{t}</title>{key}{axis}{body}</svg>',
        t=title,
        w=_mm(width_mm),
        h=_mm(height),
        f=_mm(FONT_MM),
        key=key,
        axis=axis,
        body=body,
    )


def responsive_chart(
    rows: Sequence[tuple[str, int, int]], *, title: str, legend: tuple[str, str]
) -> SafeString:
    """The page's form of a paired chart: the wide layout from 576 px and in print, the
    compact one below (Bootstrap's display classes; the hidden one is display:none, so a
    screen reader meets one image). The PDF takes paired_bar_chart_svg's wide one alone."""
    return format_html(
        '<div class="d-none d-sm-block d-print-block">{}</div>'
        '<div class="d-sm-none d-print-none">{}</div>',
        paired_bar_chart_svg(rows, title=title, legend=legend),
        paired_bar_chart_svg(rows, title=title, legend=legend, compact=True),
    )
