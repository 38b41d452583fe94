"""The Vietnamese narrative of the consolidated report, drafted from its figures.

Plain templates, no external service. The reviewer edits the result before issuing; edited
sections are kept when a new version is drafted (consolidation.build_version). Reads the
figures through their declared shape (figures.PeriodFigures)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.formats import number_format

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


def situation(figures: PeriodFigures) -> str:
    sub = figures["submissions"]
    text = (
        f"{_period_phrase(figures)} (số liệu tính từ ngày {figures['period']['start']} đến "
        f"ngày {figures['period']['end']}), công tác đối ngoại Nhân dân trên địa bàn tỉnh tiếp "
        "tục được triển khai theo Kế hoạch số 164/KH-UBND ngày 25/11/2019 của Ủy ban nhân dân "
        "tỉnh. "
    )
    text += (
        f"Có {sub['sent']}/{sub['expected']} cơ quan, đơn vị đã gửi báo cáo về Sở Ngoại vụ"
        f" ({sub['on_time']} cơ quan, đơn vị gửi đúng hạn)."
    )
    return text


def results(figures: PeriodFigures) -> str:
    previous = figures["previous"]
    parts = [
        f"{_period_phrase(figures)}, các cơ quan, đơn vị trên địa bàn tỉnh đã tổ chức "
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
    return text


def shortcomings(figures: PeriodFigures) -> str:
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
    return " ".join(sentences) or "Không có tồn tại, hạn chế đáng kể trong kỳ."


def directions(figures: PeriodFigures) -> str:
    period = figures["period"]
    following = (
        f"6 tháng cuối năm {period['year']}"
        if period["kind"] == "half"
        else f"năm {period['year'] + 1}"
    )
    return (
        f"Trong {following}, các cơ quan, đơn vị tiếp tục triển khai các nhiệm vụ của Kế hoạch "
        "số 164/KH-UBND; tập trung vào các nhiệm vụ chưa có hoạt động trong kỳ; thực hiện "
        "nghiêm chế độ thông tin, báo cáo định kỳ và trao đổi thông tin với Sở Ngoại vụ."
    )


DRAFTERS = {
    "situation": situation,
    "results": results,
    "shortcomings": shortcomings,
    "directions": directions,
}


def draft(figures: PeriodFigures) -> dict[str, str]:
    """Each narrative section (ConsolidatedReport.SECTIONS) drafted from the figures."""
    return {section: drafter(figures) for section, drafter in DRAFTERS.items()}
