"""Each rule from the other side: forged POSTs, anonymous POSTs, and the import's limits."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse

from activities import services
from activities.exports import escape
from activities.imports import ImportFileError, check_sheet
from activities.models import Activity, Attachment, Partner
from agencies.models import Agency
from tests.activities.conftest import make_activity, pdf
from tests.activities.test_import_export import row, xlsx
from tests.activities.test_views import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(staff):
    activity = make_activity(staff, co_organisers=[Agency.objects.get(code="SYT")])
    services.add_attachment(actor=staff, activity=activity, upload=pdf())
    activity.refresh_from_db()
    return activity


def actions(activity: Activity) -> list[tuple[str, dict]]:
    attachment = activity.attachments.get()
    version = {"version": activity.version}
    return [
        (reverse("activities:submit", args=[activity.pk]), version),
        (reverse("activities:accept", args=[activity.pk]), version),
        (reverse("activities:return", args=[activity.pk]), {**version, "reason": "x"}),
        (reverse("activities:reopen", args=[activity.pk]), {**version, "reason": "x"}),
        (
            reverse("activities:edit", args=[activity.pk]),
            {**form_data(kind="meeting", title="Đổi tên"), **version},
        ),
        (reverse("activities:attachment-delete", args=[activity.pk, attachment.pk]), {}),
    ]


@pytest.mark.parametrize("role", ["manager", "reviewer", "leader", "outsider", "co_organiser"])
def test_nobody_else_changes_a_draft_by_posting(client, cast, syt_staff, draft, role):
    user = syt_staff if role == "co_organiser" else cast[role]
    client.force_login(user)
    for url, data in actions(draft):
        response = client.post(url, data)
        assert response.status_code in (302, 404), url
    draft.refresh_from_db()
    assert (draft.status, draft.title) == ("draft", "Đoàn công tác Nhật Bản")
    assert draft.attachments.count() == 1
    # The co-organiser reads it, but is offered no edit.
    if role == "co_organiser":
        html = client.get(draft.get_absolute_url()).content.decode()
        assert reverse("activities:edit", args=[draft.pk]) not in html


def test_anonymous_posts_are_sent_to_login(client, draft):
    for url, data in actions(draft):
        response = client.post(url, data)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_editing_with_a_forged_agency_is_refused(client, staff, draft):
    client.force_login(staff)
    response = client.post(
        reverse("activities:edit", args=[draft.pk]),
        {**form_data(agency=Agency.objects.get(code="SYT").pk), "version": draft.version},
    )
    assert response.status_code == 200
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    draft.refresh_from_db()
    assert draft.agency.code == "SLDTBXH"


def test_files_are_recorded_in_the_history_and_frozen_after_submission(staff, draft):
    reasons = list(draft.history.values_list("history_change_reason", flat=True))
    assert "Đính kèm tệp: bien-ban.pdf" in reasons
    draft = services.submit_activity(actor=staff, activity=draft, version=draft.version)
    with pytest.raises(services.ActivityError):
        services.delete_attachment(actor=staff, attachment=draft.attachments.get())
    with pytest.raises(services.ActivityError):
        services.add_attachment(actor=staff, activity=draft, upload=pdf())
    assert Attachment.objects.filter(activity=draft).count() == 1


def test_an_edit_names_the_lists_it_changed(staff, draft):
    from tests.activities.conftest import data

    services.update_activity(
        actor=staff, activity=draft, version=draft.version, data=data(countries=["JP", "KR"])
    )
    assert (
        draft.history.latest().history_change_reason == "Chỉnh sửa: đơn vị phối hợp tổ chức, "
        "quốc gia đối tác"
    )


def test_renaming_a_partner_refreshes_the_search(staff):
    partner = Partner.objects.create(name="Quỹ ABC", kind="ngo")
    make_activity(staff, partners=[partner])
    assert Activity.objects.search("quy abc").count() == 1
    partner.name = "Quỹ Hòa Bình"
    partner.save()
    assert Activity.objects.search("quy abc").count() == 0
    assert Activity.objects.search("hoa binh").count() == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("-1+2", "'-1+2"), ("\tcmd", "'\tcmd"), ("=1", "'=1"), ("a\x01b", "ab"), ("ok", "ok")],
)
def test_export_escaping(value, expected):
    assert escape(value) == expected


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"title": "x" * 501}, "Tên hoạt động", "Tối đa 500 ký tự."),
        (
            {"committed_amount": "NaN", "currency": "VND", "kind": "aid"},
            "Giá trị cam kết",
            "không phải là số tiền",
        ),
        (
            {"committed_amount": "1" * 20, "currency": "VND", "kind": "aid"},
            "Giá trị cam kết",
            "không phải là số tiền",
        ),
        ({"participants_foreign": "²"}, "Số người nước ngoài tham gia", "không phải là số nguyên"),
        (
            {"participants_foreign": "99999999999"},
            "Số người nước ngoài tham gia",
            "không phải là số nguyên",
        ),
        ({"currency": "USD"}, "Loại tiền", "chỉ ghi cho hoạt động vận động viện trợ"),
        ({"donor": "Không ai cả", "kind": "aid"}, "Nhà tài trợ", "Không có đối tác"),
    ],
)
def test_import_checks_what_the_database_would_refuse(staff, values, column, message):
    result = check_sheet(user=staff, name="x.xlsx", content=xlsx([row(**values)]))
    assert [(e.column, message in e.message) for e in result.errors][:1] == [(column, True)]


def rewrite_sheet(content: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML passed through `change`."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            target.writestr(item, data)
    return out.getvalue()


def test_a_damaged_sheet_is_refused_with_a_message(staff):
    broken = rewrite_sheet(xlsx([row()]), lambda xml: xml[: len(xml) // 2])  # cut mid-XML
    with pytest.raises(ImportFileError, match="bị hỏng"):
        check_sheet(user=staff, name="x.xlsx", content=broken)


def test_a_sheet_that_claims_a_million_rows_is_read_as_it_is(staff):
    def swell(xml: bytes) -> bytes:
        swollen = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', xml)
        assert b"XFD1048576" in swollen
        return swollen

    # Read as the sheet claims, the million empty rows would pass the row limit and fail.
    result = check_sheet(user=staff, name="x.xlsx", content=rewrite_sheet(xlsx([row()]), swell))
    assert result.ok and len(result.rows) == 1


@pytest.mark.parametrize("name", ["activities:form-kind-fields", "activities:form-duties"])
def test_form_parts_are_only_for_those_who_log(client, cast, name):
    client.force_login(cast["outsider"])
    assert client.get(reverse(name), {"kind": "aid", "agency": 1}).status_code == 404
    client.force_login(cast["leader"])
    assert client.get(reverse(name), {"kind": "aid", "agency": 1}).status_code == 404


def test_csv_nul_bytes_are_dropped_and_huge_fields_refused(staff):
    import csv as csv_module

    from tests.activities.test_import_export import HEADERS

    text = io.StringIO()
    writer = csv_module.writer(text)
    writer.writerow(HEADERS)
    writer.writerow(row(place="Vũng\x00 Tàu"))
    result = check_sheet(user=staff, name="x.csv", content=text.getvalue().encode())
    assert result.ok and result.rows[0].place == "Vũng Tàu"
    huge = ",".join(HEADERS) + '\n"' + "x" * 200_000 + '"\n'
    with pytest.raises(ImportFileError, match="CSV bị hỏng"):
        check_sheet(user=staff, name="x.csv", content=huge.encode())


def test_a_too_long_export_asks_to_filter(client, staff, monkeypatch):
    from activities import views

    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 1)
    make_activity(staff, title="Một")
    make_activity(staff, title="Hai")
    client.force_login(staff)
    response = client.get(reverse("activities:export", args=["xlsx"]), {"mine": "1"}, follow=True)
    assert "hãy lọc bớt trước khi tải về" in response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("activities:mine"))


def test_bulk_review_does_not_tell_what_a_draft_is(staff, reviewer):
    draft = make_activity(staff)
    result = services.review_many(actor=reviewer, versions={draft.pk: draft.version}, accept=True)
    assert result.skipped == [(draft.pk, "không tìm thấy")]
