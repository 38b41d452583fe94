"""Plans as files: export_plan and load_plan, the round trip, every bad file refused whole
with its place named, and plans following one another (agencies.plans, the two commands)."""

from __future__ import annotations

import copy
import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from activities.models import Activity
from agencies.models import Agency, Duty, DutyAssignment, LegalBasis, Plan
from agencies.plans import PlanError, export_plan, load_plan, plan_for_period
from tests.factories import make_activity

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PLAN_164_FILE = ROOT / "agencies" / "data" / "plans" / "164-KH-UBND.json"
PLAN_99_FILE = ROOT / "tests" / "data" / "plan-99-KH-UBND-2026.json"


def plan_164() -> Plan:
    return Plan.objects.get(number="164/KH-UBND")


def second_plan() -> dict:
    return json.loads(PLAN_99_FILE.read_text(encoding="utf-8"))


def snapshot() -> tuple:
    """Everything a load may write, to show that a refused one wrote nothing."""
    return (
        sorted(Plan.objects.values_list("number", "valid_from", "valid_until", "title")),
        LegalBasis.objects.count(),
        sorted(Duty.objects.values_list("plan__number", "ref", "text", "position")),
        DutyAssignment.objects.count(),
        Plan.history.count(),
        Duty.history.count(),
    )


def refused(data, **kwargs) -> list[str]:
    """The messages of a load that must be refused, in English, and nothing written."""
    before = snapshot()
    with translation.override("en"), pytest.raises(PlanError) as caught:
        load_plan(data, **kwargs)
    assert snapshot() == before
    return caught.value.messages


# --------------------------------------------------------------------------- round trip


def test_the_committed_file_of_plan_164_is_the_export_of_the_seeded_plan():
    assert export_plan(plan_164()) == json.loads(PLAN_164_FILE.read_text(encoding="utf-8"))


def test_round_trip_of_plan_164_is_exact():
    exported = export_plan(plan_164())
    # the seeded plan moves aside (another number, ended before) to make room for its copy
    Plan.objects.filter(pk=plan_164().pk).update(
        number="OLD", valid_from=date(2019, 1, 1), valid_until=date(2019, 11, 24)
    )
    again = load_plan(copy.deepcopy(exported))
    assert export_plan(again) == exported


def test_round_trip_of_a_made_up_plan_is_exact_and_its_duties_are_its_own():
    data = second_plan()
    plan = load_plan(copy.deepcopy(data))
    assert export_plan(plan) == data
    assert export_plan(load_plan(export_plan(plan), replace=True)) == data
    assert list(plan.duties.values_list("ref", flat=True)) == [d["ref"] for d in data["duties"]]
    lead = plan.duties.get(ref="III.2.1").assignments.filter(role="lead")
    assert sorted(a.agency.code for a in lead) == ["CONDAO", "VUNGTAU"]


def test_the_second_plan_ends_the_first_and_applies_to_2026_periods():
    plan = load_plan(second_plan(), reason="Kế hoạch mới")
    first = plan_164()
    assert plan.closed_previous == first
    assert first.valid_until == date(2025, 12, 31)
    assert first.history.first().history_change_reason == "Kế hoạch mới"
    assert plan_for_period(date(2025, 12, 15), date(2026, 6, 14)) == plan
    assert plan_for_period(date(2025, 12, 15), date(2026, 12, 14)) == plan
    assert plan_for_period(date(2019, 12, 15), date(2020, 6, 14)) == first
    assert plan_for_period(date(2024, 12, 15), date(2025, 12, 14)) == first


# --------------------------------------------------------------------------- bad files


def with_(data: dict, path: str, value) -> dict:
    """`data` with the value at `path` ("duties.1.assignments.0.agency") replaced."""
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "duties.1.assignments.1.agency",
            "XYZ",
            "duties[1].assignments[1]: the agency code “XYZ” does not exist.",
        ),
        ("duties.2.coordinating.0", "NOPE", "duties[2].coordinating[0]: the agency code “NOPE”"),
        ("duties.1.ref", "III.1.1", "duties[1].ref: the reference “III.1.1” is already used"),
        ("duties.0.ref", "3.1", "duties[0].ref: “3.1” is not a section reference"),
        ("duties.0.text", "   ", "duties[0].text: must not be empty."),
        ("title", "", "title: must not be empty."),
        ("number", "", "number: must not be empty."),
        ("duties.0.recurrence", "weekly", "duties[0].recurrence: unknown recurrence “weekly”"),
        ("duties.1.activity_kinds.0", "party", "duties[1].activity_kinds[0]: unknown activity"),
        ("duties.1.assignments.0.role", "boss", "duties[1].assignments[0].role: unknown role"),
        ("valid_from", "01/01/2026", "valid_from: “01/01/2026” is not a date written YYYY-MM-DD"),
        ("issued_on", "2026-02-30", "issued_on: “2026-02-30” is not a date"),
        ("valid_until", "2025-06-01", "valid_until: a plan ends after it begins"),
        ("legal_bases.1.issued_on", None, "legal_bases[1].issued_on: expected a date"),
        ("duties.0.colour", "red", "duties[0].colour: unknown field"),
        ("duties", {}, "duties: expected a list"),
    ],
)
def test_a_bad_file_names_the_place_and_loads_nothing(path, value, expected):
    messages = refused(with_(second_plan(), path, value))
    assert any(expected in message for message in messages), messages


def test_an_agency_closed_before_the_plan_begins_cannot_be_assigned():
    Agency.objects.filter(code="VUNGTAU").update(closed_on=date(2025, 7, 1))
    Agency.objects.filter(code="BARIA").update(established_on=date(2030, 1, 1))
    data = with_(second_plan(), "valid_until", "2029-12-31")
    messages = refused(data)
    assert (
        "duties[1].assignments[1]: the agency “VUNGTAU” no longer works from 01/07/2025, "
        "before the plan begins."
    ) in messages
    assert (
        "duties[2].assignments[0]: the agency “BARIA” begins to work on 01/01/2030, after "
        "the plan ends."
    ) in messages


def test_a_coordinating_agency_listed_twice_is_refused():
    messages = refused(with_(second_plan(), "duties.1.coordinating", ["SNGV", "SNGV"]))
    assert messages == ["duties[1].coordinating[1]: the agency “SNGV” is listed twice."]


def test_every_problem_is_listed_at_once():
    data = with_(second_plan(), "duties.0.assignments.0.agency", "XYZ")
    data = with_(data, "duties.3.ref", "IV")
    data = with_(data, "title", "")
    messages = refused(data)
    assert len(messages) == 3
    assert [m.split(":")[0] for m in messages] == [
        "title",
        "duties[3].ref",
        "duties[0].assignments[0]",
    ]


def test_a_file_that_is_not_an_object_is_refused():
    assert refused([]) == ["the file: expected an object {…}."]


def test_an_existing_number_is_refused_without_replace():
    messages = refused(export_plan(plan_164()))
    assert any("number: a plan numbered “164/KH-UBND” is already loaded" in m for m in messages)


def test_a_validity_overlapping_another_plan_is_refused():
    load_plan(second_plan())  # 164 ends 31/12/2025, 99 is open from 1/1/2026
    between = with_(with_(second_plan(), "number", "5/KH-UBND"), "valid_from", "2024-01-01")
    between = with_(between, "valid_until", "2024-12-31")
    messages = refused(between)
    assert any("overlaps plan 164/KH-UBND" in m for m in messages), messages
    # open-ended and beginning before a later plan: overlaps it
    earlier_open = with_(with_(second_plan(), "number", "6/KH-UBND"), "valid_from", "2025-12-31")
    messages = refused(earlier_open)
    assert any("overlaps plan" in m for m in messages), messages


def test_ending_the_open_plan_before_it_began_is_refused():
    data = with_(second_plan(), "valid_from", "2019-11-25")
    messages = refused(data)
    assert any(
        "plan 164/KH-UBND, in force from 25/11/2019, would have to end on" in m for m in messages
    )


def test_replace_updates_in_place_and_keeps_activities_linked(staff):
    plan = load_plan(second_plan())
    duty = plan.duties.get(ref="III.2.1")
    data = with_(second_plan(), "duties.1.text", "Văn bản mới của nhiệm vụ.")
    data = with_(data, "duties.1.assignments", [{"agency": "SNGV", "role": "lead"}])
    again = load_plan(data, replace=True, reason="Sửa đổi")
    assert again.pk == plan.pk
    duty.refresh_from_db()
    assert duty.text == "Văn bản mới của nhiệm vụ."
    assert list(duty.assignments.values_list("agency__code", "role")) == [("SNGV", "lead")]
    assert duty.history.first().history_change_reason == "Sửa đổi"
    assert export_plan(again) == data


def test_replace_refuses_to_remove_a_duty_activities_refer_to(staff):
    exported = export_plan(plan_164())
    duty = Duty.objects.get(plan__number="164/KH-UBND", ref="III.2.1")
    activity = make_activity(staff, agency="SLDTBXH")
    Activity.objects.filter(pk=activity.pk).update(duty=duty)
    data = copy.deepcopy(exported)
    data["duties"] = [d for d in data["duties"] if d["ref"] != "III.2.1"]
    messages = refused(data, replace=True)
    assert messages == [
        "duties: duty III.2.1 is not in the file but 1 activities refer to it; keep it."
    ]
    # a duty nothing refers to may go
    data["duties"] = [d for d in exported["duties"] if d["ref"] != "III.2.2"]
    load_plan(data, replace=True)
    assert not Duty.objects.filter(plan__number="164/KH-UBND", ref="III.2.2").exists()


# --------------------------------------------------------------------------- the commands


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_plan_writes_the_file_and_stdout(tmp_path):
    target = tmp_path / "164.json"
    out, _err = run("export_plan", "164/KH-UBND", str(target))
    assert "Plan 164/KH-UBND written to" in out
    assert target.read_text(encoding="utf-8") == PLAN_164_FILE.read_text(encoding="utf-8")
    out, _err = run("export_plan", "164/KH-UBND", "-")
    assert out == PLAN_164_FILE.read_text(encoding="utf-8")


def test_export_plan_of_an_unknown_number_fails():
    with pytest.raises(CommandError, match="There is no plan numbered “1/KH”"):
        run("export_plan", "1/KH", "-")


def test_load_plan_loads_and_says_it_ended_the_previous_plan():
    out, _err = run("load_plan", str(PLAN_99_FILE))
    assert "Plan 164/KH-UBND now ends on 31/12/2025" in out
    assert "Plan 99/KH-UBND loaded: 2 legal bases, 5 duties, in force from 01/01/2026." in out
    assert Plan.objects.get(number="99/KH-UBND").history.first().history_change_reason


def test_load_plan_lists_every_problem_and_fails(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(with_(second_plan(), "duties.1.assignments.1.agency", "XYZ")), encoding="utf-8"
    )
    before = snapshot()
    err = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="1 problem"):
        call_command("load_plan", str(bad), stdout=StringIO(), stderr=err)
    assert "duties[1].assignments[1]: the agency code “XYZ” does not exist." in err.getvalue()
    assert snapshot() == before


def test_load_plan_refuses_a_file_that_is_not_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"number": ', encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="is not valid JSON"):
        call_command("load_plan", str(bad), stdout=StringIO(), stderr=StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="Cannot read"):
        call_command("load_plan", str(tmp_path / "missing.json"), stdout=StringIO())


def test_load_plan_with_replace_updates_the_plan():
    run("load_plan", str(PLAN_99_FILE))
    out, _err = run("load_plan", str(PLAN_99_FILE), "--replace")
    assert "Plan 99/KH-UBND loaded" in out
    assert Plan.objects.filter(number="99/KH-UBND").count() == 1
