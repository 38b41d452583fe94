"""What a period's figures count, on the data set of tests/factories.py (activities of every
kind that counts and must not, agency reports, difficulties), and their shape: exactly the
keys and types of the PeriodFigures and AgencyFigures contract.

The data set is made once for the module; each test reads it in a savepoint of its own.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from types import UnionType
from typing import Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from activities.models import Activity
from agencies.models import Agency, Duty
from reports.figures import (
    COUNTED,
    AgencyFigures,
    PeriodFigures,
    agency_figures,
    period_figures,
)
from reports.models import AgencyReport
from reports.narrative import draft
from tests.factories import make_activity, make_agency_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_dataset")]


def test_figures_count_only_accepted_activities_of_the_period(dataset, h1, counted_in):
    figures = period_figures(h1)
    counted = counted_in(h1)

    assert [a.pk for a in counted] == [a.pk for a in dataset["counted"]]
    assert figures["total"] == len(counted) == 6
    assert figures["agencies_acting"] == len({a.agency_id for a in counted}) == 3
    kinds = Counter(a.kind for a in counted)
    assert {row["kind"]: row["count"] for row in figures["by_kind"]} == dict(kinds)
    assert figures["delegations"] == {"inbound": kinds["inbound"], "outbound": kinds["outbound"]}
    assert figures["participants"] == {
        "vietnamese": sum(a.participants_vietnamese or 0 for a in counted),
        "foreign": sum(a.participants_foreign or 0 for a in counted),
    }
    assert figures["participants"] == {"vietnamese": 114, "foreign": 55}
    by_agency = Counter(a.agency.short_name for a in counted)
    assert {row["name"]: row["count"] for row in figures["by_agency"]} == dict(by_agency)
    assert figures["by_agency"][0] == {
        "code": "VUNGTAU",
        "name": "UBND TP Vũng Tàu",
        "count": 3,
    }
    by_country = Counter(
        c for a in counted for c in set(a.countries.values_list("country", flat=True))
    )
    assert {row["code"]: row["count"] for row in figures["by_country"]} == dict(by_country)
    assert {row["code"]: row["name"] for row in figures["by_country"]}["JP"] == "Nhật Bản"
    # The submitted one of the period is waiting for review; drafts and returned ones are not.
    assert figures["awaiting_review"] == 1
    assert (
        figures["awaiting_review"]
        == Activity.objects.filter(
            status="submitted", start_date__range=(h1.start_date, h1.end_date)
        ).count()
    )


def test_aid_figures_by_donor_and_sector(dataset, h1, counted_in):
    aid = period_figures(h1)["aid"]
    counted_aid = [a for a in counted_in(h1) if a.kind == "aid"]

    assert aid["count"] == len(counted_aid) == 2
    assert aid["total_vnd"] == sum(int(a.committed_vnd) for a in counted_aid) == 2_000_000_000
    assert aid["by_sector"] == [
        {"sector": "health", "label": "Y tế", "amount_vnd": 1_500_000_000, "count": 1},
        {"sector": "education", "label": "Giáo dục", "amount_vnd": 500_000_000, "count": 1},
    ]
    assert [(d["name"], d["country"], d["amount_vnd"]) for d in aid["by_donor"]] == [
        ("Quỹ Nước sạch Quốc tế", "Hợp chủng quốc Hoa Kỳ", 1_500_000_000),
        ("Hội Hữu nghị Đức - Việt", "Đức", 500_000_000),
    ]


def test_every_duty_of_section_three_is_listed_and_idle_ones_are_flagged(dataset, h1, counted_in):
    duties = period_figures(h1)["duties"]
    counted = counted_in(h1)

    assert [d["ref"] for d in duties] == list(
        Duty.objects.filter(ref__startswith="III.")
        .order_by("plan", "position")
        .values_list("ref", flat=True)
    )
    by_ref = {d["ref"]: d for d in duties}
    for ref, row in by_ref.items():
        acting = [a for a in counted if a.duty and a.duty.ref == ref]
        assert row["count"] == len(acting), ref
        assert row["no_activity"] is (not acting), ref
        assert row["agencies"] == sorted({a.agency.short_name for a in acting}), ref
    assert by_ref["III.3.1"]["count"] == 2
    assert by_ref["III.3.1"]["agencies"] == ["Sở Lao động - Thương binh và Xã hội"]
    assert by_ref["III.7.1"]["agencies"] == ["UBND TP Vũng Tàu"]
    idle = [ref for ref, row in by_ref.items() if row["no_activity"]]
    assert len(idle) == len(duties) - 2
    # The drafted text names them.
    assert (
        f"Còn {len(idle)} nhiệm vụ của Kế hoạch chưa có hoạt động"
        in draft(period_figures(h1))["shortcomings"]
    )


def test_comparison_with_the_same_period_of_the_previous_year(dataset, h1):
    previous = period_figures(h1)["previous"]

    before = [
        a
        for a in Activity.objects.all()
        if a.status == "accepted" and date(2018, 12, 15) <= a.start_date <= date(2019, 6, 14)
    ]
    assert previous["year"] == 2019
    assert (previous["start"], previous["end"]) == ("15/12/2018", "14/06/2019")
    assert previous["total"] == len(before) == 2
    assert previous["change_pct"] == 200.0  # 6 against 2
    assert previous["aid_total_vnd"] == 1_000_000_000
    assert previous["aid_change_pct"] == 100.0  # 2 billion against 1
    assert "tăng 200% so với cùng kỳ năm 2019" in draft(period_figures(h1))["results"]


def test_difficulties_and_proposals_come_from_sent_reports_and_messages(dataset, h1):
    figures = period_figures(h1)

    assert figures["difficulties"] == [
        {"agency": "UBND TP Vũng Tàu", "text": "Thiếu kinh phí đón đoàn."},
        {"agency": "UBND TP Vũng Tàu", "text": "Vướng mắc thủ tục: Chậm cấp phép cho đoàn vào."},
    ]
    assert figures["proposals"] == [
        {"agency": "UBND TP Vũng Tàu", "text": "Đề nghị bổ sung kinh phí đối ngoại."}
    ]
    reports = AgencyReport.objects.filter(period=h1)
    sent = reports.filter(status__in=["submitted", "accepted"])
    assert {k: v for k, v in figures["submissions"].items() if k != "missing"} == {
        "expected": reports.count(),
        "sent": sent.count(),
        "on_time": 0,  # sent today, years after the deadline
    }
    assert figures["submissions"]["sent"] == 1
    assert len(figures["submissions"]["missing"]) == reports.count() - 1


def shape_errors(value: object, hint: object, path: str) -> list[str]:
    """Where `value` departs from the type `hint` (a TypedDict, list[…], a union, int, str…),
    recursively. Every kind of list must hold a row somewhere (`duties[].agencies` in at
    least one duty), so that the shape of its rows is checked too."""
    filled: dict[str, bool] = {}
    errors = _walk(value, hint, path, path, filled)
    return errors + [
        f"{where}: no row to check (the data set lacks this kind of row)"
        for where, has_rows in filled.items()
        if not has_rows
    ]


def _walk(value: object, hint: object, path: str, kind: str, filled: dict[str, bool]) -> list:
    # `path` names the value (duties[3].agencies), `kind` its place in the contract
    # (duties[].agencies).
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not a {hint.__name__}"]
        fields = get_type_hints(hint)
        errors = [f"{path}.{key}: missing" for key in fields.keys() - value.keys()]
        errors += [f"{path}.{key}: not in {hint.__name__}" for key in value.keys() - fields.keys()]
        for key in fields.keys() & value.keys():
            errors += _walk(value[key], fields[key], f"{path}.{key}", f"{kind}.{key}", filled)
        return errors
    if get_origin(hint) is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, not a list"]
        filled[kind] = filled.get(kind, False) or bool(value)
        (item,) = get_args(hint)
        return [
            error
            for index, row in enumerate(value)
            for error in _walk(row, item, f"{path}[{index}]", f"{kind}[]", filled)
        ]
    if get_origin(hint) in (Union, UnionType):
        tried = [_walk(value, arm, path, kind, filled) for arm in get_args(hint)]
        return [] if any(not errors for errors in tried) else [e for t in tried for e in t]
    if hint is type(None):
        return [] if value is None else [f"{path}: {value!r} is not None"]
    # bool is an int to Python, never to the contract
    if isinstance(value, bool) is not (hint is bool) or not isinstance(value, hint):
        return [f"{path}: {value!r} is not {hint.__name__}"]
    return []


def test_the_shape_check_finds_what_departs_from_the_contract():
    hint = get_type_hints(PeriodFigures)["previous"]
    good = {
        "year": 2019,
        "start": "15/12/2018",
        "end": "14/06/2019",
        "total": 3,
        "aid_total_vnd": 0,
        "change_pct": None,
        "aid_change_pct": 12.5,
    }
    assert shape_errors(good, hint, "p") == []
    bad = {k: v for k, v in good.items() if k != "end"} | {"total": "3", "extra": 1}
    assert sorted(shape_errors(bad, hint, "p")) == [
        "p.end: missing",
        "p.extra: not in Previous",
        "p.total: '3' is not int",
    ]
    assert shape_errors(good | {"change_pct": True}, hint, "p") != []
    assert shape_errors([], list[int], "rows") == [
        "rows: no row to check (the data set lacks this kind of row)"
    ]


def test_the_period_figures_have_the_shape_of_the_contract(dataset, h1, reviewer, staff, build_now):
    # Aid without a committed amount: a notable activity whose amount is None.
    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        kind="aid",
        title="Viện trợ chưa cam kết",
        start_date=date(2020, 3, 5),
        end_date=date(2020, 3, 5),
    )
    figures = period_figures(h1)
    assert shape_errors(figures, PeriodFigures, "figures") == []
    amounts = {row["amount_vnd"] is None for row in figures["notable"]}
    assert amounts == {True, False}  # both arms of `int | None`
    # As the narrative, documents and pages read them: stored as JSON and read back.
    stored = build_now(h1, reviewer).figures
    assert stored == json.loads(json.dumps(figures))
    assert shape_errors(stored, PeriodFigures, "stored") == []


def test_the_agency_figures_have_the_shape_of_the_contract(dataset, h1, staff, boss):
    sldtbxh = Agency.objects.get(code="SLDTBXH")
    figures = agency_figures(h1, sldtbxh)
    assert shape_errors(figures, AgencyFigures, "figures") == []
    leaders = agency_figures(h1, sldtbxh, statuses=COUNTED)
    assert shape_errors(leaders, AgencyFigures, "leaders") == []
    sent = make_agency_report(
        AgencyReport.objects.get(period=h1, agency=sldtbxh).period,
        AgencyReport.objects.get(period=h1, agency=sldtbxh).agency,
        status="submitted",
        writer=staff,
        sender=boss,
    )
    sent.refresh_from_db()  # as the page reads it: the JSON kept when it was sent
    assert shape_errors(sent.figures, AgencyFigures, "sent") == []
