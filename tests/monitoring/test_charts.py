"""The paired bar chart (monitoring/charts.py): accessible, escaped, on one scale, and the
two years apart in greyscale."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from monitoring.charts import BEFORE_FILL, NOW_FILL, paired_bar_chart_svg, responsive_chart

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def bar_widths(root: ET.Element, fill: str) -> list[float]:
    """The widths of the data bars of one series (the legend's 4 mm keys left out)."""
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == fill]
    return [float(r.get("width")) for r in rects if float(r.get("y")) > 2]


def test_the_chart_is_a_named_image_with_a_title():
    svg = paired_bar_chart_svg(
        [("Tháng 1", 3, 1)], title="Hoạt động theo tháng", legend=("2026", "2025")
    )
    root = parsed(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Hoạt động theo tháng"
    assert root.find(f"{SVG}title").text == "Hoạt động theo tháng"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["2026", "2025"]  # the legend names both series
    assert "<script" not in svg and "href" not in svg


def test_labels_and_title_are_escaped():
    svg = paired_bar_chart_svg(
        [('<img src=x onerror="alert(1)">', 1, 2)], title="a<b>&", legend=("<y>", "x")
    )
    assert "<img" not in svg and "<b>" not in svg and "<y>" not in svg
    root = parsed(svg)  # still well-formed XML
    assert root.get("aria-label") == "a<b>&"


def test_both_years_share_one_scale():
    root = parsed(paired_bar_chart_svg([("A", 10, 5), ("B", 0, 2)], title="t", legend=("1", "2")))
    now, before = bar_widths(root, NOW_FILL), bar_widths(root, BEFORE_FILL)
    assert now[1] == 0 and before[0] == pytest.approx(now[0] / 2)
    assert before[1] == pytest.approx(now[0] / 5)


def test_an_empty_or_all_zero_chart_draws_no_bar():
    assert (
        bar_widths(parsed(paired_bar_chart_svg([], title="t", legend=("1", "2"))), NOW_FILL) == []
    )
    root = parsed(paired_bar_chart_svg([("A", 0, 0)], title="t", legend=("1", "2")))
    assert bar_widths(root, NOW_FILL) == [0.0]


def test_a_negative_value_is_refused():
    with pytest.raises(ValueError):
        paired_bar_chart_svg([("A", -1, 0)], title="t", legend=("1", "2"))


def test_long_labels_are_shortened():
    root = parsed(paired_bar_chart_svg([("x" * 80, 1, 1)], title="t", legend=("1", "2")))
    label = [t.text for t in root.iter(f"{SVG}text")][2]
    assert len(label) <= 30 and label.endswith("…")


def grey(colour: str) -> float:
    """The relative luminance of a #rrggbb colour, as greyscale printing keeps it."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def test_the_two_years_stay_apart_in_greyscale_and_visible_on_white():
    assert re.fullmatch(r"#[0-9a-f]{6}", NOW_FILL) and re.fullmatch(r"#[0-9a-f]{6}", BEFORE_FILL)
    contrast = (grey(BEFORE_FILL) + 0.05) / (grey(NOW_FILL) + 0.05)
    assert contrast >= 3  # two clearly different greys
    assert (1.05) / (grey(NOW_FILL) + 0.05) >= 3  # the dark bar and the light bar's outline


def test_the_compact_layout_sets_each_label_above_its_bars():
    label = "Vận động viện trợ phi chính phủ nước ngoài"  # 42 characters
    root = parsed(
        paired_bar_chart_svg([(label, 4, 2), ("<b>&", 0, 1)], title="t", legend=("1", "2"),
                             compact=True)
    )  # fmt: skip
    assert root.get("width") == "90mm" and root.find(f"{SVG}line") is None
    labels = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "start"]
    assert [t.text for t in labels] == [label, "<b>&"]  # whole, and escaped
    bars = [r for r in root.iter(f"{SVG}rect") if float(r.get("y")) > 2]
    # Each label's baseline is above its row's first bar.
    assert float(labels[0].get("y")) < float(bars[0].get("y"))
    assert float(labels[1].get("y")) < float(bars[2].get("y"))


def test_the_page_form_holds_a_wide_and_a_compact_chart():
    html = str(responsive_chart([("A", 1, 2)], title="t", legend=("1", "2")))
    assert html.count("<svg") == 2 and html.count('role="img"') == 2
    assert '<div class="d-none d-sm-block d-print-block"><svg' in html
    assert '<div class="d-sm-none d-print-none"><svg' in html


@pytest.mark.parametrize("compact", [False, True])
def test_a_huge_value_is_written_inside_the_chart(compact):
    root = parsed(
        paired_bar_chart_svg([("A", 1_234_567_890, 1)], title="t", legend=("1", "2"),
                             compact=compact)
    )  # fmt: skip
    width = float(root.get("viewBox").split()[2])
    value = next(t for t in root.iter(f"{SVG}text") if t.text == "1.234.567.890")
    # 13 characters of a 3.5 mm font (digits about half an em wide) end within the chart.
    assert float(value.get("x")) + 13 * 3.5 * 0.55 <= width
