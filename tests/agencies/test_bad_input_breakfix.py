"""Bad input a breaker tried on the organisation over time (issue 11), each refused with a
clear message and nothing written: deeply nested or BOM-prefixed JSON files, operations of one
call that contradict each other, closing the focal point or the leadership without anyone to
take over, closing an agency with agencies still under it, absurd dates, wrong JSON types,
whitespace-only texts, a rename to the same name, writing to a missing folder."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, override

from agencies import reorganisation as reorg
from agencies.models import Agency, Plan
from agencies.plans import PlanError, load_plan
from agencies.reorganisation import Close, Merge, NewAgency, Rename, ReorganisationError
from doingoai.dates import EARLIEST, check_plausible_date, latest
from doingoai.jsonfiles import MAX_DEPTH, JSONFileError, parse_json_text
from tests.support import snapshot

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST = TODAY - timedelta(days=30)
PLAN_99_FILE = Path(settings.BASE_DIR) / "tests" / "data" / "plan-99-KH-UBND-2026.json"


def refused(operations) -> list[str]:
    """The messages of a refused call (English), after checking nothing was written."""
    before = snapshot()
    with override("en"), pytest.raises(ReorganisationError) as caught:
        reorg.apply(operations, actor=None)
    assert snapshot() == before
    return caught.value.messages


def document(*operations: dict, day: str = "2025-07-01") -> bytes:
    return json.dumps({"effective_on": day, "operations": list(operations)}).encode()


# -------------------------------------------------------------------- 1. one JSON reader


def test_deep_nesting_is_refused_not_a_recursion_error():
    deep = "[" * 100_000
    with override("en"):
        with pytest.raises(JSONFileError, match="more than 32 levels deep"):
            parse_json_text(deep)
        with pytest.raises(ReorganisationError, match="levels deep"):
            reorg.load_document(deep.encode())
    # Brackets inside texts do not count; MAX_DEPTH levels are read.
    assert parse_json_text('{"a": "' + "[" * 1000 + '"}') == {"a": "[" * 1000}
    assert parse_json_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)


def test_deep_nesting_in_both_commands(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    with override("en"), pytest.raises(CommandError, match="levels deep"):
        call_command("load_plan", str(deep), stdout=StringIO(), stderr=StringIO())
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("reorganise", str(deep), stdout=StringIO(), stderr=err)
    assert "Traceback" not in err.getvalue() and err.getvalue().strip()


def test_the_admin_upload_of_a_deep_file_is_a_page_not_a_500(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(admin_user)
    url = reverse("admin:agencies_reorganisation_add")
    response = client.post(url, {"file": SimpleUploadedFile("deep.json", b"[" * 100_000)})
    assert response.status_code == 200
    with override("vi"):  # the page speaks the portal's language
        expected = gettext(
            "The file nests lists or objects more than %(max)d levels deep: it is not a file "
            "of this kind."
        ) % {"max": MAX_DEPTH}
    assert escape(expected) in response.content.decode()


def test_a_byte_order_mark_is_accepted_by_both_commands(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_bytes(b"\xef\xbb\xbf" + PLAN_99_FILE.read_bytes())
    call_command("load_plan", str(plan), stdout=StringIO())
    assert Plan.objects.filter(number="99/KH-UBND").exists()
    assert parse_json_text("\ufeff[1]") == [1]
    ops = reorg.load_document(
        b"\xef\xbb\xbf" + document({"op": "close", "code": "HCCB", "successor": "UBMTTQ"})
    )
    assert [type(op) for op in ops.operations] == [Close]


# ---------------------------------------------------------- 2. overlapping operations


def test_a_successor_closed_by_another_operation_is_refused():
    messages = refused(
        [
            Close("HCCB", PAST, successor="UBMTTQ", label="A"),
            Close("UBMTTQ", PAST, label="B"),
        ]
    )
    assert any(m.startswith("B: UBMTTQ would close") and "but A needs it" in m for m in messages)


def test_a_parent_closed_by_another_operation_is_refused():
    new = NewAgency(code="NEWA", name="A", kind="ward", parent="VUNGTAU")
    messages = refused([Merge(("BARIA",), new, PAST, label="A"), Close("VUNGTAU", PAST, label="B")])
    assert any("VUNGTAU would close" in m and "A needs it" in m for m in messages), messages


def test_the_successor_closing_later_than_needed_is_accepted():
    later = PAST + timedelta(days=5)
    summary = reorg.preview(
        [
            Close("CHAUDUC", PAST, successor="BARIA", label="A"),
            Close("BARIA", later, successor="VUNGTAU", label="B"),
        ],
        actor=None,
    )
    assert len(summary.operations) == 2


# -------------------------------------------- 3. focal point, leadership, agencies under it


def test_the_focal_point_and_the_leadership_need_a_successor_of_their_kind():
    focal = Agency.objects.get(kind=Agency.Kind.FOCAL_POINT).code
    leader = Agency.objects.filter(kind__in=Agency.LEADERSHIP).first().code
    assert any("cannot close without a successor" in m for m in refused([Close(focal, PAST)]))
    assert any("cannot close without a successor" in m for m in refused([Close(leader, PAST)]))
    messages = refused([Merge((focal,), "BARIA", PAST)])
    assert any("cannot pass its work to an agency of kind" in m for m in messages), messages
    messages = refused([Close(leader, PAST, successor="BARIA")])
    assert any("cannot pass its work" in m for m in messages), messages


def test_closing_an_agency_with_agencies_under_it_is_refused():
    children = sorted(Agency.objects.filter(parent__code="UBMTTQ").values_list("code", flat=True))
    assert children
    messages = refused([Close("UBMTTQ", PAST)])
    assert any("still has agencies under it" in m and children[0] in m for m in messages)
    # Closing them in the same call (on or before that day) is accepted.
    ops = [Close(code, PAST, label=code) for code in children] + [Close("UBMTTQ", PAST)]
    reorg.preview(ops, actor=None)


# --------------------------------------------------------------------------- 4. dates


def test_the_plausible_date_rule():
    check_plausible_date(EARLIEST)
    check_plausible_date(latest())
    for day in (date(1999, 12, 31), latest() + timedelta(days=1), date(1, 1, 1)):
        with pytest.raises(ValueError):
            check_plausible_date(day)
    assert latest(date(2024, 2, 29)) == date(2034, 2, 28)


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_absurd_effective_dates_are_refused(day):
    with override("en"), pytest.raises(ReorganisationError) as caught:
        reorg.preview(
            reorg.load_document(document({"op": "close", "code": "HCCB"}, day=day)).operations,
            actor=None,
        )
    assert any("out of range" in m for m in caught.value.messages)


def plan(**changes) -> dict:
    data = json.loads(PLAN_99_FILE.read_text(encoding="utf-8"))
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes",
    [
        {"issued_on": "0001-01-01"},
        {"valid_from": "9999-01-01"},
        {"valid_until": "9999-12-31"},
        {"issued_on": "2026-02-01", "valid_from": "2026-01-01"},
    ],
)
def test_absurd_plan_dates_are_refused(changes):
    with override("en"), pytest.raises(PlanError) as caught:
        load_plan(plan(**changes))
    assert caught.value.messages[0].startswith("issued_on" if "issued_on" in changes else "valid_")
    assert not Plan.objects.filter(number="99/KH-UBND").exists()


# -------------------------------------------------------------------------- 5. types


@pytest.mark.parametrize(
    "operation, field",
    [
        ({"op": "rename", "code": "HCCB", "name": ["a"]}, "name"),
        ({"op": "close", "code": "HCCB", "reason": ["a"]}, "reason"),
        ({"op": "close", "code": 12}, "code"),
        ({"op": "merge", "sources": "BARIA,VUNGTAU", "into": "SYT"}, "sources"),
        ({"op": "merge", "sources": ["BARIA", 1], "into": "SYT"}, "sources"),
        (
            {"op": "merge", "sources": ["BARIA"], "into": {"code": "X", "name": 5, "kind": "ward"}},
            "name",
        ),
        (
            {
                "op": "authority",
                "issuer_parent": "A",
                "issuer": "B",
                "place": "C",
                "number_suffix": "D",
                "signer_title": "E",
                "recipients": {"a": 1},
            },
            "recipients",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_field(operation, field):
    with override("en"), pytest.raises(ReorganisationError) as caught:
        reorg.load_document(document(operation))
    assert any(f"“{field}”" in m for m in caught.value.messages), caught.value.messages


def test_recipients_as_a_list_of_lines_is_still_taken():
    op = {
        "op": "authority",
        "issuer_parent": "A",
        "issuer": "B",
        "place": "C",
        "number_suffix": "D",
        "signer_title": "E",
        "recipients": ["x;", "y."],
    }
    (read,) = reorg.load_document(document(op)).operations
    assert read.recipients == "x;\ny."


def test_a_number_as_date_is_refused():
    with override("en"), pytest.raises(ReorganisationError, match="effective_on"):
        reorg.load_document(
            json.dumps(
                {"effective_on": 20250701, "operations": [{"op": "close", "code": "HCCB"}]}
            ).encode()
        )


# ----------------------------------------------------------- 6. whitespace-only texts


def test_a_whitespace_only_duty_text_is_refused():
    data = plan()
    data["duties"][0]["text"] = "\u200b \n\t"
    data["title"] = "\u200b\u200b "
    with override("en"), pytest.raises(PlanError) as caught:
        load_plan(data)
    assert "duties[0].text: must not be empty." in caught.value.messages
    assert "title: must not be empty." in caught.value.messages


# ---------------------------------------------------------------------- 7. same name


def test_a_rename_to_the_current_name_is_refused():
    agency = Agency.objects.get(code="HCCB")
    messages = refused([Rename("HCCB", agency.name, PAST, short_name=agency.short_name)])
    assert any("the new name is the same as the current name" in m for m in messages)
    # A new short name alone is a change.
    reorg.preview([Rename("HCCB", agency.name, PAST, short_name="Khác")], actor=None)


# ---------------------------------------------------------------- 8. missing folder


def test_export_plan_to_a_missing_folder_speaks_the_portals_language(tmp_path):
    target = tmp_path / "no" / "such" / "plan.json"
    with override("en"), pytest.raises(CommandError) as caught:
        call_command("export_plan", "164/KH-UBND", str(target), stdout=StringIO())
    assert "the file or its folder does not exist" in str(caught.value)
    assert "No such file" not in str(caught.value)
