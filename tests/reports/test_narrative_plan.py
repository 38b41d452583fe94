"""The narrative cites the plan that applies to the period (from the data, never a number in
code), a year's narrative quotes Sở Ngoại vụ's evaluation of that year (section IV.2), and the
PDF's opening sentence cites the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from agencies.models import Plan, PlanEvaluation
from agencies.plans import load_plan
from reports import documents
from reports.figures import period_figures
from reports.narrative import draft, sources
from tests.factories import make_consolidated_report, period_of

pytestmark = pytest.mark.django_db

PLAN_99_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "plan-99-KH-UBND-2026.json"


@pytest.fixture
def second() -> Plan:
    return load_plan(json.loads(PLAN_99_FILE.read_text(encoding="utf-8")))


def test_a_2020_period_cites_plan_164(second):
    text = draft(period_figures(period_of("2020-H1")))
    assert (
        "theo Kế hoạch số 164/KH-UBND ngày 25/11/2019 của Ủy ban nhân dân tỉnh Bà Rịa"
        in (text["situation"])
    )
    assert "các nhiệm vụ của Kế hoạch số 164/KH-UBND;" in text["directions"]
    assert "99/KH-UBND" not in " ".join(text.values())


@pytest.mark.parametrize("code", ["2026-H1", "2026"])
def test_a_2026_period_cites_the_second_plan(second, code):
    text = draft(period_figures(period_of(code)))
    assert (
        "theo Kế hoạch số 99/KH-UBND ngày 15/12/2025 của Ủy ban nhân dân Thành phố Hồ Chí Minh."
        in text["situation"]
    )
    assert "các nhiệm vụ của Kế hoạch số 99/KH-UBND;" in text["directions"]
    assert "164/KH-UBND" not in " ".join(text.values())


def test_the_year_narrative_quotes_the_evaluation_of_that_year():
    plan = Plan.objects.get(number="164/KH-UBND")
    PlanEvaluation.objects.create(
        plan=plan,
        year=2020,
        results="Các cơ quan hoàn thành phần lớn nhiệm vụ.",
        lessons="Cần gửi báo cáo đúng hạn.",
        adjustments="Bổ sung nhiệm vụ cho cấp xã.",
    )
    source = "Đánh giá năm 2020 theo mục IV.2 Kế hoạch số 164/KH-UBND"
    text = draft(period_figures(period_of("2020")))
    assert f"Kết quả ({source}): Các cơ quan hoàn thành phần lớn nhiệm vụ." in text["results"]
    assert f"Bài học kinh nghiệm ({source}): Cần gửi báo cáo đúng hạn." in text["shortcomings"]
    assert (
        f"Đề xuất điều chỉnh Kế hoạch ({source}): Bổ sung nhiệm vụ cho cấp xã."
        in (text["directions"])
    )
    # a paragraph of its own (the PDF prints each line as a paragraph)
    assert text["results"].splitlines()[-1].startswith("Kết quả (Đánh giá năm 2020")
    # a half-year and another year do not quote it
    for code in ("2020-H1", "2021"):
        other = draft(period_figures(period_of(code)))
        assert "IV.2" not in " ".join(other.values())


def test_an_evaluation_without_lessons_adds_no_empty_paragraph():
    plan = Plan.objects.get(number="164/KH-UBND")
    PlanEvaluation.objects.create(plan=plan, year=2020, results="Đạt.")
    text = draft(period_figures(period_of("2020")))
    assert "Bài học" not in text["shortcomings"]
    assert "Đề xuất điều chỉnh" not in text["directions"]


def test_the_sources_cost_two_queries_for_a_year(django_assert_num_queries):
    figures = period_figures(period_of("2020"))
    with django_assert_num_queries(2):  # the plan of the period, the evaluation of the year
        cited = sources(figures)
    assert cited.plan.number == "164/KH-UBND" and cited.evaluation is None
    figures = period_figures(period_of("2020-H1"))
    with django_assert_num_queries(1):
        sources(figures)


def test_the_pdf_opening_sentence_cites_the_plan_of_its_data(second):
    opening = render_to_string(
        "reports/pdf/consolidated.html",
        {"doc": {}, "f": period_figures(period_of("2026-H1")), "sections": {}, "plan": second},
    )
    assert (
        "Thực hiện Kế hoạch số 99/KH-UBND ngày 15/12/2025 của Ủy ban nhân dân Thành phố Hồ Chí "
        "Minh về công tác đối ngoại Nhân dân của các xã, phường, đặc khu giai đoạn 2026 - 2030, "
        "Sở Ngoại vụ báo cáo kết quả thực hiện"
    ) in opening
    assert "164/KH-UBND" not in opening
    without = render_to_string(
        "reports/pdf/consolidated.html",
        {"doc": {}, "f": period_figures(period_of("2026-H1")), "sections": {}},
    )
    assert "Thực hiện Kế hoạch" not in without and "Sở Ngoại vụ báo cáo kết quả" in without


def test_the_pdf_is_given_the_plan_of_its_period(second, reviewer, monkeypatch):
    """render_pdf hands the template the plan the period follows: 164 for 2020, the second
    plan for 2026 (the template, read above, prints it)."""
    seen = []
    monkeypatch.setattr(
        documents.pdf, "render_pdf", lambda template, context: seen.append(context) or b"%PDF"
    )
    for code, number in (("2020-H1", "164/KH-UBND"), ("2026-H1", "99/KH-UBND")):
        report = make_consolidated_report(code, actor=reviewer)
        seen.clear()
        documents.render_pdf(report)
        assert seen[-1]["plan"].number == number
