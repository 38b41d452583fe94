"""Section IV tracked: each agency IV.1 assigns records its implementing programme (those who
act for it, from both sides), every signed-in user reads them; Sở Ngoại vụ's reviewers record
the yearly evaluation of IV.2 (others get 404); history is kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, DutyAssignment, ImplementingProgramme, Plan, PlanEvaluation
from agencies.plans import programme_progress
from tests.factories import make_user, pdf_upload

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def plan() -> Plan:
    return Plan.objects.get(number="164/KH-UBND")


def programme_url(plan: Plan, code: str) -> str:
    return reverse("agencies:programme", args=[plan.pk, code])


def progress_text(done: int, total: int) -> str:
    """The programmes' progress line as the templates' blocktranslate renders it, in the
    active language."""
    return translation.gettext("%(done)s/%(total)s agencies have their programme") % {
        "done": done,
        "total": total,
    }


def programme_post(**changes) -> dict:
    return {
        "number": "25/CTr-SLĐTBXH",
        "issued_on": "10/01/2020",
        "title": "Chương trình thực hiện Kế hoạch",
        "file": pdf_upload("chuong-trinh.pdf"),
        **changes,
    }


# --------------------------------------------------------------------------- IV.1


def test_the_programmes_page_lists_every_assigned_agency_with_or_without(client, leader, plan):
    client.force_login(leader)
    response = client.get(reverse("agencies:programmes", args=[plan.pk]))
    body = response.content.decode()
    assigned = set(
        DutyAssignment.objects.filter(duty__plan=plan, duty__ref__startswith="IV.1.").values_list(
            "agency__code", flat=True
        )
    )
    assert {row.agency.code for row in response.context["rows"]} == assigned
    with translation.override("vi"):
        not_yet = translation.gettext("not yet")
        progress = progress_text(0, len(assigned))
    assert body.count(f'colspan="2">{not_yet}</td>') == len(assigned)
    assert progress in body
    assert not any(row.may_record for row in response.context["rows"])  # leaders record none
    assert reverse("agencies:programme", args=[plan.pk, "SLDTBXH"]) not in body


def test_a_member_who_acts_for_the_agency_records_its_programme(client, staff, plan):
    client.force_login(staff)  # staff of SLDTBXH, which IV.1 assigns
    page = client.get(reverse("agencies:programmes", args=[plan.pk]))
    assert programme_url(plan, "SLDTBXH") in page.content.decode()
    assert programme_url(plan, "SYT") not in page.content.decode()
    assert client.get(programme_url(plan, "SLDTBXH")).status_code == 200
    response = client.post(programme_url(plan, "SLDTBXH"), programme_post())
    assert response.status_code == 302
    programme = ImplementingProgramme.objects.get(plan=plan, agency__code="SLDTBXH")
    assert (programme.number, programme.issued_on) == ("25/CTr-SLĐTBXH", date(2020, 1, 10))
    assert programme.uploaded_by == staff and programme.content_type == "application/pdf"
    assert programme_progress(plan)[0] == 1
    body = client.get(plan.get_absolute_url()).content.decode()
    with translation.override("vi"):
        progress = progress_text(1, 13)
    assert progress in body


def test_replacing_a_programme_keeps_the_earlier_one_in_history(client, staff, plan):
    client.force_login(staff)
    client.post(programme_url(plan, "SLDTBXH"), programme_post())
    client.post(programme_url(plan, "SLDTBXH"), programme_post(number="30/CTr-SLĐTBXH"))
    programme = ImplementingProgramme.objects.get(plan=plan, agency__code="SLDTBXH")
    assert programme.number == "30/CTr-SLĐTBXH"
    numbers = list(programme.history.order_by("history_date").values_list("number", flat=True))
    assert numbers == ["25/CTr-SLĐTBXH", "30/CTr-SLĐTBXH"]
    assert programme.history.first().history_user == staff


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("staff", "SYT"),  # another agency's staff
        ("leader", "SLDTBXH"),  # provincial leadership reads, never writes
        ("outsider", "SLDTBXH"),  # no agency
        ("staff", "UBMTTQ"),  # an agency IV.1 does not assign
        ("staff", "NOPE"),
    ],
)
def test_others_cannot_record_a_programme(client, cast, plan, role, code):
    client.force_login(cast[role])
    assert client.get(programme_url(plan, code)).status_code == 404
    assert client.post(programme_url(plan, code), programme_post()).status_code == 404
    assert not ImplementingProgramme.objects.exists()


def test_a_member_of_an_agency_not_assigned_by_iv1_gets_404(client, plan):
    client.force_login(make_user("mttq", "UBMTTQ", "staff"))
    assert client.get(programme_url(plan, "UBMTTQ")).status_code == 404


def test_anonymous_users_go_to_the_login_page(client, plan):
    for url in (
        reverse("agencies:programmes", args=[plan.pk]),
        programme_url(plan, "SLDTBXH"),
        reverse("agencies:programme_file", args=[plan.pk, "SLDTBXH"]),
        reverse("agencies:evaluation", args=[plan.pk, 2020]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_programme_file_must_be_a_pdf_or_docx(client, staff, plan):
    client.force_login(staff)
    picture = SimpleUploadedFile("anh.pdf", PNG_BYTES, content_type="application/pdf")
    response = client.post(programme_url(plan, "SLDTBXH"), programme_post(file=picture))
    assert response.status_code == 200
    with translation.override("vi"):
        refused = translation.gettext(
            "“%(name)s” is not a PDF or DOCX file (checked by its content)."
        ) % {"name": "anh.pdf"}
    assert refused in response.content.decode()
    assert not ImplementingProgramme.objects.exists()
    response = client.post(programme_url(plan, "SLDTBXH"), programme_post(number=" "))
    assert response.status_code == 200 and not ImplementingProgramme.objects.exists()
    assert response.context["form"].errors.keys() == {"number"}  # the form refuses a blank


def test_a_programme_dated_in_the_future_is_refused(client, staff, plan):
    client.force_login(staff)
    ahead = timezone.localdate() + timedelta(days=1)
    response = client.post(
        programme_url(plan, "SLDTBXH"), programme_post(issued_on=ahead.strftime("%d/%m/%Y"))
    )
    assert response.status_code == 200
    with translation.override("vi"):
        refused = translation.gettext(
            "The programme's date %(date)s is in the future: record it once it is issued."
        ) % {"date": ahead.strftime("%d/%m/%Y")}
    assert refused in response.content.decode()
    assert not ImplementingProgramme.objects.exists()


def test_every_signed_in_user_downloads_a_programme(client, staff, leader, outsider, plan):
    client.force_login(staff)
    client.post(programme_url(plan, "SLDTBXH"), programme_post())
    url = reverse("agencies:programme_file", args=[plan.pk, "SLDTBXH"])
    for user in (leader, outsider):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert "chuong-trinh.pdf" in response["Content-Disposition"]
    assert client.get(reverse("agencies:programme_file", args=[plan.pk, "SYT"])).status_code == 404


def test_the_programmes_page_query_count_does_not_grow(
    client, staff, plan, django_assert_num_queries
):
    client.force_login(staff)
    url = reverse("agencies:programmes", args=[plan.pk])
    client.get(url)
    # session, user, plan, agency ids, programmes, assigned agencies, navigation, unread count
    with django_assert_num_queries(9):
        client.get(url)
    duty = plan.duties.get(ref="IV.1.1")
    for i in range(20):
        agency = Agency.objects.create(
            code=f"Z{i}", name=f"Phòng {i}", short_name=f"Z{i}", kind="other"
        )
        DutyAssignment.objects.create(duty=duty, agency=agency, role="lead")
    client.post(programme_url(plan, "SLDTBXH"), programme_post())
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["rows"]) == 33


# --------------------------------------------------------------------------- IV.2


def evaluation_url(plan: Plan, year: int) -> str:
    return reverse("agencies:evaluation", args=[plan.pk, year])


def test_a_reviewer_records_the_yearly_evaluation_with_history(client, reviewer, plan):
    client.force_login(reviewer)
    assert client.get(evaluation_url(plan, 2020)).status_code == 200
    data = {
        "results": "Hoàn thành 90% nhiệm vụ.",
        "lessons": "Cần báo cáo đúng hạn.",
        "adjustments": "",
    }
    assert client.post(evaluation_url(plan, 2020), data).status_code == 302
    client.post(evaluation_url(plan, 2020), {**data, "adjustments": "Bổ sung nhiệm vụ cấp xã."})
    evaluation = PlanEvaluation.objects.get(plan=plan, year=2020)
    assert evaluation.adjustments == "Bổ sung nhiệm vụ cấp xã."
    assert evaluation.recorded_by == reviewer
    assert evaluation.history.count() == 2
    assert evaluation.history.first().history_user == reviewer
    with translation.override("en"):
        body = client.get(plan.get_absolute_url()).content.decode()
    assert evaluation_url(plan, 2020) in body


def test_an_evaluation_needs_results(client, reviewer, plan):
    client.force_login(reviewer)
    response = client.post(evaluation_url(plan, 2020), {"results": "  "})
    assert response.status_code == 200
    assert not PlanEvaluation.objects.exists()


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_others_get_404_on_the_evaluation(client, cast, plan, role):
    client.force_login(cast[role])
    assert client.get(evaluation_url(plan, 2020)).status_code == 404
    assert client.post(evaluation_url(plan, 2020), {"results": "X"}).status_code == 404
    assert not PlanEvaluation.objects.exists()
    with translation.override("en"):
        body = client.get(plan.get_absolute_url()).content.decode()
    assert evaluation_url(plan, 2020) not in body


def test_a_year_outside_the_plan_is_404(client, reviewer, plan):
    client.force_login(reviewer)
    assert client.get(evaluation_url(plan, 2018)).status_code == 404
    assert client.get(evaluation_url(plan, 99999999999999)).status_code == 404


# The programme form's errors (a wrong file in the label's words, each error once) ---------


def refused(name: str) -> str:
    with translation.override("vi"):
        return translation.gettext(
            "“%(name)s” is not a PDF or DOCX file (checked by its content)."
        ) % {"name": name}


@pytest.mark.parametrize(
    "name, content",
    [("anh.png", PNG_BYTES), ("ghi-chu.txt", b"plain text, no kind at all")],
)
def test_a_wrong_file_is_refused_once_in_the_labels_words(client, staff, plan, name, content):
    client.force_login(staff)
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post(programme_url(plan, "SLDTBXH"), programme_post(file=upload))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(refused(name)) == 1
    assert "XLSX" not in html
    assert response.context["form"].errors.keys() == {"file"}
    assert not ImplementingProgramme.objects.exists()


def test_the_services_refusal_shows_once(client, staff, plan):
    client.force_login(staff)
    ahead = timezone.localdate() + timedelta(days=1)
    response = client.post(
        programme_url(plan, "SLDTBXH"), programme_post(issued_on=ahead.strftime("%d/%m/%Y"))
    )
    with translation.override("vi"):
        message = translation.gettext(
            "The programme's date %(date)s is in the future: record it once it is issued."
        ) % {"date": ahead.strftime("%d/%m/%Y")}
    assert response.content.decode().count(message) == 1
