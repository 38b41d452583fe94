"""`python manage.py reorganise` (issue 11): one operation from the options, a file of
operations, --dry-run, dates in both forms, every error listed with a non-zero exit and the
database unchanged, and the example file of the 2025 merger applied to the seeded data."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.translation import gettext, override

from agencies import reorganisation as reorg
from agencies.models import Agency, AgencyName, Membership, Reorganisation
from agencies.reorganisation import Merge, ReorganisationError
from reports.models import IssuingAuthority
from tests.factories import make_activity, make_periods, make_user
from tests.support import snapshot

pytestmark = pytest.mark.django_db

EXAMPLE = Path(settings.BASE_DIR) / "agencies/data/reorganisations/example-2025-07-01.json"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("reorganise", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> str:
    before = snapshot()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("reorganise", *args, stdout=out, stderr=err)
    assert snapshot() == before
    return err.getvalue()


def test_merge_from_the_options():
    make_user("ld.vt", "VUNGTAU", "manager")
    out, _err = run(
        "--on",
        "2025-07-01",
        "--merge",
        "VUNGTAU,BARIA",
        "--into",
        "PHUONG_VT",
        "--name",
        "Ủy ban nhân dân phường Hải Đăng",
        "--kind",
        "ward",
        "--parent",
        "UBNDTINH",
        "--reason",
        "Nghị quyết 1685",
    )
    new = Agency.objects.get(code="PHUONG_VT")
    assert (new.established_on, new.kind, new.parent.code, new.short_name) == (
        date(2025, 7, 1),
        "ward",
        "UBNDTINH",
        "Ủy ban nhân dân phường Hải Đăng",
    )
    assert Agency.objects.get(code="BARIA").successor == new
    assert "PHUONG_VT" in out and "ld.vt" in out
    assert Reorganisation.objects.get().reason == "Nghị quyết 1685"


def test_dry_run_prints_the_preview_and_changes_nothing():
    before = snapshot()
    out, _err = run(
        "--on",
        "01/07/2025",
        "--merge",
        "VUNGTAU,BARIA",
        "--into",
        "PHUONG_VT",
        "--name",
        "UBND phường A",
        "--kind",
        "ward",
        "--dry-run",
    )
    assert snapshot() == before
    assert "PHUONG_VT" in out and "VUNGTAU" in out


def test_close_rename_and_split_from_the_options():
    run("--on", "2025-07-01", "--close", "HCCB", "--into", "UBMTTQ")
    assert Agency.objects.get(code="HCCB").successor.code == "UBMTTQ"
    run(
        "--on",
        "2025-07-01",
        "--rename",
        "SYT",
        "--name",
        "Sở Y tế Thành phố",
        "--short-name",
        "Sở Y tế",
    )
    assert Agency.objects.get(code="SYT").name == "Sở Y tế Thành phố"
    assert AgencyName.objects.filter(agency__code="SYT").count() == 2
    run(
        "--on",
        "2025-07-01",
        "--split",
        "PHUMY",
        "--into",
        "PHUONG_A,XA_B",
        "--target-name",
        "PHUONG_A=UBND phường A",
        "--target-name",
        "XA_B=UBND xã B",
        "--kind",
        "ward",
        "--target-kind",
        "XA_B=commune",
        "--parent",
        "UBNDTINH",
    )
    assert dict(
        Agency.objects.filter(code__in=["PHUONG_A", "XA_B"]).values_list("code", "kind")
    ) == {"PHUONG_A": "ward", "XA_B": "commune"}
    assert Agency.objects.get(code="PHUMY").successor.code == "PHUONG_A"


def portal(function, *args):
    """The messages `function` raises (ReorganisationError), in the portal's language, as the
    command prints them."""
    with override(settings.LANGUAGE_CODE), pytest.raises(ReorganisationError) as caught:
        function(*args)
    return caught.value.messages


def test_every_error_is_listed_and_nothing_changes():
    err = refused("--on", "2025-07-01", "--merge", "VUNGTAU,NOWHERE", "--into", "VUNGTAU")
    expected = portal(
        reorg.check, [Merge(("VUNGTAU", "NOWHERE"), "VUNGTAU", date(2025, 7, 1), label="--merge")]
    )
    assert (len(expected) == 2 and "NOWHERE" in expected[0]) or "NOWHERE" in expected[1]
    for message in expected:
        assert message.startswith("--merge: ") and message in err


def test_a_bad_date_and_a_missing_action_are_refused():
    refused("--on", "1.7.2025", "--close", "HCCB")
    refused("--close", "HCCB")
    refused("--on", "2025-07-01")


def test_a_file_of_operations(tmp_path):
    path = tmp_path / "ops.json"
    path.write_text(
        json.dumps(
            {
                "effective_on": "01/07/2025",
                "reason": "Quyết định thử",
                "operations": [
                    {"op": "close", "code": "HCCB", "successor": "UBMTTQ"},
                    {
                        "op": "rename",
                        "code": "SYT",
                        "name": "Sở Y tế mới",
                        "effective_on": "2025-08-01",
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    out, _err = run(str(path), "--dry-run")
    assert "HCCB" in out
    assert not Reorganisation.objects.exists()
    run(str(path))
    rows = Reorganisation.objects.order_by("effective_on")
    assert [(r.kind, r.effective_on, r.reason) for r in rows] == [
        ("close", date(2025, 7, 1), "Quyết định thử"),
        ("rename", date(2025, 8, 1), "Quyết định thử"),
    ]


def test_a_bad_file_names_the_operation(tmp_path):
    path = tmp_path / "ops.json"
    path.write_text(
        json.dumps(
            {
                "effective_on": "2025-07-01",
                "operations": [
                    {"op": "close", "code": "HCCB"},
                    {"op": "merge", "sources": ["HCCB"], "into": "HCCB", "colour": "red"},
                    {"op": "explode", "code": "SYT"},
                ],
            }
        ),
        encoding="utf-8",
    )
    err = refused(str(path))
    expected = portal(reorg.load_document, path.read_bytes())
    assert len(expected) == 2
    assert "colour" in expected[0] and "explode" in expected[1]
    for number, kind, message in zip((2, 3), ("merge", "explode"), expected, strict=True):
        with override(settings.LANGUAGE_CODE):
            # The operation is named in the portal's language ("hợp nhất"); an unknown one
            # as the file wrote it.
            shown = reorg.operation_kind_label(kind).lower() if kind == "merge" else kind
            label = gettext("Operation %(number)d (%(kind)s)") % {"number": number, "kind": shown}
        assert message.startswith(label) and message in err
    (tmp_path / "bad.json").write_text("{\n  oops", encoding="utf-8")
    err = refused(str(tmp_path / "bad.json"))
    (message,) = portal(reorg.load_document, b"{\n  oops")
    assert message in err and " 2" in message  # the line
    refused(str(tmp_path / "missing.json"))


def test_the_example_file_applies_cleanly_to_the_seeded_data():
    make_periods(2025, 2026)
    leader = make_user("ld.tinh", "UBNDTINH", "leader")
    manager = make_user("ld.vt", "VUNGTAU", "manager")
    draft = make_activity(manager, agency="VUNGTAU")

    out, _err = run(str(EXAMPLE), "--dry-run")
    assert "DACKHU_CONDAO" in out and "ld.vt" in out
    assert not Reorganisation.objects.exists()
    run(str(EXAMPLE))

    district = Agency.objects.filter(kind="district")
    assert district.exists() and not any(a.in_operation() for a in district)
    city = Agency.objects.get(code="UBNDTINH")
    assert (city.kind, city.name) == ("city", "Ủy ban nhân dân Thành phố Hồ Chí Minh")
    assert city.in_operation() and Agency.objects.get(code="SNGV").in_operation()
    communes = Agency.objects.filter(kind__in=Agency.COMMUNE_LEVEL)
    assert communes.count() == 8 and all(a.parent == city for a in communes)
    assert Agency.objects.get(code="DACKHU_CONDAO").kind == "special_zone"
    authority = IssuingAuthority.objects.on(date(2025, 7, 1))
    assert (authority.issuer_parent, authority.issuer, authority.place) == (
        "UBND THÀNH PHỐ HỒ CHÍ MINH",
        "SỞ NGOẠI VỤ",
        "Thành phố Hồ Chí Minh",
    )
    assert IssuingAuthority.objects.on(date(2025, 6, 30)).issuer_parent != authority.issuer_parent
    assert Reorganisation.objects.count() == 8
    assert Membership.objects.get(user=leader).ended_on is None
    assert Membership.objects.get(user=manager).ended_on == date(2025, 7, 1)
    draft.refresh_from_db()
    assert draft.agency.code == "PHUONG_HAIDANG"
    # Applying it again is refused: the agencies are already reorganised.
    refused(str(EXAMPLE))
