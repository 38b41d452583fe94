"""What the activity pages answer to input no page of theirs sends (a crafted post, an id
too large for the database, too many files or ticks): a Vietnamese message or a 404, the
data unchanged, never a server error."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from activities import imports
from activities.forms import (
    MAX_FILES,
    MAX_TICKED,
    REVIEW_PAGE_SIZE,
    STALE_PAGE,
    ActivityForm,
    MoveForm,
    MultipleFileField,
    VersionsField,
)
from activities.models import Activity, Attachment
from agencies.models import Agency
from doingoai.forms import MAX_INTEGER, NOT_A_CHOICE
from tests.factories import make_activity, pdf_upload

pytestmark = pytest.mark.django_db

NOT_NUMBERS = ["²", "٣", "99999999999999999999", str(MAX_INTEGER + 1), "0", "-1", "1.5", " 1"]


def said(response) -> list[str]:
    """The flash messages a response carries to the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def in_vietnamese(message) -> str:
    with translation.override("vi"):
        return str(message)


def new_activity(**overrides) -> dict:
    """The new-activity form as a user fills it in."""
    return {
        "agency": Agency.objects.get(code="SLDTBXH").pk,
        "kind": "inbound",
        "title": "Đón đoàn Hàn Quốc",
        "start_date": "02/03/2020",
        "end_date": "03/03/2020",
        **overrides,
    }


# ---------------------------------------------------------------------------- the review queue


@pytest.mark.parametrize(
    "item",
    [
        "²:1",
        "1:²",
        "99999999999999999999:1",
        "1:99999999999999999999",
        f"{MAX_INTEGER + 1}:1",
        "0:1",
        "abc",
        "1:",
        ":1",
    ],
)
def test_a_bulk_review_with_a_malformed_row_changes_nothing_and_says_to_reload(
    client, staff, reviewer, item
):
    activity = make_activity(staff, status="submitted")
    client.force_login(reviewer)
    response = client.post(
        reverse("activities:review"),
        {"versions": [f"{activity.pk}:{activity.version}", item], "action": "accept"},
    )
    assert response.status_code == 302
    assert said(response) == [in_vietnamese(VersionsField.default_error_messages["invalid"])]
    activity.refresh_from_db()
    assert activity.status == "submitted"


def test_a_bulk_review_of_more_rows_than_a_page_changes_nothing(client, staff, reviewer):
    activity = make_activity(staff, status="submitted")
    versions = [f"{activity.pk}:{activity.version}"] + [f"{10**6 + i}:1" for i in range(MAX_TICKED)]
    client.force_login(reviewer)
    response = client.post(reverse("activities:review"), {"versions": versions, "action": "accept"})
    assert response.status_code == 302
    with translation.override("vi"):
        expected = VersionsField.default_error_messages["too_many"] % {"count": MAX_TICKED}
    assert said(response) == [expected]
    activity.refresh_from_db()
    assert activity.status == "submitted"


def test_activities_skipped_for_one_reason_are_told_in_one_message(client, staff, reviewer):
    activity = make_activity(staff, status="submitted")
    unknown = [10**6 + i for i in range(MAX_TICKED - 1)]
    client.force_login(reviewer)
    response = client.post(
        reverse("activities:review"),
        {
            "versions": [f"{activity.pk}:{activity.version}"] + [f"{pk}:1" for pk in unknown],
            "action": "accept",
        },
    )
    done, skipped = said(response)
    assert done == "Đã tiếp nhận 1 hoạt động."
    named = ", ".join(f"#{pk}" for pk in unknown[:5])
    assert skipped == f"Bỏ qua {len(unknown)} hoạt động ({named}, …): không tìm thấy"
    activity.refresh_from_db()
    assert activity.status == "accepted"


def test_a_full_page_of_the_queue_is_reviewed_in_one_post(client, staff, reviewer):
    for n in range(REVIEW_PAGE_SIZE + 1):
        make_activity(staff, status="submitted", title=f"Hoạt động {n}")
    client.force_login(reviewer)
    page = client.get(reverse("activities:review")).content.decode()
    ticked = re.findall(r'name="versions" value="([^"]+)"', page)
    assert len(ticked) == REVIEW_PAGE_SIZE == MAX_TICKED
    # the rows, the token, the move and the reason: far below Django's limit
    assert len(ticked) + 3 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = client.post(
        reverse("activities:review"), {"versions": ticked, "action": "accept"}, follow=True
    )
    assert f"Đã tiếp nhận {REVIEW_PAGE_SIZE} hoạt động." in response.content.decode()
    assert Activity.objects.filter(status="submitted").count() == 1


# ---------------------------------------------------------------------------- the import


@pytest.mark.parametrize("token", ["a" * 300, "²" * 32, "A" * 32, "0" * 31, "0" * 33, "abc"])
def test_confirming_an_import_with_a_token_we_never_made_is_404(client, staff, token):
    client.force_login(staff)
    response = client.post(reverse("activities:import-confirm", args=[token]))
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_the_import_and_the_form_take_the_same_numbers_of_people(staff):
    sheet = (
        "Mã đơn vị,Loại hoạt động,Tên hoạt động,Ngày bắt đầu,Ngày kết thúc,"
        "Số người Việt Nam tham gia\n"
        f"SLDTBXH,inbound,Lớn nhất,02/03/2020,03/03/2020,{MAX_INTEGER}\n"
        f"SLDTBXH,inbound,Quá lớn,02/03/2020,03/03/2020,{MAX_INTEGER + 1}\n"
    )
    with translation.override("vi"):
        result = imports.check_sheet(user=staff, name="a.csv", content=sheet.encode())
    assert [error.row for error in result.errors] == [3]
    form = ActivityForm(user=staff)
    assert form.fields["participants_vietnamese"].max_value == MAX_INTEGER


# ---------------------------------------------------------------------------- the form


@pytest.mark.parametrize("number", ["3000000000", "99999999999999999999", str(MAX_INTEGER + 1)])
@pytest.mark.parametrize("field", ["participants_vietnamese", "participants_foreign"])
def test_a_number_of_people_too_large_for_the_database_is_a_form_error(
    client, staff, field, number
):
    client.force_login(staff)
    response = client.post(reverse("activities:create"), new_activity(**{field: number}))
    assert response.status_code == 200
    message = in_vietnamese(ActivityForm.base_fields[field].error_messages["max_value"])
    assert escape(message) in response.content.decode()
    assert not Activity.objects.exists()


def test_the_largest_number_of_people_the_database_holds_is_saved(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("activities:create"), new_activity(participants_foreign=str(MAX_INTEGER))
    )
    assert response.status_code == 302
    assert Activity.objects.get().participants_foreign == MAX_INTEGER


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("field", ["partners", "co_organisers"])
def test_a_crafted_partner_or_co_organiser_is_a_vietnamese_form_error(client, staff, field, value):
    client.force_login(staff)
    response = client.post(reverse("activities:create"), new_activity(**{field: [value]}))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(in_vietnamese(NOT_A_CHOICE) % {"value": value}) in html
    assert "is not a valid value" not in html
    assert not Activity.objects.exists()


def test_more_files_than_a_form_takes_keep_what_was_typed(client, staff):
    client.force_login(staff)
    files = [pdf_upload(f"{n}.pdf") for n in range(MAX_FILES + 1)]
    response = client.post(reverse("activities:create"), new_activity(attachments=files))
    assert response.status_code == 200
    html = response.content.decode()
    too_many = MultipleFileField.default_error_messages["too_many"]
    expected = in_vietnamese(too_many) % {"count": MAX_FILES, "chosen": MAX_FILES + 1}
    assert escape(expected) in html
    assert "tối đa 10 tệp" in html  # the help text tells the limit too
    assert 'value="Đón đoàn Hàn Quốc"' in html
    assert not Activity.objects.exists() and not Attachment.objects.exists()


def test_more_files_than_a_form_takes_change_no_draft(client, staff):
    draft = make_activity(staff, title="Bản nháp", start_date=date(2020, 3, 2))
    client.force_login(staff)
    files = [pdf_upload(f"{n}.pdf") for n in range(MAX_FILES + 1)]
    data = new_activity(title="Đổi tên", version=draft.version, attachments=files)
    response = client.post(reverse("activities:edit", args=[draft.pk]), data)
    assert response.status_code == 200
    assert 'value="Đổi tên"' in response.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.version) == ("Bản nháp", 1)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("version", ["²", "99999999999999999999", str(MAX_INTEGER + 1)])
def test_an_edit_or_a_move_with_an_impossible_version_says_to_reload(
    client, staff, reviewer, version
):
    draft = make_activity(staff, title="Bản nháp")
    client.force_login(staff)
    data = new_activity(title="Đổi tên", version=version)
    response = client.post(reverse("activities:edit", args=[draft.pk]), data)
    assert response.status_code == 200
    assert escape(in_vietnamese(STALE_PAGE)) in response.content.decode()
    submitted = make_activity(staff, status="submitted")
    client.force_login(reviewer)
    response = client.post(reverse("activities:accept", args=[submitted.pk]), {"version": version})
    with translation.override("vi"):
        incomplete = MoveForm(needs_reason=False).problem()
    assert said(response) == [incomplete]
    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert (draft.title, draft.version, submitted.status) == ("Bản nháp", 1, "submitted")
