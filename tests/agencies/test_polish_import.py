"""The accounts import, polished: a confirmation reloaded or sent twice says the import was
done (no error, no password shown again), the page names each new account's agency and who
gets a set-password e-mail, and the preview shows the names with the columns' labels."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.utils import translation

from agencies.models import Agency, User
from tests.agencies.test_import_export_admin import (
    ACCOUNT_HEADERS,
    confirm,
    csv_upload,
    preview,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_en(client, admin_user, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(admin_user)
    with translation.override("en"):
        yield client


@pytest.fixture
def commune(db):
    return Agency.objects.create(
        code="XA_BA", name="UBND xã Ba Lòng", short_name="Xã Ba Lòng", kind="commune"
    )


ROWS = [
    ACCOUNT_HEADERS,
    ["ba01", "Trần Thị Ba", "", "", "XA_BA", "staff", ""],
    ["ba02", "Phạm Văn Bốn", "ba02@xaba.gov.vn", "", "XA_BA", "staff", ""],
]


def test_a_reloaded_confirmation_says_the_import_was_done(
    admin_en, commune, django_capture_on_commit_callbacks
):
    response = preview(admin_en, "agencies_membership", csv_upload(ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        page = confirm(admin_en, "agencies_membership", response)
    assert page.status_code == 200
    (shown,) = page.context["passwords"]
    html = page.content.decode()
    # The agency's name beside its code; the account with an e-mail named too.
    assert "UBND xã Ba Lòng (XA_BA)" in html
    assert [row["username"] for row in page.context["emailed"]] == ["ba02"]
    assert "ba02@xaba.gov.vn" in html
    assert 'class="default" value="Print the list"' in html

    again = confirm(admin_en, "agencies_membership", response)  # F5, or a second click
    assert again.status_code == 302
    assert shown["password"] not in again.content.decode()
    followed = admin_en.get(again.url)
    (message,) = [m for m in followed.context["messages"]]
    assert message.level == messages.WARNING
    assert "already done" in message.message
    assert shown["password"] not in followed.content.decode()
    # Nothing imported twice, the password unchanged.
    assert User.objects.get(username="ba01").check_password(shown["password"])
    assert User.objects.filter(username__startswith="ba").count() == 2


def test_a_confirmation_with_a_forged_file_name_imports_nothing(admin_en, commune):
    response = preview(admin_en, "agencies_membership", csv_upload(ROWS))
    data = dict(response.context["confirm_form"].initial)
    data["import_file_name"] = "../etc/passwd"
    again = admin_en.post("/admin/agencies/membership/process_import/", data)
    assert again.status_code == 302
    assert not User.objects.filter(username__startswith="ba").exists()


def test_the_preview_shows_new_names_under_the_columns_labels(admin_en, commune):
    response = preview(admin_en, "agencies_membership", csv_upload(ROWS))
    result = response.context["result"]
    assert result.diff_headers == [
        "Username",
        "Full name",
        "Email address",
        "Job title",
        "Agency",
        "Role",
        "Ended on",
    ]
    html = response.content.decode()
    assert "Trần Thị Ba" in html and "Phạm Văn Bốn" in html


def test_the_agency_preview_has_labelled_columns(admin_en):
    rows = [["code", "name", "kind"], ["XA_MOT", "UBND xã Một", "commune"]]
    response = preview(admin_en, "agencies_agency", csv_upload(rows))
    headers = response.context["result"].diff_headers
    assert "code" not in headers and "Code" in headers
