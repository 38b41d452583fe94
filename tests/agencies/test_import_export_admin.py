"""Reference data in the admin with django-import-export: agencies, accounts with their
memberships, partners; the dry-run preview, per-row errors, all or nothing at confirmation,
no password ever read or written, and the set-password e-mail or one-time password of a new
account."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.contrib import messages
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from activities.models import Partner
from agencies.models import Agency, Membership, User
from agencies.permissions import role_group_name
from agencies.services import AccountError, AccountRow, import_accounts, one_time_password
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


CSV_FORMAT = "1"  # ReferenceImportExportMixin.formats = [XLSX, CSV]
XLSX_FORMAT = "0"
ACCOUNT_HEADERS = ["username", "full_name", "email", "position", "agency", "role", "ended_on"]


def csv_upload(rows: list[list[object]], name: str = "data.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_upload(rows: list[list[object]], name: str = "data.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def preview(client, model: str, upload, fmt: str = CSV_FORMAT):
    """The admin's dry run of `upload`: the response, with `result` and, when every row is
    right, `confirm_form` in its context."""
    return client.post(
        reverse(f"admin:{model}_import"), {"format": fmt, "resource": "0", "import_file": upload}
    )


def confirm(client, model: str, response):
    """Confirms the previewed import, as the preview page's button does."""
    form = response.context["confirm_form"]
    return client.post(reverse(f"admin:{model}_process_import"), form.initial)


def import_file(client, model: str, upload, fmt: str = CSV_FORMAT):
    response = preview(client, model, upload, fmt)
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors(), [e.error for _n, errs in result.row_errors() for e in errs]
    assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    return confirm(client, model, response)


def invalid_rows(response) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in response.context["result"].invalid_rows}


@pytest.fixture
def admin_client_en(client, admin_user, settings):
    """The administrator, with messages in English (the Vietnamese catalogue is merged later)."""
    settings.LANGUAGE_CODE = "en"
    client.force_login(admin_user)
    with translation.override("en"):
        yield client


# Agencies --------------------------------------------------------------------------------------


def test_agencies_import_creates_and_updates_and_role_groups_follow(admin_client_en, agency):
    rows = [
        ["code", "name", "short_name", "kind", "parent", "established_on", "closed_on"],
        ["HCMC", "UBND Thành phố Hồ Chí Minh", "UBND TP.HCM", "city", "", "2025-07-01", ""],
        [
            "PHUONGA",
            "UBND phường An Bình",
            "Phường An Bình",
            "Ward People's Committee",
            "hcmc",
            "01/07/2025",
            "",
        ],
        # A known agency updated (its closing day is a reorganisation's: see the next tests).
        ["VUNGTAU", "UBND thành phố Vũng Tàu", "TP Vũng Tàu", "district", "", "", ""],
    ]
    response = preview(admin_client_en, "agencies_agency", csv_upload(rows))
    result = response.context["result"]
    assert [row.import_type for row in result.rows] == ["new", "new", "update"]
    assert not Agency.objects.filter(code="HCMC").exists()  # a dry run keeps nothing

    response = confirm(admin_client_en, "agencies_agency", response)
    assert response.status_code == 302
    ward = agency("PHUONGA")
    assert (ward.kind, ward.parent.code, ward.established_on) == (
        Agency.Kind.WARD,
        "HCMC",
        date(2025, 7, 1),
    )
    assert agency("VUNGTAU").short_name == "TP Vũng Tàu"
    assert Group.objects.filter(name=role_group_name("PHUONGA", "manager")).exists()
    assert Group.objects.filter(name=role_group_name("HCMC", "leader")).exists()
    # Every imported agency's history says who and why.
    record = agency("VUNGTAU").history.latest()
    assert record.history_user.username == "quantri"
    assert "data.csv" in record.history_change_reason


def test_agencies_import_refuses_an_unknown_parent_and_a_bad_code_per_row(admin_client_en):
    rows = [
        ["code", "name", "short_name", "kind", "parent"],
        ["XA_MOI", "UBND xã Mới", "Xã Mới", "commune", "NOWHERE"],
        ["xa_thuong", "UBND xã Thường", "Xã Thường", "commune", ""],
        ["XA_LA", "UBND xã Lạ", "Xã Lạ", "hamlet", ""],
        ["XA_DUNG", "UBND xã Đúng", "Xã Đúng", "commune", "", "31/02/2025"],
    ]
    rows[0].append("established_on")
    for row in rows[1:4]:
        row.append("")
    response = preview(admin_client_en, "agencies_agency", csv_upload(rows))
    errors = invalid_rows(response)
    assert "NOWHERE" in " ".join(errors[1]["parent"])
    assert "capital letters" in " ".join(errors[2]["code"])
    assert "hamlet" in " ".join(errors[3]["kind"])
    assert "31/02/2025" in " ".join(errors[4]["established_on"])
    assert "confirm_form" not in response.context
    assert not Agency.objects.filter(code__in=["XA_MOI", "XA_THUONG", "XA_LA", "XA_DUNG"]).exists()


def test_agencies_export_escapes_formulas(admin_client_en):
    Agency.objects.filter(code="SNGV").update(short_name="=HYPERLINK(1)")
    response = admin_client_en.post(
        reverse("admin:agencies_agency_export"),
        {"format": CSV_FORMAT, "resource": "0", **_all_fields("agency")},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "code",
        "name",
        "short_name",
        "kind",
        "parent",
        "established_on",
        "closed_on",
        "position",
    ]
    sngv = next(row for row in rows if row[0] == "SNGV")
    assert sngv[2] == "'=HYPERLINK(1)"


def _all_fields(model: str) -> dict[str, str]:
    """The export form's field checkboxes, all ticked (SelectableFieldsExportForm)."""
    from agencies.resources import AccountResource, AgencyResource

    resource = {"agency": AgencyResource, "membership": AccountResource}[model]
    prefix = resource.__name__.lower()
    return {f"{prefix}_{name}": "on" for name in resource._meta.fields}


# Accounts ---------------------------------------------------------------------------------------


def fifty_commune_officers() -> list[list[object]]:
    """50 officers of a made-up commune: even rows with an e-mail, odd rows without."""
    Agency.objects.create(
        code="XA_HOA_BINH",
        name="UBND xã Hòa Bình",
        short_name="Xã Hòa Bình",
        kind=Agency.Kind.COMMUNE,
    )
    rows: list[list[object]] = [ACCOUNT_HEADERS]
    for n in range(50):
        rows.append(
            [
                f"hoabinh{n:02d}",
                f"Nguyễn Văn {n:02d}",
                f"hoabinh{n:02d}@hoabinh.gov.vn" if n % 2 == 0 else "",
                "Công chức văn phòng",
                "xa_hoa_binh",
                "Cán bộ đơn vị" if n % 3 else "staff",
                "",
            ]
        )
    return rows


def test_fifty_commune_officers_from_one_spreadsheet(
    admin_client_en, django_capture_on_commit_callbacks
):
    # A spreadsheet's formatted empty rows at the end are no rows.
    rows = [*fifty_commune_officers(), [None] * 7, [""] * 7]
    response = preview(admin_client_en, "agencies_membership", xlsx_upload(rows), XLSX_FORMAT)
    result = response.context["result"]
    assert result.totals["new"] == 50
    assert not User.objects.filter(username__startswith="hoabinh").exists()
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        page = confirm(admin_client_en, "agencies_membership", response)

    officers = User.objects.filter(username__startswith="hoabinh")
    assert officers.count() == 50
    assert Membership.objects.filter(agency__code="XA_HOA_BINH", role="staff").count() == 50
    assert officers.get(username="hoabinh07").position == "Công chức văn phòng"
    assert officers.get(username="hoabinh07").get_full_name() == "Nguyễn Văn 07"
    # One e-mail per new account with an address, each to its own address, with a link.
    assert sorted(m.to[0] for m in mail.outbox) == [
        f"hoabinh{n:02d}@hoabinh.gov.vn" for n in range(0, 50, 2)
    ]
    assert all(len(m.to) == 1 for m in mail.outbox)
    for user in officers.exclude(email=""):
        assert not user.has_usable_password()
    # The accounts without an e-mail: their one-time passwords, shown once on this page.
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    shown = {row["username"]: row["password"] for row in page.context["passwords"]}
    assert sorted(shown) == [f"hoabinh{n:02d}" for n in range(1, 50, 2)]
    html = page.content.decode()
    for username, password in shown.items():
        assert password in html
        assert User.objects.get(username=username).check_password(password)
    # Never shown again: the list of memberships shows no password.
    assert (
        shown["hoabinh01"]
        not in admin_client_en.get(reverse("admin:agencies_membership_changelist")).content.decode()
    )


def test_the_set_password_link_lets_the_new_officer_choose_a_password(
    client, admin_client_en, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://doingoai.example.vn"
    Agency.objects.create(code="XA_AN", name="UBND xã An", short_name="Xã An", kind="commune")
    rows = [ACCOUNT_HEADERS, ["an01", "Lê Thị An", "an01@xaan.gov.vn", "", "XA_AN", "staff", ""]]
    with django_capture_on_commit_callbacks(execute=True):
        import_file(admin_client_en, "agencies_membership", csv_upload(rows))
    (email,) = mail.outbox
    assert email.to == ["an01@xaan.gov.vn"]
    assert "an01" in email.body
    link = re.search(r"https://doingoai\.example\.vn(/accounts/reset/\S+)", email.body).group(1)

    client.logout()
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url,
        {"new_password1": "Hoa-Binh-2025!", "new_password2": "Hoa-Binh-2025!"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="an01").check_password("Hoa-Binh-2025!")
    # Used once: the same link no longer works.
    assert not client.get(link, follow=True).context["validlink"]


def test_a_file_with_a_password_column_is_refused(admin_client_en):
    rows = [
        [*ACCOUNT_HEADERS, "password"],
        ["xa01", "Trần Văn Ba", "", "", "SLDTBXH", "staff", "", "secret123"],
    ]
    response = preview(admin_client_en, "agencies_membership", csv_upload(rows))
    assert response.status_code == 200
    errors = response.context["form"].errors["import_file"]
    assert "password column (password)" in " ".join(errors)
    assert "result" not in response.context
    assert not User.objects.filter(username="xa01").exists()
    # Vietnamese header too.
    rows[0][-1] = "Mật khẩu"
    response = preview(admin_client_en, "agencies_membership", csv_upload(rows))
    assert "Mật khẩu" in " ".join(response.context["form"].errors["import_file"])


def test_bad_account_rows_are_reported_each_and_nothing_is_written(admin_client_en):
    rows = [
        ACCOUNT_HEADERS,
        ["ok01", "Võ Văn Một", "", "", "SLDTBXH", "staff", ""],
        ["bad01", "", "", "", "NOWHERE", "staff", ""],
        ["bad02", "", "", "", "SLDTBXH", "chief", ""],
        ["bad03", "", "", "", "SLDTBXH", "reviewer", ""],
        ["bad04", "", "not-an-address", "", "SLDTBXH", "staff", ""],
        ["ok01", "", "", "", "SYT", "staff", ""],
        ["bad 06", "", "", "", "SYT", "staff", ""],
        ["bad07", "", "", "", "SYT", "staff", "30/30/2025"],
        ["", "", "", "", "", "", ""],  # an empty row: no row at all
    ]
    response = preview(admin_client_en, "agencies_membership", csv_upload(rows))
    errors = invalid_rows(response)
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8]
    assert response.context["result"].total_rows == 8
    assert "Unknown agency code “NOWHERE”" in errors[2]["agency"][0]
    assert "Unknown role “chief”" in errors[3]["role"][0]
    assert "focal point" in errors[4]["role"][0]
    assert "not-an-address" in errors[5]["email"][0]
    assert "already on row 1" in errors[6]["username"][0]
    assert errors[7]["username"]
    assert "30/30/2025" in errors[8]["ended_on"][0]
    assert "confirm_form" not in response.context
    assert not User.objects.filter(username__in=["ok01", "bad01", "bad02"]).exists()


def test_a_row_gone_wrong_between_preview_and_confirmation_undoes_the_whole_file(
    admin_client_en, django_capture_on_commit_callbacks
):
    Agency.objects.create(code="XA_BA", name="UBND xã Ba", short_name="Xã Ba", kind="commune")
    rows = [
        ACCOUNT_HEADERS,
        ["ba01", "", "ba01@xaba.gov.vn", "", "SLDTBXH", "staff", ""],
        ["ba02", "", "", "", "XA_BA", "staff", ""],
    ]
    response = preview(admin_client_en, "agencies_membership", csv_upload(rows))
    assert "confirm_form" in response.context
    Agency.objects.filter(code="XA_BA").update(closed_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin_client_en, "agencies_membership", response)
    assert response.status_code == 302
    assert not User.objects.filter(username__in=["ba01", "ba02"]).exists()
    assert mail.outbox == []
    page = admin_client_en.get(response.url)
    assert "Nothing was imported" in page.content.decode()


def test_an_existing_account_keeps_its_password_and_gets_its_membership_ended(admin_client_en):
    user = make_user("giu01", "SLDTBXH", "staff", full_name="Đỗ Văn Giữ")
    ended = timezone.localdate() - timedelta(days=1)
    rows = [
        ACCOUNT_HEADERS,
        ["giu01", "", "giu01@sldtbxh.gov.vn", "", "SLDTBXH", "manager", ended.strftime("%d/%m/%Y")],
    ]
    response = import_file(admin_client_en, "agencies_membership", csv_upload(rows))
    assert response.status_code == 302  # no one-time password to show
    user.refresh_from_db()
    membership = user.memberships.get()
    assert (membership.role, membership.ended_on) == ("manager", ended)
    assert user.email == "giu01@sldtbxh.gov.vn"
    assert user.get_full_name() == "Đỗ Văn Giữ"
    assert user.check_password(PASSWORD)
    assert mail.outbox == []
    record = membership.history.latest()
    assert (record.history_user.username, record.history_change_reason) == (
        "quantri",
        "Imported from the file data.csv",
    )


def test_accounts_export_has_no_password_and_escapes_formulas(admin_client_en):
    make_user("xuat01", "SLDTBXH", "staff", full_name="=cmd Tên", email="x@y.vn")
    response = admin_client_en.post(
        reverse("admin:agencies_membership_export"),
        {"format": XLSX_FORMAT, "resource": "0", **_all_fields("membership")},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ACCOUNT_HEADERS
    assert not any("password" in str(h).lower() or "mật khẩu" in str(h).lower() for h in rows[0])
    mine = next(row for row in rows if row[0] == "xuat01")
    assert mine[1] == "'=cmd Tên"
    assert mine[4:6] == ["SLDTBXH", "staff"]
    # No password hash anywhere in the file.
    hashes = set(User.objects.values_list("password", flat=True))
    assert not any(str(value) in hashes for row in rows for value in row if value)


def test_import_accounts_is_all_or_nothing_and_refuses_a_repeated_username():
    Agency.objects.create(code="XA_BON", name="UBND xã Bốn", short_name="Xã Bốn", kind="commune")
    with translation.override("vi"):
        misfit = translation.gettext("Row %(row)s: %(error)s") % {
            "row": 2,
            "error": translation.gettext(
                "Only members of the province's or city's People's Committee can have the "
                "leader role."
            ),
        }
        repeated = translation.gettext(
            "Row %(row)s: the username “%(username)s” is already on row %(first)s."
        ) % {"row": 2, "username": "BON01", "first": 1}
    with pytest.raises(AccountError, match=f"^{re.escape(misfit)}$"):
        import_accounts(
            actor=None,
            rows=[
                AccountRow(username="bon01", agency_code="XA_BON", role="staff"),
                AccountRow(username="bon02", agency_code="XA_BON", role="leader"),
            ],
        )
    assert not User.objects.filter(username__startswith="bon").exists()
    with pytest.raises(AccountError, match=f"^{re.escape(repeated)}$"):
        import_accounts(
            actor=None,
            rows=[
                AccountRow(username="bon01", agency_code="XA_BON", role="staff"),
                AccountRow(username="BON01", agency_code="XA_BON", role="staff"),
            ],
        )
    done = import_accounts(
        actor=None, rows=[AccountRow(username="bon01", agency_code="xa_bon", role="staff")]
    )
    assert done[0].one_time_password and done[0].account.created


def test_one_time_passwords_are_readable_and_random():
    passwords = {one_time_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", p) for p in passwords)
    assert not any(c in p for p in passwords for c in "01lo")


# Partners ---------------------------------------------------------------------------------------


def test_partners_import_dedups_as_the_model_does_and_checks_each_row(admin_client_en):
    Partner.objects.create(
        name="Cơ quan Hợp tác Quốc tế Nhật Bản", kind="international", country="JP"
    )
    rows = [
        ["name", "kind", "country"],
        ["co quan hop tac quoc te nhat ban", "Foreign NGO", "jp"],
        ["Tổ chức  Hữu nghị   Hàn Quốc", "friendship", "KR"],
        ["Tổ chức Lạ", "ngo", "XX"],
        ["", "ngo", "US"],
    ]
    response = preview(admin_client_en, "activities_partner", csv_upload(rows))
    errors = invalid_rows(response)
    assert "XX" in errors[3]["country"][0]
    assert errors[4]
    rows = rows[:3]
    import_file(admin_client_en, "activities_partner", csv_upload(rows))
    jica = Partner.objects.get(country="JP")
    assert (jica.name, jica.kind) == ("Cơ quan Hợp tác Quốc tế Nhật Bản", "ngo")
    korea = Partner.objects.get(country="KR")
    assert korea.name == "Tổ chức Hữu nghị Hàn Quốc"
    assert Partner.objects.count() == 2


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["agencies_agency", "agencies_membership", "activities_partner"])
@pytest.mark.parametrize("step", ["import", "export"])
def test_import_and_export_pages_are_closed_to_non_staff(client, cast, name, step):
    for role in ("staff", "manager", "reviewer", "leader", "outsider"):
        client.force_login(cast[role])
        response = client.get(reverse(f"admin:{name}_{step}"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
        response = client.post(reverse(f"admin:{name}_process_import"), {})
        assert response.status_code == 302


def test_staff_without_the_rights_cannot_import(client):
    clerk = User.objects.create_user("thuky", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:agencies_membership_import")).status_code == 403
    assert client.get(reverse("admin:agencies_agency_import")).status_code == 403


def test_the_administrator_opens_the_import_pages(admin_client_en):
    for name in ("agencies_agency", "agencies_membership", "activities_partner"):
        response = admin_client_en.get(reverse(f"admin:{name}_import"))
        assert response.status_code == 200
        assert response.context["form"].fields["format"].choices[1:] == [
            ("0", "xlsx"),
            ("1", "csv"),
        ]


def test_the_account_import_page_names_every_column_and_no_password(admin_client_en):
    response = admin_client_en.get(reverse("admin:agencies_membership_import"))
    ((_name, columns),) = response.context["fields_list"]
    assert columns == ACCOUNT_HEADERS


def test_the_preview_in_vietnamese_names_each_bad_row(client, admin_user):
    # The portal's language (tests/conftest.py): the messages come from the catalogue.
    client.force_login(admin_user)
    rows = [ACCOUNT_HEADERS, ["vi01", "", "", "", "NOWHERE", "Cán bộ đơn vị", "01/13/2025"]]
    response = preview(client, "agencies_membership", csv_upload(rows))
    assert response.status_code == 200
    errors = invalid_rows(response)[1]
    assert sorted(errors) == ["agency", "ended_on"]
    assert "NOWHERE" in errors["agency"][0]
    assert "01/13/2025" in errors["ended_on"][0]


def test_the_same_file_twice_sends_one_e_mail_per_new_account(
    admin_client_en, django_capture_on_commit_callbacks
):
    Agency.objects.create(code="XA_HAI", name="UBND xã Hai", short_name="Xã Hai", kind="commune")
    rows = [
        ACCOUNT_HEADERS,
        ["hai01", "Lý Văn Hai", "hai01@xahai.gov.vn", "", "XA_HAI", "staff", ""],
    ]
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            import_file(admin_client_en, "agencies_membership", xlsx_upload(rows), XLSX_FORMAT)
    assert [m.to for m in mail.outbox] == [["hai01@xahai.gov.vn"]]
    assert Membership.objects.filter(user__username="hai01").count() == 1


def test_an_xlsx_file_with_a_password_column_is_refused(admin_client_en):
    rows = [[*ACCOUNT_HEADERS, "Password"], ["x1", "", "", "", "SYT", "staff", "", "p"]]
    response = preview(admin_client_en, "agencies_membership", xlsx_upload(rows), XLSX_FORMAT)
    assert "Password" in " ".join(response.context["form"].errors["import_file"])
    assert not User.objects.filter(username="x1").exists()


def test_agencies_import_refuses_closing_a_cycle_and_a_bad_position(admin_client_en):
    """Closing an existing agency is a reorganisation's work (memberships, drafts, reports);
    a parent cycle through other rows, and a position that is not a whole number, are row
    errors in words, never Python's."""
    rows = [
        ["code", "name", "short_name", "kind", "parent", "closed_on", "position"],
        ["SNGV", "Sở Ngoại vụ", "Sở Ngoại vụ", "focal_point", "", "01/07/2025", "1"],
        ["SYT", "Sở Y tế", "Sở Y tế", "department", "SGDDT", "", "5"],
        ["SGDDT", "Sở Giáo dục và Đào tạo", "Sở GDĐT", "department", "SYT", "", "6"],
        ["SLDTBXH", "Sở Lao động", "Sở LĐTBXH", "department", "", "", "abc"],
    ]
    response = preview(admin_client_en, "agencies_agency", csv_upload(rows))
    errors = invalid_rows(response)
    assert "Reorganisations" in " ".join(errors[1]["closed_on"])
    assert "under itself" in " ".join(errors[3]["parent"])
    assert "“abc” is not a whole number." in str(errors[4]) or any(
        "“abc” is not a whole number." in e.error.__str__()
        for _n, errs in response.context["result"].row_errors()
        for e in errs
    )
    assert "ConversionSyntax" not in response.content.decode()
    assert "confirm_form" not in response.context
    assert Agency.objects.get(code="SNGV").closed_on is None
    assert Agency.objects.get(code="SYT").parent is None


# The confirmation reloaded, the passwords page, the preview's names and labels ------------


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
