"""Excel import (preview, then all or nothing, every cell checked as the database would) and
export (only what the user may see, formulas escaped, long lists filtered first)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from activities import exports
from activities.exports import escape
from activities.imports import COLUMNS, ImportFileError, check_sheet, import_sheet
from activities.models import Activity
from activities.services import AID_FIELDS, NewPartner
from agencies.models import Duty
from tests.factories import make_activity

pytestmark = pytest.mark.django_db

HEADERS = [str(c.header) for c in COLUMNS]


def row(**values) -> list:
    base = {
        "agency": "SLDTBXH",
        "kind": "Đón đoàn nước ngoài vào",
        "title": "Đón đoàn Chiba",
        "start_date": "02/03/2020",
        "end_date": "03/03/2020",
        "place": "Vũng Tàu",
        "duty": "III.3.2",
        "countries": "JP; Hàn Quốc",
    }
    base.update(values)
    return [base.get(c.key, "") for c in COLUMNS]


def xlsx(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check(user, content: bytes, name: str = "hoat-dong.xlsx"):
    return check_sheet(user=user, name=name, content=content)


def test_a_correct_sheet_is_previewed_then_saved_as_drafts(client, staff):
    content = xlsx([row(), row(title="Hội thảo lao động", kind="meeting", countries="")])
    client.force_login(staff)
    response = client.post(
        reverse("activities:import"), {"file": SimpleUploadedFile("hd.xlsx", content)}
    )
    assert response.status_code == 200
    assert "2 dòng hợp lệ" in response.content.decode()
    assert not Activity.objects.exists()  # the preview writes nothing
    token = response.context["token"]
    response = client.post(reverse("activities:import-confirm", args=[token]))
    assert response.status_code == 302
    activities = Activity.objects.order_by("title")
    assert [a.title for a in activities] == ["Hội thảo lao động", "Đón đoàn Chiba"]
    assert {a.status for a in activities} == {"draft"}
    chiba = activities.get(title="Đón đoàn Chiba")
    assert sorted(chiba.countries.values_list("country", flat=True)) == ["JP", "KR"]
    assert chiba.duty.ref == "III.3.2"
    assert chiba.history.get().history_user == staff
    assert "doan chiba" in chiba.search_text
    # The stored file is gone: confirming twice does not import twice.
    assert client.post(reverse("activities:import-confirm", args=[token])).status_code == 404
    assert Activity.objects.count() == 2


def test_the_template_can_be_filled_and_imported(client, staff):
    client.force_login(staff)
    response = client.get(reverse("activities:import-template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    result = check(staff, response.content)
    assert result.ok and len(result.rows) == 1


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"start_date": "2020-03-02"}, "Ngày bắt đầu", "không phải là ngày"),
        ({"end_date": "01/03/2020"}, "Ngày kết thúc", "không được trước ngày bắt đầu"),
        ({"agency": "KHONGCO"}, "Mã đơn vị", "Không có cơ quan, đơn vị nào mang mã"),
        ({"agency": "SYT"}, "Mã đơn vị", "không được cập nhật hoạt động cho"),
        ({"countries": "Atlantis"}, "Quốc gia đối tác", "Quốc gia “Atlantis” không hợp lệ"),
        ({"kind": "picnic"}, "Loại hoạt động", "không hợp lệ"),
        ({"duty": "III.4.1"}, "Nhiệm vụ theo kế hoạch", "không được giao cho"),
        ({"currency": "XYZ", "kind": "aid"}, "Loại tiền", "không hợp lệ"),
        (
            {"committed_amount": "-5", "currency": "VND", "kind": "aid"},
            "Giá trị cam kết",
            "không được âm",
        ),
        ({"title": ""}, "Tên hoạt động", "bắt buộc"),
    ],
)
def test_each_bad_cell_is_reported_with_row_and_column(staff, values, column, message):
    result = check(staff, xlsx([row(title="Dòng đúng"), row(**values)]))
    assert not result.ok
    assert (result.errors[0].row, result.errors[0].column) == (3, column)
    assert message in result.errors[0].message
    assert (
        import_sheet(
            user=staff, name="x.xlsx", content=xlsx([row(title="Dòng đúng"), row(**values)])
        ).created
        == 0
    )
    assert not Activity.objects.exists()


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


def test_duplicate_rows_in_the_file_and_in_the_database(staff):
    result = check(staff, xlsx([row(), row()]))
    assert "đã có ở dòng 2" in result.errors[0].message
    make_activity(staff, title="Đón đoàn Chiba", start_date=date(2020, 3, 2))
    result = check(staff, xlsx([row()]))
    assert "đã tồn tại" in result.errors[0].message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("hd.xlsx", xlsx([row()], headers=["Tên hoạt động"]), "Thiếu các cột"),
        ("hd.xlsx", xlsx([]), "không có dòng hoạt động nào"),
        ("hd.xlsx", b"this is plain text, not a workbook", "không phải là tệp Excel"),
        ("hd.xlsx", b"PK\x03\x04broken zip", "không phải là tệp Excel"),
        (
            "hd.csv",
            ",".join(HEADERS).encode("cp1258", errors="replace") + b"\n\xd0\xe3\n",
            "không phải bảng mã UTF-8",
        ),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(staff, name, content, message):
    with pytest.raises(ImportFileError, match=message):
        check(staff, content, name)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(staff):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(ImportFileError, match="giải nén"):
        check(staff, buffer.getvalue())


def test_csv_nul_bytes_are_dropped_and_huge_fields_refused(staff):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerow(row(place="Vũng\x00 Tàu"))
    result = check_sheet(user=staff, name="x.csv", content=text.getvalue().encode())
    assert result.ok and result.rows[0].place == "Vũng Tàu"
    huge = ",".join(HEADERS) + '\n"' + "x" * 200_000 + '"\n'
    with pytest.raises(ImportFileError, match="dấu ngoặc kép"):
        check_sheet(user=staff, name="x.csv", content=huge.encode())


def test_a_utf8_csv_imports(staff):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerow(row())
    result = check(staff, text.getvalue().encode("utf-8-sig"), "hd.csv")
    assert result.ok


@pytest.mark.parametrize(("role", "expected"), [("leader", 404), ("outsider", 404), ("staff", 200)])
def test_import_is_for_those_who_log_activities(client, cast, role, expected):
    client.force_login(cast[role])
    assert client.get(reverse("activities:import")).status_code == expected
    assert client.get(reverse("activities:import-template")).status_code == expected


def test_someone_else_cannot_confirm_my_upload(client, staff, manager):
    client.force_login(staff)
    response = client.post(
        reverse("activities:import"), {"file": SimpleUploadedFile("hd.xlsx", xlsx([row()]))}
    )
    token = response.context["token"]
    client.force_login(manager)
    assert client.post(reverse("activities:import-confirm", args=[token])).status_code == 404
    assert not Activity.objects.exists()


def exported_rows(client, fmt: str, **params) -> list[list]:
    response = client.get(reverse("activities:export", args=[fmt]), params)
    assert response.status_code == 200
    if fmt == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_holds_only_visible_rows_and_escapes_formulas(
    client, staff, reviewer, syt_staff, fmt
):
    make_activity(staff, title='=HYPERLINK("http://x")', place="+84", status="submitted")
    make_activity(staff, title="@SUM(A1)")
    make_activity(syt_staff, agency="SYT", title="Bí mật của SYT")
    client.force_login(staff)
    rows = exported_rows(client, fmt)
    # The first column is the activity's number in the portal, not a row count (STT)
    assert rows[0][0] == "Mã số hoạt động"
    assert {int(r[0]) for r in rows[1:]} == set(
        Activity.objects.filter(agency__code="SLDTBXH").values_list("pk", flat=True)
    )
    # A CSV cell is escaped; an XLSX string cell is never evaluated, so it needs no escape.
    mark = "'" if fmt == "csv" else ""
    titles = {r[3] for r in rows[1:]}
    assert titles == {mark + '=HYPERLINK("http://x")', mark + "@SUM(A1)"}
    assert mark + "+84" in {r[6] for r in rows[1:]}
    client.force_login(reviewer)  # sees submitted ones only
    assert {r[3] for r in exported_rows(client, fmt)[1:]} == {mark + '=HYPERLINK("http://x")'}


def test_export_follows_the_filters(client, staff):
    make_activity(staff, title="Hội nghị", kind="meeting")
    make_activity(staff, title="Đón đoàn")
    client.force_login(staff)
    rows = exported_rows(client, "xlsx", kind="meeting")
    assert [r[3] for r in rows[1:]] == ["Hội nghị"]
    rows = exported_rows(client, "csv", q="don doan", mine="1")
    assert [r[3] for r in rows[1:]] == ["Đón đoàn"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("-1+2", "'-1+2"), ("\tcmd", "'\tcmd"), ("=1", "'=1"), ("a\x01b", "ab"), ("ok", "ok")],
)
def test_export_escaping(value, expected):
    assert escape(value) == expected


def test_a_too_long_export_asks_to_filter(client, staff, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 1)
    make_activity(staff, title="Một")
    make_activity(staff, title="Hai")
    client.force_login(staff)
    response = client.get(reverse("activities:export", args=["xlsx"]), {"mine": "1"}, follow=True)
    assert "hãy lọc bớt trước khi tải về" in response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("activities:mine"))


ROUND_TRIP_FIELDS = [
    "agency_id",
    "kind",
    "title",
    "start_date",
    "end_date",
    "place",
    "description",
    "outcome",
    "duty_id",
    "participants_vietnamese",
    "participants_foreign",
    *AID_FIELDS,
]


def round_trip_values() -> dict[str, tuple]:
    return {
        a.title: (
            *(getattr(a, name) for name in ROUND_TRIP_FIELDS),
            sorted(a.countries.values_list("country", flat=True)),
        )
        for a in Activity.objects.all()
    }


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("exported_in", "imported_in"), [("en", "vi"), ("vi", "en")])
def test_a_sheet_exported_in_one_language_imports_in_the_other(
    client, staff, fmt, exported_in, imported_in
):
    donor = NewPartner(name="Korea Disability Foundation", kind="ngo", country="KR", is_donor=True)
    make_activity(
        staff,
        kind="aid",
        title="Vận động tài trợ xe lăn",
        duty=Duty.objects.get(ref="III.3.1"),
        countries=["KR", "JP"],
        participants_vietnamese=12,
        participants_foreign=3,
        outcome="Trao 200 xe lăn",
        new_partner=donor,
        aid={
            "aid_type": "non_project",
            "sector": "social",
            "committed_amount": Decimal("25000.50"),
            "disbursed_amount": Decimal("1000"),
            "currency": "USD",
            "committed_vnd": Decimal("600000000"),
            "approval_number": "123/QĐ-UBND",
            "approval_date": date(2020, 2, 20),
        },
    )
    make_activity(staff, kind="meeting", title="Hội nghị lao động", countries=[])
    before = round_trip_values()
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = exported_in
    exported = client.get(reverse("activities:export", args=[fmt]), {"mine": "1"})
    assert exported.status_code == 200
    Activity.objects.all().delete()  # the sheet brings them back

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = imported_in
    upload = SimpleUploadedFile(f"hoat-dong.{fmt}", exported.content)
    preview = client.post(reverse("activities:import"), {"file": upload})
    assert preview.status_code == 200
    assert preview.context["result"].errors == [] and len(preview.context["result"].rows) == 2
    confirmed = client.post(reverse("activities:import-confirm", args=[preview.context["token"]]))
    assert confirmed.status_code == 302
    assert round_trip_values() == before


def test_openpyxl_reads_xml_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True
