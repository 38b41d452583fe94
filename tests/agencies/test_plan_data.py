"""The plan's data as loaded by migration 0002, against the text of the plan itself."""

from __future__ import annotations

import importlib
import re
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps as django_apps

from agencies.models import Agency, Duty, DutyAssignment, LegalBasis, Plan
from tests.support import DISTRICTS

SEED = Path(__file__).resolve().parents[2] / "agencies" / "data" / "164-KH-UBND.txt"
SHARED_SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "164-KH-UBND.txt"

pytestmark = pytest.mark.django_db


def bullets_of(section: str) -> list[str]:
    """The paragraphs of a section of the plan that state a duty, in order."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index(f"\n{section}. ")
    end = re.search(r"\n(IV|V)\. |\nNơi nhận", text[start + 1 :])
    body = text[start : start + 1 + end.start()] if end else text[start:]
    paragraphs = [line.strip() for line in body.strip().splitlines()[1:] if line.strip()]
    duties = []
    for paragraph in paragraphs:
        if paragraph.startswith("- "):
            duties.append(paragraph[2:])
        elif re.match(r"^\d+\. .*:$", paragraph) or paragraph.startswith(("Phân công", "Là cơ")):
            continue  # a heading or an introduction, not a duty
        else:
            duties.append(re.sub(r"^\d+\. ", "", paragraph))
    return duties


def test_seed_copy_matches_the_shared_plan():
    if not SHARED_SEED.exists():
        pytest.skip("no ../shared beside this checkout")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_every_bullet_of_section_three_is_a_duty_word_for_word():
    bullets = bullets_of("III")
    duties = list(Duty.objects.filter(ref__startswith="III.").order_by("position"))
    assert len(bullets) == 25
    assert [d.text for d in duties] == bullets
    assert duties[0].ref == "III.1.1" and duties[-1].ref == "III.7.5"


def test_every_task_of_section_four_is_a_duty_word_for_word():
    bullets = bullets_of("IV")
    duties = Duty.objects.filter(ref__startswith="IV.").order_by("position")
    assert [d.text for d in duties] == bullets
    assert [d.ref for d in duties] == ["IV.1.1", "IV.1.2", "IV.2.1", "IV.2.2"]


def test_section_references_follow_the_numbering_of_the_plan():
    refs = list(Duty.objects.filter(ref__startswith="III.").values_list("ref", flat=True))
    per_item = {item: sum(r.startswith(f"III.{item}.") for r in refs) for item in range(1, 8)}
    assert per_item == {1: 6, 2: 7, 3: 2, 4: 2, 5: 1, 6: 2, 7: 5}


def test_all_agencies_of_the_plan_exist_with_their_kind():
    kinds = dict(Agency.objects.values_list("code", "kind"))
    assert kinds["SNGV"] == Agency.Kind.FOCAL_POINT
    assert kinds["LHHN"] == Agency.Kind.LEAD
    assert {c for c, k in kinds.items() if k == Agency.Kind.DEPARTMENT} == {
        "SLDTBXH",
        "SGDDT",
        "SYT",
    }
    assert {c for c, k in kinds.items() if k == Agency.Kind.MASS_ORGANISATION} == {
        "UBMTTQ",
        "HLHPN",
        "TINHDOAN",
        "HND",
        "HCCB",
        "LDLD",
    }
    assert {c for c, k in kinds.items() if k == Agency.Kind.DISTRICT} == set(DISTRICTS)
    assert Agency.objects.get(code="SNGV").name == "Sở Ngoại vụ tỉnh Bà Rịa - Vũng Tàu"


def test_assignments_follow_the_plan():
    def assignees(ref):
        return dict(
            DutyAssignment.objects.filter(duty__ref=ref).values_list("agency__code", "role")
        )

    assert assignees("III.1.6") == {"SNGV": "lead"}
    assert assignees("III.3.1") == {"SLDTBXH": "support"}
    assert set(assignees("III.6.1")) == {"UBMTTQ", "HLHPN", "TINHDOAN", "HND", "HCCB", "LDLD"}
    assert set(assignees("III.7.3")) == set(
        Agency.objects.filter(kind=Agency.Kind.DISTRICT).values_list("code", flat=True)
    )
    for ref in ("III.3.1", "III.4.1", "III.4.2", "III.5.1"):
        duty = Duty.objects.get(ref=ref)
        assert list(duty.coordinating_agencies.values_list("code", flat=True)) == ["LHHN"]
    # Every duty starting "Phối hợp" is a coordinating role, every other one a lead role.
    for duty in Duty.objects.prefetch_related("assignments"):
        expected = "support" if duty.text.startswith("Phối hợp") else "lead"
        if duty.ref == "IV.1.2":
            expected = "support"  # "có trách nhiệm phối hợp với các cơ quan chủ trì"
        assert {a.role for a in duty.assignments.all()} == {expected}, duty.ref


def test_recurrence_and_activity_kinds():
    assert Duty.objects.get(ref="III.1.6").recurrence == Duty.Recurrence.SIX_MONTHLY
    assert Duty.objects.get(ref="III.7.5").recurrence == Duty.Recurrence.ONGOING
    assert "aid" in Duty.objects.get(ref="III.2.6").activity_kinds
    for duty in Duty.objects.all():
        duty.full_clean()


def test_plan_and_legal_bases():
    plan = Plan.objects.get()
    assert (plan.number, str(plan.issued_on)) == ("164/KH-UBND", "2019-11-25")
    assert list(LegalBasis.objects.values_list("number", "issued_on")) == [
        ("04/CT-TW", date(2011, 7, 6)),
        ("1109/QĐ-TTg", date(2019, 8, 28)),
        ("281-QĐ/TU", date(2016, 10, 17)),
        ("108/KH-UBND", date(2017, 10, 9)),
    ]


def test_loading_the_plan_again_changes_nothing():
    migration = importlib.import_module("agencies.migrations.0002_plan_164_data")
    before = (Agency.objects.count(), Duty.objects.count(), DutyAssignment.objects.count())
    migration.load_plan(django_apps, None)
    assert (Agency.objects.count(), Duty.objects.count(), DutyAssignment.objects.count()) == before
