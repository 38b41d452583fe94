"""The Vietnamese narrative of the consolidated report, drafted from its figures.

Plain templates, no external service. The reviewer edits the result before issuing; edited
sections are kept when a new version is drafted (consolidation.build_version). Reads the
figures through their declared shape (figures.PeriodFigures).

The plan cited is the one that applies to the period (agencies.plans.plan_for_period), from
its data, never a number written here; a year's report also quotes Sở Ngoại vụ's evaluation of
that year (section IV.2 of the plan) when one is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.formats import number_format

from agencies.models import Plan, PlanEvaluation
from agencies.plans import dmy, evaluation_for_year, plan_for_period

from .figures import PeriodFigures


def number(value: int | float | Decimal, decimals: int = 0) -> str:
    """1234567 → '1.234.567'; 1.25 with one decimal → '1,3' (Vietnamese separators, rounded
    half up as a report rounds, whatever the interface language)."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    with translation.override("vi"):
        return number_format(rounded, decimals, force_grouping=True)


def vnd(amount: int) -> str:
    """An amount in words a report uses: '1,2 tỷ đồng', '350 triệu đồng', '12.000 đồng'."""
    if amount >= 1_000_000_000:
        return f"{number(Decimal(amount) / 1_000_000_000, 1).removesuffix(',0')} tỷ đồng"
    if amount >= 1_000_000:
        return f"{number(Decimal(amount) / 1_000_000, 1).removesuffix(',0')} triệu đồng"
    return f"{number(amount)} đồng"


def _change(pct: float | None, previous_year: int) -> str:
    if pct is None:
        return ""
    if pct > 0:
        return f", tăng {number(pct, 1).removesuffix(',0')}% so với cùng kỳ năm {previous_year}"
    if pct < 0:
        return f", giảm {number(-pct, 1).removesuffix(',0')}% so với cùng kỳ năm {previous_year}"
    return f", bằng cùng kỳ năm {previous_year}"


def _period_phrase(figures: PeriodFigures) -> str:
    period = figures["period"]
    if period["kind"] == "half":
        return f"Trong 6 tháng đầu năm {period['year']}"
    return f"Trong năm {period['year']}"


@dataclass(frozen=True)
class Sources:
    """What the narrative cites besides the figures: the plan that applies to the period
    (None when no plan began by its end) and, for a year, the evaluation of that year
    (section IV.2; None when not recorded or for a half-year)."""

    plan: Plan | None
    evaluation: PlanEvaluation | None


def _day(text: str) -> date:
    """A day of the figures (figures.dmy: dd/mm/yyyy) as a date."""
    return datetime.strptime(text, "%d/%m/%Y").date()


def sources(figures: PeriodFigures) -> Sources:
    """The plan of the period (plan_for_period over the figures' period) and, for a year's
    report, the evaluation of that year, preferring that plan's. One query for the plan (two
    when a plan begins only within the period), one for a year's evaluation."""
    period = figures["period"]
    plan = plan_for_period(_day(period["start"]), _day(period["end"]))
    evaluation = evaluation_for_year(period["year"], plan) if period["kind"] == "year" else None
    return Sources(plan=plan, evaluation=evaluation)


def plan_reference(plan: Plan | None) -> str:
    """ "Kế hoạch số 99/KH-UBND ngày 15/12/2025 của Ủy ban nhân dân …" (the plan's data), or
    a general phrase when no plan applies."""
    if plan is None:
        return "các kế hoạch về công tác đối ngoại Nhân dân"
    return f"Kế hoạch số {plan.number} ngày {dmy(plan.issued_on)} của {plan.issuer}"


def _evaluation_source(evaluation: PlanEvaluation) -> str:
    return f"Đánh giá năm {evaluation.year} theo mục IV.2 Kế hoạch số {evaluation.plan.number}"


def situation(figures: PeriodFigures, cited: Sources | None = None) -> str:
    cited = cited or sources(figures)
    sub = figures["submissions"]
    text = (
        f"{_period_phrase(figures)} (số liệu tính từ ngày {figures['period']['start']} đến "
        f"ngày {figures['period']['end']}), công tác đối ngoại Nhân dân trên địa bàn tiếp "
        f"tục được triển khai theo {plan_reference(cited.plan)}. "
    )
    text += (
        f"Có {sub['sent']}/{sub['expected']} cơ quan, đơn vị đã gửi báo cáo về Sở Ngoại vụ"
        f" ({sub['on_time']} cơ quan, đơn vị gửi đúng hạn)."
    )
    return text


def results(figures: PeriodFigures, cited: Sources | None = None) -> str:
    previous = figures["previous"]
    parts = [
        f"{_period_phrase(figures)}, các cơ quan, đơn vị trên địa bàn đã tổ chức "
        f"{number(figures['total'])} hoạt động đối ngoại Nhân dân"
        f"{_change(previous['change_pct'], previous['year'])}"
    ]
    delegations = figures["delegations"]
    if delegations["inbound"]:
        parts.append(f"đón {number(delegations['inbound'])} đoàn nước ngoài đến thăm và làm việc")
    if delegations["outbound"]:
        parts.append(f"tổ chức {number(delegations['outbound'])} đoàn đi nước ngoài")
    aid = figures["aid"]
    if aid["total_vnd"]:
        parts.append(
            f"vận động viện trợ {vnd(aid['total_vnd'])} qua {number(aid['count'])} khoản viện trợ"
            f"{_change(previous['aid_change_pct'], previous['year'])}"
        )
    text = "; ".join(parts) + "."
    countries = figures["by_country"][:5]
    if countries:
        names = ", ".join(c["name"] for c in countries)
        text += f" Các đối tác chủ yếu đến từ {names}."
    acting = figures["agencies_acting"]
    if acting:
        text += f" Có {acting} cơ quan, đơn vị có hoạt động trong kỳ."
    evaluation = (cited or sources(figures)).evaluation
    if evaluation is not None and evaluation.results.strip():
        text += f"\nKết quả ({_evaluation_source(evaluation)}): {evaluation.results.strip()}"
    return text


def shortcomings(figures: PeriodFigures, cited: Sources | None = None) -> str:
    idle = [d["ref"] for d in figures["duties"] if d["no_activity"]]
    sub = figures["submissions"]
    sentences = []
    if idle:
        sentences.append(
            f"Còn {len(idle)} nhiệm vụ của Kế hoạch chưa có hoạt động trong kỳ "
            f"(mục {', '.join(idle)})."
        )
    missing = sub["expected"] - sub["sent"]
    if missing:
        sentences.append(
            f"Còn {missing} cơ quan, đơn vị chưa gửi báo cáo định kỳ về Sở Ngoại vụ; "
            "việc trao đổi, cung cấp thông tin có lúc chưa kịp thời."
        )
    if figures["difficulties"]:
        sentences.append(
            f"Các cơ quan, đơn vị phản ánh {len(figures['difficulties'])} khó khăn, vướng mắc "
            "(tổng hợp dưới đây)."
        )
    text = " ".join(sentences) or "Không có tồn tại, hạn chế đáng kể trong kỳ."
    evaluation = (cited or sources(figures)).evaluation
    if evaluation is not None and evaluation.lessons.strip():
        text += (
            f"\nBài học kinh nghiệm ({_evaluation_source(evaluation)}): "
            f"{evaluation.lessons.strip()}"
        )
    return text


def directions(figures: PeriodFigures, cited: Sources | None = None) -> str:
    cited = cited or sources(figures)
    period = figures["period"]
    following = (
        f"6 tháng cuối năm {period['year']}"
        if period["kind"] == "half"
        else f"năm {period['year'] + 1}"
    )
    plan = f"Kế hoạch số {cited.plan.number}" if cited.plan else "các kế hoạch đã ban hành"
    text = (
        f"Trong {following}, các cơ quan, đơn vị tiếp tục triển khai các nhiệm vụ của {plan}; "
        "tập trung vào các nhiệm vụ chưa có hoạt động trong kỳ; thực hiện nghiêm chế độ thông "
        "tin, báo cáo định kỳ và trao đổi thông tin với Sở Ngoại vụ."
    )
    evaluation = cited.evaluation
    if evaluation is not None and evaluation.adjustments.strip():
        text += (
            f"\nĐề xuất điều chỉnh Kế hoạch ({_evaluation_source(evaluation)}): "
            f"{evaluation.adjustments.strip()}"
        )
    return text


DRAFTERS = {
    "situation": situation,
    "results": results,
    "shortcomings": shortcomings,
    "directions": directions,
}


def draft(figures: PeriodFigures) -> dict[str, str]:
    """Each narrative section (ConsolidatedReport.SECTIONS) drafted from the figures, citing
    the plan of the period and, for a year, the evaluation of that year (sources: two or
    three queries in all)."""
    cited = sources(figures)
    return {section: drafter(figures, cited) for section, drafter in DRAFTERS.items()}
