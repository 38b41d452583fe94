"""Every text that enters the portal is stored in one form (issue #10, kind 1): composed
Unicode, Đ/đ for their look-alikes, no control or invisible direction character, line breaks
only where a field has lines. Each edge a text crosses (a form's POST, a search's GET, the
admin, a management command, a service's save) is tried with several members of the kind,
and the value the database holds is asserted."""

from __future__ import annotations

import importlib
import unicodedata
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from activities import services as activity_services
from activities.exchange.models import Message
from activities.forms import ActivityForm
from activities.models import Activity, ActivityCountry, Attachment, Partner
from agencies.models import Agency, Duty, LegalBasis, Plan, User
from doingoai.text import fold
from reports.models import ReportingPeriod
from tests.factories import (
    PASSWORD,
    activity_data,
    activity_form,
    make_activity,
    make_periods,
    message_form,
    pdf_upload,
    send_message,
)

pytestmark = pytest.mark.django_db

TITLE = "Đón đoàn công tác tỉnh Chiba"

# (what was typed, what is stored) for a single-line field: one of each member of the kind.
SINGLE_LINE = {
    "decomposed (a Mac)": (unicodedata.normalize("NFD", TITLE), TITLE),
    "Icelandic eth and African D": (TITLE.replace("Đ", "Ð").replace("đ", "ɖ"), TITLE),
    "right-to-left override": (
        "Đón đoàn \u202eNB nậhN\u202c tỉnh Chiba",
        "Đón đoàn NB nậhN tỉnh Chiba",
    ),
    "isolate": (TITLE.replace("Chiba", "\u2066Chiba\u2069"), TITLE),
    "NUL": (TITLE.replace("tỉnh", "t\x00ỉnh"), TITLE),
    "C0 and C1 controls": (TITLE.replace("công", "c\x07ông\x1b\x9b"), TITLE),
    "tab": (TITLE.replace("đoàn ", "đoàn\t"), TITLE),
    "soft hyphen": (TITLE.replace("Chiba", "Chi\u00adba"), TITLE),
}
MULTILINE_TYPED = "Dòng một\r\nDòng\u202e hai\rDòng\tba\x00"
MULTILINE_STORED = "Dòng một\nDòng hai\nDòng\tba"


def activity_post(**overrides) -> dict:
    return activity_form(**{"title": TITLE, "place": "Vũng Tàu", "countries": ["JP"], **overrides})


# ---------------------------------------------------------------------------- a form's POST


@pytest.mark.parametrize("typed, stored", SINGLE_LINE.values(), ids=SINGLE_LINE.keys())
def test_the_new_activity_form_stores_each_form_of_a_title_as_one(client, staff, typed, stored):
    client.force_login(staff)
    response = client.post(
        reverse("activities:create"),
        activity_post(title=typed, place=typed, description=MULTILINE_TYPED),
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.title, activity.place) == (stored, stored)
    assert activity.description == MULTILINE_STORED
    assert activity.search_text.startswith("don doan")


def test_a_line_break_in_a_single_line_field_becomes_a_space_in_the_form_too(staff):
    form = ActivityForm(
        activity_post(title="Đón đoàn\r\nNhật Bản", outcome="Kết quả\r\ntốt"), user=staff
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Đón đoàn Nhật Bản"
    assert form.cleaned_data["outcome"] == "Kết quả\ntốt"


def test_the_length_limit_counts_the_composed_letters(staff):
    # 500 letters typed on a Mac are 1,500 code points: the title's limit is 500 letters.
    typed = unicodedata.normalize("NFD", "ế" * 500)
    form = ActivityForm(activity_post(title=typed), user=staff)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "ế" * 500


def test_a_new_partner_typed_in_another_form_is_the_partner_already_known(client, staff):
    known = Partner.objects.create(name="Hội Hữu nghị Việt Nam - Nhật Bản", kind="friendship")
    client.force_login(staff)
    typed = unicodedata.normalize("NFD", "Hội\u200b Hữu nghị Việt Nam - Nhật Bản\u202c")
    response = client.post(
        reverse("activities:create"),
        activity_post(new_partner_name=typed, new_partner_kind="friendship"),
    )
    assert response.status_code == 302
    assert list(Partner.objects.all()) == [known]
    assert list(Activity.objects.get().partners.all()) == [known]


def test_an_uploaded_file_name_is_stored_clean(client, staff):
    client.force_login(staff)
    name = unicodedata.normalize("NFD", "Biên bản \u202eđoàn\u202c\x07.pdf")
    response = client.post(
        reverse("activities:create"), {**activity_post(), "attachments": [pdf_upload(name)]}
    )
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "Biên bản đoàn.pdf"


def test_a_message_posted_keeps_its_lines_and_loses_its_controls(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("exchange:new"),
        message_form(subject="Thông\x00 báo\r\nlịch \u2066tiếp\u2069 đoàn", body=MULTILINE_TYPED),
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.subject, message.body) == ("Thông báo lịch tiếp đoàn", MULTILINE_STORED)


def test_a_password_is_kept_exactly_as_typed(staff):
    # A password of decomposed letters, as a Mac types it, still opens the account.
    password = unicodedata.normalize("NFD", "Mật khẩu đúng 9")
    staff.set_password(password)
    staff.save()
    client = Client()
    response = client.post(reverse("login"), {"username": staff.username, "password": password})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


# ---------------------------------------------------------------------------- a search's GET


@pytest.mark.parametrize(
    "query",
    [
        unicodedata.normalize("NFD", "đoàn công tác"),
        "ɖoàn công tác",
        "\u202eđoàn\u202c công tác",
        "đoàn\x00 công tác",
        "đoàn\tcông\x9b tác",
    ],
    ids=["decomposed", "look-alike", "override", "NUL", "tab and C1"],
)
def test_the_activity_search_finds_the_title_however_the_words_are_typed(client, staff, query):
    found = make_activity(staff, title=TITLE)
    make_activity(staff, title="Hội nghị hữu nghị")
    client.force_login(staff)
    response = client.get(reverse("activities:list"), {"q": query})
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"]] == [found.pk]


@pytest.mark.parametrize(
    "query",
    [unicodedata.normalize("NFD", "Lao động"), "Lao ɖộng", "Lao\u2066 động\x00"],
    ids=["decomposed", "look-alike", "isolate and NUL"],
)
def test_the_agency_search_finds_the_name_however_it_is_typed(client, staff, query):
    client.force_login(staff)
    response = client.get(reverse("agencies:list"), {"q": query})
    assert response.status_code == 200
    assert "SLDTBXH" in response.content.decode()


@pytest.mark.parametrize(
    "query", [unicodedata.normalize("NFD", "lịch tiếp"), "lịch\x07 tiếp", "\u202elịch tiếp"]
)
def test_the_inbox_search_finds_the_subject_however_it_is_typed(client, reviewer, manager, query):
    wanted = send_message(reviewer, subject="Lịch tiếp đoàn")
    send_message(reviewer, subject="Báo cáo quý")
    client.force_login(manager)
    response = client.get(reverse("exchange:inbox"), {"q": query})
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"]] == [wanted.pk]


@pytest.mark.parametrize(
    "query, found",
    [("%00", 2), ("Chiba%00", 1), ("Chi%07ba%1b", 1), ("%E2%80%AEChiba", 1), ("Chiba%C2%9B", 1)],
)
def test_the_admin_search_takes_any_control_character(client, admin_user, staff, query, found):
    make_activity(staff, title=TITLE)
    make_activity(staff, title="Hội nghị hữu nghị")
    client.force_login(admin_user)
    response = client.get(reverse("admin:activities_activity_changelist") + f"?q={query}")
    assert response.status_code == 200
    assert response.context["cl"].result_count == found


# ---------------------------------------------------------------------------- paths and pages


@pytest.mark.parametrize(
    "path", ["/agencies/SLDTBXH%00/", "/agencies/SLDTBXH%07/", "/agencies/SLD%E2%80%AETBXH/"]
)
def test_a_path_with_a_control_character_is_the_vietnamese_404(client, staff, path):
    client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.parametrize(
    "fields, status",
    [
        # the NUL is no part of a username: the account opens
        ({"username": "staff\x00", "password": PASSWORD}, 302),
        ({"username": "st\x00aff", "password": "sai\x00"}, 200),
        ({"username": "\x00", "password": "\x00"}, 200),
    ],
)
def test_a_nul_on_the_login_page_never_gives_an_english_message(client, staff, fields, status):
    response = client.post(reverse("login"), fields)
    assert response.status_code == status
    html = response.content.decode()
    assert "Null characters" not in html and "not allowed" not in html
    if status == 200:
        assert 'lang="vi"' in html and 'class="invalid-feedback' in html


def test_a_nul_in_a_password_field_is_refused_in_vietnamese(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("password_change"),
        {"old_password": "x\x00", "new_password1": "a\x00", "new_password2": "a\x00"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Null characters" not in html
    assert "“Mật khẩu cũ” không được chứa ký tự NUL; vui lòng nhập lại" in html


def test_a_nul_in_the_admin_is_removed_not_refused_in_english(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:agencies_agency_add"),
        {
            "code": "SVHTTDL\x00",
            "name": "Sở Văn hóa\x00, Thể thao và Du lịch",
            "short_name": "Sở VHTTDL",
            "kind": "department",
            "position": "30",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Agency.objects.get(code="SVHTTDL").name == "Sở Văn hóa, Thể thao và Du lịch"


# ---------------------------------------------------------------------------- the admin


@pytest.mark.parametrize(
    "typed, stored",
    [SINGLE_LINE[k] for k in ("decomposed (a Mac)", "Icelandic eth and African D", "isolate")]
    + [("Hội \u202eNB nậhN\u202c\t Hữu nghị", "Hội NB nậhN Hữu nghị")],
)
def test_the_admin_change_form_stores_a_partner_name_clean(client, admin_user, typed, stored):
    partner = Partner.objects.create(name="Hội cũ", kind="friendship", country="JP")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:activities_partner_change", args=[partner.pk]),
        {"name": typed, "kind": "friendship", "country": "JP"},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == stored
    assert partner.search_text == fold(stored)


# ---------------------------------------------------------------------------- commands


@pytest.mark.parametrize(
    "typed",
    [
        unicodedata.normalize("NFD", "Nguyễn Thị Lan"),
        "Nguyễn\u202e Thị\u202c Lan",
        "Nguyễn\x00 Thị\x07 Lan",
        "Nguyễn\tThị\x9b Lan",
    ],
)
def test_create_account_stores_the_full_name_clean(typed):
    call_command(
        "create_account",
        "lan",
        "--agency",
        "SYT",
        "--role",
        "staff",
        "--full-name",
        typed,
        stdout=StringIO(),
    )
    user = User.objects.get(username="lan")
    assert (user.first_name, user.last_name) == ("Nguyễn Thị", "Lan")


# ---------------------------------------------------------------------------- services and saves


@pytest.mark.parametrize("typed, stored", SINGLE_LINE.values(), ids=SINGLE_LINE.keys())
def test_the_activity_service_stores_the_title_clean(staff, typed, stored):
    activity = activity_services.create_activity(
        actor=staff, data=activity_data(title=typed, outcome=MULTILINE_TYPED)
    )
    activity.refresh_from_db()
    assert activity.title == stored
    assert activity.outcome == MULTILINE_STORED
    assert activity.history.get().title == stored


@pytest.mark.parametrize(
    "typed, stored",
    [SINGLE_LINE[k] for k in ("decomposed (a Mac)", "right-to-left override", "NUL", "tab")],
)
def test_the_message_service_stores_subject_and_body_clean(reviewer, typed, stored):
    message = send_message(reviewer, subject=typed, body=MULTILINE_TYPED)
    message.refresh_from_db()
    assert (message.subject, message.body) == (stored, MULTILINE_STORED)


@pytest.mark.parametrize(
    "stored", ["Hội\u00a0Hữu nghị", "Hội\u202fHữu\u3000nghị", "Hội  Hữu\tnghị"]
)
def test_a_partner_named_with_other_spaces_is_the_same_partner(stored):
    partner = Partner.objects.create(name=stored, kind="friendship")
    assert partner.name == "Hội Hữu nghị"
    found = activity_services.get_or_create_partner(name="Hội Hữu nghị", kind="friendship")
    assert found.pk == partner.pk


# ---------------------------------------------------------------------------- stored text
# The data migrations (agencies 0004, activities 0008, exchange 0004, reports 0006) on rows an
# older portal stored raw (update() sends no signal). Every unique column or set of columns
# with a text in it: User.username, Agency.code, Plan.number, LegalBasis (plan, number), Duty
# (plan, ref), Partner (name, country), ActivityCountry (activity, country), ReportingPeriod
# (kind, year); the exchange has none.


NFD_TITLE = unicodedata.normalize("NFD", "Kế hoạch công tác đối ngoại")


def run_migration(app: str, name: str, function: str) -> None:
    module = importlib.import_module(f"{app}.migrations.{name}")
    getattr(module, function)(django_apps, SimpleNamespace(connection=connection))


def test_agencies_rows_that_clean_to_one_are_left_and_named(capsys):
    plan = Plan.objects.get()
    twin = Plan.objects.create(
        number="x", issued_on=plan.issued_on, valid_from=plan.issued_on, issuer="UBND", title="t"
    )
    Plan.objects.filter(pk=twin.pk).update(number=plan.number + "\u200b", title=NFD_TITLE)
    first, second = plan.legal_bases.order_by("pk")[:2]
    LegalBasis.objects.filter(pk=first.pk).update(number="09/2019/NĐ-CP")
    LegalBasis.objects.filter(pk=second.pk).update(number="09/2019/NÐ-CP")  # Icelandic eth
    duty, other_duty = plan.duties.order_by("pk")[:2]
    Duty.objects.filter(pk=other_duty.pk).update(ref=duty.ref + "\u2066\u2069")
    agency = Agency.objects.get(code="SLDTBXH")
    twin_agency = Agency.objects.exclude(pk=agency.pk).first()
    Agency.objects.filter(pk=twin_agency.pk).update(code="SLDTBXH\u200b")
    composed = User.objects.create_user("lân")
    decomposed = User.objects.create_user("x")
    User.objects.filter(pk=decomposed.pk).update(username=unicodedata.normalize("NFD", "lân"))
    lone = User.objects.create_user("y")
    User.objects.filter(pk=lone.pk).update(username=unicodedata.normalize("NFD", "hà"))

    run_migration("agencies", "0004_clean_stored_text", "clean_agencies")
    run_migration("agencies", "0004_clean_stored_text", "clean_agencies")  # again: no change

    printed = capsys.readouterr().out.splitlines()
    for label, pks in [
        ("agencies.Plan", [plan.pk, twin.pk]),
        ("agencies.LegalBasis", [first.pk, second.pk]),
        ("agencies.Duty", [duty.pk, other_duty.pk]),
        ("agencies.Agency", sorted([agency.pk, twin_agency.pk])),
        ("agencies.User", [composed.pk, decomposed.pk]),
    ]:
        prefix = f"{label} rows {', '.join(map(str, pks))}: "
        named = [line for line in printed if line.startswith(prefix)]
        # Once a run: the second run finds the same rows, still left as they are.
        assert len(named) == 2, printed
        assert named[0].endswith("left as stored for an administrator to merge or rename.")
    twin.refresh_from_db()
    assert twin.number == plan.number + "\u200b"
    assert twin.title == unicodedata.normalize("NFC", NFD_TITLE)  # its other columns cleaned
    assert LegalBasis.objects.get(pk=second.pk).number == "09/2019/NÐ-CP"
    assert Agency.objects.get(pk=twin_agency.pk).code == "SLDTBXH\u200b"
    assert User.objects.get(pk=decomposed.pk).username == unicodedata.normalize("NFD", "lân")
    assert User.objects.get(pk=lone.pk).username == "hà"  # no twin: cleaned


def test_activities_and_periods_that_clean_to_one_are_left_and_named(staff, capsys):
    activity = make_activity(staff)
    # A country column holds two characters: the twins are made of one letter each.
    cuba = ActivityCountry.objects.create(activity=activity, country="CU")
    other = ActivityCountry.objects.create(activity=activity, country="RU")
    ActivityCountry.objects.filter(pk=cuba.pk).update(country="C")
    ActivityCountry.objects.filter(pk=other.pk).update(country="C\u200b")
    near = Partner.objects.create(name="Hội Hữu nghị", kind="friendship", country="JP")
    far = Partner.objects.create(name="Hội Hữu nghị", kind="friendship", country="KR")
    Partner.objects.filter(pk=near.pk).update(country="J")
    Partner.objects.filter(pk=far.pk).update(country="J\u200b")
    periods = make_periods(2020)
    ReportingPeriod.objects.filter(pk=periods["2020"].pk).update(kind="half\u200b")

    run_migration("activities", "0008_clean_stored_text", "clean_activities")
    run_migration("reports", "0006_clean_stored_text", "clean_reports")
    run_migration("activities", "0008_clean_stored_text", "clean_activities")

    printed = capsys.readouterr().out
    assert f"activities.ActivityCountry rows {cuba.pk}, {other.pk}: " in printed
    assert f"activities.Partner rows {near.pk}, {far.pk}: name, country" in printed
    assert f"reports.ReportingPeriod rows {periods['2020-H1'].pk}, {periods['2020'].pk}" in printed
    assert ActivityCountry.objects.get(pk=other.pk).country == "C\u200b"
    assert Partner.objects.get(pk=far.pk).country == "J\u200b"
    assert ReportingPeriod.objects.get(pk=periods["2020"].pk).kind == "half\u200b"


def test_partners_merged_by_the_migration_are_each_named_with_their_kinds(staff, capsys):
    oldest = Partner.objects.create(name="Đoàn Hữu nghị", kind="friendship", country="JP")
    newer = Partner.objects.create(name="x", kind="ngo", country="JP")
    Partner.objects.filter(pk=newer.pk).update(name="Ðoàn Hữu\u00a0nghị")
    activity = make_activity(staff)
    activity.partners.add(newer)

    run_migration("activities", "0008_clean_stored_text", "clean_activities")

    assert capsys.readouterr().out.splitlines() == [
        f"Partners {oldest.pk} 'Đoàn Hữu nghị', {newer.pk} 'Ðoàn Hữu\\xa0nghị' (JP) are one, "
        f"'Đoàn Hữu nghị': kept {oldest.pk}; their kinds differed (friendship, ngo): "
        "kept 'friendship'"
    ]
    assert list(Partner.objects.filter(country="JP")) == [oldest]
    assert Partner.objects.get().kind == "friendship"
    assert list(activity.partners.all()) == [oldest]
